"""Reports on demand: SMS and store-referral CSVs for a date range, as presigned S3 URLs (admin key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib import clock
from chalicelib.api.http import ADMIN, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib.reports import compiler, summaries
else:  # the CSV and S3 code loads with the first report, not at cold start (chalicelib/api/lazy.py)
    compiler, summaries = lazy("chalicelib.reports.compiler"), lazy("chalicelib.reports.summaries")

reports = Blueprint(__name__)

RANGE = {"from": Field(str, required=True, max_length=10), "to": Field(str, required=True, max_length=10)}


@endpoint(reports, "/admin/reports/sms", ["POST"], roles=ADMIN)
def sms_report(call: Call) -> Body:
    body = call.body(RANGE)
    return compiler.on_demand(call.store_id, "sms", body["from"], body["to"], clock.now())


@endpoint(reports, "/admin/reports/referrals", ["POST"], roles=ADMIN)
def referral_report(call: Call) -> Body:
    body = call.body(RANGE)
    return compiler.on_demand(call.store_id, "referrals", body["from"], body["to"], clock.now())


def _range(call: Call) -> tuple[str, str]:
    start, end = call.query("from"), call.query("to")
    if not start:
        raise InvalidRequest("'from' is required (YYYY-MM-DD)", field="from")
    if not end:
        raise InvalidRequest("'to' is required (YYYY-MM-DD)", field="to")
    return start, end


# --- what the console's Reports screen lists and draws (issue 28) ---


@endpoint(reports, "/admin/reports/files", ["GET"], roles=ADMIN)
def nightly_files(call: Call) -> Body:
    return summaries.nightly_files(call.store_id, *_range(call), clock.now())


@endpoint(reports, "/admin/reports/sms-per-day", ["GET"], roles=ADMIN)
def sms_per_day(call: Call) -> Body:
    return summaries.sms_per_day(call.store_id, *_range(call), clock.now())


@endpoint(reports, "/admin/reports/registrations-by-branch", ["GET"], roles=ADMIN)
def registrations_by_branch(call: Call) -> Body:
    return summaries.registrations_by_branch(call.store_id, *_range(call), clock.now())
