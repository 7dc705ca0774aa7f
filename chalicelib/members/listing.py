"""The customer list: a store's members newest first, or narrowed by filters; never a Scan.

One Query picks the members, on the index that fits the most selective filter given:

- ``blacklisted=true``: the store's blacklist entries ``member#<id>`` (``members/blacklist.py``), then their
  members (BatchGetItem);
- ``stage``: the ``by_stage`` index; ``added_from``: ``by_added_from`` (newest first);
- ``tag``: the tag's items (``MemberTagModel``), then their members;
- otherwise, and for ``email_marketing=subscribed`` alone: ``by_created``, newest first.

The other filters given are checked on each member read. A page may then hold fewer than ``limit``
members: at most :data:`MAX_READS` Queries are made for one page, and ``next_cursor`` says whether there
is more. The customer export (``members/exports.py``) reads the same pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from chalicelib import pagination
from chalicelib.consent import state
from chalicelib.errors import InvalidRequest
from chalicelib.lifecycle.stages import check_stage
from chalicelib.lifecycle.tracking import partition
from chalicelib.members.blacklist import MEMBER_PREFIX
from chalicelib.members.tags import check_tag
from chalicelib.models.customers import TAG_SEPARATOR, MemberTagModel
from chalicelib.models.inbox import BlacklistModel
from chalicelib.models.members import MemberModel

FILTERS = ("tag", "stage", "added_from", "blacklisted", "email_marketing")
MAX_READS = 10  # Queries for one page when the other filters leave few members of each
_MAX_BRANCH_ID = 64
_CURSOR_KEYS = {
    "created": {"store_id", "member_id", "created_at"},
    "stage": {"store_id", "member_id", "lifecycle_partition"},
    "added_from": {"store_id", "member_id", "added_from_key"},
    "tag": {"store_id", "tag_member"},
    "blacklisted": {"store_id", "social_user_key"},
}


@dataclass(frozen=True)
class Filters:
    tag: str | None = None
    stage: str | None = None
    added_from: str | None = None  # a branch id
    blacklisted: bool = False
    email_subscribed: bool = False  # email_marketing=subscribed: subscribed and not suppressed

    def as_dict(self) -> dict[str, Any]:
        """As stored with an export (JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Filters:
        return cls(**{key: value[key] for key in cls.__dataclass_fields__ if key in value})

    @property
    def source(self) -> str:
        """The index the members are read from (see the module docstring)."""
        if self.blacklisted:
            return "blacklisted"
        if self.stage:
            return "stage"
        if self.added_from:
            return "added_from"
        if self.tag:
            return "tag"
        return "created"


def parse_filters(values: Mapping[str, Any], prefix: str = "") -> Filters:
    """The filters of a query string or an export's ``filters``; 400 naming the field (``prefix`` + name)."""
    unknown = sorted(set(values) - set(FILTERS))
    if unknown:
        raise InvalidRequest(f"unknown filter '{unknown[0]}'; filters are {', '.join(FILTERS)}",
                             field=f"{prefix}{unknown[0]}")

    def text(name: str) -> str | None:
        value = values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise InvalidRequest(f"'{prefix}{name}' must be a string", field=f"{prefix}{name}")
        return value

    tag = text("tag")
    stage = text("stage")
    added_from = text("added_from")
    blacklisted = values.get("blacklisted")
    email = values.get("email_marketing")
    if stage is not None:
        try:
            check_stage(stage)
        except InvalidRequest as exc:
            raise InvalidRequest(exc.message, field=f"{prefix}stage") from None
    if added_from is not None and (len(added_from) > _MAX_BRANCH_ID or "#" in added_from):
        raise InvalidRequest(f"'{prefix}added_from' must be a branch id", field=f"{prefix}added_from")
    if blacklisted not in (None, "", "true", True):
        raise InvalidRequest(f"'{prefix}blacklisted' can only be true (leave it out for every member)",
                             field=f"{prefix}blacklisted")
    if email not in (None, "", "subscribed"):
        raise InvalidRequest(f"'{prefix}email_marketing' can only be subscribed", field=f"{prefix}email_marketing")
    return Filters(tag=check_tag(tag, f"{prefix}tag") if tag is not None else None, stage=stage,
                   added_from=added_from, blacklisted=blacklisted in ("true", True),
                   email_subscribed=email == "subscribed")


def matches(member: MemberModel, filters: Filters) -> bool:
    """Whether the member passes every filter (the Query's own filter always does)."""
    if filters.tag is not None and filters.tag not in (member.tags or set()):
        return False
    if filters.stage is not None and member.lifecycle_stage != filters.stage:
        return False
    if filters.added_from is not None and not (member.added_from_key or "").startswith(f"{filters.added_from}#"):
        return False
    if filters.blacklisted and member.blacklisted_at is None:
        return False
    return not (filters.email_subscribed and not state.may_receive(member, "email_marketing"))


def _members(store_id: str, ids: list[str]) -> list[MemberModel]:
    """The members of ``ids`` in that order (one BatchGetItem; an id whose member is gone is left out)."""
    if not ids:
        return []
    found = {member.member_id: member for member in MemberModel.batch_get([(store_id, i) for i in ids])}
    return [found[i] for i in ids if i in found]


def _read(store_id: str, filters: Filters, limit: int,
          start: dict[str, Any] | None) -> tuple[list[MemberModel], dict[str, Any] | None]:
    source = filters.source
    if source == "blacklisted":
        entries = BlacklistModel.query(store_id, BlacklistModel.social_user_key.startswith(MEMBER_PREFIX),
                                       limit=limit, last_evaluated_key=start)
        ids = [entry.social_user_key[len(MEMBER_PREFIX):] for entry in entries]
        return _members(store_id, ids), entries.last_evaluated_key
    if source == "tag":
        tagged = MemberTagModel.query(store_id, MemberTagModel.tag_member.startswith(f"{filters.tag}{TAG_SEPARATOR}"),
                                      limit=limit, last_evaluated_key=start)
        ids = [item.member_id for item in tagged]
        return _members(store_id, ids), tagged.last_evaluated_key
    if source == "stage":
        results = MemberModel.by_stage.query(partition(store_id, str(filters.stage)), limit=limit,
                                             last_evaluated_key=start)
    elif source == "added_from":
        results = MemberModel.by_added_from.query(store_id,
                                                  MemberModel.added_from_key.startswith(f"{filters.added_from}#"),
                                                  scan_index_forward=False, limit=limit, last_evaluated_key=start)
    else:
        results = MemberModel.by_created.query(store_id, scan_index_forward=False, limit=limit,
                                               last_evaluated_key=start)
    found = list(results)
    return found, results.last_evaluated_key


def start_key(store_id: str, filters: Filters, cursor: str | None) -> dict[str, Any] | None:
    """A cursor of this store and these filters' index; 400 naming ``cursor`` otherwise."""
    start = pagination.decode_cursor(cursor, store_id)
    if start is not None and set(start) != _CURSOR_KEYS[filters.source]:
        raise InvalidRequest("'cursor' is not a cursor this API returned for these filters", field="cursor")
    return start


def page(store_id: str, filters: Filters, limit: int, start: dict[str, Any] | None,
         max_reads: int = MAX_READS) -> tuple[list[MemberModel], dict[str, Any] | None]:
    """Up to ``limit`` members passing ``filters`` from ``start``, and where the next page starts (None: no more)."""
    found: list[MemberModel] = []
    key = start
    for _ in range(max_reads):
        batch, key = _read(store_id, filters, limit - len(found), key)
        found += [member for member in batch if matches(member, filters)]
        if key is None or len(found) >= limit:
            break
    return found, key
