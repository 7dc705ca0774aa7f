"""Parsing webhook deliveries into one event model, following each platform's documented payloads.

A delivery is checked whole before anything is stored: a malformed part makes the delivery a 400
(:class:`PayloadError`), so nothing is half-stored. Unknown event types and unknown fields are
ignored, never rejected: platforms add fields over time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import InvalidRequest

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


def load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("the body is not valid JSON") from None


def parse_delivery(channel: str, raw: bytes) -> list[InboundEvent]:
    body = load_json(raw)
    if not isinstance(body, dict):
        raise PayloadError("the body must be a JSON object")
    events = list(_parse_line(body) if channel == "line" else _parse_meta(channel, body))
    return events


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


# --- Meta: Messenger, Instagram, WhatsApp -----------------------------------------------------------

def _parse_meta(channel: str, body: dict[str, Any]) -> Iterator[InboundEvent]:
    expected = META_OBJECTS[channel]
    if body.get("object") != expected:
        raise PayloadError(f"'object' must be '{expected}' for {channel} webhooks")
    for i, entry in enumerate(_list(body.get("entry"), "entry")):
        entry = _obj(entry, f"entry[{i}]")
        if channel == "whatsapp":
            yield from _whatsapp_entry(entry, i)
            continue
        account_id = _id(entry.get("id"), f"entry[{i}].id")
        entry_time = entry.get("time")
        for j, item in enumerate(_list(entry.get("messaging", []), f"entry[{i}].messaging")):
            where = f"entry[{i}].messaging[{j}]"
            event = _messaging_item(channel, account_id, _obj(item, where), where)
            if event:
                yield event
        for j, change in enumerate(_list(entry.get("changes", []), f"entry[{i}].changes")):
            where = f"entry[{i}].changes[{j}]"
            event = _comment_change(channel, account_id, entry_time, _obj(change, where), where)
            if event:
                yield event


def _messaging_item(channel: str, account_id: str, item: dict[str, Any], where: str) -> InboundEvent | None:
    message, postback = item.get("message"), item.get("postback")
    if message is None and postback is None:
        return None  # reads, deliveries, reactions, referrals...: acknowledged, not stored
    sender = _id(_obj(item.get("sender"), f"{where}.sender").get("id"), f"{where}.sender.id")
    recipient = _id(_obj(item.get("recipient"), f"{where}.recipient").get("id"), f"{where}.recipient.id")
    at = _moment(item.get("timestamp"), f"{where}.timestamp")
    if message is not None:
        message = _obj(message, f"{where}.message")
        mid = _id(message.get("mid"), f"{where}.message.mid")
        attachments = tuple(_meta_attachment(a)
                            for a in _list(message.get("attachments", []), f"{where}.message.attachments"))
        if message.get("is_echo"):
            # The shop's own message (sent by us or another tool): the customer is the recipient.
            return InboundEvent(channel, "echo", recipient, mid, at, account_id=sender,
                                text=_opt_str(message.get("text")), attachments=attachments)
        return InboundEvent(channel, "message", sender, mid, at, account_id=recipient,
                            text=_opt_str(message.get("text")), attachments=attachments)
    postback = _obj(postback, f"{where}.postback")
    provider_id = _opt_str(postback.get("mid"), 256) or f"postback:{sender}:{item.get('timestamp')}"
    return InboundEvent(channel, "postback", sender, provider_id, at, account_id=recipient,
                        text=_opt_str(postback.get("title")) or _opt_str(postback.get("payload")))


def _meta_attachment(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PayloadError("each attachment must be an object")
    payload = value.get("payload") if isinstance(value.get("payload"), dict) else {}
    out = {"type": str(value.get("type") or "attachment")[:32]}
    url = payload.get("url") if payload else None
    if isinstance(url, str):
        out["url"] = url[:2048]
    return out


def _comment_change(channel: str, account_id: str, entry_time: Any, change: dict[str, Any],
                    where: str) -> InboundEvent | None:
    field_name, value = change.get("field"), change.get("value")
    if channel == "instagram" and field_name == "comments":
        value = _obj(value, f"{where}.value")
        author = _obj(value.get("from"), f"{where}.value.from")
        user_id = _id(author.get("id"), f"{where}.value.from.id")
        if user_id == account_id:
            return None  # our own comment (an auto-reply coming back): never answered
        comment_id = _id(value.get("id"), f"{where}.value.id")
        media = value.get("media") if isinstance(value.get("media"), dict) else {}
        moment = value.get("timestamp") or value.get("created_time") or entry_time
        return InboundEvent(channel, "comment", user_id, comment_id, _moment(moment, f"{where} time"),
                            account_id=account_id, text=_opt_str(value.get("text")),
                            user_name=_opt_str(author.get("username"), 200), comment_id=comment_id,
                            post_id=_opt_str(media.get("id"), 256) if media else None)
    if channel == "facebook" and field_name == "feed":
        value = _obj(value, f"{where}.value")
        if value.get("item") != "comment" or value.get("verb", "add") != "add":
            return None  # posts, reactions, edits and removals are acknowledged only
        author = _obj(value.get("from"), f"{where}.value.from")
        user_id = _id(author.get("id"), f"{where}.value.from.id")
        if user_id == account_id:
            return None
        comment_id = _id(value.get("comment_id"), f"{where}.value.comment_id")
        moment = value.get("created_time") or entry_time
        attachments: tuple[dict[str, str], ...] = ()
        if isinstance(value.get("photo"), str):
            attachments = ({"type": "image", "url": value["photo"][:2048]},)
        return InboundEvent(channel, "comment", user_id, comment_id, _moment(moment, f"{where} time"),
                            account_id=account_id, text=_opt_str(value.get("message")),
                            attachments=attachments, user_name=_opt_str(author.get("name"), 200),
                            comment_id=comment_id, post_id=_opt_str(value.get("post_id"), 256))
    return None


_WHATSAPP_MEDIA = ("image", "video", "audio", "document", "sticker")


def _whatsapp_entry(entry: dict[str, Any], i: int) -> Iterator[InboundEvent]:
    for j, change in enumerate(_list(entry.get("changes"), f"entry[{i}].changes")):
        where = f"entry[{i}].changes[{j}]"
        change = _obj(change, where)
        if change.get("field") != "messages":
            continue
        value = _obj(change.get("value"), f"{where}.value")
        metadata = _obj(value.get("metadata"), f"{where}.value.metadata")
        phone_number_id = _id(metadata.get("phone_number_id"), f"{where}.value.metadata.phone_number_id")
        names: dict[str, str] = {}
        for contact in _list(value.get("contacts", []), f"{where}.value.contacts"):
            if isinstance(contact, dict) and isinstance(contact.get("wa_id"), str):
                profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
                name = _opt_str(profile.get("name"), 200) if profile else None
                if name:
                    names[contact["wa_id"]] = name
        for k, message in enumerate(_list(value.get("messages", []), f"{where}.value.messages")):
            yield _whatsapp_message(_obj(message, f"{where}.value.messages[{k}]"), phone_number_id, names,
                                    f"{where}.value.messages[{k}]")
        for k, status in enumerate(_list(value.get("statuses", []), f"{where}.value.statuses")):
            status = _obj(status, f"{where}.value.statuses[{k}]")
            w = f"{where}.value.statuses[{k}]"
            yield InboundEvent("whatsapp", "status", _id(status.get("recipient_id"), f"{w}.recipient_id"),
                               _id(status.get("id"), f"{w}.id"), _moment(status.get("timestamp"), f"{w}.timestamp"),
                               account_id=phone_number_id, status=_opt_str(status.get("status"), 32))


def _whatsapp_message(message: dict[str, Any], phone_number_id: str, names: dict[str, str],
                      where: str) -> InboundEvent:
    sender = _id(message.get("from"), f"{where}.from")
    kind = message.get("type")
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
    return InboundEvent("whatsapp", "message", sender, _id(message.get("id"), f"{where}.id"),
                        _moment(message.get("timestamp"), f"{where}.timestamp"), account_id=phone_number_id,
                        text=text, attachments=attachments, user_name=names.get(sender))


# --- LINE ------------------------------------------------------------------------------------------

def _parse_line(body: dict[str, Any]) -> Iterator[InboundEvent]:
    destination = _opt_str(body.get("destination"), 256)
    for i, event in enumerate(_list(body.get("events"), "events")):
        where = f"events[{i}]"
        event = _obj(event, where)
        kind = event.get("type")
        if kind not in ("message", "follow", "unfollow", "postback"):
            continue
        source = _obj(event.get("source"), f"{where}.source")
        if source.get("type") != "user":
            continue  # group and room chats are not one customer's conversation
        user_id = _id(source.get("userId"), f"{where}.source.userId")
        event_id = _id(event.get("webhookEventId"), f"{where}.webhookEventId")
        at = _moment(event.get("timestamp"), f"{where}.timestamp")
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
            postback = _obj(event.get("postback"), f"{where}.postback")
            text = _opt_str(postback.get("data"))
        yield InboundEvent("line", kind, user_id, event_id, at, account_id=destination, text=text,
                           attachments=attachments, reply_token=reply_token)
