"""The member blacklist, the customer list and an export over the real local stack (HTTP, the sandbox's workers).

A member blacklisted through the API: LINE deliveries from the account bound to them at the counter are
acknowledged and dropped, their shop message is answered but never reaches the inbox, and a marketing
e-mail skips them; the customer list shows them newest first; an export downloads from the sandbox's S3.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlparse

import urllib3

from tests.integration.support_consent_stack import broadcast, mails, wait_until_done
from tests.integration.support_consent_stack import sign_up as consent_sign_up
from tests.integration.support_stack import post_signed
from tests.support_channels import body, line_delivery, line_event, uid


def test_a_blacklisted_member_is_held_back_everywhere_over_http(stack: Any) -> None:
    admin, storefront = stack.info["admin_key"], stack.info["storefront_key"]
    # GIVEN a member who bound her LINE account at the counter (the staff app's QR link)
    status, created = stack.call("POST", "/storefront/members", storefront,
                                 {"name": "Amy Blacklisted", "password": "correct horse battery",
                                  "email": f"{uid('amy')}@example.com"})
    assert status == 201, created
    member_id = created["member_id"]
    status, made = stack.call("POST", "/staff/line-binding-invitations", stack.info["staff_key"],
                              {"member_id": member_id})
    assert status == 201, made
    user = "U" + uid()[-32:].rjust(32, "0")
    status, bound = stack.call("POST", "/storefront/line-bindings/redeem", storefront,
                               {"token": parse_qs(urlparse(made["url"]).query)["token"][0], "line_user_id": user,
                                "name": "Amy"})
    assert status == 200, bound

    # WHEN the merchant blacklists the member
    status, answer = stack.call("PUT", f"/admin/members/{member_id}/blacklist", admin)
    assert status == 200 and answer["blacklisted"] is True
    _, before = stack.call("GET", "/admin/conversations?limit=200", admin)

    # THEN her LINE message is acknowledged and dropped, and her shop message answered but not in the inbox
    status, receipt = post_signed(stack, "line", body(line_delivery(line_event(user, text="hello?"))))
    assert status == 200 and receipt["dropped"] == 1 and receipt["stored"] == 0
    status, shop_message = stack.call("POST", "/storefront/shop-messages", storefront,
                                      {"member_id": member_id, "text": "let me in"})
    assert status == 201 and shop_message["message_id"]
    _, after = stack.call("GET", "/admin/conversations?limit=200", admin)
    assert after["total_unread"] == before["total_unread"]
    assert shop_message["conversation_id"] not in {c["conversation_id"] for c in after["items"]}
    # ... the blacklist lists her by name, and the customer list can show only the blacklisted
    _, listed = stack.call("GET", "/admin/blacklist?limit=200", admin)
    assert {"kind": "member", "member_id": member_id, "name": "Amy Blacklisted"}.items() <= \
        next(item for item in listed["items"] if item.get("member_id") == member_id).items()
    _, only = stack.call("GET", "/admin/members?blacklisted=true&limit=200", admin)
    assert member_id in {item["member_id"] for item in only["items"]}

    # WHEN lifted THEN her next LINE message is stored again
    assert stack.call("DELETE", f"/admin/members/{member_id}/blacklist", admin)[0] == 200
    status, receipt = post_signed(stack, "line", body(line_delivery(line_event(user, text="sorry!"))))
    assert status == 200 and receipt["stored"] == 1


def test_marketing_skips_a_blacklisted_member_and_the_list_exports_over_http(stack: Any) -> None:
    shop = stack.create_store("Blacklist Tea", shop_email="news@blacklist-tea.example",
                              postal_address="2 Tea Road, Taipei")
    amy, ben = uid("amy") + "@example.com", uid("ben") + "@example.com"
    amy_id = consent_sign_up(stack, shop, amy, email_marketing=True)
    ben_id = consent_sign_up(stack, shop, ben, email_marketing=True)
    assert stack.call("PUT", f"/admin/members/{amy_id}/blacklist", shop["admin_key"])[0] == 200

    progress = broadcast(stack, shop, [amy_id, ben_id], "Winter tea")

    assert progress["sent"] == 1 and progress["excluded"]["blacklisted"] == 1
    assert mails(stack, amy, "Winter tea") == [] and len(mails(stack, ben, "Winter tea")) == 1

    # The list, newest first without typing; the export's link downloads the CSV from the sandbox's S3.
    _, listed = stack.call("GET", "/admin/members", shop["admin_key"])
    assert [item["member_id"] for item in listed["items"]] == [ben_id, amy_id]
    status, started = stack.call("POST", "/admin/customer-exports", shop["admin_key"])
    assert status == 202, started
    # The export runs in the worker function, invoked asynchronously: wait for it as for a send.
    done = wait_until_done(stack, shop, "customer-exports", started["export_id"])
    assert done["state"] == "done" and done["rows"] == 2
    response = urllib3.request("GET", done["url"], timeout=10.0)
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert {row["Email"]: row["Blacklisted"] for row in rows} == {amy: "Y", ben: "N"}
