"""What the merchant reads: the store's lifecycle overview, and one member's stage history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import clock, pagination
from chalicelib.lifecycle import parameters
from chalicelib.lifecycle.stages import LABELS, STAGES
from chalicelib.lifecycle.tracking import history_view, partition
from chalicelib.members.core import get_member
from chalicelib.models.lifecycle import LifecycleHistoryModel, LifecycleRunModel
from chalicelib.models.members import MemberModel


def last_run(store_id: str) -> LifecycleRunModel | None:
    """The newest finished daily run (a Query, newest day first)."""
    for run in LifecycleRunModel.query(store_id, scan_index_forward=False, limit=3):
        if run.state == "done":
            return run
    return None


def overview(store_id: str, now: datetime) -> dict[str, Any]:
    """``GET /admin/lifecycle``: counts as of the last daily run (counted live before the first one)."""
    run = last_run(store_id)
    if run is not None:
        stored = run.counts.as_dict() if run.counts else {}  # type: ignore[no-untyped-call]
        counts = {stage: int(stored.get(stage, 0)) for stage in STAGES}
        as_of, day = run.as_of or run.started_at, run.day
    else:
        counts = {stage: MemberModel.by_stage.count(partition(store_id, stage)) for stage in STAGES}
        as_of, day = now, None
    return {
        "as_of": clock.isoformat(as_of),
        "day": day,
        "parameters": parameters.parameter_view(parameters.current(store_id)),
        "stages": [{"stage": stage, "label": LABELS[stage], "members": counts[stage]} for stage in STAGES],
    }


def member_history(store_id: str, member_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """``GET /admin/members/{id}/lifecycle-history``: oldest change first, paginated."""
    get_member(store_id, member_id)  # 404 for an unknown member (or another store's)
    results = LifecycleHistoryModel.query(
        f"{store_id}#{member_id}", limit=limit,
        last_evaluated_key=pagination.decode_cursor(cursor, f"{store_id}#{member_id}", partition="store_member"))
    items = [history_view(item) for item in results]
    return {"items": items, "next_cursor": pagination.encode_cursor(results.last_evaluated_key)}
