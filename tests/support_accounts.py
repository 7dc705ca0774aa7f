"""Helpers for the accounts tests: numbers nobody else uses, and the SMS the embedded SNS received."""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

from tests.conftest import call  # the one request helper, re-exported for the accounts tests

_counter = itertools.count()
_base = random.randrange(10_000_000)


def fresh_tw_mobile() -> str:
    """A valid Taiwanese mobile number (+8869xxxxxxxx) not used by another test of this session, never
    ending in 99: the embedded SNS reports those as opted out (tests make them on purpose, from these)."""
    while True:
        number = f"+8869{(_base + next(_counter) * 7919) % 100_000_000:08d}"
        if not number.endswith("99"):
            return number


def code_in(message: str) -> str:
    match = re.search(r"\b(\d{6})\b", message)
    assert match, f"no six-digit code in {message!r}"
    return match.group(1)


def moto_sms(phone: str) -> list[str]:
    """Messages the in-process moto SNS received for ``phone`` (under mock_aws), oldest first
    (after the deferred deliveries, such as password-reset codes, have run)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from local.lambdas import current

    current().drain()  # the deferred function's invocations (inline in these tests: nothing left to wait for)
    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [message for number, message in backend.sms_messages.values() if number == phone]


def last_code(phone: str) -> str:
    messages = moto_sms(phone)
    assert messages, f"no SMS was sent to {phone}"
    return code_in(messages[-1])


def moto_emails(to: str) -> list[str]:
    """Text bodies of the emails the in-process moto SES sent to ``to``, oldest first."""
    from local.emails import sent_emails
    from local.lambdas import current

    current().drain()
    return [m["text"] for m in sent_emails() if m["to"] == to]


PASSWORD = "correct horse battery"


def sign_up_by_phone(client: Any, store: Any, phone: str, **extra: Any) -> tuple[int, Any]:
    token = verified_token(client, store, phone)
    return call(client, "POST", "/storefront/members", store.storefront(),
                {"name": "Amy Chen", "password": PASSWORD, "phone": phone, "verification_token": token, **extra})


def log_in(client: Any, store: Any, identifier: str, password: str = PASSWORD) -> tuple[int, Any]:
    return call(client, "POST", "/storefront/sessions", store.storefront(),
                {"identifier": identifier, "password": password})


def verified_token(client: Any, store: Any, phone: str, purpose: str = "signup") -> str:
    status, started = call(client, "POST", "/storefront/verifications", store.storefront(),
                           {"phone": phone, "purpose": purpose})
    assert status == 202, started
    status, checked = call(client, "POST", f"/storefront/verifications/{started['verification_id']}/check",
                           store.storefront(), {"code": last_code(phone)})
    assert status == 200, checked
    return str(checked["verification_token"])
