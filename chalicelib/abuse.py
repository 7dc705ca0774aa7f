"""Abuse limits on the storefront's account routes: every number is declared here, once.

Every limit is counted *before* the thing it protects is compared (a code, a password), in one
conditional write: the write adds the attempt only while the limit holds, so any number of
concurrent attempts cannot get past it. Two shapes:

- :class:`RollingLimit` (per identifier): the item keeps the times of the last ``count`` attempts
  (and one more, so an attempt can be given back); an attempt is allowed when the ``count``-th
  latest left the window, and the update shifts the times along (every right-hand side is read
  from the item as it was), so the window truly rolls.
- :class:`WindowLimit` (per client IP): a tally in an item whose key names the fixed window.

The SMS and email *send* limits (30 s apart, 3 per hour per address, per client IP per hour, per
store per day) are :mod:`chalicelib.sms.limits`; the per-code limit is :data:`CODE_ATTEMPTS`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.errors import ApiError
from chalicelib.models.limits import ROLLING_SLOTS, AttemptCounterModel
from chalicelib.models.transactions import NamedTransaction

C = AttemptCounterModel
_SLOTS = [C.t0, C.t1, C.t2, C.t3, C.t4, C.t5, C.t6, C.t7, C.t8, C.t9, C.t10]


@dataclass(frozen=True)
class RollingLimit:
    """At most ``count`` attempts per subject in any rolling ``window``."""

    name: str
    count: int
    window: timedelta

    def key(self, subject: str) -> str:
        return f"{self.name}#{subject}"


@dataclass(frozen=True)
class WindowLimit:
    """At most ``count`` attempts per subject in each fixed ``window`` (aligned to the epoch)."""

    name: str
    count: int
    window: timedelta

    def index(self, now: datetime) -> int:
        return int(now.timestamp() // self.window.total_seconds())

    def key(self, subject: str, now: datetime) -> str:
        return f"{self.name}#{subject}#{self.index(now)}"


# Guesses compared per code (then the code is dead: ask for a new one).
CODE_ATTEMPTS = 5
# Wrong guesses per identifier (phone or email) and purpose, across re-issued codes.
CODE_GUESSES = RollingLimit("code_guesses", 10, timedelta(hours=1))
# Failed logins per identifier and per client IP (a successful login gives its attempt back).
LOGINS_PER_IDENTIFIER = RollingLimit("logins", 10, timedelta(minutes=15))
LOGINS_PER_CLIENT_IP = WindowLimit("logins_ip", 50, timedelta(minutes=15))
# Failed console sign-ins per e-mail (the same rule as members'), counted under CONSOLE_PARTITION: signing in
# names an e-mail, not a store.
CONSOLE_LOGINS_PER_EMAIL = RollingLimit("console_logins", 10, timedelta(minutes=15))
CONSOLE_PARTITION = "console"
# The staff app's name search: a prefix of at least this many characters, at most this many members.
STAFF_NAME_MIN_CHARS = 2
STAFF_SEARCH_MAX_RESULTS = 20
# Staff searches per staff key: a counter serves one customer at a time; a script walking the member base does not.
STAFF_SEARCHES_PER_MINUTE = WindowLimit("staff_search_minute", 20, timedelta(minutes=1))
STAFF_SEARCHES_PER_HOUR = WindowLimit("staff_search_hour", 200, timedelta(hours=1))

assert max(CODE_GUESSES.count, LOGINS_PER_IDENTIFIER.count) + 1 <= ROLLING_SLOTS


class TooManyAttempts(ApiError):
    """``too_many_attempts``: a limit on guesses or logins holds (with ``retry_after_seconds`` when it ends)."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after_seconds: int | None = None) -> None:
        extra: dict[str, Any] = {"retry_after_seconds": retry_after_seconds} if retry_after_seconds is not None else {}
        super().__init__(message, **extra)


def _slots(limit: RollingLimit) -> list[NumberAttribute]:
    """The ``count + 1`` slots the limit uses, oldest first (the first only keeps a given-back time)."""
    return _SLOTS[ROLLING_SLOTS - limit.count - 1:]


def _nth_latest(limit: RollingLimit) -> NumberAttribute:
    return _slots(limit)[1]


def rolling_open(limit: RollingLimit, now: datetime) -> Condition:
    """True while fewer than ``count`` attempts fall in the window (the ``count``-th latest is outside it)."""
    oldest = _nth_latest(limit)
    condition: Condition = oldest.does_not_exist() | (oldest <= now.timestamp() - limit.window.total_seconds())
    return condition


def _rolling_actions(limit: RollingLimit, now: datetime) -> list[Action]:
    slots = _slots(limit)
    actions: list[Action] = [slot.set(newer | 0) for slot, newer in itertools.pairwise(slots)]
    actions += [slots[-1].set(now.timestamp()), C.expires.set(now + limit.window + timedelta(minutes=1))]
    return actions


def count_rolling(tx: NamedTransaction, name: str, limit: RollingLimit, store_id: str, subject: str,
                  now: datetime) -> None:
    """Add one attempt to ``tx`` (refused by its condition once the limit is reached)."""
    tx.update(name, C(store_id, limit.key(subject)), actions=_rolling_actions(limit, now),
              condition=rolling_open(limit, now), return_old_on_failure=True)


def check_rolling(tx: NamedTransaction, name: str, limit: RollingLimit, store_id: str, subject: str,
                  now: datetime) -> None:
    """Require the limit to hold in ``tx`` without counting an attempt (a right code is not a wrong guess)."""
    tx.check(name, C, store_id, limit.key(subject), rolling_open(limit, now))


def count_rolling_now(limit: RollingLimit, store_id: str, subject: str, now: datetime, message: str) -> None:
    """Count one attempt in its own conditional update; 429 ``too_many_attempts`` once the limit is reached."""
    try:
        C(store_id, limit.key(subject)).update(actions=_rolling_actions(limit, now),
                                               condition=rolling_open(limit, now))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise TooManyAttempts(message, rolling_retry_after_stored(limit, store_id, subject, now)) from None


def give_back_rolling(tx: NamedTransaction, name: str, limit: RollingLimit, store_id: str, subject: str,
                      counted_at: datetime) -> None:
    """Undo the attempt counted at ``counted_at`` (shift the times back), if none was counted since."""
    slots = _slots(limit)
    tx.update(name, C(store_id, limit.key(subject)),
              actions=[newer.set(older | 0) for older, newer in itertools.pairwise(slots)],
              condition=slots[-1] == counted_at.timestamp())


def rolling_retry_after(limit: RollingLimit, oldest: float | None, now: datetime) -> int:
    if oldest is None:
        return 1
    return max(1, math.ceil(oldest + limit.window.total_seconds() - now.timestamp()))


def rolling_retry_after_raw(limit: RollingLimit, raw_item: dict[str, dict[str, str]] | None, now: datetime) -> int:
    """From the item a cancelled transaction returned (``return_old_on_failure``)."""
    attr = _nth_latest(limit).attr_name
    value = (raw_item or {}).get(attr, {}).get("N")
    return rolling_retry_after(limit, float(value) if value is not None else None, now)


def rolling_retry_after_stored(limit: RollingLimit, store_id: str, subject: str, now: datetime) -> int:
    try:
        item = C.get(store_id, limit.key(subject), consistent_read=True)
    except C.DoesNotExist:
        return 1
    return rolling_retry_after(limit, getattr(item, _nth_latest(limit).attr_name), now)


def count_window(tx: NamedTransaction, name: str, limit: WindowLimit, store_id: str, subject: str,
                 now: datetime) -> None:
    tx.update(name, C(store_id, limit.key(subject, now)),
              actions=[C.tally.add(1), C.expires.set(now + limit.window + timedelta(minutes=1))],
              condition=C.tally.does_not_exist() | (C.tally < limit.count))


def give_back_window(tx: NamedTransaction, name: str, limit: WindowLimit, store_id: str, subject: str,
                     counted_at: datetime) -> None:
    tx.update(name, C(store_id, limit.key(subject, counted_at)), actions=[C.tally.add(-1)],
              condition=C.tally > 0)


def window_retry_after(limit: WindowLimit, now: datetime) -> int:
    seconds = limit.window.total_seconds()
    return max(1, math.ceil((limit.index(now) + 1) * seconds - now.timestamp()))
