"""The packaged template, read as the local stack's one source of wiring (what CloudFormation would create).

:func:`load` takes the structure `make package` emits (infra/package.py builds it in process; a
``sam.json`` from `make package STAGE=local` works too) and resolves it the way CloudFormation would
in one account and region: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``Fn::Join`` of logical ids become
names and ARNs. From it the local stack takes every function (name, handler, environment, memory,
timeout, role, event sources), every role's policy statements, and the triggers between resources (S3
notifications, SNS subscriptions). Nothing here knows this app's function names: a function another
issue adds (an SQS consumer, say) is booted the same way.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"  # moto's default account: the ARNs the embedded AWS itself answers with
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


@dataclass(frozen=True)
class EventSource:
    kind: str  # SAM's event type: Schedule, SQS, SNS, S3, ...
    properties: dict[str, Any]


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    arn: str
    handler: str  # "module.attribute", as Lambda imports it
    environment: dict[str, str]
    timeout: int
    memory: int
    role: str | None  # the logical id of its IAM role
    events: tuple[EventSource, ...] = ()


@dataclass(frozen=True)
class Trigger:
    """A resource that invokes a function: an S3 notification or an SNS subscription."""
    kind: str  # "s3" or "sns"
    source: str  # the bucket name or the topic ARN
    function: str  # logical id
    prefix: str = ""
    suffix: str = ""


@dataclass
class LocalTemplate:
    template: dict[str, Any]
    api_url: str = "http://127.0.0.1"
    account: str = ACCOUNT  # a deployed stage's own account, for manage.py smoke
    functions: dict[str, Function] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.template.get("Resources", {}))

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        """Logical id -> resolved properties of every resource of ``kind``."""
        return {lid: self.resolve(r.get("Properties", {})) for lid, r in self.resources.items() if r["Type"] == kind}

    # --- names and ARNs, as CloudFormation gives them

    def ref(self, logical_id: str) -> str:
        pseudo = {"AWS::AccountId": self.account, "AWS::Region": region(), "AWS::Partition": PARTITION,
                  "AWS::URLSuffix": URL_SUFFIX, "AWS::StackName": "memberlink-local", "AWS::NoValue": ""}
        if logical_id in pseudo:
            return pseudo[logical_id]
        resource = self.resources.get(logical_id)
        if resource is None:
            raise KeyError(f"Ref to {logical_id!r}, which the template does not declare")
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind in FUNCTION_TYPES:
            return str(self.resolve(props.get("FunctionName")) or f"memberlink-local-{logical_id}")
        named = {"AWS::DynamoDB::Table": "TableName", "AWS::S3::Bucket": "BucketName", "AWS::SSM::Parameter": "Name",
                 "AWS::SES::ReceiptRuleSet": "RuleSetName", "AWS::SES::ConfigurationSet": "Name",
                 "AWS::SQS::Queue": "QueueName"}
        if kind == "AWS::SNS::Topic":
            return f"arn:{PARTITION}:sns:{region()}:{self.account}:{self.resolve(props.get('TopicName')) or logical_id}"
        if kind == "AWS::SQS::Queue":
            queue = self.resolve(props.get("QueueName")) or logical_id
            return f"https://sqs.{region()}.{URL_SUFFIX}/{self.account}/{queue}"
        if kind in named and props.get(named[kind]) is not None:
            return str(self.resolve(props[named[kind]]))
        return logical_id

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.resources.get(logical_id)
        if resource is None:
            raise KeyError(f"Fn::GetAtt of {logical_id!r}, which the template does not declare")
        kind, name = resource["Type"], self.ref(logical_id)
        arns = {
            "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{region()}:{self.account}:table/{name}",
            "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
            "AWS::IAM::Role": f"arn:{PARTITION}:iam::{self.account}:role/{name}",
            "AWS::SNS::Topic": name,
            "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{region()}:{self.account}:{name.rsplit('/', 1)[-1]}",
        }
        for function_type in FUNCTION_TYPES:
            arns[function_type] = f"arn:{PARTITION}:lambda:{region()}:{self.account}:function:{name}"
        if attribute in ("Arn", "TopicArn") and kind in arns:
            return arns[kind]
        if attribute in ("QueueName", "TopicName"):
            return name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        if attribute == "QueueUrl":
            return name
        raise KeyError(f"Fn::GetAtt {logical_id}.{attribute} is not emulated locally")

    def resolve(self, node: Any) -> Any:
        """``node`` with every intrinsic function replaced by its value."""
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node == self.template.get("Outputs", {}).get("EndpointURL", {}).get("Value"):
            return self.api_url  # the RestAPI's own URL is where the local API listens
        if len(node) == 1:
            (key, value), = node.items()
            if key == "Ref":
                return self.ref(str(value))
            if key == "Fn::GetAtt":
                logical_id, attribute = value if isinstance(value, list) else str(value).split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], self.resolve(value[1]))
                return re.sub(r"\$\{([^}!]+)\}", lambda m: self._sub(m.group(1), variables), text)
            if key == "Fn::Join":
                return str(value[0]).join(str(self.resolve(part)) for part in value[1])
        return {key: self.resolve(value) for key, value in node.items()}

    def _sub(self, name: str, variables: dict[str, Any]) -> str:
        if name in variables:
            return str(variables[name])
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return self.get_att(logical_id, attribute)
        return self.ref(name)

    # --- what the local stack runs

    def function(self, name_or_arn: str) -> Function | None:
        """The function Lambda finds for ``name_or_arn``: a name, a partial or full ARN (a qualifier is ignored)."""
        wanted = name_or_arn
        if wanted.startswith("arn:"):
            parts = wanted.split(":")
            if len(parts) < 7 or parts[2] != "lambda" or parts[4] != self.account or parts[3] != region():
                return None
            wanted = parts[6]
        elif ":function:" in wanted:
            wanted = wanted.split(":function:", 1)[1].split(":", 1)[0]
        return next((f for f in self.functions.values() if f.name == wanted), None)

    def role_statements(self, role: str) -> list[dict[str, Any]]:
        """Every statement of the role's inline policies and of the AWS::IAM::Policy resources attached to it."""
        statements: list[dict[str, Any]] = []
        for policy in self.of_type("AWS::IAM::Role").get(role, {}).get("Policies", []):
            statements += _as_list(policy["PolicyDocument"]["Statement"])
        for resource in self.resources.values():
            if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"].get("Roles", []):
                statements += _as_list(self.resolve(resource["Properties"]["PolicyDocument"])["Statement"])
        return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def load(template: dict[str, Any], api_url: str = "http://127.0.0.1", account: str = ACCOUNT) -> LocalTemplate:
    stack = LocalTemplate(template, api_url.rstrip("/") + "/", account=account)
    for lid, resource in stack.resources.items():
        if resource["Type"] not in FUNCTION_TYPES:
            continue
        props = resource.get("Properties", {})
        events = tuple(EventSource(str(e["Type"]), stack.resolve(e.get("Properties", {})))
                       for e in props.get("Events", {}).values())
        role = props.get("Role", {})
        variables = stack.resolve(props.get("Environment", {}).get("Variables", {}))
        stack.functions[lid] = Function(
            logical_id=lid, name=stack.ref(lid), arn=stack.get_att(lid, "Arn"), handler=str(props["Handler"]),
            environment={k: str(v) for k, v in variables.items()},
            timeout=int(props.get("Timeout", 3)), memory=int(props.get("MemorySize", 128)),
            role=role["Fn::GetAtt"][0] if isinstance(role, dict) and "Fn::GetAtt" in role else None, events=events)
    by_arn = {f.arn: f.logical_id for f in stack.functions.values()}
    for bucket in stack.of_type("AWS::S3::Bucket").values():
        for config in bucket.get("NotificationConfiguration", {}).get("LambdaConfigurations", []):
            rules = {r["Name"].lower(): r["Value"] for r in config.get("Filter", {}).get("S3Key", {}).get("Rules", [])}
            if config["Function"] in by_arn and str(config["Event"]).startswith("s3:ObjectCreated"):
                stack.triggers.append(Trigger("s3", bucket["BucketName"], by_arn[config["Function"]],
                                              rules.get("prefix", ""), rules.get("suffix", "")))
    for subscription in stack.of_type("AWS::SNS::Subscription").values():
        if subscription.get("Protocol") == "lambda" and subscription.get("Endpoint") in by_arn:
            stack.triggers.append(Trigger("sns", subscription["TopicArn"], by_arn[subscription["Endpoint"]]))
    return stack


def packaged(stage: str = "local", template_file: Path | None = None) -> dict[str, Any]:
    """The stage's packaged template: ``template_file`` (a `make package` output) or built now (infra/package.py)."""
    if template_file is not None:
        return dict(json.loads(Path(template_file).read_text()))
    from infra.package import sam_template

    return sam_template(stage)
