"""Shop and order messages over the real local stack: presigned POST to the sandbox's S3, e-mail through
moto's SES shown by /_local/emails, the customer's answer fed through /_local/emails/inbound."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3

from tests.support_messages import PNG, altered, customer_reply, nested_mime_bomb

SHOP_EMAIL = "hello@stack-tea.example"
STOREFRONT = "https://stack-tea.example"


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, str]:
    keys = stack.create_store("Stack Tea", shop_email=SHOP_EMAIL, storefront_url=STOREFRONT)
    # The shop's address becomes its From once verified: the sandbox's verification mail, then its link.
    status, answer = stack.call("POST", "/admin/sender-identities", keys["admin_key"], {"email": SHOP_EMAIL})
    assert status == 202 and answer["status"] == "pending", answer
    _, emails = stack.call("GET", "/_local/emails")
    [mail] = [e for e in emails["items"] if e["to"] == SHOP_EMAIL]
    link = next(word for word in mail["text"].split() if "/_local/ses/identities/" in word)
    assert link.startswith(stack.api)
    assert urllib3.request("POST", link, timeout=30.0).status == 200
    return keys


def _upload(stack: Any, key: str, route: str, data: bytes = PNG) -> str:
    status, answer = stack.call("POST", route, key, {"content_type": "image/png", "size": len(data)})
    assert status == 201, answer
    upload = answer["upload"]
    response = urllib3.request("POST", upload["url"], fields={**upload["fields"], "file": ("a.png", data, "image/png")},
                               timeout=30.0)
    assert response.status in (200, 201, 204), response.data
    return str(answer["image_id"])


def _inbound(stack: Any, raw: bytes) -> dict[str, Any]:
    status, answer = stack.call("POST", "/_local/emails/inbound", raw=raw, headers={"Content-Type": "message/rfc822"})
    assert status == 200, answer
    return dict(answer)


def _conversation(stack: Any, key: str, conversation_id: str) -> dict[str, Any]:
    status, page = stack.call("GET", "/admin/conversations?channel=shop", key)
    assert status == 200
    return next(item for item in page["items"] if item["conversation_id"] == conversation_id)


def test_guest_message_reply_by_email_and_the_emailed_answer_back(stack: Any, shop: dict[str, str]) -> None:
    admin, storefront = shop["admin_key"], shop["storefront_key"]
    # GIVEN a guest's shop message: in the inbox, unread 1
    status, created = stack.call("POST", "/storefront/shop-messages", storefront,
                                 {"email": "Mei@Example.com", "name": "Mei", "text": "Is the oolong in stock?"})
    assert status == 201
    conversation_id = created["conversation_id"]
    assert _conversation(stack, admin, conversation_id)["unread_count"] == 1
    stack.call("POST", f"/admin/conversations/{conversation_id}/read", admin)

    # WHEN the merchant answers with an image uploaded through the presigned POST
    image_id = _upload(stack, admin, "/admin/uploads")
    status, reply = stack.call("POST", f"/admin/conversations/{conversation_id}/messages", admin,
                               {"text": "Yes! Here it is 🍵", "image_ids": [image_id]})
    assert status == 201 and reply["emailed"] is True

    # THEN the sandbox shows the e-mail from shop_email, with the Reply button and the reply+ address
    status, emails = stack.call("GET", "/_local/emails")
    [email] = [e for e in emails["items"] if e["to"] == "mei@example.com"]
    assert SHOP_EMAIL in email["from"] and "Yes! Here it is 🍵" in email["text"]
    assert f'href="{STOREFRONT}/account/messages"' in email["html"] and ">回覆</a>" in email["html"]  # a TW store
    assert email["reply_to"].startswith("reply+") and email["headers"]["Reply-To"] == email["reply_to"]
    assert email["headers"]["References"].startswith(f"<{conversation_id}.")

    # WHEN the guest answers the e-mail, twice (a client retry): appended once, unread 1 again
    raw = customer_reply(sender="mei@example.com", reply_to=email["reply_to"], text="Great, I'll take two.")
    assert _inbound(stack, raw)["outcome"] == "appended"
    assert _inbound(stack, raw)["outcome"] == "duplicate"
    assert _conversation(stack, admin, conversation_id)["unread_count"] == 1
    _, thread = stack.call("GET", f"/admin/conversations/{conversation_id}/messages", admin)
    assert [m["text"] for m in thread["items"] if m["direction"] == "inbound"] == [
        "Is the oolong in stock?", "Great, I'll take two."]

    # AND the same answer from another sender, or to an address one character off, is quarantined
    from_other = customer_reply(sender="mallory@example.net", reply_to=email["reply_to"], text="refund me")
    to_forged = customer_reply(sender="mei@example.com", reply_to=altered(email["reply_to"]), text="forged")
    for raw_mail, reason in ((from_other, "other_sender"), (to_forged, "bad_token")):
        answer = _inbound(stack, raw_mail)
        assert answer["outcome"] == "quarantined"
    _, after = stack.call("GET", f"/admin/conversations/{conversation_id}/messages", admin)
    assert len(after["items"]) == len(thread["items"])
    assert _conversation(stack, admin, conversation_id)["unread_count"] == 1


def test_order_message_remark_and_member_isolation(stack: Any, shop: dict[str, str]) -> None:
    admin, storefront = shop["admin_key"], shop["storefront_key"]
    members = []
    for name in ("Ann", "Bob"):
        status, member = stack.call("POST", "/storefront/members", storefront, {
            "name": name, "password": "correct horse battery", "email": f"{name}@stack.example"})
        assert status == 201, member
        members.append(member["member_id"])
    ann, bob = members
    status, _ = stack.call("POST", "/storefront/orders", storefront,
                           {"order_id": "ST-1", "member_id": ann, "total": 880, "currency": "TWD"})
    assert status == 201
    # another member's order: 404, both ways
    assert stack.call("POST", "/storefront/orders/ST-1/messages", storefront, {"member_id": bob, "text": "x"})[0] == 404
    assert stack.call("GET", f"/storefront/orders/ST-1/messages?member_id={bob}", storefront)[0] == 404
    status, created = stack.call("POST", "/storefront/orders/ST-1/messages", storefront,
                                 {"member_id": ann, "text": "Please deliver after 6pm"})
    assert status == 201
    status, page = stack.call("GET", "/admin/conversations?order_id=ST-1", admin)
    [item] = page["items"]
    assert item["order"]["order_id"] == "ST-1" and item["order"]["total"] == "880"
    assert item["customer"] == {"member_id": ann, "email": "ann@stack.example", "name": "Ann", "visitor": False}
    status, _ = stack.call("POST", f"/admin/conversations/{created['conversation_id']}/notes", admin,
                           {"text": "REMARK-7 courier booked"})
    assert status == 201
    assert stack.call("POST", f"/admin/conversations/{created['conversation_id']}/messages", admin,
                      {"text": "Noted, evening delivery."})[1]["emailed"] is True
    _, thread = stack.call("GET", f"/storefront/orders/ST-1/messages?member_id={ann}", storefront)
    assert [m["direction"] for m in thread["items"]] == ["inbound", "outbound"]
    assert "REMARK-7" not in json.dumps(thread)
    _, emails = stack.call("GET", "/_local/emails")
    assert "REMARK-7" not in json.dumps(emails)
    assert any(f'{STOREFRONT}/account/orders/ST-1' in (e["html"] or "") for e in emails["items"])


def test_visitor_registered_from_conversation_owns_all_their_shop_conversations(stack: Any,
                                                                               shop: dict[str, str]) -> None:
    admin, storefront = shop["admin_key"], shop["storefront_key"]
    _, first = stack.call("POST", "/storefront/shop-messages", storefront, {"email": "kai@stack.example", "text": "hi"})
    status, member = stack.call("POST", "/admin/members", admin,
                                {"name": "Kai", "conversation_id": first["conversation_id"]})
    assert status == 201, member
    status, page = stack.call("GET", "/admin/conversations?email=KAI@stack.example", admin)
    assert page["items"] and all(i["customer"]["member_id"] == member["member_id"] for i in page["items"])


def test_uploads_refused_or_shown_in_the_thread(stack: Any, shop: dict[str, str]) -> None:
    storefront = shop["storefront_key"]
    status, answer = stack.call("POST", "/storefront/uploads", storefront,
                                {"content_type": "image/png", "size": 12 * 1024 * 1024})
    assert status == 400 and answer["error"]["field"] == "size"
    status, answer = stack.call("POST", "/storefront/uploads", storefront, {"content_type": "text/html", "size": 100})
    assert status == 400 and answer["error"]["field"] == "content_type"
    status, member = stack.call("POST", "/storefront/members", storefront,
                                {"name": "Pic", "password": "correct horse battery", "email": "pic@stack.example"})
    image_id = _upload(stack, storefront, "/storefront/uploads")
    status, _ = stack.call("POST", "/storefront/shop-messages", storefront, {
        "member_id": member["member_id"], "text": "the box arrived damaged", "image_ids": [image_id]})
    assert status == 201
    _, thread = stack.call("GET", f"/storefront/shop-messages?member_id={member['member_id']}", storefront)
    [url] = thread["items"][0]["images"]
    shown = urllib3.request("GET", url, timeout=30.0)
    assert shown.status == 200 and shown.data == PNG


def test_console_images_through_the_api_over_http_byte_for_byte(stack: Any, shop: dict[str, str]) -> None:
    """POST /admin/uploads/direct and GET /admin/images/{id} over the real local server (binary bodies, both ways)."""
    admin = shop["admin_key"]
    # a WebP (not among Chalice's default binary types) with every byte value in it
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(range(256)) * 40
    status, answer = stack.call("POST", "/admin/uploads/direct", admin, raw=webp,
                                headers={"Content-Type": "image/webp"})
    assert status == 201 and answer["size"] == len(webp), answer
    served = urllib3.request("GET", f"{stack.api}/admin/images/{answer['image_id']}", timeout=30.0,
                             headers={"Authorization": f"Bearer {admin}", "Accept": "image/webp"})
    assert served.status == 200 and served.data == webp
    assert served.headers["Content-Type"] == "image/webp" and served.headers["X-Content-Type-Options"] == "nosniff"
    # a client that asks for JSON only is told why, not given a 5xx
    status, refused = stack.call("GET", f"/admin/images/{answer['image_id']}", admin,
                                 headers={"Accept": "application/json"})
    assert status == 400 and "Accept" in refused["error"]["message"]
    # over 4 MiB: 413 with the contract's body, naming the presigned route
    status, too_big = stack.call("POST", "/admin/uploads/direct", admin, raw=PNG + b"\0" * (4 * 1024 * 1024),
                                 headers={"Content-Type": "image/png"})
    assert status == 413 and too_big["error"]["code"] == "body_too_large"
    assert "/admin/uploads" in too_big["error"]["message"]
    # the image id answers a reply like a presigned upload's
    _, created = stack.call("POST", "/storefront/shop-messages", shop["storefront_key"],
                            {"email": "lin@example.com", "name": "Lin", "text": "A photo please"})
    status, reply = stack.call("POST", f"/admin/conversations/{created['conversation_id']}/messages", admin,
                               {"image_ids": [answer["image_id"]]})
    assert status == 201 and reply["emailed"] is True and reply["attachments"][0]["content_type"] == "image/webp"


def test_attack__nested_mime_bomb_over_http__quarantined_malformed_never_a_5xx(stack: Any,
                                                                                shop: dict[str, str]) -> None:
    # GIVEN a conversation the merchant answered by e-mail (so a valid reply+ address)
    admin, storefront = shop["admin_key"], shop["storefront_key"]
    status, created = stack.call("POST", "/storefront/shop-messages", storefront,
                                 {"email": "bomb-target@example.com", "name": "Lee", "text": "hello"})
    assert status == 201
    conversation_id = created["conversation_id"]
    assert stack.call("POST", f"/admin/conversations/{conversation_id}/messages", admin, {"text": "hi"})[0] == 201
    _, emails = stack.call("GET", "/_local/emails")
    reply_to = [e for e in emails["items"] if e["to"] == "bomb-target@example.com"][-1]["reply_to"]
    # WHEN 1,000 nested multipart/mixed parts (68 KB) arrive at that address, twice
    for _ in range(2):
        status, answer = stack.call("POST", "/_local/emails/inbound", raw=nested_mime_bomb("bomb-target@example.com",
                                                                                           reply_to),
                                    headers={"Content-Type": "message/rfc822"})
        # THEN 200 quarantined each time; the API still answers; nothing reached the conversation
        assert status == 200 and answer["outcome"] == "quarantined", answer
    _, thread = stack.call("GET", f"/admin/conversations/{conversation_id}/messages", admin)
    assert [m["direction"] for m in thread["items"]] == ["inbound", "outbound"]
    assert stack.call("GET", "/_local/clock")[0] == 200
