"""Moving a member to a stage: the member's ``lifecycle_*`` fields and one history item, together.

One ``TransactWrite`` (named items ``member`` and ``history``): the member update carries the stage it
expects to replace as its condition, so two writers that computed the same change (an order and the
daily run, or two overlapping runs) record it once; the loser's write is cancelled and it moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import clock
from chalicelib.lifecycle.stages import Verdict
from chalicelib.models.lifecycle import LifecycleHistoryModel
from chalicelib.models.members import MemberModel
from chalicelib.models.transactions import NamedTransaction


@dataclass(frozen=True)
class Change:
    member_id: str
    from_stage: str | None
    to_stage: str


def partition(store_id: str, stage: str) -> str:
    return f"{store_id}#{stage}"


def _at_key(at: datetime, member_id: str) -> str:
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{member_id}"


def move(store_id: str, member_id: str, current_stage: str | None, verdict: Verdict, parameters_version: int,
         now: datetime, *, cause: str, store_day: str) -> Change | None:
    """Record ``verdict`` as the member's stage if it differs from ``current_stage``; None when nothing changed.

    Also None when the member's stored stage was no longer ``current_stage`` (someone else moved it).
    """
    if verdict.stage == current_stage:
        return None
    M = MemberModel
    expected = M.lifecycle_stage.does_not_exist() if current_stage is None else M.lifecycle_stage == current_stage
    history = LifecycleHistoryModel(
        f"{store_id}#{member_id}", _at_key(now, member_id), store_id=store_id, member_id=member_id,
        from_stage=current_stage, to_stage=verdict.stage, at=now, parameters_version=parameters_version,
        reason=verdict.reason, cause=cause, store_day=f"{store_id}#{store_day}")
    tx = NamedTransaction()
    try:
        with tx:
            tx.update("member", M(store_id, member_id), actions=[
                M.lifecycle_stage.set(verdict.stage), M.lifecycle_since.set(now),
                M.lifecycle_reason.set(verdict.reason), M.lifecycle_version.set(parameters_version),
                M.lifecycle_partition.set(partition(store_id, verdict.stage)),
            ], condition=M.member_id.exists() & expected)
            tx.save("history", history, condition=LifecycleHistoryModel.at_key.does_not_exist())
    except TransactWriteError as exc:
        if tx.failed(exc, "member") or tx.failed(exc, "history"):
            return None
        raise
    return Change(member_id, current_stage, verdict.stage)


def history_view(item: LifecycleHistoryModel) -> dict[str, Any]:
    return {"from": item.from_stage, "to": item.to_stage, "at": clock.isoformat(item.at),
            "parameters_version": int(item.parameters_version), "reason": item.reason, "cause": item.cause}
