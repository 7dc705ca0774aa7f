"""`manage.py smoke --stage NAME`: does the deployed stage hold what its template declares, and does it answer?

Run with the operator's credentials after a deploy (or against `make run` with ``--stage local``). It reads
the stage's packaged template (infra/package.py, as `make package` emits it) and checks, naming each:

- every function exists under its deployed name and answers (a ``DryRun`` invoke: checks, runs nothing);
- every table is ACTIVE, the bucket and every topic exist, every parameter of the template and the code
  pepper exist (values are never printed);
- the sender identity and the inbound domain are verified in SES, and the inbound receipt rule set is active;
- the webhook handshake answers through the public API URL: a throwaway store with a Facebook channel is
  created, its verify-token handshake is asked for, and every item and parameter it wrote is removed again.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.cloudformation import ACCOUNT, LocalTemplate, load


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failed: int = 0

    def check(self, what: str, probe: Callable[[], str | None]) -> bool:
        """Run ``probe``; it returns a detail (or None) when ``what`` holds and raises when it does not."""
        try:
            detail = probe()
        except Exception as exc:  # every failure is reported, then the next thing is checked
            self.failed += 1
            self.lines.append(f"FAIL {what}: {type(exc).__name__}: {exc}")
            return False
        self.lines.append(f"ok   {what}" + (f" ({detail})" if detail else ""))
        return True


class Recorder:
    """Every item and parameter this process writes (botocore hook), so the throwaway store leaves nothing."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any], bool]] = []  # (table, item or key as sent, created)
        self.parameters: list[str] = []

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        operation = model.name
        if operation in ("PutItem", "UpdateItem"):
            self.items.append((params["TableName"], params.get("Item") or params["Key"], operation == "PutItem"))
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                for kind in ("Put", "Update"):
                    if kind in entry:
                        self.items.append((entry[kind]["TableName"], entry[kind].get("Item") or entry[kind]["Key"],
                                           kind == "Put"))
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                self.items += [(table, r["PutRequest"]["Item"], True) for r in requests if "PutRequest" in r]
        elif operation == "PutParameter":
            self.parameters.append(params["Name"])


def _stage_template(stage: str, account: str) -> LocalTemplate:
    from infra.package import sam_template

    return load(sam_template(stage), account=account)


def run(stage: str) -> Report:
    import boto3
    import urllib3

    report = Report()
    account = ACCOUNT if stage == "local" else boto3.client("sts").get_caller_identity()["Account"]
    stack = _stage_template(stage, account)
    env = next(iter(stack.functions.values())).environment
    os.environ.update(env)  # the stage's own environment: table names, prefixes, the public URL's parameter
    lam, dynamodb, s3, sns, ssm, ses = (boto3.client(s) for s in ("lambda", "dynamodb", "s3", "sns", "ssm", "ses"))

    for function in stack.functions.values():
        def answers(name: str = function.name) -> str:
            lam.get_function(FunctionName=name)
            return f"answers: {lam.invoke(FunctionName=name, InvocationType='DryRun')['StatusCode']}"
        report.check(f"function {function.name}", answers)
    keys: dict[str, list[str]] = {}
    for table in stack.of_type("AWS::DynamoDB::Table").values():
        def active(name: str = table["TableName"]) -> str:
            described = dynamodb.describe_table(TableName=name)["Table"]
            keys[name] = [k["AttributeName"] for k in described["KeySchema"]]
            if described["TableStatus"] != "ACTIVE":
                raise RuntimeError(described["TableStatus"])
            return "ACTIVE"
        report.check(f"table {table['TableName']}", active)
    for bucket in stack.of_type("AWS::S3::Bucket").values():
        report.check(f"bucket {bucket['BucketName']}", lambda name=bucket["BucketName"]: s3.head_bucket(Bucket=name)
                     and None)
    for lid in stack.of_type("AWS::SNS::Topic"):
        arn = stack.ref(lid)
        report.check(f"topic {arn.rsplit(':', 1)[-1]}", lambda arn=arn: sns.get_topic_attributes(TopicArn=arn)
                     and None)
    names = [p["Name"] for p in stack.of_type("AWS::SSM::Parameter").values()]
    from chalicelib.verification import PEPPER_PARAMETER

    for name in [*names, f"{env['SSM_PREFIX']}/{PEPPER_PARAMETER}"]:
        report.check(f"parameter {name}", lambda name=name: ssm.get_parameter(Name=name)["Parameter"]["Type"])
    _ses_checks(report, stack, env, ses)
    _webhook_handshake(report, stack, dynamodb, ssm, keys, urllib3)
    return report


def _ses_checks(report: Report, stack: LocalTemplate, env: dict[str, str], ses: Any) -> None:
    from chalicelib.email.addresses import platform_address

    def verified(identity: str) -> Callable[[], str]:
        def probe() -> str:
            address_domain = identity.rsplit("@", 1)[-1]
            answer = ses.get_identity_verification_attributes(Identities=[identity, address_domain])
            statuses = {k: v["VerificationStatus"] for k, v in answer["VerificationAttributes"].items()}
            if "Success" not in statuses.values():
                raise RuntimeError(f"not verified in SES: {statuses or 'unknown identity'}")
            return "verified"
        return probe

    report.check(f"SES identity {platform_address()} (the platform's sender)", verified(platform_address()))
    report.check(f"SES identity {env['INBOUND_EMAIL_DOMAIN']} (inbound mail)", verified(env["INBOUND_EMAIL_DOMAIN"]))
    (rule_set,) = [r["RuleSetName"] for r in stack.of_type("AWS::SES::ReceiptRuleSet").values()]

    def active_rule_set() -> str:
        active = ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
        if active != rule_set:
            raise RuntimeError(f"the active receipt rule set is {active!r}")
        return "active"

    report.check(f"receipt rule set {rule_set}", active_rule_set)


def _webhook_handshake(report: Report, stack: LocalTemplate, dynamodb: Any, ssm: Any, keys: dict[str, list[str]],
                       urllib3: Any) -> None:
    from botocore.client import ClientCreator

    from chalicelib import aws, clock, stores
    from chalicelib.channels import configure_channel
    from chalicelib.links import public_api_url

    recorder = Recorder()
    original = ClientCreator.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build", recorder)
        return client

    ClientCreator.create_client = create_client  # type: ignore[method-assign]
    aws.reset()
    try:
        api = public_api_url()
        verify_token, challenge = secrets.token_urlsafe(12), str(secrets.randbelow(10**9))

        created: list[str] = []

        def handshake() -> str:
            store = stores.create_store("memberlink smoke check", "TW", "Asia/Taipei", clock.now())
            configure_channel(store.store_id, "facebook", {
                "page_id": f"9{secrets.randbelow(10**14):014d}", "app_secret": secrets.token_hex(16),
                "verify_token": verify_token, "access_token": "EAAsmoke" + secrets.token_hex(8)}, clock.now())
            created.append(store.store_id)
            url = (f"{api}/webhooks/facebook/{store.store_id}?hub.mode=subscribe&hub.verify_token={verify_token}"
                   f"&hub.challenge={challenge}")
            response = urllib3.request("GET", url, timeout=30.0)
            if response.status != 200 or response.data.decode() != challenge:
                raise RuntimeError(f"{response.status} {response.data[:200]!r}")
            return f"{api}/webhooks/facebook/<throwaway store> answered its challenge"

        report.check("webhook handshake through the API", handshake)
    finally:
        ClientCreator.create_client = original  # type: ignore[method-assign]
        aws.reset()

    def removed() -> str:
        seen: set[tuple[str, str]] = set()
        for table, item, was_created in recorder.items:
            key = {name: item[name] for name in keys.get(table) or _key_names(dynamodb, table, keys)}
            marker = (table, repr(sorted(key.items())))
            # Only what the throwaway store created or owns: never an item another store shares (a counter, say).
            if (was_created or any(s in marker[1] for s in created)) and marker not in seen:
                seen.add(marker)
                dynamodb.delete_item(TableName=table, Key=key)
        for name in set(recorder.parameters):
            ssm.delete_parameter(Name=name)
        return f"{len(seen)} items, {len(set(recorder.parameters))} parameters"

    report.check("throwaway store removed", removed)


def _key_names(dynamodb: Any, table: str, keys: dict[str, list[str]]) -> list[str]:
    keys[table] = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
    return keys[table]
