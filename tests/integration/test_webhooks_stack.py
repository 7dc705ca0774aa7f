"""Webhooks against the real local stack: signatures over raw bytes on the wire, auto-replies at the sandbox,
the blacklist."""

from __future__ import annotations

import json

from tests.integration.support_stack import post_signed
from tests.support_channels import (
    body,
    instagram_comment,
    line_delivery,
    line_event,
    signed_headers,
    uid,
)


def outbox(stack) -> list[dict]:
    status, answer = stack.call("GET", "/_local/outbox")
    assert status == 200
    return list(answer["items"])


def test_signed_instagram_comment_with_a_keyword_gets_exactly_one_reply(stack):
    keyword = uid("kw")
    status, rule = stack.call("POST", "/admin/auto-reply-rules", stack.info["admin_key"], {
        "channel": "instagram", "scope": "comments", "keywords": [keyword.upper()],
        "reply_text": f"Thanks! ({keyword})", "private_reply": False})
    assert status == 201, rule
    comment_id = uid("1789")
    raw = body(instagram_comment(uid("ig"), f"想問 {keyword} 運費", comment_id=comment_id,
                                 account_id=stack.info["channels"]["instagram"]["ig_user_id"]))

    for _ in range(3):  # Meta redelivers when it does not hear back in time
        status, receipt = post_signed(stack, "instagram", raw)
        assert status == 200, receipt

    assert stack.channel_work_done()  # the replies went through the queue, after the webhooks answered
    replies = [item for item in outbox(stack) if comment_id in item["path"]]
    assert len(replies) == 1
    assert replies[0]["channel"] == "instagram" and replies[0]["method"] == "POST"
    assert replies[0]["path"].endswith(f"/{comment_id}/replies")
    assert replies[0]["body"] == {"message": f"Thanks! ({keyword})"}


def test_blacklisted_line_user_leaves_no_trace_in_the_inbox(stack):
    user = uid("U")
    key = f"line:{user}"
    status, _ = stack.call("PUT", f"/admin/blacklist/{key}", stack.info["admin_key"])
    assert status == 200
    _, before = stack.call("GET", "/admin/conversations?limit=200", stack.info["admin_key"])

    status, receipt = post_signed(stack, "line", body(line_delivery(line_event(user, text="hello?"))))

    assert status == 200 and receipt["dropped"] == 1
    _, after = stack.call("GET", "/admin/conversations?limit=200", stack.info["admin_key"])
    assert key not in {c["social_user"]["key"] for c in after["items"]}
    assert after["total_unread"] == before["total_unread"]
    assert stack.channel_work_done()
    assert not [item for item in outbox(stack) if user in item["path"]]  # not even a profile look-up


def test_one_byte_changed_on_the_wire_fails_the_signature(stack):
    user = uid("U")
    raw = body(line_delivery(line_event(user, text="hello")))
    headers = signed_headers("line", stack.info["channels"]["line"], raw)
    tampered = raw.replace(b"hello", b"hellO")

    status, answer = post_signed(stack, "line", tampered, headers)

    assert status == 401 and answer["error"]["code"] == "invalid_signature"
    _, listing = stack.call("GET", "/admin/conversations?channel=line&limit=200", stack.info["admin_key"])
    assert f"line:{user}" not in {c["social_user"]["key"] for c in listing["items"]}
    status, _ = post_signed(stack, "line", raw, headers)
    assert status == 200


def test_a_2_mb_body_and_malformed_json_are_4xx_over_http(stack):
    big = b'{"object": "page", "entry": [], "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    status, _ = post_signed(stack, "facebook", big)
    assert status == 413
    status, answer = post_signed(stack, "facebook", b"{not json")
    assert status == 400, answer
    status, _ = post_signed(stack, "facebook", json.dumps({"object": "instagram", "entry": []}).encode())
    assert status == 400


def test_verify_handshake_over_http(stack):
    token = stack.info["channels"]["whatsapp"]["verify_token"]
    status, answer = stack.call("GET", f"/webhooks/whatsapp/{stack.info['store_id']}?hub.mode=subscribe"
                                       f"&hub.verify_token={token}&hub.challenge=987654")
    assert (status, answer) == (200, 987654) or (status, answer) == (200, "987654")
