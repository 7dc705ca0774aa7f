"""Helpers for the tests on the local stack: the SMS the embedded SNS received, the shared clock, verified
tokens and AWS clients on the stack."""

from __future__ import annotations

import json
from typing import Any

import boto3
import urllib3
from botocore.config import Config

from tests.integration.conftest import Stack
from tests.support_accounts import code_in
from tests.support_channels import signed_headers

PASSWORD = "correct horse battery"


def sms_to(stack: Any, phone: str) -> list[str]:
    """Messages the embedded SNS received for ``phone``, read over HTTP as any tool could."""
    response = urllib3.request("GET", f"{stack.info['aws_endpoint']}/moto-api/data.json", timeout=10.0)
    assert response.status == 200
    sms = json.loads(response.data).get("sns", {}).get("SMS", [])
    return [entry["message"] for entry in sms if entry.get("phone_number") == phone]


def advance(stack: Any, seconds: int) -> None:
    assert stack.call("POST", "/_local/clock", None, {"advance_seconds": seconds})[0] == 200


def token_for(stack: Any, shop: dict[str, str], phone: str, purpose: str) -> str:
    status, started = send(stack, shop, phone, purpose)
    assert status == 202, started
    status, checked = stack.call("POST", f"/storefront/verifications/{started['verification_id']}/check",
                                 shop["storefront_key"], {"code": code_in(sms_to(stack, phone)[-1])})
    assert status == 200, checked
    return str(checked["verification_token"])


def aws(stack: Stack, service: str) -> Any:
    return boto3.client(service, endpoint_url=stack.info["aws_endpoint"], region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(signature_version="s3v4"))


def send(stack: Any, shop: dict[str, str], phone: str, purpose: str = "signup") -> tuple[int, Any]:
    return stack.call("POST", "/storefront/verifications", shop["storefront_key"], {"phone": phone, "purpose": purpose})


def post_signed(stack, channel: str, raw: bytes, headers: dict | None = None):
    sent = headers if headers is not None else signed_headers(channel, stack.info["channels"][channel], raw)
    return stack.call("POST", f"/webhooks/{channel}/{stack.info['store_id']}", raw=raw, headers=sent)
