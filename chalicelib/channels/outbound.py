"""What we send through a channel, whatever the platform: a text with at most one link button.

Each adapter (``channels/line.py``, ``meta.py``, ``whatsapp.py``) turns an :class:`OutboundMessage`
into its platform's request body; :mod:`chalicelib.channels.transport` sends it. A refusal becomes
502 ``channel_error`` carrying the platform's own message.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.errors import ApiError


@dataclass(frozen=True)
class LinkButton:
    """A button that opens a web page (Meta ``web_url`` button, LINE ``uri`` action)."""

    title: str
    url: str


@dataclass(frozen=True)
class OutboundMessage:
    """What we send: text, optionally with one link button (WhatsApp gets the link appended)."""

    text: str
    button: LinkButton | None = None


@dataclass(frozen=True)
class Sent:
    provider_message_id: str | None
    private_reply_to: str | None = None  # the comment answered, when it went as a private reply


class ChannelError(ApiError):
    """The channel's platform could not be reached, refused the call, or is not configured."""

    code = "channel_error"
    maybe_delivered = False  # a send whose answer timed out: it may have arrived (never sent again)

    @property
    def retryable(self) -> bool:
        """Worth trying again later: unreachable, 429 or 5xx, and certainly not delivered."""
        status = self.extra.get("platform_status")
        return not self.maybe_delivered and (status is None or status == 429 or int(status) >= 500)
