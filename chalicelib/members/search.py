"""Finding a store's members: the one search behind the admin's and the staff app's member lists.

Each filter is one access pattern made for it, never a Scan:

- ``phone``: parsed in the store's country (``0912 345 678`` in TW is ``+886912345678``), then the
  identity item ``phone#<E.164>`` (GetItem) and its member (GetItem); exact.
- ``email``: the identity item ``email#<lower-cased>`` and its member; exact, case-insensitive.
- ``name``: a Query on ``by_name`` (store, lower-cased name) with ``begins_with``: a prefix match.
- ``added_from``: a Query on ``by_added_from`` with ``begins_with "<branch_id>#"``, newest first.

Every key starts with the store id of the caller's key: another store's members are never found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib import abuse, pagination
from chalicelib.errors import InvalidRequest
from chalicelib.members.core import email_identity, find_member_by_identity, phone_identity
from chalicelib.models.members import MemberModel
from chalicelib.sms import from_e164

FILTERS = ("phone", "email", "name", "added_from")
MAX_VALUE_LENGTH = 254
# The attributes of a cursor each Query hands out: a cursor from another filter is a 400, not a 500.
_CURSOR_KEYS = {
    "name": {"store_id", "member_id", "name_lower"},
    "added_from": {"store_id", "member_id", "added_from_key"},
}


@dataclass(frozen=True)
class SearchPage:
    members: list[MemberModel] = field(default_factory=list)
    next_cursor: str | None = None


def search_members(store_id: str, by: str, value: str, *, country: str | None = None,
                   limit: int = pagination.DEFAULT_LIMIT, cursor: str | None = None) -> SearchPage:
    """The store's members matching one filter.

    Parameters
    ----------
    by:
        ``phone``, ``email``, ``name`` or ``added_from`` (a branch id).
    value:
        What the person typed; for ``phone`` any notation :func:`chalicelib.sms.parse_phone` reads.
    country:
        The store's country, to read a phone number written in national notation.
    limit, cursor:
        Paging of the ``name`` and ``added_from`` Queries (a phone or an email finds at most one).

    Raises
    ------
    InvalidRequest
        400 naming ``by`` when the value is empty or unreadable (``invalid_phone`` for a phone),
        or ``cursor`` when it is not a cursor of this store and filter.
    """
    if by not in FILTERS:
        raise InvalidRequest(f"unknown filter '{by}'; one of {', '.join(FILTERS)}", field=by)
    text = value.strip()
    if not text:
        raise InvalidRequest(f"'{by}' must not be empty", field=by)
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidRequest(f"'{by}' is longer than {MAX_VALUE_LENGTH} characters", field=by)
    if by == "phone":
        from chalicelib.sms import parse_phone  # phonenumbers loads only for a phone search

        return _one(store_id, phone_identity(parse_phone(text, country, field="phone").e164))
    if by == "email":
        return _one(store_id, email_identity(text))
    start = _start_key(store_id, by, cursor)
    if by == "name":
        results = MemberModel.by_name.query(store_id, MemberModel.name_lower.startswith(text.lower()),
                                            limit=limit, last_evaluated_key=start)
    else:
        results = MemberModel.by_added_from.query(store_id, MemberModel.added_from_key.startswith(f"{text}#"),
                                                  scan_index_forward=False, limit=limit, last_evaluated_key=start)
    found = list(results)
    return SearchPage(found, pagination.encode_cursor(results.last_evaluated_key))


def _one(store_id: str, identity: str) -> SearchPage:
    member = find_member_by_identity(store_id, identity)
    return SearchPage([member] if member is not None else [])


def _start_key(store_id: str, by: str, cursor: str | None) -> dict[str, Any] | None:
    start = pagination.decode_cursor(cursor, store_id)
    if start is not None and set(start) != _CURSOR_KEYS[by]:
        raise InvalidRequest("'cursor' is not a cursor this API returned", field="cursor")
    return start


def staff_search(store_id: str, by: str, value: str, *, country: str | None = None) -> SearchPage:
    """The staff app's search: a name needs :data:`abuse.STAFF_NAME_MIN_CHARS` characters and finds at most
    :data:`abuse.STAFF_SEARCH_MAX_RESULTS` members, with no next page (a counter tablet cannot page through
    the member base); phone and email stay exact."""
    if by == "name" and len(value.strip()) < abuse.STAFF_NAME_MIN_CHARS:
        raise InvalidRequest(f"'name' needs at least {abuse.STAFF_NAME_MIN_CHARS} characters", field="name")
    found = search_members(store_id, by, value, country=country, limit=abuse.STAFF_SEARCH_MAX_RESULTS)
    return SearchPage(found.members[:abuse.STAFF_SEARCH_MAX_RESULTS], None)


def mask_phone(e164: str) -> str:
    """``+886912345678`` -> ``+886*****5678``: the calling code and the last four digits."""

    try:
        phone = from_e164(e164)
        code, national = phone.calling_code, phone.national_number
    except Exception:  # a stored number this build cannot parse: show no more than four digits
        code, national = "", e164.lstrip("+")
    return f"+{code}{'*' * max(0, len(national) - 4)}{national[-4:]}"


def mask_email(email: str) -> str:
    """``wang@example.com`` -> ``w***@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
