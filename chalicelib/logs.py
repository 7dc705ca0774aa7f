"""Structured JSON logs (Powertools Logger) with secrets, keys and phone numbers redacted.

Redaction happens in the formatter, on the final record, so a careless ``logger.info(body)`` in
any module still cannot leak a key, a password or a full phone number.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

_SENSITIVE_KEY = re.compile(r"(secret|token|password|authorization|api_key|access_key|code)$", re.I)
_API_KEY = re.compile(r"\bmlk\.([A-Za-z0-9_]+)\.[A-Za-z0-9_-]+")
# Console session tokens (mls.<store>.<user>.<secret>) and invitation tokens (<store>.<user>.<secret>).
_PERSON_TOKEN = re.compile(r"\b((?:mls\.)?st_[A-Za-z0-9]+\.usr_[A-Za-z0-9]+)\.[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.I)
# Runs of 7+ digits (optionally with +, spaces or dashes) look like phone numbers: keep the last 2.
_PHONE = re.compile(r"\+?\d(?:[\s-]?\d){6,}")
# ISO dates and times are matched first and kept: "2026-11-25" is a report's day, not a phone number.
_DATE_OR_PHONE = re.compile(r"(?P<date>\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)|" + _PHONE.pattern)


def _mask_phone(match: re.Match[str]) -> str:
    if match.group("date"):
        return match.group(0)
    digits = re.sub(r"\D", "", match.group(0))
    return ("+" if match.group(0).startswith("+") else "") + "*" * (len(digits) - 2) + digits[-2:]


def redact_text(text: str) -> str:
    text = _API_KEY.sub(lambda m: f"mlk.{m.group(1)}.****", text)
    text = _PERSON_TOKEN.sub(lambda m: f"{m.group(1)}.****", text)
    text = _BEARER.sub(r"\1****", text)
    return _DATE_OR_PHONE.sub(_mask_phone, text)


def redact(value: Any, key: str = "") -> Any:
    if key and _SENSITIVE_KEY.search(key) and value not in (None, ""):
        return "****"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


@functools.cache
def formatter_class() -> type:
    """The redacting formatter (a Powertools subclass, so defined when first needed: cold start)."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class RedactingFormatter(LambdaPowertoolsFormatter):
        def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
            keep = {"timestamp", "level", "location", "service", "xray_trace_id", "request_id", "duration_ms",
                    "status"}
            return super().serialize({k: (v if k in keep else redact(v, k)) for k, v in log.items()})

    return RedactingFormatter


def __getattr__(name: str) -> Any:
    if name == "RedactingFormatter":
        return formatter_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _FirstUseLogger:
    """The Powertools Logger, built by the first log call: its setup stays out of the import (cold start)."""

    _logger: Logger | None = None

    def __getattr__(self, name: str) -> Any:
        if self._logger is None:
            from aws_lambda_powertools.logging import Logger

            type(self)._logger = Logger(service="memberlink", logger_formatter=formatter_class()())
        return getattr(self._logger, name)


logger: Logger = _FirstUseLogger()  # type: ignore[assignment]
