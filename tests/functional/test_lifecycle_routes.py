"""Customer lifecycle through the routes: the order feed, the stage recomputed on order changes, history,
stage lists, parameters and the daily run's CSV (chalice.test.Client under mock_aws, clock moved in process)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock
from tests.conftest import call
from tests.support_binding import new_member
from tests.support_lifecycle import (
    LIFECYCLE_HEADER,
    aws_calls,
    history,
    iso,
    order,
    profile_stage,
    set_status,
    writes,
)

DAY = 86400


def profile_created(client, store, member_id: str) -> str:
    return str(call(client, "GET", f"/admin/members/{member_id}", store.admin())[1]["created_at"])


def run_daily():
    from chalicelib.lifecycle.daily import run_scheduled
    from chalicelib.lifecycle.handoff import hand_off

    return run_scheduled(clock.now(), hand_off)


def read_csv(store_id: str, day: str) -> bytes:
    import boto3

    return bytes(boto3.client("s3").get_object(Bucket="memberlink-local-reports",
                                               Key=f"reports/{store_id}/lifecycle/{day}.csv")["Body"].read())


# --- the order feed ----------------------------------------------------------------------------------

def test_orders_take_status_and_ordered_at_and_later_status_changes(client, store):
    amy = new_member(store.store_id)
    # GIVEN an order reported as pending three days ago
    when = (clock.now() - timedelta(days=3)).replace(microsecond=0)
    placed = order(client, store, amy, "o-1", status="pending", ordered_at=iso(when))
    assert placed["status"] == "pending"
    assert placed["ordered_at"] == clock.isoformat(when)
    # WHEN the storefront reports it paid, then refunded
    status, paid = set_status(client, store, "o-1", "paid")
    assert (status, paid["status"], paid["order_id"]) == (200, "paid", "o-1")
    assert set_status(client, store, "o-1", "paid")[0] == 200  # the same status again: nothing changes
    status, refunded = set_status(client, store, "o-1", "refunded")
    # THEN the profile lists it with its status and original time
    assert (status, refunded["status"]) == (200, "refunded")
    _, profile = call(client, "GET", f"/admin/members/{amy}", store.admin())
    assert [(o["order_id"], o["status"]) for o in profile["orders"]] == [("o-1", "refunded")]
    # AND an order without status is paid, placed now
    assert order(client, store, amy, "o-2")["status"] == "paid"


@pytest.mark.parametrize(("extra", "field"), [
    ({"status": "shipped"}, "status"), ({"status": 3}, "status"), ({"ordered_at": "2026-01-01T10:00:00"}, "ordered_at"),
    ({"ordered_at": "yesterday"}, "ordered_at"), ({"ordered_at": "2999-01-01T00:00:00+00:00"}, "ordered_at")])
def test_bad_order_fields_are_400_naming_them(client, store, extra, field):
    amy = new_member(store.store_id)
    body = {"order_id": "o-bad", "member_id": amy, "total": "10", "currency": "TWD", **extra}
    status, answer = call(client, "POST", "/storefront/orders", store.storefront(), body)
    assert status == 400 and answer["error"]["field"] == field


def test_status_change_errors(client, store, other_store):
    amy = new_member(store.store_id)
    order(client, store, amy, "o-1")
    assert set_status(client, store, "o-nope", "paid")[0] == 404
    status, answer = call(client, "PUT", "/storefront/orders/o-1", other_store.storefront(), {"status": "refunded"})
    assert (status, answer["error"]["code"]) == (404, "not_found")
    status, answer = set_status(client, store, "o-1", "lost")
    assert (status, answer["error"]["field"]) == (400, "status")
    status, answer = call(client, "PUT", "/storefront/orders/o-1", store.storefront(), {})
    assert (status, answer["error"]["field"]) == (400, "status")
    assert call(client, "PUT", "/storefront/orders/o-1", store.admin(), {"status": "paid"})[0] == 403


# --- incremental recompute ---------------------------------------------------------------------------

def test_a_paid_order_moves_the_member_with_one_extra_write_and_history_once(client, store):
    amy = new_member(store.store_id)
    body = {"order_id": "o-1", "member_id": amy, "total": "100", "currency": "TWD"}
    before = clock.now().replace(microsecond=0)
    # WHEN the first paid order arrives
    with aws_calls() as seen:
        status, _ = call(client, "POST", "/storefront/orders", store.storefront(), body)
    # THEN the order's own transaction plus one lifecycle transaction, nothing scanned
    assert status == 201
    assert writes(seen) == 2 and seen["TransactWriteItems"] == 2 and seen["Scan"] == 0
    lifecycle = profile_stage(client, store, amy)
    assert lifecycle["stage"] == "high_potential"
    assert lifecycle["reason"] == "R=0<=r1=40; n365=1<3"
    assert clock.isoformat(before) <= lifecycle["since"] <= clock.isoformat(clock.now())
    # WHEN the same order is reported again, and a second one arrives that changes nothing
    with aws_calls() as seen:
        assert call(client, "POST", "/storefront/orders", store.storefront(), body)[0] == 200
        order(client, store, amy, "o-2")
    assert writes(seen) == 2  # the repeat's refused transaction and o-2's own: no lifecycle write
    # THEN the history has the one change, with its reason and parameters version
    status, page = call(client, "GET", f"/admin/members/{amy}/lifecycle-history", store.admin())
    assert status == 200 and page["next_cursor"] is None
    assert [(i["from"], i["to"], i["reason"], i["parameters_version"]) for i in page["items"]] == [
        (None, "high_potential", "R=0<=r1=40; n365=1<3", 0)]


def test_a_refund_of_the_only_order_makes_a_10_day_old_member_need_introduce(client, store):
    amy = new_member(store.store_id)
    clock.advance(10 * DAY)
    order(client, store, amy, "o-1")
    assert profile_stage(client, store, amy)["stage"] == "high_potential"
    assert set_status(client, store, "o-1", "refunded")[0] == 200
    lifecycle = profile_stage(client, store, amy)
    assert (lifecycle["stage"], lifecycle["reason"]) == ("need_introduce", "n=0; age=10<=30")
    assert history(client, store, amy) == [(None, "high_potential"), ("high_potential", "need_introduce")]


def test_pending_orders_do_not_count_until_paid(client, store):
    amy = new_member(store.store_id)
    with aws_calls() as seen:
        order(client, store, amy, "o-1", status="pending")
    assert writes(seen) == 1
    # the profile shows the stage the member has had since sign-up, computed on the spot (nothing stored yet)
    created = profile_created(client, store, amy)
    assert profile_stage(client, store, amy) == {"stage": "need_introduce", "since": created,
                                                 "reason": "n=0; age=0<=30", "parameters_version": 0}
    assert history(client, store, amy) == []
    set_status(client, store, "o-1", "paid")
    assert profile_stage(client, store, amy)["stage"] == "high_potential"


def test_history_of_an_unknown_or_foreign_member_is_404(client, store, other_store):
    amy = new_member(store.store_id)
    assert call(client, "GET", f"/admin/members/{amy}/lifecycle-history", other_store.admin())[0] == 404
    assert call(client, "GET", "/admin/members/mb_nobody/lifecycle-history", store.admin())[0] == 404


# --- members by stage --------------------------------------------------------------------------------

def test_members_by_stage_is_a_paged_query_of_the_store_s_members_only(client, store, other_store):
    members = [new_member(store.store_id, f"Buyer {n}") for n in range(3)]
    for n, member in enumerate(members):
        order(client, store, member, f"o-{n}")
    rival = new_member(other_store.store_id)
    order(client, other_store, rival, "o-r")
    with aws_calls() as seen:
        status, first = call(client, "GET", "/admin/members?stage=high_potential&limit=2", store.admin())
    assert status == 200 and seen["Query"] == 1 and seen["Scan"] == 0
    status, second = call(client, "GET", f"/admin/members?stage=high_potential&cursor={first['next_cursor']}",
                          store.admin())
    found = [m["member_id"] for m in first["items"] + second["items"]]
    assert sorted(found) == sorted(members) and second["next_cursor"] is None
    assert call(client, "GET", "/admin/members?stage=lost", store.admin())[1]["items"] == []


def test_members_by_stage_refuses_unknown_stages_and_cursors(client, store, other_store):
    status, answer = call(client, "GET", "/admin/members?stage=vip", store.admin())
    assert (status, answer["error"]["field"]) == (400, "stage")
    status, answer = call(client, "GET", "/admin/members?stage=lost&name=Amy", store.admin())
    assert status == 400
    status, answer = call(client, "GET", "/admin/members?stage=lost&cursor=garbage", store.admin())
    assert (status, answer["error"]["field"]) == (400, "cursor")


def test_the_audience_helper_yields_every_member_id_of_a_stage(client, store):
    from chalicelib.errors import InvalidRequest
    from chalicelib.lifecycle import audience_member_ids, stage_member_ids

    members = sorted(new_member(store.store_id, f"Buyer {n}") for n in range(5))
    for n, member in enumerate(members):
        order(client, store, member, f"o-{n}")
    assert sorted(stage_member_ids(store.store_id, "high_potential", page_size=2)) == members
    assert sorted(audience_member_ids(store.store_id, {"stage": "high_potential"})) == members
    with pytest.raises(InvalidRequest):
        list(audience_member_ids(store.store_id, {"stage": "whales"}))


# --- overview and parameters -------------------------------------------------------------------------

def test_overview_before_any_run_counts_live_and_shows_the_default_parameters(client, store):
    amy = new_member(store.store_id)
    order(client, store, amy, "o-1")
    status, answer = call(client, "GET", "/admin/lifecycle", store.admin())
    assert status == 200
    assert answer["parameters"]["repurchase_cycle_days"] == {"auto": 40, "override": None, "effective": 40}
    assert answer["parameters"]["high_value_spend"] == {"auto": 0, "override": None, "effective": 0}
    assert answer["parameters"]["version"] == 0
    assert {s["stage"]: s["members"] for s in answer["stages"]}["high_potential"] == 1
    assert [s["label"] for s in answer["stages"]][:3] == ["Need Introduce", "Silent Customers", "Loyalists"]


def test_every_parameter_change_is_a_new_version_and_null_removes_an_override(client, store):
    status, answer = call(client, "PUT", "/admin/lifecycle/parameters", store.admin(), {"repurchase_cycle_days": 20})
    assert status == 200 and answer["version"] == 1
    assert answer["repurchase_cycle_days"] == {"auto": 40, "override": 20, "effective": 20}
    assert answer["thresholds"] == {"r1": 20, "r2": 45, "r3": 90}
    status, answer = call(client, "PUT", "/admin/lifecycle/parameters", store.admin(), {"high_value_spend": "1500.5"})
    assert (answer["version"], answer["high_value_spend"]["effective"]) == (2, 1500.5)
    assert answer["repurchase_cycle_days"]["override"] == 20  # untouched
    # the same values again: no new version
    assert call(client, "PUT", "/admin/lifecycle/parameters", store.admin(), {"high_value_spend": 1500.5})[1][
        "version"] == 2
    status, answer = call(client, "PUT", "/admin/lifecycle/parameters", store.admin(),
                          {"repurchase_cycle_days": None, "high_value_spend": None})
    assert answer["version"] == 3 and answer["repurchase_cycle_days"]["effective"] == 40
    assert call(client, "GET", "/admin/lifecycle", store.admin())[1]["parameters"]["version"] == 3


@pytest.mark.parametrize(("body", "field"), [
    ({"repurchase_cycle_days": 0}, "repurchase_cycle_days"), ({"repurchase_cycle_days": "20"}, "repurchase_cycle_days"),
    ({"high_value_spend": -1}, "high_value_spend"), ({"high_value_spend": True}, "high_value_spend"),
    ({}, "body"), ({"cycle": 20}, "cycle")])
def test_bad_parameters_are_400_naming_the_field(client, store, body, field):
    status, answer = call(client, "PUT", "/admin/lifecycle/parameters", store.admin(), body)
    assert (status, answer["error"]["field"]) == (400, field)


def test_lifecycle_routes_need_the_admin_key(client, store):
    assert call(client, "GET", "/admin/lifecycle", store.storefront())[0] == 403
    assert call(client, "PUT", "/admin/lifecycle/parameters", {"Content-Type": "application/json"},
                {"repurchase_cycle_days": 20})[0] == 401


# --- the daily run -----------------------------------------------------------------------------------

def seed_store(client, store, count: int = 5):
    """Buyers who spend 1000 each, and Amy with one small order."""
    buyers = [new_member(store.store_id, f"Buyer {n}") for n in range(count)]
    for n, buyer in enumerate(buyers):
        order(client, store, buyer, f"big-{n}", total="1000")
    amy = new_member(store.store_id, "Amy")
    order(client, store, amy, "small", total="100")
    return amy, buyers


def test_the_daily_run_recomputes_everyone_writes_the_csv_and_reruns_give_identical_bytes(client, store):
    from chalicelib.lifecycle import daily
    from chalicelib.stores import get_store

    amy, _ = seed_store(client, store)
    quiet = new_member(store.store_id, "Quiet")
    clock.advance(41 * DAY)
    # WHEN the schedule runs after the store's midnight
    with aws_calls() as seen:
        ran = run_daily()
    day = daily.ended_day("Asia/Taipei", clock.now())
    assert ran == [f"{store.store_id}/{day}"] and seen["Scan"] == 0
    # THEN everyone has today's stage; the computed H is recorded as parameters version 1
    assert profile_stage(client, store, amy)["stage"] == "need_nurturing"
    assert profile_stage(client, store, quiet)["stage"] == "silent"
    overview = call(client, "GET", "/admin/lifecycle", store.admin())[1]
    assert overview["day"] == day and overview["parameters"]["version"] == 1
    assert overview["parameters"]["high_value_spend"]["auto"] == 1000
    assert {s["stage"]: s["members"] for s in overview["stages"]} == {
        "need_introduce": 0, "silent": 1, "loyalists": 0, "high_potential": 0, "need_nurturing": 6,
        "cant_lose": 0, "lost": 0}
    data = read_csv(store.store_id, day)
    assert data.decode("utf-8-sig").split("\r\n") == [
        LIFECYCLE_HEADER, "need_introduce,0,0,0", "silent,1,1,0", "loyalists,0,0,0", "high_potential,0,0,6",
        "need_nurturing,6,6,0", "cant_lose,0,0,0", "lost,0,0,0", ""]
    # WHEN the schedule runs again the same day: nothing to do; a forced re-run of the day: the same bytes
    assert run_daily() == []
    daily.start(get_store(store.store_id), day, clock.now())
    assert read_csv(store.store_id, day) == data
    assert history(client, store, amy) == [(None, "high_potential"), ("high_potential", "need_nurturing")]


def test_a_run_that_hands_over_finishes_with_the_same_result(client, store):
    from chalicelib.lifecycle import daily
    from chalicelib.stores import get_store

    seed_store(client, store, count=4)
    clock.advance(91 * DAY)
    day = daily.ended_day("Asia/Taipei", clock.now())
    handed: list[dict] = []
    # WHEN the first invocation runs out of time before any member
    result = daily.start(get_store(store.store_id), day, clock.now(), budget_seconds=0)
    assert not result.done
    handed.append(result.state.to_event())
    # THEN the continuation reads the rest and writes the CSV
    finished = daily.continue_run(handed[0], clock.now(), handed.append)
    assert finished.done and len(handed) == 1
    counts = {s["stage"]: s["members"] for s in call(client, "GET", "/admin/lifecycle", store.admin())[1]["stages"]}
    assert (counts["lost"], counts["cant_lose"]) == (1, 4)  # Amy's S < H; each buyer's S = H
    assert finished.state.members == 5 and finished.state.changed == 5
