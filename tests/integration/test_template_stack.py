"""What is deployed is what is tested: the local stack runs the packaged template (issue 23).

The stack boots the local stage's packaged template: each hand-off reaches its function through the local
Lambda by the name the template gives it, and each function's AWS calls run under its own role. Here a
marketing send, a password reset and the daily lifecycle run go through that wiring; a template without the
marketing worker's grant makes the send fail with AccessDenied; an unknown function is ResourceNotFound.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import Stack, start_stack, stop_stack


def aws_client(stack: Stack, service: str) -> Any:
    """A client of the stack's embedded AWS, from this (another) process, as an operator's tool would be."""
    return boto3.client(service, endpoint_url=stack.info["aws_endpoint"], region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def wait_for_mail(stack: Stack, to: str, subject: str | None = None, timeout: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        _, emails = stack.call("GET", "/_local/emails")
        found = [e for e in emails["items"] if e["to"] == to and (subject is None or e["subject"] == subject)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def sign_up(stack: Stack, keys: dict[str, str], email: str) -> str:
    status, created = stack.call("POST", "/storefront/members", keys["storefront_key"],
                                 {"name": "Mei", "password": "correct horse battery", "email": email,
                                  "email_marketing": True, "client_ip": "198.51.100.23"})
    assert status == 201, created
    return str(created["member_id"])


def test_the_stack_runs_the_templates_functions_by_their_deployed_names(stack: Stack) -> None:
    """GIVEN the running stack WHEN another process asks its Lambda for each function by name THEN every function
    of the template answers under its memberlink-local-* name, and a name the template lacks is ResourceNotFound."""
    client = aws_client(stack, "lambda")
    assert set(stack.info["functions"]) >= {"APIHandler", "Deferred", "MarketingSend", "LifecycleContinue"}
    for name in stack.info["functions"].values():
        assert client.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
        assert client.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as missing:
        client.invoke(FunctionName="memberlink-local-deferred_typo", InvocationType="Event", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_marketing_send_reaches_its_audience_through_the_worker_function(stack: Stack) -> None:
    """GIVEN a subscribed member WHEN the admin starts a marketing e-mail THEN the API hands it to
    memberlink-local-marketing_send (an asynchronous invoke), which mails the member, with a link on the stage's URL."""
    keys = stack.create_store("Wired Tea", shop_email="news@wired-tea.example", postal_address="1 Quay, Keelung")
    email = f"wired.{time.time_ns()}@example.com"
    member = sign_up(stack, keys, email)
    status, answer = stack.call("POST", "/admin/marketing-emails", keys["admin_key"],
                                {"kind": "broadcast", "subject": "Wired harvest", "text": "Fresh leaves.",
                                 "audience": {"member_ids": [member]}},
                                headers={"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"})
    assert status == 202, answer
    (mail,) = wait_for_mail(stack, email, "Wired harvest")
    assert f"{stack.api}/u/" in mail["headers"]["List-Unsubscribe"]  # the stage's URL, never the forged Host
    assert "attacker.example" not in json.dumps(mail)
    assert '"function":"memberlink-local-marketing_send","invocation_type":"Event"' in stack.log().replace(" ", "")


def test_a_password_reset_by_email_delivers_its_code_through_the_deferred_function(stack: Stack) -> None:
    """GIVEN a member with an e-mail WHEN they ask for a reset by e-mail THEN memberlink-local-deferred, invoked by
    the API after its answer, mails them a six-digit code."""
    keys = stack.create_store("Reset Tea")
    email = f"reset.wired.{time.time_ns()}@example.com"
    sign_up(stack, keys, email)
    status, _ = stack.call("POST", "/storefront/password-resets", keys["storefront_key"],
                           {"identifier": email, "via": "email"})
    assert status == 202
    mails = wait_for_mail(stack, email)
    assert mails and any(ch.isdigit() for ch in mails[-1]["text"])


def test_the_templates_daily_lifecycle_schedule_runs_a_new_store_to_its_csv(stack: Stack) -> None:
    """GIVEN a new store with a member WHEN the template's schedules run (as EventBridge fires them, each function
    under its role) THEN the lifecycle function writes the store's CSV into the template's bucket."""
    keys = stack.create_store("Lifecycle Wired Tea")
    sign_up(stack, keys, f"life.{time.time_ns()}@example.com")
    s3 = aws_client(stack, "s3")
    before = {o["Key"] for o in s3.list_objects_v2(Bucket=stack.info["reports_bucket"],
                                                   Prefix=f"lifecycle/{keys['store_id']}/").get("Contents", [])}
    status, ran = stack.call("POST", "/_local/schedules/run")
    assert status == 200, ran
    deadline = time.monotonic() + 30
    while True:
        after = {o["Key"] for o in s3.list_objects_v2(Bucket=stack.info["reports_bucket"]).get("Contents", [])
                 if keys["store_id"] in o["Key"]}
        if after - before or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert after - before, "the daily run of the new store wrote its CSV"


@pytest.fixture(scope="module")
def edited_stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A second stack, booted from the packaged template with two edits: no grant to invoke the marketing worker,
    and a daily lifecycle function with a 1-second timeout (its run must hand over at once)."""
    import subprocess
    import sys

    workdir = tmp_path_factory.mktemp("no-grant")
    build = subprocess.run([sys.executable, "-c", (
        "import json, os, sys; os.environ['STAGE'] = 'local'; from local.stage import stage_environment; "
        "os.environ.update(stage_environment('local')); from infra.package import sam_template; "
        "json.dump(sam_template('local'), sys.stdout)")], cwd=Path(__file__).resolve().parents[2],
        capture_output=True, text=True, check=True)
    template = json.loads(build.stdout)
    del template["Resources"]["InvokeMarketingSend"]  # the marketing worker's lambda:InvokeFunction grant
    template["Resources"]["LifecycleDaily"]["Properties"]["Timeout"] = 1
    template_file = workdir / "sam.json"
    template_file.write_text(json.dumps(template))
    running = start_stack(workdir, template_file=template_file)
    yield running
    stop_stack(running)


def test_without_the_workers_invoke_grant_a_marketing_send_fails_with_access_denied(edited_stack: Stack) -> None:
    """GIVEN the template without InvokeMarketingSend WHEN the admin starts a marketing e-mail THEN the API's hand-off
    is refused with AccessDenied, as AWS would refuse it, and nobody is mailed."""
    stack = edited_stack
    keys = stack.create_store("Ungranted Tea", shop_email="news@ungranted.example", postal_address="2 Quay, Keelung")
    email = f"ungranted.{time.time_ns()}@example.com"
    member = sign_up(stack, keys, email)
    status, answer = stack.call("POST", "/admin/marketing-emails", keys["admin_key"],
                                {"kind": "broadcast", "subject": "Never sent", "text": "No grant.",
                                 "audience": {"member_ids": [member]}})
    assert status == 500, answer
    log = stack.log()
    assert "AccessDenied" in log and "lambda:InvokeFunction" in log
    assert "function:memberlink-local-marketing_send" in log
    assert wait_for_mail(stack, email, "Never sent", timeout=2.0) == []


def test_a_lifecycle_run_past_its_timeout_hands_over_to_the_continue_function_which_finishes(
        edited_stack: Stack) -> None:
    """GIVEN a daily lifecycle function whose template timeout leaves it no budget WHEN the schedules run THEN the
    run hands over to memberlink-local-lifecycle_continue (by the name and grant the template gives), which writes
    the store's CSV."""
    stack = edited_stack
    keys = stack.create_store("Handed Over Tea")
    sign_up(stack, keys, f"handed.{time.time_ns()}@example.com")
    status, ran = stack.call("POST", "/_local/schedules/run")
    assert status == 200, ran
    s3 = aws_client(stack, "s3")
    deadline = time.monotonic() + 30
    while True:
        written = [o["Key"] for o in s3.list_objects_v2(Bucket=stack.info["reports_bucket"],
                                                        Prefix=f"reports/{keys['store_id']}/lifecycle/").get(
            "Contents", [])]
        if written or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert written, stack.log()[-3000:]
    assert "memberlink-local-lifecycle_continue" in stack.log()  # the continuation ran (its invocation is logged)


def test_smoke_passes_against_the_stack_and_names_what_it_checked(stack: Stack) -> None:
    """GIVEN the running stack WHEN the operator runs manage.py smoke --stage local THEN it passes and names every
    function, table, the bucket, the topic, the parameters, the webhook handshake and the receipt rule set."""
    result = stack.manage("smoke", "--stage", "local")
    assert result.returncode == 0, result.stdout + result.stderr
    for function in stack.info["functions"].values():
        assert f"function {function}" in result.stdout
    for thing in ("table memberlink-local-stores", "bucket memberlink-local-reports",
                  "topic memberlink-local-ses-feedback", "parameter /memberlink/local/code_pepper",
                  "webhook handshake", "receipt rule set",
                  "throwaway store removed"):
        assert thing in result.stdout, result.stdout
