"""Helpers for the staff-app flows on the local stack: a shop with a branch and a staff member, members
signed up with a verified phone, registration invitations read from the embedded SNS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.integration.support_stack import PASSWORD, sms_to, token_for
from tests.support_staff import STOREFRONT_URL, invite_token


def new_shop(stack: Any, name: str) -> dict[str, str]:
    keys = stack.create_store(name, sms_ip_hourly_limit=10_000, storefront_url=STOREFRONT_URL)
    status, branch = stack.call("POST", "/admin/branches", keys["admin_key"], {"name": f"{name} Xinyi"})
    assert status == 201
    status, staff = stack.call("POST", "/admin/staff", keys["admin_key"],
                               {"name": "Mei", "branch_id": branch["branch_id"]})
    assert status == 201
    return {**keys, "branch_id": branch["branch_id"], "staff_id": staff["staff_id"], "staff_key": staff["staff_key"]}


def sign_up(stack: Any, shop: dict[str, str], phone: str, name: str = "Amy") -> str:
    token = token_for(stack, shop, phone, "signup")
    status, created = stack.call("POST", "/storefront/members", shop["storefront_key"],
                                 {"name": name, "password": PASSWORD, "phone": phone, "verification_token": token})
    assert status == 201, created
    return str(created["member_id"])


def invite_sent(stack: Any, shop: dict[str, str], phone: str) -> tuple[str, datetime]:
    """Invite ``phone`` from the counter: the token of the link the SMS carries, and when it expires."""
    status, sent = stack.call("POST", "/staff/registration-invitations", shop["staff_key"], {"phone": phone})
    assert status == 202, sent
    return invite_token(sms_to(stack, phone)[-1]), datetime.fromisoformat(sent["expires_at"])


def invite(stack: Any, shop: dict[str, str], phone: str) -> str:
    return invite_sent(stack, shop, phone)[0]


def redeem(stack: Any, shop: dict[str, str], token: str, member_id: str) -> tuple[int, Any]:
    return stack.call("POST", "/storefront/registrations/redeem", shop["storefront_key"],
                      {"token": token, "member_id": member_id})
