"""The SMS log: every SMS, written before it is sent (queued) and after (sent | failed).

The partition key is ``<store_id>#<store's local date>``, so a day's report is one Query on one
partition and never touches another day or another store.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class SmsLogModel(StageModel):
    Meta = meta("sms_log")

    store_day = UnicodeAttribute(hash_key=True)  # "<store_id>#YYYY-MM-DD" in the store's time zone
    sms_id = UnicodeAttribute(range_key=True)  # "<sent_at ISO, UTC, microseconds>#<random>": time order
    store_id = UnicodeAttribute()
    phone = UnicodeAttribute()  # E.164
    calling_code = UnicodeAttribute()  # "886"
    national_number = UnicodeAttribute()  # "912345678"
    sent_at = UTCDateTimeAttribute()
    agent = UnicodeAttribute(default="Amazon SNS")
    message_type = UnicodeAttribute()  # verification | password_reset | member_notification
    segments = NumberAttribute()
    scope = UnicodeAttribute()  # domestic | international (by the store's country)
    status = UnicodeAttribute()  # queued | sent | failed
    provider_message_id = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)


class SmsTemplatesModel(StageModel):
    """A store's SMS texts by message type (``verification``, ``registration_invitation``): one item per store."""

    Meta = meta("sms_templates")

    store_id = UnicodeAttribute(hash_key=True)
    # Texts with {code}, {link}, {store_name}; None: the default text.
    verification = UnicodeAttribute(null=True)
    registration_invitation = UnicodeAttribute(null=True)
    recaptcha_enabled = BooleanAttribute(null=True)  # the secret itself is in SSM
    updated_at = UTCDateTimeAttribute()
