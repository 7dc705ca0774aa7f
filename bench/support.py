"""What every bench operation runs in: an embedded AWS (moto, in-process), the app's test client, a
seeded store, the channel sandbox for outbound calls, and a counter of AWS calls by service.

Counting uses botocore's ``before-call`` event on every client created (boto3's and PynamoDB's alike),
so what is counted is what would go over the wire to AWS.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT_DIR = Path(__file__).resolve().parent.parent
LOCAL_ENV = {
    "STAGE": "local", "TABLE_PREFIX": "memberlink-local", "SSM_PREFIX": "/memberlink/local",
    "REPORTS_BUCKET": "memberlink-local-reports", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "POWERTOOLS_LOG_LEVEL": "WARNING",
}


class CallCounter:
    """AWS API calls seen while :meth:`counting` is active, keyed by (service, operation)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.active = False

    def on_call(self, model: Any, **_: Any) -> None:
        if self.active:
            self.calls[(model.service_model.service_name, model.name)] += 1

    def install(self) -> None:
        from botocore.client import ClientCreator

        original = ClientCreator.create_client
        counter = self

        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            client.meta.events.register("before-call", counter.on_call)
            return client

        ClientCreator.create_client = create_client  # type: ignore[method-assign]

    @contextmanager
    def counting(self) -> Iterator[Counter[tuple[str, str]]]:
        self.calls = Counter()
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False

    def by_service(self, service: str) -> int:
        return sum(n for (svc, _), n in self.calls.items() if svc == service)

    def scans(self) -> int:
        return sum(n for (_, op), n in self.calls.items() if op == "Scan")


@dataclass
class Operation:
    """One row of the bench table: ``run(bench, setup(bench))`` is what gets counted."""

    name: str
    budget: str
    run: Callable[[Bench, Any], Any]
    setup: Callable[[Bench], Any] = field(default=lambda bench: None)


@dataclass
class Bench:
    client: Any  # chalice.test.Client
    store_id: str
    admin_key: str
    storefront_key: str
    sandbox: Any  # local.channel_sandbox.ChannelSandbox
    counter: CallCounter

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, key: str | None = None, body: Any = None,
             raw: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """One request through the app; returns (status, parsed JSON or text)."""
        sent = {**(self.headers(key) if key else {"Content-Type": "application/json"}), **(headers or {})}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=data)
        try:
            return response.status_code, json.loads(response.body) if response.body else None
        except ValueError:
            return response.status_code, response.body.decode()


def prepare_environment() -> None:
    os.environ.update(LOCAL_ENV)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)


def forget_aws_clients() -> None:
    """PynamoDB keeps one connection per model; drop them so the next call honours a new AWS_ENDPOINT_URL."""
    from chalicelib.models import ALL_MODELS

    for model in ALL_MODELS:
        model._connection = None
