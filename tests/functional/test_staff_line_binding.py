"""LINE binding at the counter: a QR link (or an SMS) that binds the member's LINE account on login."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib import clock, members
from chalicelib.models import MemberModel
from tests.support_accounts import call, fresh_tw_mobile, moto_sms
from tests.support_staff import STOREFRONT_URL, bearer, link_in, staff_key


@pytest.fixture
def shop(client: Any, store: Any, sandbox: Any) -> dict[str, Any]:  # sandbox: LINE answers /v2/bot/info
    assert call(client, "PUT", "/admin/settings", store.admin(), {"storefront_url": STOREFRONT_URL})[0] == 200
    status, _ = call(client, "PUT", "/admin/channels/line", store.admin(),
                     {"channel_secret": "s" * 32, "channel_access_token": "t" * 40})
    assert status == 200
    return {"store": store, "staff": bearer(staff_key(client, store.admin())["key"])}


def create(client: Any, shop: dict[str, Any], member_id: str, via: str = "qr") -> tuple[int, Any]:
    return call(client, "POST", "/staff/line-binding-invitations", shop["staff"], {"member_id": member_id, "via": via})


def redeem(client: Any, shop: dict[str, Any], token: str, user: str = "U4af4980629") -> tuple[int, Any]:
    return call(client, "POST", "/storefront/line-bindings/redeem", shop["store"].storefront(),
                {"token": token, "line_user_id": user, "name": "Amy"})


def token_of(url: str) -> str:
    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == f"{STOREFRONT_URL}/account/line-bind"
    return parse_qs(parsed.query)["token"][0]


def test_the_qr_link_binds_the_line_account_once(client, shop):
    amy = members.create_member(shop["store"].store_id, "Amy")
    status, made = create(client, shop, amy.member_id)
    assert status == 201 and made["via"] == "qr"
    token = token_of(made["url"])
    status, bound = redeem(client, shop, token)
    assert status == 200 and bound == {"member_id": amy.member_id, "social_user_key": "line:U4af4980629"}
    stored = MemberModel.get(shop["store"].store_id, amy.member_id)
    assert [a.key for a in stored.social_accounts] == ["line:U4af4980629"]
    assert redeem(client, shop, token)[1]["error"]["code"] == "token_used"
    status, again = create(client, shop, amy.member_id)
    assert status == 422 and again["error"]["code"] == "already_bound"


def test_a_line_account_binds_to_one_member_and_links_expire(client, shop):
    amy = members.create_member(shop["store"].store_id, "Amy")
    bob = members.create_member(shop["store"].store_id, "Bob")
    assert redeem(client, shop, token_of(create(client, shop, amy.member_id)[1]["url"]))[0] == 200
    status, body = redeem(client, shop, token_of(create(client, shop, bob.member_id)[1]["url"]))
    assert status == 409 and body["error"]["code"] == "social_account_bound_to_other_member"
    late = token_of(create(client, shop, bob.member_id)[1]["url"])
    clock.advance(3601)
    assert redeem(client, shop, late, "Ubob")[1]["error"]["code"] == "token_expired"
    assert redeem(client, shop, "nope", "Ubob")[1]["error"]["code"] == "invalid_token"


def test_cant_scan_texts_the_link_to_the_members_phone(client, shop):
    phone = fresh_tw_mobile()
    amy = members.create_member(shop["store"].store_id, "Amy", phone=phone)
    status, made = create(client, shop, amy.member_id, "sms")
    assert status == 201 and made["url"] is None
    [message] = moto_sms(phone)
    assert redeem(client, shop, token_of(link_in(message)))[0] == 200
    nophone = members.create_member(shop["store"].store_id, "No Phone")
    status, body = create(client, shop, nophone.member_id, "sms")
    assert status == 422 and body["error"]["code"] == "member_has_no_phone"


def test_refusals(client, shop, other_store):
    rival = members.create_member(other_store.store_id, "Rival")
    status, body = create(client, shop, rival.member_id)
    assert status == 404
    status, body = create(client, shop, "mb_x", "fax")
    assert status == 400 and body["error"]["field"] == "via"
    other_staff = bearer(staff_key(client, other_store.admin())["key"])
    status, body = call(client, "POST", "/staff/line-binding-invitations", other_staff, {"member_id": rival.member_id})
    assert status == 422 and body["error"]["code"] in ("line_not_connected", "storefront_url_missing")
