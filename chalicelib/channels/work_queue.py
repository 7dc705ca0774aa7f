"""The SQS queue between the webhook and the channels: the webhook puts work on it and answers at once.

A job is a small JSON object (``kind`` plus what doing it needs; never a secret or a phone number:
WhatsApp, whose ids are phone numbers, never puts work here). The consumer is app.py's
``channel_work`` (``inbox/channel_work.py``). One ``SendMessage`` for a delivery's one job, one
``SendMessageBatch`` per ten for more. A job may arrive twice (SQS delivers at least once, and a
redelivered webhook queues its reply again): the consumer, not the queue, makes it happen once.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import aws
from chalicelib.config import channel_queue_url

MAX_DELAY_SECONDS = 900  # SQS's DelaySeconds maximum


def send(jobs: list[dict[str, Any]], delay_seconds: int = 0) -> None:
    """Queues ``jobs``; raises when SQS refused any (the webhook then answers 500 and is redelivered)."""
    if not jobs:
        return
    sqs = aws.client("sqs")
    url = channel_queue_url()
    delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
    if len(jobs) == 1:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(jobs[0], separators=(",", ":")), DelaySeconds=delay)
        return
    for start in range(0, len(jobs), 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps(job, separators=(",", ":")), "DelaySeconds": delay}
                   for i, job in enumerate(jobs[start:start + 10])]
        answer = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if answer.get("Failed"):
            raise RuntimeError(f"SQS refused {len(answer['Failed'])} of {len(entries)} channel jobs")
