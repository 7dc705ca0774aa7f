"""Table naming shared by every model.

A model's ``Meta.table_name`` is looked up on every call, so it is a property that adds the stage's
prefix (``TABLE_PREFIX``) at that moment: the same code talks to ``memberlink-local-*`` in the
sandbox and ``memberlink-prod-*`` in production, and nothing is read at import time.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pynamodb.connection import TableConnection
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.config import table_prefix
from chalicelib.errors import NotFound
from chalicelib.models.transactions import connection


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


class StageModel(Model):
    """Base of every model: its table connection uses the process's one DynamoDB connection.

    PynamoDB gives each model class its own ``Connection`` (so its own botocore client, about
    45 ms of CPU to build); here every table speaks through :func:`transactions.connection`.
    """

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        shared = connection()
        if table.connection is not shared:
            with contextlib.suppress(ValueError):  # the table is already known to the shared connection
                shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table

    def update_existing(self, actions: list[Action], missing: str) -> None:
        """Apply ``actions`` to an item that must already exist: 404 ``missing`` when it does not (nothing written)."""
        try:
            self.update(actions=actions, condition=type(self)._hash_key_attribute().exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound(missing) from None
            raise
