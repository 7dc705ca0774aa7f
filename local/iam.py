"""IAM as AWS evaluates a function's identity-based policy: is this call allowed for this role?

The local stack runs every function under the role the template gives it (local/lambdas.py). Each AWS
call a function makes is turned into the IAM actions and resource ARNs AWS would authorise
(:func:`requests`: a transaction is one action per item, a copy reads its source and writes its
target, a Query on an index names the index) and checked against the role's statements
(:func:`allowed`): an explicit Deny wins, otherwise some Allow must match both action and resource,
wildcards as IAM reads them. Conditions are not evaluated (the app's role policies have none).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from local.cloudformation import ACCOUNT, PARTITION, region

Request = tuple[str, str]  # (action, resource ARN)

_S3_ACTIONS = {"HeadObject": "GetObject", "ListObjectsV2": "ListBucket", "ListObjects": "ListBucket",
               "HeadBucket": "ListBucket", "ListObjectVersions": "ListBucketVersions",
               "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject", "CompleteMultipartUpload": "PutObject"}
_DYNAMODB_ITEMS = (("Put", "PutItem"), ("Update", "UpdateItem"), ("Delete", "DeleteItem"),
                   ("ConditionCheck", "ConditionCheckItem"), ("Get", "GetItem"))


def requests(prefix: str, operation: str, params: dict[str, Any]) -> list[Request]:
    """The (action, resource) pairs AWS authorises for one API call; ``prefix`` is the service's IAM prefix."""
    arn = f"arn:{PARTITION}:{prefix}:{region()}:{ACCOUNT}"
    if prefix == "dynamodb":
        def table(name: str, index: str | None = None) -> str:
            return f"{arn}:table/{name}" + (f"/index/{index}" if index else "")

        if operation in ("TransactWriteItems", "TransactGetItems"):
            return [(f"dynamodb:{action}", table(item[kind]["TableName"]))
                    for item in params.get("TransactItems", []) for kind, action in _DYNAMODB_ITEMS if kind in item]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", table(name)) for name in params.get("RequestItems", {})]
        if "TableName" in params:
            return [(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]
    elif prefix == "s3":
        bucket = f"arn:{PARTITION}:s3:::{params.get('Bucket', '')}"
        action = f"s3:{_S3_ACTIONS.get(operation, operation)}"
        if operation == "CopyObject":
            source = params["CopySource"]
            source_path = source if isinstance(source, str) else f"{source['Bucket']}/{source['Key']}"
            return [("s3:GetObject", f"arn:{PARTITION}:s3:::{unquote(source_path.lstrip('/').split('?')[0])}"),
                    ("s3:PutObject", f"{bucket}/{params['Key']}")]
        if operation == "DeleteObjects":
            return [("s3:DeleteObject", f"{bucket}/{o['Key']}") for o in params.get("Delete", {}).get("Objects", [])]
        if "Key" in params:
            return [(action, f"{bucket}/{params['Key']}")]
        if "Bucket" in params:
            return [(action, bucket)]
    elif prefix == "ssm":
        names = params.get("Names") or [params[k] for k in ("Name", "Path") if k in params]
        if names:
            return [(f"ssm:{operation}", f"{arn}:parameter/{str(name).lstrip('/')}") for name in names]
    elif prefix == "lambda":
        action = "lambda:InvokeFunction" if operation in ("Invoke", "InvokeAsync") else f"lambda:{operation}"
        if "FunctionName" in params:
            name = str(params["FunctionName"])
            return [(action, name if name.startswith("arn:") else f"{arn}:function:{name.split(':function:')[-1]}")]
    elif prefix == "sns":
        topic = params.get("TopicArn") or params.get("TargetArn")
        return [(f"sns:{operation}", str(topic) if topic else "*")]  # SMS to a number has no resource
    elif prefix == "ses" and "EmailIdentity" in params:  # SES v2's identity calls name the identity's ARN
        return [(f"ses:{operation}", f"{arn}:identity/{params['EmailIdentity']}")]
    elif prefix == "sqs" and "QueueUrl" in params:
        # SQS authorizes a batch call by its single action (SendMessageBatch is sqs:SendMessage).
        action = operation.removesuffix("Batch")
        return [(f"sqs:{action}", f"{arn}:{str(params['QueueUrl']).rstrip('/').rsplit('/', 1)[-1]}")]
    return [(f"{prefix}:{operation}", "*")]


@lru_cache(maxsize=4096)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{regex}$", re.IGNORECASE if ignore_case else 0)


def _matches(patterns: Any, value: str, ignore_case: bool) -> bool:
    listed = patterns if isinstance(patterns, list) else [patterns]
    return any(_pattern(str(p), ignore_case).match(value) for p in listed)


def _applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement and not _matches(statement["Action"], action, True):
        return False
    if "NotAction" in statement and _matches(statement["NotAction"], action, True):
        return False
    if "Resource" in statement and not _matches(statement["Resource"], resource, False):
        return False
    return not ("NotResource" in statement and _matches(statement["NotResource"], resource, False))


def allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM's answer for one request: an explicit Deny wins; else some Allow must apply; else implicitly denied."""
    applying = [s for s in statements if _applies(s, action, resource)]
    return not any(s.get("Effect") == "Deny" for s in applying) and any(s.get("Effect") == "Allow" for s in applying)


def denial(role: str, function: str, action: str, resource: str) -> str:
    """AWS's own wording, so a log reads as it would in CloudWatch."""
    return (f"User: arn:{PARTITION}:sts::{ACCOUNT}:assumed-role/{role}/{function} is not authorized to perform: "
            f"{action} on resource: {resource} because no identity-based policy allows the {action} action")


# The error code each service answers a denied call with.
DENIED_CODES = {"s3": ("AccessDenied", 403), "sns": ("AuthorizationError", 403), "ses": ("AccessDenied", 403),
                "sqs": ("AccessDenied", 403)}


def denied_code(prefix: str) -> tuple[str, int]:
    return DENIED_CODES.get(prefix, ("AccessDeniedException", 400 if prefix == "dynamodb" else 403))
