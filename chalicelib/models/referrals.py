"""Smart OMO invitations a staff member hands a shopper at the counter.

Both are link tokens: only the SHA-256 of the token is the key, the TTL attribute is cleanup only
(every redeem checks ``expires_at > now`` in its condition), and ``used_at`` makes them single use.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class RegistrationInvitationModel(StageModel):
    """An SMS registration link: whoever redeems it is referred by ``staff_id`` of ``branch_id``."""

    Meta = meta("registration_invitations")

    store_id = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute(range_key=True)  # SHA-256 hex of the token in the link
    invitation_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    phone = UnicodeAttribute()  # E.164 the link was texted to
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    used_by_member_id = UnicodeAttribute(null=True)


class LineBindingInvitationModel(StageModel):
    """A LINE binding link shown as a QR code (or texted) at the counter for one member."""

    Meta = meta("line_binding_invitations")

    store_id = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute(range_key=True)
    invitation_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    via = UnicodeAttribute()  # "qr" | "sms"
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    used_by_social_key = UnicodeAttribute(null=True)
