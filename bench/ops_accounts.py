"""Accounts operations (issue 5): what a verification send and check cost on the wire.

The send budget (<= 3 DynamoDB + 1 SNS) holds on a warm instance: authentication (1 GetItem), one
TransactWrite (limits, SMS log queued, code), SNS Publish, the log update (sent). A cold instance
first reads the store and its templates (1 TransactGetItems, then cached 30 s) and the code pepper (SSM).
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

    from chalicelib.sms import templates

    templates.forget(bench.store_id)
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    _send(bench, PHONE)


def sent_code(bench: Bench) -> tuple[str, str]:
    started = _send(bench, PHONE)
    return started["verification_id"], _code_for(PHONE)


def check(bench: Bench, state: tuple[str, str]) -> None:
    verification_id, code = state
    status, body = bench.call("POST", f"/storefront/verifications/{verification_id}/check", bench.storefront_key,
                              {"code": code})
    assert status == 200, body


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
    Operation("POST /storefront/verifications/{id}/check", "<= 2 DynamoDB", check, sent_code),
    Operation("POST /storefront/members (phone sign-up, token consumed in the transaction)", "", sign_up,
              signup_token),
]
