"""A store, its settings, branches, staff and channel connections."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class StoreModel(StageModel):
    Meta = meta("stores")

    store_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    country = UnicodeAttribute()
    timezone = UnicodeAttribute()
    language = UnicodeAttribute(null=True)  # what customers read: zh-Hant | en; absent: the country's default
    storefront_url = UnicodeAttribute(null=True)
    shop_email = UnicodeAttribute(null=True)  # replies to shop and order messages are sent from it
    postal_address = UnicodeAttribute(null=True)  # printed in marketing e-mails
    sms_daily_cap = NumberAttribute()
    sms_ip_hourly_limit = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class BranchModel(StageModel):
    Meta = meta("branches")

    store_id = UnicodeAttribute(hash_key=True)
    branch_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class StaffModel(StageModel):
    Meta = meta("staff")

    store_id = UnicodeAttribute(hash_key=True)
    staff_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    removed_at = UTCDateTimeAttribute(null=True)  # DELETE /admin/staff/{id}: keys revoked, referrals kept


class ChannelModel(StageModel):
    """A channel connection. Secrets live in SSM; only their hints and a verify-token hash are here."""

    Meta = meta("channels")

    store_id = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute(null=True)
    verify_token_hash = UnicodeAttribute(null=True)
    secret_hints = MapAttribute[str, str](default=dict)
    updated_at = UTCDateTimeAttribute()
