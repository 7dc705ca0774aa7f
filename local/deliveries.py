"""Sample webhook deliveries as each platform sends them, signed as each platform signs them.

``manage.py send-webhook`` posts one to the running sandbox so nobody hand-rolls an HMAC to try
the product; ``manage.py sign`` prints the header for a body of your own.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

CHANNELS = ("facebook", "instagram", "whatsapp", "line")
# The bot's own user id, which LINE puts in "destination".
LINE_DESTINATION = "U" + "0" * 32


def new_user_id(channel: str) -> str:
    """An id shaped like the platform's: Messenger PSID / Instagram-scoped id (digits), wa_id (a phone
    number's digits), LINE userId (U + 32 hex)."""
    if channel == "line":
        return "U" + secrets.token_hex(16)
    if channel == "whatsapp":
        return "8869" + "".join(secrets.choice("0123456789") for _ in range(8))
    return "".join(secrets.choice("0123456789") for _ in range(16))


def sample_delivery(channel: str, account_id: str, user_id: str, text: str, name: str | None = None,
                    comment: bool = False) -> dict[str, Any]:
    """One inbound message (or, with ``comment``, an Instagram comment / Facebook Page comment)."""
    now = time.time()
    if channel == "line":
        return {"destination": LINE_DESTINATION, "events": [{
            "type": "message", "mode": "active", "timestamp": int(now * 1000),
            "source": {"type": "user", "userId": user_id}, "webhookEventId": "01" + secrets.token_hex(12).upper(),
            "deliveryContext": {"isRedelivery": False}, "replyToken": secrets.token_hex(16),
            "message": {"id": str(secrets.randbelow(10**18)), "type": "text", "quoteToken": secrets.token_urlsafe(12),
                        "text": text}}]}
    if channel == "whatsapp":
        return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": account_id},
                "contacts": [{"profile": {"name": name or "WhatsApp customer"}, "wa_id": user_id}],
                "messages": [{"from": user_id, "id": "wamid." + secrets.token_hex(16), "timestamp": str(int(now)),
                              "type": "text", "text": {"body": text}}]}}]}]}
    obj = "instagram" if channel == "instagram" else "page"
    if comment:
        comment_id = str(secrets.randbelow(10**17))
        if channel == "instagram":
            value: dict[str, Any] = {"id": comment_id, "text": text,
                                     "from": {"id": user_id, "username": name or "shopper"},
                                     "media": {"id": str(secrets.randbelow(10**17)), "media_product_type": "FEED"}}
            field = "comments"
        else:
            post_id = f"{account_id}_{secrets.randbelow(10**15)}"
            value = {"item": "comment", "verb": "add", "comment_id": f"{post_id.split('_')[1]}_{comment_id}",
                     "post_id": post_id, "parent_id": post_id, "message": text,
                     "from": {"id": user_id, "name": name or "Facebook customer"}, "created_time": int(now)}
            field = "feed"
        return {"object": obj, "entry": [{"id": account_id, "time": int(now),
                                          "changes": [{"field": field, "value": value}]}]}
    return {"object": obj, "entry": [{"id": account_id, "time": int(now * 1000), "messaging": [{
        "sender": {"id": user_id}, "recipient": {"id": account_id}, "timestamp": int(now * 1000),
        "message": {"mid": "m_" + secrets.token_hex(16), "text": text}}]}]}


def account_id(channel: str, credentials: dict[str, str]) -> str:
    return {"facebook": credentials.get("page_id", ""), "instagram": credentials.get("ig_user_id", ""),
            "whatsapp": credentials.get("phone_number_id", "")}.get(channel, LINE_DESTINATION)


def signature_header(channel: str, credentials: dict[str, str], raw: bytes) -> tuple[str, str]:
    from chalicelib.channels.line import line_signature  # the app's own signing
    from chalicelib.channels.meta import meta_signature

    if channel == "line":
        return "X-Line-Signature", line_signature(credentials["channel_secret"], raw)
    return "X-Hub-Signature-256", meta_signature(credentials["app_secret"], raw)


def encode(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
