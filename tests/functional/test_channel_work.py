"""The channel-work queue and its consumer: the webhook queues, the consumer answers each comment once.

Webhooks go through chalice.test.Client; the consumer runs as Lambda's SQS event source would run it
(``local/queue_worker.py`` over the embedded SQS), against the channel sandbox or a platform that fails."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from chalicelib.config import channel_queue_url
from tests.support_channels import (
    IG_ACCOUNT_ID,
    conversation_for,
    deliver,
    facebook_comment,
    instagram_comment,
    messages,
    run_channel_work,
    uid,
)


def add_rule(client: Any, store: Any, **rule: Any) -> dict[str, Any]:
    response = client.http.post("/admin/auto-reply-rules", headers=store.admin(), body=json.dumps(rule).encode())
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def queued() -> list[dict[str, Any]]:
    """The jobs waiting on the channel-work queue (left there: received with no visibility change)."""
    sqs = boto3.client("sqs")
    answer = sqs.receive_message(QueueUrl=channel_queue_url(), MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def test_a_keyword_comment_is_answered_from_the_queue_and_the_webhook_calls_no_channel(client, store, creds, sandbox):
    # GIVEN a comment rule
    add_rule(client, store, channel="instagram", scope="comments", keywords=["+1"], reply_text="Ordered!")
    user, comment_id = uid("ig"), uid("1789")
    sandbox.outbox.clear()
    # WHEN a matching comment is delivered
    response = deliver(client, store.store_id, "instagram", creds, instagram_comment(user, "+1 please", comment_id))
    # THEN the webhook answered having called no platform, with the reply queued
    assert response.status_code == 200 and json.loads(response.body)["auto_replies"] == 1
    assert sandbox.outbox.items() == []
    jobs = queued()
    assert [(j["kind"], j["comment_id"], j["how"]) for j in jobs] == [("auto_reply", comment_id, "comment_reply")]
    # AND the consumer sends it and keeps it in the conversation
    run_channel_work()
    assert [c["path"] for c in sandbox.outbox.items()] == [f"/graph/v21.0/{comment_id}/replies"]
    items = messages(client, store, conversation_for(client, store, f"instagram:{user}")["conversation_id"])
    assert [(m["direction"], m["kind"], m["text"]) for m in items] == [
        ("inbound", "comment", "+1 please"), ("outbound", "auto_reply", "Ordered!")]


def test_the_same_job_delivered_twice_by_sqs_sends_one_reply(client, store, creds, sandbox):
    from app import app
    from local.queue_worker import poll_once

    add_rule(client, store, channel="facebook", scope="comments", keywords=["want"], reply_text="Check your DMs",
             private_reply=True)
    comment = facebook_comment(uid("fb"), "I want two")
    deliver(client, store.store_id, "facebook", creds, comment)
    job = queued()[0]
    boto3.client("sqs").send_message(QueueUrl=channel_queue_url(), MessageBody=json.dumps(job))  # SQS's duplicate
    sandbox.outbox.clear()
    handled = poll_once(app, wait_seconds=0) + poll_once(app, wait_seconds=0)
    assert handled == 2
    assert len(sandbox.outbox.items()) == 1
    assert sandbox.outbox.items()[0]["body"]["recipient"] == {"comment_id": job["comment_id"]}


def test_copies_arriving_at_each_step_of_anothers_work_send_one_reply(client, store, creds, sandbox, monkeypatch):
    """The race, replayed step by step (in-process moto is not atomic across threads, so threads would prove
    nothing): a copy of the job starts while the first holds its claim before sending, another after the
    first sent but before it kept the reply, a last one after it finished."""
    from chalicelib.inbox import autoreply, channel_work

    # GIVEN a comment rule and a matching comment whose reply is queued
    add_rule(client, store, channel="instagram", scope="comments", keywords=["+1"], reply_text="Noted")
    user, comment_id = uid("ig"), uid("1789")
    deliver(client, store.store_id, "instagram", creds, instagram_comment(user, "+1", comment_id))
    job = queued()[0]
    sandbox.outbox.clear()
    outcomes: dict[str, str] = {}

    def another_copy(name: str) -> None:
        outcomes[name] = channel_work.handle(dict(job), lambda: datetime.now(UTC))

    real_send, real_keep = autoreply.send_reply, channel_work._keep

    def send_after_a_copy_came(job_: dict[str, Any]) -> Any:
        another_copy("while claimed, before the send")
        return real_send(job_)

    def keep_after_a_copy_came(*args: Any) -> None:
        another_copy("after the send, before the reply is kept")
        real_keep(*args)

    monkeypatch.setattr(autoreply, "send_reply", send_after_a_copy_came)
    monkeypatch.setattr(channel_work, "_keep", keep_after_a_copy_came)
    # WHEN the first copy runs (the others arriving inside it), then one more copy after it
    outcomes["first"] = channel_work.handle(dict(job), lambda: datetime.now(UTC))
    another_copy("after it finished")
    # THEN the first sent and every other copy found the claim
    assert outcomes == {"first": "sent", "while claimed, before the send": "duplicate",
                        "after the send, before the reply is kept": "duplicate", "after it finished": "duplicate"}
    # AND the platform got one reply, and the conversation keeps one
    assert [c["path"] for c in sandbox.outbox.items()] == [f"/graph/v21.0/{comment_id}/replies"]
    items = messages(client, store, conversation_for(client, store, f"instagram:{user}")["conversation_id"])
    assert [(m["direction"], m["kind"]) for m in items] == [("inbound", "comment"), ("outbound", "auto_reply")]


class FlakyPlatform:
    """A Graph API that answers ``statuses`` in turn (then 200), recording each call."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.calls: list[str] = []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                platform.calls.append(self.path)
                status = platform.statuses.pop(0) if platform.statuses else 200
                body = json.dumps({"id": "reply-1"} if status == 200 else {"error": {"message": f"HTTP {status}"}})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(body.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyPlatform]:
    platform = FlakyPlatform([503, 503, 503, 429, 429, 429])  # two whole calls of three attempts each fail
    monkeypatch.setenv("GRAPH_API_BASE_URL", platform.url)
    yield platform
    platform.server.shutdown()


def test_a_platform_failing_with_5xx_and_429_is_retried_later_and_answered_once(client, store, creds, flaky):
    from chalicelib.inbox import channel_work

    add_rule(client, store, channel="instagram", scope="comments", keywords=["+1"], reply_text="Noted")
    user = uid("ig")
    deliver(client, store.store_id, "instagram", creds, instagram_comment(user, "+1", uid("1789")))
    job = queued()[0]
    record = {"messageId": "m-1", "body": json.dumps(job)}
    clock = lambda: datetime.now(UTC)  # noqa: E731
    # WHEN the platform answers 503 three times: the record is handed back to SQS, nothing kept
    assert channel_work.handle_records([record], clock) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    # AND then 429 three times: again
    assert channel_work.handle_records([record], clock) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    # THEN the third offer is answered, once, and the next copy finds it answered
    assert channel_work.handle_records([record], clock) == {"batchItemFailures": []}
    assert channel_work.handle(job, clock) == "duplicate"
    assert len(flaky.calls) == 7
    items = messages(client, store, conversation_for(client, store, f"instagram:{user}")["conversation_id"])
    assert [m["kind"] for m in items] == ["comment", "auto_reply"]


def test_a_reply_the_platform_refuses_for_good_is_not_sent_again(client, store, creds, monkeypatch):
    from chalicelib.inbox import channel_work

    platform = FlakyPlatform([400])
    monkeypatch.setenv("GRAPH_API_BASE_URL", platform.url)
    try:
        add_rule(client, store, channel="instagram", scope="comments", keywords=["+1"], reply_text="Noted")
        deliver(client, store.store_id, "instagram", creds, instagram_comment(uid("ig"), "+1", uid("1789")))
        job = queued()[0]
        clock = lambda: datetime.now(UTC)  # noqa: E731
        assert channel_work.handle(job, clock) == "refused"
        assert channel_work.handle(job, clock) == "duplicate"
        assert len(platform.calls) == 1
    finally:
        platform.server.shutdown()


def test_a_job_whose_slot_is_far_off_goes_back_on_the_queue_with_a_delay(client, store, creds, sandbox, monkeypatch):
    from chalicelib.channels import pacing
    from chalicelib.inbox import channel_work

    add_rule(client, store, channel="instagram", scope="comments", keywords=["+1"], reply_text="DM sent",
             private_reply=True)
    for _ in range(2):
        deliver(client, store.store_id, "instagram", creds, instagram_comment(uid("ig"), "+1", uid("1789")))
    jobs = queued()
    monkeypatch.setattr(pacing, "_local", threading.local())  # a fresh instance
    sandbox.outbox.clear()
    clock = lambda: datetime.now(UTC)  # noqa: E731
    # 750 private replies an hour per account, shared by 2 instances: one now, the next about 10 s later
    assert [channel_work.handle(job, clock) for job in jobs] == ["sent", "deferred"]
    assert len(sandbox.outbox.items()) == 1
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=channel_queue_url(),
                                                          AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"] != "0"


def test_the_local_queue_dead_letters_after_five_receives_as_the_template_says(aws):
    from infra import template

    sqs = boto3.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=channel_queue_url(), AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    queue = template.channel_work_resources("prod")["ChannelWorkQueue"]["Properties"]
    assert int(redrive["maxReceiveCount"]) == queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"].endswith("channel-work-dead-letters")
    assert int(attributes["VisibilityTimeout"]) == queue["VisibilityTimeout"]


def test_no_job_carries_a_secret_or_a_phone_number(client, store, creds, sandbox):
    add_rule(client, store, channel="instagram", scope="messages", keywords=["hi"], reply_text="Hello!")
    deliver(client, store.store_id, "instagram", creds,
            {"object": "instagram", "entry": [{"id": IG_ACCOUNT_ID, "time": 0, "messaging": [{
                "sender": {"id": "7788"}, "recipient": {"id": IG_ACCOUNT_ID},
                "timestamp": int(datetime.now(UTC).timestamp() * 1000),
                "message": {"mid": uid("mid"), "text": "hi there"}}]}]})
    text = json.dumps(queued())
    secret_fields = ("app_secret", "access_token", "verify_token", "channel_secret", "channel_access_token")
    assert all(values[name] not in text for values in creds.values() for name in secret_fields if name in values)
    run_channel_work()


def test_a_reply_sent_but_not_stored_is_never_sent_again(client, store, creds, sandbox, monkeypatch):
    from chalicelib.inbox import autoreply, channel_work

    add_rule(client, store, channel="instagram", scope="comments", keywords=["+1"], reply_text="Noted")
    deliver(client, store.store_id, "instagram", creds, instagram_comment(uid("ig"), "+1", uid("1789")))
    job = queued()[0]
    sandbox.outbox.clear()

    def broken(*args: Any) -> Any:
        raise RuntimeError("DynamoDB went away between the send and the write")

    working = autoreply.reply_write
    monkeypatch.setattr(autoreply, "reply_write", broken)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    assert channel_work.handle_records([{"messageId": "m-1", "body": json.dumps(job)}], clock) == {
        "batchItemFailures": []}  # acknowledged: SQS never offers it again
    monkeypatch.setattr(autoreply, "reply_write", working)
    assert channel_work.handle(job, clock) == "duplicate"
    assert len(sandbox.outbox.items()) == 1
