"""Shop and order messages (issue 14): a customer message in, the merchant's reply out by e-mail, an
e-mailed answer handled by the S3-event function (counted alone, as the Lambda runs it).

Warm rows: the reply-address key (derived from the SSM pepper, cached an hour) is already in memory.
"""

from __future__ import annotations

from typing import Any

from bench.support import Bench, Operation

SHOP_EMAIL = "shop@bench-tea.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _shop(bench: Bench) -> None:
    status, _ = bench.call("PUT", "/admin/settings", bench.admin_key,
                           {"shop_email": SHOP_EMAIL, "storefront_url": "https://bench-tea.example"})
    assert status == 200


def _guest_message(bench: Bench, email: str = "guest@example.com") -> str:
    status, created = bench.call("POST", "/storefront/shop-messages", bench.storefront_key,
                                 {"email": email, "name": "Guest", "text": "Do you ship to Tainan?"})
    assert status == 201, created
    return str(created["conversation_id"])


def guest_message(bench: Bench, state: Any) -> None:
    _guest_message(bench)


def setup_member(bench: Bench) -> dict[str, str]:
    from chalicelib.members.core import create_member

    member_id = create_member(bench.store_id, "Amy", email="amy@example.com").member_id
    status, _ = bench.call("POST", "/storefront/orders", bench.storefront_key,
                           {"order_id": "B-1", "member_id": member_id, "total": 100, "currency": "TWD"})
    assert status == 201
    return {"member_id": member_id}


def member_message(bench: Bench, state: dict[str, str]) -> None:
    status, _ = bench.call("POST", "/storefront/shop-messages", bench.storefront_key,
                           {"member_id": state["member_id"], "text": "Where is my parcel?"})
    assert status == 201


def order_message(bench: Bench, state: dict[str, str]) -> None:
    status, _ = bench.call("POST", "/storefront/orders/B-1/messages", bench.storefront_key,
                           {"member_id": state["member_id"], "text": "Gift wrap please"})
    assert status == 201


def setup_conversation(bench: Bench) -> dict[str, str]:
    _shop(bench)
    conversation_id = _guest_message(bench)
    status, sent = bench.call("POST", f"/admin/conversations/{conversation_id}/messages", bench.admin_key,
                              {"text": "warm-up"})
    assert status == 201 and sent["emailed"], sent
    return {"conversation_id": conversation_id}


def reply(bench: Bench, state: dict[str, str]) -> None:
    status, sent = bench.call("POST", f"/admin/conversations/{state['conversation_id']}/messages", bench.admin_key,
                              {"text": "Yes, we do."})
    assert status == 201 and sent["emailed"], sent


def setup_image_reply(bench: Bench) -> dict[str, str]:
    import boto3

    state = setup_conversation(bench)
    status, upload = bench.call("POST", "/admin/uploads", bench.admin_key, {"content_type": "image/png", "size": 72})
    assert status == 201
    boto3.client("s3").put_object(Bucket="memberlink-local-reports", Key=upload["upload"]["fields"]["key"],
                                  Body=PNG, ContentType="image/png")
    return {**state, "image_id": upload["image_id"]}


def image_reply(bench: Bench, state: dict[str, str]) -> None:
    status, sent = bench.call("POST", f"/admin/conversations/{state['conversation_id']}/messages", bench.admin_key,
                              {"text": "Here it is", "image_ids": [state["image_id"]]})
    assert status == 201 and sent["emailed"], sent


def _stored_reply(bench: Bench, sender: str) -> dict[str, Any]:
    """An e-mailed answer already in S3 where SES puts it; the run is the S3-event function alone."""
    import boto3

    from local.emails import sent_emails
    from tests.support_messages import customer_reply

    state = setup_conversation(bench)
    raw = customer_reply(sender=sender, reply_to=sent_emails()[-1]["reply_to"])
    key = "inbound/mail/bench-" + state["conversation_id"]
    boto3.client("s3").put_object(Bucket="memberlink-local-reports", Key=key, Body=raw)
    return {"Records": [{"s3": {"bucket": {"name": "memberlink-local-reports"}, "object": {"key": key}}}]}


def _run_function(event: dict[str, Any]) -> list[str]:
    from app import app

    function = next(f for f in app.pure_lambda_functions if f.name == "inbound_email")
    outcomes: list[str] = function.func(event, {})["outcomes"]
    return outcomes


def inbound_appended(bench: Bench, event: dict[str, Any]) -> None:
    assert _run_function(event) == ["appended"]


def setup_duplicate(bench: Bench) -> dict[str, Any]:
    import boto3

    event = _stored_reply(bench, "guest@example.com")
    assert _run_function(event) == ["appended"]
    record = event["Records"][0]["s3"]
    s3 = boto3.client("s3")
    s3.copy_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"] + "-again",
                   CopySource={"Bucket": record["bucket"]["name"], "Key": record["object"]["key"]})
    record["object"]["key"] += "-again"
    return event


def inbound_duplicate(bench: Bench, event: dict[str, Any]) -> None:
    assert _run_function(event) == ["duplicate"]


def inbound_quarantined(bench: Bench, event: dict[str, Any]) -> None:
    assert _run_function(event) == ["quarantined"]


def list_by_email(bench: Bench, state: Any) -> None:
    status, page = bench.call("GET", "/admin/conversations?email=GUEST@example.com", bench.admin_key)
    assert status == 200 and page["items"]


# DynamoDB counts include the API key's GetItem on every route.
OPERATIONS = [
    Operation("POST /storefront/shop-messages (guest)", "<= 2 DynamoDB", guest_message),
    Operation("POST /storefront/shop-messages (member)", "<= 3 DynamoDB", member_message, setup_member),
    Operation("POST /storefront/orders/{id}/messages (order + member in one TransactGet)", "<= 3 DynamoDB",
              order_message, setup_member),
    Operation("reply to a shop message (stored + e-mailed, warm)",
              "<= 6 DynamoDB + 1 SES (was 5: + 1 Query of the store's sender identities, which decides the From)",
              reply, setup_conversation),
    Operation("reply to a shop message with 1 image (checked, attached)",
              "+ 4 S3 per image (was 3: + the copy to a key no form can write)", image_reply, setup_image_reply),
    Operation("inbound e-mail: S3-event function, appended", "<= 2 DynamoDB + 1 S3", inbound_appended,
              lambda bench: _stored_reply(bench, "guest@example.com")),
    Operation("inbound e-mail: the same Message-ID again", "<= 2 DynamoDB + 1 S3", inbound_duplicate,
              setup_duplicate),
    Operation("inbound e-mail: other sender, quarantined", "1 DynamoDB + 3 S3", inbound_quarantined,
              lambda bench: _stored_reply(bench, "mallory@example.net")),
    Operation("GET /admin/conversations?email= (index by_email)", "no Scan", list_by_email, setup_conversation),
]
