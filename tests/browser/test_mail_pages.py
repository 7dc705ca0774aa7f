"""Mail safety in the browser: the /u/ page under its strict CSP, the sender identities card, sender verdicts.

Runs on the module's own stack (tests/browser/conftest.py); every test fails on a CSP violation, a foreign
request or a dialog.
"""

from __future__ import annotations

import re
from typing import Any

import urllib3
from playwright.sync_api import expect

from tests.browser.test_pages import open_console
from tests.integration.test_consent_stack import broadcast, mails, sign_up
from tests.support_channels import uid
from tests.support_messages import customer_reply


def shop_of(stack: Any) -> dict[str, str]:
    # A British store: its /u/ pages are in English (a TW store's are in Traditional Chinese)
    keys = stack.create_store("Browser Tea", country="GB", shop_email="news@browser-tea.example",
                              postal_address="1 Tea Road")
    return keys


def test_unsubscribe_page_is_styled_under_its_strict_csp_and_its_button_works(page: Any, stack: Any,
                                                                               watch: Any) -> None:
    # GIVEN a marketing e-mail's unsubscribe link
    shop = shop_of(stack)
    address = f"{uid('mei')}@example.com"
    member_id = sign_up(stack, shop, address, email_marketing=True)
    broadcast(stack, shop, [member_id], "Harvest")
    [mail] = mails(stack, address, "Harvest")
    link = re.findall(r"<([^>]+)>", mail["headers"]["List-Unsubscribe"])[0]
    # WHEN the customer opens it THEN its own style applies (allowed by hash) and nothing is refused
    page.goto(link)
    expect(page.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"
    # AND its button unsubscribes (the form posts back to the same origin)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert watch.csp_violations() == [] and watch.foreign() == []
    _, consents = stack.call("GET", f"/storefront/members/{member_id}/consents", shop["storefront_key"])
    assert consents["email_marketing"]["state"] == "unsubscribed"


def test_sender_identities_card__register_then_verified_and_the_from_changes(page: Any, stack: Any) -> None:
    address = stack.info.get("shop_email") or "shop@demo-tea-house.example"
    open_console(page, stack, "#/settings")
    card = page.get_by_role("region", name="Sender identities")
    expect(card.locator("[data-sender-from]")).to_contain_text("via memberlink")
    card.get_by_label("Address or domain").fill(address)
    card.get_by_role("button", name="Verify").click()
    item = card.locator(f'[data-identity="{address}"]')
    expect(item.locator("[data-status]")).to_have_text("Waiting for verification")
    # the sandbox mailbox's verification link, followed
    _, emails = stack.call("GET", "/_local/emails")
    text = [e for e in emails["items"] if e["to"] == address][-1]["text"]
    link = next(word for word in text.split() if "/_local/ses/identities/" in word)
    assert urllib3.request("POST", link, timeout=30.0).status == 200
    page.reload()
    card = page.get_by_role("region", name="Sender identities")
    expect(card.locator(f'[data-identity="{address}"] [data-status]')).to_have_text("Verified")
    expect(card.locator("[data-sender-from]")).to_have_text(f'"Demo Tea House" <{address}>')


def test_an_emailed_answer_shows_its_sender_verdict(page: Any, stack: Any) -> None:
    admin, storefront = stack.info["admin_key"], stack.info["storefront_key"]
    guest = f"{uid('lee')}@example.com"
    status, created = stack.call("POST", "/storefront/shop-messages", storefront,
                                 {"email": guest, "name": "Lee", "text": "Is it in stock?"})
    assert status == 201
    cid = created["conversation_id"]
    assert stack.call("POST", f"/admin/conversations/{cid}/messages", admin, {"text": "Yes"})[0] == 201
    _, emails = stack.call("GET", "/_local/emails")
    reply_to = [e for e in emails["items"] if e["to"] == guest][-1]["reply_to"]
    raw = customer_reply(sender=guest, reply_to=reply_to, text="Two please", headers={
        "Authentication-Results": "amazonses.com; spf=fail smtp.mailfrom=x; dkim=pass header.i=@example.com; "
                                  "dmarc=none header.from=example.com"})
    status, answer = stack.call("POST", "/_local/emails/inbound", raw=raw, headers={"Content-Type": "message/rfc822"})
    assert status == 200 and answer["outcome"] == "appended"
    open_console(page, stack, f"#/inbox/{cid}")
    verdict = page.get_by_role("log", name="Messages").locator(".msg-verdict")
    expect(verdict).to_have_text("Sender check: SPF fail · DKIM pass · DMARC none")
    expect(verdict).to_have_attribute("data-verdict", "doubtful")


def test_attachment_urls_become_links_only_when_https(page: Any, stack: Any) -> None:
    from tests.browser.test_pages import conversation_id
    from tests.support_channels import body, messaging_entry, messaging_item, page_delivery, signed_headers

    # GIVEN a Messenger message whose attachments carry a javascript:, an http: and an https: URL
    facebook = stack.info["channels"]["facebook"]
    psid = uid()[-16:]
    attachments = [{"type": "file", "payload": {"url": "javascript:alert(document.domain)"}},
                   {"type": "video", "payload": {"url": "http://plain.example/v.mp4"}},
                   {"type": "audio", "payload": {"url": "https://cdn.example/voice.m4a"}}]
    raw = body(page_delivery(messaging_entry(facebook["page_id"], messaging_item(
        psid, facebook["page_id"], "files", attachments=attachments))))
    status, receipt = stack.call("POST", f"/webhooks/facebook/{stack.info['store_id']}", raw=raw,
                                 headers=signed_headers("facebook", facebook, raw))
    assert status == 200 and receipt["stored"] == 1, receipt
    # WHEN the merchant opens it THEN only the https: one is a link; the others are text
    open_console(page, stack, f"#/inbox/{conversation_id(f'facebook:{psid}')}")
    log = page.get_by_role("log", name="Messages")
    expect(log.locator(".msg-text")).to_have_text("files")
    links = log.locator("a.attachment")
    expect(links).to_have_count(1)
    assert links.get_attribute("href") == "https://cdn.example/voice.m4a"
    expect(log.get_by_text("[file]")).to_be_visible()
    expect(log.get_by_text("[video]")).to_be_visible()
