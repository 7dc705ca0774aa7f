"""The audit trail: who did what to which thing, one append-only item per event.

Routes are audited where they are declared (``chalicelib/api/roles.py``: an ``audit`` action per route,
recorded by ``@endpoint`` after a 2xx answer). Anything else (a background export, a search) is one line:

    audit.record(call.store_id, call.principal.actor, "customers.exported", ("export", export_id))

A route whose event is known before it runs (its target is a path parameter) has the event *prepared*;
the domain transaction that does the thing may :func:`join` it (``audit.join(tx)``), so the event is
written in the same TransactWrite: atomic with the action, and no extra round trip (a reply, a note, a
binding invitation stay within their DynamoDB budgets). An event no transaction took is written after.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib import clock, tokens
from chalicelib.access import Actor
from chalicelib.logs import logger
from chalicelib.models.users import AuditEventModel
from chalicelib.pagination import Shape, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from chalicelib.models.transactions import NamedTransaction


def _sortable(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_item(store_id: str, actor: Actor | None, action: str, target: tuple[str, str | None] | None = None,
               now: datetime | None = None) -> AuditEventModel:
    at = now or clock.now()
    actor = actor or Actor("system", None, None)
    return AuditEventModel(store_id, f"{_sortable(at)}#{tokens.new_id('ev')}", at=at, actor_kind=actor.kind,
                           actor_id=actor.id, actor_name=actor.name, action=action,
                           target_kind=target[0] if target else None, target_id=target[1] if target else None)


def record(store_id: str, actor: Actor | None, action: str, target: tuple[str, str | None] | None = None,
           now: datetime | None = None) -> None:
    """Append one event. A failed write is logged, never raised: the thing itself is already done."""
    save(event_item(store_id, actor, action, target, now))


def save(item: AuditEventModel) -> None:
    try:
        item.save()
    except Exception:  # the audit must never turn a done action into a 500
        logger.exception("audit event not written", extra={"store_id": item.store_id, "action": item.action})


@dataclass
class Pending:
    """The event of the route being handled, until a transaction takes it or the route ends."""

    item: AuditEventModel
    tx: NamedTransaction | None = None


_pending: ContextVar[Pending | None] = ContextVar("pending_audit_event", default=None)


def prepare(item: AuditEventModel) -> object:
    """Set the request's event (``@endpoint``); returns the token for :func:`finish`."""
    return _pending.set(Pending(item))


def join(tx: NamedTransaction) -> None:
    """Write the request's prepared event in ``tx`` (once per request; no event, nothing happens)."""
    pending = _pending.get()
    if pending is not None and (pending.tx is None or not pending.tx.committed):
        pending.tx = tx
        tx.save("audit", pending.item)


def finish(token: object, succeeded: bool) -> None:
    """End the request: an event that no committed transaction wrote is written now, if the route succeeded."""
    pending = _pending.get()
    _pending.reset(token)  # type: ignore[arg-type]
    if succeeded and pending is not None and (pending.tx is None or not pending.tx.committed):
        save(pending.item)


def event_view(item: AuditEventModel) -> dict[str, Any]:
    return {"at": clock.isoformat(item.at),
            "actor": {"kind": item.actor_kind, "id": item.actor_id, "name": item.actor_name},
            "action": item.action,
            "target": {"kind": item.target_kind, "id": item.target_id} if item.target_kind else None}


def list_events(store_id: str, limit: int, cursor: str | None, *, action: str | None = None,
                shape: Shape = event_view) -> dict[str, Any]:
    """Newest first; ``action`` keeps one action (or a family: ``conversation.`` keeps every conversation's)."""
    condition = AuditEventModel.action.startswith(action) if action else None
    results = AuditEventModel.query(store_id, scan_index_forward=False, limit=limit,
                                    last_evaluated_key=decode_cursor(cursor, store_id), filter_condition=condition)
    return {"items": [shape(item) for item in results], "next_cursor": encode_cursor(results.last_evaluated_key)}
