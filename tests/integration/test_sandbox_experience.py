"""What a newcomer meets on the real local stack: unknown routes and methods, UTF-8 answers, and a
sandbox that keeps its data across restarts."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import urllib3

from tests.integration.conftest import ROOT, Stack, start_stack, stop_stack

NOT_FOUND = {"error": {"code": "not_found",
                      "message": "no such route: check the method and path against openapi.yaml"}}


def raw_call(stack: Stack, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | None = None) -> urllib3.BaseHTTPResponse:
    return urllib3.request(method, stack.api + path, headers=headers or {}, body=body, timeout=30.0)


# --- unknown routes and methods --------------------------------------------------------------------

def test_a_mistyped_route_is_404_not_found_and_never_echoes_the_key(stack):
    key = stack.info["admin_key"]
    for headers in ({"Authorization": f"Bearer {key}"}, {}):
        for path in ("/admin/conversation", "/api/admin/conversations", "/"):
            response = raw_call(stack, "GET", path, headers)

            assert response.status == 404, (path, response.data)
            assert json.loads(response.data) == NOT_FOUND
            assert response.headers["Content-Type"] == "application/json"
            assert key.encode() not in response.data and b"Bearer" not in response.data


def test_a_known_path_with_another_method_is_405_with_the_contract_body(stack):
    key = stack.info["admin_key"]
    for method in ("DELETE", "PATCH", "PROPFIND"):
        response = raw_call(stack, method, "/admin/settings", {"Authorization": f"Bearer {key}"})

        assert response.status == 405, (method, response.data)
        assert json.loads(response.data) == {"error": {
            "code": "method_not_allowed", "message": f"{method} is not allowed on this path; allowed: GET, PUT"}}
        assert response.headers["Allow"] == "GET, PUT"


def test_any_method_on_an_unknown_path_is_404_json_not_an_html_501(stack):
    response = raw_call(stack, "PROPFIND", "/nowhere", {"Authorization": "Bearer mlk.st_x.secret"})

    assert response.status == 404 and json.loads(response.data) == NOT_FOUND


# --- UTF-8 ----------------------------------------------------------------------------------------

def test_cjk_comes_back_as_utf8_text_over_http(stack):
    key = stack.info["admin_key"]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    # A keyword no other test's comment contains: the session's stack is shared, and rules answer comments.
    keyword = f"運費查詢{secrets.token_hex(4)}"
    rule = {"channel": "instagram", "scope": "comments", "keywords": [keyword], "reply_text": "運費 60 元",
            "private_reply": False}
    created = raw_call(stack, "POST", "/admin/auto-reply-rules", headers, json.dumps(rule).encode())
    listed = raw_call(stack, "GET", "/admin/auto-reply-rules", headers)
    rule_id = json.loads(created.data)["rule_id"]
    assert raw_call(stack, "DELETE", f"/admin/auto-reply-rules/{rule_id}", headers).status == 204

    assert created.status == 201, created.data
    for response in (created, listed):
        assert keyword.encode() in response.data and "運費 60 元".encode() in response.data
        assert b"\\u" not in response.data


# --- the sandbox keeps its data across restarts ----------------------------------------------------

def send_webhook(stack: Stack, *args: str) -> dict:
    env = {"DEMO_FILE": str(stack.log_path.parent / "demo.json"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "manage.py", "send-webhook", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def test_a_restart_keeps_the_store_keys_conversations_outbox_and_clock_and_fresh_starts_clean(tmp_path):
    first = start_stack(tmp_path)
    try:
        sent = send_webhook(first, "line", "--text", "還有貨嗎")
        key = first.info["admin_key"]
        status, _ = first.call("POST", "/_local/clock", body={"advance_seconds": 7200})
        assert status == 200
        reply_status, _ = first.call("POST", f"/admin/conversations/{sent['conversation_id']}/messages", key,
                                     {"text": "有的"})
        assert reply_status == 201 or reply_status == 200
    finally:
        stop_stack(first)
    assert "saved " in first.log() and "clock offset +7200 s" in first.log()

    second = start_stack(tmp_path)
    try:
        assert second.info["store_id"] == first.info["store_id"] and second.info["admin_key"] == key
        status, inbox = second.call("GET", "/admin/conversations", key)
        assert status == 200
        conversation = next(c for c in inbox["items"] if c["conversation_id"] == sent["conversation_id"])
        assert conversation["last_message"]["text"] == "有的"
        status, clock = second.call("GET", "/_local/clock")
        assert clock["offset_seconds"] >= 7200
        status, outbox = second.call("GET", "/_local/outbox")
        assert any("有的" in json.dumps(item["body"], ensure_ascii=False) for item in outbox["items"])
        assert "restored from" in second.log() and "clock offset +7200 s" in second.log()
        assert "not kept: sent SMS and e-mail" in second.log()
        # the channel secrets came back too: a signed delivery is still accepted
        send_webhook(second, "whatsapp", "--text", "hi")

        status, clock = second.call("DELETE", "/_local/clock")
        assert status == 200 and clock["offset_seconds"] == 0
    finally:
        stop_stack(second)

    third = start_stack(tmp_path, fresh=True)
    try:
        assert "started clean" in third.log()
        assert third.info["store_id"] != first.info["store_id"]
        status, answer = third.call("GET", "/admin/settings", key)
        assert status == 401 and answer["error"]["code"] == "unauthorized"
        status, clock = third.call("GET", "/_local/clock")
        assert clock["offset_seconds"] == 0
    finally:
        stop_stack(third)
