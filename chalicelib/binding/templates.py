"""Binding-invitation texts per channel (``PUT /admin/templates/binding-invitation/{channel}``).

Limits are the platforms' own, counted as each platform counts (its adapter's ``text_length``): a
Messenger/Instagram button template's text takes 640 characters, a LINE message 5000 UTF-16 units (an
emoji is two), the WhatsApp text we send 1024 (the link is appended to it); a button label takes 20.
``{customer_name}`` is replaced when sending, shortened if the name would push the text over its
channel's limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import i18n
from chalicelib.channels.registry import CHANNELS, adapter_for
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.i18n import N_
from chalicelib.lifetimes import BINDING_INVITATION_TTL
from chalicelib.models.binding import BindingTemplateModel
from chalicelib.models.stores import StoreModel

TEXT_LIMITS = {name: spec.text_limit for name, spec in CHANNELS.items()}
BUTTON_TEXT_MAX = 20
PLACEHOLDER = "{customer_name}"
# A new store's texts, in its language (chalicelib/i18n): the store's own template replaces them once saved.
UNKNOWN_NAME = N_("there")  # "Hi there!" when the channel never told us the customer's name
DEFAULT_TEXT = N_("Hi {customer_name}! Become a member of our shop: tap the link to connect this chat "
                  "to your member account. The link is valid for %(lifetime)s.")
DEFAULT_BUTTON_TEXT = N_("Become a member")

# Anything that reads like a placeholder: a customer must never receive "{name}" as written.
_PLACEHOLDER_LIKE = re.compile(r"\{\s*([A-Za-z_][\w .-]*?)\s*\}")


@dataclass(frozen=True)
class Template:
    channel: str
    text: str
    button_text: str | None  # None where the channel shows no link button (the link is in the text)
    is_default: bool = True
    updated_at: datetime | None = None
    language: str = i18n.EN

    def render(self, customer_name: str | None) -> str:
        """The text with ``{customer_name}`` filled in, never longer than the channel takes."""
        name = (customer_name or "").strip() or i18n.translate(self.language, UNKNOWN_NAME)
        count = self.text.count(PLACEHOLDER)
        if count:
            adapter = adapter_for(self.channel)
            room = TEXT_LIMITS[self.channel] - adapter.text_length(self.text.replace(PLACEHOLDER, ""))
            name = adapter.cut(name, room // count)
        return self.text.replace(PLACEHOLDER, name)


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise NotFound(f"unknown channel '{channel}'; channels are {', '.join(CHANNELS)}")
    return channel


def default_text(language: str) -> str:
    return i18n.translate(language, DEFAULT_TEXT, lifetime=i18n.duration_text(BINDING_INVITATION_TTL, language))


def default_template(channel: str, language: str) -> Template:
    button = i18n.translate(language, DEFAULT_BUTTON_TEXT) if CHANNELS[channel].link_buttons else None
    return Template(channel, default_text(language), button, language=language)


def from_item(channel: str, item: BindingTemplateModel | None, language: str) -> Template:
    """The store's saved template, or its language's default (a saved one without a button label gets the default's)."""
    if item is None:
        return default_template(channel, language)
    button = (item.button_text or i18n.translate(language, DEFAULT_BUTTON_TEXT)) if CHANNELS[channel].link_buttons \
        else None
    return Template(channel, item.text, button, is_default=False, updated_at=item.updated_at, language=language)


def check_template(channel: str, body: dict[str, Any]) -> tuple[str, str | None]:
    check_channel(channel)
    text = str(body["text"])
    unknown = sorted({m.group(0) for m in _PLACEHOLDER_LIKE.finditer(text) if m.group(0) != PLACEHOLDER})
    if unknown:
        raise InvalidRequest(f"unknown placeholder {unknown[0]} in 'text'; allowed: {PLACEHOLDER}", field="text")
    limit = TEXT_LIMITS[channel]
    if adapter_for(channel).text_length(text) > limit:
        raise InvalidRequest(f"'text' is longer than {limit} characters, the most {channel} shows", field="text")
    button_text = body.get("button_text")
    if not CHANNELS[channel].link_buttons and button_text is not None:
        raise InvalidRequest(f"{channel} has no button: the link is appended to the text; leave out 'button_text'",
                             field="button_text")
    if button_text and _PLACEHOLDER_LIKE.search(button_text):
        raise InvalidRequest(f"'button_text' takes no placeholders (only 'text' takes {PLACEHOLDER})",
                             field="button_text")
    if button_text is not None and not button_text:
        raise InvalidRequest("'button_text' must not be empty", field="button_text")
    return text, button_text


def put_template(store_id: str, channel: str, body: dict[str, Any], now: datetime) -> Template:
    text, button_text = check_template(channel, body)
    item = BindingTemplateModel(store_id, channel, text=text, button_text=button_text, updated_at=now)
    item.save()
    return from_item(channel, item, _language(store_id))


def get_template(store_id: str, channel: str) -> Template:
    check_channel(channel)
    language = _language(store_id)
    try:
        return from_item(channel, BindingTemplateModel.get(store_id, channel), language)
    except BindingTemplateModel.DoesNotExist:
        return default_template(channel, language)


def _language(store_id: str) -> str:
    try:
        return i18n.store_language(StoreModel.get(store_id))
    except StoreModel.DoesNotExist:
        raise NotFound("store not found") from None


