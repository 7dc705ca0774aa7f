"""The application clock.

Every expiry, window and rate-limit rule asks :func:`now`; the local sandbox can move it forward
(``POST /_local/clock``) so a person can try "after one hour" without waiting an hour.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    """Current time, timezone-aware UTC, plus the local offset (zero outside the sandbox)."""
    return datetime.now(UTC) + _offset


def advance(seconds: float) -> datetime:
    """Move the clock forward; used by the local sandbox and tests only."""
    global _offset
    if seconds < 0:
        raise ValueError("the clock only moves forward")
    with _lock:
        _offset += timedelta(seconds=seconds)
    return now()


def offset_seconds() -> float:
    """How far the local clock runs ahead of real time (0 outside the sandbox)."""
    return _offset.total_seconds()


def reset() -> None:
    """Back to real time (the sandbox's DELETE /_local/clock; tests)."""
    global _offset
    with _lock:
        _offset = timedelta(0)


def isoformat(moment: datetime) -> str:
    """ISO 8601 with offset, second precision: how every time leaves the API."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def sortable(moment: datetime) -> str:
    """UTC to the microsecond, for sort keys: events within one second still sort by time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_day(moment: datetime, tz_name: str) -> str:
    """The calendar date (YYYY-MM-DD) of ``moment`` in the store's time zone: reports are cut by it."""
    from zoneinfo import ZoneInfo  # time zone data loads with the first local day

    return moment.astimezone(ZoneInfo(tz_name)).date().isoformat()
