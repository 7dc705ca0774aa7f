"""Creating the stage's AWS resources on an endpoint that does not have them (moto, sandbox)."""

from __future__ import annotations

import json
import os

import boto3

from chalicelib.config import CHANNEL_QUEUE_URL_ENV, channel_queue_name, settings
from chalicelib.models import ALL_MODELS

# As the template declares them (infra/template.py): a job is offered 5 times, then dead-lettered.
CHANNEL_QUEUE_MAX_RECEIVES = 5
CHANNEL_QUEUE_VISIBILITY_SECONDS = 720  # 6 x the consumer's 120 s timeout, as AWS recommends


def create_resources(*, empty: bool = False) -> None:
    """Tables (on-demand; TTL where a model has one), the private reports bucket and the channel-work queue
    with its dead-letter queue; idempotent. Sets ``CHANNEL_QUEUE_URL`` (the template's Ref does on AWS).

    ``empty=True`` says the endpoint is known to be new (a test's mock_aws): no existence checks, no
    waiting for tables that moto creates active at once.
    """
    for model in ALL_MODELS:
        if empty or not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=not empty)
    s3 = boto3.client("s3")
    bucket = settings().reports_bucket
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    create_channel_queue()


def create_channel_queue() -> str:
    """The channel-work queue and its dead-letter queue (CreateQueue is idempotent); returns the queue's URL."""
    sqs = boto3.client("sqs")
    name = channel_queue_name(settings().stage)
    dead = sqs.create_queue(QueueName=f"{name}-dead-letters")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = str(sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(CHANNEL_QUEUE_VISIBILITY_SECONDS),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn,
                                     "maxReceiveCount": str(CHANNEL_QUEUE_MAX_RECEIVES)})})["QueueUrl"])
    os.environ[CHANNEL_QUEUE_URL_ENV] = url
    return url
