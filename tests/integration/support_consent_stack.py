"""Helpers for marketing consent on the local stack: members signed up with ticks, a broadcast waited for
until the worker function is done, the e-mails moto's SES received."""

from __future__ import annotations

import time
from typing import Any


def sign_up(stack: Any, shop: dict[str, str], email: str, **ticks: Any) -> str:
    status, created = stack.call("POST", "/storefront/members", shop["storefront_key"],
                                 {"name": "Mei", "password": "correct horse battery", "email": email,
                                  "client_ip": "198.51.100.23", **ticks})
    assert status == 201, created
    return str(created["member_id"])


def broadcast(stack: Any, shop: dict[str, str], member_ids: list[str], subject: str) -> dict[str, Any]:
    status, answer = stack.call("POST", "/admin/marketing-emails", shop["admin_key"],
                                {"kind": "broadcast", "subject": subject, "text": "New harvest is in.",
                                 "audience": {"member_ids": member_ids}})
    assert status == 202, answer
    return wait_until_done(stack, shop, "marketing-emails", answer["send_id"])


def wait_until_done(stack: Any, shop: dict[str, str], kind: str, send_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """The send as the worker left it: the API handed it to the worker function (an asynchronous invoke)."""
    deadline = time.monotonic() + timeout
    while True:
        status, progress = stack.call("GET", f"/admin/{kind}/{send_id}", shop["admin_key"])
        assert status == 200, progress
        if progress["state"] in ("done", "failed") or time.monotonic() > deadline:
            assert progress["state"] == "done", progress
            return dict(progress)
        time.sleep(0.2)


def mails(stack: Any, to: str, subject: str) -> list[dict[str, Any]]:
    _, emails = stack.call("GET", "/_local/emails")
    return [e for e in emails["items"] if e["to"] == to and e["subject"] == subject]
