"""Member blacklist (CONTRACT v3): every bound social account, now or later, shop and order messages, binding
invitations, auto-replies and marketing are held back while it holds; lifting it lets them through again."""

from __future__ import annotations

from typing import Any

from local.emails import sent_emails
from tests.conftest import call
from tests.support_binding import (
    incoming,
    invite,
    invited_token,
    new_user,
    redeem,
    sent_messages,
    set_storefront,
    start_conversation,
)
from tests.support_channels import conversation_for, deliver, instagram_comment, messages
from tests.support_consent import POSTAL, broadcast, settings, sign_up


def bound_member(client: Any, store: Any, creds: Any, sandbox: Any, channel: str = "facebook",
                 email: str = "amy@example.com") -> tuple[str, str, str]:
    """(member_id, conversation_id, social_user_key) of a member who bound ``channel`` through an invitation."""
    set_storefront(client, store)
    member_id = sign_up(client, store, email, email_marketing=True)
    token, conversation_id, key = invited_token(client, store, creds, sandbox, channel)
    status, answer = redeem(client, store, token, member_id)
    assert status == 200, answer
    return member_id, conversation_id, key


def blacklist(client: Any, store: Any, member_id: str, method: str = "PUT") -> tuple[int, Any]:
    return call(client, method, f"/admin/members/{member_id}/blacklist", store.admin())


def inbound_count(client: Any, store: Any, conversation_id: str) -> int:
    return sum(1 for item in messages(client, store, conversation_id) if item["direction"] == "inbound")


def test_a_blacklisted_members_bound_account_is_acknowledged_and_dropped(client, store, creds, sandbox):
    # GIVEN Amy, who bound her Messenger account
    member_id, conversation_id, key = bound_member(client, store, creds, sandbox)
    before = inbound_count(client, store, conversation_id)

    # WHEN the merchant blacklists the member
    status, answer = blacklist(client, store, member_id)

    # THEN it says so, her profile shows it, and her next message is acknowledged but never stored
    assert status == 200 and answer["blacklisted"] is True and answer["at"]
    profile = call(client, "GET", f"/admin/members/{member_id}", store.admin())[1]
    assert profile["blacklisted"] is True
    response = deliver(client, store.store_id, "facebook", creds, incoming("facebook", key.split(":", 1)[1],
                                                                            "let me in"))
    assert response.status_code == 200
    assert inbound_count(client, store, conversation_id) == before
    assert conversation_for(client, store, key)["unread_count"] == 1  # the first message only

    # WHEN it is lifted THEN the next message arrives again
    status, answer = blacklist(client, store, member_id, "DELETE")
    assert (status, answer["blacklisted"]) == (200, False)
    deliver(client, store.store_id, "facebook", creds, incoming("facebook", key.split(":", 1)[1], "hello again"))
    assert inbound_count(client, store, conversation_id) == before + 1
    assert call(client, "GET", f"/admin/members/{member_id}", store.admin())[1]["blacklisted"] is False


def test_an_account_bound_after_the_blacklisting_is_held_back_too(client, store, creds, sandbox):
    # GIVEN a blacklisted member
    set_storefront(client, store)
    member_id = sign_up(client, store, "amy@example.com")
    assert blacklist(client, store, member_id)[0] == 200

    # WHEN she binds an Instagram account afterwards (the invitation went out before anyone knew)
    token, conversation_id, key = invited_token(client, store, creds, sandbox, "instagram")
    assert redeem(client, store, token, member_id)[0] == 200
    before = inbound_count(client, store, conversation_id)

    # THEN that account's deliveries are dropped as well
    deliver(client, store.store_id, "instagram", creds, incoming("instagram", key.split(":", 1)[1], "hi"))
    assert inbound_count(client, store, conversation_id) == before
    # ... and lifting the blacklist on the member lets it through
    blacklist(client, store, member_id, "DELETE")
    deliver(client, store.store_id, "instagram", creds, incoming("instagram", key.split(":", 1)[1], "hi again"))
    assert inbound_count(client, store, conversation_id) == before + 1


def test_no_binding_invitation_and_no_auto_reply_for_a_blacklisted_member(client, store, creds, sandbox):
    # GIVEN a member with a bound Instagram account and a comment auto-reply rule
    member_id, conversation_id, key = bound_member(client, store, creds, sandbox, "instagram")
    status, _ = call(client, "POST", "/admin/auto-reply-rules", store.admin(),
                     {"channel": "instagram", "scope": "comments", "keywords": ["price"],
                      "reply_text": "See our price list", "private_reply": False})
    assert status == 201
    blacklist(client, store, member_id)
    sandbox.outbox.clear()

    # WHEN she comments with the keyword THEN nothing answers
    deliver(client, store.store_id, "instagram", creds, instagram_comment(key.split(":", 1)[1], "what is the price?"))
    assert sent_messages(sandbox) == []
    # ... and an invitation to her conversation is refused as blacklisted
    status, answer = invite(client, store, conversation_id)
    assert (status, answer["error"]["code"]) == (422, "blacklisted")


def test_shop_and_order_messages_are_answered_but_never_reach_the_inbox(client, store):
    # GIVEN a blacklisted member with an order
    member_id = sign_up(client, store, "amy@example.com")
    status, _ = call(client, "POST", "/storefront/orders", store.storefront(),
                     {"order_id": "A-1001", "member_id": member_id, "total": "480", "currency": "TWD"})
    assert status == 201
    blacklist(client, store, member_id)

    # WHEN she writes a shop message and an order message
    shop = call(client, "POST", "/storefront/shop-messages", store.storefront(),
                {"member_id": member_id, "text": "refund me now"})
    order = call(client, "POST", "/storefront/orders/A-1001/messages", store.storefront(),
                 {"member_id": member_id, "text": "where is it"})

    # THEN both answer 201 as usual, and the inbox has neither
    assert shop[0] == 201 and shop[1]["conversation_id"] and shop[1]["message_id"]
    assert order[0] == 201 and order[1]["message_id"]
    listed = call(client, "GET", "/admin/conversations", store.admin())[1]
    assert [item for item in listed["items"] if item["channel"] in ("shop", "order")] == []
    assert listed["total_unread"] == 0

    # WHEN lifted THEN her next shop message reaches the inbox
    blacklist(client, store, member_id, "DELETE")
    assert call(client, "POST", "/storefront/shop-messages", store.storefront(),
                {"member_id": member_id, "text": "sorry, a question"})[0] == 201
    listed = call(client, "GET", "/admin/conversations?channel=shop", store.admin())[1]
    assert [item["last_message"]["text"] for item in listed["items"]] == ["sorry, a question"]


def test_marketing_excludes_a_blacklisted_member_whatever_her_consent(client, store):
    settings(client, store, shop_email="shop@tea.example.com", postal_address=POSTAL)
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    ben = sign_up(client, store, "ben@example.com", email_marketing=True)
    blacklist(client, store, amy)

    progress = broadcast(client, store, {"member_ids": [amy, ben]})

    assert progress["sent"] == 1 and progress["recipients"] == 2
    assert progress["excluded"] == {"no_email": 0, "not_subscribed": 0, "suppressed": 0, "blacklisted": 1}
    assert [mail["to"] for mail in sent_emails()] == ["ben@example.com"]


def test_the_blacklist_lists_members_and_social_accounts_by_name(client, store, creds, sandbox):
    member_id = sign_up(client, store, "amy@example.com")
    _conversation_id, key = start_conversation(client, store, creds, "line", new_user("line"))
    assert call(client, "PUT", f"/admin/blacklist/{key}", store.admin())[0] == 200
    blacklist(client, store, member_id)
    blacklist(client, store, member_id)  # twice: still one entry, first date kept

    items = call(client, "GET", "/admin/blacklist", store.admin())[1]["items"]

    by_kind = {item["kind"]: item for item in items}
    assert len(items) == 2
    assert by_kind["member"]["member_id"] == member_id and by_kind["member"]["name"] == "Amy Chen"
    assert by_kind["social_account"]["key"] == key and by_kind["social_account"]["at"]
    assert by_kind["member"]["at"]


def test_unknown_or_another_stores_member_is_404(client, store, other_store):
    member_id = sign_up(client, store, "amy@example.com")
    assert blacklist(client, other_store, member_id)[0] == 404
    assert blacklist(client, store, "mb_0000000000000000")[0] == 404
    assert call(client, "GET", f"/admin/members/{member_id}", store.admin())[1]["blacklisted"] is False


def test_unbinding_an_account_stops_holding_it_back(client, store, creds, sandbox):
    member_id, conversation_id, key = bound_member(client, store, creds, sandbox)
    blacklist(client, store, member_id)
    status, _ = call(client, "DELETE", f"/admin/members/{member_id}/social-accounts/{key}", store.admin())
    assert status == 204
    before = inbound_count(client, store, conversation_id)
    deliver(client, store.store_id, "facebook", creds, incoming("facebook", key.split(":", 1)[1], "new me"))
    assert inbound_count(client, store, conversation_id) == before + 1


def test_a_preview_counts_an_audience_as_the_send_would_without_sending(client, store):
    # GIVEN two subscribed members (one blacklisted), one never asked, all tagged VIP
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    ben = sign_up(client, store, "ben@example.com", email_marketing=True)
    cy = sign_up(client, store, "cy@example.com")
    for member_id in (amy, ben, cy):
        call(client, "POST", f"/admin/members/{member_id}/tags", store.admin(), {"tags": ["VIP"]})
    call(client, "PUT", f"/admin/members/{ben}/blacklist", store.admin())

    # WHEN the merchant previews a send to the tag
    status, answer = call(client, "POST", "/admin/marketing-previews", store.admin(),
                          {"channel": "email", "audience": {"tag": "VIP"}})

    # THEN one would receive it, and the others are counted by reason; nothing was sent
    assert status == 200 and answer["members"] == 3 and answer["will_receive"] == 1 and answer["complete"]
    assert answer["excluded"] == {"no_email": 0, "not_subscribed": 1, "suppressed": 0, "blacklisted": 1}
    assert sent_emails() == []
    status, answer = call(client, "POST", "/admin/marketing-previews", store.admin(),
                          {"channel": "fax", "audience": {"tag": "VIP"}})
    assert status == 400 and answer["error"]["field"] == "channel"


def test_a_blacklisted_members_emailed_reply_is_quarantined_not_appended(client, store):
    from tests.support_messages import SHOP_EMAIL, customer_reply, post_inbound

    # GIVEN a member's shop conversation the merchant answered by e-mail
    settings(client, store, shop_email=SHOP_EMAIL, storefront_url="https://shop.example.com")
    member_id = sign_up(client, store, "amy@example.com")
    status, created = call(client, "POST", "/storefront/shop-messages", store.storefront(),
                           {"member_id": member_id, "text": "is the oolong back?"})
    assert status == 201
    conversation_id = created["conversation_id"]
    assert call(client, "POST", f"/admin/conversations/{conversation_id}/messages", store.admin(),
                {"text": "Yes, since Monday."})[0] == 201
    reply_to = sent_emails()[-1]["reply_to"]
    before = inbound_count(client, store, conversation_id)

    # WHEN the member is blacklisted and answers the e-mail
    blacklist(client, store, member_id)
    status, outcome = post_inbound(client, customer_reply(sender="amy@example.com", reply_to=reply_to))

    # THEN the mail is kept aside, and the inbox never sees it
    assert status == 200 and outcome["outcome"] == "quarantined"
    from chalicelib.config import settings as config
    from chalicelib.reports.s3stream import s3_client

    kept = s3_client().list_objects_v2(Bucket=config().reports_bucket, Prefix="inbound/quarantine/blacklisted/")
    assert kept.get("KeyCount") == 1
    assert inbound_count(client, store, conversation_id) == before
