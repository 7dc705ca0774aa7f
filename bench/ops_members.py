"""Members admin (issue 8): what a profile read and a customer CSV import cost on the wire.

The ``report()`` section imports 10,000 new customers, then the same file again, into an in-process
moto and counts DynamoDB calls by operation. Rows/s is wall time through the app's test client
against moto (moto's own serializer dominates it; on DynamoDB the calls are the cost that matters).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bench.support import Bench, Operation

ROWS = 10_000


def _csv(count: int, start: int = 0) -> bytes:
    from tests.support_members import csv_bytes, customer_rows

    return csv_bytes(customer_rows(count, start))


def _import(bench: Bench, data: bytes) -> dict[str, Any]:
    status, body = bench.call("POST", "/admin/customer-imports", bench.admin_key, raw=data,
                              headers={"Content-Type": "text/csv"})
    assert status == 200, body
    return dict(body)


def seeded_member(bench: Bench) -> str:
    status, created = bench.call("POST", "/admin/members", bench.admin_key,
                                 {"name": "Amy", "phone": "+886912000001", "email": "amy@example.com"})
    assert status == 201, created
    member_id = str(created["member_id"])
    bench.call("POST", f"/admin/members/{member_id}/tags", bench.admin_key, {"tags": ["VIP"]})
    bench.call("POST", f"/admin/members/{member_id}/notes", bench.admin_key, {"text": "likes oolong"})
    return member_id


def read_profile(bench: Bench, member_id: str) -> None:
    status, body = bench.call("GET", f"/admin/members/{member_id}", bench.admin_key)
    assert status == 200, body


def import_100(bench: Bench, _: Any) -> None:
    _import(bench, _csv(100))


OPERATIONS = [
    Operation("GET /admin/members/{id} (no referral; + 2 GetItem with one)", "auth + member + notes + orders",
              read_profile, seeded_member),
    Operation("POST /admin/customer-imports (100 new customers)", "<= 20 DynamoDB", import_100),
]


def report() -> str:
    from botocore.client import BaseClient
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import clock, stores
    from local.resources import create_resources

    # Counted at BaseClient (not at client creation): PynamoDB keeps the clients the table above created.
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls[operation] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    lines = ["## Customer CSV import (10,000 rows)\n",
             "| run | rows/s | DynamoDB calls | per row | by operation |", "|---|---|---|---|---|"]
    with mock_aws():
        create_resources()
        clock.reset()
        with Client(app, stage_name="local") as client:
            created = stores.create_store("Bench Import Shop", "TW", None, clock.now())
            bench = Bench(client, created.store_id, created.admin_key, "", None, None)
            data = _csv(ROWS)
            for label in ("new customers", "the same file again (nothing changes)"):
                calls.clear()
                started = time.perf_counter()
                answer = _import(bench, data)
                seconds = time.perf_counter() - started
                ops = Counter(calls)
                total = sum(ops.values())
                lines.append(f"| {label}: created {answer['created']}, unchanged {answer['unchanged']} | "
                             f"{ROWS / seconds:,.0f} | {total} | {total / ROWS:.3f} | "
                             f"{', '.join(f'{op} {n}' for op, n in sorted(ops.items()))} |")
    BaseClient._make_api_call = original  # type: ignore[method-assign]
    return "\n".join(lines) + "\n"
