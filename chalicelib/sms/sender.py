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
from typing import Any, NoReturn

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
MESSAGE_TYPES = ("verification", "password_reset", "member_notification", "marketing")


@dataclass(frozen=True)
class SmsResult:
    """A sent SMS: its log item's keys, the SNS message id and what it cost."""

    store_day: str
    sms_id: str
    message_id: str
    segments: int
    sent_at: datetime


class RateLimited(ApiError):
    """``rate_limited`` with ``retry_after_seconds`` (and which ``limit``: number, email, client_ip, daily_cap)."""

    def __init__(self, message: str, retry_after_seconds: int, limit: str) -> None:
        super().__init__(message, code="rate_limited", retry_after_seconds=retry_after_seconds, limit=limit)
        self.retry_after_seconds = retry_after_seconds


class SmsFailed(ApiError):
    """``sms_failed``: SNS did not accept the message (nothing was counted against the number)."""

    def __init__(self) -> None:
        super().__init__("the SMS could not be sent; please try again", code="sms_failed")


def sns_client() -> Any:
    """The SNS client; ``SNS_ENDPOINT_URL`` (read at each send) overrides the endpoint."""
    endpoint = os.environ.get("SNS_ENDPOINT_URL") or None
    return aws.client("sns", endpoint)


def send(store: StoreModel, phone: Phone | str, text: str, message_type: str, client_ip: str | None,
         now: datetime | None = None, *, also_save: Sequence[Model] = (), counted: bool = False) -> SmsResult:
    """Send ``text`` to ``phone`` for ``store``, within the SMS limits, logged queued -> sent | failed.

    Parameters
    ----------
    store:
        The sending store (country: domestic/international; timezone: the log's day; caps).
    phone:
        A parsed :class:`Phone` or an E.164 string already validated.
    message_type:
        response = sns_client().publish(
            PhoneNumber=number.e164, Message=text, MessageAttributes=_attributes(message_type == "marketing"))
    client_ip:
        The customer's IP for the per-IP hourly limit; None for sends no customer triggered.
    also_save:
        Items written in the same transaction as the reservation (e.g. the code being sent) and
        deleted again when SNS refuses the message.
    counted:
        The request already counted the per-number and per-IP limits (:func:`count_send`): only the
        store's daily cap is counted here.

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
    kind = "notify" if message_type == "member_notification" else "phone"
    address = None if counted else limits.address_key(kind, number.e164)
    reservation = _reserve(store, address, None if counted else client_ip, local_day, now, log, also_save)
    try:
        response = sns_client().publish(
            PhoneNumber=number.e164, Message=text, MessageAttributes=_attributes(message_type == "marketing"))
    except (ClientError, BotoCoreError) as exc:
        reason = exc.response.get("Error", {}).get("Code", "ClientError") if isinstance(exc, ClientError) \
            else type(exc).__name__
        _fail(log, reservation, also_save, reason)
        logger.warning("sms failed", extra={"store_id": store.store_id, "sms_id": log.sms_id, "reason": reason})
        raise SmsFailed() from None
    message_id = str(response.get("MessageId", ""))
    log.update(actions=[SmsLogModel.status.set("sent"), SmsLogModel.provider_message_id.set(message_id)])
    return SmsResult(log.store_day, log.sms_id, message_id, int(log.segments), now)


def count_send(store: StoreModel, address: str, client_ip: str | None, now: datetime,
               also_save: Sequence[Model] = ()) -> None:
    """Count a code send against the per-address and per-client-IP limits and save ``also_save`` with it,
    sending nothing (the send happens later, off the request path, or by email). 429 :class:`RateLimited`.

    ``address`` is :func:`limits.address_key` (``phone#<E.164>`` or ``email#<address>``). The store's daily
    SMS cap is counted only when an SMS is really sent, so requests that send nothing never use it up.
    """
    _reserve(store, address, client_ip, None, now, None, also_save)


def _attributes(promotional: bool = False) -> dict[str, dict[str, str]]:
    # Marketing is Promotional (cheaper, and what carriers expect); codes are Transactional (delivered first).
    kind = "Promotional" if promotional else "Transactional"
    attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": kind}}
    sender_id = os.environ.get("SMS_SENDER_ID")
    if sender_id:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    return attributes


def _reserve(store: StoreModel, address: str | None, client_ip: str | None, local_day: str | None,
             now: datetime, log: SmsLogModel | None, also_save: Sequence[Model]) -> limits.Reservation:
    ip_limit, daily_cap = int(store.sms_ip_hourly_limit), int(store.sms_daily_cap)
    ip_shards, day_shards = limits.shard_order(ip_limit), limits.shard_order(daily_cap)
    while True:
        tx = NamedTransaction()
        try:
            with tx:
                reservation = limits.reserve(tx, store.store_id, address=address, client_ip=client_ip,
                                             ip_hourly_limit=ip_limit, local_day=local_day, daily_cap=daily_cap,
                                             now=now, ip_shard=ip_shards[0], day_shard=day_shards[0])
                if log is not None:
                    tx.save("log", log, condition=SmsLogModel.sms_id.does_not_exist())
                for index, item in enumerate(also_save):
                    tx.save(f"item{index}", item)
            return reservation
        except TransactWriteError as exc:
            refused = limits.refused_limit(tx, exc)
            if refused is None:
                raise
            # A full shard refuses only its share: the send is refused when the limit's every shard is full.
            shards = {"client_ip": ip_shards, "daily_cap": day_shards}.get(refused[0])
            if shards is not None and len(shards) > 1:
                shards.pop(0)
                continue
            _refuse(store, address, refused, now)


def _refuse(store: StoreModel, address: str | None, refused: tuple[str, dict[str, Any] | None],
            now: datetime) -> NoReturn:
    """The 429 for the limit that refused the send, with how long to wait."""
    name, old = refused
    if name == "address" and address:
        if old:
            wait = limits.number_retry_after(_number(old, "s1"), _number(old, "s3"), now)
        else:
            wait = limits.number_retry_after_stored(store.store_id, address, now)
        what = "address" if address.startswith("email#") else "number"
        raise RateLimited(f"this {what} was sent a message recently; try again in {wait} s", wait,
                          "number" if what == "number" else "email") from None
    if name == "client_ip":
        raise RateLimited("too many messages from this network; try again later",
                          limits.ip_retry_after(now), "client_ip") from None
    raise RateLimited("the store's daily SMS limit is reached; try again tomorrow",
                      limits.day_retry_after(now, store.timezone), "daily_cap") from None


def _number(raw: dict[str, dict[str, str]], name: str) -> float | None:
    value = raw.get(name, {}).get("N")
    return float(value) if value is not None else None


def _fail(log: SmsLogModel, reservation: limits.Reservation, also_save: Sequence[Model], reason: str) -> None:
    tx = NamedTransaction()
    with tx:
        tx.update("log", log, actions=[SmsLogModel.status.set("failed"),
                                       SmsLogModel.failure_reason.set(reason[:200])])
        limits.release(tx, reservation)
        for index, item in enumerate(also_save):
            tx.delete(f"item{index}", item)
