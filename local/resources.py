"""Creating the stage's AWS resources on an endpoint that does not have them (moto, sandbox).

The local stack and the route tests create them from the packaged template (:func:`deploy`); the benches
still create tables straight from the models (:func:`create_resources`), which the template is generated from.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

from chalicelib.config import CHANNEL_QUEUE_URL_ENV, channel_queue_name, settings
from chalicelib.models import ALL_MODELS
from local.cloudformation import LocalTemplate

# As the template declares them (infra/template.py): a job is offered 5 times, then dead-lettered.
CHANNEL_QUEUE_MAX_RECEIVES = 5
CHANNEL_QUEUE_VISIBILITY_SECONDS = 720  # 6 x the consumer's 120 s timeout, as AWS recommends


def create_resources(*, empty: bool = False) -> None:
    """Tables (on-demand; TTL where a model has one), the private reports bucket and the channel-work queue
    with its dead-letter queue; idempotent. Sets ``CHANNEL_QUEUE_URL`` (the template's Ref does on AWS). Under a
    local Lambda (the benches install one) everything its template declares instead (:func:`deploy`).

    ``empty=True`` says the endpoint is known to be new (a test's mock_aws): no existence checks, no
    waiting for tables that moto creates active at once.
    """
    from local import lambdas

    if lambdas._runtime is not None:
        deploy(lambdas._runtime.stack, empty=empty)
        return
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


def deploy(stack: LocalTemplate, *, empty: bool = False) -> list[str]:
    """What CloudFormation would create of ``stack`` that the embedded AWS keeps, idempotently: tables (keys,
    GSIs, TTL), buckets, topics, queues and SSM parameters, by the names and values the template gives.
    Functions, roles and triggers are the local Lambda's (local/lambdas.py). Returns what was created.

    ``empty=True`` says the endpoint is known to be new (a test's mock_aws): no existence checks.
    """
    dynamodb, s3, sns, ssm = (boto3.client(s) for s in ("dynamodb", "s3", "sns", "ssm"))
    created: list[str] = []
    tables = set() if empty else set(_all_tables(dynamodb))
    for table in stack.of_type("AWS::DynamoDB::Table").values():
        if table["TableName"] in tables:
            continue
        keys = ("TableName", "KeySchema", "AttributeDefinitions", "BillingMode")
        spec: dict[str, Any] = {k: table[k] for k in keys if k in table}
        if table.get("GlobalSecondaryIndexes"):
            spec["GlobalSecondaryIndexes"] = table["GlobalSecondaryIndexes"]
        dynamodb.create_table(**spec)
        if table.get("TimeToLiveSpecification"):
            dynamodb.update_time_to_live(TableName=table["TableName"],
                                         TimeToLiveSpecification=table["TimeToLiveSpecification"])
        created.append(f"table {table['TableName']}")
    buckets = set() if empty else {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in stack.of_type("AWS::S3::Bucket").values():
        if bucket["BucketName"] not in buckets:
            s3.create_bucket(Bucket=bucket["BucketName"])
            created.append(f"bucket {bucket['BucketName']}")
    for topic in stack.of_type("AWS::SNS::Topic").values():
        sns.create_topic(Name=topic["TopicName"])  # idempotent in SNS itself
        created.append(f"topic {topic['TopicName']}")
    queues = stack.of_type("AWS::SQS::Queue")
    if queues:
        sqs = boto3.client("sqs")
        for queue in sorted(queues.values(), key=lambda q: "RedrivePolicy" in q):  # dead-letter queues first
            attributes = {k: (json.dumps(v) if isinstance(v, dict) else str(v)) for k, v in queue.items()
                          if k in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy", "DelaySeconds")}
            sqs.create_queue(QueueName=queue["QueueName"], Attributes=attributes)
            created.append(f"queue {queue['QueueName']}")
    ses = boto3.client("ses")
    for rule_set in stack.of_type("AWS::SES::ReceiptRuleSet").values():
        if not any(r["Name"] == rule_set["RuleSetName"] for r in ses.list_receipt_rule_sets().get("RuleSets", [])):
            ses.create_receipt_rule_set(RuleSetName=rule_set["RuleSetName"])
            created.append(f"receipt rule set {rule_set['RuleSetName']}")
    for rule in stack.of_type("AWS::SES::ReceiptRule").values():
        existing = ses.describe_receipt_rule_set(RuleSetName=rule["RuleSetName"]).get("Rules", [])
        if not any(r["Name"] == rule["Rule"]["Name"] for r in existing):
            ses.create_receipt_rule(RuleSetName=rule["RuleSetName"], Rule=rule["Rule"])
    for parameter in stack.of_type("AWS::SSM::Parameter").values():
        ssm.put_parameter(Name=parameter["Name"], Value=str(parameter["Value"]), Type=parameter.get("Type", "String"),
                          Overwrite=True)  # the local API's URL changes with its port
        created.append(f"parameter {parameter['Name']}")
    operator_steps(stack)
    return created


def operator_steps(stack: LocalTemplate) -> None:
    """What the README has an operator do once per stage, beside the template: create the code pepper (a
    SecureString the functions may read, never write), verify the platform's sender and the inbound domain
    in SES, and activate the inbound receipt rule set."""
    import contextlib
    import os
    import secrets

    from chalicelib.email.addresses import platform_address
    from chalicelib.verification import PEPPER_PARAMETER

    ssm = boto3.client("ssm")
    with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
        ssm.put_parameter(Name=f"{os.environ['SSM_PREFIX']}/{PEPPER_PARAMETER}", Value=secrets.token_urlsafe(32),
                          Type="SecureString", Overwrite=False)
    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress=platform_address())
    if os.environ.get("INBOUND_EMAIL_DOMAIN"):
        ses.verify_domain_identity(Domain=os.environ["INBOUND_EMAIL_DOMAIN"])
    for rule_set in stack.of_type("AWS::SES::ReceiptRuleSet").values():
        ses.set_active_receipt_rule_set(RuleSetName=rule_set["RuleSetName"])


def _all_tables(dynamodb: Any) -> list[str]:
    names: list[str] = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        names += page.get("TableNames", [])
    return names
