"""Running the app's scheduled functions on demand (local sandbox timer and /_local/schedules/run)."""

from __future__ import annotations

import uuid
from typing import Any

from chalice import Chalice
from chalice.app import CloudWatchEventConfig

from chalicelib import clock


def scheduled_names(app: Chalice) -> list[str]:
    return [source.name for source in app.event_sources if isinstance(source, CloudWatchEventConfig)]


def run_all(app: Chalice) -> list[str]:
    """Invoke every schedule once with the event EventBridge would send now; returns their names."""
    ran = []
    for name in scheduled_names(app):
        event: dict[str, Any] = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "000000000000", "time": clock.isoformat(clock.now()),
            "region": "us-east-1", "resources": [], "detail": {},
        }
        app.handler_map[name](event, None)
        ran.append(name)
    return ran
