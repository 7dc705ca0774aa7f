"""A lifecycle stage as an audience: the member ids in one stage, a page at a time (index ``by_stage``).

    from chalicelib.lifecycle import audience

    page = audience.stage_members(store_id, "lost", limit=200, cursor=None)   # page.member_ids, page.next_cursor
    for member_id in audience.stage_member_ids(store_id, "cant_lose"):        # every page, lazily
        ...

One Query per page on ``<store_id>#<stage>``; never a Scan. The stage is the stored one: what the
last order change or daily run decided.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from chalicelib import pagination
from chalicelib.errors import InvalidRequest
from chalicelib.lifecycle.stages import check_stage
from chalicelib.lifecycle.tracking import partition
from chalicelib.models.members import MemberModel

_CURSOR_KEYS = {"store_id", "member_id", "lifecycle_partition"}


@dataclass(frozen=True)
class StagePage:
    members: list[MemberModel] = field(default_factory=list)
    next_cursor: str | None = None

    @property
    def member_ids(self) -> list[str]:
        return [member.member_id for member in self.members]


def _start_key(store_id: str, cursor: str | None) -> dict[str, Any] | None:
    start = pagination.decode_cursor(cursor, store_id)
    if start is not None and set(start) != _CURSOR_KEYS:
        raise InvalidRequest("'cursor' is not a cursor this API returned", field="cursor")
    return start


def stage_members(store_id: str, stage: str, *, limit: int = pagination.DEFAULT_LIMIT,
                  cursor: str | None = None) -> StagePage:
    """One page of the members in ``stage`` (400 naming ``stage`` for an unknown one, ``cursor`` for a bad cursor)."""
    check_stage(stage)
    results = MemberModel.by_stage.query(partition(store_id, stage), limit=limit,
                                         last_evaluated_key=_start_key(store_id, cursor))
    found = list(results)
    return StagePage(found, pagination.encode_cursor(results.last_evaluated_key))


def stage_member_ids(store_id: str, stage: str, page_size: int = pagination.MAX_LIMIT) -> Iterator[str]:
    """Every member id in ``stage``, page by page (for a marketing send's ``{"stage": ...}`` audience)."""
    cursor: str | None = None
    while True:
        page = stage_members(store_id, stage, limit=page_size, cursor=cursor)
        yield from page.member_ids
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def audience_member_ids(store_id: str, audience: dict[str, Any]) -> Iterator[str]:
    """``{"stage": "<stage>"}`` -> its member ids (400 naming ``stage`` when the value is not a stage)."""
    stage = audience.get("stage")
    if not isinstance(stage, str):
        raise InvalidRequest("'stage' must be one of the lifecycle stages", field="stage")
    return stage_member_ids(store_id, check_stage(stage))
