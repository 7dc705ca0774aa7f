"""Membership binding: link tokens (invitations and cart links), invitation templates, and orders.

Tokens are stored only as the SHA-256 of the value sent to the customer. ``expires_at`` is a TTL
attribute for cleanup; every use checks ``expires_at > now`` in its condition, because DynamoDB
deletes expired items late (and moto never does).
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection

from chalicelib.models.base import StageModel, meta


class BindingTokenModel(StageModel):
    """One link token: a binding invitation (single use, 1 hour) or a cart link (7 days, binds once)."""

    Meta = meta("binding_tokens")

    store_id = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute(range_key=True)  # SHA-256 hex of the whole token
    purpose = UnicodeAttribute()  # invitation | cart
    invitation_id = UnicodeAttribute()  # public handle ("bi_..." / "cl_..."), safe to log
    channel = UnicodeAttribute()
    social_user_key = UnicodeAttribute()  # "<channel>:<channel user id>"
    social_user_name = UnicodeAttribute(null=True)
    conversation_id = UnicodeAttribute()
    cart_id = UnicodeAttribute(null=True)  # cart links only
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    used_at = UTCDateTimeAttribute(null=True)  # invitations: set once, by the redeeming transaction
    member_id = UnicodeAttribute(null=True)  # who redeemed it (invitation) / whom an order bound (cart)


class BindingTemplateModel(StageModel):
    """A store's binding-invitation text for one channel; absent: the channel's default."""

    Meta = meta("binding_templates")

    store_id = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute(range_key=True)
    text = UnicodeAttribute()
    button_text = UnicodeAttribute(null=True)  # None on whatsapp (the link is appended to the text)
    updated_at = UTCDateTimeAttribute()


class MemberOrdersIndex(GlobalSecondaryIndex["OrderModel"]):
    """A member's orders, newest first: ``<store_id>#<member_id>`` / ``<ordered_at>#<order_id>``."""

    class Meta:
        index_name = "by_member"
        projection = AllProjection()

    store_member = UnicodeAttribute(hash_key=True)
    ordered_key = UnicodeAttribute(range_key=True)


class StoreMemberOrdersIndex(GlobalSecondaryIndex["OrderModel"]):
    """A store's orders grouped by member (``<member_id>#<ordered_key>``): the lifecycle's daily run reads it once."""

    class Meta:
        index_name = "by_store_member"
        projection = IncludeProjection(["member_id", "status", "total", "ordered_at"])

    store_id = UnicodeAttribute(hash_key=True)
    member_order_key = UnicodeAttribute(range_key=True)


PAID = "paid"
ORDER_STATUSES = (PAID, "pending", "cancelled", "refunded")


class OrderModel(StageModel):
    """An order the storefront reported; keyed by its order id so a repeated report is stored once."""

    Meta = meta("orders")

    store_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(range_key=True)
    member_id = UnicodeAttribute()
    store_member = UnicodeAttribute()  # "<store_id>#<member_id>"
    ordered_key = UnicodeAttribute()  # "<ordered_at, UTC, microseconds>#<order_id>"
    total = UnicodeAttribute()  # decimal as text: money never goes through a float
    currency = UnicodeAttribute()  # ISO 4217, upper case
    ordered_at = UTCDateTimeAttribute()
    status = UnicodeAttribute(null=True)  # one of ORDER_STATUSES; None (older items): paid, see effective_status
    status_changed_at = UTCDateTimeAttribute(null=True)
    member_order_key = UnicodeAttribute(null=True)  # "<member_id>#<ordered_key>"
    cart_id = UnicodeAttribute(null=True)
    social_user_key = UnicodeAttribute(null=True)  # the chat the cart link was sent to
    binding = UnicodeAttribute(null=True)  # what the order did to the binding: bound | already_bound | ...

    by_member = MemberOrdersIndex()
    by_store_member = StoreMemberOrdersIndex()

    @property
    def effective_status(self) -> str:
        """The order's status; an order stored before statuses existed was paid."""
        return self.status or PAID
