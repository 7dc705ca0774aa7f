"""The daily lifecycle run: every member of a store recomputed once its local day D has ended.

For each store, the hourly schedule picks the local day that ended last (yesterday, in the store's
time zone) and, unless that day's run is done, claims it (one conditional put on
``LifecycleRunModel``) and runs it:

1. Orders: one Query over the store's orders grouped by member (index ``by_store_member``), streamed:
   each member's paid orders become four numbers (n, n365, R, S), and the parameter statistics
   collect their gaps and spend. The computed parameters are recorded as a new version when they
   changed (:mod:`chalicelib.lifecycle.parameters`).
2. Members: one Query over the store's members (``created_at`` and the stored stage come with the
   item); each member's stage is computed as of day D + 1 and written, with a history item, only when
   it changed (:func:`chalicelib.lifecycle.tracking.move`, writes on a small thread pool).
3. The CSV ``reports/{store_id}/lifecycle/{D}.csv`` (``Stage,Members,Entered,Left``): members per
   stage at the end of the run, and the stage changes counted for day D (one Query on the history's
   ``by_day`` index). Then the run is marked done.

Items read: members + orders (+ the day's changes). No Scan. Memory: four numbers per member with
orders, plus one gap per repeat order and one spend per buyer (for the median and the percentile).

Time: a run stops taking new members after ``budget_seconds`` (12 minutes in a Lambda of 15) and
hands the rest over, with its counts so far, to a fresh invocation (``lifecycle_continue``, an
asynchronous invoke; in the local sandbox, in process), which reads only the remaining members
and their orders. Re-running a day computes as of the same date and writes identical bytes when
nothing changed meanwhile.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.lifecycle import parameters
from chalicelib.lifecycle.stages import STAGES, YEAR_DAYS, Facts, Parameters, local_date, order_counts, stage_of
from chalicelib.lifecycle.tracking import Change, move
from chalicelib.logs import logger
from chalicelib.models.binding import OrderModel
from chalicelib.models.lifecycle import LifecycleHistoryModel, LifecycleRunModel
from chalicelib.models.members import MemberModel
from chalicelib.models.reports import REGISTRY_PARTITION, StoreRegistryModel
from chalicelib.models.stores import StoreModel
from chalicelib.reports import csvfile
from chalicelib.reports.s3stream import s3_client

HEADER = ("Stage", "Members", "Entered", "Left")
BUDGET_SECONDS = 12 * 60  # of a Lambda's 15 minutes: time left to write the CSV and hand over
HAND_OVER_MARGIN_SECONDS = 3 * 60  # what an invocation keeps of its timeout to write the CSV and hand over
STALE_CLAIM = timedelta(hours=1)  # a run claimed this long ago and not done has died: claim it again
WRITERS = 8  # concurrent stage writes on AWS (TransactWrite round trips dominate when many members change)


def writer_count() -> int:
    return 1 if settings().is_local else WRITERS  # moto's transactions are not thread-safe
MAX_KEY = "\uffff"


def csv_key(store_id: str, day: str) -> str:
    return f"reports/{store_id}/lifecycle/{day}.csv"


# The four order numbers of one member: n, n365, days since the last paid order, spend.
Tally = tuple[int, int, int, Decimal]


@dataclass
class RunState:
    """What a run carries from one invocation to the next."""

    store_id: str
    day: str
    timezone: str
    parameters_version: int
    cycle_days: int
    high_value_spend: str
    after_member: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    members: int = 0
    orders: int = 0
    changed: int = 0

    @property
    def params(self) -> Parameters:
        return Parameters(self.cycle_days, Decimal(self.high_value_spend), self.parameters_version)

    @property
    def as_of_date(self) -> date:
        return date.fromisoformat(self.day) + timedelta(days=1)

    def to_event(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True)
class RunResult:
    state: RunState
    done: bool
    key: str | None = None


def tally_orders(store_id: str, today: date, tz: ZoneInfo, stats: parameters.ParameterStats | None,
                 after_member: str | None = None) -> tuple[dict[str, Tally], int]:
    """Every member's order numbers (and the parameter statistics), in one streamed Query; and items read."""
    condition = OrderModel.member_order_key > f"{after_member}#{MAX_KEY}" if after_member else None
    tallies: dict[str, Tally] = {}
    read = 0
    member: str | None = None
    days: list[date] = []
    spend = Decimal(0)

    def flush() -> None:
        if member is None or not days:
            return
        last = max(days)
        n365 = sum(1 for day in days if (today - day).days < YEAR_DAYS)
        tallies[member] = (len(days), n365, (today - last).days, spend)
        if stats is not None:
            stats.add_member(days, spend, today)

    for order in OrderModel.by_store_member.query(store_id, condition):
        read += 1
        if order.member_id != member:
            flush()
            member, days, spend = order.member_id, [], Decimal(0)
        if not order_counts(order.status):
            continue
        day = local_date(order.ordered_at, tz)
        if day > today:
            continue
        days.append(day)
        spend += Decimal(order.total)
    flush()
    return tallies, read


def _members(store_id: str, after_member: str | None) -> Iterator[MemberModel]:
    condition = MemberModel.member_id > after_member if after_member else None
    attributes = ["member_id", "created_at", "lifecycle_stage"]
    return iter(MemberModel.query(store_id, condition, attributes_to_get=attributes))


def facts_for(tally: Tally | None, created_at: datetime, today: date, tz: ZoneInfo) -> Facts:
    age = (today - local_date(created_at, tz)).days
    if tally is None:
        return Facts(n=0, n365=0, R=None, S=Decimal(0), age=age)
    n, n365, recency, spend = tally
    return Facts(n=n, n365=n365, R=recency, S=spend, age=age)


def run_members(state: RunState, tallies: dict[str, Tally], now: datetime, deadline: float) -> bool:
    """Stage every member after ``state.after_member``; False when the deadline stopped it early."""
    tz, today, params = ZoneInfo(state.timezone), state.as_of_date, state.params
    counts = Counter(state.counts)
    finished = True
    with ThreadPoolExecutor(max_workers=writer_count()) as writers:
        pending = []
        for member in _members(state.store_id, state.after_member):
            if time.monotonic() > deadline:
                finished = False
                break
            verdict = stage_of(facts_for(tallies.get(member.member_id), member.created_at, today, tz), params)
            counts[verdict.stage] += 1
            state.members += 1
            state.after_member = member.member_id
            if verdict.stage != member.lifecycle_stage:
                pending.append(writers.submit(move, state.store_id, member.member_id, member.lifecycle_stage,
                                              verdict, params.version, now, cause="daily_run", store_day=state.day))
        changes: list[Change | None] = [future.result() for future in pending]
    state.changed += sum(1 for change in changes if change is not None)
    state.counts = {stage: counts.get(stage, 0) for stage in STAGES}
    return finished


def day_changes(store_id: str, day: str) -> tuple[Counter[str], Counter[str]]:
    """Stage changes counted for ``day``: how many entered and left each stage."""
    entered: Counter[str] = Counter()
    left: Counter[str] = Counter()
    for item in LifecycleHistoryModel.by_day.query(f"{store_id}#{day}"):
        entered[item.to_stage] += 1
        if item.from_stage:
            left[item.from_stage] += 1
    return entered, left


def csv_bytes(counts: dict[str, int], entered: Counter[str], left: Counter[str]) -> bytes:
    return csvfile.to_bytes(HEADER, [(stage, counts.get(stage, 0), entered[stage], left[stage]) for stage in STAGES])


def finish(state: RunState, now: datetime) -> str:
    """Write the day's CSV, then mark the run done (its counts are what ``GET /admin/lifecycle`` shows)."""

    key = csv_key(state.store_id, state.day)
    entered, left = day_changes(state.store_id, state.day)
    s3_client().put_object(Bucket=settings().reports_bucket, Key=key, Body=csv_bytes(state.counts, entered, left),
                           ContentType="text/csv; charset=utf-8",
                           ContentDisposition=f'attachment; filename="lifecycle-{state.day}.csv"')
    R = LifecycleRunModel
    R(state.store_id, state.day).update(actions=[
        R.state.set("done"), R.as_of.set(now), R.parameters_version.set(state.parameters_version),
        R.counts.set(state.counts), R.members.set(state.members), R.orders.set(state.orders),
        R.changed.set(state.changed), R.key.set(key)])
    logger.info("lifecycle run done", extra={"store_id": state.store_id, "day": state.day, "members": state.members,
                                             "orders": state.orders, "changed": state.changed})
    return key


def claim(store_id: str, day: str, now: datetime) -> bool:
    """One conditional put: this invocation runs the day unless it is done or another run is alive."""
    R = LifecycleRunModel
    try:
        R(store_id, day, state="running", started_at=now).save(
            condition=R.day.does_not_exist() | ((R.state == "running") & (R.started_at < now - STALE_CLAIM)))
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def start(store: StoreModel, day: str, now: datetime, budget_seconds: float = BUDGET_SECONDS) -> RunResult:
    """A day's run from the beginning: parameters from the orders, then every member."""
    deadline = time.monotonic() + budget_seconds
    tz = ZoneInfo(store.timezone)
    today = date.fromisoformat(day) + timedelta(days=1)
    stats = parameters.ParameterStats()
    tallies, read = tally_orders(store.store_id, today, tz, stats)
    stored = parameters.record_computed(store.store_id, stats, now)
    params = stored.effective()
    state = RunState(store.store_id, day, store.timezone, params.version, params.repurchase_cycle_days,
                     str(params.high_value_spend), orders=read)
    return _members_then_finish(state, tallies, now, deadline)


def resume(state: RunState, now: datetime, budget_seconds: float = BUDGET_SECONDS) -> RunResult:
    """A handed-over run: the remaining members' orders, then the remaining members."""
    deadline = time.monotonic() + budget_seconds
    tallies, read = tally_orders(state.store_id, state.as_of_date, ZoneInfo(state.timezone), None,
                                 state.after_member)
    state.orders += read
    return _members_then_finish(state, tallies, now, deadline)


def _members_then_finish(state: RunState, tallies: dict[str, Tally], now: datetime, deadline: float) -> RunResult:
    if not run_members(state, tallies, now, deadline):
        return RunResult(state, done=False)
    return RunResult(state, done=True, key=finish(state, now))


def ended_day(timezone: str, now: datetime) -> str:
    """The store's local day that ended last: yesterday in its time zone."""
    return (date.fromisoformat(clock.local_day(now, timezone)) - timedelta(days=1)).isoformat()


def budget_of(context: Any, margin_seconds: float = HAND_OVER_MARGIN_SECONDS) -> float:
    """Seconds this invocation may spend on members: its remaining time (the template's timeout) less the time
    to write the CSV and hand over, never more than :data:`BUDGET_SECONDS`. No context (a test): the default."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return BUDGET_SECONDS
    return max(0.0, min(float(BUDGET_SECONDS), float(remaining()) / 1000 - margin_seconds))


def run_store(store_id: str, now: datetime, hand_off: Any, budget_seconds: float = BUDGET_SECONDS) -> str | None:
    """The store's ended day, when not done yet: run it (or hand the rest over); the day run, or None."""
    try:
        store = StoreModel.get(store_id)
    except DoesNotExist:
        return None
    day = ended_day(store.timezone, now)
    if not claim(store_id, day, now):
        return None
    result = start(store, day, now, budget_seconds)
    if not result.done:
        hand_off(result.state.to_event())
    return day


def run_scheduled(now: datetime, hand_off: Any, budget_seconds: float = BUDGET_SECONDS) -> list[str]:
    """Every registered store; one store's failure never stops the others. Returns "<store>/<day>" run."""
    ran: list[str] = []
    for entry in StoreRegistryModel.query(REGISTRY_PARTITION):
        try:
            day = run_store(entry.store_id, now, hand_off, budget_seconds)
            if day:
                ran.append(f"{entry.store_id}/{day}")
        except Exception:
            logger.exception("lifecycle run failed", extra={"store_id": entry.store_id})
    return ran


def continue_run(event: dict[str, Any], now: datetime, hand_off: Any,
                 budget_seconds: float = BUDGET_SECONDS) -> RunResult:
    """The ``lifecycle_continue`` function: pick a handed-over run up where it stopped."""
    result = resume(RunState(**event), now, budget_seconds)
    if not result.done:
        hand_off(result.state.to_event())
    return result
