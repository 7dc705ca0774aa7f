"""Sending one SMS through Amazon SNS, within the limits, logged before and after.

1. One ``TransactWrite``: the three limit counters (:mod:`chalicelib.sms.limits`), the SMS log item
   with status ``queued``, and whatever the caller must store with the send (the code).
2. ``sns.publish(PhoneNumber=...)`` as a Transactional SMS (with ``SenderID`` when set).
3. The log item becomes ``sent`` (with the SNS message id), or ``failed`` (with the reason) while
   the limits are given back and the caller's items are deleted, in one transaction.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from chalicelib import aws, clock
from chalicelib.errors import ApiError
from chalicelib.logs import logger
from chalicelib.models.sms import SmsLogModel
from chalicelib.models.stores import StoreModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.sms import limits
from chalicelib.sms.phones import Phone, from_e164
from chalicelib.sms.segments import count_segments
from chalicelib.sms.templates import check_message

AGENT = "Amazon SNS"
MESSAGE_TYPES = ("verification", "password_reset", "member_notification")


@dataclass(frozen=True)
class SmsResult:
    """A sent SMS: its log item's keys, the SNS message id and what it cost."""

    store_day: str
    sms_id: str
    message_id: str
    segments: int
    sent_at: datetime


class RateLimited(ApiError):
    """``rate_limited`` with ``retry_after_seconds`` (and which ``limit``: number, client_ip, daily_cap)."""

    def __init__(self, message: str, retry_after_seconds: int, limit: str) -> None:
        super().__init__(message, code="rate_limited", retry_after_seconds=retry_after_seconds, limit=limit)
        self.retry_after_seconds = retry_after_seconds


class SmsFailed(ApiError):
    """``sms_failed``: SNS did not accept the message (nothing was counted against the number)."""

    def __init__(self) -> None:
        super().__init__("the SMS could not be sent; please try again", code="sms_failed")


def sns_client() -> object:
    """The SNS client; ``SNS_ENDPOINT_URL`` (read at each send) overrides the endpoint."""
    endpoint = os.environ.get("SNS_ENDPOINT_URL") or None
    return aws.client("sns", endpoint)


def send(store: StoreModel, phone: Phone | str, text: str, message_type: str, client_ip: str | None,
         now: datetime | None = None, *, also_save: Sequence[Model] = ()) -> SmsResult:
    """Send ``text`` to ``phone`` for ``store``, within the SMS limits, logged queued -> sent | failed.

    Parameters
    ----------
    store:
        The sending store (country: domestic/international; timezone: the log's day; caps).
    phone:
        A parsed :class:`Phone` or an E.164 string already validated.
    message_type:
        ``verification``, ``password_reset`` or ``member_notification`` (as the SMS report shows it).
    client_ip:
        The customer's IP for the per-IP hourly limit; None for sends no customer triggered.
    also_save:
        Items written in the same transaction as the reservation (e.g. the code being sent) and
        deleted again when SNS refuses the message.

    Raises
    ------
    RateLimited
        429 ``rate_limited`` with ``retry_after_seconds``: 30 s between sends to a number, 3 per
        rolling hour, the store's ``sms_ip_hourly_limit`` per client IP, the store's ``sms_daily_cap``.
    SmsFailed
        502 ``sms_failed``: SNS refused or could not be reached; the log item says ``failed``.
    """
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown SMS message type {message_type!r}")
    now = now or clock.now()
    number = phone if isinstance(phone, Phone) else from_e164(phone)
    check_message(text)
    local_day = clock.local_day(now, store.timezone)
    log = SmsLogModel(
        f"{store.store_id}#{local_day}",
        f"{now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{secrets.token_hex(4)}",
        store_id=store.store_id, phone=number.e164, calling_code=number.calling_code,
        national_number=number.national_number, sent_at=now, agent=AGENT, message_type=message_type,
        segments=count_segments(text), scope=number.scope_for(store.country), status="queued",
    )
    reservation = _reserve(store, number, client_ip, local_day, now, log, also_save)
    try:
        response = sns_client().publish(  # type: ignore[attr-defined]
            PhoneNumber=number.e164, Message=text, MessageAttributes=_attributes())
    except (ClientError, BotoCoreError) as exc:
        reason = exc.response.get("Error", {}).get("Code", "ClientError") if isinstance(exc, ClientError) \
            else type(exc).__name__
        _fail(log, reservation, also_save, reason)
        logger.warning("sms failed", extra={"store_id": store.store_id, "sms_id": log.sms_id, "reason": reason})
        raise SmsFailed() from None
    message_id = str(response.get("MessageId", ""))
    log.update(actions=[SmsLogModel.status.set("sent"), SmsLogModel.provider_message_id.set(message_id)])
    return SmsResult(log.store_day, log.sms_id, message_id, int(log.segments), now)


def count_without_sending(store: StoreModel, phone: Phone | str, client_ip: str | None,
                          now: datetime | None = None) -> None:
    """Count a send against the same limits as :func:`send`, sending and logging nothing.

    For answers that must not reveal membership: a password reset for a number that is no member's
    costs the same quota as a real one, so a later send to that number is limited alike.
    """
    now = now or clock.now()
    number = phone if isinstance(phone, Phone) else from_e164(phone)
    _reserve(store, number, client_ip, clock.local_day(now, store.timezone), now, None, ())


def _attributes() -> dict[str, dict[str, str]]:
    attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
    sender_id = os.environ.get("SMS_SENDER_ID")
    if sender_id:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    return attributes


def _reserve(store: StoreModel, number: Phone, client_ip: str | None, local_day: str, now: datetime,
             log: SmsLogModel | None, also_save: Sequence[Model]) -> limits.Reservation:
    tx = NamedTransaction()
    try:
        with tx:
            reservation = limits.reserve(tx, store.store_id, number.e164, client_ip, local_day,
                                         int(store.sms_ip_hourly_limit), int(store.sms_daily_cap), now)
            if log is not None:
                tx.save("log", log, condition=SmsLogModel.sms_id.does_not_exist())
            for index, item in enumerate(also_save):
                tx.save(f"caller_item_{index}", item)
    except TransactWriteError as exc:
        if tx.failed(exc, limits.NUMBER_LIMIT):
            old = tx.old_item(exc, limits.NUMBER_LIMIT)
            if old:
                wait = limits.number_retry_after(_number(old, "s1"), _number(old, "s3"), now)
            else:
                wait = limits.number_retry_after_stored(store.store_id, number.e164, now)
            raise RateLimited(f"this number was sent a message recently; try again in {wait} s", wait,
                              "number") from None
        if tx.failed(exc, limits.IP_LIMIT):
            raise RateLimited("too many messages from this network; try again later",
                              limits.ip_retry_after(now), "client_ip") from None
        if not tx.failed(exc, limits.DAY_LIMIT):
            raise
        raise RateLimited("the store's daily SMS limit is reached; try again tomorrow",
                          limits.day_retry_after(now, store.timezone), "daily_cap") from None
    return reservation


def _number(raw: dict[str, dict[str, str]], name: str) -> float | None:
    value = raw.get(name, {}).get("N")
    return float(value) if value is not None else None


def _fail(log: SmsLogModel, reservation: limits.Reservation, also_save: Sequence[Model], reason: str) -> None:
    with NamedTransaction() as tx:
        tx.update("log", log, actions=[SmsLogModel.status.set("failed"), SmsLogModel.failure_reason.set(reason[:200])])
        limits.release(tx, reservation)
        for index, item in enumerate(also_save):
            tx.delete(f"caller_item_{index}", item)
