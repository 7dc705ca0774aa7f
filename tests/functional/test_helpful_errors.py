"""Errors that say what to do: signatures, media types, malformed JSON, template placeholders, methods;
and JSON answers written as UTF-8 text."""

from __future__ import annotations

import json

import pytest

from tests.support_channels import body, line_delivery, line_event, messenger_message, signed_headers, uid


def error(response) -> dict:
    return json.loads(response.body)["error"]


# --- signatures: the header and its encoding are named, nothing about the expected value -----------

@pytest.mark.parametrize("channel, header, encoding", [
    ("facebook", "X-Hub-Signature-256", "hex"), ("instagram", "X-Hub-Signature-256", "hex"),
    ("whatsapp", "X-Hub-Signature-256", "hex"), ("line", "X-Line-Signature", "base64"),
])
def test_a_missing_signature_names_the_header_and_its_encoding(client, store, creds, channel, header, encoding):
    response = client.http.post(f"/webhooks/{channel}/{store.store_id}", body=b'{"object": "page", "entry": []}',
                                headers={"Content-Type": "application/json"})

    assert response.status_code == 401
    problem = error(response)
    assert problem["code"] == "invalid_signature" and problem["header"] == header
    assert f"the {header} header is missing" in problem["message"]
    assert encoding in problem["message"] and "HMAC-SHA256" in problem["message"]


def test_a_meta_signature_without_its_prefix_or_in_base64_is_told_so(client, store, creds):
    raw = body(messenger_message(uid("psid")))
    good = signed_headers("facebook", creds["facebook"], raw)["X-Hub-Signature-256"]

    bare = client.http.post(f"/webhooks/facebook/{store.store_id}", body=raw,
                            headers={"X-Hub-Signature-256": good[7:]})
    as_line = client.http.post(f"/webhooks/facebook/{store.store_id}", body=raw,
                               headers={"X-Hub-Signature-256": "sha256=" + "A" * 43 + "="})

    assert bare.status_code == 401 and "must start with 'sha256='" in error(bare)["message"]
    assert as_line.status_code == 401 and "64 hex digits" in error(as_line)["message"]


def test_a_wrong_secret_says_the_body_does_not_match_and_reveals_no_signature(client, store, creds):
    raw = body(line_delivery(line_event(uid("U"))))
    wrong = signed_headers("line", {"channel_secret": "not-the-secret"}, raw)
    expected = signed_headers("line", creds["line"], raw)["X-Line-Signature"]

    response = client.http.post(f"/webhooks/line/{store.store_id}", body=raw, headers=wrong)

    assert response.status_code == 401
    message = error(response)["message"]
    assert "does not match the body" in message and "channel secret" in message
    assert expected not in response.body.decode() and creds["line"]["channel_secret"] not in response.body.decode()


def test_a_line_signature_that_is_not_base64_of_32_bytes_is_told_so(client, store, creds):
    raw = body(line_delivery(line_event(uid("U"))))
    response = client.http.post(f"/webhooks/line/{store.store_id}", body=raw,
                                headers={"X-Line-Signature": "sha256=" + "0" * 64})
    assert response.status_code == 401 and "44 characters of base64" in error(response)["message"]


# --- media types, JSON syntax, methods ------------------------------------------------------------

def test_a_csv_upload_labelled_json_is_told_to_send_text_csv(client, store):
    response = client.http.post("/admin/customer-imports?dry_run=true", body=b"Name,Email\r\n",
                                headers={**store.admin(), "Content-Type": "application/json"})

    assert response.status_code == 415
    problem = error(response)
    assert problem["code"] == "unsupported_media_type"
    assert "Content-Type application/json is not accepted here; send text/csv" in problem["message"]


def test_invalid_json_says_where(client, store):
    response = client.http.put("/admin/settings", body=b'{\n  "sms_daily_cap": 500,\n}',
                               headers=store.admin())

    assert response.status_code == 400
    problem = error(response)
    assert problem["code"] == "invalid_json" and (problem["line"], problem["column"]) == (3, 1)
    assert "at line 3, column 1" in problem["message"]


def test_a_known_path_with_another_method_is_405_with_the_allowed_methods(client, store):
    response = client.http.delete("/admin/settings", headers=store.admin())

    assert response.status_code == 405
    assert error(response) == {"code": "method_not_allowed",
                               "message": "DELETE is not allowed on this path; allowed: GET, PUT"}
    assert response.headers["Allow"] == "GET, PUT"


# --- binding templates: a placeholder the product does not fill is refused ---------------------------

@pytest.mark.parametrize("text", ["Hi {name}, join us", "Hi {Customer_Name}!", "Hi { customer_name }"])
def test_a_binding_template_with_an_unknown_placeholder_is_refused_naming_the_allowed_one(client, store, text):
    response = client.http.put("/admin/templates/binding-invitation/line", headers=store.admin(),
                               body=json.dumps({"text": text, "button_text": "Join"}))

    assert response.status_code == 400
    problem = error(response)
    assert problem["field"] == "text" and "unknown placeholder {" in problem["message"]
    assert "allowed: {customer_name}" in problem["message"]
    stored = json.loads(client.http.get("/admin/templates/binding-invitation/line", headers=store.admin()).body)
    assert stored["text"] != text  # nothing saved: still the default


def test_a_binding_template_with_the_known_placeholder_and_braces_in_prose_is_saved(client, store):
    text = "嗨 {customer_name} 點下方按鈕加入會員 {:)}"
    response = client.http.put("/admin/templates/binding-invitation/line", headers=store.admin(),
                               body=json.dumps({"text": text, "button_text": "加入會員"}))
    assert response.status_code == 200, response.body


# --- UTF-8 answers --------------------------------------------------------------------------------

def test_cjk_text_comes_back_as_utf8_not_escaped(client, store):
    text = "嗨 {customer_name} 問運費請按這裡"
    response = client.http.put("/admin/templates/binding-invitation/line", headers=store.admin(),
                               body=json.dumps({"text": text, "button_text": "運費"}))

    assert response.status_code == 200
    assert "問運費".encode() in response.body and b"\\u" not in response.body
    assert json.loads(response.body)["text"] == text
