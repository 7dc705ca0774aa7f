"""Random identifiers, secrets and their hashes.

Secrets (API keys, link tokens) carry 256 random bits and are stored only as SHA-256 digests:
a leaked table does not leak a usable key. Ids are shorter: they are not secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_id(prefix: str) -> str:
    """A public identifier such as ``st_3f9a1c0d2b4e6f80`` (64 random bits)."""
    return f"{prefix}_{secrets.token_hex(8)}"


def new_secret() -> str:
    """256 random bits, URL-safe, never containing a dot (API keys use dots as separators)."""
    return secrets.token_urlsafe(32)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
