"""Parsing webhook deliveries into one event model, following each platform's documented payloads.

Only the envelope can make a signed delivery a 400 (:class:`PayloadError`): a body that is not JSON,
a Meta ``object`` that is not the route's channel or an ``entry`` that is not a list, LINE ``events``
that is not a list. Inside a valid envelope every item is parsed on its own: one we cannot use (no
sender, an event type we do not know, a group chat) is skipped and counted, never refused, because
Meta and LINE treat any non-200 as a failed delivery, retry it and flag the webhook.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import InvalidRequest
from chalicelib.logs import logger

META_OBJECTS = {"facebook": "page", "instagram": "instagram", "whatsapp": "whatsapp_business_account"}

# Event kinds that become inbound messages in the conversation.
class PayloadError(InvalidRequest):
    """A signed delivery whose content is not what the platform documents."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body", code="invalid_payload")


@dataclass(frozen=True)
class InboundEvent:
    """One thing a customer did (or, for ``echo``/``status``, one thing that happened to our message)."""

    channel: str
    kind: str  # message | postback | comment | follow | unfollow | echo | status
    user_id: str  # the customer's id on the channel
    provider_id: str  # the platform's id of this message/comment/event: the deduplication key
    at: datetime
    account_id: str | None = None  # the store's page / IG account / WhatsApp phone number id / LINE bot
    text: str | None = None
    attachments: tuple[dict[str, str], ...] = field(default_factory=tuple)
    user_name: str | None = None  # when the payload carries it (WhatsApp, comments)
    comment_id: str | None = None
    post_id: str | None = None
    reply_token: str | None = None  # LINE
    status: str | None = None  # WhatsApp status updates: sent | delivered | read | failed
    entry_id: str | None = None  # Meta entry[].id: the account the whole entry is addressed to
    timestamp_known: bool = True  # False when the platform's timestamp was unusable (``at`` is receipt time)

    @property
    def social_user_key(self) -> str:
        return f"{self.channel}:{self.user_id}"

    @property
    def display_text(self) -> str | None:
        """What the inbox shows as the last message: the text, else the kind of attachment."""
        if self.text:
            return self.text
        if self.attachments:
            return f"[{self.attachments[0].get('type', 'attachment')}]"
        return f"[{self.kind}]" if self.kind in ("follow", "unfollow") else None


@dataclass
class Delivery:
    """What a delivery holds: the events we can use, and how many items were skipped."""

    events: list[InboundEvent]
    skipped: int = 0


def load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("the body is not valid JSON") from None
    except RecursionError:  # e.g. 30,000 '[': deeper than any real payload
        raise PayloadError("the body is nested too deeply") from None


def read_delivery(channel: str, raw: bytes, received_at: datetime | None = None) -> Delivery:
    """The usable events of a delivery; :class:`PayloadError` only for a body outside the channel's envelope."""
    body = load_json(raw)
    if not isinstance(body, dict):
        raise PayloadError("the body must be a JSON object")
    delivery = Delivery([])
    now = received_at or datetime.now(UTC)
    items = _parse_line(body, now) if channel == "line" else _parse_meta(channel, body, now)
    for item in items:
        if isinstance(item, InboundEvent):
            delivery.events.append(item)
        else:
            delivery.skipped += 1
            logger.info("webhook item skipped", extra={"channel": channel, "reason": item.reason})
    return delivery


def parse_delivery(channel: str, raw: bytes) -> list[InboundEvent]:
    return read_delivery(channel, raw).events


@dataclass(frozen=True)
class Skipped:
    """An item inside a valid envelope that we cannot use: acknowledged, logged and counted."""

    reason: str


Parsed = InboundEvent | Skipped


# --- helpers ---------------------------------------------------------------------------------------

def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"'{where}' must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"'{where}' must be a list")
    return value


def _id(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > 256:
        raise PayloadError(f"'{where}' is missing or not an id")
    return value


def _opt_str(value: Any, max_length: int = 20_000) -> str | None:
    return value[:max_length] if isinstance(value, str) and value else None


def _moment(value: Any, where: str) -> datetime:
    """Platforms send epoch seconds or milliseconds, as numbers or strings."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PayloadError(f"'{where}' must be a timestamp") from None
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"'{where}' must be a timestamp") from None


def _moment_or(value: Any, now: datetime) -> tuple[datetime, bool]:
    """The platform's time, or receipt time (flagged) when it sent one we cannot read."""
    try:
        return _moment(value, "timestamp"), True
    except PayloadError:
        return now, False


def _guard(parse: Any, *args: Any) -> Parsed | None:
    """One item parsed on its own: a malformed item is skipped, never the whole delivery."""
    try:
        result: Parsed | None = parse(*args)
        return result
    except PayloadError as exc:
        return Skipped(exc.message)


# --- Meta: Messenger, Instagram, WhatsApp -----------------------------------------------------------

def _parse_meta(channel: str, body: dict[str, Any], now: datetime) -> Iterator[Parsed]:
    expected = META_OBJECTS[channel]
    if body.get("object") != expected:
        raise PayloadError(f"'object' must be '{expected}' for {channel} webhooks")
    for i, entry in enumerate(_list(body.get("entry"), "entry")):
        if not isinstance(entry, dict):
            yield Skipped(f"entry[{i}] is not an object")
            continue
        if channel == "whatsapp":
            yield from _whatsapp_entry(entry, i, now)
            continue
        entry_id = entry.get("id")
        account_id = str(entry_id) if isinstance(entry_id, (str, int)) and not isinstance(entry_id, bool) else None
        entry_time = entry.get("time")
        messaging = entry.get("messaging")
        for j, item in enumerate(messaging if isinstance(messaging, list) else []):
            event = _guard(_messaging_item, channel, account_id, item, f"entry[{i}].messaging[{j}]", now)
            if event:
                yield event
        changes = entry.get("changes")
        for j, change in enumerate(changes if isinstance(changes, list) else []):
            where = f"entry[{i}].changes[{j}]"
            event = _guard(_comment_change, channel, account_id, entry_time, change, where, now)
            if event:
                yield event


def _messaging_item(channel: str, account_id: str | None, item: Any, where: str,
                    now: datetime) -> InboundEvent | None:
    item = _obj(item, where)
    message, postback = item.get("message"), item.get("postback")
    if message is None and postback is None:
        return None  # reads, deliveries, reactions, referrals...: acknowledged, not stored
    sender_part = _obj(item.get("sender"), f"{where}.sender")
    if "id" not in sender_part:
        # The chat plugin's guests (user_ref) have no id we could answer in a conversation.
        raise PayloadError(f"'{where}.sender' has no id")
    sender = _id(sender_part.get("id"), f"{where}.sender.id")
    recipient = _id(_obj(item.get("recipient"), f"{where}.recipient").get("id"), f"{where}.recipient.id")
    at, known = _moment_or(item.get("timestamp"), now)
    if message is not None:
        message = _obj(message, f"{where}.message")
        mid = _id(message.get("mid"), f"{where}.message.mid")
        raw_attachments = message.get("attachments")
        attachments = tuple(_meta_attachment(a) for a in (raw_attachments if isinstance(raw_attachments, list) else [])
                            if isinstance(a, dict))
        if message.get("is_echo"):
            # The shop's own message (sent by us or another tool): the customer is the recipient.
            return InboundEvent(channel, "echo", recipient, mid, at, account_id=sender,
                                text=_opt_str(message.get("text")), attachments=attachments,
                                entry_id=account_id, timestamp_known=known)
        return InboundEvent(channel, "message", sender, mid, at, account_id=recipient,
                            text=_opt_str(message.get("text")), attachments=attachments,
                            entry_id=account_id, timestamp_known=known)
    postback = _obj(postback, f"{where}.postback")
    provider_id = _opt_str(postback.get("mid"), 256) or f"postback:{sender}:{item.get('timestamp')}"
    return InboundEvent(channel, "postback", sender, provider_id, at, account_id=recipient,
                        text=_opt_str(postback.get("title")) or _opt_str(postback.get("payload")),
                        entry_id=account_id, timestamp_known=known)


def _meta_attachment(value: dict[str, Any]) -> dict[str, str]:
    payload = value.get("payload") if isinstance(value.get("payload"), dict) else {}
    out = {"type": str(value.get("type") or "attachment")[:32]}
    url = payload.get("url") if payload else None
    if isinstance(url, str):
        out["url"] = url[:2048]
    return out


def _comment_change(channel: str, account_id: str | None, entry_time: Any, change: Any, where: str,
                    now: datetime) -> Parsed | None:
    change = _obj(change, where)
    field_name, value = change.get("field"), change.get("value")
    if channel == "instagram" and field_name == "comments":
        value = _obj(value, f"{where}.value")
        author = value.get("from")
        if not isinstance(author, dict) or author.get("id") is None:
            return Skipped(f"'{where}.value.from' is missing: a comment without an author cannot be answered")
        user_id = _id(author.get("id"), f"{where}.value.from.id")
        if user_id == account_id:
            return None  # our own comment (an auto-reply coming back): never answered
        comment_id = _id(value.get("id"), f"{where}.value.id")
        media = value.get("media") if isinstance(value.get("media"), dict) else {}
        at, known = _moment_or(value.get("timestamp") or value.get("created_time") or entry_time, now)
        return InboundEvent(channel, "comment", user_id, comment_id, at,
                            account_id=account_id, text=_opt_str(value.get("text")),
                            user_name=_opt_str(author.get("username"), 200), comment_id=comment_id,
                            post_id=_opt_str(media.get("id"), 256) if media else None,
                            entry_id=account_id, timestamp_known=known)
    if channel == "facebook" and field_name == "feed":
        value = _obj(value, f"{where}.value")
        if value.get("item") != "comment" or value.get("verb", "add") != "add":
            return None  # posts, reactions, edits and removals are acknowledged only
        author = value.get("from")
        if author is None and value.get("sender_id") is not None:  # Graph API before v2.7 named the author so
            author = {"id": value["sender_id"], "name": value.get("sender_name")}
        if not isinstance(author, dict) or author.get("id") is None:
            return Skipped(f"'{where}.value.from' is missing: a comment without an author cannot be answered")
        user_id = _id(author.get("id"), f"{where}.value.from.id")
        if user_id == account_id:
            return None
        comment_id = _id(value.get("comment_id"), f"{where}.value.comment_id")
        at, known = _moment_or(value.get("created_time") or entry_time, now)
        attachments: tuple[dict[str, str], ...] = ()
        if isinstance(value.get("photo"), str):
            attachments = ({"type": "image", "url": value["photo"][:2048]},)
        return InboundEvent(channel, "comment", user_id, comment_id, at,
                            account_id=account_id, text=_opt_str(value.get("message")),
                            attachments=attachments, user_name=_opt_str(author.get("name"), 200),
                            comment_id=comment_id, post_id=_opt_str(value.get("post_id"), 256),
                            entry_id=account_id, timestamp_known=known)
    return None


_WHATSAPP_MEDIA = ("image", "video", "audio", "document", "sticker")


def _whatsapp_entry(entry: dict[str, Any], i: int, now: datetime) -> Iterator[Parsed]:
    changes = entry.get("changes")
    for j, change in enumerate(changes if isinstance(changes, list) else []):
        where = f"entry[{i}].changes[{j}]"
        if not isinstance(change, dict) or change.get("field") != "messages":
            continue  # account, template and call updates: acknowledged only
        value = change.get("value")
        metadata = value.get("metadata") if isinstance(value, dict) else None
        phone_number_id = _whatsapp_user(metadata, "phone_number_id")
        if not isinstance(value, dict) or phone_number_id is None:
            yield Skipped(f"'{where}.value.metadata.phone_number_id' is missing")
            continue
        names: dict[str, str] = {}
        contacts: list[Any] = value["contacts"] if isinstance(value.get("contacts"), list) else []
        for contact in contacts:
            if not isinstance(contact, dict):
                continue
            profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
            name = _opt_str(profile.get("name"), 200) if profile else None
            for key in ("wa_id", "user_id"):
                if name and isinstance(contact.get(key), str):
                    names[contact[key]] = name
        # A single contact names the sender when the message itself does not (business-scoped users).
        only_contact = _whatsapp_user(contacts[0], "wa_id", "user_id") if len(contacts) == 1 else None
        messages = value.get("messages")
        for k, message in enumerate(messages if isinstance(messages, list) else []):
            event = _guard(_whatsapp_message, message, phone_number_id, names, only_contact,
                           f"{where}.value.messages[{k}]", now)
            if event:
                yield event
        statuses = value.get("statuses")
        for k, status in enumerate(statuses if isinstance(statuses, list) else []):
            event = _guard(_whatsapp_status, status, phone_number_id, f"{where}.value.statuses[{k}]", now)
            if event:
                yield event


def _whatsapp_user(part: Any, *keys: str) -> str | None:
    """A WhatsApp user: the phone number (``wa_id``/``from``) or, without one, the business-scoped user id."""
    if not isinstance(part, dict):
        return None
    for key in keys:
        value = part.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)[:256]
    return None


def _whatsapp_status(status: Any, phone_number_id: str, where: str, now: datetime) -> InboundEvent:
    status = _obj(status, where)
    user = _whatsapp_user(status, "recipient_id", "recipient_user_id")
    if user is None:
        raise PayloadError(f"'{where}' names no recipient")
    at, known = _moment_or(status.get("timestamp"), now)
    return InboundEvent("whatsapp", "status", user, _id(status.get("id"), f"{where}.id"), at,
                        account_id=phone_number_id, status=_opt_str(status.get("status"), 32), timestamp_known=known)


def _whatsapp_message(message: Any, phone_number_id: str, names: dict[str, str], only_contact: str | None,
                      where: str, now: datetime) -> Parsed:
    message = _obj(message, where)
    if message.get("group_id"):
        return Skipped(f"'{where}' is a group message: not one customer's conversation")
    sender = _whatsapp_user(message, "from", "from_user_id") or only_contact
    if sender is None:
        raise PayloadError(f"'{where}' names no sender")
    kind = message.get("type")
    if kind == "system":
        return Skipped(f"'{where}' is a system notice")
    text: str | None = None
    attachments: tuple[dict[str, str], ...] = ()
    part: dict[str, Any] = message[kind] if isinstance(kind, str) and isinstance(message.get(kind), dict) else {}
    if kind == "text":
        text = _opt_str(part.get("body"))
    elif kind in _WHATSAPP_MEDIA:
        attachment = {"type": kind}
        if isinstance(part.get("id"), str):
            attachment["media_id"] = part["id"]
        if isinstance(part.get("mime_type"), str):
            attachment["mime_type"] = part["mime_type"][:100]
        attachments = (attachment,)
        text = _opt_str(part.get("caption"))
    elif kind == "button":
        text = _opt_str(part.get("text"))
    elif kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        text = _opt_str(reply.get("title")) if isinstance(reply, dict) else None
    elif kind == "location":
        attachments = ({"type": "location"},)
        text = _opt_str(part.get("name")) or _opt_str(part.get("address"))
    elif isinstance(kind, str):
        attachments = ({"type": kind[:32]},)
    at, known = _moment_or(message.get("timestamp"), now)
    return InboundEvent("whatsapp", "message", sender, _id(message.get("id"), f"{where}.id"), at,
                        account_id=phone_number_id, text=text, attachments=attachments,
                        user_name=names.get(sender), timestamp_known=known)


# --- LINE ------------------------------------------------------------------------------------------

LINE_KINDS = ("message", "follow", "unfollow", "postback")
# Parts of a LINE event that differ between a delivery and its redelivery: not part of the fallback key.
_LINE_DELIVERY_PARTS = ("deliveryContext", "replyToken")


def line_fallback_event_id(event: dict[str, Any]) -> str:
    """A stable dedup key for a LINE event without ``webhookEventId``: the hash of its canonical JSON."""
    stable = {key: value for key, value in event.items() if key not in _LINE_DELIVERY_PARTS}
    canonical = json.dumps(stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "h:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def _parse_line(body: dict[str, Any], now: datetime) -> Iterator[Parsed]:
    destination = _opt_str(body.get("destination"), 256)
    for i, event in enumerate(_list(body.get("events"), "events")):
        parsed = _guard(_line_event, event, destination, f"events[{i}]", now)
        if parsed:
            yield parsed


def _line_event(event: Any, destination: str | None, where: str, now: datetime) -> Parsed | None:
    event = _obj(event, where)
    kind = event.get("type")
    if kind not in LINE_KINDS:
        return Skipped(f"'{where}.type' {str(kind)[:40]!r} is not an event the inbox keeps")
    source = _obj(event.get("source"), f"{where}.source")
    if source.get("type") != "user":
        return None  # group and room chats are not one customer's conversation
    user_id = _id(source.get("userId"), f"{where}.source.userId")
    event_id = event.get("webhookEventId")
    provider_id = _id(event_id, f"{where}.webhookEventId") if event_id else line_fallback_event_id(event)
    at, known = _moment_or(event.get("timestamp"), now)
    reply_token = _opt_str(event.get("replyToken"), 256)
    text: str | None = None
    attachments: tuple[dict[str, str], ...] = ()
    if kind == "message":
        message = _obj(event.get("message"), f"{where}.message")
        mtype = message.get("type")
        if mtype == "text":
            text = _opt_str(message.get("text"))
        elif mtype == "sticker":
            attachments = ({"type": "sticker", "package_id": str(message.get("packageId", "")),
                            "sticker_id": str(message.get("stickerId", ""))},)
        elif mtype == "location":
            attachments = ({"type": "location"},)
            text = _opt_str(message.get("title")) or _opt_str(message.get("address"))
        elif isinstance(mtype, str):
            attachment = {"type": mtype[:32]}
            if isinstance(message.get("id"), str):
                attachment["message_id"] = message["id"]
            attachments = (attachment,)
    elif kind == "postback":
        postback = event.get("postback") if isinstance(event.get("postback"), dict) else {}
        text = _opt_str(postback.get("data"))
    return InboundEvent("line", kind, user_id, provider_id, at, account_id=destination, text=text,
                        attachments=attachments, reply_token=reply_token, timestamp_known=known)
