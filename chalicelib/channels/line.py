"""LINE Messaging API (channel ``line``): webhook events, push messages, profiles, and LINE's way of counting.

A delivery is ``{"destination": "<bot user id>", "events": [...]}``, signed with
``X-Line-Signature: <base64 HMAC-SHA256(channel secret, body)>`` (compared as decoded bytes, so a header
without its ``=`` padding is the same signature while one letter in another case is not).

LINE counts a ``text`` and an ``altText`` in UTF-16 code units: an emoji outside the Basic Multilingual
Plane is two (https://developers.line.biz/en/docs/messaging-api/text-character-count/). A buttons
template's ``text`` counts grapheme clusters, which are never more than code points, so the code-point
count decides safely whether a text fits one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.channels import transport
from chalicelib.channels.adapter import ChannelAdapter
from chalicelib.channels.events import InboundEvent, Parsed, Skipped, an_id, as_list, guard, moment_or, obj, opt_str
from chalicelib.channels.outbound import ChannelError, OutboundMessage, Sent
from chalicelib.channels.spec import ChannelSpec, Limit
from chalicelib.config import settings

TEXT_MAX = 5000  # a text message's ``text``, in UTF-16 units
ALT_TEXT_MAX = 400  # a template's or flex message's ``altText``, in UTF-16 units
TEMPLATE_TEXT_MAX = 160  # a buttons template's ``text`` without title or image; longer texts go as a flex bubble
KINDS = ("message", "follow", "unfollow", "postback")
# Parts of a LINE event that differ between a delivery and its redelivery: not part of the fallback key.
_DELIVERY_PARTS = ("deliveryContext", "replyToken")
_BASE64_32 = re.compile(r"[A-Za-z0-9+/]{43}=")


def utf16_length(text: str) -> int:
    """``text`` counted as LINE counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def utf16_cut(text: str, limit: int) -> str:
    """The longest start of ``text`` of at most ``limit`` UTF-16 units, never half a surrogate pair."""
    if utf16_length(text) <= limit:
        return text
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def line_signature(channel_secret: str, body: bytes) -> str:
    """The ``X-Line-Signature`` value LINE sends with ``body``."""
    return base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()).decode()


def fallback_event_id(event: dict[str, Any]) -> str:
    """A stable dedup key for a LINE event without ``webhookEventId``: the hash of its canonical JSON."""
    stable = {key: value for key, value in event.items() if key not in _DELIVERY_PARTS}
    canonical = json.dumps(stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "h:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def line_messages(message: OutboundMessage) -> list[dict[str, Any]]:
    """The ``messages`` of a push: text; with a link, a buttons template (short text) or a flex bubble."""
    if message.button is None:
        return [{"type": "text", "text": message.text}]
    action = {"type": "uri", "label": message.button.title, "uri": message.button.url}
    alt_text = utf16_cut(message.text, ALT_TEXT_MAX)
    if len(message.text) <= TEMPLATE_TEXT_MAX:
        return [{"type": "template", "altText": alt_text,
                 "template": {"type": "buttons", "text": message.text, "actions": [action]}}]
    return [{"type": "flex", "altText": alt_text, "contents": {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical",
                 "contents": [{"type": "text", "text": message.text, "wrap": True}]},
        "footer": {"type": "box", "layout": "vertical",
                   "contents": [{"type": "button", "style": "primary", "action": action}]}}}]


class LineAdapter(ChannelAdapter):
    name = "line"
    label = "LINE"
    mark = "L"
    spec = ChannelSpec(None, ("channel_secret", "channel_access_token"), meta=False, text_limit=TEXT_MAX,
                       link_buttons=True, private_replies=False)
    field_labels = {"channel_secret": "Channel secret", "channel_access_token": "Channel access token"}
    counted_in = "utf16_units"
    # LINE Messaging API reference (read 2026-12): push, reply and profile share 2,000 requests a second per channel.
    call_limits = {"message": Limit(2000, 1, "LINE Messaging API: 2,000 requests/s per channel"),
                   "profile": Limit(2000, 1, "LINE Messaging API: 2,000 requests/s per channel")}
    signature_header_name = "X-Line-Signature"
    signature_form = "the base64 HMAC-SHA256 of the raw body, keyed with the channel secret"

    # --- reading -------------------------------------------------------------------------------------

    def parse(self, body: dict[str, Any], now: datetime) -> Iterator[Parsed]:
        destination = opt_str(body.get("destination"), 256)
        for i, event in enumerate(as_list(body.get("events"), "events")):
            parsed = guard(self._event, event, destination, f"events[{i}]", now)
            if parsed:
                yield parsed

    def _event(self, event: Any, destination: str | None, where: str, now: datetime) -> Parsed | None:
        event = obj(event, where)
        kind = event.get("type")
        if kind not in KINDS:
            return Skipped(f"'{where}.type' {str(kind)[:40]!r} is not an event the inbox keeps")
        source = obj(event.get("source"), f"{where}.source")
        if source.get("type") != "user":
            return None  # group and room chats are not one customer's conversation
        user_id = an_id(source.get("userId"), f"{where}.source.userId")
        event_id = event.get("webhookEventId")
        provider_id = an_id(event_id, f"{where}.webhookEventId") if event_id else fallback_event_id(event)
        at, known = moment_or(event.get("timestamp"), now)
        reply_token = opt_str(event.get("replyToken"), 256)
        text: str | None = None
        attachments: tuple[dict[str, str], ...] = ()
        if kind == "message":
            message = obj(event.get("message"), f"{where}.message")
            mtype = message.get("type")
            if mtype == "text":
                text = opt_str(message.get("text"))
            elif mtype == "sticker":
                attachments = ({"type": "sticker", "package_id": str(message.get("packageId", "")),
                                "sticker_id": str(message.get("stickerId", ""))},)
            elif mtype == "location":
                attachments = ({"type": "location"},)
                text = opt_str(message.get("title")) or opt_str(message.get("address"))
            elif isinstance(mtype, str):
                attachment = {"type": mtype[:32]}
                if isinstance(message.get("id"), str):
                    attachment["message_id"] = message["id"]
                attachments = (attachment,)
        elif kind == "postback":
            postback = event.get("postback") if isinstance(event.get("postback"), dict) else {}
            text = opt_str(postback.get("data"))
        return InboundEvent(self.name, kind, user_id, provider_id, at, account_id=destination, text=text,
                            attachments=attachments, reply_token=reply_token, timestamp_known=known)

    # --- signatures ----------------------------------------------------------------------------------

    def signature_is_valid(self, secrets: dict[str, str], body: bytes, given: str | None) -> bool:
        secret = secrets.get("channel_secret")
        if not given or not secret:
            return False
        expected_mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        text = given.strip()
        try:
            given_mac = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (ValueError, binascii.Error):
            return False
        return hmac.compare_digest(expected_mac, given_mac)

    def signature_shape_problem(self, value: str) -> str | None:
        if not _BASE64_32.fullmatch(value):
            return (f"the {self.signature_header_name} header must be 44 characters of base64 (32 bytes): "
                    f"{self.signature_form}")
        return None

    # --- configuration and sending -------------------------------------------------------------------

    def account_id_for(self, values: dict[str, str]) -> str | None:
        # LINE names the bot in each delivery's `destination`: read it now, so deliveries to another
        # bot can be told apart (and a wrong access token is refused before anything is saved).
        return self.bot_user_id(values["channel_access_token"])

    def _call(self, token: str, method: str, path: str, payload: dict[str, Any] | None,
              retry_key: str | None = None) -> Any:
        return transport.call(self.name, settings().line_api_base_url, token, method, path, payload,
                              retry_key=retry_key, retry_key_header="X-Line-Retry-Key")

    def _token(self, store_id: str) -> str:
        return transport.stored_token(store_id, self.name, "channel_access_token")

    def send(self, store_id: str, account_id: str | None, user_id: str, message: OutboundMessage) -> Sent:
        """A push message; the retry key makes LINE deliver it once however often it is retried."""
        body = self._call(self._token(store_id), "POST", "/v2/bot/message/push",
                          {"to": user_id, "messages": line_messages(message)}, retry_key=str(uuid.uuid4()))
        sent = body.get("sentMessages") if isinstance(body, dict) else None
        return Sent(str(sent[0].get("id")) if sent and isinstance(sent[0], dict) else None)

    def bot_user_id(self, channel_access_token: str) -> str:
        """The bot's own user id (``destination`` of its webhooks), from ``GET /v2/bot/info``."""
        body = self._call(channel_access_token, "GET", "/v2/bot/info", None)
        user_id = body.get("userId") if isinstance(body, dict) else None
        if not isinstance(user_id, str) or not user_id:
            raise ChannelError("LINE did not name the bot's user id", channel=self.name)
        return user_id

    def fetch_profile_name(self, store_id: str, user_id: str) -> str | None:
        body = self._call(self._token(store_id), "GET", f"/v2/bot/profile/{transport.segment(user_id)}", None)
        return transport.display_name(body.get("displayName")) if isinstance(body, dict) else None

    # --- counting ------------------------------------------------------------------------------------

    def text_length(self, text: str) -> int:
        return utf16_length(text)

    def cut(self, text: str, limit: int) -> str:
        return utf16_cut(text, max(limit, 0))
