"""One-time codes, the tokens a checked code turns into, and the counters that limit SMS sends.

Expiry is enforced in the condition of every check and redeem; the TTL attributes only clean up.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class VerificationModel(StageModel):
    """A code sent to a phone (SMS) or an email address, and the token a correct code becomes.

    ``verification_id`` is random for ``POST /storefront/verifications``; password resets and email
    changes use a deterministic id (``reset#<identity>``, ``email#<member_id>``) so a later request
    replaces the earlier code and the confirmation finds it from the identifier alone.
    """

    Meta = meta("verifications")

    store_id = UnicodeAttribute(hash_key=True)
    verification_id = UnicodeAttribute(range_key=True)
    purpose = UnicodeAttribute()  # signup | login | reset_password | change_phone | change_email
    target = UnicodeAttribute()  # E.164 number or lower-cased email address
    member_id = UnicodeAttribute(null=True)  # for resets and email changes
    code_hmac = UnicodeAttribute()  # HMAC-SHA256(pepper, store|id|code): the code itself is never stored
    attempts = NumberAttribute(default=0)  # wrong checks so far
    code_expires_at = UTCDateTimeAttribute()
    code_used_at = UTCDateTimeAttribute(null=True)
    token_hash = UnicodeAttribute(null=True)  # SHA-256 of the verification token's secret
    token_expires_at = UTCDateTimeAttribute(null=True)
    token_used_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)  # cleanup only


class SmsLimitModel(StageModel):
    """Send counters: ``phone#<E.164>`` (the last four send times), ``ip#<ip>#<hour>[#<shard>]``,
    ``day#<local day>[#<shard>]`` (chalicelib/sms/limits.py: a limit's share on each of ten items)."""

    Meta = meta("sms_limits")

    store_id = UnicodeAttribute(hash_key=True)
    limit_key = UnicodeAttribute(range_key=True)
    # Per number: send times (epoch seconds), s3 the latest. s0 is kept so a failed send can be undone.
    s0 = NumberAttribute(null=True)
    s1 = NumberAttribute(null=True)
    s2 = NumberAttribute(null=True)
    s3 = NumberAttribute(null=True)
    tally = NumberAttribute(null=True)  # sends per IP per hour, per store per day
    expires = TTLAttribute(null=True)  # cleanup only
