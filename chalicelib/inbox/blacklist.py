"""The blacklist: social users whose events are acknowledged and dropped, and who get no invitations.

The list itself is one item per social user key. The same transaction sets ``blacklisted`` on the
user's conversation item (creating a bare one if they never wrote): intake checks that flag in the
condition of the transaction it writes anyway, so the blacklist costs no extra read per message.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from pynamodb.exceptions import TransactWriteError

from chalicelib.channels.registry import CHANNELS
from chalicelib.conversations import conversation_id_for, identity_actions
from chalicelib.errors import InvalidRequest
from chalicelib.models.inbox import BlacklistModel, ConversationModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.pagination import Shape, page

_USER_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


def parse_social_user_key(raw: str) -> str:
    """``<channel>:<channel user id>``, as the path gives it (``:`` possibly percent-encoded)."""
    key = unquote(raw).strip()
    channel, _, user_id = key.partition(":")
    if channel not in CHANNELS or not _USER_ID.match(user_id):
        raise InvalidRequest("the social user key must be '<channel>:<channel user id>' with channel one of "
                             f"{', '.join(CHANNELS)}", field="social_user_key")
    return f"{channel}:{user_id}"


def add(store_id: str, social_user_key: str, now: datetime) -> BlacklistModel:
    """Idempotent: blacklisting twice keeps the first date."""
    channel = social_user_key.split(":", 1)[0]
    entry = BlacklistModel(store_id, social_user_key, added_at=now)
    with NamedTransaction() as tx:
        tx.update("entry", entry, actions=[BlacklistModel.added_at.set(BlacklistModel.added_at | now)])
        tx.update("conversation", ConversationModel(store_id, conversation_id_for(social_user_key)),
                  actions=[*identity_actions(store_id, channel, social_user_key, now),
                           ConversationModel.blacklisted.set(True)])
    return BlacklistModel.get(store_id, social_user_key)


def remove(store_id: str, social_user_key: str) -> None:
    """Idempotent: removing a user who is not on the list changes nothing."""
    tx = NamedTransaction()
    try:
        with tx:
            tx.delete("entry", BlacklistModel(store_id, social_user_key),
                      condition=BlacklistModel.social_user_key.exists())
            tx.update("conversation", ConversationModel(store_id, conversation_id_for(social_user_key)),
                      actions=[ConversationModel.blacklisted.set(False)],
                      condition=ConversationModel.conversation_id.exists())
    except TransactWriteError as exc:
        if tx.refused(exc):  # not on the list, or no such conversation
            return
        raise


def list_entries(store_id: str, limit: int, cursor: str | None, shape: Shape) -> dict[str, Any]:
    return page(BlacklistModel.query, store_id, limit, cursor, shape)


