"""What the store may still send a customer: the 24-hour messaging window, and binding invitations.

Meta (Messenger, Instagram) and WhatsApp only let a business message a customer freely within 24 hours
of the customer's last message. We apply the same rule to LINE, where pushes cost quota and an
unsolicited one reads as spam. This module is the one place that rule lives: inbox replies
(422 ``outside_messaging_window``) and binding invitations (422 ``outside_24h_window``) both ask it.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib import lifetimes
from chalicelib.errors import ApiError
from chalicelib.models.inbox import ConversationModel

MESSAGING_WINDOW = lifetimes.MESSAGING_WINDOW

OUTSIDE_24H_WINDOW = "outside_24h_window"
ALREADY_BOUND = "already_bound"
BLACKLISTED = "blacklisted"
NOT_A_SOCIAL_CONVERSATION = "not_a_social_conversation"  # shop and order messages: register the visitor instead


class OutsideMessagingWindow(ApiError):
    """A free-form message to a customer whose last message is older than the window."""

    code = "outside_messaging_window"


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """True while the customer's last inbound message is younger than :data:`MESSAGING_WINDOW`."""
    return last_inbound_at is not None and now - last_inbound_at < MESSAGING_WINDOW


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


