"""openapi.yaml is the published contract: valid OpenAPI 3, and it covers every route the app serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())


def app_operations() -> set[tuple[str, str]]:
    from app import app

    return {(path, method.lower()) for path, methods in app.routes.items() for method in methods}


def spec_operations() -> set[tuple[str, str]]:
    return {(path, method) for path, item in SPEC["paths"].items() for method in item
            if method in {"get", "put", "post", "delete", "patch"}}


def test_openapi_is_valid_openapi_3():
    validate(SPEC)


def test_every_route_is_documented_and_every_documented_route_exists():
    served, documented = app_operations(), spec_operations()
    assert sorted(served - documented) == [], "routes missing from openapi.yaml"
    assert sorted(documented - served) == [], "openapi.yaml documents routes the app does not serve"


@pytest.mark.parametrize(("path", "method"), sorted(spec_operations()))
def test_every_operation_has_schemas(path: str, method: str):
    operation = SPEC["paths"][path][method]
    responses = operation["responses"]
    assert any(code.startswith("2") for code in responses), "no success response"
    for code, response in responses.items():
        if "$ref" in response or code == "204":
            continue
        content = response.get("content")
        assert content, f"{code} has no content"
        assert all("schema" in media for media in content.values()), f"{code} has no schema"
    if method in {"post", "put", "patch"} and not operation.get("x-no-request-body"):
        body = operation.get("requestBody")
        assert body and all("schema" in media for media in body["content"].values()), "no request schema"
