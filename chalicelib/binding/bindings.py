"""Binding a social account to a member: redemption of an invitation, the storefront's preview, unbinding.

A redemption is ONE ``TransactWrite``, written without reading anything first (the token's claims
name the social user, see :mod:`chalicelib.binding.links`):

0. the token: ``used_at`` set, condition exists & invitation & unused & ``expires_at > now``;
1. the identity ``social#<key>`` -> member, condition ``attribute_not_exists`` (one member per account);
2. the member: the account appended to ``social_accounts``, condition the member exists;
3. the conversation: ``member_id`` set (the inbox shows the member);
4. a merchant-only note on the conversation.

DynamoDB runs the conditions of concurrent transactions on one item one after the other, so of any
number of concurrent redemptions exactly one is accepted; the others read ``token_used`` from the
token they failed on (``ReturnValuesOnConditionCheckFailure=ALL_OLD``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib import clock, conversations
from chalicelib.binding import links
from chalicelib.errors import ApiError, Conflict, NotFound
from chalicelib.logs import logger
from chalicelib.members import add_social_account, find_identity, get_member, social_identity, social_identity_item
from chalicelib.members import blacklist as member_blacklist
from chalicelib.models.binding import BindingTokenModel
from chalicelib.models.inbox import ConversationModel
from chalicelib.models.members import MemberIdentityModel, MemberModel
from chalicelib.models.transactions import NamedTransaction, conflicted

CONFLICT_RETRIES = 3  # DynamoDB cancels a transaction that races another on one item: try again


def bound_to_other_member() -> ApiError:
    return Conflict("this social account is bound to another member", code="social_account_bound_to_other_member")


@dataclass(frozen=True)
class Binding:
    member_id: str
    social_user_key: str
    already_bound: bool = False  # the account was this member's before: nothing changed


def binding_writes(tx: NamedTransaction, store_id: str, member_id: str, social_user_key: str, name: str | None,
                   now: datetime, note: str, member: member_blacklist.BindingState) -> None:
    """The binding's items ``identity``, ``member``, ``conversation``, ``note`` (see the module docstring).

    ``member`` is what the caller read of the member: the account is held back when the member is
    blacklisted, and the member's condition fails if that changed meanwhile (the caller reads again).
    """
    tx.save("identity", social_identity_item(store_id, member_id, social_user_key, now),
            condition=MemberIdentityModel.identity.does_not_exist())
    tx.update("member", MemberModel(store_id, member_id), actions=add_social_account(social_user_key, name, now),
              condition=member_blacklist.binding_condition(member))
    conversation_id = conversations.conversation_id_for(social_user_key)
    C = ConversationModel
    held_back = C.member_blacklisted.set(True) if member.blacklisted else C.member_blacklisted.remove()
    tx.update("conversation", C(store_id, conversation_id), actions=[C.member_id.set(member_id), held_back],
              condition=C.conversation_id.exists())
    tx.save("note", conversations.note_item(store_id, conversation_id, note, now))


def member_note(member: member_blacklist.BindingState, member_id: str, how: str) -> str:
    """The inbox note of a binding: the member by name (the id only when the member has none)."""
    return f"bound to member {member.name or member_id} ({how})"


def old_token(tx: NamedTransaction, error: TransactWriteError) -> BindingTokenModel | None:
    reason = tx.reason(error, "token")
    if reason is None or not reason.raw_item:
        return None
    return BindingTokenModel.from_raw_data(reason.raw_item)


def _use_token(tx: NamedTransaction, store_id: str, token: links.LinkToken, member_id: str, now: datetime) -> None:
    T = BindingTokenModel
    actions: list[Action] = [T.used_at.set(now), T.member_id.set(member_id)]
    tx.update("token", T(store_id, token.token_hash), actions=actions,
              condition=links.usable(links.INVITATION, now) & T.used_at.does_not_exist(), return_old_on_failure=True)


def redeem(store_id: str, value: str, member_id: str, now: datetime) -> Binding:
    """Bind the invited social account to ``member_id``; the token is used once (see the module docstring)."""
    token = links.parse_link_token(value)
    for attempt in range(CONFLICT_RETRIES):
        member = member_blacklist.binding_state(store_id, member_id)
        tx = NamedTransaction()
        try:
            with tx:
                _use_token(tx, store_id, token, member_id, now)
                binding_writes(tx, store_id, member_id, token.social_user_key, token.social_user_name, now,
                               member_note(member, member_id, "binding invitation"), member)
        except TransactWriteError as exc:
            # Token first: a holder of a bad link learns nothing about members or bindings.
            if tx.failed(exc, "token"):
                raise links.refusal(old_token(tx, exc), links.INVITATION, now) from None
            if tx.failed(exc, "member"):
                if member.exists and attempt + 1 < CONFLICT_RETRIES:
                    continue  # blacklisted or lifted meanwhile: read the member again
                raise NotFound(f"member {member_id} not found") from None
            if tx.failed(exc, "identity"):
                return _already_bound(store_id, token, member_id, now)
            if tx.failed(exc, "conversation"):
                raise links.invalid_token() from None  # the conversation is gone
            if conflicted(exc) and attempt + 1 < CONFLICT_RETRIES:
                time.sleep(0.05 * (attempt + 1))
                continue
            raise
        logger.info("social account bound", extra={"channel": token.channel, "via": "invitation"})
        return Binding(member_id, token.social_user_key)
    raise AssertionError("unreachable")


def _already_bound(store_id: str, token: links.LinkToken, member_id: str, now: datetime) -> Binding:
    """The account has a member: 409 if another one; if this one, the token is used and nothing else changes."""
    holder = find_identity(store_id, social_identity(token.social_user_key))
    if holder is None or holder.member_id != member_id:
        raise bound_to_other_member()
    tx = NamedTransaction()
    try:
        with tx:
            _use_token(tx, store_id, token, member_id, now)
    except TransactWriteError as exc:
        if tx.failed(exc, "token"):
            raise links.refusal(old_token(tx, exc), links.INVITATION, now) from None
        raise
    return Binding(member_id, token.social_user_key, already_bound=True)


def preview(store_id: str, value: str, now: datetime) -> dict[str, Any]:
    """Who a binding link is for, so the storefront can show it before asking to sign in (404/409/410)."""
    token = links.parse_link_token(value)
    try:
        item: BindingTokenModel | None = BindingTokenModel.get(store_id, token.token_hash, consistent_read=True)
    except DoesNotExist:
        item = None
    if item is None or item.purpose != links.INVITATION or item.used_at is not None or item.expires_at <= now:
        raise links.refusal(item, links.INVITATION, now)
    return {"channel": item.channel, "social_user": {"key": item.social_user_key, "name": item.social_user_name},
            "expires_at": clock.isoformat(item.expires_at)}


def unbind(store_id: str, member_id: str, social_user_key: str, now: datetime) -> None:
    """Remove one social account from a member: identity, profile list and conversation together."""
    member = get_member(store_id, member_id)
    keys = [account.key for account in member.social_accounts or []]
    if social_user_key not in keys:
        raise NotFound(f"{social_user_key} is not bound to member {member_id}")
    index = keys.index(social_user_key)
    conversation_id = conversations.conversation_id_for(social_user_key)
    M, C, Ident = MemberModel, ConversationModel, MemberIdentityModel
    tx = NamedTransaction()
    try:
        with tx:
            tx.update("member", M(store_id, member_id),
                      actions=[M.social_accounts[index].remove(), M.updated_at.set(now)],
                      condition=M.social_accounts[index]["key"] == social_user_key)
            tx.delete("identity", Ident(store_id, social_identity(social_user_key)),
                      condition=Ident.member_id == member_id)
            # No longer the member's: the member's blacklisting stops holding it back (its own entry stays).
            tx.update("conversation", C(store_id, conversation_id),
                      actions=[C.member_id.remove(), C.member_blacklisted.remove()],
                      condition=C.member_id == member_id)
            tx.save("note", conversations.note_item(store_id, conversation_id, f"unbound from member {member.name}",
                                                    now))
    except TransactWriteError as exc:
        if tx.failed(exc, "member"):
            raise Conflict("the member's social accounts changed meanwhile; try again") from None
        raise
    logger.info("social account unbound", extra={"channel": social_user_key.split(":", 1)[0]})
