"""Assigning a conversation to a person of the console (or to nobody), and the inbox's "mine" / "unassigned"."""

from __future__ import annotations

from pynamodb.expressions.update import Action

from chalicelib.errors import NotFound
from chalicelib.models.inbox import ConversationModel
from chalicelib.team import people

MINE, UNASSIGNED = "mine", "unassigned"


def assign(store_id: str, conversation_id: str, user_id: str | None) -> ConversationModel:
    """Set (or clear, with None) who answers the conversation; 404 for an unknown conversation or person."""
    Conv = ConversationModel
    actions: list[Action]
    if user_id is None:
        actions = [Conv.assignee_user_id.remove(), Conv.assignee_name.remove()]
    else:
        user = people.get_user(store_id, user_id)
        actions = [Conv.assignee_user_id.set(user.user_id), Conv.assignee_name.set(user.name)]
    if not conversation_id.startswith("cv_") or len(conversation_id) > 64:
        raise NotFound("conversation not found")
    conversation = Conv(store_id, conversation_id)
    conversation.update_existing(actions, "conversation not found")
    return conversation
