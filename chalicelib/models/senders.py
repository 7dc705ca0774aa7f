"""Sender identities: the addresses and domains a store may send mail ``From``, and who holds each.

Two tables. ``sender_identities`` is the store's own list (partition: the store). ``sender_identity_claims``
is keyed by the identity itself, because an identity has exactly one holder across every store: the claim
is written with ``attribute_not_exists`` in the same transaction as the store's item, so two stores can
never both hold ``hello@shop.example`` (the second gets 409 ``identity_taken``). Its ``by_domain`` index
finds the addresses a store holds inside a domain another store asks for.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.models.base import StageModel, meta

PENDING, VERIFIED, FAILED = "pending", "verified", "failed"


class SenderIdentityModel(StageModel):
    Meta = meta("sender_identities")

    store_id = UnicodeAttribute(hash_key=True)
    identity = UnicodeAttribute(range_key=True)  # normalised: lower case, no trailing dot
    kind = UnicodeAttribute()  # email | domain
    status = UnicodeAttribute()  # pending | verified | failed
    dkim_tokens = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # a domain's Easy DKIM tokens
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class ClaimsByDomain(GlobalSecondaryIndex["IdentityClaimModel"]):
    class Meta:
        index_name = "by_domain"
        projection = AllProjection()

    domain = UnicodeAttribute(hash_key=True)  # the address's domain, or the domain itself
    identity = UnicodeAttribute(range_key=True)


class IdentityClaimModel(StageModel):
    """Which store holds an identity (the one key here that is not a store id: holding is global)."""

    Meta = meta("sender_identity_claims")

    identity = UnicodeAttribute(hash_key=True)
    store_id = UnicodeAttribute()
    domain = UnicodeAttribute()
    kind = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    by_domain = ClaimsByDomain()
