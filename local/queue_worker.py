"""Lambda's SQS event source in process, for tests and benches: polls the channel-work queue and runs the consumer.

The local stack (``make run``) does not use it: its scheduler's pollers (``local/scheduler.py``) read the
template's SQS event source through the local Lambda (``local/lambdas.py`` ``poll_queue``), which runs
``channel_work`` under its own role.

On AWS an event source mapping receives up to 10 messages, invokes ``channel_work`` with them and
deletes the ones the function did not report in ``batchItemFailures``; the others come back after the
queue's visibility timeout, and after 5 receives moto moves them to the dead-letter queue as SQS does.
:func:`poll_once` does one such receive against the embedded SQS; :func:`drain` runs it to empty.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import boto3
from chalice.app import Chalice

from chalicelib.config import CHANNEL_WORK_FUNCTION, channel_queue_url
from chalicelib.logs import logger

TIMEOUT_SECONDS = 120.0  # the function's timeout (.chalice/config.json)


class _Context:
    """What the consumer reads of Lambda's context: the time left."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.deadline - time.monotonic()) * 1000)


def poll_once(app: Chalice, wait_seconds: int = 1, sqs: Any = None) -> int:
    """One receive (up to 10 messages) and one invocation; returns how many messages were received."""
    sqs = sqs or boto3.client("sqs")
    url = channel_queue_url()
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds,
                                   AttributeNames=["All"]).get("Messages", [])
    if not received:
        return 0
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody"),
                "eventSource": "aws:sqs", "eventSourceARN": url, "awsRegion": "us-east-1"} for m in received]
    try:
        answer = app.handler_map[CHANNEL_WORK_FUNCTION]({"Records": records}, _Context(TIMEOUT_SECONDS))
    except Exception:
        logger.exception("channel_work failed: the whole batch comes back after the visibility timeout")
        return len(received)
    failed = {item["itemIdentifier"] for item in (answer or {}).get("batchItemFailures", [])}
    done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)
            if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(QueueUrl=url, Entries=done)
    return len(received)


def drain(app: Chalice, rounds: int = 50) -> int:
    """Runs the consumer until the queue answers empty (or ``rounds`` receives); returns messages handled."""
    sqs = boto3.client("sqs")
    handled = 0
    for _ in range(rounds):
        got = poll_once(app, wait_seconds=0, sqs=sqs)
        if not got:
            break
        handled += got
    return handled

