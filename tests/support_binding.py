"""Helpers for the binding tests: a store with a storefront URL and channels, conversations made by
signed webhook deliveries, members made through the members core, and the links read from what the
channel received."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support_accounts import call
from tests.support_channels import (
    deliver,
    instagram_message,
    line_delivery,
    line_event,
    messenger_message,
    uid,
    whatsapp_text,
)

STOREFRONT_URL = "https://shop.example.com"


def incoming(channel: str, user_id: str, text: str = "Hi, I'd like to join") -> Any:
    """A customer's message on ``channel`` as the platform delivers it."""
    if channel == "line":
        return line_delivery(line_event(user_id, text=text))
    if channel == "whatsapp":
        return whatsapp_text(user_id, text)
    if channel == "instagram":
        return instagram_message(user_id, text)
    return messenger_message(user_id, text)


def new_user(channel: str) -> str:
    return {"line": uid("U"), "whatsapp": "8869" + uid()[:8], "instagram": uid("igsid"),
            "facebook": uid("psid")}[channel]


def start_conversation(client: Any, store: Any, creds: dict[str, dict[str, str]], channel: str,
                       user_id: str | None = None) -> tuple[str, str]:
    """(conversation_id, social_user_key) of a customer who just wrote on ``channel`` (the channel work the
    webhook queued, a new customer's profile look-up, done as the queue's consumer does it)."""
    from chalicelib.conversations import conversation_id_for
    from tests.support_channels import run_channel_work

    user_id = user_id or new_user(channel)
    response = deliver(client, store.store_id, channel, creds, incoming(channel, user_id))
    assert response.status_code == 200, response.body
    run_channel_work()
    key = f"{channel}:{user_id}"
    return conversation_id_for(key), key


def set_storefront(client: Any, store: Any, url: str = STOREFRONT_URL) -> None:
    response = client.http.put("/admin/settings", headers=store.admin(), body=json.dumps({"storefront_url": url}))
    assert response.status_code == 200, response.body


def new_member(store_id: str, name: str = "Amy") -> str:
    from chalicelib import members

    return str(members.create_member(store_id, name).member_id)


def token_from_url(url: str, name: str = "token") -> str:
    return parse_qs(urlparse(url).query)[name][0]


def link_in(item: dict[str, Any]) -> str:
    """The link a channel message carries: button url (Meta), URI action (LINE), or the text's last line (WhatsApp)."""
    body = item["body"]
    if "messaging_product" in body:
        return str(body["text"]["body"].rsplit("\n", 1)[-1])
    if "messages" in body:
        message = body["messages"][0]
        template = message.get("template")
        action = template["actions"][0] if template else message["contents"]["footer"]["contents"][0]["action"]
        assert action["type"] == "uri"
        return str(action["uri"])
    return str(body["message"]["attachment"]["payload"]["buttons"][0]["url"])


def invite(client, store, conversation_id: str) -> tuple[int, Any]:
    return call(client, "POST", f"/admin/conversations/{conversation_id}/binding-invitation", store.admin())


def sent_messages(sandbox) -> list[dict[str, Any]]:
    return [item for item in sandbox.outbox.items() if item["method"] == "POST"]


def invited_token(client, store, creds, sandbox, channel: str = "facebook") -> tuple[str, str, str]:
    conversation_id, key = start_conversation(client, store, creds, channel)
    sandbox.outbox.clear()
    status, answer = invite(client, store, conversation_id)
    assert status == 201, answer
    return token_from_url(link_in(sent_messages(sandbox)[-1])), conversation_id, key


def redeem(client, store, token: str, member_id: str) -> tuple[int, Any]:
    return call(client, "POST", "/storefront/bindings/redeem", store.storefront(),
                {"token": token, "member_id": member_id})
