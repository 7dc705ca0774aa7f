"""What each channel is, in one place: its configuration, its limits and what it can do.

Every other module asks :func:`spec_for` instead of comparing channel names, so a new channel (or a
platform's changed limit) is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.errors import NotFound


@dataclass(frozen=True)
class ChannelSpec:
    account_field: str | None  # the platform's id of the store's account on that channel (None: LINE)
    secret_fields: tuple[str, ...]
    meta: bool  # a Meta platform: signed with the app secret, subscribed with the verify-token handshake
    text_limit: int  # the most characters a link message's text may have (button template or plain text)
    link_buttons: bool  # shows a link as a button; without, the link is appended to the text
    private_replies: bool  # a comment is answered in private with a reply to the comment id (Meta, 7 days)
    comment_reply_limit: int | None = None  # the most characters of an auto-reply to a comment (None: no comments)


_META_SECRETS = ("app_secret", "verify_token", "access_token")

CHANNELS: dict[str, ChannelSpec] = {
    "facebook": ChannelSpec("page_id", _META_SECRETS, meta=True, text_limit=640, link_buttons=True,
                            private_replies=True, comment_reply_limit=2000),
    "instagram": ChannelSpec("ig_user_id", _META_SECRETS, meta=True, text_limit=640, link_buttons=True,
                             private_replies=True, comment_reply_limit=1000),
    "whatsapp": ChannelSpec("phone_number_id", _META_SECRETS, meta=True, text_limit=1024, link_buttons=False,
                            private_replies=False),
    "line": ChannelSpec(None, ("channel_secret", "channel_access_token"), meta=False, text_limit=5000,
                        link_buttons=True, private_replies=False),
}


def spec_for(channel: str) -> ChannelSpec:
    """The channel's facts; 404 naming the channels for an unknown one."""
    try:
        return CHANNELS[channel]
    except KeyError:
        raise NotFound(f"unknown channel '{channel}'; channels are {', '.join(CHANNELS)}") from None
