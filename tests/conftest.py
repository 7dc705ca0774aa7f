"""Shared test set-up: a stage's environment, an empty embedded AWS, and stores to call as."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def stage_environment(stage: str = "local") -> dict[str, str]:
    """The stage's environment as .chalice/config.json gives it (app-wide values, then the stage's)."""
    config = json.loads((Path(__file__).resolve().parents[1] / ".chalice" / "config.json").read_text())
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


# Set before app.py is imported: chalice.test.Client only patches the stage's variables in during a request.
os.environ.update({
    **stage_environment(),
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# The route tests run the local stage's packaged template, as the local stack does: the functions' environment
# (hand-off targets, the public URL's parameter) and a local Lambda that runs each invoked function under its role.
# Inline: an asynchronous invoke runs before the invoking call returns (moto in process is single-threaded).
PUBLIC_API_URL = "https://api.memberlink.test/api"  # what the template's public URL parameter holds in these tests


def _local_lambda() -> Any:
    from local.cloudformation import load, packaged
    from local.lambdas import LocalLambda, shared_environment

    stack = load(packaged("local"), PUBLIC_API_URL)
    os.environ.update(shared_environment(stack))
    return LocalLambda(stack, asynchronous=False).install()


LOCAL_LAMBDA = _local_lambda()


@dataclass(frozen=True)
class StoreKeys:
    store_id: str
    admin_key: str
    storefront_key: str

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}", "Content-Type": "application/json"}

    def storefront(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.storefront_key}", "Content-Type": "application/json"}


@pytest.fixture
def aws() -> Iterator[None]:
    """An empty embedded AWS with the stage's tables created (TTL on, as in CloudFormation)."""
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    from chalicelib import clock
    from chalicelib.channels.credentials import forget_channel_config
    from local.resources import deploy

    with mock_aws():
        deploy(LOCAL_LAMBDA.stack, empty=True)
        parameters.clear_caches()
        forget_channel_config()
        clock.reset()
        yield
        clock.reset()


@pytest.fixture
def client(aws: None) -> Iterator[object]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


def call(client: Any, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
    """One JSON request through chalice.test.Client: (status, parsed body or None). The one request helper."""
    data = json.dumps(body).encode() if body is not None else b""
    response = getattr(client.http, method.lower())(path, headers=headers, body=data)
    return response.status_code, json.loads(response.body) if response.body else None


@pytest.fixture
def api(client: Any) -> Callable[..., tuple[int, Any]]:
    """``api("POST", path, headers, body)`` -> (status, body): :func:`call` bound to the test's client."""
    return functools.partial(call, client)


def _new_store(name: str) -> StoreKeys:
    from chalicelib import clock, stores

    created = stores.create_store(name, "TW", None, clock.now())
    return StoreKeys(created.store_id, created.admin_key, created.storefront_key)


@pytest.fixture
def store(aws: None) -> StoreKeys:
    return _new_store("Demo Tea House")


@pytest.fixture
def other_store(aws: None) -> StoreKeys:
    return _new_store("Rival Coffee")


def slip_extra_items_into_transactions(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every NamedTransaction also carries a passing condition check (sent first) and an unconditional
    update (sent last): code that found a failed item by its position would blame the wrong one.
    Returns the names of each committed transaction's items, in wire order."""
    from chalicelib import tokens
    from chalicelib.models.inbox import InboxSummaryModel
    from chalicelib.models.stores import StoreModel
    from chalicelib.models.transactions import NamedTransaction

    committed: list[list[str]] = []
    original = NamedTransaction.__exit__

    def exit_with_extra_items(self: NamedTransaction, exc_type: Any, exc: Any, tb: Any) -> Any:
        if exc_type is None:
            probe = tokens.new_id("probe")
            self.check("probe_check", StoreModel, probe, None, condition=StoreModel.store_id.does_not_exist())
            self.update("probe_update", InboxSummaryModel(probe), actions=[InboxSummaryModel.total_unread.add(0)])
            committed.append(self.names())
        return original(self, exc_type, exc, tb)

    monkeypatch.setattr(NamedTransaction, "__exit__", exit_with_extra_items)
    return committed


@pytest.fixture(autouse=os.environ.get("MEMBERLINK_EXTRA_TX_ITEMS") == "1")
def _extra_items_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """``MEMBERLINK_EXTRA_TX_ITEMS=1 make test``: the whole suite with extra items in every transaction."""
    slip_extra_items_into_transactions(monkeypatch)
