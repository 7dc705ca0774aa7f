"""Membership binding over the real local stack: conversations from signed webhook deliveries, links read
at the channel sandbox, 20 concurrent redemptions over HTTP, expiry and the 24-hour window on the stack's
clock (it only moves forward: every test makes its own conversations and tokens)."""

from __future__ import annotations

from typing import Any

import boto3

from chalicelib.models import MemberModel
from tests.integration.conftest import post_concurrently
from tests.support_binding import incoming, link_in, new_user, token_from_url
from tests.support_channels import body, signed_headers, uid


def customer_writes(stack: Any, channel: str, user_id: str | None = None) -> tuple[str, str]:
    """A signed delivery from a new customer; returns (conversation_id, user_id)."""
    user_id = user_id or new_user(channel)
    raw = body(incoming(channel, user_id))
    status, receipt = stack.call("POST", f"/webhooks/{channel}/{stack.info['store_id']}", raw=raw,
                                 headers=signed_headers(channel, stack.info["channels"][channel], raw))
    assert status == 200 and receipt["stored"] == 1, receipt
    _, page = stack.call("GET", f"/admin/conversations?channel={channel}&limit=200", stack.info["admin_key"])
    [conversation] = [c for c in page["items"] if c["social_user"]["key"] == f"{channel}:{user_id}"]
    return conversation["conversation_id"], user_id


def sent_to(stack: Any, user_id: str) -> list[dict[str, Any]]:
    status, answer = stack.call("GET", "/_local/outbox")
    assert status == 200
    return [item for item in answer["items"] if item["method"] == "POST" and isinstance(item["body"], dict)
            and user_id in (item["body"].get("to"), item["body"].get("recipient", {}).get("id"))]


def invite(stack: Any, conversation_id: str) -> tuple[int, Any]:
    return stack.call("POST", f"/admin/conversations/{conversation_id}/binding-invitation", stack.info["admin_key"])


def sign_up(stack: Any) -> str:
    status, created = stack.call("POST", "/storefront/members", stack.info["storefront_key"], {
        "name": "Concurrent Amy", "password": "correct horse battery", "email": f"{uid('amy')}@example.com"})
    assert status == 201, created
    return str(created["member_id"])


def invited(stack: Any, channel: str) -> tuple[str, str, str]:
    conversation_id, user_id = customer_writes(stack, channel)
    status, answer = invite(stack, conversation_id)
    assert status == 201, answer
    [message] = sent_to(stack, user_id)
    return token_from_url(link_in(message)), conversation_id, user_id


def redeem(stack: Any, token: str, member_id: str) -> tuple[int, Any]:
    return stack.call("POST", "/storefront/bindings/redeem", stack.info["storefront_key"],
                      {"token": token, "member_id": member_id})


def social_accounts(stack: Any, member_id: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", endpoint_url=stack.info["aws_endpoint"], region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    item = client.get_item(TableName=MemberModel.Meta.table_name, ConsistentRead=True,
                           Key={"store_id": {"S": stack.info["store_id"]}, "member_id": {"S": member_id}})["Item"]
    return [entry["M"] for entry in item.get("social_accounts", {}).get("L", [])]


def test_twenty_concurrent_redemptions_bind_exactly_once(stack):
    token, conversation_id, user_id = invited(stack, "line")
    member_id = sign_up(stack)

    results = post_concurrently(stack, 20, "/storefront/bindings/redeem", {"token": token, "member_id": member_id},
                                stack.info["storefront_key"])

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19, results
    assert {answer["error"]["code"] for status, answer in results if status == 409} == {"token_used"}
    assert [a["key"]["S"] for a in social_accounts(stack, member_id)] == [f"line:{user_id}"]
    _, conversation = stack.call("GET", f"/admin/conversations/{conversation_id}", stack.info["admin_key"])
    assert conversation["member_id"] == member_id


def test_redeem_after_3601_seconds_is_410_although_the_item_exists(stack):
    token, _, _ = invited(stack, "facebook")
    member_id = sign_up(stack)
    assert stack.call("POST", "/_local/clock", None, {"advance_seconds": 3601})[0] == 200

    status, answer = redeem(stack, token, member_id)
    assert (status, answer["error"]["code"]) == (410, "token_expired")
    status, answer = stack.call("GET", f"/storefront/bindings/{token}", stack.info["storefront_key"])
    assert (status, answer["error"]["code"]) == (410, "token_expired")  # the item is still there: read, refused
    assert social_accounts(stack, member_id) == []


def test_invitation_at_23h59_is_sent_and_at_24h_plus_1s_is_refused_with_nothing_sent(stack):
    conversation_id, user_id = customer_writes(stack, "whatsapp")
    later_id, later_user = customer_writes(stack, "line")
    assert stack.call("POST", "/_local/clock", None, {"advance_seconds": 23 * 3600 + 59 * 60})[0] == 200

    status, answer = invite(stack, later_id)
    assert status == 201, answer
    [line] = sent_to(stack, later_user)
    [message] = line["body"]["messages"]
    action = (message["template"]["actions"][0] if message["type"] == "template"
              else message["contents"]["footer"]["contents"][0]["action"])
    assert action["type"] == "uri" and "/account/bind?token=" in action["uri"]

    assert stack.call("POST", "/_local/clock", None, {"advance_seconds": 61})[0] == 200
    status, answer = invite(stack, conversation_id)
    assert (status, answer["error"]["code"]) == (422, "outside_24h_window")
    assert sent_to(stack, user_id) == []


def test_whatsapp_invitation_text_at_the_sandbox_contains_the_link(stack):
    conversation_id, user_id = customer_writes(stack, "whatsapp")
    status, answer = invite(stack, conversation_id)
    assert status == 201, answer
    [message] = sent_to(stack, user_id)
    text = message["body"]["text"]["body"]
    link = text.rsplit("\n", 1)[-1]
    assert link.startswith(f"{stack.info.get('storefront_url', 'http://localhost:3000')}/account/bind?token=")
    status, shown = stack.call("GET", f"/storefront/bindings/{token_from_url(link)}", stack.info["storefront_key"])
    assert status == 200 and shown["social_user"]["key"] == f"whatsapp:{user_id}"
