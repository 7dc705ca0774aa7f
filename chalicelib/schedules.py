"""Running the app's scheduled functions on demand (local sandbox timer and /_local/schedules/run)."""

from __future__ import annotations

import uuid
from typing import Any

from chalice.app import Chalice, ScheduledEventConfig

from chalicelib import clock


def scheduled_names(app: Chalice) -> list[str]:
    return [source.name for source in app.event_sources if isinstance(source, ScheduledEventConfig)]


def run_one(app: Chalice, name: str) -> None:
    """Invoke one schedule with the event EventBridge would send now."""
    event: dict[str, Any] = {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "000000000000", "time": clock.isoformat(clock.now()),
        "region": "us-east-1", "resources": [], "detail": {},
    }
    app.handler_map[name](event, None)


def run_all(app: Chalice) -> list[str]:
    """Invoke every schedule once, now; returns their names."""
    names = scheduled_names(app)
    for name in names:
        run_one(app, name)
    return names
