"""What Meta's platforms (Messenger, Instagram, WhatsApp Cloud API) share: the signature, the handshake,
the delivery envelope and the Graph API; and what Messenger and Instagram share: ``entry[].messaging[]``,
the Send API, comments with public and private replies.

Signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>``; the legacy
``X-Hub-Signature: sha1=<hex HMAC-SHA1>`` is read only when the SHA-256 header is absent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from chalicelib.channels import transport
from chalicelib.channels.adapter import ChannelAdapter
from chalicelib.channels.events import (
    InboundEvent,
    Parsed,
    PayloadError,
    Skipped,
    an_id,
    as_list,
    guard,
    moment_or,
    obj,
    opt_str,
)
from chalicelib.channels.outbound import ChannelError, OutboundMessage, Sent
from chalicelib.channels.spec import Limit
from chalicelib.config import settings

GRAPH_VERSION = "v21.0"
SECRETS = ("app_secret", "verify_token", "access_token")
SECRET_LABELS = {"app_secret": "App secret", "verify_token": "Verify token"}
LEGACY_HEADER = "X-Hub-Signature"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
# Meta's documented limits ("Messenger Platform rate limits", read 2026-12). Public comment replies and profile
# reads fall under the Graph API's business-use-case limit (4,800 calls per engaged user per 24 hours, no
# per-second figure): 50 a second per account is our own pace, under it for a page with 900+ engaged users a day.
SEND_LIMIT = Limit(300, 1, "Send API: 300 calls/s per Page or IG professional account (text)")
PRIVATE_REPLY_LIMIT = Limit(750, 3600, "Private Replies API: 750 calls/hour per Page or IG account (posts and reels)")
GRAPH_OTHER_LIMIT = Limit(50, 1, "ours: under the Graph API's 4,800 x engaged users per 24 h")


def meta_signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class MetaPlatform(ChannelAdapter):
    """A Meta platform: signed with the app secret, subscribed with the verify-token handshake, Graph API."""

    meta_object: ClassVar[str]  # the delivery's ``object``
    signature_header_name = "X-Hub-Signature-256"
    signature_form = "sha256= followed by the lowercase hex HMAC-SHA256 of the raw body, keyed with the app secret"

    def parse(self, body: dict[str, Any], now: datetime) -> Iterator[Parsed]:
        if body.get("object") != self.meta_object:
            raise PayloadError(f"'object' must be '{self.meta_object}' for {self.name} webhooks")
        for i, entry in enumerate(as_list(body.get("entry"), "entry")):
            if not isinstance(entry, dict):
                yield Skipped(f"entry[{i}] is not an object")
                continue
            yield from self.parse_entry(entry, i, now)

    def parse_entry(self, entry: dict[str, Any], i: int, now: datetime) -> Iterator[Parsed]:
        """The items of one ``entry[i]``."""
        raise NotImplementedError

    def signature_header(self, headers: Mapping[str, str]) -> str | None:
        return headers.get(self.signature_header_name.lower()) or headers.get(LEGACY_HEADER.lower())

    def signature_is_valid(self, secrets: dict[str, str], body: bytes, given: str | None) -> bool:
        secret = secrets.get("app_secret")
        if not given or not secret:
            return False
        algorithm, _, digest = given.strip().partition("=")
        # Meta writes the algorithm prefix in lower case; accept any case of the prefix only.
        algorithm = algorithm.lower()
        if algorithm == "sha256":
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        elif algorithm == "sha1":
            expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        else:
            return False
        return hmac.compare_digest(expected.encode(), digest.encode("utf-8", "replace"))

    def signature_shape_problem(self, value: str) -> str | None:
        header, form = self.signature_header_name, self.signature_form
        if value[:7].lower() != "sha256=":
            return f"the {header} header must start with 'sha256=': it holds {form}"
        if not _HEX64.fullmatch(value[7:]):
            return f"the {header} header must be 'sha256=' and 64 hex digits: {form}"
        return None

    def graph(self, store_id: str, method: str, path: str, payload: dict[str, Any] | None) -> Any:
        """One Graph API call with the store's access token."""
        token = transport.stored_token(store_id, self.name, "access_token")
        return transport.call(self.name, f"{settings().graph_api_base_url}/{GRAPH_VERSION}", token, method, path,
                              payload)


def account_segment(account_id: str | None) -> str:
    if not account_id:
        raise ChannelError("the channel has no account id configured")
    return transport.segment(account_id)


def meta_message(message: OutboundMessage) -> dict[str, Any]:
    """The Send API's ``message``: text, or a button template carrying the link."""
    if message.button is None:
        return {"text": message.text}
    return {"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": message.text,
        "buttons": [{"type": "web_url", "url": message.button.url, "title": message.button.title}]}}}


def _message_id(body: Any) -> str | None:
    return str(body["message_id"]) if isinstance(body, dict) and body.get("message_id") else None


class MetaInbox(MetaPlatform):
    """Messenger and Instagram: direct messages in ``entry[].messaging[]``, comments in ``entry[].changes[]``."""

    comment_reply_edge: ClassVar[str]  # Instagram ``/{comment-id}/replies``, Facebook ``/{comment-id}/comments``
    call_limits = {"message": SEND_LIMIT, "private_reply": PRIVATE_REPLY_LIMIT, "comment_reply": GRAPH_OTHER_LIMIT,
                   "profile": GRAPH_OTHER_LIMIT}
    profile_fields: ClassVar[str]  # what ``GET /{user-id}?fields=`` asks for

    def parse_entry(self, entry: dict[str, Any], i: int, now: datetime) -> Iterator[Parsed]:
        entry_id = entry.get("id")
        account_id = str(entry_id) if isinstance(entry_id, (str, int)) and not isinstance(entry_id, bool) else None
        entry_time = entry.get("time")
        messaging = entry.get("messaging")
        for j, item in enumerate(messaging if isinstance(messaging, list) else []):
            event = guard(self._messaging_item, account_id, item, f"entry[{i}].messaging[{j}]", now)
            if event:
                yield event
        changes = entry.get("changes")
        for j, change in enumerate(changes if isinstance(changes, list) else []):
            where = f"entry[{i}].changes[{j}]"
            event = guard(self._change, account_id, entry_time, change, where, now)
            if event:
                yield event

    def _messaging_item(self, account_id: str | None, item: Any, where: str, now: datetime) -> InboundEvent | None:
        item = obj(item, where)
        message, postback = item.get("message"), item.get("postback")
        if message is None and postback is None:
            return None  # reads, deliveries, reactions, referrals...: acknowledged, not stored
        sender_part = obj(item.get("sender"), f"{where}.sender")
        if "id" not in sender_part:
            # The chat plugin's guests (user_ref) have no id we could answer in a conversation.
            raise PayloadError(f"'{where}.sender' has no id")
        sender = an_id(sender_part.get("id"), f"{where}.sender.id")
        recipient = an_id(obj(item.get("recipient"), f"{where}.recipient").get("id"), f"{where}.recipient.id")
        at, known = moment_or(item.get("timestamp"), now)
        if message is not None:
            message = obj(message, f"{where}.message")
            mid = an_id(message.get("mid"), f"{where}.message.mid")
            raw_attachments = message.get("attachments")
            attachments = tuple(_attachment(a) for a in (raw_attachments if isinstance(raw_attachments, list) else [])
                                if isinstance(a, dict))
            if message.get("is_echo"):
                # The shop's own message (sent by us or another tool): the customer is the recipient.
                return InboundEvent(self.name, "echo", recipient, mid, at, account_id=sender,
                                    text=opt_str(message.get("text")), attachments=attachments,
                                    entry_id=account_id, timestamp_known=known)
            return InboundEvent(self.name, "message", sender, mid, at, account_id=recipient,
                                text=opt_str(message.get("text")), attachments=attachments,
                                entry_id=account_id, timestamp_known=known)
        postback = obj(postback, f"{where}.postback")
        provider_id = opt_str(postback.get("mid"), 256) or f"postback:{sender}:{item.get('timestamp')}"
        return InboundEvent(self.name, "postback", sender, provider_id, at, account_id=recipient,
                            text=opt_str(postback.get("title")) or opt_str(postback.get("payload")),
                            entry_id=account_id, timestamp_known=known)

    def _change(self, account_id: str | None, entry_time: Any, change: Any, where: str,
                now: datetime) -> Parsed | None:
        change = obj(change, where)
        return self.parse_comment(account_id, entry_time, change.get("field"), change.get("value"), where, now)

    def parse_comment(self, account_id: str | None, entry_time: Any, field_name: Any, value: Any, where: str,
                      now: datetime) -> Parsed | None:
        """A comment from ``entry[].changes[]`` (each platform names its field and fields its own way)."""
        raise NotImplementedError

    def send(self, store_id: str, account_id: str | None, user_id: str, message: OutboundMessage) -> Sent:
        body = self.graph(store_id, "POST", f"/{account_segment(account_id)}/messages",
                          {"recipient": {"id": user_id}, "messaging_type": "RESPONSE",
                           "message": meta_message(message)})
        return Sent(_message_id(body))

    def send_private_reply(self, store_id: str, account_id: str | None, comment_id: str,
                           message: OutboundMessage) -> Sent:
        """A private reply: a direct message answering one comment (once, within 7 days)."""
        body = self.graph(store_id, "POST", f"/{account_segment(account_id)}/messages",
                          {"recipient": {"comment_id": comment_id}, "message": meta_message(message)})
        return Sent(_message_id(body))

    def reply_to_comment(self, store_id: str, comment_id: str, text: str) -> Sent:
        body = self.graph(store_id, "POST", f"/{transport.segment(comment_id)}/{self.comment_reply_edge}",
                          {"message": text})
        return Sent(str(body["id"]) if isinstance(body, dict) and body.get("id") else None)

    def fetch_profile_name(self, store_id: str, user_id: str) -> str | None:
        body = self.graph(store_id, "GET", f"/{transport.segment(user_id)}?fields={self.profile_fields}", None)
        if not isinstance(body, dict):
            return None
        joined = " ".join(p for p in (body.get("first_name"), body.get("last_name")) if isinstance(p, str) and p)
        name = transport.display_name
        return name(body.get("name")) or name(joined) or name(body.get("username"))


def _attachment(value: dict[str, Any]) -> dict[str, str]:
    payload = value.get("payload") if isinstance(value.get("payload"), dict) else {}
    out = {"type": str(value.get("type") or "attachment")[:32]}
    url = payload.get("url") if payload else None
    if isinstance(url, str):
        out["url"] = url[:2048]
    return out
