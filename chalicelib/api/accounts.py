"""The storefront's member accounts: phone verification, sign-up, login, password reset, change of number.

Also the store's SMS templates (admin key).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.consents import consent_context, origin_of
from chalicelib.api.http import ADMIN, STOREFRONT, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib import members, verification
    from chalicelib.api import views
    from chalicelib.consent import state
    from chalicelib.members import account
    from chalicelib.sms import templates
else:  # loaded by the first accounts request, not at cold start (chalicelib/api/lazy.py)
    state = lazy("chalicelib.consent.state")
    members, verification = lazy("chalicelib.members"), lazy("chalicelib.verification")
    views = lazy("chalicelib.api.views")
    account, templates = lazy("chalicelib.members.account"), lazy("chalicelib.sms.templates")

accounts = Blueprint(__name__)


def source_ip(call: Call) -> str | None:
    """The caller's IP as API Gateway (and chalice local) report it: for storefront routes, the shop's server."""
    identity = (call.request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or None


def client_ip(call: Call, body: Body | None = None) -> str | None:
    """The shopper's IP the storefront passed as ``client_ip`` (validated), else the caller's source IP."""
    if body is not None and body.get("client_ip"):
        return str(body["client_ip"])
    return source_ip(call)


def check_ip(value: str) -> str:
    """An IPv4 or IPv6 address, in its canonical form (so one address is one counter)."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise InvalidRequest("'client_ip' must be the shopper's IPv4 or IPv6 address", field="client_ip") from None


CLIENT_IP = Field(str, max_length=64, check=check_ip)
RECAPTCHA_TOKEN = Field(str, max_length=4000)


PHONE = Field(object, required=True)  # "+886..." or {"calling_code", "number"}: checked by sms.parse_phone
CODE = Field(str, required=True, max_length=6, check=lambda value: verification.check_code_format(value))


@endpoint(accounts, "/storefront/verifications", ["POST"], roles=STOREFRONT, status=202)
def start_verification(call: Call) -> Body:
    purpose = Field(str, required=True, max_length=20, choices=verification.PHONE_PURPOSES)
    body = call.body({"phone": PHONE, "purpose": purpose, "recaptcha_token": RECAPTCHA_TOKEN, "client_ip": CLIENT_IP})
    started = verification.start_phone_verification(call.store_id, body["phone"], body["purpose"],
                                                    client_ip(call, body), clock.now(), body.get("recaptcha_token"))
    return {"verification_id": started.verification_id, "resend_after_seconds": started.resend_after_seconds}


@endpoint(accounts, "/storefront/verifications/{verification_id}/check", ["POST"], roles=STOREFRONT)
def check_verification(call: Call, verification_id: str) -> Body:
    body = call.body({"code": CODE})
    return {"verification_token": verification.check_code(call.store_id, verification_id, body["code"],
                                                          clock.now())}


@endpoint(accounts, "/admin/templates/sms", ["GET"], roles=ADMIN)
def list_sms_templates(call: Call) -> Body:
    return {"items": templates.list_templates(call.store_id), "next_cursor": None}


@endpoint(accounts, "/admin/templates/sms/{template_type}", ["PUT"], roles=ADMIN)
def put_sms_template(call: Call, template_type: str) -> Body:
    templates.check_template_type(template_type)
    body = call.body({"text": Field(str, required=True, max_length=templates.MAX_MESSAGE_BYTES)})
    return templates.put_template(call.store_id, template_type, body["text"], clock.now())


NAME = Field(str, required=True, max_length=120)
TOKEN = Field(str, max_length=200)


# Fields whose limits live in the domain modules: built per request, so the modules load lazily.
def password_field() -> Field:
    return Field(str, required=True, max_length=members.passwords.MAX_LENGTH)


def email_field() -> Field:
    return Field(str, max_length=members.core.MAX_EMAIL_LENGTH, check=members.check_email)


def identifier_field() -> Field:
    return Field(str, required=True, max_length=members.core.MAX_EMAIL_LENGTH)


@endpoint(accounts, "/storefront/members", ["POST"], roles=STOREFRONT, status=201)
def sign_up(call: Call) -> Body:
    body = call.body({"name": NAME, "password": password_field(), "phone": Field(object), "email": email_field(),
                      "verification_token": TOKEN, "email_marketing": Field(bool), "sms_marketing": Field(bool),
                      **consent_context()})
    now = clock.now()
    # Ticked boxes become consent events in the member's own transaction; unticked (false or absent) = never.
    changes = [change for change in state.choices(body) if change.action == "subscribe"]
    origin = origin_of(call, body, "signup_form", now)
    member = account.sign_up(call.store_id, body["name"], body["password"], body.get("phone"), body.get("email"),
                             body.get("verification_token"), now,
                             prepare=lambda new: state.apply_to_new_member(new, changes, origin))
    return {"member_id": member.member_id}


@endpoint(accounts, "/storefront/members/{member_id}", ["GET"], roles=STOREFRONT)
def get_member(call: Call, member_id: str) -> Body:
    return views.member_view(members.get_member(call.store_id, member_id))


@endpoint(accounts, "/storefront/sessions", ["POST"], roles=STOREFRONT)
def log_in(call: Call) -> Body:
    body = call.body({"identifier": identifier_field(), "password": password_field(), "client_ip": CLIENT_IP})
    return {"member_id": account.log_in(call.store_id, body["identifier"], body["password"], client_ip(call, body),
                                        clock.now())}


@endpoint(accounts, "/storefront/password-resets", ["POST"], roles=STOREFRONT, status=202)
def request_password_reset(call: Call) -> Body:
    body = call.body({"identifier": identifier_field(),
                      "via": Field(str, required=True, max_length=5, choices=("sms", "email")),
                      "recaptcha_token": RECAPTCHA_TOKEN, "client_ip": CLIENT_IP})
    account.request_password_reset(call.store_id, body["identifier"], body["via"], client_ip(call, body),
                                   body.get("recaptcha_token"), clock.now())
    return {"accepted": True}


@endpoint(accounts, "/storefront/password-resets/confirm", ["POST"], roles=STOREFRONT)
def confirm_password_reset(call: Call) -> Body:
    body = call.body({"identifier": identifier_field(), "code": CODE, "new_password": password_field(),
                      "client_ip": CLIENT_IP})
    return {"member_id": account.confirm_password_reset(call.store_id, body["identifier"], body["code"],
                                                        body["new_password"], clock.now())}


@endpoint(accounts, "/storefront/members/{member_id}/phone", ["PUT"], roles=STOREFRONT)
def change_phone(call: Call, member_id: str) -> Body:
    body = call.body({"phone": PHONE, "verification_token": Field(str, required=True, max_length=200)})
    return views.member_view(account.change_phone(call.store_id, member_id, body["phone"],
                                                    body["verification_token"], clock.now()))


@endpoint(accounts, "/storefront/members/{member_id}/email", ["PUT"], roles=STOREFRONT)
def change_email(call: Call, member_id: str) -> Any:
    """Without ``code``: email a code to the address (202). With it: the address becomes the member's (200)."""
    body = call.body({"email": Field(str, required=True, max_length=members.core.MAX_EMAIL_LENGTH),
                      "code": Field(str, max_length=6, check=verification.check_code_format),
                      "recaptcha_token": RECAPTCHA_TOKEN, "client_ip": CLIENT_IP})
    if "code" not in body:
        verification_id = account.request_email_change(call.store_id, member_id, body["email"],
                                                       client_ip(call, body), body.get("recaptcha_token"),
                                                       clock.now())
        return Response(body={"verification_id": verification_id}, status_code=202,
                        headers={"Content-Type": "application/json"})
    return views.member_view(account.confirm_email_change(call.store_id, member_id, body["email"], body["code"],
                                                            clock.now()))


@endpoint(accounts, "/admin/sms/recaptcha", ["PUT"], roles=ADMIN)
def put_recaptcha(call: Call) -> Body:
    """``{"secret": "...", "min_score", "actions", "hostnames"}`` turns reCAPTCHA v3 on for every route that
    sends a code or a message; ``{"secret": null}`` turns it off."""
    body = call.body({"secret": Field(str, max_length=200, nullable=True),
                      "min_score": Field(object, check=score),
                      "actions": Field(list, check=short_strings("actions")),
                      "hostnames": Field(list, check=short_strings("hostnames"))})
    if "secret" not in body:
        raise InvalidRequest("'secret' is required (null turns reCAPTCHA off)", field="secret")
    from chalicelib.sms import captcha  # loads with the first reCAPTCHA setting, not at cold start

    return captcha.configure(call.store_id, body.get("secret"), clock.now(), min_score=body.get("min_score"),
                             actions=body.get("actions"), hostnames=body.get("hostnames"))


def score(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidRequest("'min_score' must be a number from 0.0 to 1.0", field="min_score")
    return float(value)


def short_strings(name: str) -> Any:
    def check(values: list[Any]) -> list[str]:
        if len(values) > 20 or not all(isinstance(v, str) and 0 < len(v) <= 253 for v in values):
            raise InvalidRequest(f"'{name}' must be a list of at most 20 non-empty strings", field=name)
        return [str(v) for v in values]

    return check
