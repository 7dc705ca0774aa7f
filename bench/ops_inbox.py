"""Inbox operations (issue 3): what one inbound webhook message and one inbox page cost.

"warm" rows run after one earlier delivery on the same instance, as a busy Lambda would: the channel
secret (SSM, cached 5 min) and the store's auto-reply rules (cached 60 s) are already in memory.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from bench.support import Bench, Operation


def _setup_channels(bench: Bench) -> dict[str, dict[str, str]]:
    from chalicelib import clock
    from chalicelib.channels import configure_channel
    from local.sandbox import demo_channels

    channels = demo_channels()
    for channel, values in channels.items():
        configure_channel(bench.store_id, channel, values, clock.now())
    bench.sandbox.outbox.accounts.update({channels["facebook"]["page_id"]: "facebook",
                                          channels["instagram"]["ig_user_id"]: "instagram",
                                          channels["whatsapp"]["phone_number_id"]: "whatsapp"})
    return channels


def _deliver(bench: Bench, channels: dict[str, dict[str, str]], channel: str, payload: Any) -> dict[str, Any]:
    from chalicelib.channels.line import line_signature
    from chalicelib.channels.meta import meta_signature

    raw = json.dumps(payload).encode()
    if channel == "line":
        headers = {"X-Line-Signature": line_signature(channels["line"]["channel_secret"], raw)}
    else:
        headers = {"X-Hub-Signature-256": meta_signature(channels[channel]["app_secret"], raw)}
    status, answer = bench.call("POST", f"/webhooks/{channel}/{bench.store_id}", raw=raw, headers=headers)
    assert status == 200, answer
    return dict(answer)


def _line(user: str, text: str = "Hello", event_id: str | None = None) -> dict[str, Any]:
    from local.channel_sandbox import LINE_BOT_USER_ID  # the bot the sandbox's /v2/bot/info names

    return {"destination": LINE_BOT_USER_ID, "events": [{
        "type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user}, "webhookEventId": event_id or secrets.token_hex(13),
        "deliveryContext": {"isRedelivery": False}, "replyToken": secrets.token_hex(16),
        "message": {"id": str(secrets.randbelow(10**18)), "type": "text", "text": text}}]}


def _whatsapp(channels: dict[str, dict[str, str]], wa_id: str) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": channels["whatsapp"]["phone_number_id"]},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": "wamid." + secrets.token_hex(8), "timestamp": str(int(time.time())),
                      "type": "text", "text": {"body": "Another color?"}}]}}]}]}


def _ig_comment(channels: dict[str, dict[str, str]], text: str) -> dict[str, Any]:
    account = channels["instagram"]["ig_user_id"]
    return {"object": "instagram", "entry": [{"id": account, "time": int(time.time()), "changes": [{
        "field": "comments", "value": {"id": secrets.token_hex(8), "text": text,
                                       "from": {"id": secrets.token_hex(6), "username": "shopper"},
                                       "media": {"id": "1790", "media_product_type": "FEED"}}}]}]}


def warm(bench: Bench) -> dict[str, Any]:
    channels = _setup_channels(bench)
    for channel in ("line", "whatsapp", "instagram"):  # each channel's secret is cached once
        payload = {"line": _line("Uwarm"), "whatsapp": _whatsapp(channels, "886900000000"),
                   "instagram": _ig_comment(channels, "warm-up")}[channel]
        _deliver(bench, channels, channel, payload)
    return {"channels": channels}


def cold_line_message(bench: Bench, state: Any) -> None:
    _deliver(bench, state, "line", _line("U" + secrets.token_hex(8)))


def new_line_customer(bench: Bench, state: Any) -> None:
    assert _deliver(bench, state["channels"], "line", _line("U" + secrets.token_hex(8)))["stored"] == 1


def setup_known_customer(bench: Bench) -> Any:
    state = warm(bench)
    state["user"] = "U" + secrets.token_hex(8)
    _deliver(bench, state["channels"], "line", _line(state["user"], "first"))
    return state


def known_line_customer(bench: Bench, state: Any) -> None:
    assert _deliver(bench, state["channels"], "line", _line(state["user"], "second"))["stored"] == 1


def whatsapp_message(bench: Bench, state: Any) -> None:
    payload = _whatsapp(state["channels"], "8869" + str(secrets.randbelow(10**8)))
    assert _deliver(bench, state["channels"], "whatsapp", payload)["stored"] == 1


def setup_repeat(bench: Bench) -> Any:
    state = warm(bench)
    state["payload"] = _line("U" + secrets.token_hex(8))
    _deliver(bench, state["channels"], "line", state["payload"])
    return state


def repeated_delivery(bench: Bench, state: Any) -> None:
    assert _deliver(bench, state["channels"], "line", state["payload"])["duplicates"] == 1


def setup_rule(bench: Bench) -> Any:
    status, _ = bench.call("POST", "/admin/auto-reply-rules", bench.admin_key, {
        "channel": "instagram", "scope": "comments", "keywords": ["運費"], "reply_text": "運費 60 元"})
    assert status == 201
    return warm(bench)  # the warm-up comment reads (and caches) the rules


def comment_with_auto_reply(bench: Bench, state: Any) -> None:
    payload = _ig_comment(state["channels"], "想問運費")
    assert _deliver(bench, state["channels"], "instagram", payload)["auto_replies"] == 1


def setup_queued_reply(bench: Bench) -> Any:
    """A keyword comment delivered: its reply waits on the channel-work queue, taken off as Lambda's event source
    would (not counted: the event source's calls are not the function's)."""
    import boto3

    from chalicelib.config import channel_queue_url

    state = setup_rule(bench)
    _deliver(bench, state["channels"], "instagram", _ig_comment(state["channels"], "想問運費"))
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=channel_queue_url(), MaxNumberOfMessages=10)["Messages"]
    state["records"] = [{"messageId": m["MessageId"], "body": m["Body"]} for m in messages
                        if json.loads(m["Body"])["kind"] == "auto_reply"]
    return state


def queued_reply(bench: Bench, state: Any) -> None:
    from chalicelib import clock
    from chalicelib.inbox import channel_work

    assert channel_work.handle_records(state["records"][-1:], clock.now) == {"batchItemFailures": []}


def setup_inbox(bench: Bench) -> Any:
    state = warm(bench)
    for _ in range(20):
        _deliver(bench, state["channels"], "line", _line("U" + secrets.token_hex(8)))
    return state


def list_inbox(bench: Bench, state: Any) -> None:
    status, page = bench.call("GET", "/admin/conversations?limit=50", bench.admin_key)
    assert status == 200 and len(page["items"]) == 23


def list_unread_line(bench: Bench, state: Any) -> None:
    status, page = bench.call("GET", "/admin/conversations?unread_only=true&channel=line", bench.admin_key)
    assert status == 200 and page["items"]


def reply(bench: Bench, state: Any) -> None:
    status, page = bench.call("GET", "/admin/conversations?limit=1", bench.admin_key)
    conversation_id = page["items"][0]["conversation_id"]
    bench.counter.calls.clear()  # count the reply alone
    bench.sandbox.outbox.clear()
    status, answer = bench.call("POST", f"/admin/conversations/{conversation_id}/messages", bench.admin_key,
                                {"text": "In stock!"})
    assert status == 201, answer


OPERATIONS = [
    Operation("webhook: LINE message, cold instance (SSM read, profile look-up queued)",
              "<= 2 DynamoDB + 1 SQS, no channel call", cold_line_message, _setup_channels),
    Operation("webhook: LINE message from a new customer (warm; profile look-up queued)",
              "<= 2 DynamoDB + 1 SQS, no channel call", new_line_customer, warm),
    Operation("webhook: LINE message from a known customer (warm)", "<= 2 DynamoDB", known_line_customer,
              setup_known_customer),
    Operation("webhook: WhatsApp message (name in the payload, warm)", "<= 2 DynamoDB", whatsapp_message, warm),
    Operation("webhook: the same delivery again (deduplicated)", "<= 2 DynamoDB", repeated_delivery, setup_repeat),
    Operation("webhook: Instagram comment + keyword auto-reply (warm; reply queued)",
              "<= 2 DynamoDB + 1 SQS, no channel call", comment_with_auto_reply, setup_rule),
    Operation("channel_work: the queued public reply (claim, send, keep)", "2 DynamoDB + 1 channel",
              queued_reply, setup_queued_reply),
    Operation("GET /admin/conversations (23 conversations)", "", list_inbox, setup_inbox),
    Operation("GET /admin/conversations?unread_only&channel", "", list_unread_line, setup_inbox),
    Operation("POST /admin/conversations/{id}/messages (reply)", "", reply, setup_inbox),
]
