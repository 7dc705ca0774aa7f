"""Webhook signatures, computed over the raw request bytes before any parsing, compared in constant time.

Meta (Messenger, Instagram, WhatsApp): ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>``.
LINE: ``X-Line-Signature: <base64 HMAC-SHA256(channel secret, body)>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

META_HEADER = "x-hub-signature-256"
LINE_HEADER = "x-line-signature"


def meta_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def line_signature(channel_secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()).decode()


def header_name(channel: str) -> str:
    return LINE_HEADER if channel == "line" else META_HEADER


def signature_is_valid(channel: str, secrets: dict[str, str], body: bytes, given: str | None) -> bool:
    """True only when ``given`` is the signature of ``body`` under the channel's secret."""
    if not given:
        return False
    if channel == "line":
        secret = secrets.get("channel_secret")
        expected = line_signature(secret, body) if secret else None
    else:
        secret = secrets.get("app_secret")
        expected = meta_signature(secret, body) if secret else None
        given = given.strip()
        # Meta writes the algorithm prefix in lower case; accept any case of the prefix only.
        if given[:7].lower() == "sha256=":
            given = "sha256=" + given[7:]
    if expected is None:
        return False
    return hmac.compare_digest(expected.encode(), given.strip().encode("utf-8", "replace"))
