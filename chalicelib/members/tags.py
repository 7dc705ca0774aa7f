"""Tags on members: add, remove, and list the members carrying one tag (one Query, paged).

Each change is one ``TransactWrite``: the member's ``tags`` set (ADD / DELETE, conditioned on the
member existing) and the tag items, so the profile and the by-tag list never disagree.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import pagination
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.models.customers import TAG_SEPARATOR, MemberTagModel
from chalicelib.models.members import MemberModel
from chalicelib.models.transactions import NamedTransaction

MAX_TAG_LENGTH = 50
MAX_TAGS_PER_REQUEST = 20


def check_tag(value: Any, field: str = "tags") -> str:
    """A tag as stored: trimmed, inner whitespace collapsed, 1-50 characters, no control characters.

    Tags are case-sensitive ("VIP" and "vip" are two tags), as the merchant typed them.
    """
    if not isinstance(value, str):
        raise InvalidRequest(f"'{field}' must hold strings", field=field)
    tag = " ".join(value.split())
    if not tag:
        raise InvalidRequest(f"'{field}' must not hold an empty tag", field=field)
    if len(tag) > MAX_TAG_LENGTH:
        raise InvalidRequest(f"a tag in '{field}' is longer than {MAX_TAG_LENGTH} characters", field=field)
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in tag):
        raise InvalidRequest(f"a tag in '{field}' holds a control character", field=field)
    return tag


def check_tags(values: list[Any]) -> list[str]:
    if not values:
        raise InvalidRequest("'tags' must hold at least one tag", field="tags")
    if len(values) > MAX_TAGS_PER_REQUEST:
        raise InvalidRequest(f"'tags' may hold at most {MAX_TAGS_PER_REQUEST} tags per request", field="tags")
    return list(dict.fromkeys(check_tag(value) for value in values))


def _tag_key(tag: str, member_id: str) -> str:
    return f"{tag}{TAG_SEPARATOR}{member_id}"


def _write(store_id: str, member_id: str, tags: Iterable[str], now: datetime, *, add: bool) -> list[str]:
    tags = list(tags)
    member = MemberModel(store_id, member_id)
    action = MemberModel.tags.add(set(tags)) if add else MemberModel.tags.delete(set(tags))
    tx = NamedTransaction()
    try:
        with tx:
            tx.update("member", member, actions=[action, MemberModel.updated_at.set(now)],
                      condition=MemberModel.member_id.exists())
            for tag in tags:
                if add:
                    tx.save(f"tag_{tag}", MemberTagModel(store_id, _tag_key(tag, member_id), tag=tag,
                                                         member_id=member_id, tagged_at=now))
                else:
                    tx.delete(f"tag_{tag}", MemberTagModel(store_id, _tag_key(tag, member_id)))
    except TransactWriteError as exc:
        if tx.failed(exc, "member"):
            raise NotFound(f"member {member_id} not found") from None
        raise
    try:
        return sorted(MemberModel.get(store_id, member_id, consistent_read=True,
                                      attributes_to_get=["tags"]).tags or [])
    except MemberModel.DoesNotExist:
        return []  # a projection of an attribute the member no longer has comes back as no item at all


def add_tags(store_id: str, member_id: str, tags: list[str], now: datetime) -> list[str]:
    """Add ``tags`` (already checked) to the member; returns the member's tags. 404 for an unknown member."""
    return _write(store_id, member_id, tags, now, add=True)


def remove_tag(store_id: str, member_id: str, tag: str, now: datetime) -> list[str]:
    """Remove one tag (removing a tag the member does not carry is not an error); returns the member's tags."""
    return _write(store_id, member_id, [tag], now, add=False)


def members_tagged(store_id: str, tag: str, limit: int, cursor: str | None, shape: pagination.Shape) -> dict[str, Any]:
    """One page of the members carrying ``tag``: one Query on the tag items, one BatchGet of the members."""
    results = MemberTagModel.query(store_id, MemberTagModel.tag_member.startswith(f"{tag}{TAG_SEPARATOR}"),
                                   limit=limit, last_evaluated_key=pagination.decode_cursor(cursor, store_id))
    member_ids = [item.member_id for item in results]
    found = {m.member_id: m for m in MemberModel.batch_get([(store_id, mid) for mid in member_ids])} \
        if member_ids else {}
    items = [shape(found[mid]) for mid in member_ids if mid in found]
    return {"items": items, "next_cursor": pagination.encode_cursor(results.last_evaluated_key)}
