"""Who searched for whom at the counter: one event per staff search, kept a year (TTL).

Shaped as a general audit event (``actor``, ``action``, ``at``, ``detail``) so that it can move into a
store-wide audit log as it is; the query is stored masked, never as typed.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class StaffSearchEventModel(StageModel):
    Meta = meta("staff_search_events")

    store_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)  # "<UTC time, sortable>#<event id>": newest last
    action = UnicodeAttribute()  # "staff.member_search"
    actor = UnicodeAttribute()  # "staff:<staff_id>"
    staff_id = UnicodeAttribute(null=True)
    branch_id = UnicodeAttribute(null=True)
    key_id = UnicodeAttribute()  # which key (a short, non-secret id of its hash)
    by = UnicodeAttribute()  # phone | email | name
    query_masked = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)
