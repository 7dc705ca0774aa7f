"""The unified inbox: conversations from every channel, replies, notes, the blacklist and auto-replies.

Modules: ``intake`` (webhook deliveries in), ``conversations`` (what is stored and shown),
``eligibility`` (the 24-hour window and who may be invited), ``blacklist``, ``autoreply``.
"""

from chalicelib.inbox.conversations import add_note, conversation_id_for, get_conversation
from chalicelib.inbox.eligibility import MESSAGING_WINDOW, invite_blocked_reason, window_open

__all__ = ["MESSAGING_WINDOW", "add_note", "conversation_id_for", "get_conversation", "invite_blocked_reason",
           "window_open"]
