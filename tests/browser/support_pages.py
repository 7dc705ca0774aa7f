"""Helpers for the browser tests: conversations made by signed LINE deliveries, and their links in the inbox."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.support_channels import body, line_delivery, line_event, signed_headers, uid


def conversation_id(social_user_key: str) -> str:
    return "cv_" + hashlib.sha256(social_user_key.encode()).hexdigest()[:24]


def line_message(stack: Any, text: str, user_id: str | None = None) -> str:
    """A signed LINE delivery from a (new) customer; returns the conversation id."""
    user_id = user_id or "U" + uid()[-32:].rjust(32, "0")
    raw = body(line_delivery(line_event(user_id, text=text)))
    status, receipt = stack.call("POST", f"/webhooks/line/{stack.info['store_id']}", raw=raw,
                                 headers=signed_headers("line", stack.info["channels"]["line"], raw))
    assert status == 200 and receipt["stored"] == 1, receipt
    return conversation_id(f"line:{user_id}")


def conversation_link(page: Any, cid: str) -> Any:
    return page.locator(f'a[data-conversation="{cid}"]')
