"""The append-only consent log, and the receipts that make SES feedback count once per ``feedbackId``.

The current state lives on the member (``MemberModel.email_marketing`` / ``sms_marketing``); every
change to it is written in the same transaction as one event here. No code path updates or deletes
an event.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

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
