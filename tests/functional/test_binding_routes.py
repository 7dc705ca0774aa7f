"""Membership binding through the routes: invitations, preview, redemption, cart links, orders, templates."""

from __future__ import annotations

import json

import pytest

from tests.conftest import call
from tests.support_binding import (
    STOREFRONT_URL,
    invite,
    invited_token,
    link_in,
    new_member,
    redeem,
    sent_messages,
    set_storefront,
    start_conversation,
    token_from_url,
)
from tests.support_channels import messages


@pytest.fixture
def creds(creds, client, store) -> dict[str, dict[str, str]]:
    """The channels, and a storefront URL for the links (tests/functional/conftest.py has the rest)."""
    set_storefront(client, store)
    return creds


# --- invitations ----------------------------------------------------------------------------------

@pytest.mark.parametrize("channel", ["facebook", "instagram", "line", "whatsapp"])
def test_invitation_sends_the_template_with_a_one_hour_link_and_notes_it(client, store, creds, sandbox, channel):
    from chalicelib import clock

    conversation_id, _key = start_conversation(client, store, creds, channel)
    sandbox.outbox.clear()
    status, answer = invite(client, store, conversation_id)

    assert status == 201, answer
    sent_at, expires_at = (clock.datetime.fromisoformat(answer[k]) for k in ("sent_at", "expires_at"))
    assert (expires_at - sent_at).total_seconds() == 3600
    assert answer["invitation_id"].startswith("bi_")
    [sent] = sent_messages(sandbox)
    assert sent["channel"] == channel
    link = link_in(sent)
    assert link.startswith(f"{STOREFRONT_URL}/account/bind?token=")
    token = token_from_url(link)
    assert len(token.rsplit(".", 1)[1]) >= 22  # >= 128 random bits after the claims
    if channel == "whatsapp":
        assert "button" not in json.dumps(sent["body"]) and link in sent["body"]["text"]["body"]
    history = messages(client, store, conversation_id)
    assert [m["direction"] for m in history[-2:]] == ["outbound", "note"]
    assert history[-1]["text"] == "binding invitation sent, valid for 1 hour"


@pytest.mark.parametrize("link_kind", ["invitation", "cart"])
def test_a_whatsapp_link_is_stored_with_its_token_masked(client, store, creds, sandbox, link_kind):
    """Finding 9: the stored message text held the live link, readable through the inbox and from a backup."""
    from chalicelib.models.inbox import ConversationModel, MessageModel

    # GIVEN a WhatsApp conversation that is sent a binding invitation or a cart link
    conversation_id, _ = start_conversation(client, store, creds, "whatsapp")
    sandbox.outbox.clear()
    if link_kind == "invitation":
        assert invite(client, store, conversation_id)[0] == 201
    else:
        path = f"/admin/conversations/{conversation_id}/cart-link"
        assert call(client, "POST", path, store.admin(), {"cart_id": "c1"})[0] == 201
    link = link_in(sent_messages(sandbox)[-1])
    token = token_from_url(link, "token" if link_kind == "invitation" else "cart_token")
    # THEN the customer got the live link, but no stored text holds its token
    history = messages(client, store, conversation_id)
    shown = [m["text"] for m in history if m["direction"] == "outbound"][-1]
    assert "=********" in shown and token not in shown
    stored = [json.dumps(item.to_simple_dict(), default=str)
              for item in MessageModel.query(f"{store.store_id}#{conversation_id}")]
    stored.append(json.dumps(ConversationModel.get(store.store_id, conversation_id).to_simple_dict(), default=str))
    assert not any(token in text or token.rsplit(".", 1)[1] in text for text in stored)
    _, listed = call(client, "GET", "/admin/conversations", store.admin())
    assert token not in json.dumps(listed)


def test_only_the_hash_of_the_token_is_stored(client, store, creds, sandbox):
    from chalicelib import tokens
    from chalicelib.models.binding import BindingTokenModel

    token, conversation_id, key = invited_token(client, store, creds, sandbox)
    [item] = list(BindingTokenModel.query(store.store_id))
    assert item.token_hash == tokens.sha256_hex(token)
    assert token not in json.dumps(item.to_simple_dict(), default=str)
    assert (item.channel, item.social_user_key, item.conversation_id) == ("facebook", key, conversation_id)


def test_invitation_refusals_send_nothing_and_store_nothing(client, store, creds, sandbox):
    from chalicelib import clock
    from chalicelib.models.binding import BindingTokenModel

    conversation_id, _key = start_conversation(client, store, creds, "line")
    clock.advance(24 * 3600 + 1)
    sandbox.outbox.clear()
    status, answer = invite(client, store, conversation_id)
    assert (status, answer["error"]["code"]) == (422, "outside_24h_window")

    blocked_id, blocked_key = start_conversation(client, store, creds, "line")
    assert call(client, "PUT", f"/admin/blacklist/{blocked_key}", store.admin())[0] == 200
    status, answer = invite(client, store, blocked_id)
    assert (status, answer["error"]["code"]) == (422, "blacklisted")

    assert sent_messages(sandbox) == []
    assert list(BindingTokenModel.query(store.store_id)) == []


def test_invitation_at_23h59_is_sent(client, store, creds, sandbox):
    from chalicelib import clock

    conversation_id, _ = start_conversation(client, store, creds, "whatsapp")
    clock.advance(23 * 3600 + 59 * 60)
    assert invite(client, store, conversation_id)[0] == 201


def test_invitation_needs_a_storefront_url_and_a_known_conversation(client, store, other_store, creds, sandbox):
    conversation_id, _ = start_conversation(client, store, creds, "facebook")
    assert invite(client, other_store, conversation_id)[0] == 404
    assert invite(client, store, "cv_unknown")[0] == 404
    status = client.http.put("/admin/settings", headers=store.admin(), body=json.dumps({"storefront_url": None}))
    assert status.status_code == 200
    status, answer = invite(client, store, conversation_id)
    assert (status, answer["error"]["code"]) == (422, "storefront_url_not_set")


# --- preview and redemption -----------------------------------------------------------------------

def test_preview_then_redeem_binds_once_and_shows_everywhere(client, store, creds, sandbox):
    token, conversation_id, key = invited_token(client, store, creds, sandbox, "line")
    member_id = new_member(store.store_id)

    status, shown = call(client, "GET", f"/storefront/bindings/{token}", store.storefront())
    assert status == 200 and shown["channel"] == "line" and shown["social_user"]["key"] == key
    assert shown["social_user"]["name"]  # the LINE profile name the sandbox gave

    status, answer = redeem(client, store, token, member_id)
    assert (status, answer["member_id"], answer["social_user_key"]) == (200, member_id, key)

    again = redeem(client, store, token, member_id)
    assert (again[0], again[1]["error"]["code"]) == (409, "token_used")
    status, answer = call(client, "GET", f"/storefront/bindings/{token}", store.storefront())
    assert (status, answer["error"]["code"]) == (409, "token_used")

    conversation = call(client, "GET", f"/admin/conversations/{conversation_id}", store.admin())[1]
    assert conversation["member_id"] == member_id
    assert conversation["invite_blocked_reason"] == "already_bound"
    from chalicelib.members import get_member

    accounts = get_member(store.store_id, member_id).social_accounts
    assert [(a.key, a.name) for a in accounts] == [(key, shown["social_user"]["name"])]


def test_expired_token_is_410_although_its_item_exists(client, store, creds, sandbox):
    from chalicelib import clock
    from chalicelib.models.binding import BindingTokenModel

    token, _, _ = invited_token(client, store, creds, sandbox)
    clock.advance(3601)
    assert len(list(BindingTokenModel.query(store.store_id))) == 1
    for method, path, payload in (("GET", f"/storefront/bindings/{token}", None),
                                  ("POST", "/storefront/bindings/redeem",
                                   {"token": token, "member_id": new_member(store.store_id)})):
        status, answer = call(client, method, path, store.storefront(), payload)
        assert (status, answer["error"]["code"]) == (410, "token_expired")


def test_unknown_tampered_or_foreign_tokens_are_404(client, store, other_store, creds, sandbox):
    token, _, _ = invited_token(client, store, creds, sandbox)
    member_id = new_member(store.store_id)
    claims, secret = token.rsplit(".", 1)
    for bad in ("nonsense", f"{claims}.{secret[:-2]}xx", f"{claims[:-2]}AA.{secret}"):
        status, answer = redeem(client, store, bad, member_id)
        assert (status, answer["error"]["code"]) == (404, "invalid_token"), bad
    status, answer = redeem(client, other_store, token, new_member(other_store.store_id))
    assert (status, answer["error"]["code"]) == (404, "invalid_token")


def test_social_account_binds_to_one_member_and_a_member_may_have_several(client, store, creds, sandbox):
    from chalicelib.members import get_member

    token, conversation_id, key = invited_token(client, store, creds, sandbox, "instagram")
    amy, ben = new_member(store.store_id, "Amy"), new_member(store.store_id, "Ben")
    assert redeem(client, store, token, amy)[0] == 200

    # The merchant unbinds, invites again, and Ben redeems while Amy's second link waits: Ben wins.
    assert call(client, "DELETE", f"/admin/members/{amy}/social-accounts/{key}", store.admin())[0] == 204
    assert get_member(store.store_id, amy).social_accounts == []
    sandbox.outbox.clear()
    assert invite(client, store, conversation_id)[0] == 201
    first = token_from_url(link_in(sent_messages(sandbox)[-1]))
    assert redeem(client, store, first, ben)[0] == 200
    # A second token for the same account (from before), redeemed by Amy: refused, nothing written.
    from chalicelib.binding import links
    from chalicelib.models.binding import BindingTokenModel

    extra = links.new_link_token(key, "x")
    from chalicelib import clock

    BindingTokenModel(store.store_id, extra.token_hash, purpose="invitation", invitation_id="bi_x",
                      channel="instagram", social_user_key=key, conversation_id=conversation_id,
                      created_at=clock.now(), expires_at=clock.now() + links.INVITATION_TTL).save()
    status, answer = redeem(client, store, extra.value, amy)
    assert (status, answer["error"]["code"]) == (409, "social_account_bound_to_other_member")
    assert BindingTokenModel.get(store.store_id, extra.token_hash).used_at is None

    # Ben binds a second account (WhatsApp) too.
    token2, _, key2 = invited_token(client, store, creds, sandbox, "whatsapp")
    assert redeem(client, store, token2, ben)[0] == 200
    assert [a.key for a in get_member(store.store_id, ben).social_accounts] == [key, key2]


def test_redeem_for_an_unknown_member_is_404_and_leaves_the_token_usable(client, store, creds, sandbox):
    token, _, _ = invited_token(client, store, creds, sandbox)
    status, answer = redeem(client, store, token, "mb_missing")
    assert (status, answer["error"]["code"]) == (404, "not_found")
    assert redeem(client, store, token, new_member(store.store_id))[0] == 200


def test_storefront_routes_need_the_storefront_key(client, store, creds, sandbox):
    token, _, _ = invited_token(client, store, creds, sandbox)
    assert call(client, "GET", f"/storefront/bindings/{token}", store.admin())[0] == 403
    assert call(client, "POST", "/storefront/bindings/redeem", {}, {"token": token, "member_id": "m"})[0] == 401
    status, answer = redeem(client, store, token, "")
    assert (status, answer["error"]["field"]) == (400, "member_id")


# --- cart links and orders ------------------------------------------------------------------------

def test_cart_link_order_binds_once_and_is_idempotent(client, store, creds, sandbox):
    from chalicelib.binding import orders_of_member
    from chalicelib.members import get_member

    conversation_id, key = start_conversation(client, store, creds, "facebook")
    sandbox.outbox.clear()
    status, answer = call(client, "POST", f"/admin/conversations/{conversation_id}/cart-link", store.admin(),
                          {"cart_id": "cart-42"})
    assert status == 201, answer
    assert link_in(sent_messages(sandbox)[-1]) == answer["url"]
    cart_token = token_from_url(answer["url"], "cart_token")
    amy = new_member(store.store_id)

    order = {"order_id": "o-1", "member_id": amy, "cart_token": cart_token, "total": "1280.50", "currency": "twd"}
    status, placed = call(client, "POST", "/storefront/orders", store.storefront(), order)
    assert status == 201, placed
    assert placed["binding"] == {"status": "bound", "social_user_key": key}
    assert (placed["total"], placed["currency"]) == ("1280.50", "TWD")
    assert call(client, "POST", "/storefront/orders", store.storefront(), order) == (200, placed)

    second = {**order, "order_id": "o-2", "total": 99}
    status, placed2 = call(client, "POST", "/storefront/orders", store.storefront(), second)
    assert (status, placed2["binding"]["status"]) == (201, "already_bound")
    assert [o.order_id for o in orders_of_member(store.store_id, amy)] == ["o-2", "o-1"]
    assert [a.key for a in get_member(store.store_id, amy).social_accounts] == [key]
    conversation = call(client, "GET", f"/admin/conversations/{conversation_id}", store.admin())[1]
    assert conversation["member_id"] == amy
    profile = call(client, "GET", f"/admin/members/{amy}", store.admin())[1]
    assert [o["order_id"] for o in profile["orders"]] == ["o-2", "o-1"]
    assert profile["orders"][1]["total"] == "1280.50"
    assert [a["key"] for a in profile["social_accounts"]] == [key]
    # AND the profile names the chat of each bound account: the console derives no conversation id
    assert [a["conversation_id"] for a in profile["social_accounts"]] == [conversation_id]
    assert call(client, "GET", f"/admin/conversations/{conversation_id}", store.admin())[0] == 200


def test_order_for_an_account_bound_to_another_member_is_still_recorded(client, store, creds, sandbox):
    from chalicelib.binding import orders_of_member

    token, conversation_id, _key = invited_token(client, store, creds, sandbox, "line")
    amy, ben = new_member(store.store_id, "Amy"), new_member(store.store_id, "Ben")
    assert redeem(client, store, token, amy)[0] == 200
    status, answer = call(client, "POST", f"/admin/conversations/{conversation_id}/cart-link", store.admin(),
                          {"cart_id": "c"})
    assert status == 201
    order = {"order_id": "o-ben", "member_id": ben, "total": 10, "currency": "TWD",
             "cart_token": token_from_url(answer["url"], "cart_token")}
    status, placed = call(client, "POST", "/storefront/orders", store.storefront(), order)
    assert (status, placed["binding"]["status"]) == (201, "bound_to_other_member")
    assert [o.order_id for o in orders_of_member(store.store_id, ben)] == ["o-ben"]


def test_order_errors(client, store, creds, sandbox):
    amy = new_member(store.store_id)
    base = {"order_id": "o-9", "member_id": amy, "total": 5, "currency": "TWD"}
    for bad, field in (({"total": -1}, "total"), ({"total": "abc"}, "total"), ({"currency": "NT$"}, "currency"),
                       ({"order_id": "a#b"}, "order_id"), ({"extra": 1}, "extra")):
        status, answer = call(client, "POST", "/storefront/orders", store.storefront(), {**base, **bad})
        assert (status, answer["error"]["field"]) == (400, field)
    status, answer = call(client, "POST", "/storefront/orders", store.storefront(), {**base, "member_id": "mb_no"})
    assert status == 404
    status, answer = call(client, "POST", "/storefront/orders", store.storefront(), {**base, "cart_token": "junk"})
    assert (status, answer["binding"]["status"]) == (201, "invalid_token")


# --- templates ------------------------------------------------------------------------------------

def test_templates_limits_and_use(client, store, creds, sandbox):
    path = "/admin/templates/binding-invitation/{}"
    status, shown = call(client, "GET", path.format("line"), store.admin())
    assert status == 200 and shown["is_default"] and shown["button_text"]
    for channel, limit in (("facebook", 640), ("instagram", 640), ("line", 5000), ("whatsapp", 1024)):
        status, answer = call(client, "PUT", path.format(channel), store.admin(), {"text": "x" * (limit + 1)})
        assert (status, answer["error"]["field"]) == (400, "text"), channel
        assert call(client, "PUT", path.format(channel), store.admin(), {"text": "x" * limit})[0] == 200
    status, answer = call(client, "PUT", path.format("facebook"), store.admin(), {"text": "t", "button_text": "b" * 21})
    assert (status, answer["error"]["field"]) == (400, "button_text")
    status, answer = call(client, "PUT", path.format("whatsapp"), store.admin(), {"text": "t", "button_text": "Go"})
    assert (status, answer["error"]["field"]) == (400, "button_text")
    assert call(client, "PUT", path.format("wechat"), store.admin(), {"text": "t"})[0] == 404

    status, saved = call(client, "PUT", path.format("facebook"), store.admin(),
                         {"text": "Hello {customer_name}, join us!", "button_text": "Join now"})
    assert status == 200 and not saved["is_default"]
    conversation_id, _ = start_conversation(client, store, creds, "facebook")
    sandbox.outbox.clear()
    assert invite(client, store, conversation_id)[0] == 201
    payload = sent_messages(sandbox)[-1]["body"]["message"]["attachment"]["payload"]
    assert payload["text"].startswith("Hello Sandbox user") and payload["text"].endswith(", join us!")
    assert payload["buttons"][0]["title"] == "Join now"


def test_invitation_and_cart_link_to_a_comment_only_instagram_customer_go_as_a_private_reply_first(
        client, store, creds, sandbox):
    from chalicelib.conversations import conversation_id_for
    from tests.support_channels import deliver, instagram_comment, uid

    user, comment_id = uid("ig"), uid("1789")
    deliver(client, store.store_id, "instagram", creds, instagram_comment(user, "how to join?", comment_id=comment_id))
    conversation_id = conversation_id_for(f"instagram:{user}")
    sandbox.outbox.clear()
    status, answer = invite(client, store, conversation_id)
    assert status == 201, answer
    status, cart = call(client, "POST", f"/admin/conversations/{conversation_id}/cart-link", store.admin(),
                        {"cart_id": "cart-7"})
    assert status == 201, cart
    first, second = sent_messages(sandbox)
    # Meta refuses a DM to someone who only commented: the first message answers the comment privately,
    # its link in the text (a private reply carries text only); the thread is open after that.
    assert first["body"]["recipient"] == {"comment_id": comment_id}
    assert f"{STOREFRONT_URL}/account/bind?token=" in first["body"]["message"]["text"]
    assert second["body"]["recipient"] == {"id": user}
    assert link_in(second) == cart["url"]
