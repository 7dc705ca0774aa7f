"""Conversations of every kind and their messages: what is written, what the merchant reads, unread counts, notes.

Every inbound message is ONE TransactWrite: the delivery item (``attribute_not_exists`` on the
provider's message id: a redelivery cancels the whole transaction), the message, the conversation
(counters, last message; condition: not blacklisted) and one shard of the store's unread total
(``conversations/unread.py``: no item of the store takes every message). Nothing is ever half-written, and
the same delivery repeated is stored once. A transaction cancelled for contention is sent again by
the connection (``models/transactions.py``); its conditions keep the retry from storing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex

from chalicelib import access, audit, clock, tokens
from chalicelib.channels.events import InboundEvent
from chalicelib.clock import sortable
from chalicelib.conversations import unread as unread_total
from chalicelib.conversations.keys import (
    INBOUND,
    NOTE,
    OUTBOUND,
    conversation_id_for,
    conversation_key,
    delivery_is_new,
    delivery_item,
    is_order,
    last_message,
    not_blacklisted,
)
from chalicelib.errors import Conflict, NotFound
from chalicelib.models.binding import OrderModel
from chalicelib.models.inbox import ConversationModel, DeliveryModel, MessageModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.pagination import Shape, decode_cursor, encode_cursor


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    BLACKLISTED = "blacklisted"


def _conversation_ref(store_id: str, conversation_id: str) -> ConversationModel:
    return ConversationModel(store_id, conversation_id)


# --- intake ---------------------------------------------------------------------------------------

def record_inbound(store_id: str, event: InboundEvent, user_name: str | None, now: datetime,
                   position: int = 0) -> Outcome:
    """Store one customer event, once; the conversation is created on the customer's first message.

    ``position`` (the event's place in its delivery) keeps a batch's order when timestamps are equal.
    """
    conversation_id = conversation_id_for(event.social_user_key)
    message = MessageModel(
        conversation_key(store_id, conversation_id), f"{sortable(event.at)}#{position:04d}#{event.provider_id}",
        message_id=tokens.new_id("msg"), direction=INBOUND, kind=event.kind, text=event.text,
        attachments=[dict(a) for a in event.attachments], provider_message_id=event.provider_id,
        comment_id=event.comment_id, post_id=event.post_id, at=event.at, received_at=now)
    Conv = ConversationModel
    actions = [
        *identity_actions(store_id, event.channel, event.social_user_key, now),
        # Conversation order and the 24-hour window run on our clock (receipt time), not the sender's.
        Conv.last_message.set(last_message(event.display_text, now, INBOUND)),
        Conv.last_message_at.set(now),
        Conv.last_message_key.set(f"{sortable(now)}#{conversation_id}"),
        Conv.unread_count.add(1),
        Conv.unread_store.set(store_id),
    ]
    if event.account_id:
        actions.append(Conv.account_id.set(event.account_id))
    if user_name:
        actions.append(Conv.social_user_name.set(user_name))
    if event.kind != "unfollow":
        actions.append(Conv.last_inbound_at.set(now))
        actions.append(Conv.last_comment_id.set(event.comment_id) if event.comment_id
                       else Conv.last_comment_id.remove())
    tx = NamedTransaction()
    try:
        with tx:
            tx.save("delivery", _delivery(store_id, event.channel, event.provider_id, conversation_id, now),
                    condition=delivery_is_new(now))
            tx.save("message", message)
            tx.update("conversation", _conversation_ref(store_id, conversation_id), actions=actions,
                      condition=not_blacklisted())
            unread_total.add_to_total(tx, store_id, 1)
    except TransactWriteError as exc:
        if tx.failed(exc, "delivery"):
            return Outcome.DUPLICATE
        if tx.failed(exc, "conversation"):
            return Outcome.BLACKLISTED
        raise
    return Outcome.STORED


@dataclass(frozen=True)
class OutboundWrite:
    """The items one outbound message writes, for a caller that adds them to its own transaction."""

    delivery: DeliveryModel | None  # the provider id, so the Meta echo of this message is not stored twice
    message: MessageModel
    actions: list[Action]  # on the conversation
    condition: Condition  # on the conversation

    def add_to(self, tx: NamedTransaction, store_id: str, conversation_id: str, *, with_message: bool = True) -> None:
        """Adds the items named ``delivery`` (when there is a provider id), ``message`` and ``conversation``."""
        if with_message:
            if self.delivery is not None:
                tx.save("delivery", self.delivery, condition=delivery_is_new(self.message.received_at))
            tx.save("message", self.message)
        tx.update("conversation", _conversation_ref(store_id, conversation_id), actions=self.actions,
                  condition=self.condition)


def outbound_write(store_id: str, conversation_id: str, *, channel: str, kind: str, text: str | None,
                   provider_message_id: str | None, at: datetime, now: datetime,
                   comment_id: str | None = None, auto_reply_rule_id: str | None = None,
                   attachments: list[dict[str, str]] | None = None, clears_comment: bool = False,
                   only_if_not_blacklisted: bool = False) -> OutboundWrite:
    """What storing a message the shop sent writes (see :func:`record_outbound`), not yet written."""
    message = MessageModel(
        conversation_key(store_id, conversation_id), f"{sortable(at)}#{provider_message_id or tokens.new_id('out')}",
        message_id=tokens.new_id("msg"), direction=OUTBOUND, kind=kind, text=text, attachments=attachments or [],
        provider_message_id=provider_message_id, comment_id=comment_id, auto_reply_rule_id=auto_reply_rule_id,
        at=at, received_at=now, sent_by=sent_by())
    Conv = ConversationModel
    shown = text or (f"[{attachments[0].get('type')}]" if attachments else None)
    actions: list[Action] = [Conv.last_message.set(last_message(shown, now, OUTBOUND)),
                             Conv.last_message_at.set(now),
                             Conv.last_message_key.set(f"{sortable(now)}#{conversation_id}")]
    if clears_comment:
        actions.append(Conv.last_comment_id.remove())  # a private reply may be sent once per comment
    condition = Conv.conversation_id.exists()
    if only_if_not_blacklisted:
        condition = condition & not_blacklisted()
    delivery = _delivery(store_id, channel, provider_message_id, conversation_id, now) if provider_message_id else None
    return OutboundWrite(delivery, message, actions, condition)


def record_outbound(store_id: str, conversation_id: str, *, channel: str, kind: str, text: str | None,
                    provider_message_id: str | None, at: datetime, now: datetime,
                    comment_id: str | None = None, auto_reply_rule_id: str | None = None,
                    attachments: list[dict[str, str]] | None = None, clears_comment: bool = False,
                    only_if_not_blacklisted: bool = False) -> MessageModel | None:
    """Store a message the shop sent; None when its echo was already stored (same provider id)."""
    write = outbound_write(store_id, conversation_id, channel=channel, kind=kind, text=text,
                           provider_message_id=provider_message_id, at=at, now=now, comment_id=comment_id,
                           auto_reply_rule_id=auto_reply_rule_id, attachments=attachments,
                           clears_comment=clears_comment, only_if_not_blacklisted=only_if_not_blacklisted)
    tx = NamedTransaction()
    try:
        with tx:
            write.add_to(tx, store_id, conversation_id)
            audit.join(tx)  # a merchant's reply: its audit event is written with it
    except TransactWriteError as exc:
        if tx.refused(exc):  # the echo is already stored, or the conversation is gone or blacklisted
            return None
        raise
    return write.message


def record_echo(store_id: str, event: InboundEvent, now: datetime) -> bool:
    """The shop's own Messenger/Instagram message (from us or another tool) joins the conversation, once."""
    stored = record_outbound(store_id, conversation_id_for(event.social_user_key), channel=event.channel,
                             kind="message", text=event.text, provider_message_id=event.provider_id, at=event.at,
                             now=now, attachments=[dict(a) for a in event.attachments], only_if_not_blacklisted=True)
    return stored is not None


def record_status(store_id: str, event: InboundEvent, now: datetime) -> bool:
    """A WhatsApp status update (sent/delivered/read/failed) of one of our messages, on its conversation."""
    Conv = ConversationModel
    status = {"message_id": event.provider_id, "status": event.status or "unknown", "at": clock.isoformat(event.at)}
    try:
        _conversation_ref(store_id, conversation_id_for(event.social_user_key)).update(
            actions=[Conv.last_outbound_status.set(status)],
            condition=Conv.conversation_id.exists() & not_blacklisted())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False  # a status for an unknown or blacklisted customer is dropped
        raise
    return True


def identity_actions(store_id: str, channel: str, social_user_key: str, now: datetime) -> list[Any]:
    Conv = ConversationModel
    return [Conv.channel.set(channel), Conv.social_user_key.set(social_user_key),
            Conv.store_channel.set(f"{store_id}#{channel}"), Conv.created_at.set(Conv.created_at | now)]


def _delivery(store_id: str, channel: str, provider_id: str, conversation_id: str, now: datetime) -> DeliveryModel:
    return delivery_item(store_id, f"{channel}:{provider_id}", conversation_id, now)


def sent_by() -> dict[str, str | None] | None:
    """The person (or key) whose request is sending or writing this message: its ``sent_by``."""
    actor = access.current_actor()
    return actor.as_dict() if actor is not None else None


# --- the merchant's side --------------------------------------------------------------------------

def get_conversation(store_id: str, conversation_id: str) -> ConversationModel:
    if not conversation_id.startswith("cv_") or len(conversation_id) > 64:
        raise NotFound("conversation not found")
    try:
        return ConversationModel.get(store_id, conversation_id)
    except DoesNotExist:
        raise NotFound("conversation not found") from None


@dataclass(frozen=True)
class ConversationPage:
    """One page of the inbox: the conversations, the orders their order conversations are about, the unread total."""

    items: list[ConversationModel]
    orders: dict[str, OrderModel]
    next_cursor: str | None
    total_unread: int


def list_conversations(store_id: str, *, channel: str | None, unread_only: bool, limit: int,
                       cursor: str | None, email: str | None = None, order_id: str | None = None,
                       assignee: str | None = None, unassigned: bool = False) -> ConversationPage:
    """Newest last message first; blacklisted customers who never wrote have no ``last_message_key``.

    One Query on the index that fits the most selective filter (order, e-mail, unread, channel, all);
    the other filters apply to that page. Then one BatchGetItem of the page's orders, one GetItem of the total.
    """
    start = decode_cursor(cursor, store_id)
    Conv = ConversationModel
    wanted: list[Condition] = []
    if channel:
        wanted.append(Conv.channel == channel)
    if unread_only:
        wanted.append(Conv.unread_count > 0)
    if email:
        wanted.append(Conv.store_email == f"{store_id}#{email.lower()}")
    if assignee:
        wanted.append(Conv.assignee_user_id == assignee)
    if unassigned:
        wanted.append(Conv.assignee_user_id.does_not_exist())
    index: GlobalSecondaryIndex[ConversationModel] = Conv.by_last_message
    partition = store_id
    if order_id:
        index, partition = Conv.by_order, f"{store_id}#{order_id}"
    elif email:
        index, partition = Conv.by_email, f"{store_id}#{email.lower()}"
    elif unread_only:
        index, partition = Conv.by_unread, store_id
    elif channel:
        index, partition = Conv.by_channel_last_message, f"{store_id}#{channel}"
    condition: Condition | None = None
    for part in wanted:
        condition = part if condition is None else condition & part
    results = index.query(partition, scan_index_forward=False, limit=limit, last_evaluated_key=start,
                          filter_condition=condition)
    items = list(results)
    return ConversationPage(items, orders_of(store_id, items), encode_cursor(results.last_evaluated_key),
                            total_unread(store_id))


def orders_of(store_id: str, conversations: list[ConversationModel]) -> dict[str, OrderModel]:
    """The orders the order conversations among ``conversations`` are about, in one BatchGetItem (none: no call)."""
    order_ids = sorted({c.order_id for c in conversations if is_order(c) and c.order_id})
    if not order_ids:
        return {}
    return {o.order_id: o for o in OrderModel.batch_get([(store_id, oid) for oid in order_ids])}


def total_unread(store_id: str) -> int:
    return unread_total.total_unread(store_id)


def list_messages(store_id: str, conversation_id: str, limit: int, cursor: str | None,
                  shape: Shape) -> dict[str, Any]:
    """Oldest first. Notes are included: this is the merchant's view."""
    key = conversation_key(store_id, conversation_id)
    start = decode_cursor(cursor, key, partition="conversation_key")
    results = MessageModel.query(key, scan_index_forward=True, limit=limit, last_evaluated_key=start)
    items = [shape(item) for item in results]
    if not items and start is None:
        get_conversation(store_id, conversation_id)  # 404 for an unknown (or another store's) conversation
    return {"items": items, "next_cursor": encode_cursor(results.last_evaluated_key)}


def mark_read(store_id: str, conversation_id: str) -> ConversationModel:
    """unread_count to 0, and the store's total down by what it was; safe against a message arriving meanwhile."""
    Conv = ConversationModel
    for _ in range(3):
        conversation = get_conversation(store_id, conversation_id)
        unread = int(conversation.unread_count or 0)
        if unread == 0:
            return conversation
        tx = NamedTransaction()
        try:
            with tx:
                tx.update("conversation", _conversation_ref(store_id, conversation_id),
                          actions=[Conv.unread_count.set(0), Conv.unread_store.remove()],
                          condition=Conv.unread_count == unread)
                unread_total.add_to_total(tx, store_id, -unread)
        except TransactWriteError as exc:
            if tx.failed(exc, "conversation"):
                continue  # a message arrived between the read and the write: count again
            raise
        conversation.unread_count = 0
        conversation.unread_store = None
        return conversation
    raise Conflict("the conversation is busy; try again")


def note_item(store_id: str, conversation_id: str, text: str, now: datetime) -> MessageModel:
    """A merchant-only note (not yet written), for a caller that adds it to its own transaction."""
    return MessageModel(conversation_key(store_id, conversation_id), f"{sortable(now)}#{tokens.new_id('note')}",
                        message_id=tokens.new_id("msg"), direction=NOTE, kind="note", text=text, attachments=[],
                        at=now, received_at=now, sent_by=sent_by())


def add_note(store_id: str, conversation_id: str, text: str, now: datetime) -> MessageModel:
    """A note for the merchant only (e.g. "binding invitation sent"); never sent, never counted unread."""
    note = note_item(store_id, conversation_id, text, now)
    tx = NamedTransaction()
    try:
        with tx:
            tx.check("conversation", ConversationModel, store_id, conversation_id,
                     condition=ConversationModel.conversation_id.exists())
            tx.save("note", note)
            audit.join(tx)
    except TransactWriteError as exc:
        if tx.failed(exc, "conversation"):
            raise NotFound("conversation not found") from None
        raise
    return note


def plain_attachment(attachment: Any) -> dict[str, Any]:
    """A stored attachment (map attribute or dict) as a plain dict."""
    return dict(attachment.as_dict()) if hasattr(attachment, "as_dict") else dict(attachment)
