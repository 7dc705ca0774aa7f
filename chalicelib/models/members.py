"""Members, and the identities (phone, email, social account) that point at exactly one member.

Uniqueness ("one member per verified number per store", "a social account binds to one member")
is an identity item written with ``attribute_not_exists`` in the same transaction as the member.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.models.base import StageModel, meta


class NameIndex(GlobalSecondaryIndex["MemberModel"]):
    """Members by lower-cased name: name prefix search is a Query with ``begins_with``."""

    class Meta:
        index_name = "by_name"
        projection = AllProjection()

    store_id = UnicodeAttribute(hash_key=True)
    name_lower = UnicodeAttribute(range_key=True)


class AddedFromIndex(GlobalSecondaryIndex["MemberModel"]):
    """Members registered through a branch (Smart OMO referral), ``<branch_id>#<created_at>``."""

    class Meta:
        index_name = "by_added_from"
        projection = AllProjection()

    store_id = UnicodeAttribute(hash_key=True)
    added_from_key = UnicodeAttribute(range_key=True)


class ReferralDayIndex(GlobalSecondaryIndex["MemberModel"]):
    """Referrals bound on one local day of the store (``<store_id>#YYYY-MM-DD``): the referral report."""

    class Meta:
        index_name = "by_referral_day"
        projection = AllProjection()

    referral_day = UnicodeAttribute(hash_key=True)
    referral_bound_at_key = UnicodeAttribute(range_key=True)


class StageIndex(GlobalSecondaryIndex["MemberModel"]):
    """Members in one lifecycle stage (``<store_id>#<stage>``), by member id: the stage list and audiences."""

    class Meta:
        index_name = "by_stage"
        projection = AllProjection()

    lifecycle_partition = UnicodeAttribute(hash_key=True)
    member_id = UnicodeAttribute(range_key=True)


class CreatedIndex(GlobalSecondaryIndex["MemberModel"]):
    """The store's members by creation time: the customer list, newest first, without a Scan.

    ``created_at`` is stored as a fixed-width UTC string, so its order is time order; every member has it.
    """

    class Meta:
        index_name = "by_created"
        projection = AllProjection()

    store_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class SocialAccount(MapAttribute[str, str]):
    key = UnicodeAttribute()  # "<channel>:<channel user id>"
    name = UnicodeAttribute(null=True)
    bound_at = UTCDateTimeAttribute()


class ConsentAttribute(MapAttribute[str, str]):
    """A member's consent for one purpose (``email_marketing`` / ``sms_marketing``); the log is in consent_events."""

    state = UnicodeAttribute()  # subscribed | unsubscribed | never
    suppressed = UnicodeAttribute(null=True)  # hard_bounce | complaint | sms_opt_out: never sent, whatever the state
    source = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)


class MemberModel(StageModel):
    Meta = meta("members")

    store_id = UnicodeAttribute(hash_key=True)
    member_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    name_lower = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)  # E.164
    phone_verified = BooleanAttribute(default=False)
    email = UnicodeAttribute(null=True)  # as given; identities hold the lower-cased form
    email_verified = BooleanAttribute(default=False)
    password_hash = UnicodeAttribute(null=True)  # argon2id; None for imported customers
    signed_up_with = UnicodeAttribute(null=True)  # "phone" | "email": that identifier logs in unverified
    is_member = BooleanAttribute(default=True)  # False: a customer known from an import, not signed up
    tags = UnicodeSetAttribute(null=True)
    social_accounts = ListAttribute[SocialAccount](of=SocialAccount, default=list)
    added_from_key = UnicodeAttribute(null=True)
    # Store referral (Smart OMO): set once, never changed.
    referral_staff_id = UnicodeAttribute(null=True)
    referral_branch_id = UnicodeAttribute(null=True)
    referral_bound_at = UTCDateTimeAttribute(null=True)
    referral_day = UnicodeAttribute(null=True)
    referral_bound_at_key = UnicodeAttribute(null=True)
    # Customer lifecycle (chalicelib/lifecycle): the current stage, written only when it changes.
    lifecycle_stage = UnicodeAttribute(null=True)
    lifecycle_since = UTCDateTimeAttribute(null=True)
    lifecycle_reason = UnicodeAttribute(null=True)
    lifecycle_version = NumberAttribute(null=True)  # the parameters version that decided it
    lifecycle_partition = UnicodeAttribute(null=True)  # "<store_id>#<stage>"
    # Marketing consent (chalicelib/consent): on the member, so a send reads address and consent in one GetItem.
    email_marketing = ConsentAttribute(null=True)
    sms_marketing = ConsentAttribute(null=True)
    # Member blacklist (chalicelib/members/blacklist.py): set while the member is blacklisted.
    blacklisted_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    by_name = NameIndex()
    by_added_from = AddedFromIndex()
    by_referral_day = ReferralDayIndex()
    by_stage = StageIndex()
    by_created = CreatedIndex()


class MemberIdentityModel(StageModel):
    """``phone#+886912345678``, ``email#amy@example.com`` or ``social#line:U4af...`` -> one member."""

    Meta = meta("member_identities")

    store_id = UnicodeAttribute(hash_key=True)
    identity = UnicodeAttribute(range_key=True)
    member_id = UnicodeAttribute()
    verified = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
