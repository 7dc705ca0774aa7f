"""Shared test set-up: a stage's environment, an empty embedded AWS, and stores to call as."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

# The local stage's environment (as .chalice/config.json gives it), set before app.py is imported.
os.environ.update({
    "STAGE": "local",
    "TABLE_PREFIX": "memberlink-local",
    "SSM_PREFIX": "/memberlink/local",
    "REPORTS_BUCKET": "memberlink-local-reports",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "memberlink",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


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
    from local.resources import create_resources

    with mock_aws():
        create_resources(empty=True)
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
