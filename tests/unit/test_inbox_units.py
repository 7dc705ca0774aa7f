"""Pure inbox rules: signatures, payload parsing, the 24-hour window, keyword matching, outbound payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.channels import outbound
from chalicelib.channels.events import PayloadError
from chalicelib.channels.line import line_messages, line_signature
from chalicelib.channels.meta import meta_message, meta_signature
from chalicelib.channels.whatsapp import whatsapp_message
from chalicelib.conversations import window as eligibility
from chalicelib.inbox.autoreply import matching_rule
from chalicelib.models.inbox import AutoReplyRuleModel, ConversationModel
from tests import support_channels as payloads
from tests.support_channels import parse_delivery, read_delivery, signature_is_valid

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


# --- signatures -----------------------------------------------------------------------------------

def test_meta_signature_matches_the_documented_format_and_rejects_any_change():
    raw = b'{"object":"page","entry":[]}'
    given = meta_signature("s3cret", raw)
    assert given.startswith("sha256=") and len(given) == 7 + 64
    assert signature_is_valid("facebook", {"app_secret": "s3cret"}, raw, given)
    assert signature_is_valid("facebook", {"app_secret": "s3cret"}, raw, "SHA256=" + given[7:])
    assert not signature_is_valid("facebook", {"app_secret": "s3cret"}, raw + b" ", given)
    assert not signature_is_valid("facebook", {"app_secret": "other"}, raw, given)
    assert not signature_is_valid("facebook", {"app_secret": "s3cret"}, raw, given[7:])  # no prefix
    assert not signature_is_valid("facebook", {"app_secret": "s3cret"}, raw, None)
    assert not signature_is_valid("facebook", {}, raw, given)


def test_line_signature_is_base64_of_the_hmac():
    raw = b'{"destination":"U1","events":[]}'
    given = line_signature("chan", raw)
    assert signature_is_valid("line", {"channel_secret": "chan"}, raw, given)
    assert not signature_is_valid("line", {"channel_secret": "chan"}, raw.replace(b"U1", b"U2"), given)
    assert not signature_is_valid("line", {"channel_secret": "chan"}, raw, "ünïcode")


# --- parsing --------------------------------------------------------------------------------------

def parse(channel, payload):
    return parse_delivery(channel, json.dumps(payload).encode())


def test_messenger_message_with_attachment_and_echo():
    payload = payloads.page_delivery(payloads.messaging_entry(
        payloads.PAGE_ID,
        payloads.messaging_item("111", payloads.PAGE_ID, "hi", mid="m_1", timestamp=1763799000000,
                                attachments=[{"type": "image", "payload": {"url": "https://x/1.jpg"}}]),
        payloads.messaging_item(payloads.PAGE_ID, "111", "our answer", mid="m_2", is_echo=True)))
    first, echo = parse("facebook", payload)
    assert (first.kind, first.social_user_key, first.provider_id, first.text) == \
        ("message", "facebook:111", "m_1", "hi")
    assert first.at == datetime(2025, 11, 22, 8, 10, tzinfo=UTC)
    assert first.attachments == ({"type": "image", "url": "https://x/1.jpg"},)
    assert first.account_id == payloads.PAGE_ID
    assert (echo.kind, echo.user_id) == ("echo", "111")


def test_comments_carry_ids_and_own_comments_are_skipped():
    (ig,) = parse("instagram", payloads.instagram_comment("222", "運費?", comment_id="c1"))
    assert (ig.kind, ig.comment_id, ig.user_name, ig.text) == ("comment", "c1", "shopper", "運費?")
    assert ig.post_id
    assert parse("instagram", payloads.instagram_comment(payloads.IG_ACCOUNT_ID, "our reply")) == []
    (fb,) = parse("facebook", payloads.facebook_comment("333", "price", comment_id="p_c"))
    assert (fb.kind, fb.comment_id, fb.user_name) == ("comment", "p_c", "Lin")
    assert fb.post_id.startswith(payloads.PAGE_ID + "_")
    edited = payloads.facebook_comment("333", "x")
    edited["entry"][0]["changes"][0]["value"]["verb"] = "edited"
    assert parse("facebook", edited) == []


def test_whatsapp_message_and_status():
    (message,) = parse("whatsapp", payloads.whatsapp_text("16505551234", "color?", name="Sheena", message_id="wamid.1"))
    assert (message.social_user_key, message.user_name, message.text, message.provider_id) == (
        "whatsapp:16505551234", "Sheena", "color?", "wamid.1")
    assert message.account_id == payloads.PHONE_NUMBER_ID
    (status,) = parse("whatsapp", payloads.whatsapp_delivery(statuses=[
        {"id": "wamid.2", "status": "read", "timestamp": "1763799000", "recipient_id": "16505551234"}]))
    assert (status.kind, status.status, status.user_id) == ("status", "read", "16505551234")


def test_line_events_and_ignored_kinds():
    events = parse("line", payloads.line_delivery(
        payloads.line_event("U1", text="hi", event_id="E1"), payloads.line_event("U1", kind="unfollow"),
        payloads.line_event("U1", kind="postback"), {"type": "videoPlayComplete"}))
    assert [e.kind for e in events] == ["message", "unfollow", "postback"]
    assert events[0].provider_id == "E1" and events[0].reply_token
    assert events[2].text == "action=buy&itemid=111"


@pytest.mark.parametrize(("channel", "payload"), [
    ("facebook", {"object": "instagram", "entry": []}),
    ("instagram", {"object": "instagram", "entry": {}}),
    ("whatsapp", {"object": "page", "entry": []}),
    ("line", {"events": {}}),
    ("line", {"destination": "U1"}),
])
def test_only_a_body_outside_the_envelope_raises_payload_error(channel, payload):
    with pytest.raises(PayloadError):
        parse(channel, payload)


@pytest.mark.parametrize(("channel", "payload"), [
    ("instagram", {"object": "instagram", "entry": [{"messaging": [{"message": {"mid": "m"}}]}]}),
    ("whatsapp", {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {}}]}]}),
    ("line", {"events": [{"type": "message", "source": {"type": "user"}, "timestamp": 1}]}),
    ("line", {"events": [{"type": "greatNewFeature"}]}),
    ("facebook", {"object": "page", "entry": [{"id": "1", "changes": [
        {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "c", "message": "hi"}}]}]}),
])
def test_unusable_items_inside_the_envelope_are_skipped_and_counted(channel, payload):
    delivery = read_delivery(channel, json.dumps(payload).encode())
    assert (delivery.events, delivery.skipped) == ([], 1)


def test_line_event_without_webhook_event_id_has_a_stable_fallback_key():
    event = payloads.line_event("U1", text="hi")
    del event["webhookEventId"]
    (first,) = parse("line", payloads.line_delivery(event))
    redelivered = dict(event, deliveryContext={"isRedelivery": True}, replyToken="other")
    (again,) = parse("line", payloads.line_delivery(redelivered))
    (other,) = parse("line", payloads.line_delivery(dict(event, timestamp=event["timestamp"] + 1)))
    assert first.provider_id == again.provider_id != other.provider_id
    assert first.provider_id.startswith("h:")


def test_whatsapp_business_scoped_user_and_odd_status_timestamp():
    message = {"from_user_id": "US.134", "id": "wamid.9", "timestamp": "1749416383", "type": "text",
               "text": {"body": "color?"}}
    contacts = [{"profile": {"name": "Sheena"}, "user_id": "US.134"}]
    (event,) = parse("whatsapp", payloads.whatsapp_delivery(messages=[message], contacts=contacts))
    assert (event.social_user_key, event.user_name, event.text) == ("whatsapp:US.134", "Sheena", "color?")
    no_sender = dict(message)
    del no_sender["from_user_id"]
    (event,) = parse("whatsapp", payloads.whatsapp_delivery(messages=[no_sender], contacts=contacts))
    assert event.user_id == "US.134"  # the one contact names the sender
    (status,) = parse("whatsapp", payloads.whatsapp_delivery(statuses=[
        {"id": "wamid.2", "status": "read", "timestamp": "soon", "recipient_user_id": "US.134"}]))
    assert (status.user_id, status.timestamp_known) == ("US.134", False)


def test_thirty_thousand_brackets_are_a_payload_error():
    with pytest.raises(PayloadError):
        parse_delivery("line", b"[" * 30_000)


def test_not_json_is_a_payload_error():
    with pytest.raises(PayloadError):
        parse_delivery("line", b"\xff{")


# --- the 24-hour window ---------------------------------------------------------------------------

def conversation(**values) -> ConversationModel:
    return ConversationModel("st_1", "cv_1", channel="line", social_user_key="line:U1", store_channel="st_1#line",
                             created_at=NOW, **values)


def test_window_is_open_for_just_under_24_hours():
    assert eligibility.window_open(NOW - timedelta(hours=23, minutes=59), NOW)
    assert not eligibility.window_open(NOW - timedelta(hours=24), NOW)
    assert not eligibility.window_open(None, NOW)


def test_invite_blocked_reason_order():
    recent = NOW - timedelta(hours=1)
    assert eligibility.invite_blocked_reason(conversation(last_inbound_at=recent), NOW) is None
    assert eligibility.invite_blocked_reason(conversation(last_inbound_at=NOW - timedelta(days=2)), NOW) == \
        "outside_24h_window"
    assert eligibility.invite_blocked_reason(conversation(last_inbound_at=recent, member_id="m_1"), NOW) == \
        "already_bound"
    assert eligibility.invite_blocked_reason(conversation(last_inbound_at=recent, member_id="m_1",
                                                          blacklisted=True), NOW) == "blacklisted"


# --- keyword matching -----------------------------------------------------------------------------

def rule(rule_id: str, channel: str, scope: str, keywords: list[str]) -> AutoReplyRuleModel:
    return AutoReplyRuleModel("st_1", rule_id, channel=channel, scope=scope, keywords=keywords, reply_text="r",
                              created_at=NOW)


def test_keywords_match_case_insensitively_as_substrings_and_the_oldest_rule_wins():
    rules = [rule("a", "instagram", "comments", ["運費"]), rule("b", "instagram", "comments", ["SHIP", "運費"]),
             rule("c", "facebook", "messages", ["ship"])]
    assert matching_rule(rules, "instagram", "comments", "想問運費").rule_id == "a"
    assert matching_rule(rules, "instagram", "comments", "Free shipping?").rule_id == "b"
    assert matching_rule(rules, "facebook", "messages", "SHIPPING").rule_id == "c"
    assert matching_rule(rules, "facebook", "comments", "shipping") is None
    assert matching_rule(rules, "instagram", "comments", None) is None


# --- outbound payloads (what issue 4's invitations will send) ------------------------------------

def test_link_button_payloads_per_platform():
    button = outbound.LinkButton("Bind", "https://shop.example/account/bind?token=t")
    message = outbound.OutboundMessage("Hi Amy", button)
    meta = meta_message(message)
    assert meta["attachment"]["payload"]["buttons"] == [{"type": "web_url", "url": button.url, "title": "Bind"}]
    assert whatsapp_message("886912", message)["text"] == {"body": f"Hi Amy\n{button.url}",
                                                                     "preview_url": True}
    (template,) = line_messages(message)
    assert template["template"]["actions"] == [{"type": "uri", "label": "Bind", "uri": button.url}]
    (flex,) = line_messages(outbound.OutboundMessage("x" * 500, button))
    assert flex["type"] == "flex" and len(flex["altText"]) == 400
