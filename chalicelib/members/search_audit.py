"""The staff search's rate limit and audit trail: counted and recorded before the search runs.

One TransactWrite per search: the key's per-minute and per-hour windows (429 ``too_many_attempts`` with
``retry_after_seconds`` when either is full) and the audit event (who, when, which query, masked). A refused
search leaves no event: nothing was searched.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import abuse, clock, tokens
from chalicelib.access import Principal
from chalicelib.members.search import mask_email
from chalicelib.models.staff_searches import StaffSearchEventModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.pagination import decode_cursor, encode_cursor

ACTION = "staff.member_search"
KEEP = timedelta(days=365)
TOO_MANY = "too many member searches from this staff key; wait a moment"


def mask_query(by: str, value: str) -> str:
    """What the audit keeps of a query: enough to recognise it, never the whole number, address or name."""
    value = value.strip()
    if by == "email":
        return mask_email(value.lower())
    if by == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        return f"{'*' * max(0, len(digits) - 4)}{digits[-4:]}" if len(digits) > 4 else "*" * len(digits)
    return f"{value[:1]}{'*' * max(0, len(value) - 1)}"


def admit(principal: Principal, by: str, value: str, now: datetime) -> None:
    """Count the search against the key's limits and record it; 429 when a limit is full."""
    store_id = principal.store_id
    event = StaffSearchEventModel(
        store_id, f"{clock.sortable(now)}#{tokens.new_id('ev')}", action=ACTION,
        actor=f"staff:{principal.staff_id}", staff_id=principal.staff_id, branch_id=principal.branch_id,
        key_id=principal.key_id, by=by, query_masked=mask_query(by, value)[:120], at=now, expires=now + KEEP)
    tx = NamedTransaction()
    try:
        with tx:
            abuse.count_window(tx, "minute", abuse.STAFF_SEARCHES_PER_MINUTE, store_id, principal.key_id, now)
            abuse.count_window(tx, "hour", abuse.STAFF_SEARCHES_PER_HOUR, store_id, principal.key_id, now)
            tx.save("event", event)
    except TransactWriteError as exc:
        for name, limit in (("minute", abuse.STAFF_SEARCHES_PER_MINUTE), ("hour", abuse.STAFF_SEARCHES_PER_HOUR)):
            if tx.failed(exc, name):
                raise abuse.TooManyAttempts(TOO_MANY, abuse.window_retry_after(limit, now)) from None
        raise


def event_view(event: StaffSearchEventModel) -> dict[str, Any]:
    return {"action": event.action, "actor": event.actor, "staff_id": event.staff_id, "branch_id": event.branch_id,
            "key_id": event.key_id, "by": event.by, "query": event.query_masked, "at": clock.isoformat(event.at)}


def events(store_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """Newest first."""
    results = StaffSearchEventModel.query(store_id, scan_index_forward=False, limit=limit,
                                          last_evaluated_key=decode_cursor(cursor, store_id))
    return {"items": [event_view(e) for e in results], "next_cursor": encode_cursor(results.last_evaluated_key)}
