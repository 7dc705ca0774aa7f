"""Shop and order conversations and what the customer writes into them.

Ids are derived, so a message finds its conversation without a look-up: a member's one shop
conversation from the member id, a visitor's from the lower-cased e-mail, an order's from the order id.
They live in the inbox's conversation table beside the social ones (``channel`` ``shop`` | ``order``, no
social user) and carry the customer (member id, e-mail, name, visitor) and the order id, with two
sparse indexes: ``by_email`` and ``by_order``.

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

from chalicelib import clock, tokens
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.inbox import conversations, unread
from chalicelib.messages import uploads
from chalicelib.models.binding import OrderModel
from chalicelib.models.inbox import ConversationModel, DeliveryModel, MessageModel
from chalicelib.models.members import MemberModel
from chalicelib.models.transactions import NamedGet, NamedTransaction
from chalicelib.pagination import decode_cursor, encode_cursor

SHOP = "shop"
ORDER = "order"
CHANNELS = (SHOP, ORDER)
TEXT_LIMIT = 5000
FULL_TEXT_LIMIT = 20_000  # an e-mail's whole text with its quoted history: bounded, the item stays small


def is_shop_channel(channel: str | None) -> bool:
    return channel in CHANNELS


def member_conversation_id(member_id: str) -> str:
    return conversations.conversation_id_for(f"shop:member:{member_id}")


def visitor_conversation_id(email: str) -> str:
    return conversations.conversation_id_for(f"shop:email:{email.lower()}")


def order_conversation_id(order_id: str) -> str:
    return conversations.conversation_id_for(f"order:{order_id}")


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
    if customer.name:
        actions.append(Conv.customer_name.set(customer.name[:120]))
    return actions


def record_customer_message(store_id: str, conversation_id: str, *, channel: str, text: str,
                            images: list[uploads.Image], now: datetime, customer: Customer | None = None,
                            order_id: str | None = None, rfc_message_id: str | None = None,
                            delivery_key: str | None = None, full_text: str | None = None) -> MessageModel | None:
    """Append the customer's message; None when ``delivery_key`` was already stored (the same e-mail again).

    Without ``customer`` (an e-mailed reply) the conversation must already exist. ``full_text``: an e-mail's
    whole text when its quoted history was cut from ``text``.
    """
    message = MessageModel(
        conversations.conversation_key(store_id, conversation_id), f"{_sortable(now)}#{tokens.new_id('in')}",
        message_id=tokens.new_id("msg"), direction=conversations.INBOUND, kind="email" if delivery_key else "message",
        text=text, attachments=[image.attachment() for image in images], rfc_message_id=rfc_message_id,
        full_text=full_text, at=now, received_at=now)
    Conv = ConversationModel
    shown = text or (f"[{len(images)} image(s)]" if images else "")
    actions: list[Action] = [
        Conv.channel.set(channel), Conv.store_channel.set(f"{store_id}#{channel}"),
        Conv.created_at.set(Conv.created_at | now),
        Conv.last_message.set(conversations._last(shown, now, conversations.INBOUND)),
        Conv.last_message_at.set(now), Conv.last_message_key.set(f"{_sortable(now)}#{conversation_id}"),
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
                tx.save("delivery", DeliveryModel(store_id, delivery_key, conversation_id=conversation_id,
                                                  received_at=now, expires_at=now + conversations.DELIVERY_MEMORY),
                        condition=conversations.delivery_is_new(now))
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


def _sortable(moment: datetime) -> str:
    return conversations._sortable(moment)


# --- the storefront's view ---------------------------------------------------------------------------

def storefront_thread(store_id: str, conversation_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """Oldest first; merchant notes are never read out (filtered in the Query, before they leave DynamoDB)."""
    key = conversations.conversation_key(store_id, conversation_id)
    start = decode_cursor(cursor, key, partition="conversation_key")
    results = MessageModel.query(key, scan_index_forward=True, limit=limit, last_evaluated_key=start,
                                 filter_condition=MessageModel.direction.is_in(conversations.INBOUND,
                                                                               conversations.OUTBOUND))
    items = [storefront_message_view(store_id, message) for message in results]
    return {"items": items, "next_cursor": encode_cursor(results.last_evaluated_key)}


def storefront_message_view(store_id: str, message: MessageModel) -> dict[str, Any]:
    return {"message_id": message.message_id, "direction": message.direction, "text": message.text,
            "images": image_urls(store_id, message), "at": clock.isoformat(message.at)}


def image_urls(store_id: str, message: MessageModel) -> list[str]:
    return [uploads.image_url(store_id, str(a["image_id"])) for a in _attachments(message) if a.get("image_id")]


def _attachments(message: MessageModel) -> list[dict[str, Any]]:
    return [conversations.plain_attachment(a) for a in (message.attachments or [])]


# --- the inbox's view -------------------------------------------------------------------------------

def customer_view(conversation: ConversationModel) -> dict[str, Any]:
    return {"member_id": conversation.member_id, "email": conversation.customer_email,
            "name": conversation.customer_name, "visitor": conversation.member_id is None}


def order_view(order: OrderModel | None, order_id: str) -> dict[str, Any]:
    if order is None:
        return {"order_id": order_id, "total": None, "currency": None, "status": None, "ordered_at": None}
    return {"order_id": order.order_id, "total": order.total, "currency": order.currency,
            "status": getattr(order, "status", None) or "paid",  # orders before statuses existed were paid
            "ordered_at": clock.isoformat(order.ordered_at)}


def add_shop_fields(store_id: str, pairs: list[tuple[ConversationModel, dict[str, Any]]]) -> None:
    """Fill ``customer`` and ``order`` into inbox views; every order of the page in one BatchGetItem."""
    order_ids = sorted({c.order_id for c, _ in pairs if c.channel == ORDER and c.order_id})
    orders = {o.order_id: o for o in OrderModel.batch_get([(store_id, oid) for oid in order_ids])} if order_ids else {}
    for conversation, view in pairs:
        if not is_shop_channel(conversation.channel):
            continue
        view["social_user"] = None
        view["customer"] = customer_view(conversation)
        if conversation.channel == ORDER and conversation.order_id:
            view["order"] = order_view(orders.get(conversation.order_id), conversation.order_id)


# --- registering a visitor ------------------------------------------------------------------------

def visitor_email(store_id: str, conversation_id: str) -> str | None:
    """The e-mail of the shop conversation a visitor is registered from (400 for a social conversation)."""
    conversation = conversations.get_conversation(store_id, conversation_id)
    if not is_shop_channel(conversation.channel):
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
