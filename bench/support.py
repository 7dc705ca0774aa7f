"""What every bench operation runs in: an embedded AWS (moto, in-process), the app's test client, a
seeded store, the channel sandbox for outbound calls, and a counter of AWS calls by service.

Counting uses botocore's ``before-call`` event on every client created (boto3's and PynamoDB's alike),
so what is counted is what would go over the wire to AWS.
"""

from __future__ import annotations

import json
import math
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
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
}


class CallCounter:
    """AWS API calls seen while :meth:`counting` is active, keyed by (service, operation).

    Also estimates the DynamoDB capacity units each call consumes (``units["rru"]``, ``units["wru"]``,
    see :func:`dynamodb_units`) and the SMS sent, by destination country calling code, for the cost table.
    """

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.units: Counter[str] = Counter()
        self.sms_to: Counter[str] = Counter()
        self.active = False

    def on_call(self, model: Any, params: Any = None, context: Any = None, **_: Any) -> None:
        if self.active:
            self.calls[(model.service_model.service_name, model.name)] += 1
            if context is not None and params is not None:
                context["bench_body"] = params.get("body")

    def after_call(self, model: Any, http_response: Any = None, context: Any = None, **_: Any) -> None:
        if not self.active or context is None:
            return
        body = context.get("bench_body")
        service = model.service_model.service_name
        if service == "dynamodb":
            request = json.loads(body) if isinstance(body, bytes | str) and body else {}
            size = len(http_response.content or b"") if http_response is not None else 0
            rru, wru = dynamodb_units(model.name, request, size)
            self.units["rru"] += rru
            self.units["wru"] += wru
        elif service == "sns" and model.name == "Publish" and isinstance(body, dict) and body.get("PhoneNumber"):
            from bench.cost import calling_code

            self.sms_to[calling_code(str(body["PhoneNumber"]))] += 1

    def install(self) -> None:
        from botocore.client import ClientCreator

        original = ClientCreator.create_client
        counter = self

        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            client.meta.events.register("before-call", counter.on_call)
            client.meta.events.register("after-call", counter.after_call)
            return client

        ClientCreator.create_client = create_client  # type: ignore[method-assign]

    @contextmanager
    def counting(self) -> Iterator[Counter[tuple[str, str]]]:
        self.calls = Counter()
        self.units = Counter()
        self.sms_to = Counter()
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False

    def by_service(self, service: str) -> int:
        return sum(n for (svc, _), n in self.calls.items() if svc == service)

    def scans(self) -> int:
        return sum(n for (_, op), n in self.calls.items() if op == "Scan")


_gsis: dict[str, int] = {}


def _gsi_count(table: str) -> int:
    if not _gsis:
        from chalicelib.models import ALL_MODELS

        for model in ALL_MODELS:
            _gsis[str(model.Meta.table_name)] = len(model._indexes)
    return _gsis.get(table, 0)


def _kb(item: Any) -> int:
    return max(1, math.ceil(len(json.dumps(item)) / 1024))


def dynamodb_units(operation: str, request: dict[str, Any], response_bytes: int) -> tuple[float, float]:
    """(read, write) request units of one call, on-demand pricing rules, estimated from the request.

    Reads: 0.5 RRU per 4 KB read (1 if strongly consistent), 2 per item in a transaction. Writes: 1 WRU
    per KB written, 2 in a transaction, plus 1 per GSI of the table (an upper bound: a sparse index
    skips items without its key). Sizes are the JSON sizes of items sent and responses received.
    """
    pages = max(1, math.ceil(response_bytes / 4096))
    read = 1.0 if request.get("ConsistentRead") else 0.5
    if operation in ("GetItem", "Query", "Scan"):
        return read * pages, 0.0
    if operation == "BatchGetItem":
        return sum(0.5 * len(t.get("Keys", [])) for t in request.get("RequestItems", {}).values()), 0.0
    if operation == "TransactGetItems":
        return 2.0 * len(request.get("TransactItems", [])), 0.0
    if operation == "PutItem":
        return 0.0, _kb(request.get("Item", {})) + _gsi_count(request.get("TableName", ""))
    if operation in ("UpdateItem", "DeleteItem"):
        return 0.0, 1 + _gsi_count(request.get("TableName", ""))
    if operation == "BatchWriteItem":
        return 0.0, sum(_kb(r.get("PutRequest", {}).get("Item", {})) + _gsi_count(table)
                        for table, requests in request.get("RequestItems", {}).items() for r in requests)
    if operation == "TransactWriteItems":
        wru = 0.0
        for item in request.get("TransactItems", []):
            kind, spec = next(iter(item.items()))
            wru += 2 * (_kb(spec.get("Item", {})) if kind == "Put" else 1)
            wru += 0 if kind == "ConditionCheck" else _gsi_count(spec.get("TableName", ""))
        return 0.0, wru
    return 0.0, 0.0


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
    quiet_logs()
    install_local_lambda()


def install_local_lambda() -> None:
    """The local stage's packaged template, as the local stack runs it: its environment (the hand-offs' targets, the
    public URL's parameter) and a local Lambda that runs each hand-off's function on a worker (as Lambda would, so a
    password reset's delivery stays off the timed request). Roles are not checked here: the benches time things."""
    from local.cloudformation import load, packaged
    from local.lambdas import LocalLambda, shared_environment

    stack = load(packaged("local"), "https://api.memberlink.bench/api")
    os.environ.update(shared_environment(stack))
    LocalLambda(stack, asynchronous=True, enforce_roles=False).install()


def quiet_logs() -> None:
    """Request logs are formatted and redacted at INFO as on Lambda (that is our own time), then discarded."""
    import logging

    from chalicelib.logs import logger

    logger.setLevel("INFO")
    for handler in logging.getLogger("memberlink").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - kept open for the process


def deployed_pepper() -> None:
    """The code pepper in the embedded SSM, as a deployed stage has it (README: created once), not made on first use."""
    import boto3

    from chalicelib import verification
    from chalicelib.config import settings

    boto3.client("ssm").put_parameter(Name=f"{settings().ssm_prefix}/{verification.PEPPER_PARAMETER}",
                                      Value="bench-pepper", Type="SecureString", Overwrite=True)


def forget_aws_clients() -> None:
    """Drop the process's AWS clients so the next call honours a new AWS_ENDPOINT_URL."""
    from chalicelib import aws
    from chalicelib.models import ALL_MODELS
    from chalicelib.models.transactions import reset_connection

    reset_connection()
    aws.reset()
    for model in ALL_MODELS:
        model._connection = None


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on a free port, for a section whose measured run is a child process (as a Lambda is):
    ``AWS_ENDPOINT_URL`` points at it inside the block (this process's seeding uses it too); yields its URL."""
    import logging
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield endpoint
    finally:
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved
        server.stop()


def run_child(code: str, endpoint: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter against ``endpoint``; its last output line is its JSON answer."""
    import subprocess
    import sys

    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def section_main(module: Any, sizes: list[str]) -> None:
    """``python -m bench.ops_<name> [SIZE ...]``: one section's report, at the sizes given (default: its own)."""
    prepare_environment()
    if sizes:
        module.SIZES = tuple(int(size) for size in sizes)
    print(module.report())
