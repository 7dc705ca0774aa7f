"""How fast we call each platform, per page, account or channel: the documented limits, one place.

The channel-work consumer (``inbox/channel_work.py``) asks :func:`reserve` before each call. Each
Lambda instance keeps its own pace (module state, one invocation at a time per instance) and the event
source runs at most ``CHANNEL_WORK_CONCURRENCY`` instances, so each instance takes its share: the
limit divided by that concurrency. The local stack's worker threads keep one pace each (thread-local),
as two instances would.

Limits (read 2026-12 in Meta's "Messenger Platform rate limits" and LINE's Messaging API reference):

- Messenger / Instagram Send API, text: 300 calls a second per Page or Instagram professional account.
- Private replies to comments on posts and reels: 750 calls an hour per Page / account.
- LINE Messaging API (push, reply, profile): 2,000 requests a second per channel.
- WhatsApp Cloud API: 80 messages a second per business phone number (its default throughput).
- Public comment replies and profile reads fall under the Graph API's business-use-case limit
  (4,800 calls per engaged user per 24 hours, no per-second figure): we pace them at 50 a second per
  account, our own figure, under that limit for any page with 900 or more engaged users a day.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.config import CHANNEL_WORK_CONCURRENCY


@dataclass(frozen=True)
class Limit:
    calls: float
    per_seconds: float
    source: str

    @property
    def per_second(self) -> float:
        return self.calls / self.per_seconds


_SEND = Limit(300, 1, "Send API: 300 calls/s per Page or IG professional account (text)")
_PRIVATE = Limit(750, 3600, "Private Replies API: 750 calls/hour per Page or IG account (posts and reels)")
_GRAPH_OTHER = Limit(50, 1, "ours: under the Graph API's 4,800 x engaged users per 24 h")
_LINE = Limit(2000, 1, "LINE Messaging API: 2,000 requests/s per channel")
_WHATSAPP = Limit(80, 1, "WhatsApp Cloud API: 80 messages/s per business phone number")

LIMITS: dict[tuple[str, str], Limit] = {
    ("facebook", "message"): _SEND, ("instagram", "message"): _SEND,
    ("facebook", "private_reply"): _PRIVATE, ("instagram", "private_reply"): _PRIVATE,
    ("facebook", "comment_reply"): _GRAPH_OTHER, ("instagram", "comment_reply"): _GRAPH_OTHER,
    ("facebook", "profile"): _GRAPH_OTHER, ("instagram", "profile"): _GRAPH_OTHER,
    ("line", "message"): _LINE, ("line", "profile"): _LINE,
    ("whatsapp", "message"): _WHATSAPP,
}


class Pacer:
    """One instance's pace: GCRA per key (a call every 1/rate seconds, a burst of one second's share)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, concurrency: int = CHANNEL_WORK_CONCURRENCY):
        self.clock = clock
        self.concurrency = concurrency
        self._next: dict[tuple[str, str, str], float] = {}  # theoretical arrival time per key

    def reserve(self, channel: str, account: str, kind: str, max_wait: float) -> float:
        """Seconds to wait before the call. When that is more than ``max_wait`` nothing is reserved and the
        answer (negative) is minus the wait: the caller puts the work back for later instead."""
        limit = LIMITS[(channel, kind)]
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
