"""Blacklisting a member: every social account bound to them, now or later, and their shop and order messages.

``PUT /admin/members/{id}/blacklist`` is ONE TransactWrite: the member's ``blacklisted_at``, the entry
``member#<member_id>`` in the store's blacklist (so ``GET /admin/blacklist`` lists both kinds in one
Query), and ``member_blacklisted`` on the conversation of each bound social account: intake's
transaction already has a condition on that conversation item, so a blacklisted member's deliveries
are dropped without one more read per message. The member update is conditional on the number of
bound accounts read before, so a binding that lands meanwhile makes the transaction fail and run
again with the new account included.

A binding made later reads the member first (:func:`binding_state`) and writes ``member_blacklisted``
on the new account's conversation in its own transaction, conditional on the member's blacklisting
being what it read (:func:`binding_condition`): whichever of the two transactions commits second
sees the other's result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.condition import size as size_of

from chalicelib.conversations import conversation_id_for, identity_actions
from chalicelib.errors import InvalidRequest
from chalicelib.members.core import get_member
from chalicelib.models.inbox import BlacklistModel, ConversationModel
from chalicelib.models.members import MemberModel
from chalicelib.models.transactions import NamedTransaction, condition_failed, conflicted

MEMBER_PREFIX = "member#"  # a member's entry in the blacklist table; social keys are "<channel>:<id>"
RETRIES = 3
MAX_ACCOUNTS = 90  # a TransactWrite holds 100 items: the member, the entry and one per account


def entry_key(member_id: str) -> str:
    return f"{MEMBER_PREFIX}{member_id}"


def _accounts_unchanged(count: int) -> Condition:
    size: Condition = size_of(MemberModel.social_accounts) == count  # type: ignore[no-untyped-call]
    if count == 0:
        either: Condition = size | MemberModel.social_accounts.does_not_exist()
        return either
    return size


def _write(store_id: str, member: MemberModel, blacklist: bool, now: datetime) -> None:
    keys = [account.key for account in member.social_accounts or []]
    if len(keys) > MAX_ACCOUNTS:
        raise InvalidRequest(f"a member with more than {MAX_ACCOUNTS} bound accounts cannot be blacklisted at once; "
                             "unbind some first", field="member_id")
    M, C, B = MemberModel, ConversationModel, BlacklistModel
    condition = M.member_id.exists() & _accounts_unchanged(len(keys))
    with NamedTransaction() as tx:
        if blacklist:
            tx.update("member", M(store_id, member.member_id), condition=condition,
                      actions=[M.blacklisted_at.set(M.blacklisted_at | now), M.updated_at.set(now)])
            tx.update("entry", B(store_id, entry_key(member.member_id)),
                      actions=[B.added_at.set(B.added_at | now), B.member_id.set(member.member_id)])
        else:
            tx.update("member", M(store_id, member.member_id), condition=condition,
                      actions=[M.blacklisted_at.remove(), M.updated_at.set(now)])
            tx.delete("entry", B(store_id, entry_key(member.member_id)))
        for index, key in enumerate(keys):
            flag = C.member_blacklisted.set(True) if blacklist else C.member_blacklisted.remove()
            # A bound account may never have written (a staff LINE binding): the item is created bare, as the
            # social blacklist does, so its first delivery finds the flag.
            tx.update(f"conversation_{index}", C(store_id, conversation_id_for(key)),
                      actions=[*identity_actions(store_id, key.split(":", 1)[0], key, now), flag])


def set_blacklisted(store_id: str, member_id: str, blacklisted: bool, now: datetime) -> MemberModel:
    """Blacklist (or lift it from) the member and every account bound to them; idempotent; 404 for no member."""
    for attempt in range(RETRIES):
        member = get_member(store_id, member_id)
        try:
            _write(store_id, member, blacklisted, now)
        except TransactWriteError as exc:
            if attempt + 1 < RETRIES and (conflicted(exc) or condition_failed(exc)):
                time.sleep(0.05 * (attempt + 1))  # a binding landed meanwhile: read the accounts again
                continue
            raise
        # What the transaction wrote: the first date kept (``if_not_exists``), or none once lifted.
        member.blacklisted_at = (member.blacklisted_at or now) if blacklisted else None
        return member
    raise AssertionError("unreachable")


# --- bindings made while (or before) the member is blacklisted ------------------------------------------


@dataclass(frozen=True)
class BindingState:
    """What a binding read of its member: the name for the inbox note, and whether to hold the account back."""

    exists: bool
    name: str | None
    blacklisted: bool


def binding_state(store_id: str, member_id: str) -> BindingState:
    try:
        member = MemberModel.get(store_id, member_id, consistent_read=True)
    except DoesNotExist:
        return BindingState(False, None, False)
    return BindingState(True, member.name, member.blacklisted_at is not None)


def binding_condition(state: BindingState) -> Condition:
    """On the member item in the binding's transaction: it exists, and its blacklisting is as read."""
    M = MemberModel
    blacklisting: Condition = M.blacklisted_at.exists() if state.blacklisted else M.blacklisted_at.does_not_exist()
    both: Condition = M.member_id.exists() & blacklisting
    return both
