"""The in-store staff app (Smart OMO): SMS registration links and LINE binding links (staff key), and the
storefront's redemption of a registration link (storefront key). Member search is in ``api/search.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib import clock
from chalicelib.api.accounts import PHONE, RECAPTCHA_TOKEN, client_ip
from chalicelib.api.http import STAFF, STOREFRONT, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import Forbidden
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib import i18n, qr, referrals, sms
    from chalicelib.referrals import invitations, line
else:  # loaded by the first staff-app request, not at cold start (chalicelib/api/lazy.py)
    qr, referrals, sms = lazy("chalicelib.qr"), lazy("chalicelib.referrals"), lazy("chalicelib.sms")
    invitations, line = lazy("chalicelib.referrals.invitations"), lazy("chalicelib.referrals.line")
    i18n = lazy("chalicelib.i18n")

staff = Blueprint(__name__)

MEMBER_ID = Field(str, required=True, max_length=64)


def token_field() -> Field:
    """Built per request: the limit lives in the referrals module, which loads lazily."""
    return Field(str, required=True, max_length=invitations.MAX_TOKEN_LENGTH)


def staff_of(call: Call) -> tuple[str, str]:
    """The staff member and branch the key was issued to (every staff key names both)."""
    principal = call.principal
    if not principal.staff_id or not principal.branch_id:
        raise Forbidden("this staff key names no staff member and branch; issue one with POST /admin/staff")
    return principal.staff_id, principal.branch_id


@endpoint(staff, "/staff/store", ["GET"], roles=STAFF)
def staff_store(call: Call) -> Body:
    """What the staff app formats dates in: the store's time zone (the phone may be set to any other)."""
    store = sms.sms_store(call.store_id).store
    return {"name": store.name, "country": store.country, "timezone": store.timezone,
            "language": i18n.store_language(store)}


@endpoint(staff, "/staff/registration-invitations", ["POST"], roles=STAFF, status=202)
def send_registration_invitation(call: Call) -> Body:
    body = call.body({"phone": PHONE, "recaptcha_token": RECAPTCHA_TOKEN})
    staff_id, branch_id = staff_of(call)
    sent = referrals.send_registration_invitation(call.store_id, staff_id, branch_id, body["phone"], client_ip(call),
                                                  clock.now(), recaptcha_token=body.get("recaptcha_token"))
    return {"invitation_id": sent.invitation_id, "expires_at": clock.isoformat(sent.expires_at)}


@endpoint(staff, "/storefront/registrations/redeem", ["POST"], roles=STOREFRONT)
def redeem_registration_invitation(call: Call) -> Body:
    body = call.body({"token": token_field(), "member_id": MEMBER_ID})
    timezone = sms.sms_store(call.store_id).store.timezone
    referral = referrals.redeem_registration_invitation(call.store_id, body["token"], body["member_id"], timezone,
                                                        clock.now())
    return {"member_id": referral.member_id, "referral": {
        "staff_id": referral.staff_id, "branch_id": referral.branch_id, "bound_at": clock.isoformat(referral.bound_at)}}


@endpoint(staff, "/staff/line-binding-invitations", ["POST"], roles=STAFF, status=201)
def create_line_binding_invitation(call: Call) -> Body:
    body = call.body({"member_id": MEMBER_ID, "via": Field(str, max_length=3, choices=line.VIA)})
    staff_id, branch_id = staff_of(call)
    via = body.get("via", "qr")
    made = line.create_line_binding_invitation(call.store_id, staff_id, branch_id, body["member_id"], via,
                                               client_ip(call), clock.now())
    # Texted links are not shown back: only the member's phone should hold them.
    return {"invitation_id": made.invitation_id, "via": made.via, "url": made.url if via == "qr" else None,
            "qr_svg": qr.svg(made.url) if via == "qr" else None, "expires_at": clock.isoformat(made.expires_at)}


@endpoint(staff, "/storefront/line-bindings/redeem", ["POST"], roles=STOREFRONT)
def redeem_line_binding(call: Call) -> Body:
    body = call.body({"token": token_field(), "line_user_id": Field(str, required=True, max_length=64),
                      "name": Field(str, max_length=120, nullable=True)})
    member_id, key = line.redeem_line_binding(call.store_id, body["token"], body["line_user_id"], body.get("name"),
                                              clock.now())
    return {"member_id": member_id, "social_user_key": key}
