"""The customer list (GET /admin/members without a search term) and customer exports (CONTRACT v3)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from chalicelib import clock, members
from tests.conftest import call
from tests.support_accounts import fresh_tw_mobile, moto_sms
from tests.support_consent import sign_up
from tests.support_staff import STOREFRONT_URL, bearer, invite_token, staff_key

HEADER = ("Member ID,Name,Mobile Number,International Calling Code,Email,Phone Verified,Email Verified,Tags,"
          "Member Since,Lifecycle Stage,Accepts Email Marketing,Accepts SMS Marketing,Blacklisted,"
          "Store Referral Binding Time,Referral Branch,Store Referral Staff")


def ids(answer: dict[str, Any]) -> list[str]:
    return [item["member_id"] for item in answer["items"]]


def listed(client: Any, store: Any, query: str = "") -> tuple[int, Any]:
    return call(client, "GET", f"/admin/members{query}", store.admin())


def referred_member(client: Any, store: Any, name: str = "Amy") -> tuple[str, dict[str, str]]:
    """A member registered through a staff member's SMS link at branch "Taipei 101" (staff "Mei")."""
    assert call(client, "PUT", "/admin/settings", store.admin(),
                {"storefront_url": STOREFRONT_URL, "sms_ip_hourly_limit": 1000})[0] == 200
    staff = staff_key(client, store.admin())
    phone = fresh_tw_mobile()
    member = members.create_member(store.store_id, name, phone=phone, phone_verified=True)
    assert call(client, "POST", "/staff/registration-invitations", bearer(staff["key"]), {"phone": phone})[0] == 202
    status, body = call(client, "POST", "/storefront/registrations/redeem", store.storefront(),
                        {"token": invite_token(moto_sms(phone)[-1]), "member_id": member.member_id})
    assert status == 200, body
    return member.member_id, staff


# --- the list ---------------------------------------------------------------------------------------


def test_without_a_search_term_the_list_is_every_member_newest_first_in_pages(client, store, other_store):
    # GIVEN five members signed up a second apart, and one of another store
    made = []
    for index in range(5):
        made.append(sign_up(client, store, f"m{index}@example.com"))
        clock.advance(1)
    sign_up(client, other_store, "rival@example.com")

    # WHEN the merchant opens the list, two at a time
    status, first = listed(client, store, "?limit=2")
    second = listed(client, store, f"?limit=2&cursor={first['next_cursor']}")[1]
    third = listed(client, store, f"?limit=2&cursor={second['next_cursor']}")[1]

    # THEN every member of this store comes once, newest first, with the list's fields
    assert status == 200
    assert ids(first) + ids(second) + ids(third) == list(reversed(made))
    assert third["next_cursor"] is None
    item = first["items"][0]
    for field in ("member_id", "name", "phone", "email", "tags", "created_at", "lifecycle", "referral", "blacklisted"):
        assert field in item
    assert item["email"] == "m4@example.com"  # unmasked: the admin's list


def test_each_filter_alone_and_together(client, store):
    # GIVEN members: tagged VIP, subscribed to e-mail, blacklisted, referred at a branch
    vip = sign_up(client, store, "vip@example.com")
    subscribed = sign_up(client, store, "sub@example.com", email_marketing=True)
    both = sign_up(client, store, "both@example.com", email_marketing=True)
    for member_id in (vip, both):
        assert call(client, "POST", f"/admin/members/{member_id}/tags", store.admin(), {"tags": ["VIP"]})[0] == 200
    banned = sign_up(client, store, "banned@example.com")
    call(client, "PUT", f"/admin/members/{banned}/blacklist", store.admin())
    referred, staff = referred_member(client, store)

    # THEN each filter finds exactly its members
    assert sorted(ids(listed(client, store, "?tag=VIP")[1])) == sorted([vip, both])
    assert sorted(ids(listed(client, store, "?email_marketing=subscribed")[1])) == sorted([subscribed, both])
    assert ids(listed(client, store, "?blacklisted=true")[1]) == [banned]
    _status, by_branch = listed(client, store, f"?added_from={staff['branch_id']}")
    assert ids(by_branch) == [referred]
    assert by_branch["items"][0]["referral"]["branch_name"] == "Taipei 101"
    assert ids(listed(client, store, "?stage=need_introduce")[1]) == []  # nobody staged yet
    # ... and together, every filter holds
    assert ids(listed(client, store, "?tag=VIP&email_marketing=subscribed")[1]) == [both]
    assert ids(listed(client, store, "?tag=VIP&blacklisted=true")[1]) == []
    assert listed(client, store, "?blacklisted=true")[1]["items"][0]["blacklisted"] is True


@pytest.mark.parametrize(("query", "field"), [
    ("?blacklisted=false", "blacklisted"), ("?email_marketing=never", "email_marketing"),
    ("?stage=royal", "stage"), ("?colour=red", "colour"), ("?tag=VIP&name=am", "tag"),
    ("?cursor=bm90LWEtY3Vyc29y", "cursor")])
def test_bad_list_queries_are_400_naming_the_field(client, store, query, field):
    status, answer = listed(client, store, query)
    assert status == 400 and answer["error"]["field"] == field


def test_a_cursor_of_another_filter_is_refused(client, store):
    for index in range(3):
        sign_up(client, store, f"m{index}@example.com")
    cursor = listed(client, store, "?limit=1")[1]["next_cursor"]
    status, answer = listed(client, store, f"?tag=VIP&cursor={cursor}")
    assert status == 400 and answer["error"]["field"] == "cursor"


# --- exports ----------------------------------------------------------------------------------------


def export(client: Any, store: Any, body: Any = None) -> dict[str, Any]:
    status, started = call(client, "POST", "/admin/customer-exports", store.admin(), body)
    assert status == 202, started
    status, progress = call(client, "GET", f"/admin/customer-exports/{started['export_id']}", store.admin())
    assert status == 200, progress
    return dict(progress)


def csv_of(store: Any, progress: dict[str, Any]) -> tuple[bytes, list[list[str]]]:
    """The file the presigned URL points at (read from the embedded S3) and its rows."""
    from chalicelib.config import settings
    from chalicelib.models.customers import CustomerExportModel
    from chalicelib.reports.s3stream import s3_client

    key = CustomerExportModel.get(store.store_id, progress["export_id"]).key
    assert key in progress["url"] or key.replace("/", "%2F") in progress["url"]
    data = s3_client().get_object(Bucket=settings().reports_bucket, Key=key)["Body"].read()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_an_export_is_the_list_as_csv_with_the_exact_header_and_the_referral_columns(client, store):
    # GIVEN a referred member, tagged, subscribed to e-mail; and a member whose name starts a formula
    referred, _staff = referred_member(client, store, "Amy")
    call(client, "POST", f"/admin/members/{referred}/tags", store.admin(), {"tags": ["VIP", "Tea"]})
    hostile = sign_up(client, store, "eve@example.com")
    from chalicelib.models.members import MemberModel

    MemberModel(store.store_id, hostile).update(actions=[MemberModel.name.set("=HYPERLINK(\"http://x\")")])

    # WHEN the merchant exports every customer
    progress = export(client, store)

    # THEN it is done, with a presigned URL to a CSV of exactly the contract's header
    assert progress["state"] == "done" and progress["rows"] == 2 and progress["url"].startswith("http")
    data, rows = csv_of(store, progress)
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    by_id = {row[0]: dict(zip(HEADER.split(","), row, strict=True)) for row in rows[1:]}
    amy = by_id[referred]
    assert amy["Referral Branch"] == "Taipei 101" and amy["Store Referral Staff"] == "Mei"
    assert amy["Store Referral Binding Time"].startswith(clock.now().strftime("%Y-")) and "+08:00" in \
        amy["Store Referral Binding Time"]
    assert amy["International Calling Code"] == "886" and amy["Mobile Number"].startswith("9")
    assert amy["Phone Verified"] == "Y" and amy["Tags"] == "Tea, VIP" and amy["Blacklisted"] == "N"
    assert by_id[hostile]["Name"] == "'=HYPERLINK(\"http://x\")"  # formula-safe
    assert by_id[hostile]["Referral Branch"] == "" and by_id[hostile]["Email"] == "eve@example.com"


def test_an_export_takes_the_list_filters(client, store):
    sign_up(client, store, "a@example.com")
    banned = sign_up(client, store, "b@example.com")
    call(client, "PUT", f"/admin/members/{banned}/blacklist", store.admin())
    progress = export(client, store, {"filters": {"blacklisted": True}})
    _data, rows = csv_of(store, progress)
    assert [row[0] for row in rows[1:]] == [banned] and rows[1][12] == "Y"
    status, answer = call(client, "POST", "/admin/customer-exports", store.admin(), {"filters": {"stage": "x"}})
    assert status == 400 and answer["error"]["field"] == "filters.stage"


def test_a_large_export_is_built_over_many_invocations_into_one_file(client, store, monkeypatch):
    """Each invocation writes one page and hands on (budget 0); tails shorter than a part are carried over."""
    import moto.s3.models

    from chalicelib.members import exports

    # GIVEN 23 members, pages of 4, parts of at least 600 bytes, and no time left after each page
    made = [sign_up(client, store, f"member{index:02d}@example.com") for index in range(23)]
    monkeypatch.setattr(exports, "PAGE_SIZE", 4)
    monkeypatch.setattr(exports, "BUDGET_SECONDS", -1.0)
    monkeypatch.setattr(exports, "MIN_PART_SIZE", 600)
    monkeypatch.setattr(exports, "PART_SIZE", 1200)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 600)
    steps = []
    original = exports.hand_off
    monkeypatch.setattr(exports, "hand_off", lambda event: (steps.append(event["step"]), original(event)))

    # WHEN exported
    progress = export(client, store)

    # THEN six invocations built one file holding every member once, newest first
    assert steps == [0, 1, 2, 3, 4, 5]
    assert progress["state"] == "done" and progress["rows"] == 23
    _data, rows = csv_of(store, progress)
    assert rows[0] == HEADER.split(",") and [row[0] for row in rows[1:]] == list(reversed(made))


def test_a_repeated_invocation_of_a_finished_step_changes_nothing(client, store):
    from chalicelib.members import exports

    sign_up(client, store, "a@example.com")
    progress = export(client, store)
    exports.run({"store_id": store.store_id, "export_id": progress["export_id"], "step": 0}, clock.now())
    again = call(client, "GET", f"/admin/customer-exports/{progress['export_id']}", store.admin())[1]
    assert (again["state"], again["rows"]) == ("done", 1)


def test_exports_are_the_stores_own(client, store, other_store):
    sign_up(client, store, "a@example.com")
    progress = export(client, store)
    status, _ = call(client, "GET", f"/admin/customer-exports/{progress['export_id']}", other_store.admin())
    assert status == 404
    assert call(client, "GET", "/admin/customer-exports/ex_nope", store.admin())[0] == 404
