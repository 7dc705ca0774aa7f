"""Marketing consent routes: the storefront's ticks, the admin's log and unsubscribe, the public ``/u/{token}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Blueprint

from chalicelib import clock
from chalicelib.api.http import ADMIN, STOREFRONT, Body, Call, endpoint
from chalicelib.consent import state
from chalicelib.errors import InvalidRequest
from chalicelib.pagination import parse_limit
from chalicelib.validation import Field

consents = Blueprint(__name__)

CONSENT_CONTEXT = {"client_ip": Field(str, max_length=45), "user_agent": Field(str, max_length=state.MAX_USER_AGENT),
                   "consent_text": Field(str, max_length=state.MAX_CONSENT_TEXT)}


def request_ip(call: Call) -> str | None:
    identity = (call.request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or None


def origin_of(call: Call, body: dict[str, Any], source: str, now: datetime) -> state.Origin:
    """The storefront relays its customer's IP and browser; without them, the caller's own are recorded."""
    return state.Origin(source=source, actor="member", at=now, client_ip=body.get("client_ip") or request_ip(call),
                        user_agent=body.get("user_agent") or call.request.headers.get("user-agent"),
                        consent_text=body.get("consent_text"))


@endpoint(consents, "/storefront/members/{member_id}/consents", ["GET"], roles=STOREFRONT)
def get_consents(call: Call, member_id: str) -> Body:
    from chalicelib.members.core import get_member

    return state.consents_view(get_member(call.store_id, member_id))


@endpoint(consents, "/storefront/members/{member_id}/consents", ["PUT"], roles=STOREFRONT)
def put_consents(call: Call, member_id: str) -> Body:
    body = call.body({"email_marketing": Field(bool), "sms_marketing": Field(bool),
                      "source": Field(str, required=True, max_length=20, check=state.check_source), **CONSENT_CONTEXT})
    changes = state.choices(body)
    if not changes:
        raise InvalidRequest("give 'email_marketing' and/or 'sms_marketing' (true or false)", field="email_marketing")
    now = clock.now()
    member = state.change_consents(call.store_id, member_id, changes, origin_of(call, body, body["source"], now))
    return state.consents_view(member)


@endpoint(consents, "/admin/members/{member_id}/consent-events", ["GET"], roles=ADMIN)
def consent_events(call: Call, member_id: str) -> Body:
    return state.consent_events(call.store_id, member_id, parse_limit(call.query("limit")), call.query("cursor"))


def _admin_unsubscribe_only(value: bool) -> bool:
    if value:
        raise InvalidRequest("the admin may only unsubscribe (false); consent to marketing comes from the member",
                             field="email_marketing", code="admin_cannot_subscribe")
    return value


@endpoint(consents, "/admin/members/{member_id}/consents", ["PUT"], roles=ADMIN)
def admin_unsubscribe(call: Call, member_id: str) -> Body:
    body = call.body({"email_marketing": Field(bool, check=_admin_unsubscribe_only),
                      "sms_marketing": Field(bool, check=_admin_unsubscribe_only)})
    changes = state.choices(body)
    if not changes:
        raise InvalidRequest("give 'email_marketing' and/or 'sms_marketing' as false", field="email_marketing")
    now = clock.now()
    origin = state.Origin(source="admin", actor=f"admin:{call.principal.key_id}", at=now, client_ip=request_ip(call))
    return state.consents_view(state.change_consents(call.store_id, member_id, changes, origin))
