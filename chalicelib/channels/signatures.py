"""Webhook signatures, computed over the raw request bytes before any parsing, compared in constant time.

Meta (Messenger, Instagram, WhatsApp): ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>``;
the legacy ``X-Hub-Signature: sha1=<hex HMAC-SHA1>`` is read only when the SHA-256 header is absent.
LINE: ``X-Line-Signature: <base64 HMAC-SHA256(channel secret, body)>``, compared as decoded bytes, so
a header without its ``=`` padding is the same signature while one letter in another case is not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from chalicelib.channels.spec import spec_for

META_HEADER = "x-hub-signature-256"
META_LEGACY_HEADER = "x-hub-signature"
LINE_HEADER = "x-line-signature"


def meta_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def line_signature(channel_secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_header(channel: str, headers: Mapping[str, str]) -> str | None:
    """The signature a request carries for ``channel`` (Meta: SHA-256 header first, then legacy SHA-1)."""
    if not spec_for(channel).meta:
        return headers.get(LINE_HEADER)
    return headers.get(META_HEADER) or headers.get(META_LEGACY_HEADER)


def signature_is_valid(channel: str, secrets: dict[str, str], body: bytes, given: str | None) -> bool:
    """True only when ``given`` is the signature of ``body`` under the channel's secret."""
    if not given:
        return False
    if not spec_for(channel).meta:  # LINE: base64 HMAC keyed with the channel secret
        secret = secrets.get("channel_secret")
        if not secret:
            return False
        expected_mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        text = given.strip()
        try:
            given_mac = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (ValueError, binascii.Error):
            return False
        return hmac.compare_digest(expected_mac, given_mac)
    secret = secrets.get("app_secret")
    if not secret:
        return False
    given = given.strip()
    algorithm, _, digest = given.partition("=")
    # Meta writes the algorithm prefix in lower case; accept any case of the prefix only.
    algorithm = algorithm.lower()
    if algorithm == "sha256":
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    elif algorithm == "sha1":
        expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    else:
        return False
    return hmac.compare_digest(expected.encode(), digest.encode("utf-8", "replace"))
