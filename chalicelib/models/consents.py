"""The append-only consent log, and the receipts that make SES feedback count once per ``feedbackId``.

The current state lives on the member (``MemberModel.email_marketing`` / ``sms_marketing``); every
change to it is written in the same transaction as one event here. No code path updates or deletes
an event.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class ConsentEventModel(StageModel):
    """One change: ``<store_id>#<member_id>`` / ``<at ISO>#<event id>`` (oldest first in a Query)."""

    Meta = meta("consent_events")

    member_key = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)
    purpose = UnicodeAttribute()
    action = UnicodeAttribute()  # subscribe | unsubscribe | suppress
    source = UnicodeAttribute()
    actor = UnicodeAttribute()  # member | admin:<key id> | import | ses | sns
    at = UTCDateTimeAttribute()
    client_ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    consent_text_sha256 = UnicodeAttribute(null=True)  # the wording the member agreed to, by digest
    reason = UnicodeAttribute(null=True)  # for suppress: hard_bounce | complaint | sms_opt_out
    feedback_id = UnicodeAttribute(null=True)


class FeedbackReceiptModel(StageModel):
    """``<store_id>`` / ``<feedbackId>#<member_id>``: written with the event, so a redelivery changes nothing."""

    Meta = meta("ses_feedback")

    store_id = UnicodeAttribute(hash_key=True)
    receipt = UnicodeAttribute(range_key=True)
    at = UTCDateTimeAttribute()


class MarketingSendModel(StageModel):
    """One marketing send (e-mail or SMS): what to send, to whom, and its progress counters."""

    Meta = meta("marketing_sends")

    store_id = UnicodeAttribute(hash_key=True)
    send_id = UnicodeAttribute(range_key=True)
    channel = UnicodeAttribute()  # email | sms
    kind = UnicodeAttribute()  # broadcast | coupon | store_credit | abandoned_cart (sms: broadcast)
    subject = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    audience = UnicodeAttribute()  # JSON: {"member_ids": [...]} | {"tag": ...} | {"stage": ...}
    base_url = UnicodeAttribute(null=True)  # the API's public URL, for the unsubscribe link
    state = UnicodeAttribute()  # queued | sending | done
    recipients = NumberAttribute(default=0)
    sent = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    excluded_no_address = NumberAttribute(default=0)
    excluded_not_subscribed = NumberAttribute(default=0)
    excluded_suppressed = NumberAttribute(default=0)
    excluded_blacklisted = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
