"""Conditional GETs for what the console polls: an ``ETag`` over the exact bytes, 304 on ``If-None-Match``.

The console asks every few seconds; when nothing changed it gets a 304 with no body, so an idle
console costs the reads but sends nothing. The tag is a hash of the body: no version counters to
keep in step with the data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from chalice.app import Response

from chalicelib.api.http import Call

# Every answer depends on the bearer key (its store), so a shared cache must never reuse one.
PRIVATE = {"Cache-Control": "private, no-cache", "Vary": "Authorization"}


def tag_for(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def matches(header: str | None, tag: str) -> bool:
    """RFC 9110 If-None-Match: a list of tags, weak ones compared weakly, or ``*``."""
    if not header:
        return False
    candidates = [part.strip() for part in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == tag for c in candidates)


def conditional(call: Call, data: bytes, content_type: str, extra: Mapping[str, str] | None = None) -> Response:
    """200 with the body and its ETag, or 304 (no body) when the caller already holds these bytes."""
    tag = tag_for(data)
    headers: dict[str, str | list[str]] = {**PRIVATE, **(extra or {}), "ETag": tag}
    if matches(call.request.headers.get("if-none-match"), tag):
        return Response(body="", status_code=304, headers=headers)
    # Text, not bytes: Chalice passes only its binary types through as bytes.
    return Response(body=data.decode(), status_code=200, headers={**headers, "Content-Type": content_type})


def conditional_json(call: Call, body: Any) -> Response:
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return conditional(call, data, "application/json")
