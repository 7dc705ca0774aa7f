"""API keys: only the SHA-256 of a key is stored, under the store it belongs to."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class ApiKeyModel(StageModel):
    Meta = meta("api_keys")

    store_id = UnicodeAttribute(hash_key=True)
    key_hash = UnicodeAttribute(range_key=True)
    role = UnicodeAttribute()
    label = UnicodeAttribute(null=True)
    staff_id = UnicodeAttribute(null=True)
    branch_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)
