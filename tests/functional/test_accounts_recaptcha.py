"""reCAPTCHA on verification sends, checked over real HTTP against a local siteverify server."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support_accounts import call, fresh_tw_mobile, moto_sms


@pytest.fixture
def siteverify(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, list[str]]]:
    seen: list[dict[str, list[str]]] = []

    def answer(request: Request) -> Response:
        form = parse_qs(request.get_data(as_text=True))
        seen.append(form)
        ok = form.get("secret") == ["s3cret"] and form.get("response") == ["human"]
        return Response(json.dumps({"success": ok}), content_type="application/json")

    httpserver.expect_request("/siteverify", method="POST").respond_with_handler(answer)
    monkeypatch.setenv("RECAPTCHA_VERIFY_URL", httpserver.url_for("/siteverify"))
    return seen


def send(client: Any, store: Any, phone: str, token: str | None) -> tuple[int, Any]:
    body: dict[str, Any] = {"phone": phone, "purpose": "signup"}
    if token is not None:
        body["recaptcha_token"] = token
    return call(client, "POST", "/storefront/verifications", store.storefront(), body)


def test_with_a_secret_sends_need_a_valid_token(client: Any, store: Any, siteverify: list[Any]) -> None:
    phone = fresh_tw_mobile()
    assert send(client, store, phone, None)[0] == 202  # off by default: no token needed, no HTTP call
    assert siteverify == []

    assert call(client, "PUT", "/admin/sms/recaptcha", store.admin(), {"secret": "s3cret"}) == (200, {"enabled": True})
    other = fresh_tw_mobile()
    status, refused = send(client, store, other, None)
    assert status == 400 and refused["error"]["code"] == "captcha_failed"
    status, refused = send(client, store, other, "robot")
    assert status == 400 and refused["error"]["field"] == "recaptcha_token"
    assert moto_sms(other) == []
    assert send(client, store, other, "human")[0] == 202
    assert siteverify[-1]["remoteip"] == ["127.0.0.1"]

    assert call(client, "PUT", "/admin/sms/recaptcha", store.admin(), {"secret": None}) == (200, {"enabled": False})
    assert send(client, store, fresh_tw_mobile(), None)[0] == 202
