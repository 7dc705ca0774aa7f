"""Webhook payloads as the platforms document them (see /work/shared/WEBHOOKS.md), and their signatures.

Builders return dicts; ``body()`` serialises them once so the signature is computed over the exact
bytes that are sent. Ids are random per call so tests never collide on the shared local stack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

PAGE_ID = "100000000000001"
IG_ACCOUNT_ID = "17841400000000001"
PHONE_NUMBER_ID = "106540352242922"


def demo_credentials() -> dict[str, dict[str, str]]:
    def meta(account_field: str, account_id: str, prefix: str) -> dict[str, str]:
        return {account_field: account_id, "app_secret": secrets.token_hex(16),
                "verify_token": f"{prefix}-verify-{secrets.token_hex(4)}",
                "access_token": prefix + secrets.token_hex(8)}

    return {
        "facebook": meta("page_id", PAGE_ID, "fb"),
        "instagram": meta("ig_user_id", IG_ACCOUNT_ID, "ig"),
        "whatsapp": meta("phone_number_id", PHONE_NUMBER_ID, "wa"),
        "line": {"channel_secret": secrets.token_hex(16), "channel_access_token": secrets.token_urlsafe(24)},
    }


def uid(prefix: str = "") -> str:
    return prefix + secrets.token_hex(6)


# What "now" is for a delivery's timestamps: real time, or the local stack's clock when a test has moved
# it (the app drops events older than its dedup window, measured on its own clock).
_now: Callable[[], float] = time.time


def use_clock(now: Callable[[], float] | None) -> None:
    """Date the deliveries built from here on by ``now`` (epoch seconds); None: real time again."""
    global _now
    _now = now or time.time


def now_s() -> int:
    return int(_now())


def now_ms() -> int:
    return int(_now() * 1000)


def body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def meta_signature(app_secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def line_signature(channel_secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(channel_secret.encode(), raw, hashlib.sha256).digest()).decode()


def signed_headers(channel: str, credentials: dict[str, str], raw: bytes,
                   content_type: str = "application/json") -> dict[str, str]:
    if channel == "line":
        return {"Content-Type": content_type, "X-Line-Signature": line_signature(credentials["channel_secret"], raw)}
    return {"Content-Type": content_type, "X-Hub-Signature-256": meta_signature(credentials["app_secret"], raw)}


# --- Messenger / Instagram direct messages ----------------------------------------------------------

def messaging_item(sender: str, recipient: str, text: str | None = "Is this in stock?", mid: str | None = None,
                   attachments: list[dict[str, Any]] | None = None, is_echo: bool = False,
                   timestamp: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid or uid("m_")}
    if text is not None:
        message["text"] = text
    if attachments:
        message["attachments"] = attachments
    if is_echo:
        message["is_echo"] = True
        message["app_id"] = 1517776481860111
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": timestamp or now_ms(),
            "message": message}


def postback_item(sender: str, recipient: str, title: str = "Go now", payload: str = "GO") -> dict[str, Any]:
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": now_ms(),
            "postback": {"mid": uid("m_"), "title": title, "payload": payload}}


def page_delivery(*entries: dict[str, Any], obj: str = "page") -> dict[str, Any]:
    return {"object": obj, "entry": list(entries)}


def messaging_entry(account_id: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"id": account_id, "time": now_ms(), "messaging": list(items)}


def messenger_message(psid: str, text: str | None = "Is this in stock?", **kwargs: Any) -> dict[str, Any]:
    return page_delivery(messaging_entry(PAGE_ID, messaging_item(psid, PAGE_ID, text, **kwargs)))


def instagram_message(igsid: str, text: str | None = "Do you ship to Tainan?", **kwargs: Any) -> dict[str, Any]:
    return page_delivery(messaging_entry(IG_ACCOUNT_ID, messaging_item(igsid, IG_ACCOUNT_ID, text, **kwargs)),
                         obj="instagram")


# --- comments ---------------------------------------------------------------------------------------

def instagram_comment(user_id: str, text: str, comment_id: str | None = None, username: str = "shopper",
                      account_id: str = IG_ACCOUNT_ID) -> dict[str, Any]:
    return {"object": "instagram", "entry": [{"id": account_id, "time": now_s(), "changes": [{
        "field": "comments", "value": {
            "id": comment_id or uid("1789"), "text": text, "from": {"id": user_id, "username": username},
            "media": {"id": uid("1790"), "media_product_type": "FEED"}, "parent_id": None}}]}]}


def facebook_comment(user_id: str, text: str, comment_id: str | None = None, name: str = "Lin",
                     page_id: str = PAGE_ID) -> dict[str, Any]:
    post = uid()
    return {"object": "page", "entry": [{"id": page_id, "time": now_s(), "changes": [{
        "field": "feed", "value": {
            "item": "comment", "verb": "add", "comment_id": comment_id or f"{post}_{uid()}",
            "post_id": f"{page_id}_{post}", "parent_id": f"{page_id}_{post}", "message": text,
            "from": {"id": user_id, "name": name}, "created_time": now_s()}}]}]}


# --- WhatsApp ---------------------------------------------------------------------------------------

def whatsapp_delivery(*, messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None,
                      contacts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID}}
    if contacts is not None:
        value["contacts"] = contacts
    if messages is not None:
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}


def whatsapp_text(wa_id: str, text: str, name: str = "Sheena Nelson", message_id: str | None = None) -> dict[str, Any]:
    return whatsapp_delivery(
        contacts=[{"profile": {"name": name}, "wa_id": wa_id}],
        messages=[{"from": wa_id, "id": message_id or uid("wamid.HBgL"), "timestamp": str(now_s()),
                   "type": "text", "text": {"body": text}}])


# --- LINE -------------------------------------------------------------------------------------------

def line_event(user_id: str, kind: str = "message", text: str = "Hello", event_id: str | None = None,
               message: dict[str, Any] | None = None, redelivery: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind, "mode": "active", "timestamp": now_ms(), "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id or uid("01FZ74A0TDDPYRV"), "deliveryContext": {"isRedelivery": redelivery}}
    if kind in ("message", "follow", "postback"):
        event["replyToken"] = secrets.token_hex(16)
    if kind == "message":
        event["message"] = message or {"id": str(secrets.randbelow(10**18)), "type": "text",
                                       "quoteToken": secrets.token_urlsafe(12), "text": text}
    if kind == "postback":
        event["postback"] = {"data": "action=buy&itemid=111"}
    return event


def line_delivery(*events: dict[str, Any]) -> dict[str, Any]:
    return {"destination": "U" + "0" * 32, "events": list(events)}


# --- functional-test plumbing (chalice.test.Client) ---------------------------------------------------

def configure_all(store_id: str, credentials: dict[str, dict[str, str]]) -> None:
    from chalicelib import clock
    from chalicelib.channels import configure_channel

    for channel, values in credentials.items():
        configure_channel(store_id, channel, values, clock.now())


def deliver(client: Any, store_id: str, channel: str, credentials: dict[str, dict[str, str]], payload: Any = None,
            raw: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    data = raw if raw is not None else body(payload)
    sent = headers if headers is not None else signed_headers(channel, credentials[channel], data)
    return client.http.post(f"/webhooks/{channel}/{store_id}", headers=sent, body=data)


def run_channel_work() -> int:
    """The channel-work consumer over what the webhooks queued, as Lambda's SQS event source runs it (the
    auto-replies and profile look-ups the webhook no longer makes itself); returns messages handled."""
    from app import app
    from local.queue_worker import drain

    return drain(app)


def deliver_and_work(client: Any, store_id: str, channel: str, credentials: dict[str, dict[str, str]],
                     payload: Any = None) -> Any:
    """:func:`deliver`, then the queued channel work done."""
    response = deliver(client, store_id, channel, credentials, payload)
    run_channel_work()
    return response


def conversations(client: Any, store: Any, query: str = "") -> dict[str, Any]:
    response = client.http.get(f"/admin/conversations{query}", headers=store.admin())
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def conversation_for(client: Any, store: Any, social_user_key: str) -> dict[str, Any] | None:
    items = conversations(client, store, "?limit=200")["items"]
    return next((c for c in items if c["social_user"]["key"] == social_user_key), None)


def messages(client: Any, store: Any, conversation_id: str) -> list[dict[str, Any]]:
    response = client.http.get(f"/admin/conversations/{conversation_id}/messages", headers=store.admin())
    assert response.status_code == 200, response.body
    return list(json.loads(response.body)["items"])


# --- the adapters, called as intake calls them ------------------------------------------------------

def signature_is_valid(channel: str, channel_secrets: dict[str, str], raw: bytes, given: str | None) -> bool:
    """Whether the channel's adapter accepts ``given`` as the signature of ``raw``."""
    from chalicelib.channels.registry import adapter_for

    return adapter_for(channel).signature_is_valid(channel_secrets, raw, given)


def read_delivery(channel: str, raw: bytes) -> Any:
    """The channel's adapter's reading of a raw delivery (events and the skipped count)."""
    from chalicelib.channels.registry import adapter_for

    return adapter_for(channel).read_delivery(raw)


def parse_delivery(channel: str, raw: bytes) -> list[Any]:
    """The events the channel's adapter reads from a raw delivery."""
    return list(read_delivery(channel, raw).events)

