"""The console's Customers, Lifecycle, Marketing and Reports screens in a real browser against the local stack.

One store of this module's own: a member referred at a branch by a staff member (through the staff SMS
link, as at the counter), members subscribed or not to e-mail, one blacklisted, and paid orders so that
the lifecycle puts them in a stage. `make screenshots` saves each screen for the README.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import urllib3
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.integration.support_staff_stack import invite_sent, new_shop, redeem, sign_up
from tests.support_accounts import fresh_tw_mobile
from tests.support_channels import uid

HEADER = ("Member ID,Name,Mobile Number,International Calling Code,Email,Phone Verified,Email Verified,Tags,"
          "Member Since,Lifecycle Stage,Accepts Email Marketing,Accepts SMS Marketing,Blacklisted,"
          "Store Referral Binding Time,Referral Branch,Store Referral Staff")


def member(stack: Any, shop: dict[str, str], name: str, *, subscribed: bool) -> str:
    status, created = stack.call("POST", "/storefront/members", shop["storefront_key"], {
        "name": name, "password": "correct horse battery", "email": f"{uid('m')}@example.com",
        "email_marketing": subscribed})
    assert status == 201, created
    return str(created["member_id"])


def order(stack: Any, shop: dict[str, str], member_id: str) -> None:
    status, answer = stack.call("POST", "/storefront/orders", shop["storefront_key"],
                                {"order_id": uid("ORD-"), "member_id": member_id, "total": 680, "currency": "TWD"})
    assert status == 201, answer


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, Any]:
    made: dict[str, Any] = new_shop(stack, "Screens Tea House")
    assert stack.call("PUT", "/admin/settings", made["admin_key"],
                      {"shop_email": "news@screens-tea.example", "postal_address": "1 Tea Road, Taipei"})[0] == 200
    phone = fresh_tw_mobile()
    referred = sign_up(stack, made, phone, name="Lin Referred")
    token, _ = invite_sent(stack, made, phone)
    assert redeem(stack, made, token, referred)[0] == 200
    subscribed = member(stack, made, "Chen Subscribed", subscribed=True)
    quiet = member(stack, made, "Wu Not Asked", subscribed=False)
    banned = member(stack, made, "Ho Blacklisted", subscribed=True)
    assert stack.call("PUT", f"/admin/members/{banned}/blacklist", made["admin_key"])[0] == 200
    for member_id in (subscribed, quiet, banned):
        order(stack, made, member_id)  # a paid order: each is staged (High-Potential) at once
    stack.call("POST", f"/admin/members/{subscribed}/tags", made["admin_key"], {"tags": ["VIP"]})
    return {**made, "referred": referred, "subscribed": subscribed, "banned": banned}


def open_as(page: Any, stack: Any, admin_key: str, fragment: str) -> None:
    page.goto(f"{stack.api}/console/{fragment}")
    page.get_by_role("button", name="Use the admin key instead").click()  # people sign in by e-mail first
    page.get_by_label("Admin key").fill(admin_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=re.compile("Message Center"))).to_be_visible()


def test_customers_are_listed_without_typing_filtered_by_branch_name_and_exported(page, stack, shop):
    # WHEN the merchant opens Customers, typing nothing
    open_as(page, stack, shop["admin_key"], "#/customers")
    customers = page.get_by_role("region", name="All customers, newest first")

    # THEN every customer is there, newest first, with names, stages and the branch by name
    table = customers.get_by_role("table", name="Customers")
    expect(table.get_by_role("row")).to_have_count(5)  # the header and four customers
    expect(table.get_by_role("row").nth(1)).to_contain_text("Ho Blacklisted")
    expect(table).to_contain_text("Blacklisted")
    expect(table.get_by_role("row", name=re.compile("Lin Referred"))).to_contain_text("Screens Tea House Xinyi")
    expect(table).to_contain_text("High-Potential")
    shoot(page, "customers.png", full_page=True)

    # WHEN filtered by the branch, chosen by its name
    customers.get_by_label("Registered at branch").select_option(label="Screens Tea House Xinyi")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("Lin Referred")

    # ... and exported
    customers.get_by_role("button", name="Export these customers (CSV)").click()
    link = customers.get_by_role("link", name="Download customers.csv")
    expect(link).to_be_visible()
    expect(customers.get_by_text(re.compile("Export ready: 1 customers"))).to_be_visible()

    # THEN the file behind the link has the exact header and the referral columns filled
    response = urllib3.request("GET", str(link.get_attribute("href")), timeout=10.0)
    assert response.status == 200
    assert response.data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert [row["Name"] for row in rows] == ["Lin Referred"]
    assert rows[0]["Referral Branch"] == "Screens Tea House Xinyi" and rows[0]["Store Referral Staff"] == "Mei"
    assert rows[0]["Store Referral Binding Time"] and rows[0]["Member ID"] == shop["referred"]


def test_a_stage_chosen_as_an_audience_shows_its_count_then_the_sends_progress_and_results(page, stack, shop):
    # GIVEN three High-Potential members: one subscribed, one never asked, one subscribed but blacklisted
    open_as(page, stack, shop["admin_key"], "#/lifecycle")
    chart = page.get_by_role("img", name=re.compile("Members per lifecycle stage"))
    expect(chart).to_be_visible()
    page.get_by_role("link", name="High-Potential").click()
    expect(page.get_by_role("table", name="Members in this stage").get_by_role("row")).to_have_count(4)
    shoot(page, "lifecycle.png", full_page=True)

    # WHEN the merchant chooses that stage as a marketing audience
    page.get_by_role("link", name="Marketing").click()
    # (the lifecycle screen's "Stages" and its chart's "stage" match a loose label until the screen changes)
    expect(page.get_by_role("heading", name="Marketing", level=1)).to_be_visible()
    page.get_by_label("Stage", exact=True).select_option(label="High-Potential")

    # THEN the count says who will receive it, and why the others will not, before anything is sent
    count = page.locator("#audience-count")
    expect(count).to_contain_text("1 of 3 members will receive it")
    expect(count).to_contain_text("1 left out: not subscribed")
    expect(count).to_contain_text("1 left out: blacklisted")

    # WHEN sent THEN the progress ends in the results, with the reasons the others were left out
    page.get_by_label("Subject").fill("Autumn oolong is here")
    page.get_by_label("Message").fill("20% off this week at every branch.")
    shoot(page, "marketing.png", full_page=True)
    page.get_by_role("button", name="Send to this audience").click()
    sending = page.get_by_role("region", name="Sending")
    expect(sending).to_contain_text("Done: 1 sent, 0 failed, of 3 members.")
    expect(sending.get_by_role("progressbar", name="Sending progress")).to_be_visible()
    expect(sending).to_contain_text("1 left out: blacklisted")


def test_the_profile_shows_the_consent_log_the_lifecycle_history_and_the_blacklisting(page, stack, shop):
    open_as(page, stack, shop["admin_key"], f"#/customers/{shop['banned']}")
    expect(page.get_by_role("heading", name="Ho Blacklisted", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Consent log")).to_contain_text("E-mail marketing")
    expect(page.get_by_role("region", name="Consent log")).to_contain_text("subscribe")
    expect(page.get_by_role("region", name="Lifecycle history")).to_contain_text("High-Potential")
    expect(page.get_by_role("region", name="Blacklist")).to_contain_text("Blacklisted since")
    expect(page.get_by_role("region", name="Contact")).to_contain_text(re.compile(r"20\d\d"))  # member since: a date


def test_reports_draw_sms_per_day_and_registrations_by_branch(page, stack, shop):
    open_as(page, stack, shop["admin_key"], "#/reports")
    expect(page.get_by_role("img", name="SMS sent per day by message type")).to_be_visible()
    expect(page.get_by_role("img", name="SMS sent per day, domestic and international")).to_be_visible()
    branches = page.get_by_role("table", name="Members registered by branch")
    expect(branches).to_contain_text("Screens Tea House Xinyi")
    expect(branches).to_contain_text("100.00%")
    expect(page.get_by_role("region", name="Nightly files by day")).to_be_visible()
    shoot(page, "reports.png", full_page=True)
