"""Marketing consent over the real local stack: sign-up ticks, a broadcast through moto's SES, the link in
the e-mail (GET changes nothing, POST one click unsubscribes), SES feedback, a forged token."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import urllib3

from tests.integration.support_consent_stack import broadcast, mails, sign_up

SHOP_EMAIL = "news@consent-tea.example"
POSTAL = "8 Harbour Road, Kaohsiung 800"


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, str]:
    return stack.create_store("Consent Tea", shop_email=SHOP_EMAIL, postal_address=POSTAL)


def state(stack: Any, shop: dict[str, str], member_id: str) -> str:
    _, consents = stack.call("GET", f"/storefront/members/{member_id}/consents", shop["storefront_key"])
    return str(consents["email_marketing"]["state"])


def test_broadcast_unsubscribe_and_the_consent_log(stack: Any, shop: dict[str, str]) -> None:
    ticked = sign_up(stack, shop, "mei@consent.example", email_marketing=True)
    unticked = sign_up(stack, shop, "kai@consent.example")
    status, no_email = stack.call("POST", "/admin/members", shop["admin_key"], {"name": "Lin", "phone": "0912000777"})
    assert status == 201, no_email

    progress = broadcast(stack, shop, [ticked, unticked, no_email["member_id"]], "Harvest")
    assert progress["sent"] == 1
    assert progress["excluded"] == {"no_email": 1, "not_subscribed": 1, "suppressed": 0, "blacklisted": 0}
    [mail] = mails(stack, "mei@consent.example", "Harvest")
    assert not mails(stack, "kai@consent.example", "Harvest")
    headers = mail["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_link, mailto = re.findall(r"<([^>]+)>", headers["List-Unsubscribe"])
    assert https_link.startswith(stack.api + "/u/") and mailto.startswith("mailto:")
    assert https_link in mail["text"] and POSTAL in mail["text"] and f'href="{https_link}"' in mail["html"]

    # A link scanner's GET changes nothing.
    page = urllib3.request("GET", https_link, timeout=30.0)
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert state(stack, shop, ticked) == "subscribed"
    # The mailbox provider's one-click POST (RFC 8058) unsubscribes.
    clicked = urllib3.request("POST", https_link, body=b"List-Unsubscribe=One-Click", timeout=30.0,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert clicked.status == 200, clicked.data
    assert state(stack, shop, ticked) == "unsubscribed"

    again = broadcast(stack, shop, [ticked], "Second harvest")
    assert again["sent"] == 0 and again["excluded"]["not_subscribed"] == 1
    assert not mails(stack, "mei@consent.example", "Second harvest")

    _, log = stack.call("GET", f"/admin/members/{ticked}/consent-events", shop["admin_key"])
    assert [(e["action"], e["source"]) for e in log["items"]] == [("subscribe", "signup_form"),
                                                                  ("unsubscribe", "one_click")]
    assert log["items"][0]["client_ip"] == "198.51.100.23" and log["items"][1]["client_ip"]
    assert all(e["at"] for e in log["items"])

    # A forged token (one character changed) is 404 and changes nothing.
    token = https_link.rsplit("/", 1)[1]
    forged = token[:10] + ("b" if token[10] != "b" else "c") + token[11:]
    assert urllib3.request("GET", f"{stack.api}/u/{forged}", timeout=30.0).status == 404
    assert urllib3.request("POST", f"{stack.api}/u/{forged}", body=b"List-Unsubscribe=One-Click", timeout=30.0,
                           headers={"Content-Type": "application/x-www-form-urlencoded"}).status == 404


def test_bounces_and_complaints_from_ses(stack: Any, shop: dict[str, str]) -> None:
    a = sign_up(stack, shop, "a@bounce.example", email_marketing=True)
    b = sign_up(stack, shop, "b@bounce.example", email_marketing=True)
    c = sign_up(stack, shop, "c@complaint.example", email_marketing=True)
    store_id = shop["store_id"]
    bounce = {"eventType": "Bounce", "mail": {"messageId": "x", "tags": {"store_id": [store_id]}},
              "bounce": {"bounceType": "Permanent", "feedbackId": "fb-stack-1",
                         "bouncedRecipients": [{"emailAddress": "a@bounce.example"},
                                               {"emailAddress": "b@bounce.example"}]}}
    envelope = {"Type": "Notification", "Message": json.dumps(bounce)}
    for _ in range(2):
        status, _ = stack.call("POST", "/_local/ses-feedback", body=envelope)
        assert status == 200
    for member_id in (a, b):
        _, log = stack.call("GET", f"/admin/members/{member_id}/consent-events", shop["admin_key"])
        assert [e["reason"] for e in log["items"] if e["action"] == "suppress"] == ["hard_bounce"]
    complaint = {"eventType": "Complaint", "mail": {"messageId": "y", "tags": {"store_id": [store_id]}},
                 "complaint": {"feedbackId": "fb-stack-2",
                               "complainedRecipients": [{"emailAddress": "c@complaint.example"}]}}
    assert stack.call("POST", "/_local/ses-feedback", body=complaint)[0] == 200
    assert state(stack, shop, c) == "unsubscribed"
    progress = broadcast(stack, shop, [a, b, c], "After feedback")
    assert progress["sent"] == 0 and progress["excluded"]["suppressed"] == 3


def test_a_mail_to_the_list_unsubscribe_mailto_unsubscribes(stack: Any, shop: dict[str, str]) -> None:
    # GIVEN a marketing e-mail received by a subscribed member
    member_id = sign_up(stack, shop, "old.client@mailto.example", email_marketing=True)
    assert broadcast(stack, shop, [member_id], "Mailto harvest")["sent"] == 1
    [mail] = mails(stack, "old.client@mailto.example", "Mailto harvest")
    _, mailto = re.findall(r"<([^>]+)>", mail["headers"]["List-Unsubscribe"])
    address, _, query = mailto.removeprefix("mailto:").partition("?")
    assert query == "subject=unsubscribe"
    # WHEN an older mail client answers the mailto: as RFC 2369 says (SES stores it, the function runs)
    raw = (f"From: <old.client@mailto.example>\r\nTo: <{address}>\r\nSubject: unsubscribe\r\n"
           "Message-ID: <u-1@mailto.example>\r\nContent-Type: text/plain\r\n\r\nunsubscribe\r\n").encode()
    status, answer = stack.call("POST", "/_local/emails/inbound", raw=raw, headers={"Content-Type": "message/rfc822"})
    # THEN the member is unsubscribed, logged with source mailto, and the next send skips them
    assert status == 200 and answer["outcome"] == "unsubscribed", answer
    assert state(stack, shop, member_id) == "unsubscribed"
    _, log = stack.call("GET", f"/admin/members/{member_id}/consent-events", shop["admin_key"])
    assert [(e["action"], e["source"]) for e in log["items"]][-1] == ("unsubscribe", "mailto")
    assert broadcast(stack, shop, [member_id], "Mailto again")["excluded"]["not_subscribed"] == 1
