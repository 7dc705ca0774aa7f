"""Fixtures for routes that talk to the channels: the sandbox as the platforms' APIs, configured channels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support_channels import IG_ACCOUNT_ID, PAGE_ID, PHONE_NUMBER_ID, configure_all, demo_credentials


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The channel sandbox (a real HTTP server) as the Graph and LINE APIs; it records every call."""
    from local.channel_sandbox import ChannelSandbox

    running = ChannelSandbox(accounts={PAGE_ID: "facebook", IG_ACCOUNT_ID: "instagram",
                                       PHONE_NUMBER_ID: "whatsapp"}).start()
    monkeypatch.setenv("GRAPH_API_BASE_URL", f"{running.url}/graph")
    monkeypatch.setenv("LINE_API_BASE_URL", f"{running.url}/line")
    yield running
    running.stop()


@pytest.fixture
def creds(client: Any, store: Any, sandbox: Any) -> dict[str, dict[str, str]]:
    """Every channel configured for ``store`` with fresh credentials (app secrets to sign deliveries with)."""
    credentials = demo_credentials()
    configure_all(store.store_id, credentials)
    return credentials
