"""Faults injected on the real HTTP and AWS paths, and what is stored afterwards: nothing lost, nothing
half-written. The channel APIs are a real HTTP server (pytest-httpserver); DynamoDB faults are real
error responses injected on botocore's wire (a ``before-send`` hook), read by the SDK's retry logic.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from werkzeug import Response

from tests.support_channels import (
    PAGE_ID,
    conversation_for,
    deliver,
    line_delivery,
    line_event,
    messages,
    messenger_message,
    uid,
)


def reply(client, store, conversation_id: str, text: str = "hello"):
    return client.http.post(f"/admin/conversations/{conversation_id}/messages", headers=store.admin(),
                            body=json.dumps({"text": text}))


def directions(client, store, conversation_id: str) -> list[str]:
    return [m["direction"] for m in messages(client, store, conversation_id)]


# --- the channel API failing ------------------------------------------------------------------------

def test_channel_500s_are_retried_with_backoff_then_502_and_nothing_recorded_as_sent(
        client, store, creds, httpserver, monkeypatch):
    user = uid("psid")
    deliver(client, store.store_id, "facebook", creds, messenger_message(user))
    conversation_id = conversation_for(client, store, f"facebook:{user}")["conversation_id"]
    monkeypatch.setenv("GRAPH_API_BASE_URL", httpserver.url_for("/graph"))
    httpserver.expect_request(f"/graph/v21.0/{PAGE_ID}/messages").respond_with_json(
        {"error": {"message": "An unexpected error has occurred.", "code": 2}}, status=500)

    started = time.monotonic()
    response = reply(client, store, conversation_id)

    assert response.status_code == 502
    assert json.loads(response.body)["error"]["code"] == "channel_error"
    assert len(httpserver.log) == 3
    assert time.monotonic() - started >= 0.3 + 0.6  # the pauses between attempts grow
    assert directions(client, store, conversation_id) == ["inbound"]
    listed = conversation_for(client, store, f"facebook:{user}")
    assert listed["last_message"]["direction"] == "inbound"


def test_a_send_that_times_out_is_502_and_not_repeated_nor_recorded(client, store, creds, httpserver, monkeypatch):
    from chalicelib.channels import transport

    user = uid("psid")
    deliver(client, store.store_id, "facebook", creds, messenger_message(user))
    conversation_id = conversation_for(client, store, f"facebook:{user}")["conversation_id"]
    monkeypatch.setenv("GRAPH_API_BASE_URL", httpserver.url_for("/graph"))
    monkeypatch.setattr(transport, "READ_SECONDS", 0.3)

    def slow(_request):
        time.sleep(0.8)
        return Response(json.dumps({"message_id": "m_late"}), content_type="application/json")

    httpserver.expect_request(f"/graph/v21.0/{PAGE_ID}/messages").respond_with_handler(slow)
    response = reply(client, store, conversation_id)

    assert response.status_code == 502
    assert "could not be reached" in json.loads(response.body)["error"]["message"]
    # A Meta send that timed out may have arrived: it is not sent a second time.
    assert len(httpserver.log) <= 1
    assert directions(client, store, conversation_id) == ["inbound"]


def test_a_line_push_that_times_out_is_retried_with_the_same_retry_key(client, store, creds, httpserver,
                                                                        monkeypatch):
    from chalicelib.channels import transport

    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    conversation_id = conversation_for(client, store, f"line:{user}")["conversation_id"]
    monkeypatch.setenv("LINE_API_BASE_URL", httpserver.url_for("/line"))
    monkeypatch.setattr(transport, "READ_SECONDS", 0.3)
    keys: list[str] = []

    def first_slow(request):
        keys.append(request.headers["X-Line-Retry-Key"])
        if len(keys) == 1:
            time.sleep(0.8)
        return Response(json.dumps({"sentMessages": [{"id": "4612309", "quoteToken": "q"}]}),
                        content_type="application/json")

    httpserver.expect_request("/line/v2/bot/message/push").respond_with_handler(first_slow)
    response = reply(client, store, conversation_id, "hi")

    assert response.status_code == 201, response.body
    # The test server answers one request at a time, so on a busy machine the retry can time out behind the
    # slow first answer too: what matters is that it was retried and every attempt carried one retry key.
    assert len(keys) >= 2 and len(set(keys)) == 1  # LINE sends once per retry key
    assert directions(client, store, conversation_id) == ["inbound", "outbound"]


# --- DynamoDB throttling and transaction conflicts ----------------------------------------------------

class WireFaults:
    """Answers chosen DynamoDB operations with an AWS error, as the service would, a given number of times."""

    def __init__(self) -> None:
        self.plan: dict[str, list[tuple[int, str, str]]] = {}
        self.seen: list[str] = []

    def fail(self, operation: str, times: int, code: str, status: int = 400, reason: str = "") -> None:
        self.plan.setdefault(operation, []).extend([(status, code, reason)] * times)

    def __call__(self, request, **_: object):
        from botocore.awsrequest import AWSResponse

        target = request.headers.get("X-Amz-Target", b"")
        if target:  # DynamoDB (JSON protocol)
            operation = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        else:  # SNS (query protocol): Action=Publish&...
            body_text = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
            operation = next((part[7:] for part in body_text.split("&") if part.startswith("Action=")), "")
        self.seen.append(operation)
        queue = self.plan.get(operation)
        if not queue:
            return None
        status, code, reason = queue.pop(0)
        from moto.core.models import botocore_stubber

        botocore_stubber.enabled = False  # the service "fails": moto must not also perform the call
        if not target:
            xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>Rate exceeded</Message>"
                   "</Error><RequestId>fault</RequestId></ErrorResponse>")
            return AWSResponse(request.url, status, {"Content-Type": "text/xml"}, _Raw(xml.encode()))
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code}
        if reason:
            body["CancellationReasons"] = [{"Code": reason, "Message": reason}]
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0"},
                           _Raw(json.dumps(body).encode()))


    @staticmethod
    def restore(**_: object) -> None:
        """After each attempt (botocore's needs-retry event): moto answers the next request again."""
        from moto.core.models import botocore_stubber

        botocore_stubber.enabled = True


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object):
        yield self._data


@pytest.fixture
def wire_faults():
    """The hook on the one PynamoDB connection's botocore client (the process's only DynamoDB client)."""
    from chalicelib.models import transactions

    faults = WireFaults()

    client = transactions.connection().client
    client.meta.events.register_first("before-send.dynamodb", faults)
    client.meta.events.register_first("needs-retry.dynamodb", faults.restore)
    yield faults
    client.meta.events.unregister("before-send.dynamodb", faults)
    client.meta.events.unregister("needs-retry.dynamodb", faults.restore)
    faults.restore()


def test_intake_rides_out_dynamodb_throttling_with_the_sdks_retries(client, store, creds, wire_faults):
    user = uid("psid")
    wire_faults.fail("TransactWriteItems", 2, "ThrottlingException")
    response = deliver(client, store.store_id, "facebook", creds, messenger_message(user, "still there?"))

    assert response.status_code == 200, response.body
    assert json.loads(response.body)["stored"] == 1, (response.body, wire_faults.seen)
    assert wire_faults.seen.count("TransactWriteItems") == 3  # two throttled, the third written
    conversation = conversation_for(client, store, f"facebook:{user}")
    assert [m["text"] for m in messages(client, store, conversation["conversation_id"])] == ["still there?"]


def test_a_delivery_that_cannot_be_written_is_not_acknowledged_and_its_redelivery_stores_it_once(
        client, store, creds, wire_faults):
    user = uid("psid")
    payload = messenger_message(user, "order 42?")
    wire_faults.fail("TransactWriteItems", 10, "TransactionCanceledException", reason="TransactionConflict")

    response = deliver(client, store.store_id, "facebook", creds, payload)

    assert response.status_code >= 500  # Meta retries a non-200
    assert conversation_for(client, store, f"facebook:{user}") is None  # nothing half-written
    wire_faults.plan.clear()
    again = deliver(client, store.store_id, "facebook", creds, payload)
    assert again.status_code == 200 and json.loads(again.body)["stored"] == 1
    assert json.loads(deliver(client, store.store_id, "facebook", creds, payload).body)["duplicates"] == 1
    conversation = conversation_for(client, store, f"facebook:{user}")
    assert [m["text"] for m in messages(client, store, conversation["conversation_id"])] == ["order 42?"]
    assert conversation["unread_count"] == 1


# --- SNS throttling on a code send ---------------------------------------------------------------------

@pytest.fixture
def sns_faults():
    from chalicelib import aws as aws_clients

    faults = WireFaults()
    client = aws_clients.client("sns")
    client.meta.events.register_first("before-send.sns", faults)
    client.meta.events.register_first("needs-retry.sns", faults.restore)
    yield faults
    client.meta.events.unregister("before-send.sns", faults)
    client.meta.events.unregister("needs-retry.sns", faults.restore)
    faults.restore()


def test_sns_throttling_on_a_code_send_is_502_logged_failed_and_costs_no_quota(client, store, sns_faults):
    from chalicelib import clock
    from chalicelib.models import SmsLogModel
    from tests.support_accounts import call, fresh_tw_mobile, moto_sms

    phone = fresh_tw_mobile()
    sns_faults.fail("Publish", 5, "Throttling")

    def send():
        return call(client, "POST", "/storefront/verifications", store.storefront(),
                    {"phone": phone, "purpose": "signup"})

    status, failed = send()
    assert status == 502 and failed["error"]["code"] == "sms_failed"
    assert sns_faults.seen.count("Publish") >= 2  # the SDK retried the throttled publish
    day = clock.local_day(clock.now(), "Asia/Taipei")
    logged = [item for item in SmsLogModel.query(f"{store.store_id}#{day}") if item.phone == phone]
    assert [(item.status, item.failure_reason) for item in logged] == [("failed", "Throttling")]
    assert moto_sms(phone) == []
    sns_faults.plan.clear()
    status, _ = send()  # the failed send gave its quota back: no 429 for the 30 s per-number limit
    assert status == 202
    assert len(moto_sms(phone)) == 1


# --- S3 failing in the middle of a report ------------------------------------------------------------

class S3Faults:
    """Fails S3 writes (PutObject / UploadPart) after ``after`` successful ones, the way S3 answers a 500."""

    def __init__(self, after: int, times: int) -> None:
        self.after, self.times, self.writes = after, times, 0

    def __call__(self, request, **_: object):
        from botocore.awsrequest import AWSResponse
        from moto.core.models import botocore_stubber

        if request.method != "PUT" or ("uploadId=" in request.url and "partNumber=" not in request.url):
            return None
        self.writes += 1
        if self.writes <= self.after or self.times <= 0:
            return None
        self.times -= 1
        botocore_stubber.enabled = False
        xml = b"<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"
        return AWSResponse(request.url, 500, {"Content-Type": "application/xml"}, _Raw(xml))


def test_s3_failing_in_the_middle_of_a_report_leaves_no_partial_object_and_the_next_run_writes_it(store):
    import boto3

    from chalicelib import aws as aws_clients
    from chalicelib import clock
    from chalicelib.reports.compiler import day_keys, run_scheduled
    from tests.support_reports import BUCKET, TW, local_midnight_after, seed_day

    day_start = local_midnight_after(clock.now(), TW)
    day = clock.local_day(day_start, TW)
    seed_day(store.store_id, day_start)
    client = aws_clients.client("s3")
    faults = S3Faults(after=1, times=100)  # the first file is written, every later write fails
    client.meta.events.register_first("before-send.s3", faults)
    client.meta.events.register_first("needs-retry.s3", WireFaults.restore)
    try:
        failed = run_scheduled(day_start + timedelta(days=1, minutes=1))
    finally:
        client.meta.events.unregister("before-send.s3", faults)
        client.meta.events.unregister("needs-retry.s3", WireFaults.restore)
        WireFaults.restore()

    assert store.store_id in failed.failed and f"{store.store_id}/{day}" not in failed.compiled
    s3 = boto3.client("s3")
    keys = set(day_keys(store.store_id, day))
    present = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="reports/").get("Contents", [])} & keys
    assert len(present) <= 1  # only files written whole before the failure; none half-written
    assert not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")

    rerun = run_scheduled(day_start + timedelta(days=1, minutes=2))
    assert f"{store.store_id}/{day}" in rerun.compiled
    for key in keys:
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().startswith(b"\xef\xbb\xbf")


# --- redemption under DynamoDB throttling and transaction conflicts ------------------------------------

def test_redemption_rides_out_throttling_and_a_conflict_writes_nothing_and_keeps_the_token(
        client, store, creds, sandbox, wire_faults, monkeypatch):
    from chalicelib.models import transactions
    from tests.conftest import call
    from tests.support_binding import link_in, new_member, set_storefront, start_conversation, token_from_url

    set_storefront(client, store)
    conversation_id, key = start_conversation(client, store, creds, "line")
    sandbox.outbox.clear()
    status, _ = call(client, "POST", f"/admin/conversations/{conversation_id}/binding-invitation", store.admin())
    assert status == 201
    token = token_from_url(link_in([i for i in sandbox.outbox.items() if i["method"] == "POST"][-1]))
    member_id = new_member(store.store_id)

    def redeem():
        return call(client, "POST", "/storefront/bindings/redeem", store.storefront(),
                    {"token": token, "member_id": member_id})

    # A conflict that never ends (the connection's and the redemption's retries all meet one), waits not slept
    monkeypatch.setattr(transactions, "_sleep", lambda seconds: None)
    wire_faults.fail("TransactWriteItems", 1000, "TransactionCanceledException", reason="TransactionConflict")
    status, _ = redeem()
    assert status >= 409  # not bound, and said so: never a 200 for a binding that was not written
    conversation = call(client, "GET", f"/admin/conversations/{conversation_id}", store.admin())[1]
    assert conversation["member_id"] is None

    wire_faults.plan.clear()
    wire_faults.fail("TransactWriteItems", 2, "ThrottlingException")
    status, answer = redeem()
    assert (status, answer["member_id"], answer["social_user_key"]) == (200, member_id, key)
    conversation = call(client, "GET", f"/admin/conversations/{conversation_id}", store.admin())[1]
    assert conversation["member_id"] == member_id
    assert redeem()[0] == 409  # used once
