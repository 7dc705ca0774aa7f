"""The floor: a minimal Chalice app doing only each hot route's unavoidable work, to measure ours against.

Each handler checks the caller (webhook HMAC over the raw bytes, or one GetItem of the API key by
its SHA-256), parses the body, makes the route's one conditional write or its reads through
PynamoDB, and answers JSON. No validation messages, no logging, no limits, no views: whatever our
own code spends beyond this is what ``bench/own_time.py`` reports as our overhead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
from chalice.app import Chalice, Response
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.models import ApiKeyModel
from chalicelib.models.inbox import ConversationModel
from chalicelib.models.members import MemberIdentityModel, MemberModel

floor = Chalice(app_name="floor")
SECRETS: dict[str, str] = {}  # the WhatsApp app secret, held in memory as a warm instance would
PEPPER = b"floor-pepper"
_sns: list[Any] = []


class FloorItem(Model):
    class Meta:
        table_name = "memberlink-bench-floor"
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    text = UnicodeAttribute(null=True)
    member_id = UnicodeAttribute(null=True)
    code_hmac = UnicodeAttribute(null=True)
    attempts = NumberAttribute(null=True)
    expires_at = UTCDateTimeAttribute(null=True)
    used_at = UTCDateTimeAttribute(null=True)


def _store_of(headers: Any) -> str:
    key = headers["authorization"][7:]
    store_id = key.split(".")[1]
    ApiKeyModel.get(store_id, hashlib.sha256(key.encode()).hexdigest())
    return store_id


def _json(body: Any, status: int = 200) -> Response:
    return Response(body=json.dumps(body, default=str), status_code=status,
                    headers={"Content-Type": "application/json"})


@floor.route("/webhooks/whatsapp/{store_id}", methods=["POST"], content_types=["*/*"])
def webhook(store_id: str) -> Response:
    request = floor.current_request
    raw = request.raw_body
    expected = "sha256=" + hmac.new(SECRETS["whatsapp"].encode(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers["x-hub-signature-256"]):
        return _json({"error": "signature"}, 401)
    message = json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]
    FloorItem(f"{store_id}#delivery", message["id"], text=message["text"]["body"]).save(
        condition=FloorItem.sk.does_not_exist())
    return _json({"stored": 1})


@floor.route("/admin/conversations", methods=["GET"])
def conversations() -> Response:
    store_id = _store_of(floor.current_request.headers)
    items = ConversationModel.by_last_message.query(store_id, scan_index_forward=False, limit=50)
    return _json({"items": [item.attribute_values for item in items]})


@floor.route("/storefront/bindings/redeem", methods=["POST"])
def redeem() -> Response:
    request = floor.current_request
    store_id = _store_of(request.headers)
    body = json.loads(request.raw_body)
    now = datetime.now(UTC)
    token = FloorItem(store_id, "token#" + hashlib.sha256(body["token"].encode()).hexdigest())
    token.update(actions=[FloorItem.used_at.set(now), FloorItem.member_id.set(body["member_id"])],
                 condition=FloorItem.used_at.does_not_exist() & (FloorItem.expires_at > now))
    return _json({"member_id": body["member_id"]})


@floor.route("/storefront/verifications", methods=["POST"])
def send_code() -> Response:
    request = floor.current_request
    store_id = _store_of(request.headers)
    number = phonenumbers.parse(json.loads(request.raw_body)["phone"], "TW")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    code = "123456"
    verification_id = hashlib.sha256(e164.encode() + datetime.now(UTC).isoformat().encode()).hexdigest()[:20]
    FloorItem(store_id, "code#" + verification_id,
              code_hmac=hmac.new(PEPPER, code.encode(), hashlib.sha256).hexdigest(), attempts=0,
              expires_at=datetime.now(UTC) + timedelta(minutes=10)).save(condition=FloorItem.sk.does_not_exist())
    if not _sns:
        import boto3

        _sns.append(boto3.client("sns"))
    _sns[0].publish(PhoneNumber=e164, Message=f"Your code is {code}")
    return _json({"verification_id": verification_id}, 202)


@floor.route("/storefront/verifications/{verification_id}/check", methods=["POST"])
def check_code(verification_id: str) -> Response:
    request = floor.current_request
    store_id = _store_of(request.headers)
    code = json.loads(request.raw_body)["code"]
    now = datetime.now(UTC)
    FloorItem(store_id, "code#" + verification_id).update(
        actions=[FloorItem.used_at.set(now)],
        condition=(FloorItem.code_hmac == hmac.new(PEPPER, code.encode(), hashlib.sha256).hexdigest())
        & (FloorItem.expires_at > now) & FloorItem.used_at.does_not_exist() & (FloorItem.attempts < 5))
    return _json({"verification_token": verification_id})


@floor.route("/staff/members", methods=["GET"])
def search() -> Response:
    request = floor.current_request
    store_id = _store_of(request.headers)
    number = phonenumbers.parse(request.query_params["phone"], "TW")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    identity = MemberIdentityModel.get(store_id, f"phone#{e164}")
    member = MemberModel.get(store_id, identity.member_id)
    return _json({"items": [member.attribute_values]})


def seed_code(store_id: str, verification_id: str, code: str) -> None:
    """A code the floor's check route can consume (what the floor's send route would have written)."""
    code_hmac = hmac.new(PEPPER, code.encode(), hashlib.sha256).hexdigest()
    FloorItem(store_id, "code#" + verification_id, code_hmac=code_hmac, attempts=0,
              expires_at=datetime.now(UTC) + timedelta(minutes=10)).save()


def seed_token(store_id: str, token: str) -> None:
    FloorItem(store_id, "token#" + hashlib.sha256(token.encode()).hexdigest(),
              expires_at=datetime.now(UTC) + timedelta(hours=1)).save()
