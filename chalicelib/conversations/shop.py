"""Shop and order conversations (the storefront's own kinds) and what the customer writes into them.

Ids are derived (``conversations/keys.py``), so a message finds its conversation without a look-up: a
member's one shop conversation from the member id, a visitor's from the lower-cased e-mail, an order's
from the order id. They live in the inbox's conversation table beside the social ones (``channel``
``shop`` | ``order``, no social user) and carry the customer (member id, e-mail, name, visitor) and the
order id, with two sparse indexes: ``by_email`` and ``by_order``.

A customer message is ONE named TransactWrite: the message, the conversation (created on the first
message; counters, last message, unread + 1) and the store's unread total, plus, for an e-mail, the
delivery item keyed by its Message-ID (a second copy cancels the whole transaction: stored once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib import tokens
from chalicelib.clock import sortable
from chalicelib.conversations import records, unread
from chalicelib.conversations.keys import (
    INBOUND,
    OUTBOUND,
    conversation_key,
    delivery_is_new,
    delivery_item,
    is_shop_kind,
    last_message,
)
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.models.binding import OrderModel
from chalicelib.models.inbox import ConversationModel, MessageModel
from chalicelib.models.members import MemberModel
from chalicelib.models.transactions import NamedGet, NamedTransaction
from chalicelib.pagination import Shape, decode_cursor, encode_cursor

TEXT_LIMIT = 5000
FULL_TEXT_LIMIT = 20_000  # an e-mail's whole text with its quoted history: bounded, the item stays small


@dataclass(frozen=True)
class Customer:
    member_id: str | None
    email: str | None  # lower-cased
    name: str | None
    blacklisted: bool = False  # a blacklisted member: the storefront is answered, the inbox never sees it

    @property
    def visitor(self) -> bool:
        return self.member_id is None


def member_customer(store_id: str, member_id: str) -> Customer:
    """The member as a conversation's customer; 404 for an unknown (or another store's) member."""
    try:
        member = MemberModel.get(store_id, member_id)
    except DoesNotExist:
        raise NotFound(f"member {member_id} not found") from None
    return Customer(member.member_id, member.email.lower() if member.email else None, member.name,
                    member.blacklisted_at is not None)


def members_order(store_id: str, order_id: str, member_id: str) -> OrderModel:
    """The order when it is this member's; 404 otherwise (the same answer for another member's order)."""
    try:
        order = OrderModel.get(store_id, order_id)
    except DoesNotExist:
        order = None
    if order is None or order.member_id != member_id:
        raise NotFound(f"order {order_id} not found for member {member_id}")
    return order


def order_customer(store_id: str, order_id: str, member_id: str) -> Customer:
    """The member as the customer of their order's conversation: order and member in one read; 404 unless
    the order is this member's (the same answer whether the order exists or not)."""
    read = NamedGet()
    with read:
        read.get("order", OrderModel, store_id, order_id)
        read.get("member", MemberModel, store_id, member_id)
    order, member = read.found("order", OrderModel), read.found("member", MemberModel)
    if order is None or member is None or order.member_id != member_id:
        raise NotFound(f"order {order_id} not found for member {member_id}")
    return Customer(member.member_id, member.email.lower() if member.email else None, member.name,
                    member.blacklisted_at is not None)


# --- writing ---------------------------------------------------------------------------------------

def _customer_actions(store_id: str, customer: Customer) -> list[Action]:
    Conv = ConversationModel
    actions: list[Action] = []
    if customer.member_id:
        actions += [Conv.member_id.set(customer.member_id), Conv.visitor.set(False)]
    else:
        actions.append(Conv.visitor.set(Conv.visitor | True))  # a registered visitor stays registered
    if customer.email:
        actions += [Conv.customer_email.set(customer.email), Conv.store_email.set(f"{store_id}#{customer.email}")]
    if customer.name and customer.member_id:
        actions.append(Conv.customer_name.set(customer.name[:120]))  # the member record's name
    elif customer.name:
        # A guest names only a conversation that has no name yet: anyone can claim any e-mail address, so a
        # second guest (or one writing as a member's address) never renames it; the message keeps the claim.
        actions.append(Conv.customer_name.set(Conv.customer_name | customer.name[:120]))
    return actions


def record_customer_message(store_id: str, conversation_id: str, *, channel: str, text: str,
                            attachments: list[dict[str, str]], now: datetime, customer: Customer | None = None,
                            order_id: str | None = None, rfc_message_id: str | None = None,
                            delivery_key: str | None = None, full_text: str | None = None,
                            sender_verdict: dict[str, str] | None = None) -> MessageModel | None:
    """Append the customer's message; None when ``delivery_key`` was already stored (the same e-mail again).

    Without ``customer`` (an e-mailed reply) the conversation must already exist. ``full_text``: an e-mail's
    whole text when its quoted history was cut from ``text``.
    """
    message = MessageModel(
        conversation_key(store_id, conversation_id), f"{sortable(now)}#{tokens.new_id('in')}",
        message_id=tokens.new_id("msg"), direction=INBOUND, kind="email" if delivery_key else "message",
        text=text, attachments=attachments, rfc_message_id=rfc_message_id,
        claimed_name=customer.name[:120] if customer is not None and customer.visitor and customer.name else None,
        sender_verdict=sender_verdict or None, full_text=full_text, at=now, received_at=now)
    Conv = ConversationModel
    shown = text or (f"[{len(attachments)} image(s)]" if attachments else "")
    actions: list[Action] = [
        Conv.channel.set(channel), Conv.store_channel.set(f"{store_id}#{channel}"),
        Conv.created_at.set(Conv.created_at | now),
        Conv.last_message.set(last_message(shown, now, INBOUND)),
        Conv.last_message_at.set(now), Conv.last_message_key.set(f"{sortable(now)}#{conversation_id}"),
        Conv.last_inbound_at.set(now), Conv.unread_count.add(1), Conv.unread_store.set(store_id),
    ]
    if customer is not None:
        actions += _customer_actions(store_id, customer)
    if order_id:
        actions += [Conv.order_id.set(order_id), Conv.store_order.set(f"{store_id}#{order_id}")]
    tx = NamedTransaction()
    try:
        with tx:
            if delivery_key:
                tx.save("delivery", delivery_item(store_id, delivery_key, conversation_id, now),
                        condition=delivery_is_new(now))
            tx.save("message", message)
            tx.update("conversation", ConversationModel(store_id, conversation_id), actions=actions,
                      condition=Conv.conversation_id.exists() if customer is None else None)
            unread.add_to_total(tx, store_id, 1)
    except TransactWriteError as exc:
        if delivery_key and tx.failed(exc, "delivery"):
            return None
        if tx.failed(exc, "conversation"):
            raise NotFound("conversation not found") from None
        raise
    return message


# --- the storefront's view ---------------------------------------------------------------------------

def storefront_thread(store_id: str, conversation_id: str, limit: int, cursor: str | None,
                      shape: Shape) -> dict[str, Any]:
    """Oldest first; merchant notes are never read out (filtered in the Query, before they leave DynamoDB)."""
    key = conversation_key(store_id, conversation_id)
    start = decode_cursor(cursor, key, partition="conversation_key")
    results = MessageModel.query(key, scan_index_forward=True, limit=limit, last_evaluated_key=start,
                                 filter_condition=MessageModel.direction.is_in(INBOUND, OUTBOUND))
    items = [shape(message) for message in results]
    return {"items": items, "next_cursor": encode_cursor(results.last_evaluated_key)}


# --- registering a visitor ------------------------------------------------------------------------

def visitor_email(store_id: str, conversation_id: str) -> str | None:
    """The e-mail of the shop conversation a visitor is registered from (400 for a social conversation)."""
    conversation = records.get_conversation(store_id, conversation_id)
    if not is_shop_kind(conversation.channel):
        raise InvalidRequest("only a shop or order conversation is attached this way; a social account is "
                             "bound with a binding invitation", field="conversation_id")
    return conversation.customer_email


def attach_to_member(store_id: str, member_id: str, email: str | None, conversation_id: str | None,
                     now: datetime) -> list[str]:
    """The conversation, and every visitor shop conversation with ``email``, now show the member."""
    targets: list[str] = [conversation_id] if conversation_id else []
    if email:
        for conversation in ConversationModel.by_email.query(f"{store_id}#{email.lower()}"):
            if conversation.member_id is None and conversation.conversation_id not in targets:
                targets.append(conversation.conversation_id)
    Conv = ConversationModel
    attached = []
    for target in targets:
        try:
            # A visitor conversation only: one already attached to another member stays theirs.
            ConversationModel(store_id, target).update(
                actions=[Conv.member_id.set(member_id), Conv.visitor.set(False)],
                condition=Conv.conversation_id.exists() & (Conv.member_id.does_not_exist()
                                                           | (Conv.member_id == member_id)))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            continue
        attached.append(target)
    return attached
