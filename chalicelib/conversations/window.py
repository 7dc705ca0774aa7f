"""What the store may still send a customer: the 24-hour reply window, and binding invitations.

Meta (Messenger, Instagram) and WhatsApp only let a business message a customer freely within 24 hours
of the customer's last message. We apply the same rule to LINE, where pushes cost quota and an
unsolicited one reads as spam. This module is the one place that rule lives: inbox replies
(422 ``outside_messaging_window``) and binding invitations (422 ``outside_24h_window``) both ask it,
and the conversation view tells the console the answer and why, so the browser restates no rule.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib import lifetimes
from chalicelib.errors import ApiError
from chalicelib.lifetimes import duration_text
from chalicelib.models.inbox import ConversationModel

MESSAGING_WINDOW = lifetimes.MESSAGING_WINDOW

OUTSIDE_24H_WINDOW = "outside_24h_window"  # a binding invitation's refusal
OUTSIDE_MESSAGING_WINDOW = "outside_messaging_window"  # a reply's or a cart link's refusal
ALREADY_BOUND = "already_bound"
BLACKLISTED = "blacklisted"
NOT_A_SOCIAL_CONVERSATION = "not_a_social_conversation"  # shop and order messages: register the visitor instead

WINDOW_TEXT = f"the customer's last message is more than {duration_text(MESSAGING_WINDOW)} old"
REPLY_CLOSED_TEXT = f"{WINDOW_TEXT}: the channel no longer accepts a free-form reply"
LINK_CLOSED_TEXT = f"{WINDOW_TEXT}: the channel no longer accepts a message"
# Why a binding invitation may not be sent: the 422's message, and what the console shows beside the button.
INVITE_REFUSALS = {
    OUTSIDE_24H_WINDOW: f"{LINK_CLOSED_TEXT}; wait until the customer writes again",
    ALREADY_BOUND: "this customer is already bound to a member",
    BLACKLISTED: "this customer is blacklisted",
    NOT_A_SOCIAL_CONVERSATION: "a shop or order conversation has no social account to bind; "
                               "register the visitor with POST /admin/members instead",
}


class OutsideMessagingWindow(ApiError):
    """A free-form message to a customer whose last message is older than the window."""

    code = OUTSIDE_MESSAGING_WINDOW


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """True while the customer's last inbound message is younger than :data:`MESSAGING_WINDOW`."""
    return last_inbound_at is not None and now - last_inbound_at < MESSAGING_WINDOW


def reply_window_ends_at(conversation: ConversationModel) -> datetime | None:
    """When the customer's last message stops opening the window (None: they never wrote)."""
    return conversation.last_inbound_at + MESSAGING_WINDOW if conversation.last_inbound_at else None


def check_reply_window(conversation: ConversationModel, now: datetime) -> None:
    """:class:`OutsideMessagingWindow` unless a free-form reply may still be sent."""
    if reply_blocked_reason(conversation, now) is not None:
        raise OutsideMessagingWindow(REPLY_CLOSED_TEXT)


def reply_blocked_reason(conversation: ConversationModel, now: datetime) -> str | None:
    """Why the merchant may not reply now, or None (shop and order conversations are answered by e-mail)."""
    if conversation.social_user_key is None:
        return None
    return None if window_open(conversation.last_inbound_at, now) else OUTSIDE_MESSAGING_WINDOW


def cart_link_blocked_reason(conversation: ConversationModel, now: datetime) -> str | None:
    """Why a cart link may not be sent into this conversation, or None when it may."""
    if conversation.social_user_key is None:
        return NOT_A_SOCIAL_CONVERSATION
    if conversation.held_back:
        return BLACKLISTED
    return None if window_open(conversation.last_inbound_at, now) else OUTSIDE_MESSAGING_WINDOW


def invite_blocked_reason(conversation: ConversationModel, now: datetime) -> str | None:
    """Why a binding invitation may not be sent to this conversation, or None when it may."""
    if conversation.social_user_key is None:
        return NOT_A_SOCIAL_CONVERSATION
    if conversation.held_back:
        return BLACKLISTED
    if conversation.member_id:
        return ALREADY_BOUND
    if not window_open(conversation.last_inbound_at, now):
        return OUTSIDE_24H_WINDOW
    return None


