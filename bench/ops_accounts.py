"""Accounts operations (issues 5 and 11): what a verification send and check, a login and a password
reset cost on the wire, and whether a reset takes as long for a stranger as for a member.

The send budget (<= 3 DynamoDB + 1 SNS) holds on a warm instance: authentication (1 GetItem), one
TransactWrite (limits, SMS log queued, code), SNS Publish, the log update (sent). A cold instance
first reads the store and its templates (1 TransactGetItems, then cached 30 s) and the code pepper (SSM).

Issue 11 adds one call where a guess or a login is counted before it is compared: a check is the
key, the counting update, the use of the code (3; was 2). A reset request is the same four calls for
a member and a stranger; the member's delivery runs off the request path (its own row).
"""

from __future__ import annotations

import re
from typing import Any

from bench.support import Bench, Operation

WARM_UP_PHONE = "+886911000001"
PHONE = "+886911000002"


def _code_for(phone: str) -> str:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    messages = [m for number, m in backend.sms_messages.values() if number == phone]
    match = re.search(r"\b(\d{6})\b", messages[-1])
    assert match
    return match.group(1)


def _send(bench: Bench, phone: str) -> dict[str, Any]:
    status, body = bench.call("POST", "/storefront/verifications", bench.storefront_key,
                              {"phone": phone, "purpose": "signup"})
    assert status == 202, body
    return dict(body)


def warm_up(bench: Bench) -> None:
    _send(bench, WARM_UP_PHONE)


def send_warm(bench: Bench, _: Any) -> None:
    _send(bench, PHONE)


def send_cold(bench: Bench, _: Any) -> None:
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import verification
    from chalicelib.sms import templates

    templates.forget(bench.store_id)
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    verification.forget_pepper()
    _send(bench, PHONE)


def sent_code(bench: Bench) -> tuple[str, str]:
    started = _send(bench, PHONE)
    return started["verification_id"], _code_for(PHONE)


def check(bench: Bench, state: tuple[str, str]) -> None:
    verification_id, code = state
    status, body = bench.call("POST", f"/storefront/verifications/{verification_id}/check", bench.storefront_key,
                              {"code": code})
    assert status == 200, body


def check_wrong(bench: Bench, state: tuple[str, str]) -> None:
    verification_id, code = state
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    status, body = bench.call("POST", f"/storefront/verifications/{verification_id}/check", bench.storefront_key,
                              {"code": wrong})
    assert status == 400, body


def signup_token(bench: Bench) -> str:
    verification_id, code = sent_code(bench)
    status, body = bench.call("POST", f"/storefront/verifications/{verification_id}/check", bench.storefront_key,
                              {"code": code})
    assert status == 200, body
    return str(body["verification_token"])


def sign_up(bench: Bench, token: str) -> None:
    status, body = bench.call("POST", "/storefront/members", bench.storefront_key, {
        "name": "Amy", "password": "correct horse battery", "phone": PHONE, "verification_token": token})
    assert status == 201, body


OPERATIONS = [
    Operation("POST /storefront/verifications (warm instance)", "<= 3 DynamoDB + 1 SNS", send_warm, warm_up),
    Operation("POST /storefront/verifications (cold: + store settings, pepper)", "", send_cold, warm_up),
    Operation("POST /storefront/verifications/{id}/check (right code: count, then use)", "<= 3 DynamoDB", check,
              sent_code),
    Operation("POST /storefront/verifications/{id}/check (wrong code: count, then the hourly guesses)",
              "<= 3 DynamoDB", check_wrong, sent_code),
    Operation("POST /storefront/members (phone sign-up, token consumed in the transaction)", "", sign_up,
              signup_token),
]


# --- issue 11: logins and password resets ----------------------------------------------------------

MEMBER_EMAIL = "bench.member@example.com"
STRANGER_EMAIL = "bench.stranger@example.com"
PASSWORD = "correct horse battery"


def email_member(bench: Bench, email: str = MEMBER_EMAIL) -> None:
    status, body = bench.call("POST", "/storefront/members", bench.storefront_key,
                              {"name": "Bo", "password": PASSWORD, "email": email})
    assert status == 201, body


def log_in(bench: Bench, password: str, expected: int) -> None:
    status, body = bench.call("POST", "/storefront/sessions", bench.storefront_key,
                              {"identifier": MEMBER_EMAIL, "password": password, "client_ip": "203.0.113.9"})
    assert status == expected, body


class Deliveries:
    """Deferred deliveries recorded instead of run, so a row counts the request path alone."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> Deliveries:
        from chalicelib import deferred

        self._original = deferred.defer
        deferred.defer = lambda task, payload: self.events.append({"task": task, "payload": payload})  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        from chalicelib import deferred

        deferred.defer = self._original  # type: ignore[method-assign]


def reset(bench: Bench, email: str) -> None:
    status, body = bench.call("POST", "/storefront/password-resets", bench.storefront_key,
                              {"identifier": email, "via": "email", "client_ip": "203.0.113.9"})
    assert status == 202, body


def reset_request(email: str) -> Any:
    def run(bench: Bench, _: Any) -> None:
        with Deliveries():
            reset(bench, email)

    return run


def recorded_delivery(bench: Bench) -> dict[str, Any]:
    email_member(bench)
    with Deliveries() as deliveries:
        reset(bench, MEMBER_EMAIL)
    return deliveries.events[-1]


def run_delivery(bench: Bench, event: dict[str, Any]) -> None:
    from chalicelib import deferred

    deferred.run(event)


def confirm(email: str, right: bool) -> Any:
    def run(bench: Bench, code: str) -> None:
        status, body = bench.call("POST", "/storefront/password-resets/confirm", bench.storefront_key,
                                  {"identifier": email, "code": code if right else f"{(int(code) + 1) % 10**6:06d}",
                                   "new_password": "a brand new secret"})
        assert status == (200 if right else 400), body

    return run


def reset_code(email: str) -> Any:
    def setup(bench: Bench) -> str:
        from local.lambdas import current

        if email == MEMBER_EMAIL:
            email_member(bench)
        reset(bench, email)
        current().drain()
        return _email_code(email) if email == MEMBER_EMAIL else "000000"

    return setup


def _email_code(to: str) -> str:
    from local.emails import sent_emails

    match = re.search(r"\b(\d{6})\b", [m["text"] for m in sent_emails() if m["to"] == to][-1])
    assert match
    return match.group(1)


OPERATIONS += [
    Operation("POST /storefront/sessions (wrong password: counted first)", "",
              lambda b, _: log_in(b, "wrong pw!!", 401), email_member),
    Operation("POST /storefront/sessions (right password: counted, then given back)", "",
              lambda b, _: log_in(b, PASSWORD, 200), email_member),
    Operation("POST /storefront/password-resets (member, by email; delivery deferred)", "same as a stranger",
              reset_request(MEMBER_EMAIL), email_member),
    Operation("POST /storefront/password-resets (stranger, by email)", "same as a member",
              reset_request(STRANGER_EMAIL)),
    Operation("deferred reset delivery (member: new code, SES; cold: pepper), off the request path", "", run_delivery,
              recorded_delivery),
    Operation("POST /storefront/password-resets/confirm (member, wrong code)", "same as a stranger",
              confirm(MEMBER_EMAIL, False), reset_code(MEMBER_EMAIL)),
    Operation("POST /storefront/password-resets/confirm (stranger, any code)", "same as a member",
              confirm(STRANGER_EMAIL, False), reset_code(STRANGER_EMAIL)),
    Operation("POST /storefront/password-resets/confirm (member, right code)", "", confirm(MEMBER_EMAIL, True),
              reset_code(MEMBER_EMAIL)),
]

SAMPLES = 25


def report() -> str:
    """Finding 3: the median time of a reset request and of a wrong confirm, member against stranger."""
    import statistics
    import time

    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import clock, stores
    from local.lambdas import current
    from local.resources import create_resources

    timings: dict[tuple[str, str], list[float]] = {}
    with mock_aws():
        create_resources()
        clock.reset()
        with Client(app, stage_name="local") as client:
            created = stores.create_store("Bench Reset Shop", "TW", None, clock.now())
            bench = Bench(client, created.store_id, created.admin_key, created.storefront_key, None, None)
            assert bench.call("PUT", "/admin/settings", created.admin_key, {"sms_ip_hourly_limit": 10_000})[0] == 200
            for n in range(SAMPLES):
                email_member(bench, f"member{n}@example.com")
            for n in range(-2, SAMPLES):  # two rounds of warm-up, not timed
                for who in ("member", "stranger"):  # interleaved: machine noise hits both alike
                    email = f"{who}{abs(n)}{'w' if n < 0 else ''}@example.com"
                    for step, path, body in (
                            ("request", "/storefront/password-resets", {"identifier": email, "via": "email"}),
                            ("wrong confirm", "/storefront/password-resets/confirm",
                             {"identifier": email, "code": "000000", "new_password": "a brand new secret"})):
                        started = time.perf_counter()
                        status, answer = bench.call("POST", path, bench.storefront_key, body)
                        elapsed = time.perf_counter() - started
                        assert status in (202, 400), answer
                        current().drain()  # the member's delivery ends before the next timed request
                        if n >= 0:
                            timings.setdefault((step, who), []).append(elapsed)
    lines = ["## Password reset: member against stranger (finding 3)\n",
             f"Median of {SAMPLES} requests each, interleaved, through the app (delivery off the request path).\n",
             "| step | member | stranger | member / stranger |", "|---|---|---|---|"]
    for step in ("request", "wrong confirm"):
        member = statistics.median(timings[(step, "member")])
        stranger = statistics.median(timings[(step, "stranger")])
        lines.append(f"| `{step}` | {member * 1000:.1f} ms | {stranger * 1000:.1f} ms | {member / stranger:.2f}x |")
    return "\n".join(lines) + "\n"
