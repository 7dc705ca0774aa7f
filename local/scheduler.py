"""Fires the app's schedules on a timer, as EventBridge would (``chalice local`` never does).

Rate schedules fire when their interval has passed on the application clock, so advancing the
clock (POST /_local/clock) makes a due schedule fire at the next tick. Cron schedules fire at the
first tick of each matching minute (minute and hour fields; other fields are treated as ``*``).
"""

from __future__ import annotations

import threading
from datetime import datetime

from chalice.app import Chalice, Cron, Rate, ScheduledEventConfig

from chalicelib import clock, schedules
from chalicelib.logs import logger

_UNIT_SECONDS = {Rate.MINUTES: 60, Rate.HOURS: 3600, Rate.DAYS: 86400}


def is_due(expression: object, last_run: datetime | None, now: datetime) -> bool:
    if isinstance(expression, Rate):
        return last_run is None or (now - last_run).total_seconds() >= expression.value * _UNIT_SECONDS[expression.unit]
    if isinstance(expression, Cron):
        same_minute = last_run is not None and last_run.replace(second=0, microsecond=0) == now.replace(
            second=0, microsecond=0)
        return not same_minute and _field_matches(expression.minutes, now.minute) and _field_matches(
            expression.hours, now.hour)
    return last_run is None or (now - last_run).total_seconds() >= 60


def _field_matches(field: object, value: int) -> bool:
    text = str(field)
    if text in ("*", "?"):
        return True
    return any(part.isdigit() and int(part) == value for part in text.split(","))


class Scheduler:
    def __init__(self, app: Chalice, tick_seconds: float = 5.0) -> None:
        self.app = app
        self.tick_seconds = tick_seconds
        self.last_run: dict[str, datetime] = {}
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def tick(self) -> list[str]:
        now = clock.now()
        ran = []
        for source in self.app.event_sources:
            if not isinstance(source, ScheduledEventConfig):
                continue
            if is_due(source.schedule_expression, self.last_run.get(source.name), now):
                try:
                    schedules.run_one(self.app, source.name)
                    ran.append(source.name)
                except Exception:
                    logger.exception("scheduled function failed", extra={"schedule": source.name})
                self.last_run[source.name] = now
        return ran

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            self.tick()

    def start(self) -> Scheduler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
