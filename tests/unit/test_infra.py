"""The deployable shape: every model has its table in the template, policies are current, no Scan."""

from __future__ import annotations

import json
import re
from pathlib import Path

from infra import template

ROOT = Path(__file__).resolve().parents[2]


def test_committed_policies_are_what_the_generator_writes():
    for stage in template.STAGES:
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
