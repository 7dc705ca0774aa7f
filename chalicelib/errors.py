"""Errors that become the contract's JSON error body: {"error": {"code", "message"}}."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class InvalidRequest(ApiError):
    """Bad input: names the field so the caller can fix it."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid_request",
                 **details: Any) -> None:
        extra = {"field": field} if field else {}
        super().__init__(message, code=code, status=400, **extra, **details)


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"
