"""Shop and order messages through the routes (chalice.test.Client under mock_aws), e-mail through moto's SES."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.support_messages import PNG, SHOP_EMAIL, altered, customer_reply, json_call, post_inbound, verified_sender

STOREFRONT_URL = "https://shop.example.com"


@pytest.fixture
def shop(client: Any, store: Any) -> Any:
    """The store with a storefront and a shop_email."""
    status, _ = json_call(client, "PUT", "/admin/settings", store.admin(),
                          {"storefront_url": STOREFRONT_URL, "shop_email": SHOP_EMAIL})
    assert status == 200
    return store


def _member(store_id: str, name: str, email: str) -> str:
    from chalicelib.members.core import create_member

    return create_member(store_id, name, email=email).member_id


def _order(client: Any, store: Any, order_id: str, member_id: str) -> None:
    status, _ = json_call(client, "POST", "/storefront/orders", store.storefront(),
                          {"order_id": order_id, "member_id": member_id, "total": "1280", "currency": "TWD"})
    assert status == 201


def _emails() -> list[dict[str, Any]]:
    from local.emails import sent_emails

    return sent_emails()


def _guest_message(client: Any, store: Any, email: str = "Guest@Example.com", text: str = "Do you ship to Kaohsiung?"):
    return json_call(client, "POST", "/storefront/shop-messages", store.storefront(),
                     {"email": email, "name": "Guest", "text": text})


def _list(client: Any, store: Any, query: str = "") -> dict[str, Any]:
    status, page = json_call(client, "GET", f"/admin/conversations{query}", store.admin())
    assert status == 200, page
    return page


def _upload(client: Any, store: Any, data: bytes = PNG, content_type: str = "image/png",
            stored_type: str | None = None) -> str:
    """An upload announced through the route, its bytes put where the presigned POST would put them."""
    status, answer = json_call(client, "POST", "/admin/uploads", store.admin(),
                               {"content_type": content_type, "size": len(data)})
    assert status == 201, answer
    boto3.client("s3").put_object(Bucket="memberlink-local-reports", Key=answer["upload"]["fields"]["key"],
                                  Body=data, ContentType=stored_type or content_type)
    return str(answer["image_id"])


# --- storefront ----------------------------------------------------------------------------------

def test_guest_shop_message__listed_in_inbox_as_visitor_with_one_unread(client: Any, shop: Any) -> None:
    # WHEN a guest writes from the shop
    status, created = _guest_message(client, shop)
    # THEN the inbox lists a shop conversation for the lower-cased address, unread 1
    assert status == 201 and created["message_id"]
    page = _list(client, shop, "?channel=shop")
    [item] = page["items"]
    assert item["conversation_id"] == created["conversation_id"]
    assert item["channel"] == "shop" and item["social_user"] is None
    assert item["customer"] == {"member_id": None, "email": "guest@example.com", "name": "Guest", "visitor": True}
    assert item["unread_count"] == 1 and page["total_unread"] == 1
    assert item["can_invite_binding"] is False


def test_guest_shop_message__same_address_any_case__one_conversation(client: Any, shop: Any) -> None:
    _, first = _guest_message(client, shop, "amy@example.com")
    _, second = _guest_message(client, shop, "AMY@example.COM", "again")
    assert first["conversation_id"] == second["conversation_id"]
    assert _list(client, shop, "?email=Amy@Example.com")["items"][0]["unread_count"] == 2


def test_shop_message__neither_member_nor_email__400_naming_email(client: Any, shop: Any) -> None:
    status, answer = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(), {"text": "hi"})
    assert status == 400 and answer["error"]["field"] == "email"


def test_shop_message__unknown_member__404(client: Any, shop: Any) -> None:
    status, _ = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                          {"member_id": "mb_0000000000000000", "text": "hi"})
    assert status == 404


def test_member_shop_message__member_reads_the_thread_without_notes(client: Any, shop: Any) -> None:
    member_id = _member(shop.store_id, "Amy", "amy@example.com")
    _, created = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                           {"member_id": member_id, "text": "Where is my parcel?"})
    json_call(client, "POST", f"/admin/conversations/{created['conversation_id']}/notes", shop.admin(),
              {"text": "customer is a VIP, check with the warehouse"})
    status, thread = json_call(client, "GET", f"/storefront/shop-messages?member_id={member_id}", shop.storefront())
    assert status == 200
    assert [(m["direction"], m["text"]) for m in thread["items"]] == [("inbound", "Where is my parcel?")]


# --- orders --------------------------------------------------------------------------------------

def test_order_message__another_members_order__404_nothing_stored(client: Any, shop: Any) -> None:
    amy, bo = _member(shop.store_id, "Amy", "amy@example.com"), _member(shop.store_id, "Bo", "bo@example.com")
    _order(client, shop, "A1001", amy)
    status, _ = json_call(client, "POST", "/storefront/orders/A1001/messages", shop.storefront(),
                          {"member_id": bo, "text": "mine?"})
    assert status == 404
    status, _ = json_call(client, "GET", f"/storefront/orders/A1001/messages?member_id={bo}", shop.storefront())
    assert status == 404
    assert _list(client, shop)["items"] == []


def test_order_message__merchant_sees_order__note_never_reaches_customer(client: Any, shop: Any) -> None:
    # GIVEN Amy's message about her order
    amy = _member(shop.store_id, "Amy", "amy@example.com")
    _order(client, shop, "A1001", amy)
    status, created = json_call(client, "POST", "/storefront/orders/A1001/messages", shop.storefront(),
                                {"member_id": amy, "text": "Can you gift-wrap it?"})
    assert status == 201
    conversation_id = created["conversation_id"]
    # WHEN the merchant adds a remark and answers
    status, note = json_call(client, "POST", f"/admin/conversations/{conversation_id}/notes", shop.admin(),
                             {"text": "SECRET-REMARK wrap in red paper"})
    assert status == 201 and note["direction"] == "note"
    status, answer = json_call(client, "POST", f"/admin/conversations/{conversation_id}/messages", shop.admin(),
                               {"text": "Yes, we will wrap it."})
    assert status == 201 and answer["emailed"] is True
    # THEN the inbox shows the order, found by order id and by e-mail
    [item] = _list(client, shop, "?order_id=A1001")["items"]
    assert item["channel"] == "order" and item["customer"]["member_id"] == amy and item["customer"]["visitor"] is False
    assert item["order"] == {"order_id": "A1001", "total": "1280", "currency": "TWD", "status": "paid",
                             "ordered_at": item["order"]["ordered_at"]}
    assert [i["conversation_id"] for i in _list(client, shop, "?email=AMY@example.com&channel=order")["items"]] \
        == [conversation_id]
    # AND the remark is in the merchant's thread only: not in the storefront's, not in the e-mail
    _, merchant = json_call(client, "GET", f"/admin/conversations/{conversation_id}/messages", shop.admin())
    assert [m["direction"] for m in merchant["items"]] == ["inbound", "note", "outbound"]
    _, thread = json_call(client, "GET", f"/storefront/orders/A1001/messages?member_id={amy}", shop.storefront())
    assert [m["text"] for m in thread["items"]] == ["Can you gift-wrap it?", "Yes, we will wrap it."]
    [email] = _emails()
    assert "SECRET-REMARK" not in email["text"] and "SECRET-REMARK" not in email["html"]
    assert f'href="{STOREFRONT_URL}/account/orders/A1001"' in email["html"]


# --- replies -------------------------------------------------------------------------------------

def test_reply__no_shop_email__422_nothing_sent(client: Any, store: Any) -> None:
    _, created = _guest_message(client, store)
    status, answer = json_call(client, "POST", f"/admin/conversations/{created['conversation_id']}/messages",
                               store.admin(), {"text": "hello"})
    assert status == 422 and answer["error"]["code"] == "shop_email_not_set"
    assert _emails() == []


def test_reply__emailed_from_shop_email_with_button_reply_to_and_references(client: Any, shop: Any) -> None:
    from chalicelib.models.inbox import MessageModel

    verified_sender(client, shop)  # the shop_email is the store's verified sender identity
    _, created = _guest_message(client, shop)
    conversation_id = created["conversation_id"]
    image_id = _upload(client, shop)
    status, answer = json_call(client, "POST", f"/admin/conversations/{conversation_id}/messages", shop.admin(),
                               {"text": "Yes, we ship there 🚚", "image_ids": [image_id]})
    assert status == 201 and answer["emailed"] is True
    [email] = [e for e in _emails() if e["to"] == "guest@example.com"]
    assert email["from"] == f"Demo Tea House <{SHOP_EMAIL}>"
    assert email["reply_to"].startswith("reply+") and email["reply_to"].endswith("@inbound.memberlink.local")
    assert email["headers"]["References"] == f"<{conversation_id}.{shop.store_id}@inbound.memberlink.local>"
    assert "Yes, we ship there 🚚" in email["text"]
    assert f'href="{STOREFRONT_URL}/account/messages"' in email["html"] and ">回覆</a>" in email["html"]  # TW: zh-Hant
    # the image travels with the e-mail, and SES's id is kept on the stored message
    assert email["headers"]["Content-Type"].startswith("multipart/mixed")
    [stored] = [m for m in MessageModel.query(f"{shop.store_id}#{conversation_id}") if m.direction == "outbound"]
    assert stored.email_message_id == email["ses_message_id"]
    kept_id = stored.attachments[0]["image_id"]  # the server's own copy of the upload, not the upload
    assert kept_id.startswith("ims_") and kept_id != image_id
    # the inbox thread shows the image through a presigned GET of that copy
    _, merchant = json_call(client, "GET", f"/admin/conversations/{conversation_id}/messages", shop.admin())
    url = merchant["items"][-1]["attachments"][0]["url"]
    assert f"messages/{shop.store_id}/{kept_id}" in url and "Signature" in url
    # a reply is not unread
    assert _list(client, shop)["items"][0]["unread_count"] == 1


# --- inbound e-mail ------------------------------------------------------------------------------

def _replied(client: Any, shop: Any) -> tuple[str, str]:
    _, created = _guest_message(client, shop)
    json_call(client, "POST", f"/admin/conversations/{created['conversation_id']}/read", shop.admin())
    json_call(client, "POST", f"/admin/conversations/{created['conversation_id']}/messages", shop.admin(),
              {"text": "Your order has shipped."})
    return created["conversation_id"], _emails()[-1]["reply_to"]


def test_inbound_reply__appended_once_with_quote_cut(client: Any, shop: Any) -> None:
    conversation_id, reply_to = _replied(client, shop)
    raw = customer_reply(sender="guest@example.com", reply_to=reply_to)
    status, first = post_inbound(client, raw)
    assert status == 200 and first["outcome"] == "appended" and first["key"].startswith("inbound/mail/")
    status, second = post_inbound(client, raw)
    assert second["outcome"] == "duplicate"
    [item] = _list(client, shop)["items"]
    assert item["unread_count"] == 1 and item["last_message"]["direction"] == "inbound"
    _, thread = json_call(client, "GET", f"/admin/conversations/{conversation_id}/messages", shop.admin())
    assert [m["text"] for m in thread["items"]][-1] == "Thanks! Can it ship on Friday?"
    assert sum(m["direction"] == "inbound" for m in thread["items"]) == 2


def test_inbound_reply__the_whole_email_served_beside_the_words(client: Any, shop: Any) -> None:
    # GIVEN a merchant's e-mailed answer
    conversation_id, reply_to = _replied(client, shop)
    # WHEN the guest replies with their words above the quoted history, and once with no history at all
    assert post_inbound(client, customer_reply(sender="guest@example.com", reply_to=reply_to))[1]["outcome"] \
        == "appended"
    plain = customer_reply(sender="guest@example.com", reply_to=reply_to).replace(b"Message-ID: <", b"Message-ID: <2")
    plain = plain.split(b"\r\n\r\n")[0] + b"\r\n\r\nJust one more question.\r\n"
    assert post_inbound(client, plain)[1]["outcome"] == "appended"
    # THEN the messages view has the words in text and the whole e-mail in full_text, only where history was cut
    _, thread = json_call(client, "GET", f"/admin/conversations/{conversation_id}/messages", shop.admin())
    guest, quoted, unquoted = [m for m in thread["items"] if m["direction"] == "inbound"]
    assert quoted["text"] == "Thanks! Can it ship on Friday?"
    assert quoted["full_text"].startswith("Thanks! Can it ship on Friday?\n\nOn Wed, Nov 25, 2026")
    assert quoted["full_text"].endswith("> Your order has shipped.")
    assert (unquoted["text"], unquoted["full_text"]) == ("Just one more question.", None)
    assert guest["full_text"] is None and all(m["full_text"] is None for m in thread["items"]
                                              if m["direction"] != "inbound")


@pytest.mark.parametrize("case", ["other_sender", "bad_token", "spam", "virus"])
def test_inbound_reply__refused__quarantined_nothing_appended(client: Any, shop: Any, case: str) -> None:
    _, reply_to = _replied(client, shop)
    raw = customer_reply(
        sender="attacker@example.net" if case == "other_sender" else "guest@example.com",
        reply_to=altered(reply_to) if case == "bad_token" else reply_to,
        headers={"X-SES-Spam-Verdict": "FAIL"} if case == "spam" else
        {"X-SES-Virus-Verdict": "FAIL"} if case == "virus" else None)
    status, answer = post_inbound(client, raw)
    assert status == 200 and answer["outcome"] == "quarantined"
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="memberlink-local-reports",
                                                                  Prefix="inbound/").get("Contents", [])]
    # the mail SES stored under inbound/mail/ now lives only under inbound/quarantine/<reason>/
    assert keys == [f"inbound/quarantine/{case}/{answer['key'].removeprefix('inbound/mail/')}"]
    assert _list(client, shop)["items"][0]["unread_count"] == 0


# --- registering the visitor ---------------------------------------------------------------------

def test_register_visitor_from_conversation__every_shop_conversation_shows_the_member(client: Any, shop: Any) -> None:
    _, created = _guest_message(client, shop, "lee@example.com")
    other_store_guest = _guest_message(client, shop, "someone@example.com")[1]["conversation_id"]
    status, member = json_call(client, "POST", "/admin/members", shop.admin(),
                               {"name": "Lee", "conversation_id": created["conversation_id"]})
    assert status == 201 and member["email"] == "lee@example.com"
    by_id = {i["conversation_id"]: i for i in _list(client, shop, "?channel=shop")["items"]}
    assert by_id[created["conversation_id"]]["customer"]["member_id"] == member["member_id"]
    assert by_id[created["conversation_id"]]["customer"]["visitor"] is False
    assert by_id[other_store_guest]["customer"]["visitor"] is True
    # the visitor writing again as a guest stays the member's
    _guest_message(client, shop, "LEE@example.com", "me again")
    [item] = _list(client, shop, "?email=lee@example.com")["items"]
    assert item["customer"]["member_id"] == member["member_id"]


# --- uploads -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [({"content_type": "image/png", "size": 12 * 1024 * 1024}, "size"),
                                             ({"content_type": "text/html", "size": 1000}, "content_type")])
def test_upload__too_large_or_not_an_image__400_naming_the_field(client: Any, shop: Any, body: dict[str, Any],
                                                                 field: str) -> None:
    status, answer = json_call(client, "POST", "/storefront/uploads", shop.storefront(), body)
    assert status == 400 and answer["error"]["field"] == field


def test_upload__policy_pins_type_and_size(client: Any, shop: Any) -> None:
    import base64
    import json

    status, answer = json_call(client, "POST", "/storefront/uploads", shop.storefront(),
                               {"content_type": "image/jpeg", "size": 2048})
    assert status == 201
    policy = json.loads(base64.b64decode(answer["upload"]["fields"]["policy"]))
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    assert ["content-length-range", 1, 2048] in policy["conditions"]


def test_message_image__html_uploaded_as_png__400_naming_image_ids(client: Any, shop: Any) -> None:
    image_id = _upload(client, shop, data=b"<html><script>alert(1)</script></html>")
    status, answer = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                               {"email": "guest@example.com", "text": "look", "image_ids": [image_id]})
    assert status == 400 and answer["error"]["field"] == "image_ids"
    assert _list(client, shop)["items"] == []


def test_message_image__never_uploaded__400(client: Any, shop: Any) -> None:
    status, answer = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                               {"email": "guest@example.com", "text": "look", "image_ids": ["img_00000000000000aa"]})
    assert status == 400 and answer["error"]["field"] == "image_ids"


def test_register_visitor_with_another_address__both_visitor_conversations_attached(client: Any, shop: Any) -> None:
    # GIVEN a visitor who wrote from two addresses
    _, home = _guest_message(client, shop, "lee@example.com")
    _, work = _guest_message(client, shop, "Lee.Work@example.com")
    # WHEN the merchant registers them from the first conversation with the second address
    status, member = json_call(client, "POST", "/admin/members", shop.admin(),
                               {"name": "Lee", "email": "lee.work@example.com",
                                "conversation_id": home["conversation_id"]})
    assert status == 201
    # THEN both conversations show the member
    by_id = {i["conversation_id"]: i["customer"] for i in _list(client, shop, "?channel=shop")["items"]}
    assert by_id[home["conversation_id"]]["member_id"] == member["member_id"]
    assert by_id[work["conversation_id"]]["member_id"] == member["member_id"]
    assert sorted(member["conversation_ids"]) == sorted([home["conversation_id"], work["conversation_id"]])


def test_register_from_a_social_conversation__400_naming_conversation_id(client: Any, shop: Any, creds: Any) -> None:
    from tests.support_binding import start_conversation

    conversation_id = start_conversation(client, shop, creds, "line")[0]
    status, answer = json_call(client, "POST", "/admin/members", shop.admin(),
                               {"name": "Lee", "email": "lee@example.com", "conversation_id": conversation_id})
    assert status == 400 and answer["error"]["field"] == "conversation_id"


def test_reply_to_member_without_email__stored_not_emailed(client: Any, shop: Any) -> None:
    from chalicelib.members.core import create_member

    member_id = create_member(shop.store_id, "Phone Only", phone="+886912000777").member_id
    _, created = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                           {"member_id": member_id, "text": "hello"})
    status, answer = json_call(client, "POST", f"/admin/conversations/{created['conversation_id']}/messages",
                               shop.admin(), {"text": "Hi! See your member area."})
    assert status == 201 and answer["emailed"] is False
    assert _emails() == []
    _, thread = json_call(client, "GET", f"/storefront/shop-messages?member_id={member_id}", shop.storefront())
    assert [m["direction"] for m in thread["items"]] == ["inbound", "outbound"]


def test_inbound_event_repeated_after_quarantine__ignored_not_an_error(client: Any, shop: Any) -> None:
    from app import app

    _, reply_to = _replied(client, shop)
    _, answer = post_inbound(client, customer_reply(sender="attacker@example.net", reply_to=reply_to))
    assert answer["outcome"] == "quarantined"
    # S3 delivers the same ObjectCreated event again (at-least-once)
    event = {"Records": [{"s3": {"bucket": {"name": "memberlink-local-reports"}, "object": {"key": answer["key"]}}}]}
    function = next(f for f in app.pure_lambda_functions if f.name == "inbound_email")
    assert function.func(event, {}) == {"outcomes": ["ignored"]}


def test_binding_invitation_on_a_shop_conversation__422_not_a_social_conversation(client: Any, shop: Any) -> None:
    _, created = _guest_message(client, shop)
    status, answer = json_call(client, "POST", f"/admin/conversations/{created['conversation_id']}/binding-invitation",
                               shop.admin())
    assert status == 422 and answer["error"]["code"] == "not_a_social_conversation"
