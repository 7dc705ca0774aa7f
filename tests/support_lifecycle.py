"""Helpers for the lifecycle tests: members and orders through the routes, AWS calls counted on the wire."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from tests.conftest import call

LIFECYCLE_HEADER = "Stage,Members,Entered,Left"


def order(client: Any, store: Any, member_id: str, order_id: str, total: str = "100", **extra: Any) -> dict[str, Any]:
    body = {"order_id": order_id, "member_id": member_id, "total": total, "currency": "TWD", **extra}
    status, answer = call(client, "POST", "/storefront/orders", store.storefront(), body)
    assert status == 201, answer
    return dict(answer)


def set_status(client: Any, store: Any, order_id: str, status: str) -> tuple[int, Any]:
    return call(client, "PUT", f"/storefront/orders/{order_id}", store.storefront(), {"status": status})


def profile_stage(client: Any, store: Any, member_id: str) -> dict[str, Any] | None:
    status, profile = call(client, "GET", f"/admin/members/{member_id}", store.admin())
    assert status == 200, profile
    return profile["lifecycle"]  # type: ignore[no-any-return]


def history(client: Any, store: Any, member_id: str) -> list[tuple[str | None, str]]:
    status, page = call(client, "GET", f"/admin/members/{member_id}/lifecycle-history", store.admin())
    assert status == 200, page
    return [(item["from"], item["to"]) for item in page["items"]]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@contextmanager
def aws_calls() -> Iterator[Counter[str]]:
    """Every AWS API call made inside the block, by operation name (all botocore clients)."""
    from botocore.client import BaseClient

    seen: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        seen[operation] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


def writes(seen: Counter[str]) -> int:
    return sum(seen[name] for name in WRITES)
