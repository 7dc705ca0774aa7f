"""Member search through the admin and staff routes: one filter, exact phone/email, name prefix, per store."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import members
from tests.support_accounts import call
from tests.support_staff import bearer, staff_key


@pytest.fixture
def shop(client: Any, store: Any) -> dict[str, Any]:
    amy = members.create_member(store.store_id, "Amy Chen", phone="+886912345678", email="Amy.Chen@Example.com")
    members.create_member(store.store_id, "Amanda Lin", phone="+886922000111")
    members.create_member(store.store_id, "Bob Wu")
    return {"store": store, "staff": bearer(staff_key(client, store.admin())["key"]), "amy": amy}


def ids(body: dict[str, Any]) -> list[str]:
    return [item["name"] for item in body["items"]]


@pytest.mark.parametrize(("query", "phone", "email"), [
    ("phone=0912%20345%20678", "+886912345678", "A***@Example.com"),
    ("phone=%2B886912345678", "+886912345678", "A***@Example.com"),
    ("phone=0912-345-678", "+886912345678", "A***@Example.com"),
    ("email=amy.chen%40example.COM", "+886*****5678", "Amy.Chen@Example.com"),
    ("name=amy", "+886*****5678", "A***@Example.com"),
    ("name=AMY%20C", "+886*****5678", "A***@Example.com")])
def test_staff_finds_a_member_by_phone_email_or_name_prefix(client, shop, query, phone, email):
    status, body = call(client, "GET", f"/staff/members?{query}", shop["staff"])
    assert status == 200, body
    assert ids(body) == ["Amy Chen"] and body["next_cursor"] is None
    [item] = body["items"]
    # Only what the staff member typed in full is shown in full.
    assert (item["phone"], item["email"]) == (phone, email) and item["member_id"] == shop["amy"].member_id
    assert item["referral"] is None and item["is_member"] is True


def test_name_is_a_prefix_and_pages(client, shop):
    status, first = call(client, "GET", "/admin/members?name=am&limit=1", shop["store"].admin())
    assert status == 200 and ids(first) == ["Amanda Lin"] and first["next_cursor"]
    status, second = call(client, "GET", f"/admin/members?name=am&limit=1&cursor={first['next_cursor']}",
                          shop["store"].admin())
    assert status == 200 and ids(second) == ["Amy Chen"]
    assert call(client, "GET", "/admin/members?name=my", shop["store"].admin())[1]["items"] == []


def test_no_match_is_an_empty_list(client, shop):
    for query in ("phone=0933111222", "email=nobody%40example.com", "name=zed"):
        status, body = call(client, "GET", f"/staff/members?{query}", shop["staff"])
        assert status == 200 and body == {"items": [], "next_cursor": None}


def test_a_store_never_sees_another_stores_members(client, shop, other_store):
    rival_staff = bearer(staff_key(client, other_store.admin())["key"])
    for query in ("phone=%2B886912345678", "email=amy.chen%40example.com", "name=am"):
        status, body = call(client, "GET", f"/staff/members?{query}", rival_staff)
        assert status == 200 and body["items"] == [], query
    status, _ = call(client, "GET", f"/admin/members?name=a&cursor={_cursor(client, shop)}", other_store.admin())
    assert status == 400


def _cursor(client: Any, shop: dict[str, Any]) -> str:
    return str(call(client, "GET", "/admin/members?name=a&limit=1", shop["store"].admin())[1]["next_cursor"])


@pytest.mark.parametrize(("query", "field"), [
    ("", "phone"), ("phone=1&name=am", "name"), ("phone=12", "phone"), ("name=", "name"), ("name=a", "name"),
    ("name=%20a%20", "name"), ("name=am&cursor=garbage", "cursor"), ("nickname=a", "nickname"),
    ("added_from=br_1", "added_from"),  # the staff app searches by phone, email or name only
])
def test_staff_search_needs_exactly_one_readable_filter(client, shop, query, field):
    status, body = call(client, "GET", f"/staff/members?{query}", shop["staff"])
    assert status == 400 and body["error"]["field"] == field


def test_a_name_cursor_is_not_an_added_from_cursor(client, shop):
    cursor = _cursor(client, shop)
    status, body = call(client, "GET", f"/admin/members?added_from=br_1&cursor={cursor}", shop["store"].admin())
    assert status == 400 and body["error"]["field"] == "cursor"


def test_roles(client, shop):
    assert call(client, "GET", "/staff/members?name=a", shop["store"].admin())[0] == 403
    assert call(client, "GET", "/admin/members?name=a", shop["staff"])[0] == 403
    assert call(client, "GET", "/admin/members?name=a", shop["store"].storefront())[0] == 403


def test_staff_name_search_cannot_page_through_the_member_base(client, store):
    # GIVEN 30 members whose names start with "Ch" (the attack: 36 one-letter searches listed every member)
    for n in range(30):
        members.create_member(store.store_id, f"Chen {n:02d}", phone=f"+88691200{n:04d}", email=f"chen{n}@example.com")
    staff = bearer(staff_key(client, store.admin())["key"])
    # WHEN a staff key searches one letter, then two letters with a big limit
    status, refused = call(client, "GET", "/staff/members?name=c", staff)
    assert status == 400 and refused["error"]["field"] == "name"
    status, body = call(client, "GET", "/staff/members?name=ch&limit=200", staff)
    # THEN it gets at most 20 members, no next page, and no full phone number or email
    assert status == 200 and len(body["items"]) == 20 and body["next_cursor"] is None
    for item in body["items"]:
        assert "*****" in item["phone"] and item["phone"][-4:].isdigit()
        assert item["email"].startswith("c***@")
    # ... while the admin still pages through all of them
    status, page = call(client, "GET", "/admin/members?name=ch&limit=200", store.admin())
    assert status == 200 and len(page["items"]) == 30 and "@" in page["items"][0]["email"]
