"""The console and the staff app in the reader's language (CONTRACT v3 "Languages"), in a real Chromium.

A browser set to zh-TW gets Traditional Chinese on every main screen, with no English word left but brands
and the customer's own data; one set to en-US gets English. The switch on the page changes the language, it
survives a reload (localStorage), and <html lang> follows. Dates are said in the store's time zone (Taipei),
whatever the computer's. `make screenshots` saves both apps in both languages for the README.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, Watch
from tests.browser.test_pages import line_message, new_member, shoot, whatsapp_message
from tests.support_accounts import fresh_tw_mobile
from tests.support_channels import uid

# Words that stay as they are in Chinese: brands, the product's name, a language's own name, file formats and
# the technical names a merchant types or reads elsewhere (reCAPTCHA, QR, CSV, URL, ID, IP, ISO, S3, MiB).
KEPT = {"memberlink", "LINE", "Messenger", "Instagram", "WhatsApp", "Facebook", "English", "reCAPTCHA", "QR", "CSV",
        "URL", "ID", "IP", "ISO", "S3", "JPEG", "PNG", "GIF", "WebP", "MiB", "Ctrl", "Enter", "App", "mlk", "TW",
        "IG"}  # (IG: Instagram's tile in the conversation list)
HAN = re.compile(r"[\u3400-\u9fff]")

# Every piece of text a person can read or hear: visible text nodes, and the labels, placeholders, titles and
# alternative texts of elements (not inside translate="no", which marks data such as the CSV column names).
READABLE = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest('[translate="no"], script, style, noscript, [hidden]')) continue;
    if (!el.getClientRects().length) continue;  // not displayed
    if (node.textContent.trim()) out.push(node.textContent.trim());
  }
  for (const el of document.body.querySelectorAll('[aria-label], [placeholder], [title], img[alt]')) {
    if (el.closest('[translate="no"], [hidden]')) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  out.push(document.title);
  return out;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@contextmanager
def browser_in(browser: Any, watch: Watch, locale: str, **options: Any) -> Iterator[Any]:
    """A fresh browser profile (its own localStorage) set to `locale`, checked like the other tests' tabs."""
    context = browser.new_context(locale=locale, viewport={"width": 1440, "height": 900}, service_workers="block",
                                  **options)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.on("request", lambda request: watch.requests.append(request.url))
    tab.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    tab.on("console", lambda message: watch.console_errors.append(message.text) if message.type == "error" else None)
    tab.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield tab
    finally:
        context.close()
    assert watch.foreign() == [], watch.foreign()
    assert watch.csp_violations() == [] and watch.dialogs == [] and watch.page_errors == [], watch


def english_left(page: Any, data: set[str]) -> list[str]:
    """The readable texts that still hold a Latin word once brands, kept terms and the customers' data are out."""
    left = []
    for text in page.evaluate(READABLE):
        rest = re.sub(r"\{\w+\}", " ", text)  # a template's placeholders, typed as they are in any language
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        words = [word for word in re.findall(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]", rest) if word not in KEPT]
        if words:
            left.append(f"{text!r} -> {words}")
    return left


def chinese_left(page: Any, data: set[str]) -> list[str]:
    texts = page.evaluate(READABLE)
    return [text for text in texts if HAN.search(text) and not any(value in text for value in data)
            and text != "繁體中文"]


USE_KEY = {"管理金鑰": "改用管理金鑰登入", "Admin key": "Use the admin key instead"}  # people sign in by e-mail first


def sign_in_console(page: Any, stack: Any, label: str, button: str, fragment: str = "#/inbox") -> None:
    page.goto(f"{stack.api}/console/{fragment}")
    page.get_by_role("button", name=USE_KEY[label]).click()
    page.get_by_label(label).fill(stack.info["admin_key"])
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("header.topbar")).to_be_visible()


def sign_in_staff(page: Any, stack: Any, label: str, button: str) -> None:
    page.goto(f"{stack.api}/staff-app/")
    page.get_by_label(label).fill(stack.info["staff_key"])
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("header.appbar")).to_be_visible()


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, Any]:
    """A few customers of the demo store (Taipei), their names and words: the data the screens show."""
    name = "Chen Yu-ting"
    member_id = new_member(stack, name)
    cid = line_message(stack, "Is the Alishan oolong back in stock?")
    wa = "8869" + uid()[-8:].rjust(8, "4")
    whatsapp_message(stack, "Sheena Nelson", "Can I pick it up on Saturday?", wa)
    stack.call("POST", f"/admin/members/{member_id}/tags", stack.info["admin_key"], {"tags": ["VIP"]})
    stack.call("POST", "/storefront/orders", stack.info["storefront_key"],
               {"order_id": uid("ORD-"), "member_id": member_id, "total": 1280, "currency": "TWD"})
    phone = fresh_tw_mobile()
    status, regular = stack.call("POST", "/admin/members", stack.info["admin_key"],
                                 {"name": "Wang Mei", "phone": phone})
    assert status == 201, regular
    _, settings = stack.call("GET", "/admin/settings", stack.info["admin_key"])
    data = {name, "Sheena Nelson", "Wang Mei", "Is the Alishan oolong back in stock?", "Can I pick it up on Saturday?",
            "VIP", settings["name"], settings["store_id"], phone, stack.info["store_id"]}
    return {"member_id": member_id, "cid": cid, "phone": phone, "data": data, "store_name": settings["name"]}


def data_on(page: Any, shop: dict[str, Any], stack: Any) -> set[str]:
    """The merchant's and customers' data the screens show (names, messages, rules, ids): no catalog writes it."""
    key = stack.info["admin_key"]
    found = set(shop["data"])
    for item in stack.call("GET", "/admin/conversations?limit=100", key)[1]["items"]:
        user, customer, last = item.get("social_user") or {}, item.get("customer") or {}, item.get("last_message") or {}
        found.update(str(v) for v in (user.get("name"), user.get("key"), customer.get("name"), customer.get("email"),
                                      last.get("text")) if v)
    found.update(b["name"] for b in stack.call("GET", "/admin/branches", key)[1]["items"])
    found.update(s["name"] for s in stack.call("GET", "/admin/staff", key)[1]["items"])
    for rule in stack.call("GET", "/admin/auto-reply-rules", key)[1]["items"]:
        found.update([", ".join(rule["keywords"]), rule["reply_text"]])
    found.update(entry["social_user_key"] for entry in stack.call("GET", "/admin/blacklist", key)[1]["items"])
    for channel in stack.call("GET", "/admin/channels", key)[1]["items"]:  # account ids, masked secrets
        found.update(str(value) for name, value in channel.items() if name not in ("channel", "configured") and value)
    for text in page.evaluate(READABLE):
        found.update(re.findall(r"[\w.+-]+@[\w.-]+|\bORD-\w+|\b(?:st|mb|br|cv|sf)_\w+", text))
    return {value for value in found if value}


# --- Traditional Chinese --------------------------------------------------------------------------

def test_console_in_zh_tw_is_traditional_chinese_on_every_main_screen(browser, stack, watch, shop):
    with browser_in(browser, watch, "zh-TW", timezone_id="America/Los_Angeles") as page:
        page.goto(f"{stack.api}/console/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        expect(page.get_by_role("heading", name="登入主控台")).to_be_visible()
        assert english_left(page, shop["data"]) == []
        sign_in_console(page, stack, "管理金鑰", "登入", f"#/inbox/{shop['cid']}")
        expect(page.get_by_role("heading", name="訊息中心")).to_be_visible()
        expect(page.get_by_role("log", name="訊息")).to_contain_text("Alishan oolong")
        expect(page.get_by_role("button", name="傳送會員綁定邀請")).to_be_visible()
        assert english_left(page, data_on(page, shop, stack)) == []
        # dates and times in the store's zone (Taipei), not the computer's (Los Angeles)
        time = page.get_by_role("log", name="訊息").locator("time").first
        expected = page.evaluate("""(iso) => new Intl.DateTimeFormat('zh-Hant', {timeZone: 'Asia/Taipei',
          dateStyle: 'full', timeStyle: 'short'}).format(new Date(iso))""", time.get_attribute("datetime"))
        expect(time).to_have_attribute("title", expected)
        for fragment, heading in (("#/customers", "顧客"), ("#/settings", "設定"), ("#/reports", "報表"),
                                  (f"#/customers/{shop['member_id']}", "Chen Yu-ting")):
            page.goto(f"{stack.api}/console/{fragment}")
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            if fragment == "#/settings":
                expect(page.get_by_role("heading", name="分店與店員")).to_be_visible()
                expect(page.get_by_label("顧客看到的語言")).to_have_value("zh-Hant")
            if fragment.startswith("#/customers/"):
                expect(page.get_by_role("region", name="訂單")).to_contain_text("$1,280.00")
            left = english_left(page, data_on(page, shop, stack))
            assert left == [], (fragment, left)


def test_staff_app_in_zh_tw_speaks_to_the_clerk_in_traditional_chinese(browser, stack, watch, shop):
    with browser_in(browser, watch, "zh-TW") as page:
        page.goto(f"{stack.api}/staff-app/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        assert english_left(page, shop["data"]) == []
        sign_in_staff(page, stack, "店員金鑰", "登入")
        expect(page.get_by_role("heading", name="查詢會員")).to_be_visible()
        expect(page.locator("#store-name")).to_have_text(shop["store_name"])
        assert english_left(page, shop["data"]) == []
        # a member at the counter
        page.get_by_label("手機號碼").fill(shop["phone"])
        page.get_by_role("button", name="搜尋", exact=True).click()
        expect(page.get_by_role("heading", name="Wang Mei")).to_be_visible()
        expect(page.get_by_role("button", name="連結 LINE")).to_be_visible()
        assert english_left(page, shop["data"]) == []
        page.set_viewport_size({"width": 390, "height": 844})  # a phone at the counter
        shoot(page, "staff-app-zh-hant.png", full_page=True)
        # a newcomer: the sign-up link, and what to tap once the text arrived, said in the clerk's words
        newcomer = fresh_tw_mobile()
        page.get_by_label("手機號碼").fill(newcomer)
        page.get_by_role("button", name="搜尋", exact=True).click()
        expect(page.get_by_role("heading", name="找不到會員")).to_be_visible()
        expect(page.get_by_text("註冊連結是用簡訊傳給顧客的網址")).to_be_visible()
        page.get_by_role("button", name="傳送註冊連結簡訊").click()
        expect(page.get_by_text(f"已用簡訊把註冊連結傳到 {newcomer}")).to_be_visible()
        received = page.get_by_role("button", name="顧客已收到簡訊")
        expect(received).to_have_accessible_description(re.compile("顧客手機收到簡訊後請點這裡"))
        assert english_left(page, shop["data"] | {newcomer}) == []


# --- English ---------------------------------------------------------------------------------------

def test_console_and_staff_app_in_en_us_are_english(browser, stack, watch, shop):
    with browser_in(browser, watch, "en-US") as page:
        sign_in_console(page, stack, "Admin key", "Sign in", f"#/inbox/{shop['cid']}")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", name="Message Center")).to_be_visible()
        expect(page.get_by_role("button", name="Send invitation to bind membership")).to_be_visible()
        assert chinese_left(page, data_on(page, shop, stack)) == []
        shoot(page, "console-en.png")
        page.goto(f"{stack.api}/console/#/settings")
        expect(page.get_by_role("heading", name="Branches and staff")).to_be_visible()
        assert chinese_left(page, data_on(page, shop, stack)) == []
        sign_in_staff(page, stack, "Staff key", "Sign in")
        page.get_by_label("Mobile number").fill(shop["phone"])
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.get_by_role("heading", name="Wang Mei")).to_be_visible()
        expect(page.get_by_role("button", name="Connect LINE")).to_have_accessible_description(
            re.compile("recognise this member"))
        assert chinese_left(page, shop["data"]) == []
        page.set_viewport_size({"width": 390, "height": 844})  # a phone at the counter
        shoot(page, "staff-app-en.png", full_page=True)


# --- the switch ----------------------------------------------------------------------------------

def test_the_switch_changes_the_language_and_survives_a_reload(browser, stack, watch, shop):
    with browser_in(browser, watch, "en-US") as page:
        sign_in_console(page, stack, "Admin key", "Sign in", f"#/inbox/{shop['cid']}")
        # WHEN the merchant picks 繁體中文 in the top bar
        page.get_by_role("banner").get_by_label("Language").select_option("zh-Hant")
        # THEN the console shows Chinese, still signed in, on the same conversation
        expect(page.get_by_role("heading", name="訊息中心")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        expect(page.get_by_role("log", name="訊息")).to_contain_text("Alishan oolong")
        shoot(page, "console-zh-hant.png")
        # AND after a reload too, and in the staff app of the same browser
        page.reload()
        expect(page.get_by_role("heading", name="訊息中心")).to_be_visible()
        assert page.evaluate("localStorage.getItem('memberlink.language')") == "zh-Hant"
        page.goto(f"{stack.api}/staff-app/")
        expect(page.get_by_role("heading", name="登入門市助手")).to_be_visible()
        # WHEN the clerk switches back to English on the sign-in screen; THEN it stays English after a reload
        page.get_by_role("form").get_by_label("語言").select_option("en")  # the sign-in card's switch
        expect(page.get_by_role("heading", name="Sign in to the staff app")).to_be_visible()
        page.reload()
        expect(page.get_by_role("heading", name="Sign in to the staff app")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize(("preferences", "expected"), [
    (["zh-TW"], "zh-Hant"), (["zh-HK", "en"], "zh-Hant"), (["zh-MO"], "zh-Hant"), (["zh-Hant-TW"], "zh-Hant"),
    (["zh-CN", "en-GB"], "en"), (["fr-FR", "zh-TW"], "zh-Hant"), (["de-DE"], "en"), ([], "en"),
])
def test_the_browser_preference_picks_a_language(browser, stack, watch, preferences, expected):
    with browser_in(browser, watch, "en-US") as page:
        page.goto(f"{stack.api}/console/")
        got = page.evaluate("async (prefs) => (await import('./i18n.js')).pickLanguage(prefs)", preferences)
        assert got == expected
