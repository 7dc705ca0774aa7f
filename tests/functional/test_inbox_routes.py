"""The merchant's inbox through the routes: listing, reading, replying, blacklist, auto-reply rules."""

from __future__ import annotations

import json

import pytest

from tests.support_channels import (
    IG_ACCOUNT_ID,
    PAGE_ID,
    PHONE_NUMBER_ID,
    conversation_for,
    conversations,
    deliver,
    deliver_and_work,
    facebook_comment,
    instagram_comment,
    instagram_message,
    line_delivery,
    line_event,
    messages,
    messenger_message,
    run_channel_work,
    uid,
    whatsapp_text,
)


def post(client, path, store, payload=None):
    return client.http.post(path, headers=store.admin(), body=json.dumps(payload) if payload is not None else b"")


def error_code(response) -> str:
    return json.loads(response.body)["error"]["code"]


def add_rule(client, store, **rule) -> dict:
    response = post(client, "/admin/auto-reply-rules", store, rule)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


# --- listing --------------------------------------------------------------------------------------

def test_list_is_newest_first_with_channel_and_unread_filters_and_total(client, store, creds):
    from chalicelib import clock

    line_user, wa_user, fb_user = uid("U"), uid("8869"), uid("psid")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(line_user, text="first")))
    clock.advance(5)
    deliver(client, store.store_id, "whatsapp", creds, whatsapp_text(wa_user, "second"))
    deliver(client, store.store_id, "whatsapp", creds, whatsapp_text(wa_user, "second again"))
    clock.advance(5)
    deliver(client, store.store_id, "facebook", creds, messenger_message(fb_user, "third"))

    listing = conversations(client, store)
    assert [c["social_user"]["key"] for c in listing["items"]] == [
        f"facebook:{fb_user}", f"whatsapp:{wa_user}", f"line:{line_user}"]
    assert listing["total_unread"] == 4
    item = listing["items"][1]
    assert set(item) >= {"conversation_id", "channel", "social_user", "member_id", "last_message", "unread_count",
                         "last_inbound_at", "can_invite_binding", "invite_blocked_reason"}
    assert item["member_id"] is None and item["can_invite_binding"] is True and item["invite_blocked_reason"] is None
    assert item["last_message"]["direction"] == "inbound" and item["unread_count"] == 2

    only_wa = conversations(client, store, "?channel=whatsapp")["items"]
    assert [c["channel"] for c in only_wa] == ["whatsapp"]

    line_conv = conversation_for(client, store, f"line:{line_user}")
    read = post(client, f"/admin/conversations/{line_conv['conversation_id']}/read", store)
    assert read.status_code == 200 and json.loads(read.body)["unread_count"] == 0
    unread = conversations(client, store, "?unread_only=true")
    assert {c["channel"] for c in unread["items"]} == {"facebook", "whatsapp"}
    assert unread["total_unread"] == 3
    assert conversations(client, store, "?unread_only=true&channel=line")["items"] == []
    # Reading twice changes nothing.
    post(client, f"/admin/conversations/{line_conv['conversation_id']}/read", store)
    assert conversations(client, store)["total_unread"] == 3


def test_pagination_and_bad_query_values(client, store, creds):
    users = [uid("U") for _ in range(3)]
    for user in users:
        deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    first = conversations(client, store, "?limit=2")
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = conversations(client, store, f"?limit=2&cursor={first['next_cursor']}")
    assert len(second["items"]) == 1
    for query in ("?channel=telegram", "?unread_only=maybe", "?limit=0", "?cursor=garbage"):
        response = client.http.get(f"/admin/conversations{query}", headers=store.admin())
        assert response.status_code == 400, query


def test_a_message_page_cursor_only_continues_its_own_conversation(client, store, creds):
    first_user, second_user = uid("U"), uid("U")
    deliver(client, store.store_id, "line", creds,
            line_delivery(line_event(first_user, text="one"), line_event(first_user, text="two")))
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(second_user)))
    first = conversation_for(client, store, f"line:{first_user}")["conversation_id"]
    second = conversation_for(client, store, f"line:{second_user}")["conversation_id"]

    page = json.loads(client.http.get(f"/admin/conversations/{first}/messages?limit=1", headers=store.admin()).body)
    assert [m["text"] for m in page["items"]] == ["one"] and page["next_cursor"]
    rest = json.loads(client.http.get(f"/admin/conversations/{first}/messages?limit=1&cursor={page['next_cursor']}",
                                      headers=store.admin()).body)
    assert [m["text"] for m in rest["items"]] == ["two"]
    foreign = client.http.get(f"/admin/conversations/{second}/messages?cursor={page['next_cursor']}",
                              headers=store.admin())
    assert foreign.status_code == 400
    assert json.loads(foreign.body)["error"]["field"] == "cursor"


def test_another_stores_conversation_is_404(client, store, other_store, creds):
    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    conversation_id = conversation_for(client, store, f"line:{user}")["conversation_id"]
    for method, path in (("get", f"/admin/conversations/{conversation_id}/messages"),
                         ("post", f"/admin/conversations/{conversation_id}/read"),
                         ("get", f"/admin/conversations/{conversation_id}")):
        response = getattr(client.http, method)(path, headers=other_store.admin(), body=b"")
        assert response.status_code == 404, path
    response = client.http.post(f"/admin/conversations/{conversation_id}/messages", headers=other_store.admin(),
                                body=json.dumps({"text": "hi"}))
    assert response.status_code == 404
    assert conversations(client, other_store)["items"] == []
    assert client.http.get("/admin/conversations", headers=store.storefront()).status_code == 403
    assert client.http.get("/admin/conversations").status_code == 401


# --- replies --------------------------------------------------------------------------------------

@pytest.mark.parametrize("channel", ["facebook", "instagram", "whatsapp", "line"])
def test_reply_goes_out_through_the_channel_and_joins_the_conversation(client, store, creds, sandbox, channel):
    user = uid("u")
    payload = {"facebook": messenger_message(user), "instagram": instagram_message(user),
               "whatsapp": whatsapp_text(user, "hi"), "line": line_delivery(line_event(user))}[channel]
    deliver(client, store.store_id, channel, creds, payload)
    conversation_id = conversation_for(client, store, f"{channel}:{user}")["conversation_id"]
    sandbox.outbox.clear()

    response = post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "In stock, yes!"})

    assert response.status_code == 201, response.body
    assert json.loads(response.body)["direction"] == "outbound"
    sent = sandbox.outbox.items()
    assert len(sent) == 1 and sent[0]["channel"] == channel and sent[0]["method"] == "POST"
    expected = {
        "facebook": (f"/graph/v21.0/{PAGE_ID}/messages",
                     {"recipient": {"id": user}, "messaging_type": "RESPONSE", "message": {"text": "In stock, yes!"}}),
        "instagram": (f"/graph/v21.0/{IG_ACCOUNT_ID}/messages",
                      {"recipient": {"id": user}, "messaging_type": "RESPONSE", "message": {"text": "In stock, yes!"}}),
        "whatsapp": (f"/graph/v21.0/{PHONE_NUMBER_ID}/messages",
                     {"messaging_product": "whatsapp", "recipient_type": "individual", "to": user, "type": "text",
                      "text": {"body": "In stock, yes!", "preview_url": False}}),
        "line": ("/line/v2/bot/message/push", {"to": user, "messages": [{"type": "text", "text": "In stock, yes!"}]}),
    }[channel]
    assert (sent[0]["path"], sent[0]["body"]) == expected
    items = messages(client, store, conversation_id)
    assert [(m["direction"], m["text"]) for m in items][-1] == ("outbound", "In stock, yes!")
    listed = conversation_for(client, store, f"{channel}:{user}")
    assert listed["last_message"]["direction"] == "outbound"


def test_reply_outside_the_24_hour_window_is_422(client, store, creds, sandbox):
    from chalicelib import clock

    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    conversation_id = conversation_for(client, store, f"line:{user}")["conversation_id"]
    clock.advance(24 * 3600 + 1)
    sandbox.outbox.clear()

    response = post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "late"})

    assert response.status_code == 422
    assert error_code(response) == "outside_messaging_window"
    assert sandbox.outbox.items() == []
    listed = conversation_for(client, store, f"line:{user}")
    assert listed["can_invite_binding"] is False and listed["invite_blocked_reason"] == "outside_24h_window"


def test_conversation__says_whether_a_reply_invitation_or_cart_link_is_possible(client, store, creds):
    # GIVEN a LINE customer who has just written
    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    # WHEN the console reads the conversation
    fresh = conversation_for(client, store, f"line:{user}")
    # THEN every action is possible, with no reason given
    assert (fresh["can_reply"], fresh["reply_blocked_reason"], fresh["reply_blocked_message"]) == (True, None, None)
    assert (fresh["can_send_cart_link"], fresh["cart_link_blocked_reason"]) == (True, None)
    assert (fresh["can_invite_binding"], fresh["invite_blocked_message"]) == (True, None)


def test_conversation__past_the_window_says_why_in_the_servers_words(client, store, creds):
    from chalicelib import clock
    from tests.support_binding import set_storefront

    # GIVEN a store with a storefront, and a LINE customer whose last message is a day and a second old
    set_storefront(client, store)
    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    clock.advance(24 * 3600 + 1)
    # WHEN the console reads the conversation
    late = conversation_for(client, store, f"line:{user}")
    # THEN the reply is blocked with the 422's own code and message, and so are the invitation and the cart link
    conversation_id = late["conversation_id"]
    refused = post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "late"})
    assert (late["can_reply"], late["reply_blocked_reason"]) == (False, error_code(refused))
    assert late["reply_blocked_message"] == json.loads(refused.body)["error"]["message"]
    assert "more than 24 hours old" in late["reply_blocked_message"]
    invite = post(client, f"/admin/conversations/{conversation_id}/binding-invitation", store)
    assert late["invite_blocked_reason"] == error_code(invite) == "outside_24h_window"
    assert late["invite_blocked_message"] == json.loads(invite.body)["error"]["message"]
    cart = post(client, f"/admin/conversations/{conversation_id}/cart-link", store, {"cart_id": "c1"})
    assert (late["can_send_cart_link"], late["cart_link_blocked_reason"]) == (False, error_code(cart))
    assert late["cart_link_blocked_message"] == json.loads(cart.body)["error"]["message"]


def test_reply_to_a_comment_only_customer_is_a_private_reply_once(client, store, creds, sandbox):
    user, comment_id = uid("ig"), uid("1789")
    deliver(client, store.store_id, "instagram", creds, instagram_comment(user, "nice bag", comment_id=comment_id))
    conversation_id = conversation_for(client, store, f"instagram:{user}")["conversation_id"]
    sandbox.outbox.clear()
    post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "Thanks! DM us"})
    post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "Still here"})
    bodies = [c["body"] for c in sandbox.outbox.items()]
    assert bodies[0]["recipient"] == {"comment_id": comment_id}
    assert bodies[1]["recipient"] == {"id": user}


def test_a_refusal_by_the_platform_is_502_channel_error_with_its_message(client, store, creds, httpserver,
                                                                        monkeypatch):
    user = uid("psid")
    deliver(client, store.store_id, "facebook", creds, messenger_message(user))
    conversation_id = conversation_for(client, store, f"facebook:{user}")["conversation_id"]
    monkeypatch.setenv("GRAPH_API_BASE_URL", httpserver.url_for("/graph"))
    httpserver.expect_request(f"/graph/v21.0/{PAGE_ID}/messages", method="POST").respond_with_json(
        {"error": {"message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException",
                   "code": 10, "error_subcode": 2018278, "fbtrace_id": "Abc"}}, status=400)

    response = post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "hello?"})

    assert response.status_code == 502
    error = json.loads(response.body)["error"]
    assert error["code"] == "channel_error"
    assert "outside of allowed window" in error["message"]
    assert [m["direction"] for m in messages(client, store, conversation_id)] == ["inbound"]
    request, _ = httpserver.log[0]
    assert request.headers["Authorization"] == f"Bearer {creds['facebook']['access_token']}"
    assert "access_token" not in request.url


def test_a_5xx_then_success_is_retried_once(client, store, creds, httpserver, monkeypatch):
    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    conversation_id = conversation_for(client, store, f"line:{user}")["conversation_id"]
    monkeypatch.setenv("LINE_API_BASE_URL", httpserver.url_for("/line"))
    httpserver.expect_ordered_request("/line/v2/bot/message/push").respond_with_json({"message": "busy"}, status=500)
    httpserver.expect_ordered_request("/line/v2/bot/message/push").respond_with_json(
        {"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]})

    response = post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "hi"})

    assert response.status_code == 201
    keys = [req.headers["X-Line-Retry-Key"] for req, _ in httpserver.log]
    assert len(keys) == 2 and keys[0] == keys[1]  # LINE deduplicates the retry


def test_three_429s_are_a_502_not_a_500(client, store, creds, httpserver, monkeypatch):
    wa = uid("8869")
    deliver(client, store.store_id, "whatsapp", creds, whatsapp_text(wa, "hi"))
    conversation_id = conversation_for(client, store, f"whatsapp:{wa}")["conversation_id"]
    monkeypatch.setenv("GRAPH_API_BASE_URL", httpserver.url_for("/graph"))
    httpserver.expect_request(f"/graph/v21.0/{PHONE_NUMBER_ID}/messages").respond_with_json(
        {"error": {"message": "Rate limit hit", "code": 130429}}, status=429, headers={"Retry-After": "0"})
    response = post(client, f"/admin/conversations/{conversation_id}/messages", store, {"text": "hi"})
    assert response.status_code == 502 and "Rate limit hit" in json.loads(response.body)["error"]["message"]
    assert len(httpserver.log) == 3  # tried three times, with backoff
    assert [m["direction"] for m in messages(client, store, conversation_id)] == ["inbound"]  # nothing sent


def test_reply_body_is_validated(client, store, creds):
    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    conversation_id = conversation_for(client, store, f"line:{user}")["conversation_id"]
    for payload in ({}, {"text": ""}, {"text": "x" * 2001}, {"text": "hi", "extra": 1}):
        assert post(client, f"/admin/conversations/{conversation_id}/messages", store, payload).status_code == 400


def test_add_note_is_merchant_only_and_never_unread(client, store, creds, sandbox):
    from chalicelib import clock
    from chalicelib.conversations import add_note
    from chalicelib.errors import NotFound

    user = uid("U")
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user)))
    conversation = conversation_for(client, store, f"line:{user}")
    sandbox.outbox.clear()
    add_note(store.store_id, conversation["conversation_id"], "binding invitation sent, valid for 1 hour", clock.now())
    items = messages(client, store, conversation["conversation_id"])
    assert items[-1]["direction"] == "note" and items[-1]["text"].startswith("binding invitation sent")
    assert conversation_for(client, store, f"line:{user}")["unread_count"] == 1
    assert sandbox.outbox.items() == []
    with pytest.raises(NotFound):
        add_note(store.store_id, "cv_nosuch", "x", clock.now())


# --- blacklist ------------------------------------------------------------------------------------

def test_blacklisted_sender_is_acknowledged_and_dropped(client, store, creds):
    user = uid("U")
    key = f"line:{user}"
    response = client.http.put(f"/admin/blacklist/{key}", headers=store.admin(), body=b"")
    assert response.status_code == 200 and json.loads(response.body)["social_user_key"] == key

    delivered = deliver(client, store.store_id, "line", creds, line_delivery(line_event(user, text="let me in")))

    assert delivered.status_code == 200
    assert json.loads(delivered.body)["dropped"] == 1
    assert conversation_for(client, store, key) is None
    assert conversations(client, store)["total_unread"] == 0
    listed = json.loads(client.http.get("/admin/blacklist", headers=store.admin()).body)
    assert [e["social_user_key"] for e in listed["items"]] == [key]

    assert client.http.delete(f"/admin/blacklist/{key}", headers=store.admin()).status_code == 204
    assert client.http.delete(f"/admin/blacklist/{key}", headers=store.admin()).status_code == 204
    deliver(client, store.store_id, "line", creds, line_delivery(line_event(user, text="back again")))
    assert conversation_for(client, store, key)["unread_count"] == 1


def test_blacklisting_a_known_customer_blocks_invites_and_drops_new_messages(client, store, creds, sandbox):
    rule = {"channel": "facebook", "scope": "comments", "keywords": ["price"], "reply_text": "DM us"}
    add_rule(client, store, **rule)
    user = uid("fb")
    deliver_and_work(client, store.store_id, "facebook", creds, messenger_message(user, "hello"))
    key = f"facebook:{user}"
    client.http.put(f"/admin/blacklist/{key.replace(':', '%3A')}", headers=store.admin(), body=b"")
    sandbox.outbox.clear()

    deliver(client, store.store_id, "facebook", creds, facebook_comment(user, "price?"))
    run_channel_work()

    assert sandbox.outbox.items() == []  # no auto-reply
    conversation = conversation_for(client, store, key)
    assert conversation["unread_count"] == 1
    assert conversation["invite_blocked_reason"] == "blacklisted" and conversation["can_invite_binding"] is False
    assert len(messages(client, store, conversation["conversation_id"])) == 1


def test_blacklist_key_is_validated(client, store):
    for key in ("telegram:123", "line", "line:", "line:bad%20id"):
        response = client.http.put(f"/admin/blacklist/{key}", headers=store.admin(), body=b"")
        assert response.status_code == 400, key


# --- auto-reply rules -----------------------------------------------------------------------------

def test_instagram_comment_with_a_keyword_gets_one_public_reply_even_when_redelivered(client, store, creds, sandbox):
    rule = add_rule(client, store, channel="instagram", scope="comments", keywords=["運費", "Shipping"],
                    reply_text="運費 60 元, free over 1000", private_reply=False)
    comment_id = uid("1789")
    payload = instagram_comment(uid("ig"), "想問運費", comment_id=comment_id)
    sandbox.outbox.clear()
    for _ in range(3):
        assert deliver(client, store.store_id, "instagram", creds, payload).status_code == 200
    assert sandbox.outbox.items() == []  # the webhook answered without calling Instagram

    assert run_channel_work() == 3  # each delivery queued the reply (a first attempt may have died before)
    run_channel_work()
    sent = sandbox.outbox.items()
    assert len(sent) == 1
    assert sent[0]["path"] == f"/graph/v21.0/{comment_id}/replies"
    assert sent[0]["body"] == {"message": "運費 60 元, free over 1000"}
    user = payload["entry"][0]["changes"][0]["value"]["from"]["id"]
    items = messages(client, store, conversation_for(client, store, f"instagram:{user}")["conversation_id"])
    assert [(m["direction"], m["kind"]) for m in items] == [("inbound", "comment"), ("outbound", "auto_reply")]
    assert items[1]["auto_reply_rule_id"] == rule["rule_id"]
    assert items[0]["comment_id"] == comment_id and items[0]["post_id"]


def test_private_reply_rule_and_case_insensitive_match(client, store, creds, sandbox):
    add_rule(client, store, channel="facebook", scope="comments", keywords=["PRICE"], reply_text="Sent you a DM",
             private_reply=True)
    comment = facebook_comment(uid("fb"), "what's the price?")
    comment_id = comment["entry"][0]["changes"][0]["value"]["comment_id"]
    sandbox.outbox.clear()
    deliver_and_work(client, store.store_id, "facebook", creds, comment)
    sent = sandbox.outbox.items()
    assert len(sent) == 1
    assert sent[0]["path"] == f"/graph/v21.0/{PAGE_ID}/messages"
    assert sent[0]["body"] == {"recipient": {"comment_id": comment_id}, "message": {"text": "Sent you a DM"}}


def test_facebook_public_comment_reply_and_message_rules(client, store, creds, sandbox):
    add_rule(client, store, channel="facebook", scope="comments", keywords=["hours"], reply_text="9-18 daily")
    add_rule(client, store, channel="instagram", scope="messages", keywords=["hours"], reply_text="9-18, DM")
    comment = facebook_comment(uid("fb"), "Opening HOURS?")
    comment_id = comment["entry"][0]["changes"][0]["value"]["comment_id"]
    sandbox.outbox.clear()
    deliver_and_work(client, store.store_id, "facebook", creds, comment)
    user = uid("ig")
    deliver_and_work(client, store.store_id, "instagram", creds, instagram_message(user, "your hours please"))
    deliver_and_work(client, store.store_id, "instagram", creds, instagram_message(user, "thanks"))  # no keyword
    posts = [c for c in sandbox.outbox.items() if c["method"] == "POST"]
    assert [(c["path"], c["body"]) for c in posts] == [
        (f"/graph/v21.0/{comment_id}/comments", {"message": "9-18 daily"}),
        (f"/graph/v21.0/{IG_ACCOUNT_ID}/messages",
         {"recipient": {"id": user}, "messaging_type": "RESPONSE", "message": {"text": "9-18, DM"}})]


def test_rules_crud_and_validation(client, store):
    rule = add_rule(client, store, channel="instagram", scope="comments", keywords=["a"], reply_text="b")
    assert rule["private_reply"] is False
    listed = json.loads(client.http.get("/admin/auto-reply-rules", headers=store.admin()).body)["items"]
    assert [r["rule_id"] for r in listed] == [rule["rule_id"]]
    bad = [{"channel": "line", "scope": "comments", "keywords": ["a"], "reply_text": "b"},
           {"channel": "instagram", "scope": "dms", "keywords": ["a"], "reply_text": "b"},
           {"channel": "instagram", "scope": "comments", "keywords": [], "reply_text": "b"},
           {"channel": "instagram", "scope": "comments", "keywords": ["", "x"], "reply_text": "b"},
           {"channel": "instagram", "scope": "comments", "keywords": [1], "reply_text": "b"},
           {"channel": "instagram", "scope": "messages", "keywords": ["a"], "reply_text": "b", "private_reply": True},
           {"channel": "instagram", "scope": "comments", "keywords": ["a"]}]
    for payload in bad:
        assert post(client, "/admin/auto-reply-rules", store, payload).status_code == 400, payload
    path = f"/admin/auto-reply-rules/{rule['rule_id']}"
    assert client.http.delete(path, headers=store.admin()).status_code == 204
    assert client.http.delete(path, headers=store.admin()).status_code == 404
