"""The storefront's member accounts: phone verification, sign-up, login, password reset, change of number.

Also the store's SMS templates (admin key).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import clock, verification
from chalicelib.api.http import ADMIN, STOREFRONT, Body, Call, endpoint
from chalicelib.errors import InvalidRequest
from chalicelib.sms import templates
from chalicelib.validation import Field

accounts = Blueprint(__name__)


def one_of(name: str, allowed: tuple[str, ...]) -> Any:
    def check(value: str) -> str:
        if value not in allowed:
            raise InvalidRequest(f"'{name}' must be one of {', '.join(allowed)}", field=name)
        return value

    return check


def client_ip(call: Call) -> str | None:
    """The caller's IP as API Gateway (and chalice local) report it."""
    identity = (call.request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or None


PHONE = Field(object, required=True)  # "+886..." or {"calling_code", "number"}: checked by sms.parse_phone
CODE = Field(str, required=True, max_length=6, check=verification.check_code_format)


@endpoint(accounts, "/storefront/verifications", ["POST"], roles=STOREFRONT, status=202)
def start_verification(call: Call) -> Body:
    body = call.body({"phone": PHONE, "purpose": Field(str, required=True, max_length=20, check=one_of(
        "purpose", verification.PHONE_PURPOSES))})
    started = verification.start_phone_verification(call.store_id, body["phone"], body["purpose"],
                                                    client_ip(call), clock.now())
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
