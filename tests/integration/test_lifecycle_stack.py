"""The issue's acceptance story on the real local stack: orders over HTTP, the application clock moved
with /_local/clock, the daily schedule run with /_local/schedules/run, stages, history and the CSV read back."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from tests.integration.conftest import Stack
from tests.integration.support_stack import aws

DAY = 86400


def new_store(stack: Stack, name: str) -> dict[str, str]:
    return stack.create_store(name)


def new_member(stack: Stack, store: dict[str, str], name: str) -> str:
    status, member = stack.call("POST", "/admin/members", store["admin_key"],
                                {"name": name, "email": f"{name.lower().replace(' ', '.')}@example.com"})
    assert status == 201, member
    return str(member["member_id"])


def paid_order(stack: Stack, store: dict[str, str], member_id: str, order_id: str, total: str) -> None:
    status, answer = stack.call("POST", "/storefront/orders", store["storefront_key"],
                                {"order_id": order_id, "member_id": member_id, "total": total, "currency": "TWD"})
    assert status == 201, answer


def stage(stack: Stack, store: dict[str, str], member_id: str) -> str | None:
    status, profile = stack.call("GET", f"/admin/members/{member_id}", store["admin_key"])
    assert status == 200, profile
    return profile["lifecycle"]["stage"] if profile["lifecycle"] else None


def day_passes(stack: Stack, days: int, now_day: list[int]) -> None:
    """Move the application clock to ``days`` days after the start, then run every schedule once."""
    assert stack.call("POST", "/_local/clock", body={"advance_seconds": (days - now_day[0]) * DAY})[0] == 200
    now_day[0] = days
    status, ran = stack.call("POST", "/_local/schedules/run")
    assert status == 200 and "memberlink-local-lifecycle_daily" in ran["ran"]


def expect(stack: Stack, store: dict[str, str], expected: dict[str, str]) -> None:
    """The stages ``expected`` (the schedule's timer may be running the same day: wait for it a little)."""
    seen: dict[str, Any] = {}
    for _ in range(60):
        seen = {member: stage(stack, store, member) for member in expected}
        if seen == expected:
            return
        time.sleep(0.5)
    assert seen == expected


def history(stack: Stack, store: dict[str, str], member_id: str) -> list[tuple[str | None, str, str]]:
    status, page = stack.call("GET", f"/admin/members/{member_id}/lifecycle-history", store["admin_key"])
    assert status == 200, page
    return [(item["from"], item["to"], item["reason"]) for item in page["items"]]


def test_members_move_through_the_stages_as_days_pass(stack: Stack):
    shop = new_store(stack, "Lifecycle Tea House")
    tuned = new_store(stack, "Lifecycle Cafe")
    start = [0]
    # GIVEN other buyers who spend more, and Amy's one small order
    for n in range(5):
        paid_order(stack, shop, new_member(stack, shop, f"Buyer {n}"), f"big-{n}", "1000")
    amy, bob, carol = (new_member(stack, shop, name) for name in ("Amy", "Bob", "Carol"))
    paid_order(stack, shop, amy, "amy-1", "100")
    for n in range(3):
        paid_order(stack, shop, bob, f"bob-{n}", "50")
    paid_order(stack, shop, carol, "carol-1", "80")
    # AND in another store, Dan's one order and the merchant's repurchase cycle of 20 days
    dan = new_member(stack, tuned, "Dan")
    paid_order(stack, tuned, dan, "dan-1", "100")
    status, params = stack.call("PUT", "/admin/lifecycle/parameters", tuned["admin_key"], {"repurchase_cycle_days": 20})
    assert status == 200 and params["repurchase_cycle_days"]["effective"] == 20
    version = params["version"]
    # THEN at once, in the same requests
    expect(stack, shop, {amy: "high_potential", bob: "loyalists", carol: "high_potential"})

    # WHEN Carol's only order is refunded ten days later
    day_passes(stack, 10, start)
    status, refunded = stack.call("PUT", "/storefront/orders/carol-1", shop["storefront_key"], {"status": "refunded"})
    assert status == 200 and refunded["status"] == "refunded"
    expect(stack, shop, {carol: "need_introduce", amy: "high_potential"})

    day_passes(stack, 20, start)
    expect(stack, tuned, {dan: "high_potential"})
    day_passes(stack, 21, start)
    expect(stack, tuned, {dan: "need_nurturing"})
    status, overview = stack.call("GET", "/admin/lifecycle", tuned["admin_key"])
    assert overview["parameters"]["version"] >= version and overview["parameters"]["repurchase_cycle_days"] == {
        "auto": 40, "override": 20, "effective": 20}
    assert history(stack, tuned, dan)[-1] == ("high_potential", "need_nurturing", "R=21>r1=20; R=21<=r2=45")

    day_passes(stack, 40, start)
    expect(stack, shop, {amy: "high_potential", bob: "loyalists"})
    day_passes(stack, 41, start)
    expect(stack, shop, {amy: "need_nurturing", bob: "need_nurturing"})
    day_passes(stack, 91, start)
    expect(stack, shop, {amy: "lost", bob: "cant_lose"})
    day_passes(stack, 181, start)
    expect(stack, shop, {amy: "lost", bob: "lost"})

    # THEN each change is in the history once, with its reason
    assert history(stack, shop, amy) == [
        (None, "high_potential", "R=0<=r1=40; n365=1<3"),
        ("high_potential", "need_nurturing", "R=41>r1=40; R=41<=r2=90"),
        ("need_nurturing", "lost", "R=91>r2=90; n=1<3; S=100<H=1000")]
    assert history(stack, shop, bob) == [
        (None, "high_potential", "R=0<=r1=40; n365=1<3"),  # his first order; the third made him loyal
        ("high_potential", "loyalists", "R=0<=r1=40; n365=3>=3"),
        ("loyalists", "need_nurturing", "R=41>r1=40; R=41<=r2=90"),
        ("need_nurturing", "cant_lose", "R=91>r2=90; R=91<=r3=180; n=3>=3"),
        ("cant_lose", "lost", "R=181>r3=180")]
    assert history(stack, shop, carol) == [
        (None, "high_potential", "R=0<=r1=40; n365=1<3"), ("high_potential", "need_introduce", "n=0; age=10<=30"),
        ("need_introduce", "silent", "n=0; age=40>30")]  # the first daily run after her 30th day (day 40 here)

    # AND the day's CSV is in S3: every stage, members at the end of the day, who entered and left
    status, overview = stack.call("GET", "/admin/lifecycle", shop["admin_key"])
    assert status == 200
    counts = {item["stage"]: item["members"] for item in overview["stages"]}
    s3 = aws(stack, "s3")
    key = f"reports/{shop['store_id']}/lifecycle/{overview['day']}.csv"
    data = s3.get_object(Bucket=stack.info["reports_bucket"], Key=key)["Body"].read()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Stage", "Members", "Entered", "Left"]
    assert {row[0]: int(row[1]) for row in rows[1:]} == counts
    by_stage = {row[0]: row for row in rows[1:]}
    # on day 181 Bob and the five buyers (S = H made them cant_lose at day 91) left cant_lose for lost
    assert by_stage["lost"][1:] == ["7", "6", "0"] and by_stage["cant_lose"][1:] == ["0", "0", "6"]
    assert counts["lost"] == 7 and counts["silent"] == 1  # Amy, Bob, the five buyers; Carol has no order left


def test_the_upgrade_backfill_puts_old_orders_back_in_the_daily_runs_index(stack: Stack) -> None:
    # GIVEN two paid orders, one of them stored as before lifecycles (no member_order_key)
    store = new_store(stack, "Upgrade Tea")
    member = new_member(stack, store, "Old Buyer")
    paid_order(stack, store, member, "up-1", "500")
    paid_order(stack, store, member, "up-2", "700")
    dynamodb = aws(stack, "dynamodb")
    table = "memberlink-local-orders"
    dynamodb.update_item(TableName=table, Key={"store_id": {"S": store["store_id"]}, "order_id": {"S": "up-1"}},
                         UpdateExpression="REMOVE member_order_key")

    def indexed() -> list[str]:
        answer = dynamodb.query(TableName=table, IndexName="by_store_member",
                                KeyConditionExpression="store_id = :s",
                                ExpressionAttributeValues={":s": {"S": store["store_id"]}})
        return sorted(item["member_order_key"]["S"].rsplit("#", 1)[1] for item in answer["Items"])

    assert indexed() == ["up-2"]
    # WHEN the operator runs the upgrade step, twice (it may be repeated)
    runs = []
    for _ in range(2):
        done = stack.manage("backfill-order-keys", "--store", store["store_id"], "--stage", "local")
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    # THEN the old order is back in the index, with the key a new order gets, and the second run changes nothing
    assert indexed() == ["up-1", "up-2"]
    assert runs == [{"scanned": 1, "updated": 1, "skipped": 0}, {"scanned": 0, "updated": 0, "skipped": 0}]
