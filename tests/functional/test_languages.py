"""The store's language (CONTRACT v3 "Languages"): what the product writes to customers on its own is in it.

A store created in TW, HK or MO starts in Traditional Chinese, any other in English; ``PUT /admin/settings
{"language"}`` changes it. The default binding invitation (as the channel receives it), the default SMS
templates, the ``/u/`` pages and the fixed parts of e-mails follow.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from chalicelib.consent.unsubscribe import token_for
from tests.conftest import StoreKeys, call
from tests.functional.test_consent_routes import sign_up
from tests.support_binding import link_in, set_storefront, start_conversation
from tests.support_channels import configure_all

# After the customer's name (the sandbox's channels tell a name for everyone).
ZH_INVITATION = "，您好！歡迎加入本店會員：點選連結，就能把這個對話連結到您的會員帳號。連結在 1 小時內有效。"
EN_INVITATION = ("! Become a member of our shop: tap the link to connect this chat to your member account. "
                 "The link is valid for 1 hour.")


def new_store(name: str, country: str, timezone: str | None = None) -> StoreKeys:
    from chalicelib import clock, stores

    created = stores.create_store(name, country, timezone, clock.now())
    return StoreKeys(created.store_id, created.admin_key, created.storefront_key)


@pytest.fixture
def us_store(aws: None) -> StoreKeys:
    return new_store("Brooklyn Beans", "US", "America/New_York")


def settings(client: Any, store: StoreKeys) -> dict[str, Any]:
    status, body = call(client, "GET", "/admin/settings", store.admin())
    assert status == 200, body
    return dict(body)


def sent_invitation(client: Any, store: StoreKeys, creds: Any, sandbox: Any, channel: str) -> dict[str, Any]:
    """What the channel received when the admin sent the binding invitation."""
    set_storefront(client, store)
    conversation_id, _ = start_conversation(client, store, creds, channel)
    sandbox.outbox.clear()
    status, answer = call(client, "POST", f"/admin/conversations/{conversation_id}/binding-invitation",
                          store.admin())
    assert status == 201, answer
    [sent] = [item for item in sandbox.outbox.items() if item["method"] == "POST"]
    return dict(sent)


# --- the setting -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("country", "timezone", "language"), [
    ("TW", None, "zh-Hant"), ("HK", None, "zh-Hant"), ("MO", None, "zh-Hant"),
    ("US", "America/Chicago", "en"), ("JP", None, "en"), ("SG", None, "en"),
])
def test_a_new_store_starts_in_its_country_language(client: Any, aws: None, country: str, timezone: str | None,
                                                    language: str) -> None:
    # GIVEN a store created in a country; WHEN its settings are read; THEN the language is that country's
    store = new_store(f"Shop {country}", country, timezone)
    assert settings(client, store)["language"] == language


def test_put_language_changes_it_and_anything_else_is_400_naming_it(client: Any, store: StoreKeys) -> None:
    # GIVEN a TW store (zh-Hant); WHEN the admin sets English; THEN it is stored and answered
    status, body = call(client, "PUT", "/admin/settings", store.admin(), {"language": "en"})
    assert status == 200 and body["language"] == "en"
    assert settings(client, store)["language"] == "en"
    # WHEN a language the product does not speak (or the browser-style zh-TW) is sent; THEN 400 naming the field
    for wrong in ("fr", "zh-TW", "", "ZH-HANT"):
        status, body = call(client, "PUT", "/admin/settings", store.admin(), {"language": wrong})
        assert status == 400 and body["error"]["field"] == "language", (wrong, body)
    # AND nothing changed
    assert settings(client, store)["language"] == "en"


def test_a_store_saved_before_the_setting__reads_as_its_country(client: Any, store: StoreKeys) -> None:
    from chalicelib.models.stores import StoreModel

    # GIVEN a TW store whose item has no language (written before the setting existed)
    StoreModel(store.store_id).update(actions=[StoreModel.language.remove()])
    # THEN it reads, and writes to customers, in Traditional Chinese
    assert settings(client, store)["language"] == "zh-Hant"


# --- the default binding invitation ------------------------------------------------------------------

def test_a_tw_store_default_binding_invitation_is_traditional_chinese(client, store, creds, sandbox) -> None:
    # GIVEN a TW store that never saved a template; WHEN the admin reads it; THEN it is the Chinese default
    status, template = call(client, "GET", "/admin/templates/binding-invitation/facebook", store.admin())
    assert status == 200 and template["is_default"] is True
    assert template["text"].startswith("{customer_name}，您好！") and template["button_text"] == "加入會員"
    # WHEN it is sent to a customer; THEN the customer reads Chinese
    sent = sent_invitation(client, store, creds, sandbox, "facebook")
    payload = sent["body"]["message"]["attachment"]["payload"]
    assert payload["text"].endswith(ZH_INVITATION)
    assert payload["buttons"][0]["title"] == "加入會員"


def test_a_us_store_default_binding_invitation_is_english(client, us_store, sandbox) -> None:
    from tests.support_channels import demo_credentials

    # GIVEN a US store with its channels
    creds = demo_credentials()
    configure_all(us_store.store_id, creds)
    # WHEN the admin reads and sends the default invitation; THEN both are English
    status, template = call(client, "GET", "/admin/templates/binding-invitation/line", us_store.admin())
    assert status == 200 and template["text"].startswith("Hi {customer_name}!")
    assert template["button_text"] == "Become a member"
    sent = sent_invitation(client, us_store, creds, sandbox, "whatsapp")
    text = sent["body"]["text"]["body"]
    assert text.startswith("Hi ") and EN_INVITATION in text
    assert link_in(sent).startswith("https://shop.example.com/account/bind?token=")


def test_switching_the_language_switches_the_defaults_not_a_saved_template(client, store) -> None:
    # GIVEN a TW store with its own LINE template saved
    status, _ = call(client, "PUT", "/admin/templates/binding-invitation/line", store.admin(),
                     {"text": "歡迎 {customer_name}", "button_text": "加入"})
    assert status == 200
    # WHEN the store switches to English
    call(client, "PUT", "/admin/settings", store.admin(), {"language": "en"})
    # THEN the saved template stays as written; the defaults (Messenger's, the SMS templates) are English
    line = call(client, "GET", "/admin/templates/binding-invitation/line", store.admin())[1]
    assert line["text"] == "歡迎 {customer_name}"
    facebook = call(client, "GET", "/admin/templates/binding-invitation/facebook", store.admin())[1]
    assert facebook["text"].startswith("Hi {customer_name}!") and facebook["button_text"] == "Become a member"
    sms = {t["type"]: t["text"] for t in call(client, "GET", "/admin/templates/sms", store.admin())[1]["items"]}
    assert sms["registration_invitation"] == "{store_name} invites you to become a member: {link}"


def test_default_sms_templates_follow_the_language(client, store, us_store) -> None:
    # GIVEN a TW and a US store; WHEN each reads its SMS templates; THEN each default is in its language
    tw = {t["type"]: t["text"] for t in call(client, "GET", "/admin/templates/sms", store.admin())[1]["items"]}
    us = {t["type"]: t["text"] for t in call(client, "GET", "/admin/templates/sms", us_store.admin())[1]["items"]}
    assert tw["verification"] == "{store_name}：您的驗證碼是 {code}，10 分鐘內有效。"
    assert tw["registration_invitation"] == "{store_name} 邀請您加入會員：{link}"
    assert us["verification"] == "{store_name}: your verification code is {code}. It expires in 10 minutes."


# --- the /u/ pages -----------------------------------------------------------------------------------

def test_a_tw_store_unsubscribe_page_is_traditional_chinese(client: Any, store: StoreKeys) -> None:
    member_id = sign_up(client, store, "mei@example.com", email_marketing=True)
    page = client.http.get(f"/u/{token_for(store.store_id, member_id, 'email_marketing')}").body.decode()
    assert '<html lang="zh-Hant">' in page
    assert "<title>取消訂閱</title>" in page and "不再接收 Demo Tea House 的行銷電子郵件？" in page
    assert '<button type="submit">取消訂閱</button>' in page
    assert "Noto Sans TC" in page  # a CJK font stack, not whatever serif the phone picks
    assert ">Unsubscribe<" not in page and "Stop receiving" not in page


def test_a_us_store_unsubscribe_pages_are_english(client: Any, us_store: StoreKeys) -> None:
    member_id = sign_up(client, us_store, "joe@example.com", sms_marketing=True)
    token = token_for(us_store.store_id, member_id, "sms_marketing")
    page = client.http.get(f"/u/{token}").body.decode()
    assert '<html lang="en">' in page and "Stop receiving marketing text messages from Brooklyn Beans?" in page
    done = client.http.post(f"/u/{token}", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                   "Accept": "text/html"}, body=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200 and "You are unsubscribed" in done.body.decode()


def test_a_store_name_in_the_page_is_escaped_in_either_language(client: Any, store: StoreKeys) -> None:
    call(client, "PUT", "/admin/settings", store.admin(), {"name": "<script>x</script> Tea"})
    member_id = sign_up(client, store, "lin@example.com", email_marketing=True)
    page = client.http.get(f"/u/{token_for(store.store_id, member_id, 'email_marketing')}").body.decode()
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt; Tea" in page


@pytest.mark.parametrize(("accept", "lang", "words"), [("zh-TW,zh;q=0.9", "zh-Hant", "這個連結無效"),
                                                        ("en-US,en;q=0.9", "en", "This link is not valid"),
                                                        (None, "en", "This link is not valid")])
def test_a_forged_link_page_speaks_the_reader_browser_language(client: Any, aws: None, accept: str | None,
                                                             lang: str, words: str) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = client.http.get("/u/" + "a" * 48, headers=headers)
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in response.body.decode() and words in response.body.decode()


# --- e-mails ---------------------------------------------------------------------------------------

def test_a_reply_email_fixed_parts_follow_the_store_language(client: Any, us_store: StoreKeys) -> None:
    from chalicelib.messages import replies
    from chalicelib.models.inbox import ConversationModel
    from chalicelib.models.stores import StoreModel
    from chalicelib.senders import Sender

    # GIVEN an order conversation of a US store and of the same store switched to zh-Hant
    store = StoreModel.get(us_store.store_id)
    store.shop_email, store.storefront_url = "shop@example.com", "https://shop.example.com"
    conversation = ConversationModel(us_store.store_id, "cv_" + "1" * 24, channel="order", order_id="A-1",
                                     customer_email="amy@example.com")
    sender = Sender("shop@example.com", store.name, verified=True)
    english = replies.compose(store, conversation, "Shipped!", [], sender)
    store.language = "zh-Hant"
    chinese = replies.compose(store, conversation, "已出貨！", [], sender)
    # THEN the subject, the footer and the button are the store's language; the merchant's text is untouched
    assert english.subject == "Brooklyn Beans: a reply about your order A-1"
    assert "Reply to this e-mail to answer, or open https://shop.example.com/account/orders/A-1." in english.text
    assert chinese.subject == "Brooklyn Beans：關於您的訂單 A-1 的回覆"
    assert chinese.text.startswith("已出貨！") and "直接回覆這封電子郵件即可回答" in chinese.text
    assert ">回覆</a>" in str(chinese.html) and 'lang="zh-Hant"' in str(chinese.html)


def test_a_marketing_email_footer_is_in_the_store_language(aws: None) -> None:
    from chalicelib.marketing import sends
    from chalicelib.models.consents import MarketingSendModel
    from chalicelib.models.members import MemberModel
    from chalicelib.models.stores import StoreModel
    from chalicelib.senders import Sender

    store = StoreModel("st_00112233aabbccdd", name="茶屋", country="TW", timezone="Asia/Taipei", language="zh-Hant",
                       shop_email="shop@example.com", postal_address="台北市大安區")
    send = MarketingSendModel(store.store_id, "ms_1", channel="email", kind="newsletter", subject="新茶上市",
                              text="春茶到了", base_url="https://api.example.com")
    member = MemberModel(store.store_id, "mb_0123456789abcdef", email="amy@example.com")
    sender = Sender("shop@example.com", store.name, verified=True)
    mail = sends.marketing_email(store, send, member, sender)
    assert "您收到這封郵件，是因為您同意接收 茶屋 的行銷電子郵件。" in mail.text and "取消訂閱：https://" in mail.text
    assert json.dumps(mail.headers["List-Unsubscribe-Post"]) == '"List-Unsubscribe=One-Click"'
    store.language = "en"
    assert "You receive this because you agreed to marketing e-mails from 茶屋." in sends.marketing_email(
        store, send, member, sender).text


# --- the staff app's store ---------------------------------------------------------------------------

def test_the_staff_app_reads_its_store_time_zone_and_language(client: Any, store: StoreKeys, us_store) -> None:
    from tests.support_staff import bearer, staff_key

    # GIVEN a staff key of a TW store and one of a US store
    tw_staff, us_staff = staff_key(client, store.admin()), staff_key(client, us_store.admin(), "Brooklyn", "Joe")
    # WHEN the staff app asks for its store; THEN it gets that store's zone and language, nothing of the other
    status, tw = call(client, "GET", "/staff/store", bearer(tw_staff["key"]))
    assert status == 200 and tw == {"name": "Demo Tea House", "country": "TW", "timezone": "Asia/Taipei",
                                    "language": "zh-Hant"}
    assert call(client, "GET", "/staff/store", bearer(us_staff["key"]))[1]["timezone"] == "America/New_York"
    # AND an admin key (not a staff key) or no key is refused
    assert call(client, "GET", "/staff/store", {})[0] == 401


# --- verification mails and texts ----------------------------------------------------------------

def reset_mail(client: Any, store: StoreKeys, email: str) -> dict[str, Any]:
    from local.emails import sent_emails
    from local.lambdas import current

    call(client, "POST", "/storefront/members", store.storefront(),
         {"name": "Bo", "password": "correct horse battery", "email": email})
    status, _ = call(client, "POST", "/storefront/password-resets", store.storefront(),
                     {"identifier": email, "via": "email"})
    assert status == 202
    current().drain()  # the deferred function's delivery, through the local Lambda
    [mail] = [m for m in sent_emails() if m["to"] == email]
    return dict(mail)


def test_a_password_reset_mail_is_in_the_store_language(client: Any, store: StoreKeys, us_store) -> None:
    # GIVEN a member of a TW store and one of a US store; WHEN each asks for a password reset by e-mail
    tw, us = reset_mail(client, store, "mei@example.com"), reset_mail(client, us_store, "joe@example.com")
    # THEN each mail, subject and text, is in its store's language, the code and lifetime filled in
    assert tw["subject"] == "Demo Tea House：重設密碼"
    assert re.fullmatch(r"您的重設密碼驗證碼是 \d{6}，10 分鐘內有效。\s*", tw["text"]), tw["text"]
    assert us["subject"] == "Brooklyn Beans: password reset"
    assert re.fullmatch(r"Your password reset code is \d{6}\. It expires in 10 minutes\.\s*", us["text"]), us["text"]


def test_a_verification_code_sms_is_in_the_store_language(client: Any, store: StoreKeys) -> None:
    from tests.support_accounts import fresh_tw_mobile, moto_sms

    # GIVEN a TW store that never wrote its SMS templates; WHEN a shopper asks for a sign-up code
    phone = fresh_tw_mobile()
    status, _ = call(client, "POST", "/storefront/verifications", store.storefront(),
                     {"phone": phone, "purpose": "signup"})
    assert status == 202
    # THEN the text is the Chinese default, the store's name and the code filled in
    assert re.fullmatch(r"Demo Tea House：您的驗證碼是 \d{6}，10 分鐘內有效。", moto_sms(phone)[-1])
