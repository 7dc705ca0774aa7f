"""The abuse limits as domain functions with a fixed clock: rolling and windowed counters (on the
embedded DynamoDB, the conditions are what is tested), reCAPTCHA verdicts, masking, client IPs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import abuse
from chalicelib.api.accounts import check_ip
from chalicelib.binding.links import masked_url
from chalicelib.errors import InvalidRequest
from chalicelib.members.search import mask_email, mask_phone
from chalicelib.models.transactions import NamedTransaction
from chalicelib.sms.captcha import refusal
from chalicelib.sms.templates import RecaptchaRules, SmsStore

NOW = datetime(2026, 3, 1, 15, 0, 0, tzinfo=UTC)
STORE = "st_unit"


def count(limit: abuse.RollingLimit, at: datetime, subject: str = "phone#+886912345678") -> bool:
    """One counted attempt; False when the limit refused it."""
    try:
        abuse.count_rolling_now(limit, STORE, subject, at, "too many")
    except abuse.TooManyAttempts:
        return False
    return True


def test_a_rolling_limit_allows_count_attempts_in_any_window(aws: None) -> None:
    limit = abuse.CODE_GUESSES
    # GIVEN ten attempts spread over 50 minutes
    assert all(count(limit, NOW + timedelta(minutes=5 * n)) for n in range(10))
    # THEN the eleventh within the hour of the first is refused, with the wait until the first leaves
    with pytest.raises(abuse.TooManyAttempts) as refused:
        abuse.count_rolling_now(limit, STORE, "phone#+886912345678", NOW + timedelta(minutes=59), "too many")
    assert refused.value.extra["retry_after_seconds"] == 60
    # ... and the window rolls: once the first is an hour old, one more (not ten more) is allowed
    assert count(limit, NOW + timedelta(minutes=60))
    assert not count(limit, NOW + timedelta(minutes=61))
    assert count(limit, NOW + timedelta(minutes=65))
    # ... another subject is counted on its own
    assert count(limit, NOW + timedelta(minutes=65), "email#a@example.com")


def test_a_given_back_attempt_frees_its_slot(aws: None) -> None:
    limit = abuse.LOGINS_PER_IDENTIFIER
    for n in range(9):
        assert count(limit, NOW + timedelta(seconds=n))
    last = NOW + timedelta(seconds=9)
    assert count(limit, last)
    tx = NamedTransaction()
    with tx:
        abuse.give_back_rolling(tx, "identifier", limit, STORE, "phone#+886912345678", last)
    assert count(limit, NOW + timedelta(seconds=10))
    assert not count(limit, NOW + timedelta(seconds=11))


def test_a_window_limit_counts_per_window(aws: None) -> None:
    limit = abuse.LOGINS_PER_CLIENT_IP

    def attempt(at: datetime) -> bool:
        tx = NamedTransaction()
        try:
            with tx:
                abuse.count_window(tx, "ip", limit, STORE, "198.51.100.7", at)
        except Exception:
            return False
        return True

    start = datetime.fromtimestamp(limit.index(NOW) * limit.window.total_seconds(), UTC)
    assert all(attempt(start + timedelta(seconds=n)) for n in range(50))
    assert not attempt(start + timedelta(minutes=14))
    assert abuse.window_retry_after(limit, start + timedelta(minutes=14)) == 60
    assert attempt(start + timedelta(minutes=15))


@pytest.mark.parametrize(("verdict", "problem"), [
    ({"success": True, "score": 0.9, "action": "signup", "hostname": "shop.example"}, None),
    ({"success": True, "score": 0.7, "action": "signup", "hostname": "shop.example"}, None),
    ({"success": True, "score": 0.69, "action": "signup", "hostname": "shop.example"}, "score below 0.7"),
    ({"success": True, "action": "signup", "hostname": "shop.example"}, "score below 0.7"),
    ({"success": True, "score": True, "action": "signup", "hostname": "shop.example"}, "score below 0.7"),
    ({"success": True, "score": 0.9, "action": "login", "hostname": "shop.example"}, "unexpected action"),
    ({"success": True, "score": 0.9, "action": "signup", "hostname": "evil.example"}, "unexpected hostname"),
    ({"success": False, "score": 0.9}, "not a valid token"),
    (["success"], "not a valid token"),
])
def test_recaptcha_verdicts(verdict: Any, problem: str | None) -> None:
    store = SmsStore(store=None, recaptcha_enabled=True,  # type: ignore[arg-type]
                     recaptcha_rules=RecaptchaRules(0.7, ("signup",), ("shop.example",)))
    assert refusal(verdict, store) == problem


def test_masks_show_only_what_identifies_nobody() -> None:
    assert mask_phone("+886912345678") == "+886*****5678"
    assert mask_phone("+12015550123") == "+1******0123"
    assert mask_email("wang@example.com") == "w***@example.com"


def test_stored_links_lose_their_tokens() -> None:
    assert masked_url("https://s.example/account/bind?token=e30.abc_DEF-123") == \
        "https://s.example/account/bind?token=********"
    assert masked_url("https://s.example/cart?cart_id=a%26b&cart_token=xyz") == \
        "https://s.example/cart?cart_id=a%26b&cart_token=********"


@pytest.mark.parametrize(("value", "canonical"), [("203.0.113.7", "203.0.113.7"), (" 2001:DB8::0:1 ", "2001:db8::1")])
def test_client_ips_are_canonical(value: str, canonical: str) -> None:
    assert check_ip(value) == canonical


@pytest.mark.parametrize("value", ["shop", "256.1.1.1", "1.2.3.4/24", ""])
def test_anything_else_is_not_a_client_ip(value: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_ip(value)
    assert refused.value.extra["field"] == "client_ip"
