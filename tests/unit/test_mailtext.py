"""Reading a customer's e-mailed reply (chalicelib.mailtext): their words, whatever the client, language,
charset or quoting style; the whole received text kept for "show quoted text"."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import cast

import pytest

from chalicelib.mailtext import charsets, html_to_text, new_words, read_reply
from chalicelib.mailtext.flowed import unflow
from tests.support_mail import OWN_CASES, MailCase, needs_real_mail, real_mail_cases, same_words


def _read(raw: bytes) -> tuple[str, str]:
    reply = read_reply(cast(EmailMessage, message_from_bytes(raw, policy=default)))
    return reply.text, reply.full_text


@needs_real_mail
@pytest.mark.parametrize("case", real_mail_cases(), ids=lambda case: case.name)
def test_real_mail__the_customers_words_and_none_of_the_history(case: MailCase) -> None:
    # GIVEN a real reply from another project's test suite WHEN it is read
    text, full_text = _read(case.raw)
    # THEN exactly the customer's new words remain, never empty, and the whole text is kept beside them
    assert same_words(text) == same_words(case.expected)
    assert text.strip() and same_words(case.expected) in same_words(full_text)


@pytest.mark.parametrize("case", OWN_CASES, ids=lambda case: case.name)
def test_own_cases__the_customers_words_and_none_of_the_history(case: MailCase) -> None:
    # GIVEN a reply as a Taiwanese, Chinese, Japanese, Korean or European client writes it WHEN it is read
    text, full_text = _read(case.raw)
    # THEN the customer's words, and no line of the quoted history
    assert same_words(text) == same_words(case.expected)
    for quoted in case.absent:
        assert quoted not in text
        assert quoted in full_text  # "show quoted text" has it all


def test_a_reply_that_is_only_a_quote__kept_whole_never_empty() -> None:
    # GIVEN text that is nothing but history WHEN cut THEN the whole text is the answer
    text = "On Wed, Nov 25, 2026 at 9:00 AM Shop <shop@example.com> wrote:\n> shipped"
    assert new_words(text) == text


def test_a_mail_with_no_quote__nothing_cut() -> None:
    text = "Hello,\nCould you tell me when 2 boxes arrive? Order 1024, paid 25.11.2026 at 09:00.\n\nThanks"
    assert new_words(text) == text


def test_a_sentence_above_the_attribution__kept_even_with_digits() -> None:
    # GIVEN a line with numbers written right above the attribution (no blank line between)
    text = "Order 12345 arrives Friday.\nOn Wed, Nov 25, 2026 at 9:00 AM Shop <shop@example.com> wrote:\n> hi"
    # THEN the customer's line is not taken for the start of the attribution
    assert new_words(text) == "Order 12345 arrives Friday."


def test_words_that_end_in_a_colon__not_taken_for_an_attribution() -> None:
    text = "Here is what my husband wrote:\nplease send the green tea, not the black one."
    assert new_words(text) == text


@pytest.mark.parametrize(("label", "text"), [
    ("big5", "寄件者：王小明，訂單已收到"), ("gb2312", "发件人：王小明"), ("gb18030", "𠀀好"),
    ("shift_jis", "①ありがとう"),
    ("iso-2022-jp", "ありがとうございます"), ("euc-kr", "감사합니다"), ("windows-1250", "Děkuji, Łódź"),
    ("windows-1251", "Спасибо"), ("windows-1252", "Grüße – “quoted”"), ("windows-1253", "Ευχαριστώ"),
    ("windows-1254", "Teşekkürler"), ("windows-1255", "תודה"), ("windows-1256", "شكرا"), ("windows-1257", "Ačiū"),
    ("windows-1258", "Cám ơn"), ("koi8-r", "Спасибо"), ("iso-8859-15", "Merci €"), ("utf-8", "好的 👍"),
])
def test_every_charset_python_knows__decoded(label: str, text: str) -> None:
    # GIVEN the bytes a client of that locale sends (Microsoft's wider tables where they differ)
    wide = {"big5": "cp950", "gb2312": "gbk", "shift_jis": "cp932"}.get(label, label)
    # WHEN decoded under the label the client wrote THEN the text comes back exactly
    assert charsets.decode(text.encode(wide), label) == text


def test_unknown_or_wrong_charset__decoded_as_well_as_possible_never_dropped() -> None:
    assert charsets.decode("Grüße aus Taipei".encode(), "x-unknown-8bit") == "Grüße aus Taipei"
    assert charsets.decode("Grüße".encode(), "us-ascii") == "Grüße"  # UTF-8 labelled ASCII
    kept = charsets.decode(b"caf\xe9 \xff\xfe ok", "x-unknown")
    assert kept.startswith("caf") and kept.endswith("ok")


def test_html_quote_containers__quoted_in_the_text_not_dropped() -> None:
    text = html_to_text('<p>Yes</p><blockquote type="cite"><p>Shipped?</p></blockquote><p>Below</p>')
    assert text.split("\n") == ["Yes", "> Shipped?", "Below"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Thanks!\n\n-- \nMei Chen\n+886 912 345 678", "Thanks!"),
    ("Thanks!\n\nSent from my iPhone", "Thanks!"),
    ("謝謝！\n\n從我的 iPhone 傳送", "謝謝！"),
    ("Danke!\n\nVon meinem iPhone gesendet", "Danke!"),
    ("Thanks!\n\nGet Outlook for Android<https://aka.ms/ghei36>", "Thanks!"),
])
def test_signatures_and_sent_from_lines__go(text: str, expected: str) -> None:
    assert new_words(text) == expected


def test_flowed_text__soft_breaks_joined_cjk_without_a_space() -> None:
    # GIVEN Apple Mail's format=flowed; delsp=yes (a space added before each soft break)
    text = "好的，週五下午收貨沒 \n問題，謝謝！\n\n> quoted line \n> goes on\n-- \nMei"
    # THEN the customer's line is whole again, quotes keep their depth, the signature delimiter stays
    assert unflow(text, delsp=True) == "好的，週五下午收貨沒問題，謝謝！\n\n> quoted linegoes on\n-- \nMei"
    assert unflow("Hello there \nfriend", delsp=False) == "Hello there friend"
