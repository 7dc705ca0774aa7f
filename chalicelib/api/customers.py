"""Customer management beyond the profile: the member blacklist, customer exports and the marketing audience
preview (admin key).

The customer list itself (``GET /admin/members``) lives in ``chalicelib/api/search.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib import clock
from chalicelib.api.http import ADMIN, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib.marketing import sends
    from chalicelib.members import blacklist, exports, listing
    from chalicelib.models.customers import CustomerExportModel
else:  # loaded by the first request that uses them, not at cold start (chalicelib/api/lazy.py)
    blacklist, exports = lazy("chalicelib.members.blacklist"), lazy("chalicelib.members.exports")
    listing, sends = lazy("chalicelib.members.listing"), lazy("chalicelib.marketing.sends")

customers = Blueprint(__name__)


@endpoint(customers, "/admin/members/{member_id}/blacklist", ["PUT"], roles=ADMIN)
def blacklist_member(call: Call, member_id: str) -> Body:
    member = blacklist.set_blacklisted(call.store_id, member_id, True, clock.now())
    return {"blacklisted": True, "at": clock.isoformat(member.blacklisted_at), "member_id": member_id}


@endpoint(customers, "/admin/members/{member_id}/blacklist", ["DELETE"], roles=ADMIN)
def unblacklist_member(call: Call, member_id: str) -> Body:
    blacklist.set_blacklisted(call.store_id, member_id, False, clock.now())
    return {"blacklisted": False, "member_id": member_id}


def export_view(export: CustomerExportModel) -> dict[str, Any]:
    view: dict[str, Any] = {"export_id": export.export_id, "state": export.state, "rows": int(export.rows),
                            "created_at": clock.isoformat(export.created_at),
                            "finished_at": clock.isoformat(export.finished_at) if export.finished_at else None}
    url = exports.download_url(export)
    if url:
        view["url"] = url
    return view


@endpoint(customers, "/admin/customer-exports", ["POST"], roles=ADMIN, status=202)
def start_export(call: Call) -> Body:
    # Every member: no body, or {} (a console button posts nothing).
    body = call.body({"filters": Field(dict, nullable=True)}) if call.request.raw_body else {}
    raw = body.get("filters") or {}
    if not isinstance(raw, dict):
        raise InvalidRequest("'filters' must be an object", field="filters")
    filters = listing.parse_filters(raw, prefix="filters.")
    return {"export_id": exports.start_export(call.store_id, filters, clock.now()).export_id}


@endpoint(customers, "/admin/customer-exports/{export_id}", ["GET"], roles=ADMIN)
def get_export(call: Call, export_id: str) -> Body:
    return export_view(exports.get_export(call.store_id, export_id))


@endpoint(customers, "/admin/marketing-previews", ["POST"], roles=ADMIN)
def marketing_preview(call: Call) -> Body:
    """How many of an audience a send would reach now, and why not the others (nothing is sent)."""
    body = call.body({"channel": Field(str, required=True, check=_channel),
                      "audience": Field(dict, required=True, check=sends.check_audience)})
    return sends.preview(call.store_id, body["channel"], body["audience"])


def _channel(value: str) -> str:
    if value not in ("email", "sms"):
        raise InvalidRequest("'channel' must be email or sms", field="channel")
    return value
