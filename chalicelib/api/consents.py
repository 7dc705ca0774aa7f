"""Marketing consent routes: the storefront's ticks, the admin's log and unsubscribe, the public ``/u/{token}``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.http import ADMIN, PUBLIC, STOREFRONT, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.pagination import parse_limit
from chalicelib.validation import Field, one_line

if TYPE_CHECKING:
    from chalicelib import i18n, links, stores
    from chalicelib.api import views
    from chalicelib.consent import pages, state, unsubscribe
    from chalicelib.marketing import sends
    from chalicelib.members import core
else:  # loaded by the first consent request, not at cold start (chalicelib/api/lazy.py)
    state, views = lazy("chalicelib.consent.state"), lazy("chalicelib.api.views")
    sends, unsubscribe = lazy("chalicelib.marketing.sends"), lazy("chalicelib.consent.unsubscribe")
    stores, core = lazy("chalicelib.stores"), lazy("chalicelib.members.core")
    i18n, pages = lazy("chalicelib.i18n"), lazy("chalicelib.consent.pages")
    links = lazy("chalicelib.links")

consents = Blueprint(__name__)


def consent_context() -> dict[str, Field]:
    """The customer's IP, browser and the words they agreed to (limits from the domain module, so per request)."""
    return {"client_ip": Field(str, max_length=45), "user_agent": Field(str, max_length=state.MAX_USER_AGENT),
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
    return views.consents_view(core.get_member(call.store_id, member_id))


@endpoint(consents, "/storefront/members/{member_id}/consents", ["PUT"], roles=STOREFRONT)
def put_consents(call: Call, member_id: str) -> Body:
    body = call.body({"email_marketing": Field(bool), "sms_marketing": Field(bool),
                      "source": Field(str, required=True, max_length=20, check=state.check_source),
                      **consent_context()})
    changes = state.choices(body)
    if not changes:
        raise InvalidRequest("give 'email_marketing' and/or 'sms_marketing' (true or false)", field="email_marketing")
    now = clock.now()
    member = state.change_consents(call.store_id, member_id, changes, origin_of(call, body, body["source"], now))
    return views.consents_view(member)


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
    return views.consents_view(state.change_consents(call.store_id, member_id, changes, origin))


# --- the public unsubscribe link (RFC 8058) ---

ONE_CLICK_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain",
                           "application/json", "application/octet-stream"]


def _html(status: int, page: str) -> Response:
    return Response(body=page, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": pages.CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY"})


def _not_found_page(call: Call) -> Response:
    return _html(404, pages.not_valid(call.request.headers.get("accept-language")))


@endpoint(consents, "/u/{token}", ["GET"], roles=PUBLIC)
def unsubscribe_page(call: Call, token: str) -> Response:
    """A page with a button: corporate link scanners follow every GET, so a GET never changes anything."""
    try:
        target = unsubscribe.target_of(token)
        core.get_member(target.store_id, target.member_id)
        store = stores.get_store(target.store_id)
    except NotFound:
        return _not_found_page(call)
    return _html(200, pages.question(i18n.store_language(store), target.purpose, store.name))


@endpoint(consents, "/u/{token}", ["POST"], roles=PUBLIC, content_types=ONE_CLICK_CONTENT_TYPES)
def unsubscribe_one_click(call: Call, token: str) -> Response | Body:
    """RFC 8058: the mailbox provider POSTs ``List-Unsubscribe=One-Click`` (or the page's button does)."""
    wants_html = "text/html" in (call.request.headers.get("accept") or "")
    try:
        target, member = unsubscribe.one_click(token, clock.now(), request_ip(call),
                                               call.request.headers.get("user-agent"))
    except NotFound:
        if wants_html:
            return _not_found_page(call)
        raise
    if wants_html:
        return _html(200, pages.unsubscribed(i18n.store_language(stores.get_store(target.store_id)), target.purpose))
    return {"unsubscribed": True, "purpose": target.purpose, **{target.purpose: views.consent_view(member,
                                                                                                    target.purpose)}}


# --- marketing sends ---


def _subject(value: str) -> str:
    """Checked here, at the route: a subject every e-mail of the send would fail on is a 400, not 202."""
    return str(one_line("subject")(value))


@endpoint(consents, "/admin/marketing-emails", ["POST"], roles=ADMIN, status=202)
def start_marketing_email(call: Call) -> Body:
    body = call.body({"kind": Field(str, required=True, max_length=20, choices=sends.EMAIL_KINDS),
                      "subject": Field(str, required=True, max_length=200, check=_subject),
                      "text": Field(str, required=True, max_length=20_000),
                      "audience": Field(dict, required=True, check=sends.check_audience)})
    send = sends.start_send(call.store_id, "email", body["kind"], body["subject"], body["text"], body["audience"],
                            links.public_api_url(), clock.now())
    return {"send_id": send.send_id}


@endpoint(consents, "/admin/marketing-emails/{send_id}", ["GET"], roles=ADMIN)
def get_marketing_email(call: Call, send_id: str) -> Body:
    return views.send_view(sends.get_send(call.store_id, send_id, "email"))


@endpoint(consents, "/admin/marketing-sms", ["POST"], roles=ADMIN, status=202)
def start_marketing_sms(call: Call) -> Body:
    body = call.body({"text": Field(str, required=True, max_length=600),
                      "audience": Field(dict, required=True, check=sends.check_audience)})
    if not body["text"].strip():
        raise InvalidRequest("'text' must not be empty", field="text")
    send = sends.start_send(call.store_id, "sms", "broadcast", None, body["text"], body["audience"],
                            links.public_api_url(), clock.now())
    return {"send_id": send.send_id}


@endpoint(consents, "/admin/marketing-sms/{send_id}", ["GET"], roles=ADMIN)
def get_marketing_sms(call: Call, send_id: str) -> Body:
    return views.send_view(sends.get_send(call.store_id, send_id, "sms"))
