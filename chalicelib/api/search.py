"""Member search: the admin's member list filters and the staff app's counter search, one search behind both."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib import pagination
from chalicelib.api.http import ADMIN, STAFF, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest

if TYPE_CHECKING:
    from chalicelib import sms
    from chalicelib.members import search as domain
else:  # loaded by the first search, not at cold start (chalicelib/api/lazy.py)
    sms, domain = lazy("chalicelib.sms"), lazy("chalicelib.members.search")

search = Blueprint(__name__)

ADMIN_FILTERS = ("phone", "email", "name", "added_from")
STAFF_FILTERS = ("phone", "email", "name")
PAGING = ("limit", "cursor")


def _search(call: Call, filters: tuple[str, ...]) -> Body:
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
    by = given[0]
    limit = pagination.parse_limit(call.query("limit"))
    country = sms.sms_store(call.store_id).store.country if by == "phone" else None
    found = domain.search_members(call.store_id, by, params[by], country=country, limit=limit,
                                  cursor=call.query("cursor"))
    return {"items": [domain.member_summary(member) for member in found.members], "next_cursor": found.next_cursor}


@endpoint(search, "/admin/members", ["GET"], roles=ADMIN)
def admin_search_members(call: Call) -> Body:
    return _search(call, ADMIN_FILTERS)


@endpoint(search, "/staff/members", ["GET"], roles=STAFF)
def staff_search_members(call: Call) -> Body:
    return _search(call, STAFF_FILTERS)
