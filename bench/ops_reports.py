"""Report compilation (issue 7): a day of 10,000 / 50,000 / 100,000 SMS log items, compiled as the schedule does.

Each size is its own store-day, seeded with ``batch_write_item`` into an in-process moto, then compiled with
``compile_day`` (SMS CSV, referral CSV, branch summary to S3). Counted on the wire: DynamoDB calls by
operation (Query only, no Scan), items the Queries returned (== CSV rows), S3 calls. Time is wall time of
the compile; memory is tracemalloc's peak during a second compile of the same day (tracemalloc slows
Python down, so the timed run does not trace).

moto's generic response serializer costs about 1.5 ms per returned item, ten times what the report code
spends, and would make the bench take ~10 minutes. For DynamoDB responses only, the bench swaps it for
``json.dumps`` of the very same response dict, after checking on a real Query page that both give the
same JSON. S3 and everything else go through moto unchanged.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

SIZES = (10_000, 50_000, 100_000)
BUCKET = "memberlink-local-reports"


class Wire:
    """DynamoDB/S3 calls by operation and items returned by Query, seen on every botocore client."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self.seconds = 0.0  # inside AWS calls (request, the emulator's work, parsing)
        self.active = False
        self._began = 0.0

    def install(self) -> None:
        from botocore.client import ClientCreator

        original, wire = ClientCreator.create_client, self

        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            client.meta.events.register("before-call", wire.before)
            client.meta.events.register("after-call.dynamodb.Query", wire.after_query)
            client.meta.events.register("after-call", wire.after)
            return client

        ClientCreator.create_client = create_client  # type: ignore[method-assign]

    def before(self, model: Any, **_: Any) -> None:
        if self.active:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1
            self._began = time.perf_counter()

    def after(self, **_: Any) -> None:
        if self.active:
            self.seconds += time.perf_counter() - self._began

    def after_query(self, parsed: dict[str, Any], **_: Any) -> None:
        if self.active:
            self.items_read += int(parsed.get("Count", 0))

    def reset(self) -> None:
        self.calls, self.items_read, self.seconds = Counter(), 0, 0.0


@contextmanager
def fast_dynamodb_responses(sample: Any) -> Iterator[None]:
    """Serialize moto's DynamoDB answers with json.dumps, once a real Query page proves it gives the same JSON;
    moto's own serializer again on leaving (the next bench section creates tables, whose answers hold dates)."""
    from moto.dynamodb.responses import DynamoResult

    captured: list[tuple[Any, Any]] = []
    original = DynamoResult.execute_result

    def compare(self: Any, context: Any) -> Any:
        status, headers, body = original(self, context)
        captured.append((json.loads(body), self.result))
        return status, headers, body

    DynamoResult.execute_result = compare  # type: ignore[method-assign]
    sample()
    DynamoResult.execute_result = original  # type: ignore[method-assign]
    assert captured and all(real == json.loads(json.dumps(ours)) for real, ours in captured), \
        "moto's serializer and json.dumps disagree: the fast path would change what the bench measures"

    def fast(self: Any, context: Any) -> Any:
        try:
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result)
        except TypeError:  # not a page of items (e.g. a table description with dates): moto's own way
            return original(self, context)

    DynamoResult.execute_result = fast  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoResult.execute_result = original  # type: ignore[method-assign]


def seed(dynamodb: Any, store_id: str, day: str, start: datetime, count: int) -> float:
    from chalicelib.models import SmsLogModel

    table = SmsLogModel.Meta.table_name
    base = {"store_id": {"S": store_id}, "calling_code": {"S": "886"}, "agent": {"S": "Amazon SNS"},
            "message_type": {"S": "verification"}, "segments": {"N": "1"}, "scope": {"S": "domestic"},
            "status": {"S": "sent"}, "store_day": {"S": f"{store_id}#{day}"}}
    step = 86_000_000_000 // count  # microseconds: the day's SMS spread over the day
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for n in range(count):
        sent = (start + timedelta(microseconds=n * step)).strftime("%Y-%m-%dT%H:%M:%S.%f")
        number = str(900_000_000 + n)
        batch.append({"PutRequest": {"Item": {
            **base, "sms_id": {"S": f"{sent}#{n:08d}"}, "phone": {"S": "+886" + number},
            "national_number": {"S": number}, "sent_at": {"S": sent + "+0000"},
            "segments": {"N": str(1 + n % 3)}}}})
        if len(batch) == 25 or n == count - 1:
            pending: dict[str, Any] = {table: batch}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            batch = []
    return time.perf_counter() - started


COMPILE_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from bench.ops_reports import Wire
wire = Wire(); wire.install()
from chalicelib.models import StoreModel
from chalicelib.reports.compiler import compile_day
from chalicelib.reports.s3stream import s3_client
store = StoreModel.get({store_id!r}); s3 = s3_client()
compile_day(s3, {bucket!r}, store, "2023-12-31")  # warm: imports, clients, connections
def status(field):
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith(field + ":")).split()[1])
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets VmHWM (peak RSS) to the current RSS
wire.reset(); wire.active = True
began = time.perf_counter()
counts = compile_day(s3, {bucket!r}, store, {day!r})
elapsed = time.perf_counter() - began
wire.active = False
print(json.dumps({{"elapsed": elapsed, "wire_seconds": wire.seconds, "calls": wire.calls, "items_read": wire.items_read,
                  "rows": counts["sms_rows"], "rss_before_kb": before,
                  "rss_peak_kb": status("VmHWM")}}))
"""


def compile_in_child(root: str, endpoint: str, store_id: str, day: str) -> dict[str, Any]:
    """The compile runs in a fresh process, as in a Lambda: its peak RSS is the memory it needs."""
    from bench.support import run_child

    return run_child(COMPILE_CHILD.format(root=root, store_id=store_id, bucket=BUCKET, day=day), endpoint)


def report() -> str:
    from pathlib import Path

    import boto3

    from bench.support import moto_server
    from chalicelib import clock, stores
    from chalicelib.reports.compiler import compile_day, day_keys
    from chalicelib.reports.s3stream import s3_client
    from local.resources import create_resources

    root = str(Path(__file__).resolve().parent.parent)
    rows_out = ["| SMS log items in the day | seed (batch writes) | compile, total | of which report code "
                "| peak RSS of the compiling process | DynamoDB calls | items read | CSV rows | S3 calls |",
                "|---|---|---|---|---|---|---|---|---|"]
    started = time.perf_counter()
    with moto_server() as endpoint, ExitStack() as section:
        create_resources()
        created = stores.create_store("Bench Reports", "TW", None, clock.now())
        store = stores.get_store(created.store_id)
        dynamodb, s3 = boto3.client("dynamodb"), s3_client()
        first = datetime(2024, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # local midnight in Taipei

        seed(dynamodb, store.store_id, "2023-12-31", first - timedelta(days=1), 200)
        section.enter_context(fast_dynamodb_responses(lambda: compile_day(s3, BUCKET, store, "2023-12-31")))
        for index, size in enumerate(SIZES):
            day_start = first + timedelta(days=index)
            day = clock.local_day(day_start, store.timezone)
            seeded = seed(dynamodb, store.store_id, day, day_start, size)
            run = compile_in_child(root, endpoint, store.store_id, day)
            calls: dict[str, int] = run["calls"]
            size_bytes = s3.head_object(Bucket=BUCKET, Key=day_keys(store.store_id, day)[0])["ContentLength"]
            dynamo = ", ".join(f"{op[9:]} {n}" for op, n in sorted(calls.items()) if op.startswith("dynamodb."))
            s3_calls = ", ".join(f"{op[3:]} {n}" for op, n in sorted(calls.items()) if op.startswith("s3."))
            assert not any(op.endswith(".Scan") for op in calls) and run["items_read"] == run["rows"] == size
            own = run["elapsed"] - run["wire_seconds"]
            rows_out.append(
                f"| {size:,} ({size_bytes / 1e6:.1f} MB CSV) | {seeded:.0f} s | {run['elapsed']:.1f} s | "
                f"**{own:.1f} s** ({own / size * 1e6:.0f} µs/row) | **{run['rss_peak_kb'] / 1024:.0f} MB** "
                f"(before: {run['rss_before_kb'] / 1024:.0f} MB) | {dynamo} | {run['items_read']:,} | "
                f"{run['rows']:,} | {s3_calls} |")
    return ("## Report compilation (one store-day of SMS log)\n\n" + "\n".join(rows_out) + "\n\n"
            "Budget: Query calls only (no Scan), items read == rows, peak memory under 256 MB, time linear in the "
            "day's rows. The compile runs in a fresh process against moto's server (another process's thread), so "
            "its peak RSS is what a Lambda would need. \"Report code\" is the compile minus the time spent inside "
            "AWS calls: moto's Query re-reads the whole partition for every 1 MB page, so the total grows faster "
            "than linearly here (DynamoDB reads a page by key). DynamoDB answers are serialized with json.dumps "
            f"instead of moto's generic serializer (see bench/ops_reports.py). Section took "
            f"{time.perf_counter() - started:.0f} s.\n")


if __name__ == "__main__":  # python -m bench.ops_reports [SIZE ...]
    import sys

    from bench.support import section_main

    section_main(sys.modules[__name__], sys.argv[1:])
