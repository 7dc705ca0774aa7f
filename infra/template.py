"""The CloudFormation that `make package` merges into Chalice's SAM template, and the IAM policies.

Generated from the PynamoDB models (``chalicelib.models.ALL_MODELS``), so a table, a GSI or a TTL
attribute declared on a model is in the template with no second place to keep in step:

    python -m infra.template resources --stage dev > build/dev-resources.json
    python -m infra.template policy --stage dev     # what .chalice/policy-dev.json must hold

``tests/unit/test_infra.py`` fails when a committed policy file differs from what this generates.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pynamodb.attributes import TTLAttribute

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP_NAME = "memberlink"
STAGES = ("dev", "prod")  # the deployable stages
LOCAL_STAGE = "local"  # `make run` and the stack tests boot this stage's template (local/cloudformation.py)

# Operational settings per stage (README "Security and operations"): edit here, then `make package`.
DEFAULT_SETTINGS: dict[str, int] = {
    "report_retention_days": 400,  # compiled reports (and their old versions) expire after this
    "log_retention_days": 90,  # CloudWatch log groups of every function
    "api_rate_limit": 50,  # API Gateway stage throttling: steady requests per second...
    "api_burst_limit": 100,  # ...and the burst above it
    # The webhooks alone: a live sale sends one store 2,000 comments a second, and Meta and LINE give up on
    # an endpoint that answers 429 (README "Live sale"). API Gateway's account default is 10,000/s, burst 5,000.
    "webhook_rate_limit": 2500,
    "webhook_burst_limit": 5000,
    "report_compiler_concurrency": 2,  # reserved concurrency: the compiler never starves the API
}
STAGE_SETTINGS: dict[str, dict[str, int]] = {
    "dev": {"log_retention_days": 14, "api_rate_limit": 20, "api_burst_limit": 40, "webhook_rate_limit": 100,
            "webhook_burst_limit": 200},
    "prod": {},
}


def stage_settings(stage: str) -> dict[str, int]:
    return {**DEFAULT_SETTINGS, **STAGE_SETTINGS.get(stage, {})}


def _stage_env(stage: str) -> dict[str, str]:
    from local.stage import stage_environment

    return stage_environment(stage)


@contextmanager
def _stage(stage: str) -> Iterator[None]:
    """The stage's environment for the duration (table names carry its prefix), then the caller's again."""
    saved = dict(os.environ)
    os.environ.update(_stage_env(stage))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _logical_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_")) + "Table"


def table_resource(model: Any) -> dict[str, Any]:
    """One AWS::DynamoDB::Table: on-demand, encrypted, point-in-time recovery, TTL, GSIs."""
    schema = model._get_schema()  # PynamoDB's own view of keys and indexes, as create_table uses it

    def keys(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
        return sorted(key_schema, key=lambda key: key["KeyType"] != "HASH")  # HASH first, as CloudFormation wants

    definitions = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    indexes = []
    for index in schema["global_secondary_indexes"]:
        definitions.update({d["AttributeName"]: d["AttributeType"] for d in index["attribute_definitions"]})
        indexes.append({"IndexName": index["index_name"], "KeySchema": keys(index["key_schema"]),
                        "Projection": index["projection"]})
    key_schema = keys(schema["key_schema"])
    definitions_list = [{"AttributeName": name, "AttributeType": kind} for name, kind in sorted(definitions.items())]
    properties: dict[str, Any] = {
        "TableName": model.Meta.table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": definitions_list,
        "KeySchema": key_schema,
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    if indexes:
        properties["GlobalSecondaryIndexes"] = sorted(indexes, key=lambda i: i["IndexName"])
    ttl = [attr.attr_name for attr in model.get_attributes().values() if isinstance(attr, TTLAttribute)]
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl[0], "Enabled": True}
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": properties}


def reports_bucket_name(stage: str) -> str | dict[str, str]:
    # Bucket names are global: the account and region make a merchant's name their own. The local stage's
    # embedded S3 has one account: its bucket keeps the plain name of .chalice/config.json.
    if stage == LOCAL_STAGE:
        return _stage_env(stage)["REPORTS_BUCKET"]
    return {"Fn::Sub": f"{APP_NAME}-{stage}-reports-${{AWS::AccountId}}-${{AWS::Region}}"}


def reports_bucket_arn(stage: str) -> str | dict[str, str]:
    """The bucket's ARN as a string (no Ref), for the places a Ref would make a dependency cycle."""
    if stage == LOCAL_STAGE:
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{reports_bucket_name(stage)}"}
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{APP_NAME}-{stage}-reports-${{AWS::AccountId}}-${{AWS::Region}}"}


API_FUNCTION = "APIHandler"


def functions() -> dict[str, str]:
    """Logical id -> the function's name in app.py, for the API handler, each schedule and each plain function."""
    from chalice.app import ScheduledEventConfig, SQSEventConfig
    from chalice.utils import to_cfn_resource_name

    from app import app

    names = [source.name for source in app.event_sources if isinstance(source, ScheduledEventConfig | SQSEventConfig)]
    names += [function.name for function in app.pure_lambda_functions]
    return {API_FUNCTION: "api", **{to_cfn_resource_name(name): name for name in sorted(names)}}


def function_ids() -> list[str]:
    """The logical ids Chalice gives the API handler, each scheduled function and each plain function."""
    return list(functions())


def function_name(stage: str, name: str) -> str:
    """Every function's deployed name is set explicitly (``FunctionName``), so the environment and the
    grants below can name it without a Ref: a function that hands work to itself could not Ref itself."""
    return f"{APP_NAME}-{stage}-{name}"


def function_role(function_id: str) -> str:
    """The role Chalice gives a function (each function of .chalice/config.json's lambda_functions has its own)."""
    return "ApiHandlerRole" if function_id == API_FUNCTION else f"{function_id}Role"


# The three asynchronous hand-offs (chalicelib/handoff.py): the environment variable that names the target,
# the target's logical id, and the functions that invoke it (only their roles may).
HAND_OFFS: dict[str, tuple[str, tuple[str, ...]]] = {
    "DEFERRED_FUNCTION": ("Deferred", (API_FUNCTION,)),  # password-reset deliveries (chalicelib/deferred.py)
    "MARKETING_SEND_FUNCTION": ("MarketingSend", (API_FUNCTION, "MarketingSend")),  # a send, page by page
    "LIFECYCLE_CONTINUE_FUNCTION": ("LifecycleContinue", ("LifecycleDaily", "LifecycleContinue")),
    "CUSTOMER_EXPORT_FUNCTION": ("CustomerExport", (API_FUNCTION, "CustomerExport")),  # an export, chunk by chunk
}
PUBLIC_API_URL_PARAMETER = "public-api-url"  # under the stage's SSM prefix (chalicelib/links.py reads it)


INBOUND_FUNCTION = "InboundEmail"  # app.py's @app.lambda_function(name="inbound_email")
INBOUND_MAIL_PREFIX = "inbound/mail/"  # chalicelib.messages.inbound.MAIL_PREFIX (checked by a unit test)


def inbound_email_resources(stage: str) -> dict[str, Any]:
    """SES receives mail for the inbound domain and writes it raw to the bucket; S3 then runs the function.

    ``chalice package`` cannot emit ``@app.on_s3_event`` (CloudFormation does not edit another stack's
    bucket), so the notification is declared here on our own bucket. The bucket's name is a string
    (``Fn::Sub``), not a ``Ref``, in the permission: no dependency cycle bucket -> function -> bucket.
    Activating the rule set and the MX record are the operator's steps (docs/messages.md).
    """
    domain = _stage_env(stage).get("INBOUND_EMAIL_DOMAIN", f"reply.{stage}.example.com")
    bucket_arn = reports_bucket_arn(stage)
    rule_set = f"{APP_NAME}-{stage}-inbound"
    return {
        "InboundEmailS3Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {"FunctionName": {"Fn::GetAtt": [INBOUND_FUNCTION, "Arn"]}, "Action": "lambda:InvokeFunction",
                           "Principal": "s3.amazonaws.com", "SourceAccount": {"Ref": "AWS::AccountId"},
                           "SourceArn": bucket_arn},
        },
        "ReportsBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "ReportsBucket"}, "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                {"Sid": "SesWritesInboundMail", "Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"},
                 "Action": "s3:PutObject",
                 "Resource": {"Fn::Sub": f"${{ReportsBucket.Arn}}/{INBOUND_MAIL_PREFIX}*"},
                 "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                               "ArnLike": {"aws:SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:ses:${{AWS::Region}}:"
                                                                       f"${{AWS::AccountId}}:receipt-rule-set/"
                                                                       f"{rule_set}:receipt-rule/*"}}}},
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [{"Fn::GetAtt": ["ReportsBucket", "Arn"]}, {"Fn::Sub": "${ReportsBucket.Arn}/*"}],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ]}},
        },
        "InboundEmailRuleSet": {"Type": "AWS::SES::ReceiptRuleSet", "Properties": {"RuleSetName": rule_set}},
        "InboundEmailRule": {
            "Type": "AWS::SES::ReceiptRule",
            "DependsOn": "ReportsBucketPolicy",  # SES checks it may write to the bucket when the rule is created
            "Properties": {"RuleSetName": {"Ref": "InboundEmailRuleSet"}, "Rule": {
                "Name": f"{APP_NAME}-{stage}-replies", "Enabled": True, "ScanEnabled": True, "TlsPolicy": "Require",
                "Recipients": [domain],
                "Actions": [{"S3Action": {"BucketName": {"Ref": "ReportsBucket"},
                                          "ObjectKeyPrefix": INBOUND_MAIL_PREFIX}}]}},
        },
    }


FEEDBACK_FUNCTION = "SesFeedback"  # app.py's @app.lambda_function(name="ses_feedback")


def configuration_set_name(stage: str) -> str:
    """Marketing mail names it in ``X-SES-CONFIGURATION-SET`` (marketing.sends reads SES_CONFIGURATION_SET)."""
    return f"{APP_NAME}-{stage}-marketing"


def ses_feedback_resources(stage: str) -> dict[str, Any]:
    """SES publishes bounces and complaints of marketing mail to a topic; the topic runs the feedback function."""
    return {
        "SesFeedbackTopic": {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": f"{APP_NAME}-{stage}-ses-feedback", "KmsMasterKeyId": "alias/aws/sns"}},
        "SesFeedbackTopicPolicy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {
            "Topics": [{"Ref": "SesFeedbackTopic"}], "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "SesPublishes", "Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"},
                 "Action": "sns:Publish", "Resource": {"Ref": "SesFeedbackTopic"},
                 "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]}}},
        "SesFeedbackSubscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "SesFeedbackTopic"}, "Protocol": "lambda",
            "Endpoint": {"Fn::GetAtt": [FEEDBACK_FUNCTION, "Arn"]}}},
        "SesFeedbackPermission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Fn::GetAtt": [FEEDBACK_FUNCTION, "Arn"]}, "Action": "lambda:InvokeFunction",
            "Principal": "sns.amazonaws.com", "SourceArn": {"Ref": "SesFeedbackTopic"}}},
        # An async invoke that fails is not retried: a retry would e-mail the page's members twice.
        "MarketingSendInvokeConfig": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
            "FunctionName": {"Ref": "MarketingSend"}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}},
        # An export step that fails is marked failed by the step itself; a retry would find its step taken.
        "CustomerExportInvokeConfig": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
            "FunctionName": {"Ref": "CustomerExport"}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}},
        "MarketingConfigurationSet": {"Type": "AWS::SES::ConfigurationSet", "Properties": {
            "Name": configuration_set_name(stage)}},
        "MarketingFeedbackDestination": {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "DependsOn": "SesFeedbackTopicPolicy",
            "Properties": {"ConfigurationSetName": {"Ref": "MarketingConfigurationSet"}, "EventDestination": {
                "Name": "bounces-and-complaints", "Enabled": True, "MatchingEventTypes": ["bounce", "complaint"],
                "SnsDestination": {"TopicARN": {"Ref": "SesFeedbackTopic"}}}}},
    }


CHANNEL_WORK_ID = "ChannelWork"  # app.py's @app.on_sqs_message(name="channel_work")
CHANNEL_WORK_TIMEOUT_SECONDS = 120  # .chalice/config.json's lambda_timeout for channel_work
CHANNEL_WORK_MAX_RECEIVES = 5  # then the dead-letter queue (local/resources.py creates the same locally)


def channel_work_resources(stage: str) -> dict[str, Any]:
    """The queue between the webhooks and the channels, its dead-letter queue, and alarms on both.

    Chalice declares the event source (``on_sqs_message``: batch of 10, maximum concurrency 2) by the
    queue's name; merged here: partial batch responses. The function's ``CHANNEL_QUEUE_URL`` (a Ref)
    makes CloudFormation create the queue before the function and its mapping.
    """
    from chalicelib.config import channel_queue_name

    name = channel_queue_name(stage)
    return {
        "ChannelWorkDeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": f"{name}-dead-letters", "MessageRetentionPeriod": 14 * 86400, "SqsManagedSseEnabled": True}},
        "ChannelWorkQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": name, "SqsManagedSseEnabled": True,
            # AWS: at least 6 x the function's timeout, so a batch being worked on is not offered again.
            "VisibilityTimeout": 6 * CHANNEL_WORK_TIMEOUT_SECONDS,
            "MessageRetentionPeriod": 4 * 86400,  # private replies are paced at 750/hour: a sale may queue hours
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["ChannelWorkDeadLetters", "Arn"]},
                              "maxReceiveCount": CHANNEL_WORK_MAX_RECEIVES}}},
        # A reply that failed 5 times (the platform down, a token revoked) waits there for someone to look.
        "ChannelWorkDeadLetterAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": f"{name}-dead-letters",
            "AlarmDescription": "Channel work (auto-replies, profile look-ups) failed 5 times and was dead-lettered",
            "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["ChannelWorkDeadLetters", "QueueName"]}}],
            "Statistic": "Maximum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}},
        # Replies an hour late: pacing behind a platform limit, or the consumer failing.
        "ChannelWorkBacklogAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": f"{name}-backlog",
            "AlarmDescription": "The oldest queued channel job is over an hour old",
            "Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["ChannelWorkQueue", "QueueName"]}}],
            "Statistic": "Maximum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 3600,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}},
        CHANNEL_WORK_ID: {"Properties": {"Events": {
            "ChannelWorkSqsEventSource": {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}}}},
    }



# What API Gateway answers itself, before the app runs, in the contract's error shape. An unknown path
# or a method a path does not declare is MISSING_AUTHENTICATION_TOKEN (no key sent) or
# INCOMPLETE_SIGNATURE (a Bearer key sent, which the default message would echo back). Every body is
# a fixed text: gateway templates are not VTL, and no request value (header, path) ever goes in.
_GATEWAY_ERRORS: dict[str, tuple[str | None, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found", "no such route: check the method and path against "
                                                         "openapi.yaml"),
    "INCOMPLETE_SIGNATURE": ("404", "not_found", "no such route: check the method and path against openapi.yaml"),
    "UNAUTHORIZED": ("401", "unauthorized", "a valid key is required: Authorization: Bearer <key>"),
    "ACCESS_DENIED": ("403", "forbidden", "this key may not call this route"),
    "THROTTLED": ("429", "rate_limited", "too many requests: slow down and try again"),
    "QUOTA_EXCEEDED": ("429", "rate_limited", "the request quota is used up: try again later"),
    "REQUEST_TOO_LARGE": ("413", "body_too_large", "the request is larger than the API accepts"),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "unsupported_media_type", "this Content-Type is not accepted here"),
    "INTEGRATION_TIMEOUT": ("504", "timeout", "memberlink did not answer in time; try again"),
    "DEFAULT_4XX": (None, "invalid_request", "the API gateway refused the request before it reached memberlink"),
    "DEFAULT_5XX": (None, "internal_error", "the API gateway could not reach memberlink; try again"),
}


def gateway_responses() -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for response_type, (status, code, message) in _GATEWAY_ERRORS.items():
        body = json.dumps({"error": {"code": code, "message": message}})
        answer: dict[str, Any] = {"responseTemplates": {"application/json": body},
                                  "responseParameters": {"gatewayresponse.header.Content-Type": "'application/json'"}}
        if status:
            answer["statusCode"] = status
        answers[response_type] = answer
    return answers


def resources(stage: str) -> dict[str, Any]:
    from chalicelib.models import ALL_MODELS

    template: dict[str, Any] = {"Resources": {}}
    with _stage(stage):
        for model in ALL_MODELS:
            suffix = model.Meta.table_suffix  # type: ignore[attr-defined]  # our models' Meta (chalicelib.models)
            template["Resources"][_logical_id(suffix)] = table_resource(model)
    template["Resources"]["ReportsBucket"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": reports_bucket_name(stage),
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            # Received mail is kept for a month once handled, quarantined mail for three (someone looks at it).
            "LifecycleConfiguration": {"Rules": [
                {"Id": "InboundMail", "Status": "Enabled", "Prefix": INBOUND_MAIL_PREFIX, "ExpirationInDays": 30,
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
                {"Id": "QuarantinedMail", "Status": "Enabled", "Prefix": "inbound/quarantine/", "ExpirationInDays": 90,
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
            ]},
            "NotificationConfiguration": {"LambdaConfigurations": [{
                "Event": "s3:ObjectCreated:*", "Function": {"Fn::GetAtt": [INBOUND_FUNCTION, "Arn"]},
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": INBOUND_MAIL_PREFIX}]}}}]},
        },
        "DependsOn": "InboundEmailS3Permission",  # S3 checks it may invoke the function when the bucket is saved
    }
    # Merged into the API's definition (not a separate resource), so every deployment carries them.
    template["Resources"]["RestAPI"] = {"Properties": {"DefinitionBody": {
        "x-amazon-apigateway-gateway-responses": gateway_responses()}}}
    template["Resources"].update(inbound_email_resources(stage))
    settings = stage_settings(stage)
    resources_ = template["Resources"]
    resources_["ReportsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"].append({
        "Id": "ExpireReports", "Status": "Enabled", "Prefix": "reports/",
        "ExpirationInDays": settings["report_retention_days"],
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}})
    # TLS only: the bucket policy (inbound_email_resources) denies every request without aws:SecureTransport.
    template["Resources"].update(ses_feedback_resources(stage))
    template["Resources"].update(channel_work_resources(stage))
    with _stage(stage):
        functions_ = functions()
    wiring = wiring_environment(stage, functions_)
    for function_id, name in functions_.items():
        resources_.setdefault(function_id, {}).setdefault("Properties", {}).update(
            {"FunctionName": function_name(stage, name), "Environment": {"Variables": dict(wiring)}})
        # Lambda creates /aws/lambda/<name> on first log line, kept forever: declare it with a retention.
        resources_[f"{function_id}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {"LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{function_id}}}"},
                           "RetentionInDays": settings["log_retention_days"]}}
    resources_.update(hand_off_grants(functions_))
    resources_["PublicApiUrl"] = {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": public_api_url_parameter(stage), "Type": "String",
        "Description": "The stage's public API URL: every link the product sends starts with it",
        "Value": public_api_url(stage)}}
    if REPORT_COMPILER_ID in functions_:
        resources_[REPORT_COMPILER_ID]["Properties"]["ReservedConcurrentExecutions"] = \
            settings["report_compiler_concurrency"]
    # The bucket granted by its exact ARN (the policy file cannot name the account).
    resources_["ReportsAccess"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {"PolicyName": "reports-bucket", "Roles": [{"Ref": function_role(f)} for f in functions_],
                       "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                           {"Sid": "Reports", "Effect": "Allow",
                            "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                            "Resource": {"Fn::Sub": "${ReportsBucket.Arn}/reports/*"}},
                           # Images of shop and order messages (uploads/ where a form posts, messages/ the copies a
                           # saved message refers to); received mail (read, moved to quarantine).
                           {"Sid": "MessageObjects", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                            "Resource": [{"Fn::Sub": "${ReportsBucket.Arn}/uploads/*"},
                                         {"Fn::Sub": "${ReportsBucket.Arn}/messages/*"},
                                         {"Fn::Sub": "${ReportsBucket.Arn}/inbound/*"}]},
                           # A customer export's tail between two invocations (chalicelib/members/exports.py).
                           {"Sid": "ExportCarry", "Effect": "Allow", "Action": ["s3:DeleteObject"],
                            "Resource": {"Fn::Sub": "${ReportsBucket.Arn}/reports/*/customers/*.carry"}},
                           {"Sid": "InboundMailMove", "Effect": "Allow", "Action": ["s3:DeleteObject"],
                            "Resource": {"Fn::Sub": "${ReportsBucket.Arn}/inbound/mail/*"}},
                           {"Sid": "ReportsList", "Effect": "Allow", "Action": ["s3:ListBucket"],
                            "Resource": {"Fn::GetAtt": ["ReportsBucket", "Arn"]}}]}}}
    resources_.setdefault("RestAPI", {}).setdefault("Properties", {})["MethodSettings"] = [{
        "ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": settings["api_rate_limit"],
        "ThrottlingBurstLimit": settings["api_burst_limit"]}, {
        "ResourcePath": WEBHOOK_RESOURCE_PATH, "HttpMethod": "POST",
        "ThrottlingRateLimit": settings["webhook_rate_limit"], "ThrottlingBurstLimit": settings["webhook_burst_limit"]}]
    template["Outputs"] = {"ReportsBucketName": {"Value": {"Ref": "ReportsBucket"}}}
    return template


REPORT_COMPILER_ID = "CompileReports"
WEBHOOK_RESOURCE_PATH = "/~1webhooks~1{channel}~1{store_id}"  # a method setting's path: each "/" as "~1"


def public_api_url_parameter(stage: str) -> str:
    return f"{_stage_env(stage)['SSM_PREFIX']}/{PUBLIC_API_URL_PARAMETER}"


def public_api_url(stage: str) -> str | dict[str, str]:
    """The RestAPI's own URL (Chalice's ``EndpointURL`` output), or the stage's custom domain when it has one.

    A parameter, not an environment variable: the API's definition names the API handler, so the handler
    cannot name the API (a dependency cycle). Links are never built from a request's Host header.
    """
    custom = PUBLIC_API_URLS.get(stage)
    if custom:
        return custom
    api_stage = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][stage]["api_gateway_stage"]
    return {"Fn::Sub": f"https://${{RestAPI}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{api_stage}/"}


# A stage served under a custom domain sets its public URL here (links then carry it): {"prod": "https://api.shop.example"}
PUBLIC_API_URLS: dict[str, str] = {}


def wiring_environment(stage: str, functions_: dict[str, str]) -> dict[str, Any]:
    """What every function's environment adds to .chalice/config.json's: the bucket, the configuration set,
    the name of each hand-off's target function, the public URL's parameter. The same for every function, so
    one process (the local stack) runs them all with one environment."""
    env: dict[str, Any] = {"REPORTS_BUCKET": reports_bucket_name(stage),
                           "SES_CONFIGURATION_SET": configuration_set_name(stage),
                           "PUBLIC_API_URL_PARAMETER": public_api_url_parameter(stage),
                           # Webhooks queue channel work; the consumer puts paced work back (a Ref: created first).
                           "CHANNEL_QUEUE_URL": {"Ref": "ChannelWorkQueue"}}
    for variable, (target, _) in HAND_OFFS.items():
        env[variable] = function_name(stage, functions_[target])
    return env


def hand_off_grants(functions_: dict[str, str]) -> dict[str, Any]:
    """``lambda:InvokeFunction`` on each hand-off's target, by its ARN, for the roles of the functions invoking it."""
    grants: dict[str, Any] = {}
    for target, callers in (spec for spec in HAND_OFFS.values()):
        missing = [name for name in (target, *callers) if name not in functions_]
        if missing:
            raise SystemExit(f"hand-off names functions app.py does not declare: {missing}")
        grants[f"Invoke{target}"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": f"invoke-{functions_[target]}",
            "Roles": [{"Ref": role} for role in sorted({function_role(caller) for caller in callers})],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": f"Invoke{target}", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                 "Resource": {"Fn::GetAtt": [target, "Arn"]}}]}}}
    return grants


def policy(stage: str) -> dict[str, Any]:
    """Least privilege for the stage: its own tables and parameters; SMS and email sending."""
    from chalicelib.config import channel_queue_name

    prefix = _stage_env(stage)["TABLE_PREFIX"]
    ssm_prefix = _stage_env(stage)["SSM_PREFIX"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Logs", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": "arn:*:logs:*:*:*"},
            {"Sid": "Tables", "Effect": "Allow",
             "Action": ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                        "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"],
             "Resource": [f"arn:*:dynamodb:*:*:table/{prefix}-*", f"arn:*:dynamodb:*:*:table/{prefix}-*/index/*"]},
            {"Sid": "Parameters", "Effect": "Allow", "Action": ["ssm:GetParameter"],
             "Resource": f"arn:*:ssm:*:*:parameter{ssm_prefix}/*"},
            # Only the stores' channel secrets are written by the app: the code pepper is not.
            {"Sid": "ChannelSecrets", "Effect": "Allow", "Action": ["ssm:PutParameter"],
             "Resource": f"arn:*:ssm:*:*:parameter{ssm_prefix}/stores/*"},
            # The bucket is granted in the template (ReportsAccess), by its exact ARN.
            # SMS to a phone number has no resource ARN to name; only Publish is allowed.
            {"Sid": "Sms", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"},
            {"Sid": "Email", "Effect": "Allow", "Action": ["ses:SendEmail", "ses:SendRawEmail"], "Resource": "*"},
            # Stores' sender identities (chalicelib/senders.py): SES v2 identity calls, identities only.
            {"Sid": "SenderIdentities", "Effect": "Allow",
             "Action": ["ses:CreateEmailIdentity", "ses:GetEmailIdentity", "ses:DeleteEmailIdentity"],
             "Resource": "arn:*:ses:*:*:identity/*"},
            # Marketing SMS skip numbers the carrier-level STOP list holds.
            {"Sid": "SmsOptOuts", "Effect": "Allow",
             "Action": ["sns:CheckIfPhoneNumberIsOptedOut", "sns:ListPhoneNumbersOptedOut"], "Resource": "*"},
            # Webhooks queue channel work; the consumer puts paced work back and its event source receives.
            {"Sid": "ChannelWork", "Effect": "Allow",
             "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                        "sqs:ChangeMessageVisibility"],
             "Resource": f"arn:*:sqs:*:*:{channel_queue_name(stage)}"},
            # lambda:InvokeFunction is granted in the template (hand_off_grants), per role, by the target's ARN.
        ],
    }


def policy_path(stage: str) -> Path:
    return ROOT / ".chalice" / f"policy-{stage}.json"


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.template")
    parser.add_argument("what", choices=["resources", "policy", "write-policies"])
    parser.add_argument("--stage", default="dev", choices=(*STAGES, LOCAL_STAGE))
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if args.what == "resources":
        sys.stdout.write(dumps(resources(args.stage)))
    elif args.what == "policy":
        sys.stdout.write(dumps(policy(args.stage)))
    else:
        for stage in (*STAGES, LOCAL_STAGE):
            policy_path(stage).write_text(dumps(policy(stage)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
