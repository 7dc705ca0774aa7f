"""The blacklist: social users whose events are acknowledged and dropped, and who get no invitations.

The list itself is one item per social user key. The same transaction sets ``blacklisted`` on the
user's conversation item (creating a bare one if they never wrote): intake checks that flag in the
condition of the transaction it writes anyway, so the blacklist costs no extra read per message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from pynamodb.exceptions import TransactWriteError

from chalicelib.channels.registry import CHANNELS
from chalicelib.conversations import conversation_id_for, identity_actions
from chalicelib.errors import InvalidRequest
from chalicelib.models.inbox import BlacklistModel, ConversationModel
from chalicelib.models.members import MemberModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.pagination import decode_cursor, encode_cursor

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


def list_entries(store_id: str, limit: int, cursor: str | None,
                 shape: Callable[[BlacklistModel, str | None], dict[str, Any]]) -> dict[str, Any]:
    """Both kinds (social accounts and members, ``members/blacklist.py``), each with its current name:
    one Query and one BatchGetItem per kind for the names."""
    results = BlacklistModel.query(store_id, limit=limit, last_evaluated_key=decode_cursor(cursor, store_id))
    entries = list(results)
    member_ids = [entry.member_id for entry in entries if entry.member_id]
    keys = [entry.social_user_key for entry in entries if not entry.member_id]
    names: dict[str, str | None] = {}
    if member_ids:
        names.update({member.member_id: member.name
                      for member in MemberModel.batch_get([(store_id, member_id) for member_id in member_ids])})
    if keys:
        names.update({str(conversation.social_user_key): conversation.social_user_name
                      for conversation in ConversationModel.batch_get(
                          [(store_id, conversation_id_for(key)) for key in keys])})
    return {"items": [shape(entry, names.get(entry.member_id or entry.social_user_key)) for entry in entries],
            "next_cursor": encode_cursor(results.last_evaluated_key)}


