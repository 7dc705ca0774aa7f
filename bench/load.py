"""A bounded load run against the local stack (``manage.py run-local`` in its own process, loopback only).

1. Webhooks: 5,000 signed deliveries from 16 concurrent senders, a mix of LINE, WhatsApp, Messenger
   and Instagram messages from 400 customers, of which 10% are redeliveries (the same bytes and
   signature again, as the platforms retry). Afterwards every message item in the embedded DynamoDB
   is read back: each unique delivery must be stored exactly once (0 lost, 0 duplicates) and the
   store's unread total must equal the number of unique messages.
2. Verification sends: 1,000 concurrent ``POST /storefront/verifications`` across 1,000 numbers
   (16 senders); every one must be 202 and SNS must have received exactly 1,000 SMS.

Bounded in count and time (``LOAD_DEADLINE_SECONDS``, default 900 s per part). Latencies are seen by
the sender over loopback HTTP; the local server and moto share this machine's cores.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DELIVERIES = int(os.environ.get("LOAD_DELIVERIES", "5000"))
VERIFICATIONS = int(os.environ.get("LOAD_VERIFICATIONS", "1000"))
SENDERS = 16
REDELIVERY_SHARE = 0.10
CUSTOMERS = 400
DEADLINE = float(os.environ.get("LOAD_DEADLINE_SECONDS", "900"))
CHANNEL_MIX = {"line": 0.35, "whatsapp": 0.35, "facebook": 0.15, "instagram": 0.15}


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0
    skipped: int = 0

    def line(self, what: str, count: int) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else 0.0
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000 if ordered else 0.0
        fivexx = sum(n for status, n in self.statuses.items() if status >= 500)
        return (f"{what}: {count} requests in {self.seconds:.1f} s = **{count / self.seconds:.0f}/s**, "
                f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, statuses {dict(sorted(self.statuses.items()))}, "
                f"5xx {fivexx}, connection errors {self.errors}, not sent (deadline) {self.skipped}")


def _dated(payload: Any, at_ms: int) -> Any:
    """The payload with every ``timestamp`` / ``time`` set to ``at_ms`` (WhatsApp's in seconds, as a string)."""
    if isinstance(payload, list):
        return [_dated(value, at_ms) for value in payload]
    if not isinstance(payload, dict):
        return payload
    dated = {key: _dated(value, at_ms) for key, value in payload.items()}
    for key in ("timestamp", "time"):
        if key in dated:
            dated[key] = str(at_ms // 1000) if isinstance(dated[key], str) else at_ms
    return dated


def _payload(channel: str, customer: int, message_id: str) -> Any:
    from tests import support_channels as ch

    if channel == "line":
        return ch.line_delivery(ch.line_event(f"U{customer:032x}", event_id=message_id, message={
            "id": message_id, "type": "text", "text": f"Load {message_id}"}))
    if channel == "whatsapp":
        return ch.whatsapp_text(f"8869{customer:08d}", f"Load {message_id}", message_id=message_id)
    if channel == "facebook":
        return ch.messenger_message(f"{7000000000000000 + customer}", f"Load {message_id}", mid=message_id)
    return ch.instagram_message(f"{8000000000000000 + customer}", f"Load {message_id}", mid=message_id)


Send = tuple[str, bytes, dict[str, str]]  # channel, body, headers


def deliveries(credentials: dict[str, dict[str, str]], rng: random.Random, count: int = DELIVERIES,
               redelivery_share: float = REDELIVERY_SHARE, at_ms: int | None = None) -> tuple[list[Send], set[str]]:
    """``count`` signed deliveries, of which ``redelivery_share`` repeat an earlier one byte for byte, and
    the provider message ids of the unique ones. ``at_ms``: the events' time (the stack's clock, which
    may have been moved on; the app drops events older than its dedup window)."""
    from tests import support_channels as ch

    unique = round(count / (1 + redelivery_share))
    channels, weights = zip(*CHANNEL_MIX.items(), strict=True)
    firsts: list[Send] = []
    ids: set[str] = set()
    for _ in range(unique):
        channel = rng.choices(channels, weights)[0]
        message_id = f"{channel[:2]}{secrets.token_hex(8)}"
        payload = _payload(channel, rng.randrange(CUSTOMERS), message_id)
        raw = ch.body(_dated(payload, at_ms) if at_ms is not None else payload)
        firsts.append((channel, raw, ch.signed_headers(channel, credentials[channel], raw)))
        ids.add(message_id)
    rng.shuffle(firsts)
    # A platform retries soon after its first attempt (often while that one is still being answered): each
    # redelivery goes at most 2 x SENDERS places behind its first delivery, so some race it.
    ordered = list(firsts)
    for first in sorted((rng.randrange(unique) for _ in range(count - unique)), reverse=True):
        ordered.insert(min(first + 1 + rng.randrange(2 * SENDERS), len(ordered)), firsts[first])
    return ordered, ids


def run(requests: list[tuple[str, str, bytes, dict[str, str]]], api: str, senders: int = SENDERS) -> Outcome:
    import urllib3

    outcome = Outcome()
    lock = threading.Lock()
    # A refused connect never reached the app (Chalice's local server has a small listen backlog): the
    # sender tries again, as the platforms do. Nothing that may have reached the app is retried.
    retries = urllib3.Retry(total=None, connect=3, read=0, redirect=0, status=0, other=0, backoff_factor=0.2)
    pool = urllib3.PoolManager(maxsize=senders, retries=retries, timeout=urllib3.Timeout(total=60))
    deadline = time.monotonic() + DEADLINE

    def send(request: tuple[str, str, bytes, dict[str, str]]) -> None:
        method, path, raw, headers = request
        if time.monotonic() > deadline:
            with lock:
                outcome.skipped += 1
            return
        started = time.perf_counter()
        try:
            response = pool.request(method, api + path, body=raw, headers=headers)
        except urllib3.exceptions.HTTPError:
            with lock:
                outcome.errors += 1
            return
        with lock:
            outcome.latencies.append(time.perf_counter() - started)
            outcome.statuses[response.status] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as workers:
        list(workers.map(send, requests))
    outcome.seconds = time.perf_counter() - started
    return outcome


def stack_time_ms(api: str) -> int:
    """The local stack's clock (``GET /_local/clock``), in epoch milliseconds."""
    from datetime import datetime

    import urllib3

    now = json.loads(urllib3.request("GET", api + "/_local/clock", timeout=30.0).data)["now"]
    return int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp() * 1000)


def stored_messages(info: dict[str, Any]) -> tuple[Counter[str], int]:
    """Provider message ids of every inbound message item, and the store's unread total, read from moto."""
    import boto3

    dynamodb = boto3.client("dynamodb", endpoint_url=info["aws_endpoint"], region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    seen: Counter[str] = Counter()
    for page in dynamodb.get_paginator("scan").paginate(TableName="memberlink-local-messages"):
        for item in page["Items"]:
            if item["conversation_key"]["S"].startswith(info["store_id"] + "#") and "provider_message_id" in item:
                seen[item["provider_message_id"]["S"]] += 1
    import urllib3

    listing = urllib3.request("GET", info["api"] + "/admin/conversations?limit=1", timeout=60.0,
                              headers={"Authorization": f"Bearer {info['admin_key']}"})
    return seen, int(json.loads(listing.data)["total_unread"])  # the sum of the unread shards


def sms_count(info: dict[str, Any], phones: set[str]) -> int:
    import urllib3

    data = json.loads(urllib3.request("GET", info["aws_endpoint"] + "/moto-api/data.json", timeout=60.0).data)
    return sum(1 for entry in data.get("sns", {}).get("SMS", []) if entry.get("phone_number") in phones)


def report() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.integration.conftest import start_stack, stop_stack

    started = time.perf_counter()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as workdir:
        stack = start_stack(Path(workdir))
        try:
            info = stack.info
            sends, unique_ids = deliveries(info["channels"], rng, at_ms=stack_time_ms(info["api"]))
            hooks = run([("POST", f"/webhooks/{channel}/{info['store_id']}", raw, headers)
                          for channel, raw, headers in sends], info["api"])
            stored, unread = stored_messages(info)
            lost = len(unique_ids - set(stored))
            duplicates = sum(n - 1 for message_id, n in stored.items() if message_id in unique_ids and n > 1)

            status, _ = stack.call("PUT", "/admin/settings", info["admin_key"],
                                   {"sms_daily_cap": 1_000_000, "sms_ip_hourly_limit": 10_000})
            assert status == 200
            phones = {f"+88697{i:07d}" for i in range(VERIFICATIONS)}
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {info['storefront_key']}"}
            codes = run([("POST", "/storefront/verifications",
                           json.dumps({"phone": phone, "purpose": "signup"}).encode(), headers)
                          for phone in sorted(phones)], info["api"])
            texted = sms_count(info, phones)
        finally:
            try:
                stop_stack(stack)
            except Exception:  # a stack that does not stop on SIGINT within 30 s is killed: the run is bounded
                stack.process.kill()
    mix = ", ".join(f"{name} {share:.0%}" for name, share in CHANNEL_MIX.items())
    fivexx = sum(n for status, n in hooks.statuses.items() if status >= 500)
    what = (f"Webhooks ({len(unique_ids)} unique deliveries + {DELIVERIES - len(unique_ids)} redeliveries; {mix}; "
            f"{SENDERS} senders)")
    return (
        "### Load run (local stack over loopback)\n\n"
        f"- {hooks.line(what, DELIVERIES)}\n"
        f"- Stored: **{len(unique_ids) - lost} of {len(unique_ids)} unique messages, {lost} lost, "
        f"{duplicates} stored twice**; the store's unread total is {unread} (expected {len(unique_ids)}); "
        f"5xx {fivexx}.\n"
        f"- {codes.line(f'Verification sends (1 per number, {SENDERS} senders)', VERIFICATIONS)}\n"
        f"- SMS received by the embedded SNS for those numbers: **{texted} of {VERIFICATIONS}**.\n\n"
        f"Section took {time.perf_counter() - started:.0f} s.\n")


if __name__ == "__main__":
    from bench.support import prepare_environment

    prepare_environment()
    print(report())
