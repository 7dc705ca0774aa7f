"""Reports on demand: SMS and store-referral CSVs for a date range, as presigned S3 URLs (admin key)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import clock
from chalicelib.api.http import ADMIN, Body, Call, endpoint
from chalicelib.validation import Field

reports = Blueprint(__name__)

RANGE = {"from": Field(str, required=True, max_length=10), "to": Field(str, required=True, max_length=10)}


@endpoint(reports, "/admin/reports/sms", ["POST"], roles=ADMIN)
def sms_report(call: Call) -> Body:
    body = call.body(RANGE)
    from chalicelib.reports import compiler  # the CSV and S3 code loads with the first report, not at cold start

    return compiler.on_demand(call.store_id, "sms", body["from"], body["to"], clock.now())


@endpoint(reports, "/admin/reports/referrals", ["POST"], roles=ADMIN)
def referral_report(call: Call) -> Body:
    body = call.body(RANGE)
    from chalicelib.reports import compiler  # as above

    return compiler.on_demand(call.store_id, "referrals", body["from"], body["to"], clock.now())
