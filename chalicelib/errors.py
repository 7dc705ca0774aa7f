"""What the domain refuses, by name. Each error carries the contract's ``code``, a message for
people, and any extra fields of the JSON error body ``{"error": {"code", "message", ...}}``.

Domain code raises these beside the rule they enforce and never picks an HTTP status: the one
table from error class to status is ``STATUS`` in :mod:`chalicelib.api.http`. A new refusal is a
subclass here or beside its rule, plus one line in that table.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal the caller is told about (400 unless the status table says otherwise)."""

    code = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.status = status  # set only by chalicelib/api/ (e.g. 500); otherwise the status table decides
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class InvalidRequest(ApiError):
    """Bad input: names the field so the caller can fix it."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid_request") -> None:
        extra: dict[str, Any] = {"field": field} if field else {}
        super().__init__(message, code=code, **extra)


class Unauthorized(ApiError):
    code = "unauthorized"


class Forbidden(ApiError):
    code = "forbidden"


class NotFound(ApiError):
    code = "not_found"


class Conflict(ApiError):
    """The thing changed or is taken: another request got there first."""

    code = "conflict"


class PayloadTooLarge(ApiError):
    code = "payload_too_large"


class LinkExpired(ApiError):
    """A single-use link (binding, registration) past its lifetime, even while its item exists."""

    code = "token_expired"
