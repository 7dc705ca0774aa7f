"""WhatsApp Cloud API (channel ``whatsapp``): messages and status updates of the store's phone number.

A delivery is ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",
"value": {...}}]}]}``: ``value.messages[]`` from customers (named in ``value.contacts[]``) and
``value.statuses[]`` of our own messages. WhatsApp shows no link button: the link goes in the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.channels.events import (
    InboundEvent,
    Parsed,
    PayloadError,
    Skipped,
    an_id,
    guard,
    moment_or,
    obj,
    opt_str,
)
from chalicelib.channels.meta import SECRET_LABELS, SECRETS, MetaPlatform, account_segment
from chalicelib.channels.outbound import OutboundMessage, Sent
from chalicelib.channels.spec import ChannelSpec, Limit

_MEDIA = ("image", "video", "audio", "document", "sticker")


def whatsapp_message(to: str, message: OutboundMessage) -> dict[str, Any]:
    """The Cloud API's text message; a link button becomes a line of the text, with its preview."""
    text = message.text if message.button is None else f"{message.text}\n{message.button.url}"
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"body": text, "preview_url": message.button is not None}}


class WhatsAppAdapter(MetaPlatform):
    name = "whatsapp"
    label = "WhatsApp"
    mark = "W"
    spec = ChannelSpec("phone_number_id", SECRETS, meta=True, text_limit=1024, link_buttons=False,
                       private_replies=False)
    field_labels = {"phone_number_id": "Phone number id", **SECRET_LABELS, "access_token": "Access token"}
    meta_object = "whatsapp_business_account"
    call_limits = {"message": Limit(80, 1, "WhatsApp Cloud API: 80 messages/s per business phone number (default)")}
    looks_up_profiles = False  # a delivery names the customer in contacts[].profile.name

    def parse_entry(self, entry: dict[str, Any], i: int, now: datetime) -> Iterator[Parsed]:
        changes = entry.get("changes")
        for j, change in enumerate(changes if isinstance(changes, list) else []):
            where = f"entry[{i}].changes[{j}]"
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue  # account, template and call updates: acknowledged only
            value = change.get("value")
            metadata = value.get("metadata") if isinstance(value, dict) else None
            phone_number_id = _user(metadata, "phone_number_id")
            if not isinstance(value, dict) or phone_number_id is None:
                yield Skipped(f"'{where}.value.metadata.phone_number_id' is missing")
                continue
            names: dict[str, str] = {}
            contacts: list[Any] = value["contacts"] if isinstance(value.get("contacts"), list) else []
            for contact in contacts:
                if not isinstance(contact, dict):
                    continue
                profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
                name = opt_str(profile.get("name"), 200) if profile else None
                for key in ("wa_id", "user_id"):
                    if name and isinstance(contact.get(key), str):
                        names[contact[key]] = name
            # A single contact names the sender when the message itself does not (business-scoped users).
            only_contact = _user(contacts[0], "wa_id", "user_id") if len(contacts) == 1 else None
            messages = value.get("messages")
            for k, message in enumerate(messages if isinstance(messages, list) else []):
                event = guard(self._message, message, phone_number_id, names, only_contact,
                              f"{where}.value.messages[{k}]", now)
                if event:
                    yield event
            statuses = value.get("statuses")
            for k, status in enumerate(statuses if isinstance(statuses, list) else []):
                event = guard(self._status, status, phone_number_id, f"{where}.value.statuses[{k}]", now)
                if event:
                    yield event

    def _status(self, status: Any, phone_number_id: str, where: str, now: datetime) -> InboundEvent:
        status = obj(status, where)
        user = _user(status, "recipient_id", "recipient_user_id")
        if user is None:
            raise PayloadError(f"'{where}' names no recipient")
        at, known = moment_or(status.get("timestamp"), now)
        return InboundEvent(self.name, "status", user, an_id(status.get("id"), f"{where}.id"), at,
                            account_id=phone_number_id, status=opt_str(status.get("status"), 32),
                            timestamp_known=known)

    def _message(self, message: Any, phone_number_id: str, names: dict[str, str], only_contact: str | None,
                 where: str, now: datetime) -> Parsed:
        message = obj(message, where)
        if message.get("group_id"):
            return Skipped(f"'{where}' is a group message: not one customer's conversation")
        sender = _user(message, "from", "from_user_id") or only_contact
        if sender is None:
            raise PayloadError(f"'{where}' names no sender")
        kind = message.get("type")
        if kind == "system":
            return Skipped(f"'{where}' is a system notice")
        text: str | None = None
        attachments: tuple[dict[str, str], ...] = ()
        part: dict[str, Any] = message[kind] if isinstance(kind, str) and isinstance(message.get(kind), dict) else {}
        if kind == "text":
            text = opt_str(part.get("body"))
        elif kind in _MEDIA:
            attachment = {"type": kind}
            if isinstance(part.get("id"), str):
                attachment["media_id"] = part["id"]
            if isinstance(part.get("mime_type"), str):
                attachment["mime_type"] = part["mime_type"][:100]
            attachments = (attachment,)
            text = opt_str(part.get("caption"))
        elif kind == "button":
            text = opt_str(part.get("text"))
        elif kind == "interactive":
            reply = part.get("button_reply") or part.get("list_reply") or {}
            text = opt_str(reply.get("title")) if isinstance(reply, dict) else None
        elif kind == "location":
            attachments = ({"type": "location"},)
            text = opt_str(part.get("name")) or opt_str(part.get("address"))
        elif isinstance(kind, str):
            attachments = ({"type": kind[:32]},)
        at, known = moment_or(message.get("timestamp"), now)
        return InboundEvent(self.name, "message", sender, an_id(message.get("id"), f"{where}.id"), at,
                            account_id=phone_number_id, text=text, attachments=attachments,
                            user_name=names.get(sender), timestamp_known=known)

    def send(self, store_id: str, account_id: str | None, user_id: str, message: OutboundMessage) -> Sent:
        body = self.graph(store_id, "POST", f"/{account_segment(account_id)}/messages",
                          whatsapp_message(user_id, message))
        messages = body.get("messages") if isinstance(body, dict) else None
        return Sent(str(messages[0].get("id")) if messages and isinstance(messages[0], dict) else None)

    def fetch_profile_name(self, store_id: str, user_id: str) -> str | None:
        return None  # WhatsApp names come in the webhook's contacts[].profile.name (looks_up_profiles is False)


def _user(part: Any, *keys: str) -> str | None:
    """A WhatsApp user: the phone number (``wa_id``/``from``) or, without one, the business-scoped user id."""
    if not isinstance(part, dict):
        return None
    for key in keys:
        value = part.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)[:256]
    return None
