"""Fires the template's schedules on a timer, as EventBridge would (``chalice local`` never does), and polls
the template's SQS event sources as Lambda's event source mappings do.

Each SQS source gets its own pollers, as many as its ``ScalingConfig.MaximumConcurrency`` (Lambda's
cap on concurrent batches of that source): each receives a batch, runs the function and receives again at
once while the queue has messages, and looks again :data:`IDLE_POLL_SECONDS` (or the tick, when shorter)
later when it had none.
(Polling once per schedule tick, one batch of 10, capped a queue at 2 messages a second with the default
5-second tick, far below what Lambda's pollers take.)

Rate schedules fire when their interval has passed on the application clock, so advancing the
clock (POST /_local/clock) makes a due schedule fire at the next tick. Cron schedules fire at the
first tick of each matching minute (minute and hour fields; other fields are treated as ``*``).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from chalice.app import Cron, Rate

from chalicelib import clock
from chalicelib.logs import logger
from local.lambdas import LocalLambda, scheduled_event

_UNIT_SECONDS = {Rate.MINUTES: 60, Rate.HOURS: 3600, Rate.DAYS: 86400}
IDLE_POLL_SECONDS = 1.0  # an empty queue is asked again this much later (moto serves every poll: keep it light)


def is_due(expression: object, last_run: datetime | None, now: datetime) -> bool:
    if isinstance(expression, Rate):
        return last_run is None or (now - last_run).total_seconds() >= expression.value * _UNIT_SECONDS[expression.unit]
    if isinstance(expression, Cron):
        same_minute = last_run is not None and last_run.replace(second=0, microsecond=0) == now.replace(
            second=0, microsecond=0)
        return not same_minute and _field_matches(expression.minutes, now.minute) and _field_matches(
            expression.hours, now.hour)
    return last_run is None or (now - last_run).total_seconds() >= 60


def _concurrency(properties: dict[str, Any]) -> int:
    """How many batches of an SQS source Lambda runs at once: ``ScalingConfig.MaximumConcurrency``, else 2."""
    scaling = properties.get("ScalingConfig")
    value = scaling.get("MaximumConcurrency") if isinstance(scaling, dict) else None
    return max(int(value), 1) if isinstance(value, int | str) and str(value).isdigit() else 2


def _field_matches(field: object, value: int) -> bool:
    text = str(field)
    if text in ("*", "?"):
        return True
    return any(part.isdigit() and int(part) == value for part in text.split(","))


def expression(text: str) -> Rate | Cron:
    """EventBridge's ``rate(1 hour)`` / ``cron(5 16 * * ? *)``, as the template declares a schedule."""
    kind, _, rest = text.partition("(")
    fields = rest.rstrip(")").split()
    if kind == "rate":
        unit = fields[1].upper() if fields[1].upper().endswith("S") else fields[1].upper() + "S"
        return Rate(int(fields[0]), unit=unit)
    if kind == "cron" and len(fields) == 6:
        return Cron(*fields)
    raise ValueError(f"not a schedule expression: {text!r}")


class Scheduler:
    """EventBridge for the template's schedules: each due function runs through the local Lambda, under its role."""

    def __init__(self, runtime: LocalLambda, tick_seconds: float = 5.0) -> None:
        self.runtime = runtime
        self.tick_seconds = tick_seconds
        self.last_run: dict[str, datetime] = {}
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self.pollers = [threading.Thread(target=self._poll, args=(function, source), daemon=True,
                                         name=f"sqs-{function.name}-{n}")
                        for function, source in runtime.queue_sources()
                        for n in range(_concurrency(source.properties))]

    def tick(self) -> list[str]:
        now = clock.now()
        ran = []
        for function, text in self.runtime.scheduled():
            if is_due(expression(text), self.last_run.get(function.name), now):
                try:
                    self.runtime.run(function, scheduled_event(function, clock.isoformat(now)))
                    ran.append(function.name)
                except Exception:
                    logger.exception("scheduled function failed", extra={"schedule": function.name})
                self.last_run[function.name] = now
        return ran

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            self.tick()

    def _poll(self, function: Any, source: Any) -> None:
        """One of an SQS source's pollers: again at once while batches come, after a pause when none does."""
        pause = 0.0
        while not self._stop.wait(pause):
            try:
                pause = 0.0 if self.runtime.poll_queue(function, source) else min(IDLE_POLL_SECONDS, self.tick_seconds)
            except Exception:
                logger.exception("polling the template's queue failed", extra={"function": function.name})
                pause = self.tick_seconds

    def start(self) -> Scheduler:
        self.thread.start()
        for poller in self.pollers:
            poller.start()
        return self

    def stop(self) -> None:
        self._stop.set()
