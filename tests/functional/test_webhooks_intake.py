"""Signed webhook deliveries through the routes: signatures, parsing, dedup, blacklist, auto-replies."""

from __future__ import annotations

import json

import pytest

from tests.support_channels import (
    IG_ACCOUNT_ID,
    PAGE_ID,
    body,
    conversation_for,
    deliver,
    demo_credentials,
    facebook_comment,
    instagram_comment,
    instagram_message,
    line_delivery,
    line_event,
    messages,
    messenger_message,
    now_ms,
    run_channel_work,
    uid,
    whatsapp_text,
)


def test_signed_messenger_message_opens_a_conversation(client, store, creds, sandbox):
    psid = uid("psid")
    response = deliver(client, store.store_id, "facebook", creds, messenger_message(psid, "Is this in stock?"))

    assert response.status_code == 200, response.body
    conversation = conversation_for(client, store, f"facebook:{psid}")
    assert conversation is not None
    assert conversation["unread_count"] == 1
    assert conversation["last_message"]["text"] == "Is this in stock?"
    assert sandbox.outbox.items() == [] and conversation["social_user"]["name"] is None  # no channel call inline
    run_channel_work()  # the queued profile look-up
    assert conversation_for(client, store, f"facebook:{psid}")["social_user"]["name"] == f"Sandbox user {psid[-4:]}"
    items = messages(client, store, conversation["conversation_id"])
    assert [m["text"] for m in items] == ["Is this in stock?"]
    assert items[0]["direction"] == "inbound"


def error_code(response) -> str:
    return json.loads(response.body)["error"]["code"]


# --- signatures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("channel", ["facebook", "instagram", "whatsapp", "line"])
def test_one_byte_changed_fails_the_signature_and_nothing_is_stored(client, store, creds, channel):
    user = uid("u")
    payload = {"facebook": messenger_message(user), "instagram": instagram_message(user),
               "whatsapp": whatsapp_text(user, "hi"), "line": line_delivery(line_event(user))}[channel]
    raw = body(payload)
    from tests.support_channels import signed_headers

    headers = signed_headers(channel, creds[channel], raw)
    at = raw.index(user.encode()) + len(user) - 1  # one byte of the sender id: still valid JSON
    tampered = raw[:at] + (b"0" if raw[at:at + 1] != b"0" else b"1") + raw[at + 1:]
    assert len(tampered) == len(raw) and json.loads(tampered)
    response = deliver(client, store.store_id, channel, creds, raw=tampered, headers=headers)

    assert response.status_code == 401
    assert error_code(response) == "invalid_signature"
    assert conversation_for(client, store, f"{channel}:{user}") is None
    assert deliver(client, store.store_id, channel, creds, raw=raw, headers=headers).status_code == 200
    assert conversation_for(client, store, f"{channel}:{user}") is not None


def test_missing_signature_and_another_stores_secret_are_401(client, store, creds):
    raw = body(messenger_message(uid("psid")))
    assert deliver(client, store.store_id, "facebook", creds, raw=raw,
                   headers={"Content-Type": "application/json"}).status_code == 401
    other = demo_credentials()
    assert deliver(client, store.store_id, "facebook", other, raw=raw).status_code == 401
    # LINE's header under a Meta channel is not a signature either.
    from tests.support_channels import line_signature

    response = client.http.post(f"/webhooks/facebook/{store.store_id}", body=raw,
                                headers={"X-Line-Signature": line_signature(creds["facebook"]["app_secret"], raw)})
    assert response.status_code == 401


def test_unknown_store_channel_or_unconfigured_channel_is_404(client, store, other_store, creds):
    raw = body(messenger_message(uid("psid")))
    assert deliver(client, "st_nosuchstore", "facebook", creds, raw=raw).status_code == 404
    assert deliver(client, other_store.store_id, "facebook", creds, raw=raw).status_code == 404
    response = client.http.post(f"/webhooks/telegram/{store.store_id}", body=raw,
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 404


def test_content_type_with_charset_or_none_is_accepted(client, store, creds):
    from tests.support_channels import signed_headers

    raw = body(line_delivery(line_event(uid("U"))))
    headers = signed_headers("line", creds["line"], raw, content_type="application/json; charset=UTF-8")
    assert client.http.post(f"/webhooks/line/{store.store_id}", headers=headers, body=raw).status_code == 200
    raw = body(messenger_message(uid("psid")))
    headers = signed_headers("facebook", creds["facebook"], raw)
    del headers["Content-Type"]
    assert client.http.post(f"/webhooks/facebook/{store.store_id}", headers=headers, body=raw).status_code == 200


# --- verify handshake ---------------------------------------------------------------------------

@pytest.mark.parametrize("channel", ["facebook", "instagram", "whatsapp"])
def test_verify_handshake_answers_the_challenge_as_plain_text(client, store, creds, channel):
    token = creds[channel]["verify_token"]
    response = client.http.get(f"/webhooks/{channel}/{store.store_id}?hub.mode=subscribe"
                               f"&hub.verify_token={token}&hub.challenge=1158201444")
    assert response.status_code == 200
    assert response.body == b"1158201444"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_verify_handshake_with_a_wrong_token_is_403(client, store, creds):
    base = f"/webhooks/instagram/{store.store_id}?hub.challenge=42"
    assert client.http.get(base + "&hub.mode=subscribe&hub.verify_token=wrong").status_code == 403
    token = creds["instagram"]["verify_token"]
    assert client.http.get(base + f"&hub.mode=unsubscribe&hub.verify_token={token}").status_code == 403
    assert client.http.get(base + "&hub.mode=subscribe").status_code == 403
    # Another channel's token does not open this one.
    assert client.http.get(base + f"&hub.mode=subscribe&hub.verify_token={creds['facebook']['verify_token']}"
                           ).status_code == 403


# --- malformed deliveries -----------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b"{not json", b"[]", b'"text"', b"", b"\xff\xfe",
    json.dumps({"object": "instagram", "entry": []}).encode(),  # wrong object for facebook
    json.dumps({"object": "page"}).encode(),  # no entry
    json.dumps({"object": "page", "entry": "x"}).encode(),
    b"[" * 30_000,  # deeper than the JSON parser's recursion limit: still a 400, never a 500
])
def test_malformed_signed_payloads_are_400_and_store_nothing(client, store, creds, raw):
    response = deliver(client, store.store_id, "facebook", creds, raw=raw)
    assert response.status_code == 400, response.body
    assert json.loads(client.http.get("/admin/conversations", headers=store.admin()).body)["items"] == []


def test_malformed_line_and_whatsapp_envelopes_are_400(client, store, creds):
    assert deliver(client, store.store_id, "line", creds, {"destination": "U1"}).status_code == 400
    assert deliver(client, store.store_id, "whatsapp", creds, {"object": "page", "entry": []}).status_code == 400


def test_unusable_items_inside_a_valid_envelope_are_acknowledged_skipped_and_counted(client, store, creds):
    no_sender = {"object": "page", "entry": [{"id": PAGE_ID, "messaging": [{"message": {"mid": "m_1", "text": "x"}}]}]}
    response = deliver(client, store.store_id, "facebook", creds, no_sender)
    assert response.status_code == 200 and json.loads(response.body)["skipped"] == 1
    no_user = line_delivery({"type": "message", "source": {"type": "user"}, "timestamp": 1})
    assert json.loads(deliver(client, store.store_id, "line", creds, no_user).body)["skipped"] == 1
    bad = whatsapp_text(uid("886"), "hi")
    del bad["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    del bad["entry"][0]["changes"][0]["value"]["contacts"]
    response = deliver(client, store.store_id, "whatsapp", creds, bad)
    assert response.status_code == 200 and json.loads(response.body)["skipped"] == 1
    assert json.loads(client.http.get("/admin/conversations", headers=store.admin()).body)["items"] == []


def test_an_odd_timestamp_is_stored_at_receipt_time(client, store, creds):
    psid = uid("psid")
    odd = {"object": "page", "entry": [{"id": PAGE_ID, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": "soon", "message": {"mid": uid("m_"),
                                                                                              "text": "x"}}]}]}
    response = deliver(client, store.store_id, "facebook", creds, odd)
    assert response.status_code == 200 and json.loads(response.body)["stored"] == 1
    assert conversation_for(client, store, f"facebook:{psid}") is not None


def test_a_2_mb_body_is_413_not_500(client, store, creds):
    raw = body({"object": "page", "entry": [], "padding": "x" * (2 * 1024 * 1024)})
    response = deliver(client, store.store_id, "facebook", creds, raw=raw)
    assert response.status_code == 413
    assert error_code(response) == "body_too_large"


def test_a_large_legitimate_batch_under_one_megabyte_is_accepted(client, store, creds):
    from tests.support_channels import messaging_entry, messaging_item, page_delivery

    users = [uid("psid") for _ in range(3)]
    payload = page_delivery(messaging_entry(PAGE_ID, *[messaging_item(u, PAGE_ID, "y" * 2000) for u in users]))
    payload["padding"] = "z" * (900 * 1024)  # unknown fields are ignored
    response = deliver(client, store.store_id, "facebook", creds, payload)
    assert response.status_code == 200
    assert json.loads(response.body)["stored"] == 3


# --- parsing and storing ------------------------------------------------------------------------

def test_batched_entries_with_attachments_postbacks_and_unknown_events_are_all_stored(client, store, creds):
    from tests.support_channels import messaging_entry, messaging_item, page_delivery, postback_item

    a, b = uid("psid"), uid("psid")
    payload = page_delivery(
        messaging_entry(PAGE_ID,
                        messaging_item(a, PAGE_ID, "first"),
                        messaging_item(a, PAGE_ID, None, attachments=[{"type": "image",
                                                                       "payload": {"url": "https://cdn.example/1.jpg"}}]),
                        {"sender": {"id": a}, "recipient": {"id": PAGE_ID}, "timestamp": now_ms(),
                         "read": {"watermark": now_ms()}}),  # a read receipt: acknowledged, not stored
        messaging_entry(PAGE_ID, postback_item(b, PAGE_ID, title="Go now"),
                        {**messaging_item(b, PAGE_ID, "with extras"), "brand_new_field": {"x": 1}}),
    )
    response = deliver(client, store.store_id, "facebook", creds, payload)

    assert response.status_code == 200
    assert json.loads(response.body)["stored"] == 4
    conv_a = conversation_for(client, store, f"facebook:{a}")
    assert conv_a["unread_count"] == 2
    assert conv_a["last_message"]["text"] == "[image]"
    items = messages(client, store, conv_a["conversation_id"])
    assert [m["text"] for m in items] == ["first", None]
    assert items[1]["attachments"] == [{"type": "image", "url": "https://cdn.example/1.jpg"}]
    conv_b = conversation_for(client, store, f"facebook:{b}")
    assert [(m["kind"], m["text"]) for m in messages(client, store, conv_b["conversation_id"])] == [
        ("postback", "Go now"), ("message", "with extras")]


def test_a_delivery_repeated_five_times_is_one_message_and_unread_1(client, store, creds):
    user = uid("U")
    raw = body(line_delivery(line_event(user, text="hello")))
    for _ in range(5):
        assert deliver(client, store.store_id, "line", creds, raw=raw).status_code == 200
    conversation = conversation_for(client, store, f"line:{user}")
    assert conversation["unread_count"] == 1
    assert len(messages(client, store, conversation["conversation_id"])) == 1
    listing = json.loads(client.http.get("/admin/conversations", headers=store.admin()).body)
    assert listing["total_unread"] == 1


def test_a_partially_new_batch_redelivered_stores_only_the_missing_events(client, store, creds):
    user = uid("U")
    first, second = line_event(user, text="one"), line_event(user, text="two")
    deliver(client, store.store_id, "line", creds, line_delivery(first))
    response = deliver(client, store.store_id, "line", creds, line_delivery({**first, "deliveryContext": {
        "isRedelivery": True}}, second))
    assert json.loads(response.body) == {"events": 2, "stored": 1, "duplicates": 1, "dropped": 0, "auto_replies": 0,
                                          "skipped": 0}
    conversation = conversation_for(client, store, f"line:{user}")
    assert [m["text"] for m in messages(client, store, conversation["conversation_id"])] == ["one", "two"]
    assert conversation["unread_count"] == 2


def test_whatsapp_names_come_from_contacts_and_statuses_update_the_conversation(client, store, creds, sandbox):
    wa_id = uid("8869")
    deliver(client, store.store_id, "whatsapp", creds, whatsapp_text(wa_id, "Does it come in another color?",
                                                                     name="Sheena Nelson"))
    conversation = conversation_for(client, store, f"whatsapp:{wa_id}")
    assert conversation["social_user"]["name"] == "Sheena Nelson"
    assert not [c for c in sandbox.outbox.items() if c["method"] == "GET"]  # no profile look-up needed

    from tests.support_channels import whatsapp_delivery

    status = whatsapp_delivery(statuses=[{"id": "wamid.out1", "status": "delivered", "timestamp": str(now_ms() // 1000),
                                          "recipient_id": wa_id}])
    response = deliver(client, store.store_id, "whatsapp", creds, status)
    assert response.status_code == 200 and json.loads(response.body)["stored"] == 1
    from chalicelib.models.inbox import ConversationModel

    stored = ConversationModel.get(store.store_id, conversation["conversation_id"])
    assert stored.last_outbound_status.as_dict()["status"] == "delivered"
    # A status for someone we never talked to is acknowledged and dropped.
    unknown = whatsapp_delivery(statuses=[{"id": "wamid.x", "status": "sent", "timestamp": str(now_ms() // 1000),
                                           "recipient_id": uid("1555")}])
    assert json.loads(deliver(client, store.store_id, "whatsapp", creds, unknown).body)["dropped"] == 1


def test_whatsapp_media_and_line_stickers_and_follow_events(client, store, creds):
    from tests.support_channels import whatsapp_delivery

    wa_id = uid("8869")
    media = whatsapp_delivery(contacts=[{"profile": {"name": "Amy"}, "wa_id": wa_id}], messages=[
        {"from": wa_id, "id": uid("wamid."), "timestamp": str(now_ms() // 1000), "type": "image",
         "image": {"id": "1479537139650973", "mime_type": "image/jpeg", "caption": "this one"}},
        {"from": wa_id, "id": uid("wamid."), "timestamp": str(now_ms() // 1000 + 1), "type": "reaction",
         "reaction": {"message_id": "wamid.x", "emoji": "👍"}}])
    assert json.loads(deliver(client, store.store_id, "whatsapp", creds, media).body)["stored"] == 2
    items = messages(client, store, conversation_for(client, store, f"whatsapp:{wa_id}")["conversation_id"])
    assert items[0]["text"] == "this one" and items[0]["attachments"][0]["type"] == "image"
    assert items[1]["attachments"] == [{"type": "reaction"}]

    user = uid("U")
    line = line_delivery(line_event(user, kind="follow"),
                         line_event(user, message={"id": "1", "type": "sticker", "packageId": "446",
                                                   "stickerId": "1988"}),
                         {"type": "message", "source": {"type": "group", "groupId": "C1", "userId": user},
                          "timestamp": now_ms(), "webhookEventId": uid("E"),
                          "message": {"id": "2", "type": "text", "text": "group chat"}},
                         {"type": "beacon", "timestamp": now_ms(), "source": {"type": "user", "userId": user},
                          "webhookEventId": uid("E")})
    assert json.loads(deliver(client, store.store_id, "line", creds, line).body)["stored"] == 2
    items = messages(client, store, conversation_for(client, store, f"line:{user}")["conversation_id"])
    assert [m["kind"] for m in items] == ["follow", "message"]
    assert items[1]["attachments"][0]["type"] == "sticker"


def test_line_profile_is_fetched_once_and_kept(client, store, creds, sandbox):
    user = uid("U")
    for text in ("one", "two", "three"):
        deliver(client, store.store_id, "line", creds, line_delivery(line_event(user, text=text)))
    assert sandbox.outbox.items() == []  # the webhook queued the look-up; it called nothing
    run_channel_work()
    lookups = [c for c in sandbox.outbox.items() if c["method"] == "GET" and user in c["path"]]
    assert len(lookups) == 1
    assert lookups[0]["path"] == f"/line/v2/bot/profile/{user}"
    assert conversation_for(client, store, f"line:{user}")["social_user"]["name"] == f"LINE user {user[-4:]}"


# --- echoes and own comments ----------------------------------------------------------------------

def test_echoes_are_kept_as_outbound_and_never_answered(client, store, creds, sandbox):
    rule = {"channel": "instagram", "scope": "messages", "keywords": ["price"], "reply_text": "See our site"}
    assert client.http.post("/admin/auto-reply-rules", headers=store.admin(), body=json.dumps(rule)).status_code == 201
    user = uid("ig")
    deliver(client, store.store_id, "instagram", creds, instagram_message(user, "hello"))
    sandbox.outbox.clear()
    echo = instagram_message(user, "price is 100", is_echo=True)
    echo["entry"][0]["messaging"][0]["sender"], echo["entry"][0]["messaging"][0]["recipient"] = \
        {"id": IG_ACCOUNT_ID}, {"id": user}
    assert deliver(client, store.store_id, "instagram", creds, echo).status_code == 200
    assert sandbox.outbox.items() == []
    conversation = conversation_for(client, store, f"instagram:{user}")
    assert conversation["unread_count"] == 1
    assert [m["direction"] for m in messages(client, store, conversation["conversation_id"])] == ["inbound", "outbound"]


def test_the_shops_own_comments_are_not_stored_or_answered(client, store, creds, sandbox):
    rule = {"channel": "instagram", "scope": "comments", "keywords": ["shipping"], "reply_text": "Free shipping!"}
    client.http.post("/admin/auto-reply-rules", headers=store.admin(), body=json.dumps(rule))
    own = instagram_comment(IG_ACCOUNT_ID, "Free shipping! (about shipping)")
    response = deliver(client, store.store_id, "instagram", creds, own)
    assert json.loads(response.body)["stored"] == 0
    assert sandbox.outbox.items() == []
    own_fb = facebook_comment(PAGE_ID, "shipping")
    assert json.loads(deliver(client, store.store_id, "facebook", creds, own_fb).body)["stored"] == 0


# --- deliveries to another account, and replays -------------------------------------------------------

def test_deliveries_addressed_to_another_account_are_acknowledged_and_dropped(client, store, creds, sandbox):
    from local.channel_sandbox import LINE_BOT_USER_ID

    channel = json.loads(client.http.get("/admin/channels/line", headers=store.admin()).body)
    assert channel["bot_user_id"] == LINE_BOT_USER_ID  # read from GET /v2/bot/info when saved
    user = uid("U")
    to_other_bot = {"destination": "U" + "f" * 32, "events": [line_event(user)]}
    response = deliver(client, store.store_id, "line", creds, to_other_bot)
    assert response.status_code == 200 and json.loads(response.body)["dropped"] == 1
    psid = uid("psid")
    other_page = messenger_message(psid)
    other_page["entry"][0]["id"] = other_page["entry"][0]["messaging"][0]["recipient"]["id"] = "999999"
    response = deliver(client, store.store_id, "facebook", creds, other_page)
    assert response.status_code == 200 and json.loads(response.body)["dropped"] == 1
    assert conversation_for(client, store, f"line:{user}") is None
    assert conversation_for(client, store, f"facebook:{psid}") is None
    assert [i for i in sandbox.outbox.items() if i["method"] == "POST"] == []  # nothing sent either


def test_a_replay_older_than_the_dedup_window_is_acknowledged_and_dropped(client, store, creds):
    user = uid("U")
    old = line_event(user)
    old["timestamp"] = now_ms() - 31 * 24 * 3600 * 1000
    response = deliver(client, store.store_id, "line", creds, line_delivery(old))
    assert response.status_code == 200 and json.loads(response.body)["dropped"] == 1
    assert conversation_for(client, store, f"line:{user}") is None


def test_saving_line_with_a_token_line_refuses_is_502_and_saves_nothing(client, store, httpserver, monkeypatch):
    monkeypatch.setenv("LINE_API_BASE_URL", httpserver.url_for("/line"))
    httpserver.expect_request("/line/v2/bot/info").respond_with_json({"message": "Authentication failed"},
                                                                       status=401)
    response = client.http.put("/admin/channels/line", headers=store.admin(), body=json.dumps(
        {"channel_secret": "s" * 32, "channel_access_token": "t" * 40}))
    assert response.status_code == 502
    assert "Authentication failed" in json.loads(response.body)["error"]["message"]
    assert client.http.get("/admin/channels/line", headers=store.admin()).status_code == 404
