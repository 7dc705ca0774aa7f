"""The console and the staff app in a real browser against the local stack: the issue's acceptance 1-5.

The tests run in file order on one stack; the 24-hour test moves the stack's clock a day forward, so it
comes last. Each test starts from a fresh tab (sessionStorage empty) and signs in by typing the key.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import urllib3
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.browser.support_pages import conversation_id, conversation_link, line_message
from tests.integration.support_stack import sms_to
from tests.support_accounts import fresh_tw_mobile
from tests.support_binding import link_in, token_from_url
from tests.support_channels import body, signed_headers, uid, whatsapp_text
from tests.support_mail import plain_reply
from tests.support_messages import PNG

XSS = "<img src=x onerror=alert(1)>"


def whatsapp_message(stack: Any, name: str, text: str, wa_id: str) -> str:
    raw = body(whatsapp_text(wa_id, text, name=name))
    status, receipt = stack.call("POST", f"/webhooks/whatsapp/{stack.info['store_id']}", raw=raw,
                                 headers=signed_headers("whatsapp", stack.info["channels"]["whatsapp"], raw))
    assert status == 200, receipt
    return conversation_id(f"whatsapp:{wa_id}")


def open_console(page: Any, stack: Any, fragment: str = "#/inbox") -> None:
    page.goto(f"{stack.api}/console/{fragment}")
    page.get_by_role("button", name="Use the admin key instead").click()  # people sign in by e-mail first
    page.get_by_label("Admin key").fill(stack.info["admin_key"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=re.compile("Message Center"))).to_be_visible()


def outbox_links(stack: Any, user_id: str) -> list[str]:
    _, answer = stack.call("GET", "/_local/outbox")
    return [link_in(item) for item in answer["items"] if item["method"] == "POST" and isinstance(item["body"], dict)
            and item["body"].get("to") == user_id and "/account/bind?token=" in str(item["body"])]


def eventually(check: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return bool(check())


def new_member(stack: Any, name: str) -> str:
    status, created = stack.call("POST", "/storefront/members", stack.info["storefront_key"], {
        "name": name, "password": "correct horse battery", "email": f"{uid('m')}@example.com"})
    assert status == 201, created
    return str(created["member_id"])


# --- acceptance 1 -----------------------------------------------------------------------------------

def test_1_line_message_shows_unread_then_invitation_is_sent(page, stack, watch):
    open_console(page, stack)
    # an idle console's poll is a 304 with no body (waiting in the page lets Playwright deliver its events)
    for _ in range(50):
        if any("/admin/conversations?" in url and status == 304 for url, status in watch.responses):
            break
        page.wait_for_timeout(200)
    else:
        pytest.fail("no poll of the conversation list was answered 304")
    user_id = "U" + hashlib.sha256(uid().encode()).hexdigest()[:32]
    cid = line_message(stack, "Hi! Do you have the oolong gift box?", user_id)

    badge = conversation_link(page, cid).locator(".badge.unread")
    expect(badge).to_have_text("1", timeout=15_000)  # arrived by polling: no reload
    conversation_link(page, cid).click()
    expect(badge).to_have_count(0)
    expect(page.get_by_role("log", name="Messages")).to_contain_text("oolong gift box")
    assert eventually(lambda: stack.call("GET", f"/admin/conversations/{cid}", stack.info["admin_key"])[1]
                      ["unread_count"] == 0), "the console did not mark the conversation read"

    page.get_by_role("button", name="Send invitation to bind membership").click()
    expect(page.locator(".sent-notice")).to_contain_text("Sent")
    links = outbox_links(stack, user_id)
    assert len(links) == 1, links
    expect(page.get_by_role("log", name="Messages")).to_contain_text("binding invitation sent")


# --- acceptance 2 -----------------------------------------------------------------------------------

def test_2_redeemed_link_shows_the_bound_member_without_reload(page, stack):
    user_id = "U" + hashlib.sha256(uid().encode()).hexdigest()[:32]
    cid = line_message(stack, "I'd like to join", user_id)
    open_console(page, stack, f"#/inbox/{cid}")
    expect(page.get_by_role("heading", name="Register as member")).to_be_visible()
    page.get_by_role("button", name="Send invitation to bind membership").click()
    expect(page.locator(".sent-notice")).to_contain_text("Sent")
    [link] = outbox_links(stack, user_id)
    token = token_from_url(link)
    member_id = new_member(stack, "Amy Lin")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    status, redeemed = stack.call("POST", "/storefront/bindings/redeem", stack.info["storefront_key"],
                                  {"token": token, "member_id": member_id})
    assert status == 200, redeemed

    profile = page.get_by_role("complementary", name="Customer profile")
    expect(profile.get_by_role("heading", name="Amy Lin")).to_be_visible(timeout=15_000)
    expect(profile.get_by_role("region", name="Bound social accounts")).to_contain_text(f"line:{user_id}")
    expect(profile.get_by_role("link", name=re.compile("^Chat with"))).to_have_attribute("href", f"#/inbox/{cid}")
    expect(page.get_by_role("status").filter(has_text="Member profile bound successfully")).to_be_visible()
    expect(profile.get_by_role("button", name="Send invitation to bind membership")).to_be_disabled()
    assert navigations == [], f"the page reloaded: {navigations}"


# --- acceptance 4 -----------------------------------------------------------------------------------

def test_4_customer_html_is_shown_as_text_and_runs_nothing(page, stack):
    cid = line_message(stack, XSS)
    open_console(page, stack, f"#/inbox/{cid}")
    messages = page.get_by_role("log", name="Messages")
    expect(messages.locator(".msg-text")).to_have_text(XSS)
    expect(conversation_link(page, cid).locator(".conv-preview")).to_have_text(XSS)
    assert page.locator("main img").count() == 0
    page.wait_for_timeout(500)  # give an injected onerror handler every chance to run; `page` asserts no dialog


# --- acceptance 5 -----------------------------------------------------------------------------------

def decode_qr(png: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qr.png"
        path.write_bytes(png)
        result = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True,
                                timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def open_staff_app(page: Any, stack: Any) -> None:
    page.set_viewport_size({"width": 420, "height": 860})
    page.goto(f"{stack.api}/staff-app/")
    page.get_by_label("Staff key").fill(stack.info["staff_key"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find a member")).to_be_visible()


@pytest.mark.skipif(shutil.which("zbarimg") is None,
                    reason="zbarimg not installed (apt-get install -y zbar-tools)")
def test_5_staff_app_signs_up_by_sms_and_shows_a_line_qr_code(page, stack):
    open_staff_app(page, stack)
    newcomer = fresh_tw_mobile()
    page.get_by_label("Mobile number").fill(newcomer)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No member found")).to_be_visible()
    page.get_by_role("button", name="Text a sign-up link").click()
    expect(page.get_by_text("Sign-up link texted to")).to_be_visible()
    expect(page.get_by_role("button", name="The customer got the text")).to_be_visible()
    [sms] = sms_to(stack, newcomer)
    assert "/account/register?invite=" in sms

    regular = fresh_tw_mobile()
    status, member = stack.call("POST", "/admin/members", stack.info["admin_key"],
                                {"name": "Wang Mei", "phone": regular})
    assert status == 201, member
    page.get_by_label("Mobile number").fill(regular)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Wang Mei")).to_be_visible()
    page.get_by_role("button", name="Connect LINE").click()
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    expect(page.get_by_role("button", name="Can't scan? Text the LINE link instead")).to_be_visible()
    shoot(page, "staff-app.png", full_page=True)

    url = decode_qr(qr.screenshot())
    _, settings = stack.call("GET", "/admin/settings", stack.info["admin_key"])
    assert url.startswith(f"{settings['storefront_url']}/account/line-bind?token="), url
    token = parse_qs(urlparse(url).query)["token"][0]
    status, bound = stack.call("POST", "/storefront/line-bindings/redeem", stack.info["storefront_key"],
                               {"token": token, "line_user_id": "U" + "ab" * 16, "name": "Mei"})
    assert status == 200 and bound["member_id"] == member["member_id"], bound

    # GIVEN her LINE is bound WHEN she is found again THEN the app no longer offers a binding, and says why
    page.get_by_role("button", name="Search").click()
    offer = page.get_by_role("button", name="Connect LINE")
    expect(offer).to_be_disabled()
    expect(offer).to_have_accessible_description("This member's LINE account is already connected.")


# --- the pages themselves ---------------------------------------------------------------------------

# What a browser can fetch from one app in one language: every file (more than its first load) but the other
# language's catalog, which is never asked for. 180 KB (was 150 KB for all files) since the console has a
# ~23 KB catalog per language and the screens of issue 28 (customer list, lifecycle, marketing, report charts)
# and issue 30 (sign-in by e-mail, people, audit); a section's module loads only when it is opened.
PAGES_LIMIT = 180_000


def test_pages_are_small_strict_and_conditional(stack):
    """Each app in each language under PAGES_LIMIT; CSP on each file; unchanged files answer 304."""
    pages = Path(__file__).resolve().parents[2] / "chalicelib" / "pages"
    for app in ("console", "staff-app"):
        names = ["", *sorted(path.name for folder in (pages / app, pages / "common") for path in folder.iterdir())]
        sizes = {}
        for name in names:
            response = urllib3.request("GET", f"{stack.api}/{app}/{name}")
            assert response.status == 200, (app, name)
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            sizes[name] = len(response.data)
            again = urllib3.request("GET", f"{stack.api}/{app}/{name}",
                                    headers={"If-None-Match": response.headers["ETag"]})
            assert again.status == 304 and again.data == b""
        catalogs = [name for name in sizes if name.startswith("strings-")]
        assert sorted(catalogs) == ["strings-en.json", "strings-zh-hant.json"], app
        for language in catalogs:
            total = sum(size for name, size in sizes.items() if name not in catalogs or name == language)
            assert total < PAGES_LIMIT, (app, language, total)
    moved = urllib3.request("GET", f"{stack.api}/console", redirect=False)
    assert moved.status == 301 and moved.headers["Location"] == "console/"
    assert urllib3.request("GET", f"{stack.api}/console/..%2Fapp.py").status == 404


def test_console_screenshots(page, stack):
    """A Message Center with a few customers, and a member's profile; saved by `make screenshots`."""
    member_id = new_member(stack, "Chen Yu-ting")
    wa = "8869" + uid()[-8:].rjust(8, "1")
    line_message(stack, "Is the matcha set available?")
    whatsapp_message(stack, "Sheena Nelson", "Can I pay by LINE Pay at the counter?", "4479" + uid()[-8:].rjust(8, "3"))
    cid = whatsapp_message(stack, "Chen Yu-ting", "Hi, I'd like to collect points for my orders.", wa)
    stack.call("POST", f"/admin/conversations/{cid}/binding-invitation", stack.info["admin_key"])
    token = _bind_link(stack, wa)
    assert stack.call("POST", "/storefront/bindings/redeem", stack.info["storefront_key"],
                      {"token": token, "member_id": member_id})[0] == 200
    time.sleep(1.1)
    whatsapp_message(stack, "Chen Yu-ting", "Done! Is the Alishan high-mountain tea back in stock?", wa)
    stack.call("POST", f"/admin/conversations/{cid}/messages", stack.info["admin_key"],
               {"text": "Welcome aboard! Yes, it arrived this morning. Shall I reserve 2 tins for you?"})
    time.sleep(1.1)  # WhatsApp timestamps are whole seconds: keep the customer's answer after the reply
    whatsapp_message(stack, "Chen Yu-ting", "Yes please, I'll pick them up on Saturday.", wa)
    whatsapp_message(stack, "Lin Hsiao-wen", "Do you ship to Tainan? 謝謝!", "8869" + uid()[-8:].rjust(8, "2"))
    stack.call("POST", f"/admin/members/{member_id}/tags", stack.info["admin_key"], {"tags": ["VIP", "oolong"]})
    stack.call("POST", f"/admin/members/{member_id}/notes", stack.info["admin_key"],
               {"text": "Prefers pick-up at the Xinyi branch on weekends."})
    stack.call("POST", "/storefront/orders", stack.info["storefront_key"],
               {"order_id": uid("ORD-"), "member_id": member_id, "total": 1280, "currency": "TWD"})

    open_console(page, stack, f"#/inbox/{cid}")
    profile = page.get_by_role("complementary", name="Customer profile")
    expect(profile.get_by_role("heading", name="Chen Yu-ting")).to_be_visible()
    expect(profile.get_by_text("VIP")).to_be_visible()
    expect(page.locator("#total-unread")).to_have_text("3")  # the open conversation is read
    shoot(page, "message-center.png")

    page.goto(f"{stack.api}/console/#/customers/{member_id}")
    expect(page.get_by_role("heading", name="Chen Yu-ting", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Orders")).to_contain_text("NT$1,280.00")  # Intl, en-US
    shoot(page, "member-profile.png")


def _bind_link(stack: Any, wa_id: str) -> str:
    [link] = outbox_links(stack, wa_id)
    return token_from_url(link)


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.textContent.trim()))
  .map((el) => el.outerHTML)"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_keyboard_only_at_200_percent_zoom_with_every_control_labelled(page, stack):
    """1440x900 at 200% zoom is a 720x450 CSS-pixel window: the panes reflow, nothing scrolls sideways."""
    user_id = "U" + hashlib.sha256(uid().encode()).hexdigest()[:32]
    cid = line_message(stack, "Can I change my pick-up day?", user_id)
    page.set_viewport_size({"width": 720, "height": 450})
    open_console(page, stack)
    link = conversation_link(page, cid)
    expect(link).to_be_visible()
    for _ in range(60):  # Tab through the page until the conversation has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.conversation") == cid:
            break
    else:
        pytest.fail("the conversation cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    reply = page.get_by_label("Reply")
    expect(reply).to_be_enabled()
    reply.focus()
    page.keyboard.type("Of course, which day suits you?")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("log", name="Messages")).to_contain_text("which day suits you?")
    assert page.evaluate(OVERFLOW) <= 0
    assert page.evaluate(UNLABELLED) == []

    page.goto(f"{stack.api}/console/#/settings")
    expect(page.get_by_role("heading", name="Branches and staff")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    assert page.evaluate(UNLABELLED) == []

    page.set_viewport_size({"width": 320, "height": 640})  # the staff app on a small phone
    page.goto(f"{stack.api}/staff-app/")
    page.get_by_label("Staff key").fill(stack.info["staff_key"])
    page.keyboard.press("Enter")
    expect(page.get_by_label("Mobile number")).to_be_focused()
    assert page.evaluate(OVERFLOW) <= 0
    assert page.evaluate(UNLABELLED) == []


def test_fields_of_later_issues_show_when_the_api_returns_them(page, stack):
    """Shop and order conversations, lifecycle and consent badges: drawn when present (here added to the real
    answers in the browser, as the API will send them once those issues land), hidden when absent."""
    member_id = new_member(stack, "Lee Mei-ling")
    visitor = {"conversation_id": "cv_" + "a" * 24, "channel": "shop", "social_user": None, "member_id": None,
               "customer": {"member_id": None, "email": "guest@example.com", "name": "Guest Lee", "visitor": True},
               "last_message": {"text": "Can I change my address?", "at": "2026-11-25T09:00:00+00:00",
                                "direction": "inbound"}, "unread_count": 2, "last_inbound_at": None,
               "can_invite_binding": False, "invite_blocked_reason": None}
    order = {**visitor, "conversation_id": "cv_" + "b" * 24, "channel": "order", "unread_count": 0,
             "customer": {"member_id": member_id, "email": None, "name": "Lee Mei-ling", "visitor": False},
             "order": {"order_id": "ORD-7731", "total": 880, "currency": "TWD", "status": "paid",
                       "ordered_at": "2026-11-24T09:00:00+00:00"}}

    def add(extra: dict[str, Any]) -> Any:
        def handler(route: Any) -> None:
            response = route.fetch()
            data = response.json()
            if "items" in data:
                data["items"] = [visitor, order, *data["items"]]
            else:
                data.update(extra)
            route.fulfill(response=response, json=data)
        return handler

    page.route(re.compile(r".*/admin/conversations\?.*"), add({}))
    page.route(re.compile(rf".*/admin/members/{member_id}$"), add({
        "lifecycle": {"stage": "loyalists", "since": "2026-11-01T00:00:00+00:00", "reason": "R=3<=r1=40; n365=4"},
        "consents": {"email_marketing": {"state": "subscribed", "suppressed": None},
                     "sms_marketing": {"state": "unsubscribed", "suppressed": "sms_opt_out"}}}))
    open_console(page, stack)
    shop = conversation_link(page, visitor["conversation_id"])
    expect(shop).to_contain_text("Guest Lee")
    expect(shop.get_by_text("Shop message")).to_be_attached()
    expect(shop.locator(".badge.unread")).to_have_text("2")
    expect(conversation_link(page, order["conversation_id"])).to_contain_text("Order ORD-7731")

    page.goto(f"{stack.api}/console/#/customers/{member_id}")
    expect(page.get_by_role("heading", name="Lee Mei-ling", level=1)).to_be_visible()
    expect(page.get_by_text("Loyalists")).to_be_visible()
    expect(page.get_by_text("E-mail marketing: subscribed")).to_be_visible()
    expect(page.get_by_text("SMS marketing: suppressed (sms_opt_out)")).to_be_visible()
    page.unroute_all()

    # Unaltered answers: a badge exactly when the API sends the field (lifecycle has landed, consents may not have).
    plain = new_member(stack, "Newcomer Wu")
    _, profile = stack.call("GET", f"/admin/members/{plain}", stack.info["admin_key"])
    page.goto(f"{stack.api}/console/#/customers/{plain}")
    expect(page.get_by_role("heading", name="Newcomer Wu", level=1)).to_be_visible()
    stage = (profile.get("lifecycle") or {}).get("stage")
    expect(page.locator(".badge.stage")).to_have_count(1 if stage else 0)
    if stage == "need_introduce":
        expect(page.locator(".badge.stage")).to_have_text("Need Introduce")
    consents = profile.get("consents") or {}
    expect(page.locator(".badge.consent")).to_have_count(len([p for p in consents.values() if p]))


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg not installed (apt-get install -y zbar-tools)")
def test_a_new_staff_member_signs_in_by_scanning_the_admins_qr_code(page, stack, browser_context, watch):
    open_console(page, stack, "#/settings")
    staff_form = page.get_by_role("region", name="Branches and staff")
    staff_form.get_by_label("Staff name").fill("Chang Wei")
    staff_form.get_by_role("button", name="Add staff member").click()
    qr = staff_form.get_by_role("img", name=re.compile("sign Chang Wei in"))
    expect(qr).to_be_visible()
    url = decode_qr(qr.screenshot())
    assert url.startswith(f"{stack.api}/staff-app/#key=mlk."), url

    phone = browser_context.new_page()  # the staff member's phone: another tab, its own sessionStorage
    phone.on("request", lambda request: watch.requests.append(request.url))  # checked like the first tab's
    try:
        phone.goto(url)
        expect(phone.get_by_role("heading", name="Find a member")).to_be_visible()
        assert "#key" not in phone.url and "key=" not in phone.url  # the key left the address bar at once
    finally:
        phone.close()


def test_a_key_link_opened_in_a_tab_already_on_the_staff_app_signs_it_in(page, stack):
    # GIVEN the staff app open at its sign-in screen
    page.goto(f"{stack.api}/staff-app/")
    expect(page.get_by_label("Staff key")).to_be_visible()
    # WHEN a #key= link is opened in that same tab (only the fragment changes: no reload)
    page.evaluate("key => { location.hash = 'key=' + key; }", stack.info["staff_key"])
    # THEN it is signed in, and the key left the address bar
    expect(page.get_by_role("heading", name="Find a member")).to_be_visible()
    assert "key=" not in page.url


def test_a_guests_shop_message_is_answered_with_a_merchant_only_note(page, stack):
    status, sent = stack.call("POST", "/storefront/shop-messages", stack.info["storefront_key"], {
        "email": f"{uid('guest')}@example.com", "name": "Guest Huang", "text": "Is gift wrapping free?"})
    assert status == 201, sent
    cid = sent["conversation_id"]
    open_console(page, stack)
    link = conversation_link(page, cid)
    expect(link).to_contain_text("Guest Huang")
    expect(link.get_by_text("Shop message")).to_be_attached()
    link.click()
    expect(page.get_by_text("Replies are e-mailed to the customer")).to_be_visible()
    profile = page.get_by_role("complementary", name="Customer profile")
    expect(profile.get_by_role("heading", name="Register as member")).to_be_visible()
    expect(profile.get_by_role("button", name="Send invitation to bind membership")).to_have_count(0)
    page.get_by_label("Note (only you see it)").check()
    page.get_by_label("Reply").fill("Offered free wrapping; follow up on Friday.")
    page.get_by_role("button", name="Add note").click()
    note = page.get_by_role("log", name="Messages").locator(".msg.note")
    expect(note).to_contain_text("follow up on Friday")
    _, stored = stack.call("GET", f"/admin/conversations/{cid}/messages", stack.info["admin_key"])
    assert [m["direction"] for m in stored["items"] if "Friday" in (m["text"] or "")] == ["note"]


def test_a_reply_with_images_is_uploaded_and_shown_through_the_api_only(page, stack, watch):
    """The reply box of a shop conversation attaches images (chosen, one removed), sends them through
    POST /admin/uploads/direct, and the thread shows the image from a blob: URL: nothing leaves the origin."""
    guest = f"{uid('guest')}@example.com"
    status, sent = stack.call("POST", "/storefront/shop-messages", stack.info["storefront_key"], {
        "email": guest, "name": "Guest Photo", "text": "Which colour is the tin?"})
    assert status == 201, sent
    cid = sent["conversation_id"]
    open_console(page, stack, f"#/inbox/{cid}")
    expect(page.get_by_text("Replies are e-mailed to the customer")).to_be_visible()
    picker = page.get_by_label("Attach images")
    picker.set_input_files([{"name": "tin-red.png", "mimeType": "image/png", "buffer": PNG},
                            {"name": "wrong.png", "mimeType": "image/png", "buffer": PNG}])
    chosen = page.get_by_role("list", name="Images to send")
    expect(chosen).to_contain_text("tin-red.png")
    page.get_by_role("button", name="Remove wrong.png").click()
    expect(chosen.get_by_role("listitem")).to_have_count(1)
    picker.set_input_files([{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    problem = page.get_by_role("region", name="Conversation").get_by_role("alert")
    expect(problem).to_contain_text("notes.txt is not a JPEG, PNG, GIF or WebP image")
    page.get_by_label("Reply").fill("It is red, here it is.")
    page.get_by_role("button", name="Send", exact=True).click()
    shown = page.get_by_role("log", name="Messages").get_by_role("img", name="Image you sent")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("src", re.compile(r"^blob:"))
    page.wait_for_function("document.querySelector('img.msg-image').naturalWidth > 0")
    expect(chosen.get_by_role("listitem")).to_have_count(0)
    # the stored reply carries one image, e-mailed to the guest as an attachment
    _, stored = stack.call("GET", f"/admin/conversations/{cid}/messages", stack.info["admin_key"])
    [reply] = [m for m in stored["items"] if m["direction"] == "outbound"]
    assert [a["content_type"] for a in reply["attachments"]] == ["image/png"]
    _, emails = stack.call("GET", "/_local/emails")
    [mail] = [e for e in emails["items"] if e["to"] == guest]
    assert mail["headers"]["Content-Type"].startswith("multipart/mixed")
    assert any(url.endswith("/admin/uploads/direct") for url in watch.requests)
    assert any(f"/admin/images/{reply['attachments'][0]['image_id']}" in url for url in watch.requests)


# --- acceptance 3 (moves the stack's clock: last) -------------------------------------------------------

def test_an_emailed_reply_shows_the_customers_words_and_the_whole_email_on_demand(page, stack):
    # GIVEN a guest's message the merchant answered by e-mail, and the guest's Outlook reply in Traditional Chinese
    guest = f"{uid('mail')}@example.com"
    status, sent = stack.call("POST", "/storefront/shop-messages", stack.info["storefront_key"],
                              {"email": guest, "name": "Guest Wang", "text": "請問有現貨嗎"})
    assert status == 201, sent
    cid = sent["conversation_id"]
    assert stack.call("POST", f"/admin/conversations/{cid}/messages", stack.info["admin_key"],
                      {"text": "有的 訂單 TW-2048 已出貨。"})[1]["emailed"] is True
    _, emails = stack.call("GET", "/_local/emails")
    [email] = [e for e in emails["items"] if e["to"] == guest]
    quoted = ("寄件者: Demo Tea House\n寄件日期: 2026年11月25日 上午 09:00\n收件者: Guest Wang\n主旨: 訂單\n\n"
              "訂單 TW-2048 已出貨。")
    raw = plain_reply(sender=guest, to=email["reply_to"], charset="big5",
                      body="收到了 謝謝\n\n________________________________\n" + quoted)
    status, answer = stack.call("POST", "/_local/emails/inbound", raw=raw, headers={"Content-Type": "message/rfc822"})
    assert status == 200 and answer["outcome"] == "appended", answer
    # WHEN the merchant opens the conversation
    open_console(page, stack)
    conversation_link(page, cid).click()
    log = page.get_by_role("log", name="Messages")
    reply = log.locator(".msg.inbound").last
    # THEN the customer's words show, the history does not, until "Show quoted text"
    expect(reply.locator(".msg-text")).to_have_text("收到了 謝謝")
    full = reply.get_by_label("The whole e-mail as received")
    expect(full).to_be_hidden()
    toggle = reply.get_by_role("button", name="Show quoted text")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(full).to_be_visible()
    expect(full).to_contain_text("寄件者: Demo Tea House")
    expect(full).to_contain_text("訂單 TW-2048 已出貨。")
    # AND it stays open while the thread refreshes, and closes again
    page.wait_for_timeout(3500)
    expect(full).to_be_visible()
    reply.get_by_role("button", name="Hide quoted text").click()
    expect(full).to_be_hidden()


def test_3_past_24_hours_the_invitation_is_disabled_with_the_reason(page, stack):
    cid = line_message(stack, "Thanks, see you soon")
    assert stack.call("POST", "/_local/clock", None, {"advance_seconds": 24 * 3600 + 60})[0] == 200
    open_console(page, stack, f"#/inbox/{cid}")
    invite = page.get_by_role("button", name="Send invitation to bind membership")
    expect(invite).to_be_disabled()
    expect(invite).to_have_accessible_description(re.compile("more than 24 hours old"))
    expect(page.get_by_text("Reply window closed")).to_be_visible()
    expect(page.get_by_label("Reply")).to_be_disabled()
