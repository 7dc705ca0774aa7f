"""Table naming shared by every model.

A model's ``Meta.table_name`` is looked up on every call, so it is a property that adds the stage's
prefix (``TABLE_PREFIX``) at that moment: the same code talks to ``memberlink-local-*`` in the
sandbox and ``memberlink-prod-*`` in production, and nothing is read at import time.
"""

from __future__ import annotations

from typing import Any

from chalicelib.config import table_prefix


class _StageTableName(type):
    @property
    def table_name(cls) -> str:
        return f"{table_prefix()}-{cls.table_suffix}"  # type: ignore[attr-defined]


class StageMeta(metaclass=_StageTableName):
    """Base for a model's ``Meta``: set ``table_suffix``; billing is on demand everywhere."""

    table_suffix = ""
    billing_mode = "PAY_PER_REQUEST"


def meta(suffix: str) -> Any:
    """A ``Meta`` class for the table ``<prefix>-<suffix>``."""
    return _StageTableName("Meta", (StageMeta,), {"table_suffix": suffix})
