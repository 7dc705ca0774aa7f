"""The one HTTP client every adapter sends with: timeouts, retries and the platform's refusal, in one place.

Everything goes over urllib3 to ``GRAPH_API_BASE_URL`` / ``LINE_API_BASE_URL`` with timeouts; 5xx, 429
and network errors are tried up to three times with backoff, all inside one time budget. A send that
timed out reading may have been delivered: only a call with a retry key (LINE) or a read repeats it.
The access token travels in an ``Authorization: Bearer`` header (Graph and LINE both accept it), so it
never appears in a URL or a log line.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import urllib3

from chalicelib import secrets
from chalicelib.channels.outbound import ChannelError
from chalicelib.logs import logger

CONNECT_SECONDS = 3.0
READ_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 0.3  # then 0.6 s: exponential backoff between attempts
MAX_ATTEMPTS = 3
CALL_BUDGET_SECONDS = 20.0  # every attempt and pause of one call: well inside the API Lambda's 30 s

_pool: urllib3.PoolManager | None = None


def _http() -> urllib3.PoolManager:
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS), retries=False)
    return _pool


def segment(value: str) -> str:
    """Ids come from webhook payloads: never let one change the path."""
    return quote(value, safe="")


def stored_token(store_id: str, channel: str, token_field: str) -> str:
    """The channel's access token from the store's secrets; ``channel_error`` when it has none."""
    values = secrets.get_channel_secrets(store_id, channel) or {}
    token = values.get(token_field)
    if not token:
        raise ChannelError(f"{channel} is not configured for this store", channel=channel)
    return str(token)


def call(channel: str, base_url: str, token: str, method: str, path: str, payload: dict[str, Any] | None,
         retry_key: str | None = None, retry_key_header: str | None = None) -> Any:
    """The platform's JSON answer; :class:`ChannelError` when unreachable or refused.

    With ``retry_key`` every attempt carries it in ``retry_key_header`` and the platform's 409 ("already
    accepted under this key") is the earlier attempt's success.
    """
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if payload is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(payload).encode()
    if retry_key and retry_key_header:
        headers[retry_key_header] = retry_key
    url = base_url.rstrip("/") + path
    response = None
    deadline = time.monotonic() + CALL_BUDGET_SECONDS
    for attempt in range(1, MAX_ATTEMPTS + 1):
        remaining = deadline - time.monotonic()
        timeout = urllib3.Timeout(connect=min(CONNECT_SECONDS, remaining), read=min(READ_SECONDS, remaining))
        try:
            response = _http().request(method, url, body=data, headers=headers, timeout=timeout)
        except urllib3.exceptions.HTTPError as exc:
            repeatable = not isinstance(exc, urllib3.exceptions.ReadTimeoutError) or method == "GET" or retry_key
            pause = _backoff(attempt)
            if not repeatable or attempt == MAX_ATTEMPTS or deadline - time.monotonic() < pause + 1.0:
                logger.warning("channel unreachable", extra={"channel": channel, "attempts": attempt,
                                                             "error": type(exc).__name__})
                error = ChannelError(f"{channel} could not be reached ({type(exc).__name__})", channel=channel)
                error.maybe_delivered = not repeatable  # a send that may have arrived is never sent again
                raise error from None
            time.sleep(pause)
            continue
        if response.status >= 500 or response.status == 429:
            pause = _retry_after(response, attempt)
            if attempt < MAX_ATTEMPTS and deadline - time.monotonic() > pause + 1.0:
                time.sleep(pause)
                continue
        break
    assert response is not None
    body = _json(response.data)
    if response.status >= 400:
        if response.status == 409 and retry_key:
            return body  # the retried send had already been accepted
        reason = _platform_message(body) or f"HTTP {response.status}"
        logger.warning("channel refused", extra={"channel": channel, "status": response.status, "reason": reason})
        raise ChannelError(f"{channel} refused the request: {reason}", channel=channel,
                           platform_status=response.status, platform_message=reason)
    return body


def _backoff(attempt: int) -> float:
    return float(RETRY_PAUSE_SECONDS * 2 ** (attempt - 1))


def _retry_after(response: urllib3.BaseHTTPResponse, attempt: int) -> float:
    """The platform's Retry-After (at most 2 s), else exponential backoff."""
    try:
        return min(float(response.headers.get("Retry-After", _backoff(attempt))), 2.0)
    except ValueError:
        return _backoff(attempt)


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def _platform_message(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:500]  # Graph API
    if isinstance(body.get("message"), str):
        return str(body["message"])[:500]  # LINE
    return None


def display_name(value: Any) -> str | None:
    """A profile's name as we keep it: trimmed, at most 200 characters, None when empty."""
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None
