"""The signed reply address: ``reply+<token>@<inbound mail domain>``.

The token is base32 (lower case, no padding) of ``store id (8 bytes) | conversation id (12 bytes) |
HMAC-SHA256(key, store|conversation)[:10]``: 48 characters, so the local part (54) stays within
RFC 5321's 64. 80 bits of MAC: a forger needs ~2^79 e-mails per guess, each one quarantined. The
key is derived from the server pepper (never stored beside the data). Checked with
``hmac.compare_digest``. Unlike an unsigned ``reply+<uuid>``, knowing a conversation id is not enough.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from chalicelib import verification
from chalicelib.email.addresses import inbound_domain, token_in

_MAC_BYTES = 10
_STORE_PREFIX, _CONVERSATION_PREFIX = "st_", "cv_"
_LOCAL_PART = re.compile(r"^reply\+([a-z2-7]{48})$")


@dataclass(frozen=True)
class ReplyTarget:
    store_id: str
    conversation_id: str


def _key() -> bytes:
    return hmac.new(verification.pepper(), b"memberlink reply-to address v1", hashlib.sha256).digest()


def _mac(store_id: str, conversation_id: str) -> bytes:
    return hmac.new(_key(), f"{store_id}|{conversation_id}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def token_for(store_id: str, conversation_id: str) -> str:
    raw = (bytes.fromhex(store_id.removeprefix(_STORE_PREFIX)) + bytes.fromhex(
        conversation_id.removeprefix(_CONVERSATION_PREFIX)) + _mac(store_id, conversation_id))
    return base64.b32encode(raw).decode().rstrip("=").lower()


def reply_address(store_id: str, conversation_id: str) -> str:
    return f"reply+{token_for(store_id, conversation_id)}@{inbound_domain()}"


def parse_reply_address(address: str) -> ReplyTarget | None:
    """The conversation a reply address names, or None when it is not ours or its MAC is wrong."""
    token = token_in(address, _LOCAL_PART)
    if token is None:
        return None
    try:
        raw = base64.b32decode(token.upper())  # 30 bytes: 48 characters, no padding
    except (binascii.Error, ValueError):
        return None
    store_id = _STORE_PREFIX + raw[:8].hex()
    conversation_id = _CONVERSATION_PREFIX + raw[8:20].hex()
    if not hmac.compare_digest(raw[20:], _mac(store_id, conversation_id)):
        return None
    return ReplyTarget(store_id, conversation_id)
