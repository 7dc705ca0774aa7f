"""The staff search: a rate limit per staff key and an audit event per search (issue 25, finding 7)."""

from __future__ import annotations

from typing import Any

from chalicelib import abuse, members
from tests.support_accounts import call
from tests.support_staff import bearer, staff_key


def test_every_search_leaves_an_event_who_when_and_the_query_masked(client: Any, store: Any) -> None:
    # GIVEN a staff member at a branch
    members.create_member(store.store_id, "Amy Chen", phone="+886912345678", email="amy@example.com")
    mei = staff_key(client, store.admin())
    # WHEN she searches by phone, e-mail and name
    for query in ("phone=0912345678", "email=Amy%40Example.com", "name=amy"):
        assert call(client, "GET", f"/staff/members?{query}", bearer(mei["key"]))[0] == 200
    # THEN the admin sees three events, newest first, each naming her and her branch, none with the query in full
    status, page = call(client, "GET", "/admin/staff-searches", store.admin())
    assert status == 200
    assert [(e["by"], e["query"]) for e in page["items"]] == [("name", "a**"), ("email", "a***@example.com"),
                                                              ("phone", "******5678")]
    for event in page["items"]:
        assert event["action"] == "staff.member_search" and event["actor"] == f"staff:{mei['staff_id']}"
        assert event["staff_id"] == mei["staff_id"] and event["branch_id"] == mei["branch_id"] and event["at"]
    assert "0912345678" not in str(page) and "amy@" not in str(page)


def test_a_staff_key_past_its_per_minute_limit__429_with_retry_after__others_unaffected(client: Any,
                                                                                      store: Any) -> None:
    # GIVEN two staff keys WHEN the first searches as often as a script would
    scraper, colleague = staff_key(client, store.admin()), staff_key(client, store.admin(), staff_name="Lin")
    for n in range(abuse.STAFF_SEARCHES_PER_MINUTE.count):
        assert call(client, "GET", f"/staff/members?name=a{n}", bearer(scraper["key"]))[0] == 200
    status, body = call(client, "GET", "/staff/members?name=zz", bearer(scraper["key"]))
    # THEN it is refused with when to retry; the refused search leaves no event; the colleague still searches
    assert status == 429 and body["error"]["code"] == "too_many_attempts"
    assert 1 <= body["error"]["retry_after_seconds"] <= 60
    assert call(client, "GET", "/staff/members?name=zz", bearer(colleague["key"]))[0] == 200
    _, page = call(client, "GET", "/admin/staff-searches?limit=200", store.admin())
    assert sum(e["staff_id"] == scraper["staff_id"] for e in page["items"]) == abuse.STAFF_SEARCHES_PER_MINUTE.count


def test_the_audit_is_the_admins_alone(client: Any, store: Any, other_store: Any) -> None:
    mei = staff_key(client, store.admin())
    call(client, "GET", "/staff/members?name=am", bearer(mei["key"]))
    assert call(client, "GET", "/admin/staff-searches", bearer(mei["key"]))[0] == 403
    assert call(client, "GET", "/admin/staff-searches", other_store.admin())[1]["items"] == []
