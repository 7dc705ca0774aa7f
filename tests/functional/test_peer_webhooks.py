"""Real deliveries nobody here wrote (LINE SDKs, pywa, restfb, bottender, ker0x/messenger, Chatwoot):
every signed delivery inside its channel's envelope is acknowledged, the rest is a clear 400, and a
second posting stores nothing new. The files are read from the shared fixture folder, never copied.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support_channels import demo_credentials, signature_is_valid, signed_headers

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "peer-webhooks"
if not (FIXTURES / "manifest.json").exists():
    FIXTURES = Path.cwd().parent / "shared" / "fixtures" / "peer-webhooks"
pytestmark = pytest.mark.skipif(
    not (FIXTURES / "manifest.json").exists(),
    reason="peer webhook fixtures (../shared/fixtures/peer-webhooks) are not on this machine")

CHANNEL_OF_FOLDER = {"line": "line", "messenger": "facebook", "facebook_page": "facebook",
                     "facebook_page/other_objects": "facebook", "instagram": "instagram",
                     "whatsapp": "whatsapp", "whatsapp/split": "whatsapp"}
META_OBJECT = {"facebook": "page", "instagram": "instagram", "whatsapp": "whatsapp_business_account"}
TIME_KEYS = ("timestamp", "time", "created_time")


def manifest() -> list[dict[str, Any]]:
    return list(json.loads((FIXTURES / "manifest.json").read_text()))


def in_envelope(channel: str, raw: bytes) -> bool:
    """Whether the body is the channel's own object: the only deliveries that must answer 200."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return False
    if not isinstance(payload, dict):
        return False
    if channel == "line":
        return isinstance(payload.get("events"), list)
    return payload.get("object") == META_OBJECT[channel] and isinstance(payload.get("entry"), list)


def addressed_to(channel: str, payload: dict[str, Any]) -> str | None:
    """The account a delivery names: the store is configured with it, so the events are kept."""
    if channel == "line":
        return payload.get("destination")
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        if channel != "whatsapp":
            return str(entry.get("id")) if entry.get("id") is not None else None
        for change in entry.get("changes") or []:
            metadata = (change.get("value") or {}).get("metadata") if isinstance(change, dict) else None
            if isinstance(metadata, dict) and metadata.get("phone_number_id"):
                return str(metadata["phone_number_id"])
    return None


def latest_moment(payload: Any) -> datetime | None:
    """The newest platform timestamp in a delivery: the test's clock stands just after it."""
    found: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in TIME_KEYS and isinstance(inner, (int, float, str)) and not isinstance(inner, bool):
                    try:
                        number = float(inner)
                    except ValueError:
                        continue
                    found.append(number / 1000 if number > 1e11 else number)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(payload)
    return datetime.fromtimestamp(max(found), UTC) if found else None


def stored_items() -> int:
    dynamodb = boto3.client("dynamodb")
    return sum(dynamodb.scan(TableName=name, Select="COUNT")["Count"] for name in dynamodb.list_tables()["TableNames"])


def test_every_peer_delivery_is_acknowledged_or_a_clear_400_and_a_second_posting_stores_nothing(
        client, store, sandbox, monkeypatch):
    from chalicelib import clock
    from tests.support_channels import configure_all

    credentials = demo_credentials()
    configure_all(store.store_id, credentials)
    files = [(entry["file"], CHANNEL_OF_FOLDER[entry["platform"]]) for entry in manifest()]
    assert len(files) > 300
    moments: dict[str, datetime] = {}
    configured: dict[str, str | None] = {}

    def post(name: str, channel: str) -> tuple[int, dict[str, Any]]:
        raw = (FIXTURES / name).read_bytes()
        if in_envelope(channel, raw):
            payload = json.loads(raw)
            account = addressed_to(channel, payload)
            if account and configured.get(channel) != account:
                # Configure the store with the account the delivery names, so its events are kept.
                values = dict(credentials[channel])
                if channel == "line":
                    sandbox.outbox.line_bot_user_id = account
                else:
                    field = {"facebook": "page_id", "instagram": "ig_user_id", "whatsapp": "phone_number_id"}[channel]
                    values[field] = account
                configure_all(store.store_id, {channel: values})
                configured[channel] = account
            moments[name] = (latest_moment(payload) or datetime.now(UTC)) + timedelta(minutes=1)
        monkeypatch.setattr(clock, "now", lambda: moments.get(name, datetime.now(UTC)))
        response = client.http.post(f"/webhooks/{channel}/{store.store_id}", body=raw,
                                    headers=signed_headers(channel, credentials[channel], raw))
        return response.status_code, json.loads(response.body)

    first: dict[str, tuple[int, dict[str, Any]]] = {}
    for name, channel in files:
        first[name] = post(name, channel)
        status, answer = first[name]
        raw = (FIXTURES / name).read_bytes()
        if in_envelope(channel, raw):
            assert status == 200, (name, answer)
        else:
            assert status == 400 and answer["error"]["code"] == "invalid_payload", (name, status, answer)

    acknowledged = [answer for status, answer in first.values() if status == 200]
    assert len(acknowledged) >= 300
    assert sum(answer["stored"] for answer in acknowledged) >= 60  # the deliveries were kept, not dropped
    for folder in ("line/", "messenger/", "instagram/", "whatsapp/"):  # the Page feed comments are all the page's own
        kept = sum(answer.get("stored", 0) for name, (_, answer) in first.items() if name.startswith(folder))
        assert kept > 0, folder
    # The cases that were refused before: LINE events without webhookEventId, business-scoped WhatsApp
    # users, comments without an author (skipped, acknowledged).
    assert first["line/line-bot-sdk-java__callback_text-user.json"][1]["stored"] == 1
    assert first["whatsapp/restfb__webhook-incoming-message-contacts-request-bsuid.json"][1]["stored"] == 1
    assert first["messenger/ker0x-messenger__Callback_invalid_message.json"][0] == 400

    before = stored_items()
    second = {name: post(name, channel) for name, channel in files}
    assert {name: status for name, (status, _) in second.items()} == \
        {name: status for name, (status, _) in first.items()}
    assert stored_items() == before
    assert all(answer.get("stored", 0) == 0 or (answer["events"] and _only_statuses(name))
               for name, (_, answer) in second.items())


def _only_statuses(name: str) -> bool:
    """WhatsApp status updates set the conversation's last status again (no new item): counted as stored."""
    return name.startswith("whatsapp/")


def test_published_signature_vectors_pass_and_their_negatives_fail():
    vectors = json.loads((FIXTURES / "signatures" / "VECTORS.json").read_text())
    assert len(vectors) >= 17
    for vector in vectors:
        raw = (vector["body_inline"].encode() if "body_inline" in vector
               else (FIXTURES / vector["body_file"]).read_bytes())
        channel = "line" if vector["platform"] == "line" else "facebook"
        secrets = {"channel_secret": vector["secret"], "app_secret": vector["secret"]}
        assert signature_is_valid(channel, secrets, raw, vector["expected"]), vector
        for negative in vector.get("negative") or []:
            assert not signature_is_valid(channel, secrets, raw, negative), (vector, negative)
        if channel == "line":  # a case-flipped or truncated signature never passes
            flipped = vector["expected"].swapcase()
            assert not signature_is_valid(channel, secrets, raw, flipped)
            assert not signature_is_valid(channel, secrets, raw, vector["expected"][:-4])


def test_meta_signs_the_escaped_unicode_form_and_we_verify_the_bytes_as_sent():
    escaped = (FIXTURES / "signatures" / "whatsapp-api-js__post_body_ascii_escaped.txt").read_bytes()
    utf8 = (FIXTURES / "signatures" / "whatsapp-api-js__post_body_utf8.txt").read_bytes()
    vector = next(v for v in json.loads((FIXTURES / "signatures" / "VECTORS.json").read_text())
                  if v.get("body_file", "").endswith("ascii_escaped.txt"))
    secrets = {"app_secret": vector["secret"]}
    assert signature_is_valid("whatsapp", secrets, escaped, vector["expected"])
    assert not signature_is_valid("whatsapp", secrets, utf8, vector["expected"])
    assert base64 and hashlib and hmac  # stdlib only: nothing of the fixtures is reimplemented here
