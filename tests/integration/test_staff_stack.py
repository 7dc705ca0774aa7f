"""The staff app over the real local stack: registration links read from the embedded SNS, expiry on the
shared clock, the permanent referral, store isolation and the national-notation search.

moto's TransactWriteItems is not isolated on its own; the sandbox serialises DynamoDB requests
(local/sandbox.py: serialize_dynamodb), which makes the concurrent-redemption test meaningful here.

Every test uses a store of its own (high per-IP SMS limit: every request here comes from 127.0.0.1)
and numbers nobody else uses; times are computed from the stack's clock, which only moves forward.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.integration.conftest import post_concurrently
from tests.integration.support_stack import advance, sms_to
from tests.integration.support_staff_stack import invite, invite_sent, new_shop, redeem, sign_up
from tests.support_accounts import fresh_tw_mobile
from tests.support_staff import STOREFRONT_URL


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, str]:
    return new_shop(stack, "Staff Test Shop")


def now(stack: Any) -> datetime:
    return stack.clock()


def test_the_sms_link_binds_staff_and_branch_and_a_second_invite_changes_nothing(stack, shop):
    phone = fresh_tw_mobile()
    token = invite(stack, shop, phone)
    assert sms_to(stack, phone)[-1].count(f"{STOREFRONT_URL}/account/register?invite=") == 1
    advance(stack, 31)  # the sign-up code goes to the same number: 30 s apart
    member_id = sign_up(stack, shop, phone)  # the shopper signs up from the link ...
    status, bound = redeem(stack, shop, token, member_id)  # ... and the storefront redeems it
    assert status == 200, bound
    assert bound["referral"]["staff_id"] == shop["staff_id"] and bound["referral"]["branch_id"] == shop["branch_id"]

    advance(stack, 31)
    second = invite(stack, shop, phone)
    status, refused = redeem(stack, shop, second, member_id)
    assert status == 409 and refused["error"]["code"] == "referral_already_bound"
    status, found = stack.call("GET", f"/staff/members?phone={phone.replace('+', '%2B')}", None,
                               headers={"Authorization": f"Bearer {shop['staff_key']}"})
    assert status == 200 and found["items"][0]["referral"] == bound["referral"]


def test_a_link_redeemed_two_hours_and_one_second_later_is_expired(stack, shop):
    phone = fresh_tw_mobile()
    member_id = sign_up(stack, shop, phone)
    advance(stack, 31)
    token, expires = invite_sent(stack, shop, phone)
    advance(stack, max(0, int((expires - now(stack)).total_seconds())) + 1)
    status, body = redeem(stack, shop, token, member_id)
    assert status == 410 and body["error"]["code"] == "token_expired"


def test_an_existing_member_is_bound_within_two_hours(stack, shop):
    phone = fresh_tw_mobile()
    member_id = sign_up(stack, shop, phone, "Existing Customer")
    advance(stack, 31)
    token = invite(stack, shop, phone)
    advance(stack, 2 * 3600 - 60)
    status, bound = redeem(stack, shop, token, member_id)
    assert status == 200 and bound["referral"]["branch_id"] == shop["branch_id"]
    status, listed = stack.call("GET", f"/admin/members?added_from={shop['branch_id']}&limit=200",
                                shop["admin_key"])
    assert status == 200 and member_id in [m["member_id"] for m in listed["items"]]


def test_staff_of_one_store_never_see_another_stores_members(stack, shop):
    rival = new_shop(stack, "Rival Staff Shop")
    phone = fresh_tw_mobile()
    sign_up(stack, shop, phone, "Zoe Huang")
    staff = {"Authorization": f"Bearer {rival['staff_key']}"}
    for query in (f"phone={phone.replace('+', '%2B')}", "name=zoe"):
        status, body = stack.call("GET", f"/staff/members?{query}", None, headers=staff)
        assert status == 200 and body["items"] == [], query
    status, body = stack.call("GET", "/staff/members?name=zoe", None,
                              headers={"Authorization": f"Bearer {shop['staff_key']}"})
    assert status == 200 and [m["name"] for m in body["items"]] == ["Zoe Huang"]


def test_a_number_written_nationally_is_found_in_e164(stack):
    taiwan = new_shop(stack, "National Notation Shop")  # +886912345678 is a member of this store only
    member_id = sign_up(stack, taiwan, "+886912345678", "Wen")
    status, body = stack.call("GET", "/staff/members?phone=0912%20345%20678", None,
                              headers={"Authorization": f"Bearer {taiwan['staff_key']}"})
    assert status == 200 and [m["member_id"] for m in body["items"]] == [member_id]
    assert body["items"][0]["phone"] == "+886912345678"


def test_of_ten_concurrent_redemptions_of_one_link_exactly_one_binds(stack, shop):
    phone = fresh_tw_mobile()
    token = invite(stack, shop, phone)
    advance(stack, 31)
    member_id = sign_up(stack, shop, phone, name="Racer")

    results = post_concurrently(stack, 10, "/storefront/registrations/redeem",
                                {"token": token, "member_id": member_id}, shop["storefront_key"])

    assert sorted(status for status, _ in results) == [200] + [409] * 9, results
    assert {answer["error"]["code"] for status, answer in results if status == 409} == {"token_used"}
    status, found = stack.call("GET", f"/admin/members?phone={phone.replace('+', '%2B')}", shop["admin_key"])
    assert status == 200 and found["items"][0]["referral"]["staff_id"] == shop["staff_id"]
