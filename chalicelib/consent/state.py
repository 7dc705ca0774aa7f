"""Consent per member and purpose: the state on the member, and one log event per change, in one transaction.

States: ``never`` (no answer yet), ``subscribed``, ``unsubscribed``; ``suppressed`` (``hard_bounce``,
``complaint``, ``sms_opt_out``) sits on top and stops every marketing send whatever the state. A
change that would not change anything writes nothing (a second one-click is idempotent).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib import clock, tokens
from chalicelib.errors import InvalidRequest
from chalicelib.members.core import get_member
from chalicelib.models.consents import ConsentEventModel
from chalicelib.models.members import ConsentAttribute, MemberModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.pagination import decode_cursor, encode_cursor

PURPOSES = ("email_marketing", "sms_marketing")
STOREFRONT_SOURCES = ("signup_form", "member_center", "checkout")
SUBSCRIBED, UNSUBSCRIBED, NEVER = "subscribed", "unsubscribed", "never"
MAX_CONSENT_TEXT = 2000
MAX_USER_AGENT = 512


@dataclass(frozen=True)
class Origin:
    """Who changed a consent, how and from where: what GDPR Art. 7(1) asks the store to be able to show."""

    source: str  # signup_form | member_center | checkout | csv_import | one_click | mailto | admin | ses_... | ...
    actor: str
    at: datetime
    client_ip: str | None = None
    user_agent: str | None = None
    consent_text: str | None = None


@dataclass(frozen=True)
class Change:
    purpose: str
    action: str  # subscribe | unsubscribe | suppress | lift
    reason: str | None = None  # suppress: why; lift: the suppression lifted


def current(member: MemberModel, purpose: str) -> ConsentAttribute | None:
    value = getattr(member, purpose)
    return value if isinstance(value, ConsentAttribute) else None


def state_of(member: MemberModel, purpose: str) -> str:
    found = current(member, purpose)
    return str(found.state) if found is not None else NEVER


def suppressed_of(member: MemberModel, purpose: str) -> str | None:
    found = current(member, purpose)
    return found.suppressed if found is not None else None


def may_receive(member: MemberModel, purpose: str) -> bool:
    """The one rule every marketing send asks: subscribed and not suppressed."""
    return state_of(member, purpose) == SUBSCRIBED and suppressed_of(member, purpose) is None


def next_value(member: MemberModel, change: Change, origin: Origin) -> ConsentAttribute | None:
    """The purpose's new value, or None when ``change`` changes nothing (also for a caller's own transaction)."""
    old = current(member, change.purpose)
    state, suppressed = (str(old.state), old.suppressed) if old is not None else (NEVER, None)
    if change.action == "subscribe":
        # A member's own new consent lifts a complaint; a dead address (hard bounce) or a carrier opt-out stays.
        new_suppressed = None if suppressed == "complaint" else suppressed
        if state == SUBSCRIBED and new_suppressed == suppressed:
            return None
        state, suppressed = SUBSCRIBED, new_suppressed
    elif change.action == "lift":  # the suppressed address is no longer the member's: the reason is gone
        if suppressed != change.reason:
            return None
        suppressed = None
    elif change.action == "unsubscribe":
        new_suppressed = change.reason or suppressed
        if state == UNSUBSCRIBED and new_suppressed == suppressed:
            return None
        state, suppressed = UNSUBSCRIBED, new_suppressed
    else:
        if suppressed == change.reason:
            return None
        suppressed = change.reason
    return ConsentAttribute(  # type: ignore[no-untyped-call]
        state=state, suppressed=suppressed, source=origin.source, updated_at=origin.at)


def event_item(store_id: str, member_id: str, change: Change, origin: Origin,
               feedback_id: str | None = None, seq: int = 0) -> ConsentEventModel:
    # <at>#<position in its change>#<random>: one request's events keep their order under one timestamp.
    return ConsentEventModel(
        f"{store_id}#{member_id}", f"{origin.at.strftime('%Y-%m-%dT%H:%M:%S.%f')}#{seq}#{secrets.token_hex(4)}",
        purpose=change.purpose, action=change.action, source=origin.source, actor=origin.actor, at=origin.at,
        client_ip=origin.client_ip, user_agent=origin.user_agent,
        consent_text_sha256=tokens.sha256_hex(origin.consent_text) if origin.consent_text else None,
        reason=change.reason, feedback_id=feedback_id)


def apply_to_new_member(member: MemberModel, changes: Sequence[Change], origin: Origin) -> list[ConsentEventModel]:
    """Set a not-yet-saved member's consents; the events to save in the member's own transaction."""
    events: list[ConsentEventModel] = []
    for change in changes:
        value = next_value(member, change, origin)
        if value is not None:
            setattr(member, change.purpose, value)
            events.append(event_item(member.store_id, member.member_id, change, origin, seq=len(events)))
    return events


def change_consents(store_id: str, member_id: str, changes: Sequence[Change], origin: Origin,
                    also_save: Sequence[tuple[str, Model, Any]] = (), feedback_id: str | None = None,
                    now: datetime | None = None) -> MemberModel:
    """Apply ``changes`` to a stored member: one update and one event per real change, all in one transaction.

    ``also_save``: (name, item, condition) saved in the same transaction (SES feedback receipts); when
    one of them is refused (already seen) nothing is written. Retries once when the member changed between
    read and write, so two concurrent changes both land in the log. ``now`` (default ``origin.at``) is the
    member's ``updated_at``: a CSV import records consent at its past date but changes the member today.
    """
    written_at = now or origin.at
    for attempt in range(3):
        member = get_member(store_id, member_id)
        read_at = member.updated_at
        actions: list[Action] = []
        events: list[ConsentEventModel] = []
        for change in changes:
            value = next_value(member, change, origin)
            if value is not None:
                setattr(member, change.purpose, value)
                actions.append(getattr(MemberModel, change.purpose).set(value))
                events.append(event_item(store_id, member_id, change, origin, feedback_id, seq=len(events)))
        if not actions:
            return member
        tx = NamedTransaction()
        try:
            with tx:
                # Condition on the version read: a concurrent change is re-read and re-judged, never overwritten.
                tx.update("member", member, actions=[*actions, MemberModel.updated_at.set(written_at)],
                          condition=MemberModel.updated_at == read_at)
                for index, event in enumerate(events):
                    tx.save(f"event_{index}", event, condition=ConsentEventModel.event_key.does_not_exist())
                for name, item, condition in also_save:
                    tx.save(name, item, condition=condition)
        except TransactWriteError as exc:
            if any(tx.failed(exc, name) for name, _, _ in also_save):
                raise AlreadyApplied() from None
            if tx.failed(exc, "member") and attempt < 2:
                continue
            raise
        member.updated_at = written_at
        return member
    raise AssertionError("unreachable")


class AlreadyApplied(Exception):
    """An ``also_save`` receipt already existed: this change was made before (a redelivery)."""


def check_source(value: str) -> str:
    if value not in STOREFRONT_SOURCES:
        raise InvalidRequest(f"'source' must be one of {', '.join(STOREFRONT_SOURCES)}", field="source")
    return value


def choices(body: dict[str, Any]) -> list[Change]:
    """``{"email_marketing": true, "sms_marketing": false}`` as changes (absent = no change)."""
    return [Change(purpose, "subscribe" if body[purpose] else "unsubscribe")
            for purpose in PURPOSES if body.get(purpose) is not None]


def consent_events(store_id: str, member_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """The member's log, oldest first (404 for an unknown member)."""

    get_member(store_id, member_id)
    member_key = f"{store_id}#{member_id}"
    start = decode_cursor(cursor, member_key, partition="member_key")
    results = ConsentEventModel.query(member_key, limit=limit, last_evaluated_key=start)
    items = [{"purpose": e.purpose, "action": e.action, "source": e.source, "actor": e.actor,
              "at": clock.isoformat(e.at), "client_ip": e.client_ip, "user_agent": e.user_agent,
              "consent_text_sha256": e.consent_text_sha256, "reason": e.reason} for e in results]
    return {"items": items, "next_cursor": encode_cursor(results.last_evaluated_key)}
