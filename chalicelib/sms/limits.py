"""Send limits for codes and messages: per address (30 s apart, 3 in any rolling hour), per client IP per hour,
per store per day (SMS only). The same per-address and per-IP limits hold for emailed codes.

Each limit is one conditional update, and all of them go into the same ``TransactWrite`` as the SMS
log item (and the code being sent): a send is either fully counted or not at all. An SMS that SNS
refuses is given back with :func:`release`, so a provider failure never costs the customer a send.

The store's daily cap and each client IP's hourly limit are counted on :data:`SHARDS` items each, every
item allowed its share of the limit (the shares add up to the limit exactly). One item per store and day
would take every send of a sign-up burst, and DynamoDB cancels transactions that overlap on one item
(``TransactionConflict``); spread over ten, a burst conflicts a tenth as often. A send tries the shards in
a random order and is refused only when every shard with a share is full (:func:`shard_order`).

The per-number item keeps the last four send times (``s3`` the latest). A send is allowed when the
latest is at least 30 s old and the third latest is at least an hour old; the update shifts the
times along (DynamoDB evaluates every right-hand side on the item as it was before the update).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError

from chalicelib.models.transactions import NamedTransaction
from chalicelib.models.verification import SmsLimitModel

RESEND_AFTER_SECONDS = 30
HOUR = 3600
SHARDS = 10


@dataclass(frozen=True)
class Reservation:
    """What :func:`reserve` counted, so a refused send can give it back."""

    store_id: str
    address_key: str | None
    ip_key: str | None
    day_key: str | None


def address_key(kind: str, address: str) -> str:
    """The per-address item: ``phone#<E.164>`` and ``email#<address>`` for codes the customer asked for,
    ``notify#<E.164>`` for member notifications (counted apart, so a staff member's SMS never blocks a code)."""
    return f"{kind}#{address}"


def phone_key(e164: str) -> str:
    return address_key("phone", e164)


def ip_key(client_ip: str, now: datetime, shard: int = 0) -> str:
    return _sharded(f"ip#{client_ip}#{now.strftime('%Y-%m-%dT%H')}", shard)


def day_key(local_day: str, shard: int = 0) -> str:
    return _sharded(f"day#{local_day}", shard)


def _sharded(key: str, shard: int) -> str:
    return key if shard == 0 else f"{key}#{shard}"  # shard 0 keeps the key items had before there were shards


def share(limit: int, shard: int) -> int:
    """The part of ``limit`` shard ``shard`` may count: the shares of all shards add up to ``limit``."""
    return limit // SHARDS + (1 if shard < limit % SHARDS else 0)


def shard_order(limit: int) -> list[int]:
    """The shards with a share, in a random order (spreading, not secrecy); shard 0 alone when none has one,
    so the refusal still comes from the limit's own condition."""
    shards = [shard for shard in range(SHARDS) if share(limit, shard) > 0] or [0]
    random.shuffle(shards)
    return shards


def reserve(tx: NamedTransaction, store_id: str, *, address: str | None, client_ip: str | None,
            ip_hourly_limit: int, local_day: str | None, daily_cap: int, now: datetime,
            ip_shard: int = 0, day_shard: int = 0) -> Reservation:
    """Add the limit updates to ``tx``, named ``address``, ``client_ip`` and ``daily_cap`` (None: not counted),
    the last two on the given shards."""
    t = now.timestamp()
    if address:
        tx.update("address", SmsLimitModel(store_id, address), actions=[
            SmsLimitModel.s0.set(SmsLimitModel.s1 | 0),
            SmsLimitModel.s1.set(SmsLimitModel.s2 | 0),
            SmsLimitModel.s2.set(SmsLimitModel.s3 | 0),
            SmsLimitModel.s3.set(t),
            SmsLimitModel.expires.set(now + timedelta(seconds=HOUR + 60)),
        ], condition=((SmsLimitModel.s3.does_not_exist() | (SmsLimitModel.s3 <= t - RESEND_AFTER_SECONDS))
                      & (SmsLimitModel.s1.does_not_exist() | (SmsLimitModel.s1 <= t - HOUR))),
            return_old_on_failure=True)
    ip = ip_key(client_ip, now, ip_shard) if client_ip else None
    if ip:
        tx.update("client_ip", SmsLimitModel(store_id, ip), actions=[
            SmsLimitModel.tally.add(1), SmsLimitModel.expires.set(now + timedelta(hours=2))],
            condition=SmsLimitModel.tally.does_not_exist() | (SmsLimitModel.tally < share(ip_hourly_limit, ip_shard)))
    day = day_key(local_day, day_shard) if local_day else None
    if day:
        tx.update("daily_cap", SmsLimitModel(store_id, day), actions=[
            SmsLimitModel.tally.add(1), SmsLimitModel.expires.set(now + timedelta(days=3))],
            condition=SmsLimitModel.tally.does_not_exist() | (SmsLimitModel.tally < share(daily_cap, day_shard)))
    return Reservation(store_id, address, ip, day)


def refused_limit(tx: NamedTransaction, error: TransactWriteError) -> tuple[str, dict[str, Any] | None] | None:
    """Which limit refused a reservation (and the per-address item as it was), or None."""
    for name in ("address", "client_ip", "daily_cap"):
        if tx.failed(error, name):
            reason = tx.reason(error, name)
            return name, (reason.raw_item if reason is not None else None)
    return None


def release(tx: NamedTransaction, reservation: Reservation) -> None:
    """Undo a reservation (SNS refused the message). No other send to the address can have slipped in
    between: it would have been within 30 s of this one."""
    if reservation.address_key:
        tx.update("address", SmsLimitModel(reservation.store_id, reservation.address_key), actions=[
            SmsLimitModel.s3.set(SmsLimitModel.s2 | 0),
            SmsLimitModel.s2.set(SmsLimitModel.s1 | 0),
            SmsLimitModel.s1.set(SmsLimitModel.s0 | 0),
        ])
    for name, key in (("client_ip", reservation.ip_key), ("daily_cap", reservation.day_key)):
        if key:
            tx.update(name, SmsLimitModel(reservation.store_id, key), actions=[SmsLimitModel.tally.add(-1)])


def number_retry_after(s1: float | None, s3: float | None, now: datetime) -> int:
    """Seconds until the number may be sent to again, from its third latest and latest send times."""
    t = now.timestamp()
    waits = [0.0]
    if s3 is not None:
        waits.append(s3 + RESEND_AFTER_SECONDS - t)
    if s1 is not None:
        waits.append(s1 + HOUR - t)
    return max(1, math.ceil(max(waits)))


def number_retry_after_stored(store_id: str, key: str, now: datetime) -> int:
    try:
        item = SmsLimitModel.get(store_id, key, consistent_read=True)
    except SmsLimitModel.DoesNotExist:
        return 1
    return number_retry_after(item.s1, item.s3, now)


def ip_retry_after(now: datetime) -> int:
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return max(1, math.ceil((next_hour - now).total_seconds()))


def day_retry_after(now: datetime, tz_name: str) -> int:
    local = now.astimezone(ZoneInfo(tz_name))
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((midnight - local).total_seconds()))
