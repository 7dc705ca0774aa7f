"""The local Lambda and IAM evaluator the tests and the local stack share, and links from configuration (issue 23)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LOCAL_LAMBDA, PUBLIC_API_URL, call

ROOT = Path(__file__).resolve().parents[2]


def test_an_invoke_of_a_name_the_template_lacks_fails_as_lambda_fails(aws: None) -> None:
    """GIVEN the local stage's template WHEN a function it does not deploy is invoked THEN ResourceNotFoundException,
    and nothing runs on the side (no thread, no silent success)."""
    client = boto3.client("lambda")
    with pytest.raises(ClientError) as missing:
        client.invoke(FunctionName="memberlink-local-deferred-typo", InvocationType="Event", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError):
        client.invoke(FunctionName="arn:aws:lambda:us-east-1:999999999999:function:memberlink-local-deferred",
                      InvocationType="Event", Payload=b"{}")  # another account's function of the same name


def test_a_function_is_found_by_its_name_or_its_arn_and_runs_under_its_role(aws: None) -> None:
    """GIVEN the deferred function WHEN invoked by name and by ARN THEN it runs (202 for Event); WHEN its code calls
    AWS outside its role (here: lambda:InvokeFunction on the marketing worker) THEN AccessDenied, as on AWS."""
    client = boto3.client("lambda")
    deferred = LOCAL_LAMBDA.stack.functions["Deferred"]
    event = json.dumps({"task": "deliver_reset_code", "payload": {"store_id": "st_none", "verification_id": "v",
                                                                 "identifier": "nobody@example.com", "via": "email"}})
    for name in (deferred.name, deferred.arn):
        assert client.invoke(FunctionName=name, InvocationType="Event", Payload=event.encode())["StatusCode"] == 202
    with LOCAL_LAMBDA.acting_as("Deferred"), pytest.raises(ClientError) as denied:
        boto3.client("lambda").invoke(FunctionName=os.environ["MARKETING_SEND_FUNCTION"], InvocationType="Event",
                                      Payload=b"{}")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "lambda:InvokeFunction" in denied.value.response["Error"]["Message"]
    with LOCAL_LAMBDA.acting_as("APIHandler"), pytest.raises(ClientError) as scan:
        boto3.client("dynamodb").scan(TableName="memberlink-local-stores")
    assert scan.value.response["Error"]["Code"] == "AccessDeniedException"  # no role may Scan


def test_the_iam_evaluator_reads_calls_as_aws_authorises_them() -> None:
    from local import iam

    items = {"TransactItems": [{"Put": {"TableName": "t1"}}, {"ConditionCheck": {"TableName": "t2"}}]}
    assert iam.requests("dynamodb", "TransactWriteItems", items) == [
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t1"),
        ("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t2")]
    assert iam.requests("dynamodb", "Query", {"TableName": "t", "IndexName": "by_day"}) == [
        ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/by_day")]
    assert iam.requests("s3", "CopyObject", {"Bucket": "b", "Key": "x/2", "CopySource": "b/x/1"}) == [
        ("s3:GetObject", "arn:aws:s3:::b/x/1"), ("s3:PutObject", "arn:aws:s3:::b/x/2")]
    assert iam.requests("ssm", "GetParameter", {"Name": "/memberlink/local/code_pepper"}) == [
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/memberlink/local/code_pepper")]
    assert iam.requests("ses", "CreateEmailIdentity", {"EmailIdentity": "shop.example"}) == [
        ("ses:CreateEmailIdentity", "arn:aws:ses:us-east-1:123456789012:identity/shop.example")]
    allow = {"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "arn:*:s3:::b/reports/*"}
    assert iam.allowed([allow], "s3:GetObject", "arn:aws:s3:::b/reports/d.csv")
    assert not iam.allowed([allow], "s3:GetObject", "arn:aws:s3:::b/inbound/m")
    assert not iam.allowed([allow], "s3:PutObject", "arn:aws:s3:::b/reports/d.csv")
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    assert not iam.allowed([allow, deny], "s3:GetObject", "arn:aws:s3:::b/reports/d.csv")


def _staff_app_url(client: Any, store: Any, headers: dict[str, str]) -> str:
    status, branch = call(client, "POST", "/admin/branches", store.admin(), {"name": "Harbour"})
    assert status == 201, branch
    status, made = call(client, "POST", "/admin/staff", {**store.admin(), **headers},
                        {"name": "Amy", "branch_id": branch["branch_id"]})
    assert status == 201, made
    return str(made["staff_app_url"])


def test_a_forged_host_never_shapes_a_link(client: Any, store: Any) -> None:
    """GIVEN a request with a forged Host and X-Forwarded-* WHEN it makes a link (the staff app's sign-in link) THEN
    the link starts with the stage's public API URL from the template's parameter, never with the forged host."""
    url = _staff_app_url(client, store, {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example",
                                         "X-Forwarded-Proto": "http"})
    assert url.startswith(f"{PUBLIC_API_URL}/staff-app/#key=") and "attacker" not in url


def test_a_process_with_no_stage_refuses_to_start() -> None:
    """GIVEN no STAGE in the environment WHEN app.py is imported (a Lambda cold start) THEN it refuses, naming why;
    it never behaves as local (no /_local routes, no local fallbacks)."""
    env = {k: v for k, v in os.environ.items() if k != "STAGE"}
    started = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert started.returncode != 0
    assert "StageNotSet" in started.stderr and "STAGE is not set" in started.stderr
