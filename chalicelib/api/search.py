"""Member search and the customer list: the admin's list (filters, newest first), searches by phone, e-mail or
name, and the staff app's counter search (the same search behind both)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib import clock, pagination
from chalicelib.api.http import ADMIN, STAFF, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest

if TYPE_CHECKING:
    from chalicelib import sms
    from chalicelib.api import views
    from chalicelib.members import listing, search_audit
    from chalicelib.members import search as domain
else:  # loaded by the first search, not at cold start (chalicelib/api/lazy.py)
    sms, domain = lazy("chalicelib.sms"), lazy("chalicelib.members.search")
    listing, views = lazy("chalicelib.members.listing"), lazy("chalicelib.api.views")
    search_audit = lazy("chalicelib.members.search_audit")

search = Blueprint(__name__)

SEARCHES = ("phone", "email", "name")  # a search term: one alone; without one, GET /admin/members is the list
ADMIN_FILTERS = (*SEARCHES, "added_from", "stage", "tag", "blacklisted", "email_marketing")
STAFF_FILTERS = ("phone", "email", "name")
PAGING = ("limit", "cursor")


def _filter(call: Call, filters: tuple[str, ...]) -> tuple[str, str]:
    """The one filter given and its value; 400 for none, two, or an unknown parameter."""
    params = dict(call.request.query_params or {})
    unknown = sorted(set(params) - set(filters) - set(PAGING))
    if unknown:
        raise InvalidRequest(f"unknown query parameter '{unknown[0]}'; filter by one of {', '.join(filters)}",
                             field=unknown[0])
    given = [name for name in filters if name in params]
    if not given:
        raise InvalidRequest(f"give exactly one filter: {', '.join(filters)}", field=filters[0])
    if len(given) > 1:
        raise InvalidRequest(f"give exactly one filter, not both '{given[0]}' and '{given[1]}'", field=given[1])
    return given[0], params[given[0]]


def _list(call: Call) -> Body:
    """No search term: the customer list, newest first, narrowed by any of the list filters together."""
    params = {name: value for name, value in (call.request.query_params or {}).items() if name not in PAGING}
    filters = listing.parse_filters(params)
    limit = pagination.parse_limit(call.query("limit"))
    found, next_key = listing.page(call.store_id, filters, limit,
                                   listing.start_key(call.store_id, filters, call.query("cursor")))
    return {"items": views.member_list_views(call.store_id, found), "next_cursor": pagination.encode_cursor(next_key)}


@endpoint(search, "/admin/members", ["GET"], roles=ADMIN)
def admin_search_members(call: Call) -> Body:
    params = dict(call.request.query_params or {})
    if not any(name in params for name in SEARCHES):
        return _list(call)
    by, value = _filter(call, ADMIN_FILTERS)
    limit = pagination.parse_limit(call.query("limit"))
    country = sms.sms_store(call.store_id).store.country if by == "phone" else None
    found = domain.search_members(call.store_id, by, value, country=country, limit=limit, cursor=call.query("cursor"))
    return {"items": views.member_list_views(call.store_id, found.members), "next_cursor": found.next_cursor}


@endpoint(search, "/staff/members", ["GET"], roles=STAFF)
def staff_search_members(call: Call) -> Body:
    """At most 20 members, no next page, phone and email masked (``members.search.staff_search``)."""
    by, value = _filter(call, STAFF_FILTERS)
    if call.query("cursor"):
        raise InvalidRequest("the staff search has no further pages: type more of the name", field="cursor")
    search_audit.admit(call.principal, by, value, clock.now())  # 429 past the key's limits; else recorded
    country = sms.sms_store(call.store_id).store.country if by == "phone" else None
    found = domain.staff_search(call.store_id, by, value, country=country)
    return {"items": [views.staff_summary_view(member, by) for member in found.members], "next_cursor": None}


@endpoint(search, "/admin/staff-searches", ["GET"], roles=ADMIN)
def staff_searches(call: Call) -> Body:
    """The staff search's audit trail, newest first: who searched, when, by what, the query masked."""
    return search_audit.events(call.store_id, pagination.parse_limit(call.query("limit")), call.query("cursor"))
