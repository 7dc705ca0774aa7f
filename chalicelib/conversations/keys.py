"""How conversations and their messages are keyed, and what kinds there are.

Ids are derived, so a message finds its conversation without a look-up: a social customer's from
the channel and the customer's id on it (``<channel>:<user id>``), a member's one shop conversation
from the member id, a visitor's from the lower-cased e-mail, an order's from the order id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.expressions.condition import Condition

from chalicelib import tokens
from chalicelib.models.inbox import ConversationModel, DeliveryModel, LastMessage

# Conversation kinds beside the messaging channels: the storefront's own, answered by e-mail.
SHOP = "shop"
ORDER = "order"
SHOP_KINDS = (SHOP, ORDER)

# Message directions: from the customer, from the shop, and the merchant's own notes (never sent).
INBOUND = "inbound"
OUTBOUND = "outbound"
NOTE = "note"

# How long a provider message id is remembered for deduplication (Meta retries for up to 36 hours).
DELIVERY_MEMORY = timedelta(days=30)


def conversation_id_for(social_user_key: str) -> str:
    """Derived from the social user key: intake finds the conversation without a look-up."""
    return "cv_" + tokens.sha256_hex(social_user_key)[:24]


def member_conversation_id(member_id: str) -> str:
    return conversation_id_for(f"shop:member:{member_id}")


def visitor_conversation_id(email: str) -> str:
    return conversation_id_for(f"shop:email:{email.lower()}")


def order_conversation_id(order_id: str) -> str:
    return conversation_id_for(f"order:{order_id}")


def is_shop_kind(channel: str | None) -> bool:
    """A shop or order conversation (the storefront's, answered by e-mail), not a messaging channel's."""
    return channel in SHOP_KINDS


def is_order(conversation: ConversationModel) -> bool:
    """An order's conversation that names its order."""
    return conversation.channel == ORDER and bool(conversation.order_id)


def conversation_key(store_id: str, conversation_id: str) -> str:
    return f"{store_id}#{conversation_id}"


def last_message(text: str | None, at: datetime, direction: str) -> LastMessage:
    """What the conversation list shows of its newest message."""
    return LastMessage(text=text[:200] if text else None, at=at, direction=direction)  # type: ignore[no-untyped-call]


def not_blacklisted() -> Condition:
    """Neither the social account nor the member it is bound to is blacklisted."""
    Conv = ConversationModel
    condition: Condition = ((Conv.blacklisted.does_not_exist() | (Conv.blacklisted == False))  # noqa: E712
                            & (Conv.member_blacklisted.does_not_exist() | (Conv.member_blacklisted == False)))  # noqa: E712
    return condition


def delivery_item(store_id: str, delivery_key: str, conversation_id: str, now: datetime) -> DeliveryModel:
    """The item that makes a delivery (a provider message id, an e-mail's Message-ID) count once."""
    return DeliveryModel(store_id, delivery_key, conversation_id=conversation_id, received_at=now,
                         expires_at=now + DELIVERY_MEMORY)


def delivery_is_new(now: datetime) -> Condition:
    # TTL deletes late (or never, on moto): an expired item counts as absent.
    condition: Condition = DeliveryModel.delivery_key.does_not_exist() | (DeliveryModel.expires_at < now)
    return condition
