"""The inbox: conversations, their messages, delivery deduplication, the blacklist and auto-reply rules.

One conversation per store and social user; its id is derived from the social user key, so the
webhook finds it without a lookup. Lists are sparse GSIs: only conversations that have a message
carry ``last_message_key``, only unread ones carry ``unread_store``.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.models.base import StageModel, meta


class RecentIndex(GlobalSecondaryIndex["ConversationModel"]):
    """A store's conversations, newest message first (``<last_message_at>#<conversation_id>``)."""

    class Meta:
        index_name = "by_last_message"
        projection = AllProjection()

    store_id = UnicodeAttribute(hash_key=True)
    last_message_key = UnicodeAttribute(range_key=True)


class ChannelRecentIndex(GlobalSecondaryIndex["ConversationModel"]):
    """The same order within one channel (``<store_id>#<channel>``)."""

    class Meta:
        index_name = "by_channel_last_message"
        projection = AllProjection()

    store_channel = UnicodeAttribute(hash_key=True)
    last_message_key = UnicodeAttribute(range_key=True)


class UnreadIndex(GlobalSecondaryIndex["ConversationModel"]):
    """Sparse: only conversations with unread messages carry ``unread_store``."""

    class Meta:
        index_name = "by_unread"
        projection = AllProjection()

    unread_store = UnicodeAttribute(hash_key=True)
    last_message_key = UnicodeAttribute(range_key=True)


class EmailIndex(GlobalSecondaryIndex["ConversationModel"]):
    """Sparse: shop and order conversations by customer e-mail (``<store_id>#<lower-cased e-mail>``)."""

    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    store_email = UnicodeAttribute(hash_key=True)
    last_message_key = UnicodeAttribute(range_key=True)


class OrderIndex(GlobalSecondaryIndex["ConversationModel"]):
    """Sparse: an order's conversation (``<store_id>#<order_id>``)."""

    class Meta:
        index_name = "by_order"
        projection = AllProjection()

    store_order = UnicodeAttribute(hash_key=True)
    last_message_key = UnicodeAttribute(range_key=True)


class LastMessage(MapAttribute[str, str]):
    text = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()
    direction = UnicodeAttribute()


class ConversationModel(StageModel):
    Meta = meta("conversations")

    store_id = UnicodeAttribute(hash_key=True)
    conversation_id = UnicodeAttribute(range_key=True)
    channel = UnicodeAttribute()
    social_user_key = UnicodeAttribute(null=True)  # "<channel>:<channel user id>"; None for shop and order
    social_user_name = UnicodeAttribute(null=True)  # from the payload or the channel's profile API, once
    account_id = UnicodeAttribute(null=True)  # the store's page / IG account / WhatsApp number it came to
    member_id = UnicodeAttribute(null=True)  # set by membership binding
    blacklisted = BooleanAttribute(null=True)  # set by the blacklist; checked in every intake transaction
    # Set while the member this account is bound to is blacklisted (chalicelib/members/blacklist.py); checked
    # beside ``blacklisted``. Two flags, so lifting one kind of blacklisting never lifts the other.
    member_blacklisted = BooleanAttribute(null=True)
    last_message = LastMessage(null=True)
    last_message_at = UTCDateTimeAttribute(null=True)
    last_message_key = UnicodeAttribute(null=True)
    last_inbound_at = UTCDateTimeAttribute(null=True)
    last_comment_id = UnicodeAttribute(null=True)  # the customer's latest comment, when that was the last inbound
    last_outbound_status = MapAttribute[str, str](null=True)  # WhatsApp statuses: {message_id, status, at}
    unread_count = NumberAttribute(default=0)
    unread_store = UnicodeAttribute(null=True)
    store_channel = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # Shop and order conversations (channel "shop" | "order"): the storefront's customer, answered by e-mail.
    customer_email = UnicodeAttribute(null=True)  # lower-cased; replies go to it, inbound mail must come from it
    customer_name = UnicodeAttribute(null=True)
    visitor = BooleanAttribute(null=True)  # True until the visitor is registered as a member
    store_email = UnicodeAttribute(null=True)  # "<store_id>#<customer_email>" (by_email)
    order_id = UnicodeAttribute(null=True)
    store_order = UnicodeAttribute(null=True)  # "<store_id>#<order_id>" (by_order)
    # Who answers it (a console user, chalicelib/team/assignment.py); the name kept for the list.
    assignee_user_id = UnicodeAttribute(null=True)
    assignee_name = UnicodeAttribute(null=True)

    by_last_message = RecentIndex()
    by_channel_last_message = ChannelRecentIndex()
    by_unread = UnreadIndex()
    by_email = EmailIndex()
    by_order = OrderIndex()

    @property
    def held_back(self) -> bool:
        """Blacklisted as a social account or through its member: nothing from it reaches the inbox."""
        return bool(self.blacklisted or self.member_blacklisted)


class MessageModel(StageModel):
    """Messages of one conversation, oldest first by ``<at, microseconds>#<message_id>``."""

    Meta = meta("messages")

    conversation_key = UnicodeAttribute(hash_key=True)  # "<store_id>#<conversation_id>"
    message_key = UnicodeAttribute(range_key=True)
    message_id = UnicodeAttribute()
    direction = UnicodeAttribute()  # inbound | outbound | note
    kind = UnicodeAttribute()  # message | postback | comment | follow | unfollow | reply | auto_reply | note
    text = UnicodeAttribute(null=True)
    attachments = ListAttribute[MapAttribute[str, str]](of=MapAttribute, default=list)
    provider_message_id = UnicodeAttribute(null=True)
    comment_id = UnicodeAttribute(null=True)
    post_id = UnicodeAttribute(null=True)
    auto_reply_rule_id = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()
    received_at = UTCDateTimeAttribute()
    sent_by = MapAttribute[str, str](null=True)  # outbound and notes: {kind: user|key, id, name} of the sender
    email_message_id = UnicodeAttribute(null=True)  # SES's MessageId of the e-mailed reply (SES rewrites ours)
    rfc_message_id = UnicodeAttribute(null=True)  # the Message-ID header: ours outbound, the sender's inbound
    # An e-mailed message: SES's verdicts on its sender, {"spf", "dkim", "dmarc"} -> pass | fail | none | ...
    sender_verdict = MapAttribute[str, str](null=True)
    claimed_name = UnicodeAttribute(null=True)  # the name a guest gave with this message (never the conversation's)
    full_text = UnicodeAttribute(null=True)  # an e-mailed reply's whole text, when quoted history was cut from text


class DeliveryModel(StageModel):
    """One item per provider message id seen (inbound, and outbound for Meta echoes): the dedup key.

    Also the auto-reply claims (``<channel>:reply:<comment or message id>``, inbox/channel_work.py): the
    one conditional write that lets exactly one queued job answer an event.
    """

    Meta = meta("channel_deliveries")

    store_id = UnicodeAttribute(hash_key=True)
    delivery_key = UnicodeAttribute(range_key=True)  # "<channel>:<provider message id>"
    conversation_id = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    lease_id = UnicodeAttribute(null=True)  # a claim: who is answering...
    lease_until = UTCDateTimeAttribute(null=True)  # ...until when (then another job may take over)
    outcome = UnicodeAttribute(null=True)  # a claim's end: "sent" | "refused" (never answered again)


class InboxSummaryModel(StageModel):
    """Shards of a store's unread total (conversations/unread.py), in the transactions of the conversations they sum.

    ``store_id`` is the store id (shard 0) or ``<store_id>#<shard>``.
    """

    Meta = meta("inbox_summary")

    store_id = UnicodeAttribute(hash_key=True)
    total_unread = NumberAttribute(default=0)


class BlacklistModel(StageModel):
    """One item per blacklisted social account (``<channel>:<id>``) or member (``member#<member_id>``).

    Both kinds share the table so ``GET /admin/blacklist`` is one Query; the sort key's name is the
    social account's, from before members could be blacklisted.
    """

    Meta = meta("blacklist")

    store_id = UnicodeAttribute(hash_key=True)
    social_user_key = UnicodeAttribute(range_key=True)
    added_at = UTCDateTimeAttribute()
    member_id = UnicodeAttribute(null=True)  # set on a member's entry


class AutoReplyRuleModel(StageModel):
    Meta = meta("auto_reply_rules")

    store_id = UnicodeAttribute(hash_key=True)
    rule_id = UnicodeAttribute(range_key=True)
    channel = UnicodeAttribute()  # instagram | facebook
    scope = UnicodeAttribute()  # comments | messages
    keywords = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    reply_text = UnicodeAttribute()
    private_reply = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
