"""Real e-mail replies over the local stack: each mail of the shared real-mail corpus and each of our own
cases is sent as the customer's answer to a merchant's e-mail (the real inbound path: the sandbox's S3
prefix and the inbound function), and the inbox shows exactly the customer's words, never empty, with the
whole received e-mail behind ``full_text``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support_mail import OWN_CASES, MailCase, needs_real_mail, real_mail_cases, same_words, with_envelope

CUSTOMER = "real-mail-customer@stack.example"


@pytest.fixture(scope="module")
def reply_address(stack: Any) -> tuple[str, str, str]:
    """A guest's shop conversation the merchant answered by e-mail: (admin key, conversation, Reply-To)."""
    shop = stack.create_store("Real Mail Tea", shop_email="hello@real-mail-tea.example",
                              storefront_url="https://real-mail-tea.example")
    admin = shop["admin_key"]
    status, created = stack.call("POST", "/storefront/shop-messages", shop["storefront_key"],
                                 {"email": CUSTOMER, "name": "Mei", "text": "Is the oolong in stock?"})
    assert status == 201, created
    conversation_id = created["conversation_id"]
    status, sent = stack.call("POST", f"/admin/conversations/{conversation_id}/messages", admin,
                              {"text": "Yes! Your order TW-1024 has shipped."})
    assert status == 201 and sent["emailed"] is True
    _, emails = stack.call("GET", "/_local/emails")
    [email] = [e for e in emails["items"] if e["to"] == CUSTOMER]
    return admin, conversation_id, email["reply_to"]


def _answer(stack: Any, reply_address: tuple[str, str, str], case: MailCase) -> dict[str, Any]:
    admin, conversation_id, address = reply_address
    raw = with_envelope(case.raw, sender=CUSTOMER, to=address, message_id=f"<{case.name}@stack-test.example>")
    status, answer = stack.call("POST", "/_local/emails/inbound", raw=raw, headers={"Content-Type": "message/rfc822"})
    assert status == 200 and answer["outcome"] == "appended", answer
    _, thread = stack.call("GET", f"/admin/conversations/{conversation_id}/messages?limit=200", admin)
    return dict(thread["items"][-1])


def _assert_words(message: dict[str, Any], case: MailCase) -> None:
    assert message["direction"] == "inbound" and message["kind"] == "email"
    assert message["text"].strip(), "a reply is never stored empty"
    assert same_words(message["text"]) == same_words(case.expected)
    for quoted in case.absent:
        assert quoted not in message["text"]
    if message["full_text"] is not None:  # something was cut: the whole e-mail is one click away
        for line in filter(str.strip, case.expected.splitlines()):
            assert same_words(line) in same_words(message["full_text"])


@needs_real_mail
@pytest.mark.parametrize("case", real_mail_cases(), ids=lambda case: case.name)
def test_real_mail_reply__the_inbox_shows_the_customers_words(stack: Any, reply_address: tuple[str, str, str],
                                                               case: MailCase) -> None:
    # GIVEN a merchant's e-mailed answer WHEN the customer replies with this real mail THEN their words show
    _assert_words(_answer(stack, reply_address, case), case)


@pytest.mark.parametrize("case", OWN_CASES, ids=lambda case: case.name)
def test_own_case_reply__the_inbox_shows_the_customers_words(stack: Any, reply_address: tuple[str, str, str],
                                                              case: MailCase) -> None:
    message = _answer(stack, reply_address, case)
    _assert_words(message, case)
    for quoted in case.absent:
        assert quoted in (message["full_text"] or "")  # "show quoted text" shows the whole history
