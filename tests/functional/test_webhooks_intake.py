"""Signed webhook deliveries through the routes: signatures, parsing, dedup, blacklist, auto-replies."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support_channels import (
    IG_ACCOUNT_ID,
    PAGE_ID,
    PHONE_NUMBER_ID,
    body,
    configure_all,
    conversation_for,
    deliver,
    demo_credentials,
    facebook_comment,
    instagram_comment,
    instagram_message,
    line_delivery,
    line_event,
    messages,
    messenger_message,
    uid,
    whatsapp_text,
)


@pytest.fixture
def sandbox(monkeypatch) -> Iterator[object]:
    from local.channel_sandbox import ChannelSandbox

    running = ChannelSandbox(accounts={PAGE_ID: "facebook", IG_ACCOUNT_ID: "instagram",
                                       PHONE_NUMBER_ID: "whatsapp"}).start()
    monkeypatch.setenv("GRAPH_API_BASE_URL", f"{running.url}/graph")
    monkeypatch.setenv("LINE_API_BASE_URL", f"{running.url}/line")
    yield running
    running.stop()


@pytest.fixture
def creds(client, store, sandbox) -> dict[str, dict[str, str]]:
    credentials = demo_credentials()
    configure_all(store.store_id, credentials)
    return credentials


def test_signed_messenger_message_opens_a_conversation(client, store, creds, sandbox):
    psid = uid("psid")
    response = deliver(client, store.store_id, "facebook", creds, messenger_message(psid, "Is this in stock?"))

    assert response.status_code == 200, response.body
    conversation = conversation_for(client, store, f"facebook:{psid}")
    assert conversation is not None
    assert conversation["unread_count"] == 1
    assert conversation["last_message"]["text"] == "Is this in stock?"
    assert conversation["social_user"]["name"]  # fetched from the profile API
    items = messages(client, store, conversation["conversation_id"])
    assert [m["text"] for m in items] == ["Is this in stock?"]
    assert items[0]["direction"] == "inbound"
