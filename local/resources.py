"""Creating the stage's AWS resources on an endpoint that does not have them (moto, sandbox)."""

from __future__ import annotations

import boto3

from chalicelib.config import settings
from chalicelib.models import ALL_MODELS


def create_resources(*, empty: bool = False) -> None:
    """Tables (on-demand; TTL where a model has one) and the private reports bucket; idempotent.

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
