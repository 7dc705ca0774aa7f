"""A store's lifecycle parameters: computed from its orders, overridable, every change a new version.

- ``C`` (``repurchase_cycle_days``): the median number of days between consecutive paid orders,
  pooled over every member with 2+ paid orders in the last 730 days (gaps between those orders),
  rounded half up and clamped to 14..120; 40 while fewer than 100 members have 2+ such orders.
- ``H`` (``high_value_spend``): the 80th percentile (nearest rank: the value at position
  ceil(0.8 N) of the N sorted lifetime spends) of members with at least one paid order; 0 when none.

Versions are items ``(store_id, version)``; the newest is current. A version is written by the daily
run when a computed value changed, and by ``PUT /admin/lifecycle/parameters``; each put carries
``attribute_not_exists`` so two writers never share a number (the loser re-reads and retries).
"""

from __future__ import annotations

import itertools
import math
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib import clock
from chalicelib.lifecycle.stages import Parameters, round_half_up
from chalicelib.models.lifecycle import LifecycleParametersModel

DEFAULT_CYCLE_DAYS = 40
MIN_CYCLE_DAYS, MAX_CYCLE_DAYS = 14, 120
MIN_REPEAT_MEMBERS = 100  # fewer members with repeat orders than this: the default cycle
REPEAT_WINDOW_DAYS = 730
SPEND_PERCENTILE = 80
MAX_OVERRIDE_SPEND = Decimal("1000000000000")


@dataclass
class ParameterStats:
    """What the daily run gathers member by member to compute ``C`` and ``H`` (compact arrays, no objects)."""

    gaps: array[int] = field(default_factory=lambda: array("l"))
    spends: list[Decimal] = field(default_factory=list)
    repeat_members: int = 0

    def add_member(self, order_days: list[date], spend: Decimal, today: date) -> None:
        """One member's paid-order days (any order) and lifetime spend."""
        if not order_days:
            return
        self.spends.append(spend)
        recent = sorted(day for day in order_days if 0 <= (today - day).days < REPEAT_WINDOW_DAYS)
        if len(recent) >= 2:
            self.repeat_members += 1
            self.gaps.extend((later - earlier).days for earlier, later in itertools.pairwise(recent))

    def cycle_days(self) -> int:
        if self.repeat_members < MIN_REPEAT_MEMBERS or not self.gaps:
            return DEFAULT_CYCLE_DAYS
        import statistics  # imports random and fractions: only the daily run needs it

        median = Decimal(str(statistics.median(self.gaps)))
        return min(MAX_CYCLE_DAYS, max(MIN_CYCLE_DAYS, round_half_up(median)))

    def high_value_spend(self) -> Decimal:
        if not self.spends:
            return Decimal(0)
        ordered = sorted(self.spends)
        return ordered[math.ceil(len(ordered) * SPEND_PERCENTILE / 100) - 1]


@dataclass(frozen=True)
class StoredParameters:
    version: int
    cycle_auto: int
    spend_auto: Decimal
    cycle_override: int | None
    spend_override: Decimal | None
    created_at: datetime | None

    def effective(self) -> Parameters:
        cycle = self.cycle_override if self.cycle_override is not None else self.cycle_auto
        spend = self.spend_override if self.spend_override is not None else self.spend_auto
        return Parameters(repurchase_cycle_days=cycle, high_value_spend=spend, version=self.version)


# Before a store's first version: the contract's defaults, called version 0.
INITIAL = StoredParameters(0, DEFAULT_CYCLE_DAYS, Decimal(0), None, None, None)


def _stored(item: LifecycleParametersModel) -> StoredParameters:
    return StoredParameters(
        version=int(item.version), cycle_auto=int(item.repurchase_cycle_days_auto),
        spend_auto=Decimal(item.high_value_spend_auto),
        cycle_override=int(item.repurchase_cycle_days_override)
        if item.repurchase_cycle_days_override is not None else None,
        spend_override=Decimal(item.high_value_spend_override) if item.high_value_spend_override is not None else None,
        created_at=item.created_at)


def current(store_id: str) -> StoredParameters:
    """The newest version (one Query, limit 1), or :data:`INITIAL`."""
    for item in LifecycleParametersModel.query(store_id, scan_index_forward=False, limit=1, consistent_read=True):
        return _stored(item)
    return INITIAL


def _put_next(store_id: str, change: Any, cause: str, now: datetime, repeat_members: int = 0,
              buyers: int = 0) -> StoredParameters:
    """Write ``change(current)`` as the next version unless it equals the current one; retried on a race."""
    for _ in range(5):
        latest = current(store_id)
        wanted: StoredParameters = change(latest)
        same = (wanted.cycle_auto, wanted.spend_auto, wanted.cycle_override, wanted.spend_override) == (
            latest.cycle_auto, latest.spend_auto, latest.cycle_override, latest.spend_override)
        if same and latest.version:
            return latest
        version = latest.version + 1
        item = LifecycleParametersModel(
            store_id, version, repurchase_cycle_days_auto=wanted.cycle_auto,
            high_value_spend_auto=str(wanted.spend_auto), repurchase_cycle_days_override=wanted.cycle_override,
            high_value_spend_override=str(wanted.spend_override) if wanted.spend_override is not None else None,
            cause=cause, created_at=now, repeat_members=repeat_members, buyers=buyers)
        try:
            item.save(condition=LifecycleParametersModel.version.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                continue  # another writer took this number: read again
            raise
        return _stored(item)
    raise RuntimeError("could not record a parameters version after 5 attempts")


def record_computed(store_id: str, stats: ParameterStats, now: datetime) -> StoredParameters:
    """The daily run's computed values; a new version only when they differ from the current ones."""
    cycle, spend = stats.cycle_days(), stats.high_value_spend()

    def change(latest: StoredParameters) -> StoredParameters:
        return StoredParameters(latest.version, cycle, spend, latest.cycle_override, latest.spend_override, now)

    return _put_next(store_id, change, "daily_run", now, repeat_members=stats.repeat_members,
                     buyers=len(stats.spends))


_UNSET = object()


def set_overrides(store_id: str, body: dict[str, Any], now: datetime) -> StoredParameters:
    """``PUT /admin/lifecycle/parameters``: a given field sets its override, ``null`` removes it."""
    cycle = body.get("repurchase_cycle_days", _UNSET)
    spend = body.get("high_value_spend", _UNSET)

    def change(latest: StoredParameters) -> StoredParameters:
        return StoredParameters(
            latest.version, latest.cycle_auto, latest.spend_auto,
            latest.cycle_override if cycle is _UNSET else cycle,
            latest.spend_override if spend is _UNSET else spend,
            now)

    return _put_next(store_id, change, "override", now)


def parameter_view(stored: StoredParameters) -> dict[str, Any]:
    effective = stored.effective()

    def money(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    return {
        "version": stored.version,
        "updated_at": clock.isoformat(stored.created_at) if stored.created_at else None,
        "repurchase_cycle_days": {"auto": stored.cycle_auto, "override": stored.cycle_override,
                                  "effective": effective.repurchase_cycle_days},
        "high_value_spend": {"auto": money(stored.spend_auto), "override": money(stored.spend_override),
                             "effective": money(effective.high_value_spend)},
        "thresholds": {"r1": effective.r1, "r2": effective.r2, "r3": effective.r3},
    }
