"""Issue 25's attacks on the e-mail surfaces, each replayed through the routes (chalice.test.Client, mock_aws).

Inbound mail that cannot be parsed, forged SPF-failing replies, uploads re-posted after a message was saved,
guests renaming conversations, and line breaks in header-bound text.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import boto3
import pytest

from tests.support_messages import PNG, SHOP_EMAIL, customer_reply, json_call, nested_mime_bomb, post_inbound

BUCKET = "memberlink-local-reports"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


@pytest.fixture
def shop(client: Any, store: Any) -> Any:
    status, _ = json_call(client, "PUT", "/admin/settings", store.admin(),
                          {"storefront_url": "https://shop.example.com", "shop_email": SHOP_EMAIL})
    assert status == 200
    return store


def _guest(client: Any, store: Any, email: str, name: str, text: str = "Hello") -> str:
    status, created = json_call(client, "POST", "/storefront/shop-messages", store.storefront(),
                                {"email": email, "name": name, "text": text})
    assert status == 201, created
    return str(created["conversation_id"])


def _replied(client: Any, shop: Any) -> tuple[str, str]:
    """A guest's conversation the merchant answered by e-mail: (conversation id, the reply+ address)."""
    from local.emails import sent_emails

    conversation_id = _guest(client, shop, "guest@example.com", "Guest")
    status, _ = json_call(client, "POST", f"/admin/conversations/{conversation_id}/messages", shop.admin(),
                          {"text": "Your order has shipped."})
    assert status == 201
    return conversation_id, [m for m in sent_emails() if m["to"] == "guest@example.com"][-1]["reply_to"]


def _thread(client: Any, store: Any, conversation_id: str) -> list[dict[str, Any]]:
    status, page = json_call(client, "GET", f"/admin/conversations/{conversation_id}/messages", store.admin())
    assert status == 200
    return list(page["items"])


def _inbound_keys() -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="inbound/").get("Contents", [])]


# --- inbound mail never crashes -------------------------------------------------------------------

def test_attack__nested_mime_bomb__quarantined_malformed_no_5xx(client: Any, shop: Any) -> None:
    # GIVEN a valid reply address and 1,000 nested multipart/mixed parts (the review's 68 KB proof)
    conversation_id, reply_to = _replied(client, shop)
    raw = nested_mime_bomb("guest@example.com", reply_to)
    assert 60_000 < len(raw) < 80_000
    # WHEN SES stores it and the function runs
    status, answer = post_inbound(client, raw)
    # THEN 200 quarantined as malformed, nothing appended, the mail kept for a person
    assert status == 200 and answer["outcome"] == "quarantined"
    assert _inbound_keys() == [f"inbound/quarantine/malformed/{answer['key'].removeprefix('inbound/mail/')}"]
    assert [m["direction"] for m in _thread(client, shop, conversation_id)] == ["inbound", "outbound"]


def test_nesting_of_twenty_levels__still_read(client: Any, shop: Any) -> None:
    _, reply_to = _replied(client, shop)
    assert post_inbound(client, nested_mime_bomb("guest@example.com", reply_to, depth=19))[1]["outcome"] == "appended"


def test_the_function_itself__bomb_answers_quarantined_not_an_exception(client: Any, shop: Any) -> None:
    """The S3-event function as AWS calls it: returning (never raising) is what stops S3's retries."""
    from app import inbound_email
    from chalicelib.messages.inbound import MAIL_PREFIX

    _, reply_to = _replied(client, shop)
    boto3.client("s3").put_object(Bucket=BUCKET, Key=f"{MAIL_PREFIX}bomb", Body=nested_mime_bomb("g@example.com",
                                                                                                  reply_to))
    event = {"Records": [{"s3": {"bucket": {"name": BUCKET}, "object": {"key": f"{MAIL_PREFIX}bomb"}}}]}
    assert inbound_email(event, None) == {"outcomes": ["quarantined"]}


def _mail(reply_to: str, body: bytes, content_type: str, encoding: str) -> bytes:
    head = (f"From: guest@example.com\r\nTo: {reply_to}\r\nSubject: Re\r\nMessage-ID: <odd@example.com>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n")
    return head.encode() + body


@pytest.mark.parametrize(("content_type", "encoding", "body", "expected"), [
    ("text/plain; charset=x-no-such-charset", "8bit", b"Thanks, see you Friday", "Thanks, see you Friday"),
    ("text/plain; charset=utf-8", "base64", b"VGhhbmtz!!!IHNlZSB5b3U=\r\n", "Thanks"),
    ("text/plain; charset=utf-8", "quoted-printable", b"Thanks =ZZ=E2=9C=93\r\n", "Thanks"),
])
def test_unknown_charset_or_broken_encoding__decoded_as_well_as_possible(
        client: Any, shop: Any, content_type: str, encoding: str, body: bytes, expected: str) -> None:
    conversation_id, reply_to = _replied(client, shop)
    status, answer = post_inbound(client, _mail(reply_to, body, content_type, encoding))
    assert status == 200 and answer["outcome"] == "appended", answer
    assert expected in _thread(client, shop, conversation_id)[-1]["text"]


# --- SPF ------------------------------------------------------------------------------------------

SES_FORGED = ("amazonses.com; spf=fail (spfCheck: 203.0.113.9 is not a permitted sender) "
              "smtp.mailfrom=guest@example.com; dkim=fail header.i=@example.com; dmarc=none header.from=example.com")
SES_DKIM_PASS = "amazonses.com; spf=fail smtp.mailfrom=guest@example.com; dkim=pass header.i=@example.com; " \
                "dmarc=pass header.from=example.com"


def test_attack__forged_spf_failing_reply__quarantined_unverified_sender(client: Any, shop: Any) -> None:
    # GIVEN SES says spf=fail, dkim=fail and no DMARC record; the forger adds a "pass" header of their own below
    conversation_id, reply_to = _replied(client, shop)
    raw = customer_reply(sender="guest@example.com", reply_to=reply_to, text="Send the refund to my new card",
                         headers={"Authentication-Results": SES_FORGED})
    raw = raw.replace(b"\r\n\r\n", b"\r\nAuthentication-Results: amazonses.com; spf=pass; dkim=pass\r\n\r\n", 1)
    # WHEN it arrives THEN it is quarantined, never the customer's words
    status, answer = post_inbound(client, raw)
    assert status == 200 and answer["outcome"] == "quarantined"
    assert _inbound_keys() == [f"inbound/quarantine/unverified_sender/{answer['key'].removeprefix('inbound/mail/')}"]
    assert all(m["text"] != "Send the refund to my new card" for m in _thread(client, shop, conversation_id))


def test_spf_fail_with_dkim_pass__appended_and_the_console_sees_the_verdict(client: Any, shop: Any) -> None:
    conversation_id, reply_to = _replied(client, shop)
    raw = customer_reply(sender="guest@example.com", reply_to=reply_to, text="Forwarded by my provider",
                         headers={"Authentication-Results": SES_DKIM_PASS})
    assert post_inbound(client, raw)[1]["outcome"] == "appended"
    last = _thread(client, shop, conversation_id)[-1]
    assert last["kind"] == "email" and last["sender_verdict"] == {"spf": "fail", "dkim": "pass", "dmarc": "pass"}
    assert _thread(client, shop, conversation_id)[0]["sender_verdict"] is None  # not an e-mailed message


# --- uploads --------------------------------------------------------------------------------------

def test_attack__upload_reposted_after_save__saved_message_keeps_its_image(client: Any, shop: Any) -> None:
    # GIVEN a storefront message saved with a checked PNG
    status, upload = json_call(client, "POST", "/storefront/uploads", shop.storefront(),
                               {"content_type": "image/png", "size": 1000})
    s3 = boto3.client("s3")
    form_key = upload["upload"]["fields"]["key"]
    s3.put_object(Bucket=BUCKET, Key=form_key, Body=PNG, ContentType="image/png")
    status, created = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                                {"email": "amy@example.com", "text": "this one", "image_ids": [upload["image_id"]]})
    assert status == 201
    # WHEN the same presigned form is posted again (still valid) with other bytes
    s3.put_object(Bucket=BUCKET, Key=form_key, Body=b"<html><script>alert(1)</script>", ContentType="image/png")
    # THEN the message refers to a copy no form can write, still the PNG that was checked
    [message] = _thread(client, shop, created["conversation_id"])
    [attachment] = message["attachments"]
    assert attachment["image_id"] != upload["image_id"] and attachment["image_id"].startswith("ims_")
    kept = f"messages/{shop.store_id}/{attachment['image_id']}"
    assert kept in attachment["url"] and form_key not in attachment["url"]
    assert s3.get_object(Bucket=BUCKET, Key=kept)["Body"].read() == PNG
    response = client.http.get(f"/admin/images/{attachment['image_id']}",
                               headers={"Authorization": shop.admin()["Authorization"], "Accept": "image/png"})
    assert response.status_code == 200 and response.body == PNG


def test_upload_replaced_before_save__the_copy_is_what_gets_checked(client: Any, shop: Any) -> None:
    status, upload = json_call(client, "POST", "/storefront/uploads", shop.storefront(),
                               {"content_type": "image/png", "size": 1000})
    boto3.client("s3").put_object(Bucket=BUCKET, Key=upload["upload"]["fields"]["key"], Body=b"<svg onload=x>",
                                  ContentType="image/png")
    status, answer = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                               {"email": "amy@example.com", "text": "x", "image_ids": [upload["image_id"]]})
    assert status == 400 and answer["error"]["field"] == "image_ids"
    assert not boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="messages/").get("Contents")


def test_inbound_mail_images__kept_under_the_servers_own_keys(client: Any, shop: Any) -> None:
    conversation_id, reply_to = _replied(client, shop)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "guest@example.com", reply_to, "Re"
    message.set_content("photo attached")
    message.add_attachment(GIF, maintype="image", subtype="gif", filename="a.gif")
    assert post_inbound(client, message.as_bytes(policy=SMTP))[1]["outcome"] == "appended"
    [attachment] = _thread(client, shop, conversation_id)[-1]["attachments"]
    assert attachment["image_id"].startswith("ims_") and f"messages/{shop.store_id}/" in attachment["url"]


# --- guests ---------------------------------------------------------------------------------------

def test_attack__guest_with_a_members_address_in_other_case__cannot_rename_the_thread(client: Any, shop: Any) -> None:
    # GIVEN Amy's conversation, registered as a member
    conversation_id = _guest(client, shop, "amy@example.com", "Amy Chen", "Where is my tea?")
    status, _ = json_call(client, "POST", "/admin/members", shop.admin(),
                          {"name": "Amy Chen", "conversation_id": conversation_id})
    assert status == 201
    # WHEN a second guest writes with her address in other case and another name
    assert _guest(client, shop, "AMY@Example.COM", "Refund Desk", "please refund") == conversation_id
    # THEN the conversation keeps Amy's name; each message keeps the name it claimed
    status, conversation = json_call(client, "GET", f"/admin/conversations/{conversation_id}", shop.admin())
    assert status == 200 and conversation["customer"]["name"] == "Amy Chen"
    assert [m["claimed_name"] for m in _thread(client, shop, conversation_id)] == ["Amy Chen", "Refund Desk"]


def test_second_guest__never_renames_a_visitor_conversation(client: Any, shop: Any) -> None:
    conversation_id = _guest(client, shop, "lee@example.com", "Lee")
    _guest(client, shop, "Lee@example.com", "Someone Else")
    _, page = json_call(client, "GET", "/admin/conversations?email=lee@example.com", shop.admin())
    assert page["items"][0]["customer"]["name"] == "Lee"
    _, thread = json_call(client, "GET", f"/admin/conversations/{conversation_id}/messages", shop.admin())
    assert [m["claimed_name"] for m in thread["items"]] == ["Lee", "Someone Else"]


# --- header-bound text ----------------------------------------------------------------------------

BREAKS = ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\r", "\n"]


@pytest.mark.parametrize("brk", BREAKS, ids=["U+2028", "U+2029", "U+0085", "VT", "FF", "CR", "LF"])
def test_attack__marketing_subject_with_a_line_break__400_naming_subject(client: Any, shop: Any, brk: str) -> None:
    status, answer = json_call(client, "POST", "/admin/marketing-emails", shop.admin(),
                               {"kind": "broadcast", "subject": f"Sale{brk}Bcc: everyone@example.com", "text": "x",
                                "audience": {"member_ids": ["mb_0000000000000000"]}})
    assert status == 400 and answer["error"]["field"] == "subject"


@pytest.mark.parametrize("brk", BREAKS, ids=["U+2028", "U+2029", "U+0085", "VT", "FF", "CR", "LF"])
def test_store_name_with_a_line_break__400_naming_name_nothing_stored(client: Any, shop: Any, brk: str) -> None:
    status, answer = json_call(client, "PUT", "/admin/settings", shop.admin(), {"name": f"Tea{brk}House"})
    assert status == 400 and answer["error"]["field"] == "name"
    assert json_call(client, "GET", "/admin/settings", shop.admin())[1]["name"] == "Demo Tea House"


def test_guest_display_name_with_u2028__400_naming_name(client: Any, shop: Any) -> None:
    status, answer = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                               {"email": "amy@example.com", "name": "Amy\u2028Bcc: x@example.com", "text": "hi"})
    assert status == 400 and answer["error"]["field"] == "name"


def test_create_store_with_a_line_break_in_its_name__refused() -> None:
    from chalicelib import clock, stores
    from chalicelib.errors import InvalidRequest

    with pytest.raises(InvalidRequest) as refused:
        stores.create_store("Tea\u2029House", "TW", None, clock.now())
    assert refused.value.extra["field"] == "name"


# --- pages ----------------------------------------------------------------------------------------

def test_unsubscribe_pages__strict_csp_that_allows_exactly_their_own_style(client: Any, store: Any) -> None:
    import base64
    import hashlib
    import re

    from chalicelib.consent.unsubscribe import token_for
    from tests.functional.test_consent_routes import sign_up

    member_id = sign_up(client, store, "amy@example.com", email_marketing=True)
    for response in (client.http.get(f"/u/{token_for(store.store_id, member_id, 'email_marketing')}"),
                     client.http.get("/u/not-a-token")):
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "script-src" not in policy and "unsafe-inline" not in policy
        [style] = re.findall(r"<style>(.*?)</style>", response.body.decode())
        assert f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'" in policy
        assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
