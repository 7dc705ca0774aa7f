"""Accounts over the real local stack: codes read from the embedded SNS, limits on the shared clock,
sign-up, login, change of phone and password reset end to end over HTTP.

Every test uses numbers no other test uses (the clock only moves forward and is shared), and a
store of its own with a high per-IP limit (every request here comes from 127.0.0.1).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.conftest import post_all_at_once
from tests.integration.support_stack import PASSWORD, advance, send, sms_to, token_for
from tests.support_accounts import code_in, fresh_tw_mobile


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, str]:
    return stack.create_store("Accounts Test Shop", sms_ip_hourly_limit=10_000)


def wait_for_sms(stack: Any, phone: str, count: int, timeout: float = 10.0) -> list[str]:
    """The messages to ``phone`` once there are ``count`` (some are sent off the request path)."""
    deadline = time.monotonic() + timeout
    while True:
        messages = sms_to(stack, phone)
        if len(messages) >= count or time.monotonic() > deadline:
            assert len(messages) >= count, f"{len(messages)} of {count} SMS arrived for the number"
            return messages
        time.sleep(0.1)


def test_the_code_from_sns_verifies_once(stack: Any, shop: dict[str, str]) -> None:
    phone = fresh_tw_mobile()
    status, started = send(stack, shop, phone)
    assert status == 202
    [message] = sms_to(stack, phone)
    path = f"/storefront/verifications/{started['verification_id']}/check"
    status, checked = stack.call("POST", path, shop["storefront_key"], {"code": code_in(message)})
    assert status == 200 and checked["verification_token"]
    status, again = stack.call("POST", path, shop["storefront_key"], {"code": code_in(message)})
    assert status == 409 and again["error"]["code"] == "code_used"


def test_resend_limits_on_the_stack_clock(stack: Any, shop: dict[str, str]) -> None:
    phone = fresh_tw_mobile()
    assert send(stack, shop, phone)[0] == 202
    status, limited = send(stack, shop, phone)
    assert status == 429 and limited["error"]["code"] == "rate_limited"
    assert 0 < limited["error"]["retry_after_seconds"] <= 30
    advance(stack, 31)
    assert send(stack, shop, phone)[0] == 202
    advance(stack, 31)
    assert send(stack, shop, phone)[0] == 202
    advance(stack, 31)
    status, fourth = send(stack, shop, phone)
    assert status == 429 and fourth["error"]["retry_after_seconds"] > 30
    assert len(sms_to(stack, phone)) == 3


def test_sign_up_login_change_phone_and_reset(stack: Any, shop: dict[str, str]) -> None:
    key = shop["storefront_key"]
    phone, new_phone = fresh_tw_mobile(), fresh_tw_mobile()
    status, created = stack.call("POST", "/storefront/members", key, {
        "name": "Amy Chen", "password": PASSWORD, "phone": phone,
        "verification_token": token_for(stack, shop, phone, "signup")})
    assert status == 201
    member_id = created["member_id"]
    assert stack.call("POST", "/storefront/sessions", key, {"identifier": phone, "password": PASSWORD}) == (
        200, {"member_id": member_id})

    status, view = stack.call("PUT", f"/storefront/members/{member_id}/phone", key, {
        "phone": new_phone, "verification_token": token_for(stack, shop, new_phone, "change_phone")})
    assert status == 200 and view["phone"] == new_phone
    assert stack.call("POST", "/storefront/sessions", key, {"identifier": phone, "password": PASSWORD})[0] == 401

    advance(stack, 31)
    sent_before = len(sms_to(stack, new_phone))
    assert stack.call("POST", "/storefront/password-resets", key, {"identifier": new_phone, "via": "sms"})[0] == 202
    code = code_in(wait_for_sms(stack, new_phone, sent_before + 1)[-1])
    status, _ = stack.call("POST", "/storefront/password-resets/confirm", key, {
        "identifier": new_phone, "code": code, "new_password": "a brand new secret"})
    assert status == 200
    assert stack.call("POST", "/storefront/sessions", key,
                      {"identifier": new_phone, "password": "a brand new secret"}) == (200, {"member_id": member_id})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_concurrent_guesses_cannot_get_past_five_compared(stack: Any, shop: dict[str, str]) -> None:
    """Finding 2: 29 wrong guesses and the right one sent together let the right one through in 4 of 5
    trials, because each guess was compared before any was counted."""
    for _ in range(5):
        # GIVEN a code sent to a number
        phone = fresh_tw_mobile()
        status, started = send(stack, shop, phone)
        assert status == 202
        right = code_in(sms_to(stack, phone)[-1])
        # WHEN 29 wrong guesses and the right one arrive at the same instant
        payloads = [{"code": wrong(right)}] * 29 + [{"code": right}]
        answers = post_all_at_once(stack, f"/storefront/verifications/{started['verification_id']}/check",
                                   payloads, shop["storefront_key"])
        # THEN at most five were compared (400 with attempts_left, or 200); every other one was refused
        # uncompared: 429 once five were counted, or 409 code_used once the right one had won
        compared = [a for a in answers if a[0] in (200, 400)]
        assert len(compared) <= 5, answers
        refused = {(status, body["error"]["code"]) for status, body in answers if status not in (200, 400)}
        assert refused <= {(429, "too_many_attempts"), (409, "code_used")}, refused
        # ... and the right one got through only if it was among those five
        assert [a[0] for a in answers].count(200) <= 1
        if answers[-1][0] != 200:
            status, locked = stack.call("POST", f"/storefront/verifications/{started['verification_id']}/check",
                                        shop["storefront_key"], {"code": right})
            assert status == 429 and locked["error"]["code"] == "too_many_attempts"


def test_shoppers_behind_one_storefront_are_counted_by_their_client_ip(stack: Any) -> None:
    """Finding 4: every shopper shared the shop server's IP, so ten sign-ups blocked the store's SMS."""
    keys = stack.create_store("Client IP Shop", sms_ip_hourly_limit=3)
    key = keys["storefront_key"]
    # GIVEN five shoppers with their own addresses, all calling through the one storefront server
    for n in range(5):
        phone = fresh_tw_mobile()
        status, _ = stack.call("POST", "/storefront/verifications", key,
                               {"phone": phone, "purpose": "signup", "client_ip": f"192.0.2.{n + 10}"})
        # THEN each gets their code
        assert status == 202
        assert len(sms_to(stack, phone)) == 1
    # ... one shopper's address is still held to three an hour, and a password reset counts on it too
    for _ in range(2):
        assert stack.call("POST", "/storefront/verifications", key,
                          {"phone": fresh_tw_mobile(), "purpose": "signup", "client_ip": "192.0.2.10"})[0] == 202
    status, limited = stack.call("POST", "/storefront/password-resets", key,
                                 {"identifier": fresh_tw_mobile(), "via": "sms", "client_ip": "192.0.2.10"})
    assert status == 429 and limited["error"]["limit"] == "client_ip"
    status, refused = stack.call("POST", "/storefront/verifications", key,
                                 {"phone": fresh_tw_mobile(), "purpose": "signup", "client_ip": "not-an-ip"})
    assert status == 400 and refused["error"]["field"] == "client_ip"


def wait_for_email(stack: Any, to: str, count: int, timeout: float = 10.0) -> list[str]:
    """Text bodies of the e-mails moto's SES took for ``to`` (the reset delivery runs off the request path)."""
    deadline = time.monotonic() + timeout
    while True:
        _, emails = stack.call("GET", "/_local/emails")
        texts = [e["text"] for e in emails["items"] if e["to"] == to]
        if len(texts) >= count or time.monotonic() > deadline:
            return texts
        time.sleep(0.1)


def test_a_password_reset_by_email_end_to_end_and_a_stranger_gets_the_same_answer(
        stack: Any, shop: dict[str, str]) -> None:
    key = shop["storefront_key"]
    # GIVEN a member who signed up with an e-mail address (and a stranger's address nobody has)
    email, stranger = f"reset.{time.time_ns()}@example.com", f"nobody.{time.time_ns()}@example.com"
    status, created = stack.call("POST", "/storefront/members", key,
                                 {"name": "Mia Lin", "password": PASSWORD, "email": email})
    assert status == 201, created
    # WHEN both ask for a reset by e-mail
    asked = [stack.call("POST", "/storefront/password-resets", key, {"identifier": who, "via": "email"})
             for who in (email, stranger)]
    # THEN both get the same answer, and only the member gets a code, by e-mail, off the request path
    assert asked[0] == asked[1] and asked[0][0] == 202
    code = code_in(wait_for_email(stack, email, 1)[-1])
    assert wait_for_email(stack, stranger, 1, timeout=1.0) == []
    # AND the code sets a new password once; the old one stops working
    status, _ = stack.call("POST", "/storefront/password-resets/confirm", key, {
        "identifier": email, "code": code, "new_password": "another fresh secret"})
    assert status == 200
    assert stack.call("POST", "/storefront/sessions", key, {"identifier": email, "password": PASSWORD})[0] == 401
    assert stack.call("POST", "/storefront/sessions", key, {"identifier": email, "password": "another fresh secret"}) \
        == (200, {"member_id": created["member_id"]})
    status, again = stack.call("POST", "/storefront/password-resets/confirm", key, {
        "identifier": email, "code": code, "new_password": "a third fresh secret"})
    assert status == 400, again
