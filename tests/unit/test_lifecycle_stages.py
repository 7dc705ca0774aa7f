"""The lifecycle rule without AWS: every stage boundary, refunds, other years, time zones, the parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.lifecycle import parameters
from chalicelib.lifecycle.stages import (
    CANT_LOSE,
    HIGH_POTENTIAL,
    LABELS,
    LOST,
    LOYALISTS,
    NEED_INTRODUCE,
    NEED_NURTURING,
    SILENT,
    STAGES,
    CountedOrder,
    Parameters,
    classify,
)
from chalicelib.lifecycle.stages import order_counts as counts

TAIPEI = "Asia/Taipei"
NOW = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)  # 12:00 in Taipei, 2026-06-30
DEFAULT = Parameters(repurchase_cycle_days=40, high_value_spend=Decimal(1000), version=3)


def days_ago(days: int, hour_utc: int = 4) -> datetime:
    return NOW.replace(hour=hour_utc) - timedelta(days=days)


def paid(days: int, total: str = "100") -> CountedOrder:
    return CountedOrder(days_ago(days), Decimal(total))


def stage(orders: list[CountedOrder], *, age: int = 400, params: Parameters = DEFAULT) -> str:
    return classify(orders, days_ago(age), params, NOW, TAIPEI).stage


def test_the_seven_stages_in_the_contracts_order_with_smartpush_labels():
    assert STAGES == ("need_introduce", "silent", "loyalists", "high_potential", "need_nurturing", "cant_lose", "lost")
    assert [LABELS[s] for s in STAGES] == ["Need Introduce", "Silent Customers", "Loyalists", "High-Potential",
                                           "Need Nurturing", "Can't Lose", "Lost"]


def test_thresholds_follow_c_rounded_half_up():
    assert (DEFAULT.r1, DEFAULT.r2, DEFAULT.r3) == (40, 90, 180)
    assert (Parameters(20, Decimal(0)).r2, Parameters(20, Decimal(0)).r3) == (45, 90)
    assert (Parameters(30, Decimal(0)).r2, Parameters(30, Decimal(0)).r3) == (68, 135)  # 67.5 -> 68
    assert Parameters(14, Decimal(0)).r2 == 32  # 31.5 -> 32


@pytest.mark.parametrize(("age", "expected"), [(0, NEED_INTRODUCE), (30, NEED_INTRODUCE), (31, SILENT)])
def test_age_30_is_still_new_and_31_is_silent(age, expected):
    verdict = classify([], days_ago(age), DEFAULT, NOW, TAIPEI)
    assert verdict.stage == expected
    assert verdict.reason == (f"n=0; age={age}<=30" if expected == NEED_INTRODUCE else f"n=0; age={age}>30")


@pytest.mark.parametrize(("recency", "expected"), [(0, HIGH_POTENTIAL), (40, HIGH_POTENTIAL), (41, NEED_NURTURING),
                                                   (90, NEED_NURTURING), (91, LOST), (180, LOST), (181, LOST)])
def test_one_small_order_moves_at_r1_plus_1_and_r2_plus_1(recency, expected):
    assert stage([paid(recency)]) == expected


def test_the_reasons_name_the_numbers_compared():
    assert classify([paid(40)], days_ago(400), DEFAULT, NOW, TAIPEI).reason == "R=40<=r1=40; n365=1<3"
    assert classify([paid(41)], days_ago(400), DEFAULT, NOW, TAIPEI).reason == "R=41>r1=40; R=41<=r2=90"
    assert classify([paid(97)], days_ago(400), DEFAULT, NOW, TAIPEI).reason == "R=97>r2=90; n=1<3; S=100<H=1000"
    assert classify([paid(181, "5000")], days_ago(400), DEFAULT, NOW, TAIPEI).reason == "R=181>r3=180"


@pytest.mark.parametrize(("n365", "expected"), [(2, HIGH_POTENTIAL), (3, LOYALISTS)])
def test_loyalists_need_three_orders_in_the_year(n365, expected):
    orders = [paid(5 + 30 * k) for k in range(n365)]
    assert stage(orders) == expected


@pytest.mark.parametrize(("oldest", "expected"), [(364, LOYALISTS), (365, HIGH_POTENTIAL)])
def test_an_order_365_days_old_no_longer_counts_for_the_year(oldest, expected):
    assert stage([paid(1), paid(100), paid(oldest)]) == expected


def test_orders_in_another_calendar_year_count_when_inside_365_days():
    # 2026-06-30: orders on 2025-12-31 and 2025-07-01 are last calendar year but inside the 365 days.
    orders = [paid(1), paid((NOW.date() - date(2025, 12, 31)).days), paid((NOW.date() - date(2025, 7, 1)).days)]
    assert stage(orders) == LOYALISTS


@pytest.mark.parametrize(("recency", "expected"), [(91, CANT_LOSE), (180, CANT_LOSE), (181, LOST)])
def test_three_orders_ever_make_a_lapsed_member_cant_lose_until_r3(recency, expected):
    assert stage([paid(recency), paid(recency + 10), paid(recency + 20)]) == expected


@pytest.mark.parametrize(("spend", "expected"), [("999.99", LOST), ("1000", CANT_LOSE), ("1000.01", CANT_LOSE)])
def test_spend_equal_to_h_is_high_value(spend, expected):
    assert stage([paid(100, spend)]) == expected


def test_s_is_lifetime_spend_over_every_paid_order():
    assert stage([paid(100, "600"), paid(500, "400")]) == CANT_LOSE  # S = 1000 = H


def test_a_refund_removing_the_only_order_makes_a_10_day_old_member_need_introduce():
    orders = [("refunded", paid(3))]
    assert stage([order for status, order in orders if counts(status)], age=10) == NEED_INTRODUCE
    assert counts("paid") and counts(None)
    assert not counts("refunded") and not counts("cancelled") and not counts("pending")


def test_days_are_the_store_s_calendar_days_not_24_hour_periods():
    # 23:30 Taipei yesterday, 00:30 Taipei today: one and zero days ago, though an hour apart.
    late = NOW.replace(hour=15, minute=30) - timedelta(days=1)  # 2026-06-29 23:30 in Taipei
    early = NOW.replace(hour=16, minute=30) - timedelta(days=1)  # 2026-06-30 00:30 in Taipei
    assert classify([CountedOrder(late, Decimal(1))], days_ago(400), DEFAULT, NOW, TAIPEI).reason.startswith("R=1<=")
    assert classify([CountedOrder(early, Decimal(1))], days_ago(400), DEFAULT, NOW, TAIPEI).reason.startswith("R=0<=")


def test_orders_after_now_are_ignored():
    assert stage([CountedOrder(NOW + timedelta(days=2), Decimal(1))], age=10) == NEED_INTRODUCE


def test_an_override_of_c_moves_the_member_at_day_21():
    shorter = Parameters(20, Decimal(1000), version=4)
    assert stage([paid(20)], params=shorter) == HIGH_POTENTIAL
    assert stage([paid(21)], params=shorter) == NEED_NURTURING


# --- parameters ---------------------------------------------------------------------------------

TODAY = date(2026, 6, 30)


def test_c_is_40_with_fewer_than_100_repeat_members():
    stats = parameters.ParameterStats()
    for _ in range(99):
        stats.add_member([TODAY - timedelta(days=10), TODAY], Decimal(1), TODAY)
    assert stats.cycle_days() == 40
    stats.add_member([TODAY - timedelta(days=10), TODAY], Decimal(1), TODAY)
    assert stats.cycle_days() == 10 + 4  # 100 members: the median 10 is clamped to 14


def test_c_is_the_median_gap_rounded_half_up_and_clamped():
    stats = parameters.ParameterStats()
    for k in range(100):
        gap = 25 if k % 2 else 26
        stats.add_member([TODAY - timedelta(days=gap), TODAY], Decimal(1), TODAY)
    assert stats.cycle_days() == 26  # median 25.5 -> 26
    long = parameters.ParameterStats()
    for _ in range(100):
        long.add_member([TODAY - timedelta(days=300), TODAY], Decimal(1), TODAY)
    assert long.cycle_days() == 120


def test_only_orders_of_the_last_730_days_make_gaps():
    stats = parameters.ParameterStats()
    for _ in range(100):
        stats.add_member([TODAY - timedelta(days=900), TODAY - timedelta(days=30)], Decimal(1), TODAY)
    assert stats.repeat_members == 0 and stats.cycle_days() == 40


def test_h_is_the_80th_percentile_by_nearest_rank_and_0_without_buyers():
    assert parameters.ParameterStats().high_value_spend() == 0
    stats = parameters.ParameterStats()
    for spend in (100, 1000, 1000, 1000, 1000, 1000):
        stats.add_member([TODAY], Decimal(spend), TODAY)
    assert stats.high_value_spend() == 1000  # rank ceil(4.8) = 5 of 6
    ten = parameters.ParameterStats()
    for spend in range(1, 11):
        ten.add_member([TODAY], Decimal(spend * 10), TODAY)
    assert ten.high_value_spend() == 80


def test_overrides_win_and_null_falls_back_to_the_computed_value():
    stored = parameters.StoredParameters(2, 40, Decimal(500), 20, None, None)
    assert (stored.effective().repurchase_cycle_days, stored.effective().high_value_spend) == (20, 500)
    assert stored.effective().version == 2
