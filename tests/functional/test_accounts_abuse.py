"""The security review's attacks on the storefront's account routes, replayed through the routes
(issue 11, findings 1, 3, 4, 5, 10; 2 and 4 also over the real local stack in tests/integration).

Each test is one attack: it fails on the code before issue 11 and now fails to get in.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import clock
from tests.support_accounts import (
    PASSWORD,
    call,
    code_in,
    fresh_tw_mobile,
    last_code,
    log_in,
    moto_emails,
    moto_sms,
    sign_up_by_phone,
)
from tests.support_staff import STOREFRONT_URL, bearer, staff_key

NEW_PASSWORD = "a brand new secret"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def reset(client: Any, store: Any, identifier: str, via: str = "email", **extra: Any) -> tuple[int, Any]:
    return call(client, "POST", "/storefront/password-resets", store.storefront(),
                {"identifier": identifier, "via": via, **extra})


def confirm(client: Any, store: Any, identifier: str, code: str) -> tuple[int, Any]:
    return call(client, "POST", "/storefront/password-resets/confirm", store.storefront(),
                {"identifier": identifier, "code": code, "new_password": NEW_PASSWORD})


def email_member(client: Any, store: Any, email: str) -> str:
    status, created = call(client, "POST", "/storefront/members", store.storefront(),
                           {"name": "Bo", "password": PASSWORD, "email": email})
    assert status == 201, created
    return str(created["member_id"])


# --- finding 1: reset codes by email guessed without limit across re-issued codes ---

def test_reissued_email_reset_codes_allow_ten_wrong_guesses_an_hour(client: Any, store: Any) -> None:
    # GIVEN an email member
    email = "bo@example.com"
    email_member(client, store, email)
    # WHEN an attacker asks for a code and guesses five times, twice (two codes, 30 s apart)
    answers = []
    for cycle in range(2):
        clock.advance(31 if cycle else 0)
        assert reset(client, store, email)[0] == 202
        answers += [confirm(client, store, email, wrong(code_in(moto_emails(email)[-1]))) for _ in range(5)]
    assert [status for status, _ in answers] == [400] * 10
    # ... and a third code
    clock.advance(31)
    assert reset(client, store, email)[0] == 202
    right = code_in(moto_emails(email)[-1])
    # THEN every guess now answers 429, the right code too, and the password is unchanged
    status, refused = confirm(client, store, email, wrong(right))
    assert status == 429 and refused["error"]["code"] == "too_many_attempts"
    assert 0 < refused["error"]["retry_after_seconds"] <= 3600
    status, refused = confirm(client, store, email, right)
    assert status == 429 and refused["error"]["code"] == "too_many_attempts"
    # ... a fourth code within the hour is refused (3 per hour per address, as SMS)
    clock.advance(31)
    status, limited = reset(client, store, email)
    assert status == 429 and limited["error"]["code"] == "rate_limited"
    assert log_in(client, store, email)[0] == 200
    # ... and once the hour has passed the owner resets as usual
    clock.advance(3600)
    assert reset(client, store, email)[0] == 202
    assert confirm(client, store, email, code_in(moto_emails(email)[-1]))[0] == 200
    assert log_in(client, store, email, NEW_PASSWORD)[0] == 200


def test_email_change_codes_allow_ten_wrong_guesses_an_hour(client: Any, store: Any) -> None:
    member_id = email_member(client, store, "cy@example.com")
    path = f"/storefront/members/{member_id}/email"
    new = "cy.new@example.com"
    statuses = []
    for cycle in range(3):
        clock.advance(31 if cycle else 0)
        assert call(client, "PUT", path, store.storefront(), {"email": new})[0] == 202
        right = code_in(moto_emails(new)[-1])
        statuses += [call(client, "PUT", path, store.storefront(), {"email": new, "code": wrong(right)})[0]
                     for _ in range(5 if cycle < 2 else 1)]
    assert statuses == [400] * 10 + [429]
    status, refused = call(client, "PUT", path, store.storefront(), {"email": new, "code": right})
    assert status == 429 and refused["error"]["code"] == "too_many_attempts"
    clock.advance(31)
    assert call(client, "PUT", path, store.storefront(), {"email": new})[1]["error"]["code"] == "rate_limited"


def test_sms_codes_share_the_hourly_guess_limit_per_number_and_purpose(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    statuses = []
    for cycle in range(3):
        clock.advance(31 if cycle else 0)
        status, started = call(client, "POST", "/storefront/verifications", store.storefront(),
                               {"phone": phone, "purpose": "login"})
        assert status == 202
        path = f"/storefront/verifications/{started['verification_id']}/check"
        right = last_code(phone)
        statuses += [call(client, "POST", path, store.storefront(), {"code": wrong(right)})[0]
                     for _ in range(5 if cycle < 2 else 1)]
    assert statuses == [400] * 10 + [429]
    assert call(client, "POST", path, store.storefront(), {"code": right})[0] == 429


# --- finding 3: a reset tells members from strangers ---

def raw_post(client: Any, store: Any, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    response = client.http.post(path, headers=store.storefront(), body=json.dumps(body).encode())
    return response.status_code, bytes(response.body)


def test_a_member_and_a_stranger_get_byte_identical_reset_answers(client: Any, store: Any) -> None:
    # GIVEN an email member and an address nobody has, and a member's and a stranger's phone
    email_member(client, store, "dee@example.com")
    member_phone, stranger_phone = fresh_tw_mobile(), fresh_tw_mobile()
    sign_up_by_phone(client, store, member_phone)
    clock.advance(31)
    for via, member, stranger in (("email", "dee@example.com", "nobody@example.com"),
                                  ("sms", member_phone, stranger_phone)):
        sequences = []
        for identifier in (member, stranger):
            # WHEN each asks for one reset, then sends seven wrong codes
            answers = [raw_post(client, store, "/storefront/password-resets", {"identifier": identifier, "via": via})]
            answers += [raw_post(client, store, "/storefront/password-resets/confirm",
                                 {"identifier": identifier, "code": "000000", "new_password": NEW_PASSWORD})
                        for _ in range(7)]
            sequences.append(answers)
        # THEN the two answer sequences are byte-identical: 202, five 400 (4..0 left), then 429
        assert sequences[0] == sequences[1], via
        assert [s for s, _ in sequences[0]] == [202, 400, 400, 400, 400, 400, 429, 429]
        left = [json.loads(body)["error"].get("attempts_left") for _, body in sequences[0][1:6]]
        assert left == [4, 3, 2, 1, 0]
    # ... and only the members were sent anything
    assert len(moto_emails("dee@example.com")) == 1 and moto_emails("nobody@example.com") == []
    assert len(moto_sms(member_phone)) == 2 and moto_sms(stranger_phone) == []


def test_a_strangers_reset_is_limited_exactly_as_a_members(client: Any, store: Any) -> None:
    email_member(client, store, "eve@example.com")
    answers = {}
    for identifier in ("eve@example.com", "ghost@example.com"):
        first = reset(client, store, identifier)
        again = reset(client, store, identifier)
        answers[identifier] = (first, again[0], again[1]["error"]["code"])
    assert answers["eve@example.com"] == answers["ghost@example.com"]
    assert answers["eve@example.com"][1:] == (429, "rate_limited")


# --- finding 4: the per-IP SMS limit counted the shop's server ---

def test_shoppers_behind_one_storefront_are_counted_by_their_own_ip(client: Any, store: Any) -> None:
    assert call(client, "PUT", "/admin/settings", store.admin(), {"sms_ip_hourly_limit": 3})[0] == 200
    # GIVEN five shoppers, each with their own address, behind the one storefront server
    for n in range(5):
        phone = fresh_tw_mobile()
        status, _ = call(client, "POST", "/storefront/verifications", store.storefront(),
                         {"phone": phone, "purpose": "signup", "client_ip": f"203.0.113.{n + 1}"})
        # THEN each gets a code
        assert status == 202 and len(moto_sms(phone)) == 1
    # ... while one address is still held to three an hour
    for _ in range(2):
        assert call(client, "POST", "/storefront/verifications", store.storefront(),
                    {"phone": fresh_tw_mobile(), "purpose": "signup", "client_ip": "203.0.113.1"})[0] == 202
    status, limited = call(client, "POST", "/storefront/verifications", store.storefront(),
                           {"phone": fresh_tw_mobile(), "purpose": "signup", "client_ip": "203.0.113.1"})
    assert status == 429 and limited["error"]["limit"] == "client_ip"


def test_client_ip_must_be_an_ip_address(client: Any, store: Any) -> None:
    for route, body in (("/storefront/verifications", {"phone": fresh_tw_mobile(), "purpose": "signup"}),
                        ("/storefront/sessions", {"identifier": "a@example.com", "password": PASSWORD}),
                        ("/storefront/password-resets", {"identifier": "a@example.com", "via": "email"})):
        for bad in ("shop-server", "300.1.1.1", "1.2.3.4; drop"):
            status, refused = call(client, "POST", route, store.storefront(), {**body, "client_ip": bad})
            assert status == 400 and refused["error"]["field"] == "client_ip", (route, bad)
    assert call(client, "POST", "/storefront/verifications", store.storefront(),
                {"phone": fresh_tw_mobile(), "purpose": "signup", "client_ip": "2001:db8::1"})[0] == 202


def test_resets_for_unknown_numbers_do_not_use_up_the_daily_cap(client: Any, store: Any) -> None:
    # GIVEN a store that may send two SMS a day
    assert call(client, "PUT", "/admin/settings", store.admin(),
                {"sms_daily_cap": 2, "sms_ip_hourly_limit": 1000})[0] == 200
    # WHEN someone asks for resets of ten numbers that are no member's
    for _ in range(10):
        assert reset(client, store, fresh_tw_mobile(), "sms")[0] == 202
    # THEN a real shopper still gets a code
    phone = fresh_tw_mobile()
    assert call(client, "POST", "/storefront/verifications", store.storefront(),
                {"phone": phone, "purpose": "signup"})[0] == 202
    assert len(moto_sms(phone)) == 1


# --- finding 5: logins had no throttle ---

def login(client: Any, store: Any, identifier: str, password: str, client_ip: str | None = None) -> tuple[int, Any]:
    body = {"identifier": identifier, "password": password, **({"client_ip": client_ip} if client_ip else {})}
    return call(client, "POST", "/storefront/sessions", store.storefront(), body)


def test_ten_failed_logins_lock_the_identifier_for_fifteen_minutes(client: Any, store: Any) -> None:
    email_member(client, store, "fay@example.com")
    for identifier in ("fay@example.com", "nobody@example.com"):
        # WHEN ten wrong passwords are tried
        assert [login(client, store, identifier, "wrong password!")[0] for _ in range(10)] == [401] * 10
        # THEN the next attempt is 429, the right password too, the same for an unknown identifier
        status, limited = login(client, store, identifier, PASSWORD)
        assert status == 429 and limited["error"]["code"] == "too_many_attempts"
        assert 0 < limited["error"]["retry_after_seconds"] <= 900
    assert login(client, store, "FAY@example.com", PASSWORD)[0] == 429
    clock.advance(15 * 60)
    assert login(client, store, "fay@example.com", PASSWORD)[0] == 200


def test_fifty_failed_logins_from_one_client_ip_lock_that_ip(client: Any, store: Any) -> None:
    email_member(client, store, "gus@example.com")
    clock.advance((-clock.now().timestamp()) % 900 + 1)  # the start of a 15-minute window
    for n in range(50):
        assert login(client, store, f"guess{n}@example.com", "wrong password!", "198.51.100.7")[0] == 401
    status, limited = login(client, store, "gus@example.com", PASSWORD, "198.51.100.7")
    assert status == 429 and limited["error"]["code"] == "too_many_attempts"
    assert login(client, store, "gus@example.com", PASSWORD, "198.51.100.8")[0] == 200


def test_right_passwords_are_not_counted(client: Any, store: Any) -> None:
    email_member(client, store, "hal@example.com")
    assert [login(client, store, "hal@example.com", PASSWORD, "198.51.100.9")[0] for _ in range(15)] == [200] * 15
    assert [login(client, store, "hal@example.com", "wrong password!")[0] for _ in range(9)] == [401] * 9
    assert login(client, store, "hal@example.com", PASSWORD)[0] == 200


# --- finding 10: the limits stopped a walk-in customer ---

def test_a_registration_sms_does_not_block_the_customers_sign_up_code(client: Any, store: Any) -> None:
    # GIVEN staff text a walk-in customer the registration link
    assert call(client, "PUT", "/admin/settings", store.admin(), {"storefront_url": STOREFRONT_URL})[0] == 200
    staff = staff_key(client, store.admin())
    phone = fresh_tw_mobile()
    assert call(client, "POST", "/staff/registration-invitations", bearer(staff["key"]), {"phone": phone})[0] == 202
    # WHEN the customer opens the link at once and the storefront asks for a sign-up code
    status, started = call(client, "POST", "/storefront/verifications", store.storefront(),
                           {"phone": phone, "purpose": "signup"})
    # THEN the code is sent
    assert status == 202, started
    assert len(moto_sms(phone)) == 2
    # ... while codes the customer asks for are still 30 s apart, and notifications too
    assert call(client, "POST", "/storefront/verifications", store.storefront(),
                {"phone": phone, "purpose": "signup"})[0] == 429
    assert call(client, "POST", "/staff/registration-invitations", bearer(staff["key"]), {"phone": phone})[0] == 429
