"""Helpers for the staff-app tests: a staff key, members to find, and the invitation token out of an SMS."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support_accounts import call

STOREFRONT_URL = "https://shop.example.com"


def staff_key(client: Any, admin_headers: dict[str, str], branch_name: str = "Taipei 101",
              staff_name: str = "Mei") -> dict[str, str]:
    """A branch and a staff member of it, through the admin API; returns their ids and the staff key."""
    status, branch = call(client, "POST", "/admin/branches", admin_headers, {"name": branch_name})
    assert status == 201, branch
    status, staff = call(client, "POST", "/admin/staff", admin_headers,
                         {"name": staff_name, "branch_id": branch["branch_id"]})
    assert status == 201, staff
    return {"branch_id": branch["branch_id"], "staff_id": staff["staff_id"], "key": staff["staff_key"]}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def link_in(message: str) -> str:
    match = re.search(r"https?://\S+", message)
    assert match, f"no link in {message!r}"
    return match.group(0)


def invite_token(message: str) -> str:
    """The ``invite`` token of the registration link in ``message``."""
    link = urlparse(link_in(message))
    assert link.path.endswith("/account/register"), link
    [token] = parse_qs(link.query)["invite"]
    return token
