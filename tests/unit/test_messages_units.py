"""Shop and order messages without AWS: the signed reply address, the e-mail builder, reading a reply."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from chalicelib import mailtext
from chalicelib.email import Attachment, OutboundEmail, build_message
from chalicelib.messages import inbound, replytoken
from tests.support_messages import customer_reply

STORE, CONVERSATION = "st_3f9a1c0d2b4e6f80", "cv_0123456789abcdef01234567"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pepper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODE_PEPPER", "unit-test-pepper")
    monkeypatch.setenv("INBOUND_EMAIL_DOMAIN", "in.example.com")


# --- the reply address ---------------------------------------------------------------------------

def test_reply_address__round_trip__names_store_and_conversation() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    assert len(address.split("@")[0]) <= 64 and address.endswith("@in.example.com")
    assert replytoken.parse_reply_address(address.upper()) == replytoken.ReplyTarget(STORE, CONVERSATION)


def test_reply_address__any_one_character_changed__refused() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    token_start = len("reply+")
    for position in range(token_start, address.index("@")):
        for replacement in "a7":
            if address[position] != replacement:
                forged = address[:position] + replacement + address[position + 1:]
                assert replytoken.parse_reply_address(forged) is None, position


def test_reply_address__other_domain_or_pepper__refused(monkeypatch: pytest.MonkeyPatch) -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    assert replytoken.parse_reply_address(address.replace("in.example.com", "evil.example.com")) is None
    monkeypatch.setenv("CODE_PEPPER", "another-deployment")
    assert replytoken.parse_reply_address(address) is None


# --- the sender module ---------------------------------------------------------------------------

def test_build_message__text_html_reply_to_extra_headers() -> None:
    email = OutboundEmail(to="amy@example.com", sender="shop@example.com", sender_name="Tea, House", subject="Hi",
                          text="plain", html="<p>rich</p>", reply_to="reply+x@in.example.com",
                          headers={"List-Unsubscribe": "<https://api.example.com/u/t>", "References": "<a@b>"})
    message = message_from_bytes(build_message(email, NOW).as_bytes(), policy=default)
    assert message["From"] == '"Tea, House" <shop@example.com>'
    assert message["Reply-To"] == "reply+x@in.example.com"
    assert message["List-Unsubscribe"] == "<https://api.example.com/u/t>"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("html",)).get_content().strip() == "<p>rich</p>"  # type: ignore[union-attr]
    assert message["Message-ID"].endswith("@in.example.com>")


def test_build_message__chinese_parts_travel_encoded_and_read_back_whole() -> None:
    from email.policy import SMTP

    # GIVEN a Taiwanese store's mail, text and HTML in Chinese
    email = OutboundEmail(to="amy@example.com", sender="shop@example.com", subject="茶屋：重設密碼",
                          text="您的重設密碼驗證碼是 123456，10 分鐘內有效。", html="<p>您好</p>")
    # WHEN it is built as SES receives it
    raw = build_message(email).as_bytes(policy=SMTP)
    # THEN every byte is ASCII (the parts are base64, the subject RFC 2047), and a mail client reads it back whole
    assert raw.isascii()
    received = message_from_bytes(raw, policy=default)
    assert str(received["Subject"]) == "茶屋：重設密碼"
    assert received.get_body(("plain",)).get_content().strip() == "您的重設密碼驗證碼是 123456，10 分鐘內有效。"
    assert received.get_body(("html",)).get_content().strip() == "<p>您好</p>"


def test_build_message__attachments__multipart_mixed() -> None:
    email = OutboundEmail(to="a@example.com", sender="s@example.com", subject="s", text="t", html="<p>t</p>",
                          attachments=[Attachment("a.png", "image/png", b"\x89PNG\r\n\x1a\nxx")])
    message = build_message(email, NOW)
    assert message.get_content_type() == "multipart/mixed"
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "a.png" and part.get_content() == b"\x89PNG\r\n\x1a\nxx"


@pytest.mark.parametrize("headers", [{"From": "ceo@example.com"}, {"reply-to": "x@example.com"}])
def test_build_message__extra_header_may_not_replace_an_address(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        build_message(OutboundEmail(to="a@example.com", sender="s@example.com", subject="s", text="t",
                                    headers=headers), NOW)


def test_build_message__header_injection_in_subject__refused() -> None:
    with pytest.raises(ValueError):
        build_message(OutboundEmail(to="a@example.com", sender="s@example.com", subject="hi\r\nBcc: x@evil.com",
                                    text="t"), NOW)


# --- reading a reply -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Friday is fine.\n\nOn Wed, Nov 25, 2026 at 9:00 AM Tea House <shop@example.com> wrote:\n> shipped",
     "Friday is fine."),
    ("Friday is fine.\n\nOn Wed, Nov 25, 2026 at 9:00 AM Tea House <\nshop@example.com> wrote:\n> shipped",
     "Friday is fine."),
    ("好的\uff0c謝謝\n\n2026年11月25日 週三 上午9:00 Tea House <shop@example.com> 寫道\uff1a\n> shipped",
     "好的\uff0c謝謝"),
    ("Yes please\r\n\r\n-----Original Message-----\r\nFrom: Tea House\r\nshipped", "Yes please"),
    ("Line one\n> quoted inline\nLine two\n-- \nAmy, sent from my phone", "Line one\nLine two"),
])
def test_cut_quoted__keeps_only_the_new_words(text: str, expected: str) -> None:
    assert mailtext.new_words(text) == expected


def test_examine__forged_pass_below_ses_fail__spam() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    raw = customer_reply(sender="amy@example.com", reply_to=address,
                         headers={"X-SES-Spam-Verdict": "FAIL"})
    raw = raw.replace(b"X-SES-Spam-Verdict: FAIL", b"X-SES-Spam-Verdict: FAIL\r\nX-SES-Spam-Verdict: PASS")
    assert inbound.examine(raw).reason == "spam"


def test_examine__ses_says_dmarc_failed__refused_as_spoofed() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    raw = customer_reply(sender="amy@example.com", reply_to=address, headers={
        "Authentication-Results": "amazonses.com; spf=fail (spfCheck: domain of example.com does not designate "
                                  "203.0.113.9 as permitted sender); dkim=none; dmarc=fail header.from=example.com"})
    assert inbound.examine(raw).reason == "dmarc_fail"


def test_examine__out_of_office_answer__auto_submitted() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    raw = customer_reply(sender="amy@example.com", reply_to=address, headers={"Auto-Submitted": "auto-replied"})
    assert inbound.examine(raw).reason == "auto_submitted"


def test_examine__good_reply__target_sender_and_text() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    examined = inbound.examine(customer_reply(sender="Amy@Example.com", reply_to=address, text="See you then"))
    assert examined.reason is None
    assert examined.target == replytoken.ReplyTarget(STORE, CONVERSATION)
    assert (examined.sender, examined.text) == ("amy@example.com", "See you then")


def test_examine__html_only_reply__text_without_tags_or_quote() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    raw = (f"From: amy@example.com\r\nTo: {address}\r\nSubject: Re\r\nMessage-ID: <h@x>\r\n"
           "Content-Type: text/html; charset=utf-8\r\n\r\n"
           "<div>See you <b>then</b></div><blockquote>old &amp; quoted</blockquote>").encode()
    assert inbound.examine(raw).text == "See you then"


def test_inbound_prefix_is_the_one_the_template_declares() -> None:
    from infra import template

    assert template.INBOUND_MAIL_PREFIX == inbound.MAIL_PREFIX
    resources = template.resources("dev")["Resources"]
    rule = resources["InboundEmailRule"]["Properties"]["Rule"]
    assert rule["ScanEnabled"] is True and rule["Actions"][0]["S3Action"]["ObjectKeyPrefix"] == inbound.MAIL_PREFIX
    notification = resources["ReportsBucket"]["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0]
    assert notification["Function"] == {"Fn::GetAtt": [template.INBOUND_FUNCTION, "Arn"]}
    assert template.INBOUND_FUNCTION in template.function_ids()


def test_compose__order_id_with_a_line_break__one_subject_line_and_escaped_html() -> None:
    from chalicelib.messages.replies import compose
    from chalicelib.models.inbox import ConversationModel
    from chalicelib.models.stores import StoreModel
    from chalicelib.senders import Sender

    store = StoreModel(STORE, name="Tea <House>", shop_email="shop@example.com", storefront_url="https://shop.example")
    conversation = ConversationModel(STORE, CONVERSATION, channel="order", order_id="A1\r\nBcc: x@evil.example",
                                     customer_email="amy@example.com")
    sender = Sender("shop@example.com", "Tea <House>", verified=True)
    email = compose(store, conversation, "<script>alert(1)</script>", [], sender)
    message = build_message(email, NOW)
    assert "\n" not in email.subject and message["Bcc"] is None
    assert "<script>" not in (email.html or "") and "&lt;script&gt;" in (email.html or "")
    assert "https://shop.example/account/orders/A1%0D%0ABcc%3A%20x%40evil.example" in (email.html or "")
    assert email.reply_to == replytoken.reply_address(STORE, CONVERSATION)


def test_image_ids__more_than_ten__refused_naming_the_field_never_dropped() -> None:
    from chalicelib.errors import InvalidRequest
    from chalicelib.messages.uploads import check_image_ids

    ids = [f"img_{n:016x}" for n in range(11)]
    with pytest.raises(InvalidRequest) as refused:
        check_image_ids(ids)
    assert refused.value.extra == {"field": "image_ids"}
    assert check_image_ids(ids[:10]) == ids[:10]


def test_examine__words_longer_than_a_message__the_whole_email_kept_beside_them() -> None:
    # GIVEN a reply whose own words run past the 5000 characters a message holds
    address = replytoken.reply_address(STORE, CONVERSATION)
    words = "請幫我確認訂單內容。" * 600  # 6000 characters
    examined = inbound.examine(customer_reply(sender="amy@example.com", reply_to=address, text=words))
    # THEN the message holds the first 5000 and the whole e-mail stays readable ("show quoted text")
    assert examined.text == words[:5000]
    assert examined.full_text is not None and examined.full_text.startswith(words)


def test_examine__nothing_cut__no_second_copy() -> None:
    address = replytoken.reply_address(STORE, CONVERSATION)
    raw = customer_reply(sender="amy@example.com", reply_to=address).split(b"\r\n\r\n")[0] + b"\r\n\r\nJust this.\r\n"
    examined = inbound.examine(raw)
    assert (examined.text, examined.full_text) == ("Just this.", None)
