"""The deployable shape: every model has its table in the template, policies are current, no Scan."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra import template

ROOT = Path(__file__).resolve().parents[2]


def test_committed_policies_are_what_the_generator_writes():
    for stage in (*template.STAGES, template.LOCAL_STAGE):
        committed = json.loads(template.policy_path(stage).read_text())
        assert committed == template.policy(stage), f"run: python -m infra.template write-policies ({stage})"


def test_every_model_has_a_hardened_table_with_its_indexes_and_ttl():
    from chalicelib.models import ALL_MODELS

    resources = template.resources("prod")["Resources"]
    tables = {r["Properties"]["TableName"]: r["Properties"] for r in resources.values()
              if r.get("Type") == "AWS::DynamoDB::Table"}
    for model in ALL_MODELS:
        name = f"memberlink-prod-{model.Meta.table_suffix}"
        assert name in tables, name
        table = tables[name]
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["KeySchema"][0] == {"AttributeName": model._hash_keyname, "KeyType": "HASH"}
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == {
            index.Meta.index_name for index in model._indexes.values()}
        ttl = [a.attr_name for a in model.get_attributes().values() if type(a).__name__ == "TTLAttribute"]
        assert table.get("TimeToLiveSpecification", {}).get("AttributeName") == (ttl[0] if ttl else None)


def test_reports_bucket_is_private_and_encrypted_and_reaches_every_function():
    resources = template.resources("dev")["Resources"]
    bucket = resources["ReportsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    for function_id in template.function_ids():
        assert resources[function_id]["Properties"]["Environment"]["Variables"]["REPORTS_BUCKET"] == \
            bucket["BucketName"]


def test_policy_names_only_the_stages_own_tables_and_no_scan():
    statements = template.policy("prod")["Statement"]
    tables = next(s for s in statements if s["Sid"] == "Tables")
    assert all("memberlink-prod-" in arn for arn in tables["Resource"])
    assert "dynamodb:Scan" not in tables["Action"] and "dynamodb:*" not in tables["Action"]


def test_no_scan_call_exists_in_the_deployed_code():
    offenders = [str(path.relative_to(ROOT)) for path in [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")]
                 if re.search(r"\.scan\(|['\"]Scan['\"]", path.read_text())]
    assert offenders == []


# --- the packaged template (what `make package` deploys), checked whole -----------------------------

@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> dict:
    """`make package` for prod into a temporary folder: Chalice's SAM merged with ours, then cfn-lint."""
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), "STAGE": "prod"}
    bin_dir = Path(sys.executable).parent
    (out / "resources.json").write_text(template.dumps(template.resources("prod")))
    subprocess.run([str(bin_dir / "chalice"), "package", "--stage", "prod", "--merge-template",
                    str(out / "resources.json"), str(out / "prod")], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    lint = subprocess.run([str(bin_dir / "cfn-lint"), str(out / "prod" / "sam.json")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    return dict(json.loads((out / "prod" / "sam.json").read_text()))


def _statements(resources: dict) -> list[dict]:
    found = []
    for resource in resources.values():
        properties = resource.get("Properties", {})
        for policy in properties.get("Policies", []):
            found += policy["PolicyDocument"]["Statement"]
        if resource["Type"] == "AWS::IAM::Policy":
            found += properties["PolicyDocument"]["Statement"]
    return found


def test_packaged_template_grants_the_reports_bucket_by_its_exact_name_only(packaged):
    statements = _statements(packaged["Resources"])
    s3 = [s for s in statements if any(str(a).startswith("s3:") for a in s["Action"])]
    assert {s["Sid"] for s in s3} == {"Reports", "MessageObjects", "InboundMailMove", "ReportsList", "ExportCarry"}
    assert all("ReportsBucket" in json.dumps(s["Resource"]) and "*:s3:::" not in json.dumps(s["Resource"])
               for s in s3)
    roles = packaged["Resources"]["ReportsAccess"]["Properties"]["Roles"]
    function_roles = {r["Properties"]["Role"]["Fn::GetAtt"][0] for r in packaged["Resources"].values()
                      if r["Type"] == "AWS::Serverless::Function"}
    assert {role["Ref"] for role in roles} == function_roles


def test_packaged_template_bucket_is_tls_only_with_a_report_lifecycle(packaged):
    resources = packaged["Resources"]
    statements = resources["ReportsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert (deny["Principal"], deny["Action"], deny["Condition"]) == (
        "*", "s3:*", {"Bool": {"aws:SecureTransport": "false"}})
    assert len(deny["Resource"]) == 2  # the bucket and every object in it
    (rule,) = [r for r in resources["ReportsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
               if r["Id"] == "ExpireReports"]
    assert rule["ExpirationInDays"] == template.stage_settings("prod")["report_retention_days"] == 400
    assert rule["Prefix"] == "reports/"


def test_packaged_template_puts_parameters_only_under_stores(packaged):
    statements = _statements(packaged["Resources"])
    puts = [s for s in statements if "ssm:PutParameter" in s["Action"]]
    assert puts and all(s["Resource"].endswith("/memberlink/prod/stores/*") for s in puts)
    assert not any("ssm:*" in s["Action"] for s in statements)


def test_packaged_template_log_retention_throttling_and_compiler_concurrency(packaged):
    resources = packaged["Resources"]
    settings = template.stage_settings("prod")
    functions = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    for name in functions:
        group = resources[f"{name}LogGroup"]["Properties"]
        assert group["RetentionInDays"] == settings["log_retention_days"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{name}}}"}
    throttle, webhooks = resources["RestAPI"]["Properties"]["MethodSettings"]
    assert (throttle["ResourcePath"], throttle["ThrottlingRateLimit"], throttle["ThrottlingBurstLimit"]) == (
        "/*", settings["api_rate_limit"], settings["api_burst_limit"])
    # the webhooks take a live sale's burst (2,000 comments a second to one store)
    assert (webhooks["ResourcePath"], webhooks["HttpMethod"]) == ("/~1webhooks~1{channel}~1{store_id}", "POST")
    assert webhooks["ThrottlingRateLimit"] == settings["webhook_rate_limit"] >= 2000
    assert resources["CompileReports"]["Properties"]["ReservedConcurrentExecutions"] == \
        settings["report_compiler_concurrency"]


def test_gateway_answers_unknown_routes_with_the_contract_body_and_echoes_nothing():
    from infra.template import resources

    responses = resources("prod")["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"]

    for unknown_route in ("MISSING_AUTHENTICATION_TOKEN", "INCOMPLETE_SIGNATURE"):
        answer = responses[unknown_route]
        assert answer["statusCode"] == "404"
        assert json.loads(answer["responseTemplates"]["application/json"])["error"]["code"] == "not_found"
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for answer in responses.values():
        template = answer["responseTemplates"]["application/json"]
        body = json.loads(template)
        assert set(body["error"]) == {"code", "message"}
        assert "$" not in template  # no $context/$input value: nothing from the request is echoed


def test_packaged_api_takes_and_returns_every_upload_image_type_as_binary(packaged):
    """POST /admin/uploads/direct and GET /admin/images/{id}: API Gateway base64-encodes only its binary media types."""
    from chalicelib.messages.uploads import CONTENT_TYPES

    body = packaged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert set(CONTENT_TYPES) <= set(body["x-amazon-apigateway-binary-media-types"])
    assert "*/*" not in body["x-amazon-apigateway-binary-media-types"]  # JSON bodies stay text


def test_packaged_channel_work_consumer_reads_its_queue_in_partial_batches_with_a_dead_letter_alarm(packaged):
    # GIVEN the packaged prod template
    resources = packaged["Resources"]
    # THEN the consumer's event source is the stage's queue, in batches of 10, 2 instances at most, partial failures
    events = resources["ChannelWork"]["Properties"]["Events"]["ChannelWorkSqsEventSource"]
    assert events["Type"] == "SQS"
    properties = events["Properties"]
    assert properties["BatchSize"] == 10 and properties["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "memberlink-prod-channel-work" in json.dumps(properties["Queue"])
    # AND the queue dead-letters after 5 receives, with an alarm on the dead letters
    queue = resources["ChannelWorkQueue"]["Properties"]
    assert queue["QueueName"] == "memberlink-prod-channel-work"
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["VisibilityTimeout"] >= 6 * resources["ChannelWork"]["Properties"]["Timeout"]
    alarm = resources["ChannelWorkDeadLetterAlarm"]["Properties"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible" and alarm["Threshold"] == 0
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["ChannelWorkDeadLetters", "QueueName"]}
    # AND the API (the webhooks) and the consumer know the queue's URL
    for function_id in ("APIHandler", "ChannelWork"):
        assert resources[function_id]["Properties"]["Environment"]["Variables"]["CHANNEL_QUEUE_URL"] == {
            "Ref": "ChannelWorkQueue"}


# --- the wiring: every name the template mentions is a resource of the same template (issue 23) ----------

def _functions(resources: dict) -> dict[str, dict]:
    return {lid: r["Properties"] for lid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}


def test_packaged_template_wires_every_hand_off_to_a_function_it_deploys(packaged):
    """GIVEN the packaged prod template WHEN its environments and lambda grants are read THEN each names a function
    the template deploys, by its FunctionName or its ARN; none points at nothing (a deploy would invoke a ghost)."""
    resources = packaged["Resources"]
    functions = _functions(resources)
    deployed_names = {props["FunctionName"] for props in functions.values()}
    assert len(deployed_names) == len(functions), "every function has its own explicit FunctionName"
    function_variables = 0
    for lid, props in functions.items():
        variables = props["Environment"]["Variables"]
        for variable in template.HAND_OFFS:
            assert variables[variable] in deployed_names, (lid, variable, variables[variable])
            function_variables += 1
    assert function_variables == len(functions) * len(template.HAND_OFFS)
    grants = [s for s in _statements(resources) if any("lambda:" in a for a in s["Action"])]
    assert grants, "the hand-offs need lambda:InvokeFunction grants"
    for grant in grants:
        assert grant["Action"] == ["lambda:InvokeFunction"]
        target, attribute = grant["Resource"]["Fn::GetAtt"]
        assert (attribute, resources[target]["Type"]) == ("Arn", "AWS::Serverless::Function"), grant


def test_each_hand_off_is_granted_to_exactly_the_roles_of_its_callers(packaged):
    resources = packaged["Resources"]
    for variable, (target, callers) in template.HAND_OFFS.items():
        policy = resources[f"Invoke{target}"]["Properties"]
        roles = {role["Ref"] for role in policy["Roles"]}
        assert roles == {resources[c]["Properties"]["Role"]["Fn::GetAtt"][0] for c in callers}, variable


def _names_in(node: object) -> set[str]:
    """Every logical id a Ref, Fn::GetAtt or Fn::Sub of ``node`` mentions."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _names_in(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(str(value))
            elif key == "Fn::GetAtt":
                found.add(str(value[0] if isinstance(value, list) else str(value).split(".")[0]))
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text) if not m.startswith("AWS::")}
            else:
                found |= _names_in(value)
    return found


def test_every_name_the_environment_and_the_grants_mention_resolves_in_the_same_template(packaged):
    """GIVEN the packaged template WHEN every environment value and every policy resource is read THEN each Ref,
    GetAtt and Sub names a resource of the template, each string ARN of a table, parameter or function matches one of
    the template's tables, parameters (or their stage prefix) or functions; each function name an environment holds
    is one it deploys."""
    resources = packaged["Resources"]
    functions = _functions(resources)
    for lid, props in functions.items():
        mentioned = _names_in(props["Environment"])
        assert mentioned <= set(resources), (lid, mentioned - set(resources))
    for statement in _statements(resources):
        mentioned = _names_in(statement)
        assert mentioned <= set(resources), (statement.get("Sid"), mentioned - set(resources))
    tables = {r["Properties"]["TableName"] for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"}
    parameters = {r["Properties"]["Name"] for r in resources.values() if r["Type"] == "AWS::SSM::Parameter"}
    variables = next(iter(functions.values()))["Environment"]["Variables"]
    deployed = {p["FunctionName"] for p in functions.values()}
    for value in variables.values():  # a value shaped like a function's name must be one
        if isinstance(value, str) and re.fullmatch(r"memberlink-prod-[a-z_]+", value) and "_" in value:
            assert value in deployed, value
    assert variables["PUBLIC_API_URL_PARAMETER"] in parameters
    assert any(t.startswith(variables["TABLE_PREFIX"] + "-") for t in tables)
    for statement in _statements(resources):
        for arn in (statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]):
            if isinstance(arn, str) and ":dynamodb:" in arn:
                pattern = re.compile("^" + re.escape(arn.split(":table/")[1].split("/")[0]).replace(r"\*", ".*") + "$")
                assert any(pattern.match(t) for t in tables), arn
            if isinstance(arn, str) and ":lambda:" in arn:
                raise AssertionError(f"a function granted by a string ARN, not by the template's own: {arn}")
            if isinstance(arn, str) and ":ssm:" in arn:
                prefix = arn.split(":parameter")[1].rstrip("*")
                assert any(p.startswith(prefix) for p in parameters) or prefix.startswith(
                    variables["SSM_PREFIX"] + "/"), arn


def test_no_local_route_exists_in_a_packaged_non_local_api(packaged):
    """GIVEN `make package STAGE=prod` WHEN its API definition is read THEN no path starts with /_local."""
    paths = packaged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert paths and not [p for p in paths if p.startswith("/_local")]
    assert "/admin/settings" in paths  # the definition is the real one


def test_the_public_api_url_parameter_holds_the_rest_apis_own_url(packaged):
    parameter = packaged["Resources"]["PublicApiUrl"]["Properties"]
    assert parameter["Value"] == packaged["Outputs"]["EndpointURL"]["Value"]
    for props in _functions(packaged["Resources"]).values():
        assert props["Environment"]["Variables"]["PUBLIC_API_URL_PARAMETER"] == parameter["Name"]


def test_the_local_stage_template_is_the_same_wiring_the_deployable_one_has():
    """The stack's in-process build (infra/package.py) emits what `chalice package` does for the same stage."""
    from infra.package import sam_template

    local = sam_template("local")
    assert "/_local/clock" in local["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    functions = _functions(local["Resources"])
    assert {p["FunctionName"] for p in functions.values()} == {
        f"memberlink-local-{name}" for name in template.functions().values()}
    assert functions["MarketingSend"]["Environment"]["Variables"]["MARKETING_SEND_FUNCTION"] == \
        "memberlink-local-marketing_send"
