"""How fast we call each platform, per page, account or channel, to the limits each adapter documents.

The channel-work consumer (``inbox/channel_work.py``) asks :func:`reserve` before each call. Each
Lambda instance keeps its own pace (module state, one invocation at a time per instance) and the event
source runs at most ``CHANNEL_WORK_CONCURRENCY`` instances, so each instance takes its share: the
limit divided by that concurrency. The local stack's worker threads keep one pace each (thread-local),
as two instances would.

The limits are each adapter's ``call_limits`` (``channels/meta.py``, ``line.py``, ``whatsapp.py``), with
the platform's documentation they come from: Meta's Send API 300 calls a second per Page or Instagram
account, private replies 750 an hour, LINE 2,000 requests a second per channel, WhatsApp 80 messages a
second per number, and our own 50 a second per account for the Graph API's other calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from chalicelib.channels.registry import adapter_for
from chalicelib.channels.spec import Limit
from chalicelib.config import CHANNEL_WORK_CONCURRENCY


def limit_for(channel: str, kind: str) -> Limit:
    """How fast ``kind`` of call (message, private_reply, comment_reply, profile) may go on ``channel``."""
    return adapter_for(channel).call_limits[kind]


class Pacer:
    """One instance's pace: GCRA per key (a call every 1/rate seconds, a burst of one second's share)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, concurrency: int = CHANNEL_WORK_CONCURRENCY):
        self.clock = clock
        self.concurrency = concurrency
        self._next: dict[tuple[str, str, str], float] = {}  # theoretical arrival time per key

    def reserve(self, channel: str, account: str, kind: str, max_wait: float) -> float:
        """Seconds to wait before the call. When that is more than ``max_wait`` nothing is reserved and the
        answer (negative) is minus the wait: the caller puts the work back for later instead."""
        limit = limit_for(channel, kind)
        rate = limit.per_second / self.concurrency
        interval = 1.0 / rate
        burst = max(interval, 1.0)  # up to a second's share at once (one call when that is less than one)
        now = self.clock()
        key = (channel, account, kind)
        arrival = max(self._next.get(key, now), now)
        wait = max(0.0, arrival - burst + interval - now)
        if wait > max_wait:
            return -wait
        self._next[key] = arrival + interval
        return wait


_local = threading.local()


def pacer() -> Pacer:
    """This instance's pacer (per thread: the local stack's worker threads are instances of their own)."""
    found: Pacer | None = getattr(_local, "pacer", None)
    if found is None:
        found = _local.pacer = Pacer()
    return found
