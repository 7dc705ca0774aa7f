"""The staff app through the routes: registration links by SMS, redemption into a permanent referral."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib import clock, members
from chalicelib.models import MemberModel
from chalicelib.reports import referrals as referral_report
from tests.support_accounts import call, fresh_tw_mobile, moto_sms
from tests.support_staff import STOREFRONT_URL, bearer, invite_token, staff_key


@pytest.fixture
def shop(client: Any, store: Any) -> dict[str, Any]:
    status, _ = call(client, "PUT", "/admin/settings", store.admin(),
                     {"storefront_url": STOREFRONT_URL, "sms_ip_hourly_limit": 1000})
    assert status == 200
    return {"store": store, "staff": staff_key(client, store.admin())}


def invite(client: Any, shop: dict[str, Any], phone: Any) -> tuple[int, Any]:
    return call(client, "POST", "/staff/registration-invitations", bearer(shop["staff"]["key"]), {"phone": phone})


def redeem(client: Any, shop: dict[str, Any], token: str, member_id: str) -> tuple[int, Any]:
    return call(client, "POST", "/storefront/registrations/redeem", shop["store"].storefront(),
                {"token": token, "member_id": member_id})


def sent_token(client: Any, shop: dict[str, Any], phone: str) -> str:
    status, body = invite(client, shop, phone)
    assert status == 202, body
    return invite_token(moto_sms(phone)[-1])


def test_an_invitation_texts_a_registration_link_valid_two_hours(client, shop):
    phone = fresh_tw_mobile()
    before = clock.now()
    status, body = invite(client, shop, phone)
    assert status == 202 and body["invitation_id"].startswith("ri_")
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=2) - timedelta(seconds=1) <= expires - before <= timedelta(hours=2, seconds=1)
    [message] = moto_sms(phone)
    link = f"{STOREFRONT_URL}/account/register?invite="
    assert message.startswith(f"Demo Tea House 邀請您加入會員：{link}")  # a TW store's default, in its language
    assert len(invite_token(message)) >= 43  # 256 bits, URL-safe base64


def test_redeeming_binds_staff_and_branch_once_and_for_ever(client, shop):
    phone = fresh_tw_mobile()
    member = members.create_member(shop["store"].store_id, "Amy", phone=phone, phone_verified=True)
    status, body = redeem(client, shop, sent_token(client, shop, phone), member.member_id)
    assert status == 200, body
    assert body["referral"]["staff_id"] == shop["staff"]["staff_id"]
    assert body["referral"]["branch_id"] == shop["staff"]["branch_id"]
    stored = MemberModel.get(shop["store"].store_id, member.member_id)
    first = (stored.referral_staff_id, stored.referral_branch_id, stored.referral_bound_at)
    # The referral report (issue 7) reads exactly what the redemption wrote.
    store_id = shop["store"].store_id
    day = clock.local_day(stored.referral_bound_at, "Asia/Taipei")
    rows = list(referral_report.rows(store_id, [day], "Asia/Taipei", referral_report.Names(store_id), Counter()))
    assert rows == [[member.member_id, "Amy", phone, rows[0][3], "Taipei 101", "Mei"]] and rows[0][3]
    # ... and the admin's "added from this branch" filter finds the member.
    status, found = call(client, "GET", f"/admin/members?added_from={shop['staff']['branch_id']}",
                         shop["store"].admin())
    assert status == 200 and [m["member_id"] for m in found["items"]] == [member.member_id]

    # Another staff member of another branch invites the same customer: the first referral stays.
    other = staff_key(client, shop["store"].admin(), "Kaohsiung", "Lee")
    clock.advance(31)
    status, _ = call(client, "POST", "/staff/registration-invitations", bearer(other["key"]), {"phone": phone})
    assert status == 202
    status, refused = redeem(client, shop, invite_token(moto_sms(phone)[-1]), member.member_id)
    assert status == 409 and refused["error"]["code"] == "referral_already_bound"
    stored = MemberModel.get(shop["store"].store_id, member.member_id)
    assert (stored.referral_staff_id, stored.referral_branch_id, stored.referral_bound_at) == first


def test_token_rules(client, shop):
    phone = fresh_tw_mobile()
    amy = members.create_member(shop["store"].store_id, "Amy", phone=phone, phone_verified=True)
    bob = members.create_member(shop["store"].store_id, "Bob")
    token = sent_token(client, shop, phone)

    status, body = redeem(client, shop, token + "x", amy.member_id)
    assert status == 404 and body["error"]["code"] == "invalid_token"
    status, body = redeem(client, shop, token, "mb_nobody")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert redeem(client, shop, token, amy.member_id)[0] == 200
    status, body = redeem(client, shop, token, bob.member_id)
    assert status == 409 and body["error"]["code"] == "token_used"
    assert MemberModel.get(shop["store"].store_id, bob.member_id).referral_staff_id is None


def test_a_link_expires_after_two_hours_even_while_stored(client, shop):
    phone = fresh_tw_mobile()
    member = members.create_member(shop["store"].store_id, "Amy", phone=phone, phone_verified=True)
    token = sent_token(client, shop, phone)
    clock.advance(2 * 3600 + 1)
    status, body = redeem(client, shop, token, member.member_id)
    assert status == 410 and body["error"]["code"] == "token_expired"
    assert MemberModel.get(shop["store"].store_id, member.member_id).referral_staff_id is None


def test_a_link_credits_only_the_member_whose_verified_phone_it_was_texted_to(client, shop):
    # GIVEN a registration link texted to one number
    phone = fresh_tw_mobile()
    token = sent_token(client, shop, phone)
    store_id = shop["store"].store_id
    # WHEN someone else redeems it (another number, the same number unverified, no number)
    for other in (members.create_member(store_id, "Eve", phone=fresh_tw_mobile(), phone_verified=True),
                  members.create_member(store_id, "Eve2", email="eve@example.com"),
                  members.create_member(store_id, "Amy?", phone=phone, phone_verified=False)):
        status, body = redeem(client, shop, token, other.member_id)
        # THEN 409 phone_mismatch and nothing is written
        assert status == 409 and body["error"]["code"] == "phone_mismatch", other.name
        assert MemberModel.get(store_id, other.member_id).referral_staff_id is None
    # ... and the link still works for the member it was texted to
    MemberModel(store_id, members.find_member_by_identity(store_id, members.phone_identity(phone)).member_id).update(
        actions=[MemberModel.phone_verified.set(True)])
    owner = members.find_member_by_identity(store_id, members.phone_identity(phone))
    assert redeem(client, shop, token, owner.member_id)[0] == 200


def test_a_removed_staff_members_key_is_refused_and_referrals_stay(client, shop):
    # GIVEN a staff member who bound a referral
    phone = fresh_tw_mobile()
    member = members.create_member(shop["store"].store_id, "Amy", phone=phone, phone_verified=True)
    assert redeem(client, shop, sent_token(client, shop, phone), member.member_id)[0] == 200
    staff = bearer(shop["staff"]["key"])
    assert call(client, "GET", "/staff/members?name=am", staff)[0] == 200
    # WHEN the admin removes them (a lost counter tablet)
    path = f"/admin/staff/{shop['staff']['staff_id']}"
    response = client.http.delete(path, headers=shop["store"].admin())
    assert response.status_code == 204
    # THEN their key answers 401 on every route, and the referral stays
    assert call(client, "GET", "/staff/members?name=am", staff)[0] == 401
    assert invite(client, shop, fresh_tw_mobile())[0] == 401
    assert MemberModel.get(shop["store"].store_id, member.member_id).referral_staff_id == shop["staff"]["staff_id"]
    _, listed = call(client, "GET", "/admin/staff", shop["store"].admin())
    assert [s["removed_at"] is not None for s in listed["items"]] == [True]
    assert client.http.delete(path, headers=shop["store"].admin()).status_code == 204
    assert client.http.delete("/admin/staff/sf_nobody", headers=shop["store"].admin()).status_code == 404
    assert client.http.delete(path, headers=shop["store"].storefront()).status_code == 403


def test_a_token_of_another_store_is_invalid_here(client, shop, other_store):
    phone = fresh_tw_mobile()
    token = sent_token(client, shop, phone)
    rival = members.create_member(other_store.store_id, "Amy", phone=phone)
    status, body = call(client, "POST", "/storefront/registrations/redeem", other_store.storefront(),
                        {"token": token, "member_id": rival.member_id})
    assert status == 404 and body["error"]["code"] == "invalid_token"


def test_check_again_sends_to_the_corrected_number_within_the_limits(client, shop):
    wrong, right = fresh_tw_mobile(), fresh_tw_mobile()
    assert invite(client, shop, wrong)[0] == 202
    assert invite(client, shop, right)[0] == 202
    assert len(moto_sms(wrong)) == 1 and len(moto_sms(right)) == 1
    status, body = invite(client, shop, right)  # the same number again at once: the 30 s rule
    assert status == 429 and body["error"]["code"] == "rate_limited"


def test_national_notation_is_read_in_the_store_country(client, shop):
    status, _ = invite(client, shop, "0912 345 678")
    assert status == 202
    assert len(moto_sms("+886912345678")) == 1


@pytest.mark.parametrize(("body", "field"), [({}, "phone"), ({"phone": "12"}, "phone"),
                                             ({"phone": "+886912345678", "staff_id": "x"}, "staff_id")])
def test_bad_invitation_requests_name_the_field(client, shop, body, field):
    status, answer = call(client, "POST", "/staff/registration-invitations", bearer(shop["staff"]["key"]), body)
    assert status == 400 and answer["error"]["field"] == field


def test_the_invitation_needs_a_storefront_url(client, store):
    key = staff_key(client, store.admin())
    status, body = call(client, "POST", "/staff/registration-invitations", bearer(key["key"]),
                        {"phone": fresh_tw_mobile()})
    assert status == 422 and body["error"]["code"] == "storefront_url_missing"


def test_roles(client, shop):
    status, _ = call(client, "POST", "/staff/registration-invitations", shop["store"].admin(),
                     {"phone": fresh_tw_mobile()})
    assert status == 403
    status, _ = call(client, "POST", "/storefront/registrations/redeem", bearer(shop["staff"]["key"]),
                     {"token": "x", "member_id": "y"})
    assert status == 403
