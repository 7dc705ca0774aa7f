"""Team accounts in the browser: an invited agent chooses a password from the e-mailed link, signs in by
e-mail, replies (the thread names them) and sees only the inbox and customers; an owner reads the audit."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.support_pages import conversation_link, line_message
from tests.support_channels import uid

PASSWORD = "correct horse battery staple"


def invitation_link(stack: Any, email: str) -> str:
    _, mails = stack.call("GET", "/_local/emails")
    texts = [m["text"] for m in mails["items"] if m["to"] == email]
    assert texts, f"no invitation e-mailed to {email}"
    match = re.search(r"https?://\S+/console/#invitation=[A-Za-z0-9_.\-]+", texts[-1])
    assert match, texts[-1]
    return match.group(0)


def invite(stack: Any, role: str, name: str) -> str:
    email = f"{uid(role)}@team.example"
    status, body = stack.call("POST", "/admin/users", stack.info["admin_key"],
                              {"email": email, "name": name, "role": role})
    assert status == 201, body
    return email


def sign_in_by_email(page: Any, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_invited_agent_signs_in_by_email_and_replies_under_their_name(page, stack):
    # GIVEN an agent invited by e-mail, and a customer's LINE message
    email = invite(stack, "agent", "Mei Agent")
    cid = line_message(stack, "Is the jasmine tea back in stock?")
    # WHEN they open the link, choose a password and sign in with their e-mail
    page.goto(invitation_link(stack, email))
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Join the console").click()
    expect(page.get_by_label("E-mail")).to_have_value(email)
    assert "invitation=" not in page.url  # the token left the address bar
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong")
    sign_in_by_email(page, email)
    # THEN the console is theirs: their name, the inbox and customers, no settings
    expect(page.locator("#signed-in-as")).to_have_text("Mei Agent (agent)")
    expect(page.get_by_role("link", name=re.compile("Message Center"))).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    expect(page.get_by_role("link", name="Audit")).to_be_hidden()
    # AND their reply is named in the thread, and they can take the conversation
    conversation_link(page, cid).click()
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator(".assignee")).to_contain_text("Assigned to Mei Agent")
    page.get_by_label("Reply").fill("Yes, it is back since Monday!")
    page.get_by_role("button", name="Send", exact=True).click()
    log = page.get_by_role("log", name="Messages")
    expect(log.locator("article.msg.outbound").last).to_contain_text("Mei Agent")
    page.get_by_role("button", name="Mine").click()
    expect(conversation_link(page, cid)).to_be_visible()
    # AND signing out ends the session
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()


def test_an_owner_signed_in_by_email_sees_the_reply_in_the_audit(page, stack):
    email = invite(stack, "owner", "Olivia Owner")
    page.goto(invitation_link(stack, email))
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Join the console").click()
    sign_in_by_email(page, email)
    expect(page.locator("#signed-in-as")).to_have_text("Olivia Owner (owner)")
    page.get_by_role("link", name="Audit").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows.filter(has_text="conversation.replied").first).to_contain_text("Mei Agent")
    page.get_by_role("link", name="People").click()
    expect(page.locator("table tbody")).to_contain_text("Mei Agent")
