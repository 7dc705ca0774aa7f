"""Local-sandbox-only routes: the movable clock, schedules on demand, the channel outbox, e-mail.

app.py registers this blueprint only when STAGE is ``local``; it never exists in a deployed stage.
"""

from __future__ import annotations

import html
import json
import uuid

import urllib3
from chalice.app import Blueprint, Response

from chalicelib import aws, clock
from chalicelib.api.http import PUBLIC, Body, Call, endpoint
from chalicelib.config import settings
from chalicelib.errors import ApiError, InvalidRequest
from chalicelib.validation import Field

local = Blueprint(__name__)


def clock_view() -> Body:
    return {"now": clock.isoformat(clock.now()), "offset_seconds": int(clock.offset_seconds())}


@endpoint(local, "/_local/clock", ["GET"], roles=PUBLIC)
def get_clock(call: Call) -> Body:
    return clock_view()


@endpoint(local, "/_local/clock", ["POST"], roles=PUBLIC)
def advance_clock(call: Call) -> Body:
    body = call.body({"advance_seconds": Field(int, required=True, minimum=0, maximum=10 * 365 * 86400)})
    clock.advance(body["advance_seconds"])
    return clock_view()


@endpoint(local, "/_local/clock", ["DELETE"], roles=PUBLIC)
def reset_clock(call: Call) -> Body:
    """Back to real time. Anything that expired on the moved clock stays expired."""
    clock.reset()
    return clock_view()


@endpoint(local, "/_local/schedules/run", ["POST"], roles=PUBLIC)
def run_schedules(call: Call) -> Body:
    from local.lambdas import current  # the sandbox's Lambda: each schedule runs as its function, under its role

    return {"ran": current().run_schedules(clock.isoformat(clock.now()))}


@endpoint(local, "/_local/outbox", ["GET"], roles=PUBLIC)
def outbox(call: Call) -> Body:
    sandbox = settings().local_sandbox_url
    if not sandbox:
        # Outbound calls go to real platforms (GRAPH_API_BASE_URL / LINE_API_BASE_URL set): nothing recorded.
        return {"items": []}
    response = urllib3.request("GET", f"{sandbox}/__outbox", timeout=5.0)
    if response.status != 200:
        raise ApiError("the channel sandbox did not answer", code="sandbox_unavailable", status=502)
    return dict(json.loads(response.data))


@endpoint(local, "/_local/emails", ["GET"], roles=PUBLIC)
def emails(call: Call) -> Body:
    """Every e-mail the embedded SES sent, oldest first, parsed from the raw bytes we sent."""
    from local.emails import sent_emails  # the sandbox's own package: not in a deployed function

    return {"items": sent_emails()}


MAX_INBOUND_BYTES = 10 * 1024 * 1024


@endpoint(local, "/_local/emails/inbound", ["POST"], roles=PUBLIC, content_types=["message/rfc822"])
def inbound_email(call: Call) -> Body:
    """Store a raw message where the SES receipt rule would, then run the same function S3 would trigger."""
    raw = call.request.raw_body
    data = raw.encode() if isinstance(raw, str) else (raw or b"")
    if not data or len(data) > MAX_INBOUND_BYTES:
        raise InvalidRequest(f"the body must be one raw RFC 5322 message of at most {MAX_INBOUND_BYTES} bytes",
                             field="body")
    from chalicelib.messages.inbound import MAIL_PREFIX  # sandbox-only route: loads nothing at cold start

    bucket, key = settings().reports_bucket, f"{MAIL_PREFIX}{uuid.uuid4().hex}"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
    from local.lambdas import current  # the bucket's notification, as the template configures it

    (answer,) = current().notify_s3(bucket, key, len(data))
    return {"key": key, "outcome": answer["outcomes"][0]}


@endpoint(local, "/_local/ses-feedback", ["POST"], roles=PUBLIC)
def ses_feedback(call: Call) -> Body:
    """An SES bounce or complaint (the SNS envelope or the bare SES event), through the same function as AWS."""
    from chalicelib.consent import feedback  # sandbox-only route: loads nothing at cold start
    from chalicelib.validation import parse_json

    raw = call.request.raw_body
    body = parse_json(raw.encode() if isinstance(raw, str) else raw, settings().max_body_bytes)
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be an SES notification object", field="body")
    message = feedback.parse_sns_message(body)
    from local.lambdas import current  # SES publishes to the feedback topic; the topic's subscription runs the function

    runtime = current()
    answers = runtime.publish_sns(runtime.topic_arn(f"memberlink-{settings().stage}-ses-feedback"), json.dumps(message))
    return {"outcomes": [detail for answer in answers for detail in answer["details"]]}


def _identity_param(identity: str) -> str:
    from urllib.parse import unquote

    from chalicelib import senders as identities  # sandbox-only route: loads nothing at cold start

    return identities.normalise(unquote(identity))[0]


@endpoint(local, "/_local/ses/identities/{identity}/verify", ["POST"], roles=PUBLIC,
          content_types=["application/json", "application/x-www-form-urlencoded"])
def verify_identity(call: Call, identity: str) -> Body | Response:
    """Verify a registered identity as SES would (its verification link followed, its DNS records found)."""
    from chalicelib import senders as identities

    item = identities.mark_verified(_identity_param(identity), clock.now())
    if "text/html" in (call.request.headers.get("accept") or ""):  # the verification mail's button
        return Response(body=f"<!doctype html><title>Verified</title><h1>{html.escape(item.identity)} is verified"
                             "</h1><p>The store's mail can now go out from it.</p>", status_code=200,
                        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})
    return {"identity": item.identity, "kind": item.kind, "status": item.status}


@endpoint(local, "/_local/ses/identities/{identity}/verify", ["GET"], roles=PUBLIC)
def verify_identity_page(call: Call, identity: str) -> Response:
    """The link of the sandbox's verification mail: a page whose button verifies (a GET changes nothing)."""
    name = html.escape(_identity_param(identity))
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Verify {name}</title></head><body>'
            f"<h1>Verify {name}</h1><p>The sandbox's stand-in for SES's verification link.</p>"
            f'<form method="post"><button type="submit">Verify {name}</button></form></body></html>')
    return Response(body=page, status_code=200, headers={"Content-Type": "text/html; charset=utf-8",
                                                          "Cache-Control": "no-store",
                                                          "Content-Security-Policy": "default-src 'none'; "
                                                                                     "form-action 'self'"})
