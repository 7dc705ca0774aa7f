"""Customer lifecycle (issue 15): the cost of an order change, and the daily run over 10,000 / 50,000 members.

Rows of the operations table: an order created or changed, with and without a stage change (the
lifecycle adds reads and at most one TransactWrite).

The daily run is measured in steady state: each store is seeded (``batch_write_item`` into a moto
server) with members whose stored stage is yesterday's, and their orders (0 to 3 each), then one
day's run (``daily.start``) goes over all of them in a fresh process, as a Lambda would: Query calls
and items read (members + orders + the day's stage changes), stage changes written, wall time,
time per member, and peak RSS. DynamoDB answers use the json.dumps fast path of ``ops_reports``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.support import Bench, Operation

SIZES = (10_000, 50_000)
DAY = "2024-06-30"  # the ended local day the measured run covers (Asia/Taipei)
AS_OF = datetime(2024, 7, 1, tzinfo=UTC) - timedelta(hours=8)  # local midnight after it
FMT = "%Y-%m-%dT%H:%M:%S.%f+0000"


# --- order changes (rows of the operations table) ----------------------------------------------------

def _member(bench: Bench) -> str:
    from chalicelib import members

    return str(members.create_member(bench.store_id, "Bench Buyer").member_id)


def _post_order(bench: Bench, member_id: str, order_id: str) -> None:
    status, answer = bench.call("POST", "/storefront/orders", bench.storefront_key,
                                {"order_id": order_id, "member_id": member_id, "total": "100", "currency": "TWD"})
    assert status == 201, answer


def setup_new_member(bench: Bench) -> dict[str, Any]:
    return {"member_id": _member(bench)}


def first_order(bench: Bench, state: Any) -> None:
    _post_order(bench, state["member_id"], "o-first")


def setup_buyer(bench: Bench) -> dict[str, Any]:
    member_id = _member(bench)
    _post_order(bench, member_id, "o-1")
    return {"member_id": member_id}


def second_order(bench: Bench, state: Any) -> None:
    _post_order(bench, state["member_id"], "o-2")


def refund(bench: Bench, state: Any) -> None:
    status, answer = bench.call("PUT", "/storefront/orders/o-1", bench.storefront_key, {"status": "refunded"})
    assert status == 200 and answer["status"] == "refunded", answer


OPERATIONS = [
    Operation("POST /storefront/orders (first paid order: stage changes)", "order + 1 write", first_order,
              setup_new_member),
    Operation("POST /storefront/orders (stage unchanged)", "order only", second_order, setup_buyer),
    Operation("PUT /storefront/orders/{id} paid -> refunded (stage changes)", "1 update + 1 write", refund,
              setup_buyer),
]


# --- the daily run --------------------------------------------------------------------------------

def seed(dynamodb: Any, store_id: str, count: int, start: int) -> tuple[int, float]:
    """``count`` members with 0-3 paid orders each and yesterday's stage stored; returns (orders, seconds)."""
    from chalicelib.lifecycle.stages import CountedOrder, Parameters, classify
    from chalicelib.models import MemberModel
    from chalicelib.models.binding import OrderModel

    params = Parameters(40, Decimal(500), 1)
    yesterday = AS_OF - timedelta(hours=12)
    members_table, orders_table = MemberModel.Meta.table_name, OrderModel.Meta.table_name
    began = time.perf_counter()
    pending: list[tuple[str, dict[str, Any]]] = []
    orders = 0

    def flush(force: bool = False) -> None:
        while pending and (force or len(pending) >= 25):
            chunk, pending[:] = pending[:25], pending[25:]
            request: dict[str, Any] = {}
            for table, item in chunk:
                request.setdefault(table, []).append({"PutRequest": {"Item": item}})
            while request:
                request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    for n in range(start, start + count):
        member_id = f"mb_{n:08d}"
        created = AS_OF - timedelta(days=20 + n % 400)
        placed = []
        for k in range(n % 4):
            at = AS_OF - timedelta(days=(n * 7) % 200 + 40 * k, hours=3)
            total = str(100 + (n * 37 + k) % 900)
            placed.append(CountedOrder(at, Decimal(total)))
            ordered_key = f"{at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#o{n}-{k}"
            pending.append((orders_table, {
                "store_id": {"S": store_id}, "order_id": {"S": f"o{n}-{k}"}, "member_id": {"S": member_id},
                "store_member": {"S": f"{store_id}#{member_id}"}, "ordered_key": {"S": ordered_key},
                "member_order_key": {"S": f"{member_id}#{ordered_key}"}, "total": {"S": total},
                "currency": {"S": "TWD"}, "ordered_at": {"S": at.strftime(FMT)}, "status": {"S": "paid"}}))
            orders += 1
        verdict = classify(placed, created, params, yesterday, "Asia/Taipei")
        pending.append((members_table, {
            "store_id": {"S": store_id}, "member_id": {"S": member_id}, "name": {"S": f"Member {n}"},
            "name_lower": {"S": f"member {n}"}, "phone_verified": {"BOOL": False}, "email_verified": {"BOOL": False},
            "is_member": {"BOOL": True}, "social_accounts": {"L": []}, "created_at": {"S": created.strftime(FMT)},
            "updated_at": {"S": created.strftime(FMT)}, "lifecycle_stage": {"S": verdict.stage},
            "lifecycle_partition": {"S": f"{store_id}#{verdict.stage}"}, "lifecycle_reason": {"S": verdict.reason},
            "lifecycle_since": {"S": created.strftime(FMT)}, "lifecycle_version": {"N": "1"}}))
        flush()
    flush(force=True)
    return orders, time.perf_counter() - began


@contextmanager
def no_transaction_backups() -> Iterator[None]:
    """moto deep-copies every table a TransactWriteItems touches, to roll back on failure: seconds per call on a
    table of 50,000 members, which DynamoDB does not spend. The bench skips the backup and checks afterwards that
    no transaction failed (each stage change counted is one TransactWriteItems call)."""
    import copy as real_copy

    import moto.dynamodb.models as dynamodb_models

    class NoBackup:
        @staticmethod
        def deepcopy(value: Any) -> Any:
            return value

        def __getattr__(self, name: str) -> Any:
            return getattr(real_copy, name)

    saved = dynamodb_models.copy
    dynamodb_models.copy = NoBackup()  # type: ignore[assignment]
    try:
        yield
    finally:  # the next bench section's transactions roll back as moto's do
        dynamodb_models.copy = saved


RUN_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from bench.ops_reports import Wire
wire = Wire(); wire.install()
from datetime import datetime
from chalicelib.lifecycle import daily
from chalicelib.stores import get_store
store = get_store({store_id!r})
now = datetime.fromisoformat({now!r})
def status(field):
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith(field + ":")).split()[1])
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
wire.active = True
began = time.perf_counter()
result = daily.start(store, {day!r}, now)
elapsed = time.perf_counter() - began
wire.active = False
print(json.dumps({{"elapsed": elapsed, "wire_seconds": wire.seconds, "calls": wire.calls,
                  "items_read": wire.items_read, "members": result.state.members, "orders": result.state.orders,
                  "changed": result.state.changed, "done": result.done, "rss_before_kb": before,
                  "rss_peak_kb": status("VmHWM")}}))
"""


def run_in_child(root: str, endpoint: str, store_id: str) -> dict[str, Any]:
    from bench.support import run_child

    now = (AS_OF + timedelta(minutes=5)).isoformat()
    return run_child(RUN_CHILD.format(root=root, store_id=store_id, day=DAY, now=now), endpoint)


def report() -> str:
    from pathlib import Path

    import boto3

    from bench.ops_reports import fast_dynamodb_responses
    from bench.support import moto_server
    from chalicelib import clock, stores
    from chalicelib.lifecycle import daily, parameters
    from local.resources import create_resources

    root = str(Path(__file__).resolve().parent.parent)
    rows = ["| members | orders | seed | run, total | of which lifecycle code | per member | peak RSS of the run "
            "| DynamoDB calls | items read | stage changes |", "|---|---|---|---|---|---|---|---|---|---|"]
    started = time.perf_counter()
    with moto_server() as endpoint, ExitStack() as section:
        create_resources()
        dynamodb = boto3.client("dynamodb")
        warm = stores.create_store("Bench Lifecycle warm-up", "TW", None, clock.now())
        seed(dynamodb, warm.store_id, 50, 0)
        section.enter_context(fast_dynamodb_responses(lambda: daily.start(stores.get_store(warm.store_id), DAY,
                                                                          AS_OF)))
        section.enter_context(no_transaction_backups())
        for size in SIZES:
            created = stores.create_store(f"Bench Lifecycle {size}", "TW", None, clock.now())
            parameters.set_overrides(created.store_id, {"repurchase_cycle_days": 40, "high_value_spend": Decimal(500)},
                                     AS_OF)
            orders, seeded = seed(dynamodb, created.store_id, size, 0)
            run = run_in_child(root, endpoint, created.store_id)
            calls: dict[str, int] = run["calls"]
            assert run["done"] and not any(op.endswith(".Scan") for op in calls)
            assert run["members"] == size and run["orders"] == orders
            # every stage change is one TransactWrite, and each of them went through (no rollback was needed)
            assert calls.get("dynamodb.TransactWriteItems", 0) == run["changed"]
            # one more item: the store's current parameters version (a Query, limit 1)
            assert run["items_read"] == size + orders + run["changed"] + 1
            dynamo = ", ".join(f"{op[9:]} {n}" for op, n in sorted(calls.items()) if op.startswith("dynamodb."))
            own = run["elapsed"] - run["wire_seconds"]
            rows.append(
                f"| {size:,} | {orders:,} | {seeded:.0f} s | {run['elapsed']:.1f} s | **{own:.1f} s** | "
                f"{own / size * 1e6:.0f} µs | **{run['rss_peak_kb'] / 1024:.0f} MB** (before: "
                f"{run['rss_before_kb'] / 1024:.0f} MB) | {dynamo} | {run['items_read']:,} "
                f"(= members + orders + changes + 1) | {run['changed']:,} |")
    return ("## Lifecycle daily run (one store, steady state: yesterday's stages stored)\n\n" + "\n".join(rows)
            + "\n\nBudget: Query calls only (no Scan); items read == members + orders (+ the day's stage changes, "
            "read back for the CSV's Entered/Left); memory grows with members who have orders (four numbers each) "
            "and time per member stays flat. A store of 200,000 members is four times the 50,000 row; a run that "
            "reaches 12 minutes hands the rest to `lifecycle_continue`. Section took "
            f"{time.perf_counter() - started:.0f} s.\n")


if __name__ == "__main__":  # python -m bench.ops_lifecycle [SIZE ...]
    import sys

    from bench.support import section_main

    section_main(sys.modules[__name__], sys.argv[1:])
