"""SES bounces and complaints, as SES publishes them to the configuration set's SNS topic.

A permanent bounce suppresses ``email_marketing`` (``hard_bounce``) for every bounced recipient; a
complaint unsubscribes every complaining recipient (source ``ses_complaint``, suppressed
``complaint``). Transient bounces change nothing (the mailbox was full; the next send may work).

The store comes from the message tag ``store_id`` that every marketing e-mail carries
(``X-SES-MESSAGE-TAGS``); SES copies tags into ``mail.tags``. Mail without it (none of ours) is
ignored. Idempotent on ``feedbackId``: a receipt ``<feedbackId>#<member_id>`` is written in the same
transaction as the change, so SNS delivering the notification twice records one event per recipient.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.consent import state
from chalicelib.logs import logger
from chalicelib.members.core import email_identity, find_member_by_identity
from chalicelib.models.consents import FeedbackReceiptModel

STORE_TAG = "store_id"


@dataclass
class Outcome:
    kind: str  # bounce | complaint | ignored
    changed: list[str] = field(default_factory=list)  # member ids
    unchanged: int = 0  # already suppressed, or already seen (redelivery)
    unknown: int = 0  # no member of the store has the address


def _store_of(mail: Mapping[str, Any]) -> str | None:
    tags = mail.get("tags") or {}
    values = tags.get(STORE_TAG) if isinstance(tags, dict) else None
    return str(values[0]) if isinstance(values, list) and values else None


def handle_notification(message: Mapping[str, Any], now: datetime) -> Outcome:
    """One SES event (event publishing's ``eventType`` or identity notifications' ``notificationType``)."""
    kind = str(message.get("eventType") or message.get("notificationType") or "").lower()
    mail = message.get("mail") or {}
    store_id = _store_of(mail)
    if kind == "bounce":
        bounce = message.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return Outcome("ignored")
        recipients = [r.get("emailAddress", "") for r in bounce.get("bouncedRecipients") or []]
        change, source, feedback_id = state.Change("email_marketing", "suppress", "hard_bounce"), "ses_bounce", \
            bounce.get("feedbackId")
    elif kind == "complaint":
        complaint = message.get("complaint") or {}
        recipients = [r.get("emailAddress", "") for r in complaint.get("complainedRecipients") or []]
        change, source, feedback_id = state.Change("email_marketing", "unsubscribe", "complaint"), "ses_complaint", \
            complaint.get("feedbackId")
    else:
        return Outcome("ignored")
    if not store_id or not feedback_id:
        logger.warning("ses feedback without store tag or feedbackId", extra={"kind": kind})
        return Outcome("ignored")
    outcome = Outcome(kind)
    origin = state.Origin(source=source, actor="ses", at=now)
    for address in recipients:
        member = find_member_by_identity(store_id, email_identity(address)) if address else None
        if member is None:
            outcome.unknown += 1
            continue
        receipt = FeedbackReceiptModel(store_id, f"{feedback_id}#{member.member_id}", at=now)
        try:
            state.change_consents(store_id, member.member_id, [change], origin, feedback_id=str(feedback_id),
                                  also_save=[("receipt", receipt, FeedbackReceiptModel.receipt.does_not_exist())])
        except state.AlreadyApplied:
            outcome.unchanged += 1
            continue
        outcome.changed.append(member.member_id)
    return outcome


def parse_sns_message(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The SES event inside an SNS envelope (``{"Type": "Notification", "Message": "..."}``), or ``body`` itself."""
    message = body.get("Message")
    if body.get("Type") == "Notification" and isinstance(message, str):
        parsed = json.loads(message)
        if isinstance(parsed, dict):
            return parsed
    return body


def handle_sns_event(event: Mapping[str, Any], now: datetime) -> list[Outcome]:
    """The Lambda event SNS invokes the function with: one record per notification."""
    outcomes = []
    for record in event.get("Records") or []:
        sns = record.get("Sns") or {}
        try:
            message = json.loads(sns.get("Message") or "{}")
        except ValueError:
            logger.warning("ses feedback not JSON")
            continue
        outcomes.append(handle_notification(message, now))
    return outcomes
