"""The lifecycle rule: which of seven stages a member is in, and why. Pure: no I/O, no clock.

Everything is counted in whole calendar days of the store's time zone (an order at 23:50 and one at
00:10 are a day apart). For member m at date ``today``:

- ``n``: counted (paid) orders ever, up to and including ``today``;
- ``n365``: of those, the ones less than 365 days old (0..364 days ago);
- ``R``: days since the last counted order (None without one);
- ``S``: lifetime spend of counted orders;
- ``age``: days since the member was created.

Stages, first match wins (CONTRACT "Customer lifecycle"): ``need_introduce`` (n = 0, age <= 30),
``silent`` (n = 0), ``loyalists`` (R <= r1, n365 >= 3), ``high_potential`` (R <= r1),
``need_nurturing`` (R <= r2), ``cant_lose`` (R <= r3 and (n >= 3 or S >= H)), ``lost``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from chalicelib.errors import InvalidRequest
from chalicelib.models.binding import PAID

NEED_INTRODUCE, SILENT, LOYALISTS = "need_introduce", "silent", "loyalists"
HIGH_POTENTIAL, NEED_NURTURING, CANT_LOSE, LOST = "high_potential", "need_nurturing", "cant_lose", "lost"

# In the rule's order; the labels are SmartPush's names for the same groups.
LABELS: dict[str, str] = {
    NEED_INTRODUCE: "Need Introduce",
    SILENT: "Silent Customers",
    LOYALISTS: "Loyalists",
    HIGH_POTENTIAL: "High-Potential",
    NEED_NURTURING: "Need Nurturing",
    CANT_LOSE: "Can't Lose",
    LOST: "Lost",
}
STAGES: tuple[str, ...] = tuple(LABELS)


def order_counts(status: str | None) -> bool:
    """Only paid orders count for the stage (an order stored before statuses existed was paid)."""
    return (status or PAID) == PAID

NEW_MEMBER_DAYS = 30  # need_introduce: no order yet and at most this many days a member
YEAR_DAYS = 365  # n365 counts orders 0..364 days old
LOYAL_ORDERS = 3  # loyalists need this many orders in the year; cant_lose this many ever


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Parameters:
    """The store's effective parameters: ``C`` (repurchase cycle, days) and ``H`` (high-value spend)."""

    repurchase_cycle_days: int
    high_value_spend: Decimal
    version: int = 0

    @property
    def r1(self) -> int:
        return self.repurchase_cycle_days

    @property
    def r2(self) -> int:
        return round_half_up(Decimal("2.25") * self.repurchase_cycle_days)

    @property
    def r3(self) -> int:
        return round_half_up(Decimal("4.5") * self.repurchase_cycle_days)


@dataclass(frozen=True)
class CountedOrder:
    """A paid order: when, and how much (other statuses never reach the rule)."""

    ordered_at: datetime
    total: Decimal


@dataclass(frozen=True)
class Facts:
    n: int
    n365: int
    R: int | None
    S: Decimal
    age: int


@dataclass(frozen=True)
class Verdict:
    stage: str
    reason: str


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def facts_of(orders: Iterable[CountedOrder], created_at: datetime, today: date, tz: ZoneInfo) -> Facts:
    """The numbers the rule reads, from a member's paid orders; orders dated after ``today`` are ignored."""
    n = n365 = 0
    spend = Decimal(0)
    last: date | None = None
    for order in orders:
        day = local_date(order.ordered_at, tz)
        if day > today:
            continue
        n += 1
        spend += order.total
        if (today - day).days < YEAR_DAYS:
            n365 += 1
        if last is None or day > last:
            last = day
    age = (today - local_date(created_at, tz)).days
    return Facts(n=n, n365=n365, R=(today - last).days if last is not None else None, S=spend, age=age)


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def stage_of(facts: Facts, params: Parameters) -> Verdict:
    """The first stage whose condition holds, and a reason that names the numbers it compared."""
    p = params
    if facts.n == 0 or facts.R is None:
        if facts.age <= NEW_MEMBER_DAYS:
            return Verdict(NEED_INTRODUCE, f"n=0; age={facts.age}<={NEW_MEMBER_DAYS}")
        return Verdict(SILENT, f"n=0; age={facts.age}>{NEW_MEMBER_DAYS}")
    days = facts.R
    if days <= p.r1:
        if facts.n365 >= LOYAL_ORDERS:
            return Verdict(LOYALISTS, f"R={days}<=r1={p.r1}; n365={facts.n365}>={LOYAL_ORDERS}")
        return Verdict(HIGH_POTENTIAL, f"R={days}<=r1={p.r1}; n365={facts.n365}<{LOYAL_ORDERS}")
    if days <= p.r2:
        return Verdict(NEED_NURTURING, f"R={days}>r1={p.r1}; R={days}<=r2={p.r2}")
    spend = facts.S
    S, H = _money(spend), _money(p.high_value_spend)
    if days <= p.r3:
        if facts.n >= LOYAL_ORDERS:
            return Verdict(CANT_LOSE, f"R={days}>r2={p.r2}; R={days}<=r3={p.r3}; n={facts.n}>={LOYAL_ORDERS}")
        if not p.high_value_spend > facts.S:
            return Verdict(CANT_LOSE, f"R={days}>r2={p.r2}; R={days}<=r3={p.r3}; n={facts.n}; S={S}>=H={H}")
        return Verdict(LOST, f"R={days}>r2={p.r2}; n={facts.n}<{LOYAL_ORDERS}; S={S}<H={H}")
    return Verdict(LOST, f"R={days}>r3={p.r3}")


def classify(orders: Iterable[CountedOrder], created_at: datetime, params: Parameters, now: datetime,
             timezone: str) -> Verdict:
    """The member's stage at ``now`` in the store's ``timezone``: the whole rule in one call."""
    tz = ZoneInfo(timezone)
    return stage_of(facts_of(orders, created_at, local_date(now, tz), tz), params)


def check_stage(value: str) -> str:
    """A stage name from a request; 400 naming ``stage`` otherwise."""

    if value not in LABELS:
        raise InvalidRequest(f"unknown stage '{value[:40]}'; one of {', '.join(STAGES)}", field="stage")
    return value
