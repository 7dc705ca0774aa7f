"""Staff app operations (issue 6): what a member search, a registration invitation and its redemption cost.

Every search is one access pattern: authentication (1 GetItem), then a phone or an email is the
identity GetItem and its member GetItem, a name or a branch is one Query; never a Scan. The store's
country (for national notation) comes from the cached SMS settings, read once by the warm-up.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bench.support import Bench, Operation

PHONE = "+886912345678"
_seen: dict[str, Counter[tuple[str, str]]] = {}


def _staff(bench: Bench) -> dict[str, str]:
    status, _ = bench.call("PUT", "/admin/settings", bench.admin_key, {"storefront_url": "https://shop.example.com"})
    assert status == 200
    status, branch = bench.call("POST", "/admin/branches", bench.admin_key, {"name": "Xinyi"})
    assert status == 201
    status, staff = bench.call("POST", "/admin/staff", bench.admin_key,
                               {"name": "Mei", "branch_id": branch["branch_id"]})
    assert status == 201
    return {"key": staff["staff_key"], "branch_id": branch["branch_id"]}


def _with_members(bench: Bench) -> dict[str, str]:
    from chalicelib import members

    staff = _staff(bench)
    members.create_member(bench.store_id, "Amy Chen", phone=PHONE, email="amy@example.com")
    members.create_member(bench.store_id, "Amanda Lin")
    _search(bench, staff["key"], "/staff/members?phone=0911000001")  # warm: the store's settings are cached
    return staff


def _search(bench: Bench, key: str, path: str) -> dict[str, Any]:
    status, body = bench.call("GET", path, key)
    assert status == 200, body
    return dict(body)


def _searching(kind: str, path: str, admin: bool = False) -> Operation:
    def run(bench: Bench, staff: dict[str, str]) -> None:
        _search(bench, bench.admin_key if admin else staff["key"], path.format(branch_id=staff["branch_id"]))
        _seen[kind] = Counter(bench.counter.calls)

    return Operation(f"GET {'/admin' if admin else '/staff'}/members?{path.split('?')[1].split('=')[0]}=",
                     "auth + " + ("1 Query" if kind in ("name", "added_from") else "2 GetItem")
                     + ("" if admin else " + 1 TransactWrite (rate limit and audit event)") + ", no Scan",
                     run, _with_members)


def _sent(bench: Bench) -> dict[str, str]:
    staff = _staff(bench)
    status, _ = bench.call("POST", "/staff/registration-invitations", staff["key"], {"phone": "+886911000009"})
    assert status == 202  # warm: store settings cached
    return staff


def send_invitation(bench: Bench, staff: dict[str, str]) -> None:
    status, body = bench.call("POST", "/staff/registration-invitations", staff["key"], {"phone": PHONE})
    assert status == 202, body


def _invited_member(bench: Bench) -> tuple[str, str]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from chalicelib import members

    staff = _sent(bench)
    send_invitation(bench, staff)
    # A registration link credits only the member whose verified phone it was texted to.
    member = members.create_member(bench.store_id, "Amy Chen", phone=PHONE, phone_verified=True)
    messages = [m for n, m in sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values() if n == PHONE]
    match = re.search(r"invite=([A-Za-z0-9_-]+)", messages[-1])
    assert match
    return match.group(1), member.member_id


def redeem(bench: Bench, state: tuple[str, str]) -> None:
    token, member_id = state
    status, body = bench.call("POST", "/storefront/registrations/redeem", bench.storefront_key,
                              {"token": token, "member_id": member_id})
    assert status == 200, body


OPERATIONS = [
    _searching("phone", "/staff/members?phone=0912%20345%20678"),
    _searching("email", "/staff/members?email=AMY%40example.com"),
    _searching("name", "/staff/members?name=am"),
    _searching("added_from", "/admin/members?added_from={branch_id}", admin=True),
    Operation("POST /staff/registration-invitations (warm instance)", "<= 3 DynamoDB + 1 SNS (as verification)",
              send_invitation, _sent),
    Operation("POST /storefront/registrations/redeem", "GetItem (staff, branch) + 1 TransactWrite", redeem,
              _invited_member),
]


def report() -> str:
    """Which DynamoDB operations each search made (from the rows above)."""
    if not _seen:  # this section reads what the calls section counted
        return "## Member search: DynamoDB operations per search\n\n(needs the calls section: --only calls,reports)\n"
    lines = ["## Member search: DynamoDB operations per search\n", "| filter | operations |", "|---|---|"]
    for kind, calls in _seen.items():
        ops = ", ".join(f"{op} x{n}" for (service, op), n in sorted(calls.items()) if service == "dynamodb")
        lines.append(f"| {kind} | {ops} |")
    return "\n".join(lines) + "\n"
