"""What a channel is configured with and what it can do: one :class:`ChannelSpec` per adapter.

Every rule that differs by channel reads a spec (through :func:`chalicelib.channels.registry.spec_for`)
instead of comparing channel names, so a platform's changed limit is one line in its adapter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """How often the platform lets us make one kind of call (per page, account or channel), and who says so."""

    calls: float
    per_seconds: float
    source: str

    @property
    def per_second(self) -> float:
        return self.calls / self.per_seconds


@dataclass(frozen=True)
class ChannelSpec:
    account_field: str | None  # the platform's id of the store's account on that channel (None: LINE)
    secret_fields: tuple[str, ...]
    meta: bool  # a Meta platform: signed with the app secret, subscribed with the verify-token handshake
    text_limit: int  # the most a link message's text may have (button template or plain text), as counted there
    link_buttons: bool  # shows a link as a button; without, the link is appended to the text
    private_replies: bool  # a comment is answered in private with a reply to the comment id (Meta, 7 days)
    comment_reply_limit: int | None = None  # the most characters of an auto-reply to a comment (None: no comments)
