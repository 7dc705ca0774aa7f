"""A small load run against the real local stack (the full one is `make bench`'s load section, bench/load.py):
concurrent signed deliveries on every channel with redeliveries racing their first attempt are each
stored exactly once, and concurrent verification sends each text exactly one code. Correctness only:
no latency or throughput is asserted."""

from __future__ import annotations

import json
import random
import secrets

from bench import load


def test_concurrent_deliveries_with_redeliveries_are_stored_once_each_and_never_5xx(stack):
    sends, unique_ids = load.deliveries(stack.info["channels"], random.Random(1818), count=240,
                                        redelivery_share=0.2, at_ms=load.stack_time_ms(stack.api))
    outcome = load.run([("POST", f"/webhooks/{channel}/{stack.info['store_id']}", raw, headers)
                        for channel, raw, headers in sends], stack.api, senders=8)

    assert outcome.errors == 0 and outcome.skipped == 0
    assert dict(outcome.statuses) == {200: 240}
    stored, _ = load.stored_messages(stack.info)
    assert unique_ids - set(stored) == set()  # nothing lost
    assert {message_id: n for message_id, n in stored.items() if message_id in unique_ids and n > 1} == {}


def test_concurrent_verification_sends_across_numbers_each_text_one_code(stack):
    # its own store: the demo store's SMS limits belong to other tests
    keys = stack.create_store("Load Test Shop", sms_daily_cap=1_000_000, sms_ip_hourly_limit=10_000)
    prefix = secrets.randbelow(90) + 10
    phones = {f"+88697{prefix}{i:05d}" for i in range(60)}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {keys['storefront_key']}"}
    bodies = [json.dumps({"phone": phone, "purpose": "signup"}).encode() for phone in sorted(phones)]
    outcome = load.run([("POST", "/storefront/verifications", raw, headers) for raw in bodies], stack.api, senders=8)

    assert dict(outcome.statuses) == {202: 60}
    assert load.sms_count(stack.info, phones) == 60
