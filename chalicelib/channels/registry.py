"""Every channel memberlink speaks, in one table: the console reads it as data (``GET /channels``),
the code through :func:`adapter_for`. Adding a platform is one adapter module and one line here.
"""

from __future__ import annotations

from chalicelib.channels.adapter import ChannelAdapter
from chalicelib.channels.instagram import InstagramAdapter
from chalicelib.channels.line import LineAdapter
from chalicelib.channels.messenger import MessengerAdapter
from chalicelib.channels.spec import ChannelSpec
from chalicelib.channels.whatsapp import WhatsAppAdapter
from chalicelib.errors import NotFound

# This order is the console's and every message's that lists the channels.
ADAPTERS: dict[str, ChannelAdapter] = {adapter.name: adapter for adapter in (
    MessengerAdapter(), InstagramAdapter(), WhatsAppAdapter(), LineAdapter())}
CHANNELS: dict[str, ChannelSpec] = {name: adapter.spec for name, adapter in ADAPTERS.items()}
# The channels whose comments can be answered automatically (and their order in messages).
COMMENT_CHANNELS = tuple(name for name, spec in CHANNELS.items() if spec.comment_reply_limit)


def adapter_for(channel: str) -> ChannelAdapter:
    """The channel's adapter; 404 naming the channels for an unknown one."""
    try:
        return ADAPTERS[channel]
    except KeyError:
        raise NotFound(f"unknown channel '{channel}'; channels are {', '.join(ADAPTERS)}") from None


def spec_for(channel: str) -> ChannelSpec:
    """The channel's facts; 404 naming the channels for an unknown one."""
    return adapter_for(channel).spec


def is_channel(name: str | None) -> bool:
    """Whether ``name`` is one of the messaging platforms (not a shop or order conversation)."""
    return name in ADAPTERS
