"""Member passwords: argon2id (argon2-cffi), imported only when a password is hashed or checked."""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.errors import InvalidRequest

MIN_LENGTH, MAX_LENGTH = 8, 128


def check_password(value: str, field: str = "password") -> str:
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        raise InvalidRequest(f"'{field}' must be {MIN_LENGTH} to {MAX_LENGTH} characters", field=field)
    return value


@functools.cache
def _hasher() -> Any:
    from argon2 import PasswordHasher  # argon2 loads with the first password, not at cold start

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always does the work of one verification (no timing hint)."""
    from argon2.exceptions import InvalidHashError, VerificationError  # as above

    try:
        return bool(_hasher().verify(stored_hash or _dummy_hash(), password)) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not a password of anyone")
