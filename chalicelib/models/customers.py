"""What the merchant keeps about customers: tags (one item per member and tag) and append-only notes.

Tags live twice on purpose: ``MemberModel.tags`` (a string set, read with the profile) and one
:class:`MemberTagModel` item per (tag, member) so that "members tagged VIP" is one Query. Both are
written in one transaction.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta

# Between the tag and the member id in a tag item's sort key. Tags may not contain control characters,
# and U+001F sorts before every printable character: ``begins_with("<tag>\x1f")`` is exactly one tag.
TAG_SEPARATOR = "\x1f"


class MemberTagModel(StageModel):
    """``<tag>\\x1f<member_id>`` under the store: members by tag, oldest tagging first by member id."""

    Meta = meta("member_tags")

    store_id = UnicodeAttribute(hash_key=True)
    tag_member = UnicodeAttribute(range_key=True)
    tag = UnicodeAttribute()
    member_id = UnicodeAttribute()
    tagged_at = UTCDateTimeAttribute()


class MemberNoteModel(StageModel):
    """One note, ``<member_id>#<UTC time, microseconds>#<note_id>``: a member's notes are one Query, in order."""

    Meta = meta("member_notes")

    store_id = UnicodeAttribute(hash_key=True)
    note_key = UnicodeAttribute(range_key=True)
    note_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    text = UnicodeAttribute()
    author_key_id = UnicodeAttribute()  # the admin key's public id (first 12 hex digits of its hash)
    author_label = UnicodeAttribute(null=True)  # the key's label when it has one
    created_at = UTCDateTimeAttribute()


class CustomerExportModel(StageModel):
    """One customer export (``POST /admin/customer-exports``), built in chunks by the ``customer_export`` function.

    Between two invocations it holds where the next one starts: the list ``cursor``, the multipart upload
    and its parts so far, and whether a tail shorter than S3's smallest part waits in the ``carry`` object.
    ``step`` counts the hand-offs: an invocation whose event names another step is a duplicate and does nothing.
    """

    Meta = meta("customer_exports")

    store_id = UnicodeAttribute(hash_key=True)
    export_id = UnicodeAttribute(range_key=True)
    filters = UnicodeAttribute()  # JSON of chalicelib.members.listing.Filters
    state = UnicodeAttribute()  # running | done | failed
    rows = NumberAttribute(default=0)
    step = NumberAttribute(default=0)
    cursor = UnicodeAttribute(null=True)  # JSON of the next page's start key
    upload_id = UnicodeAttribute(null=True)
    parts = UnicodeAttribute(null=True)  # JSON [{"PartNumber", "ETag"}]
    carry = BooleanAttribute(default=False)
    key = UnicodeAttribute()  # the CSV's S3 key
    created_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
