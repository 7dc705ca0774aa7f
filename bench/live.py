"""`make bench-live`: a live sale on the local stack, with the embedded DynamoDB as strict as DynamoDB.

One store, one Instagram post, a keyword rule ("我要" answers publicly), then a burst of signed comment
webhooks from concurrent senders: ``LIVE_COMMENTS`` (3,000) unique comments from ``LIVE_CUSTOMERS``
(2,000) customers (each comments once, a thousand of them twice), half with the keyword, 10% of them
delivered again (the same bytes and signature, at most 64 places after the first, so some race it), by
``LIVE_SENDERS`` (32) senders. The local stack runs as ``make run`` does, the faithful DynamoDB layer on
(``local/faithful_dynamodb.py``: conflicts, per-item throttling, write counts) and the channel-work
consumer polling its queue as Lambda's event source would.

Afterwards everything is read back: every comment stored once (message items by comment id), one public
reply per matching comment at the channel sandbox, the hottest item's share of the writes. The last line:

    live sale: comments N, lost L, stored twice D, replies R/E, replied twice T, 5xx X, hottest item share P%,
    conflicts C, throttled H

(one line) where E is the matching comments and P the most writes any single item took, over N.
Bounded: the senders stop, and the wait for the replies ends, at ``LIVE_DEADLINE_SECONDS`` each (2,400 s:
on a shared 2-core machine the embedded AWS is slow; a comment not sent by then counts as lost); loopback only.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COMMENTS = int(os.environ.get("LIVE_COMMENTS", "3000"))
CUSTOMERS = int(os.environ.get("LIVE_CUSTOMERS", "2000"))
SENDERS = int(os.environ.get("LIVE_SENDERS", "32"))
REDELIVERY_SHARE = 0.10
KEYWORD = "我要"
REPLY = "已收到, 我們會私訊你付款連結 🛍"
DEADLINE = float(os.environ.get("LIVE_DEADLINE_SECONDS", "2400"))


def comment_payload(account_id: str, post_id: str, customer: int, comment_id: str, text: str,
                    at_s: int) -> dict[str, Any]:
    """An Instagram ``comments`` webhook as Meta sends it, for one comment on the live post."""
    return {"object": "instagram", "entry": [{"id": account_id, "time": at_s, "changes": [{
        "field": "comments", "value": {
            "id": comment_id, "text": text, "from": {"id": f"{9_200_000_000_000_000 + customer}",
                                                     "username": f"fan{customer:04d}"},
            "media": {"id": post_id, "media_product_type": "FEED"}, "parent_id": None}}]}]}


def sale(credentials: dict[str, str], account_id: str, rng: random.Random, at_s: int
         ) -> tuple[list[tuple[bytes, dict[str, str]]], dict[str, bool]]:
    """The signed deliveries in sending order, and each unique comment id -> whether it carries the keyword."""
    from tests import support_channels as ch

    post_id = "17900000000000001"
    customers = list(range(CUSTOMERS)) + [rng.randrange(CUSTOMERS) for _ in range(COMMENTS - CUSTOMERS)]
    rng.shuffle(customers)
    firsts: list[tuple[bytes, dict[str, str]]] = []
    matching: dict[str, bool] = {}
    for number, customer in enumerate(customers):
        comment_id = f"1801{number:012d}{rng.randrange(10**6):06d}"
        wants = number % 2 == 0
        text = f"{KEYWORD} {rng.randrange(1, 4)} 件 #{number}" if wants else f"好漂亮 #{number}"
        raw = ch.body(comment_payload(account_id, post_id, customer, comment_id, text, at_s))
        firsts.append((raw, ch.signed_headers("instagram", credentials, raw)))
        matching[comment_id] = wants
    order = list(range(len(firsts)))
    rng.shuffle(order)
    ordered = [firsts[i] for i in order]
    for first in sorted((rng.randrange(len(ordered)) for _ in range(round(COMMENTS * REDELIVERY_SHARE))),
                        reverse=True):
        ordered.insert(min(first + 1 + rng.randrange(2 * SENDERS), len(ordered)), ordered[first])
    return ordered, matching


def stored_comments(info: dict[str, Any]) -> tuple[Counter[str], Counter[str]]:
    """Per comment id: inbound comment items, and auto-reply items (both read from the embedded DynamoDB)."""
    import boto3
    from botocore.config import Config

    # Pages of 500 with a patient client: on a busy shared machine the embedded DynamoDB answers slowly, and a
    # read-back that gives up prints no last line at all.
    patient = Config(read_timeout=300, connect_timeout=30, retries={"max_attempts": 10, "mode": "standard"})
    dynamodb = boto3.client("dynamodb", endpoint_url=info["aws_endpoint"], region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local", config=patient)
    comments: Counter[str] = Counter()
    replies: Counter[str] = Counter()
    pages = dynamodb.get_paginator("scan").paginate(TableName="memberlink-local-messages",
                                                    PaginationConfig={"PageSize": 500})
    for page in pages:
        for item in page["Items"]:
            if not item["conversation_key"]["S"].startswith(info["store_id"] + "#"):
                continue
            kind = item["kind"]["S"]
            if kind == "comment":
                comments[item["provider_message_id"]["S"]] += 1
            elif kind == "auto_reply" and "comment_id" in item:
                replies[item["comment_id"]["S"]] += 1
    return comments, replies


def dynamodb_stats(info: dict[str, Any], method: str = "GET") -> dict[str, Any]:
    import urllib3

    answer = urllib3.request(method, info["aws_endpoint"] + "/_memberlink/dynamodb", timeout=300.0,
                             retries=urllib3.Retry(total=5, backoff_factor=1.0))
    return dict(json.loads(answer.data))


def report() -> list[str]:
    from bench import load
    from bench.load import run, stack_time_ms

    load.DEADLINE = DEADLINE  # the senders' bound too: on a busy shared machine 3,300 deliveries take a while
    from tests.integration.conftest import start_stack, stop_stack

    started = time.perf_counter()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as workdir:
        stack = start_stack(Path(workdir))
        try:
            info = stack.info
            if "faithful" not in stack.log():
                raise SystemExit("the local stack runs without the faithful DynamoDB layer: unset "
                                 "MEMBERLINK_FAITHFUL_DYNAMODB")
            status, rule = stack.call("POST", "/admin/auto-reply-rules", info["admin_key"], {
                "channel": "instagram", "scope": "comments", "keywords": [KEYWORD], "reply_text": REPLY,
                "private_reply": False})
            assert status == 201, rule
            instagram = info["channels"]["instagram"]
            sends, matching = sale(instagram, instagram["ig_user_id"], random.Random(26),
                                   stack_time_ms(info["api"]) // 1000)
            dynamodb_stats(info, "DELETE")  # count the sale's writes only
            path = f"/webhooks/instagram/{info['store_id']}"
            hooks = run([("POST", path, raw, headers) for raw, headers in sends], info["api"], senders=SENDERS)
            if hooks.skipped:
                lines.append(f"- NOT SENT before the deadline: {hooks.skipped} deliveries (counted as lost below)")
            intake_stats = dynamodb_stats(info)
            drained = stack.channel_work_done(deadline_seconds=DEADLINE)
            drain_seconds = time.perf_counter() - started
            stats = dynamodb_stats(info)
            comments, reply_items = stored_comments(info)
            _, outbox = stack.call("GET", "/_local/outbox")
        finally:
            try:
                stop_stack(stack)
            except Exception:  # a stack that does not stop on SIGINT is killed: the run is bounded
                stack.process.kill()
    sent_replies: Counter[str] = Counter()
    for item in outbox["items"]:
        parts = item["path"].rstrip("/").split("/")
        if item["method"] == "POST" and parts[-1] == "replies":
            sent_replies[parts[-2]] += 1
    expected = {comment_id for comment_id, wants in matching.items() if wants}
    unique = set(matching)
    lost = len(unique - set(comments))
    twice = sum(n - 1 for comment_id, n in comments.items() if comment_id in unique and n > 1)
    replied = len(expected & set(sent_replies))
    replied_twice = sum(n - 1 for n in sent_replies.values() if n > 1)
    unwanted = len(set(sent_replies) - expected)
    fivexx = sum(n for code, n in hooks.statuses.items() if code >= 500)
    hottest = stats["hottest"][0] if stats["hottest"] else {"writes": 0, "table": "-", "key": {}}
    share = 100.0 * hottest["writes"] / max(len(unique), 1)
    what = f"Comment webhooks ({len(unique)} unique + {len(sends) - len(unique)} redelivered, {SENDERS} senders)"
    lines.append(f"- {hooks.line(what, len(sends))}")
    lines.append(f"- Channel work drained: {'yes' if drained else 'NO (deadline)'}; {len(sent_replies)} replies at "
                 f"the sandbox for {len(expected)} matching comments, {unwanted} to comments without the keyword, "
                 f"{sum(reply_items.values())} auto-reply items stored; whole run {drain_seconds:.0f} s")
    lines.append(f"- Embedded DynamoDB during the sale: {stats['writes']} item writes over {stats['items']} items, "
                 f"{stats['transactions']} transactions, {stats['conflicts']} cancelled or refused for a conflict "
                 f"({intake_stats['conflicts']} of them during intake), {stats['throttled']} throttled")
    lines.append("- Hottest items: " + "; ".join(
        f"{h['table'].removeprefix('memberlink-local-')} {json.dumps(h['key'], ensure_ascii=False)} {h['writes']}"
        for h in stats["hottest"][:3]))
    lines.append(f"live sale: comments {len(unique)}, lost {lost}, stored twice {twice}, replies {replied}/"
                 f"{len(expected)}, replied twice {replied_twice}, 5xx {fivexx}, hottest item share {share:.1f}%, "
                 f"conflicts {stats['conflicts']}, throttled {stats['throttled']}")
    return lines


if __name__ == "__main__":
    from bench.support import prepare_environment

    prepare_environment()
    print("\n".join(report()))
