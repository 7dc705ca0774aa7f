"""Membership binding operations (issue 4): what an invitation, a preview, a redemption and an order cost.

Every row runs warm (the channel secret already read once, as on a busy Lambda). An invitation is:
authentication (GetItem), one TransactGetItems (conversation, store, the four template rows), the
channel call, one TransactWrite (token, outbound message + its delivery id, note, conversation).
A redemption is authentication plus ONE TransactWrite, with nothing read first (the token's claims
name the social user).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from bench.ops_inbox import _deliver, _line, warm
from bench.support import Bench, Operation


def _link(bench: Bench) -> str:
    item = [i for i in bench.sandbox.outbox.items() if i["method"] == "POST"][-1]
    message = item["body"]["messages"][0]
    action = message["template"]["actions"][0] if message["type"] == "template" else \
        message["contents"]["footer"]["contents"][0]["action"]
    return str(action["uri"])


def setup_conversation(bench: Bench) -> dict[str, Any]:
    import secrets

    from chalicelib.conversations import conversation_id_for

    status, _ = bench.call("PUT", "/admin/settings", bench.admin_key, {"storefront_url": "https://shop.example.com"})
    assert status == 200
    state = warm(bench)
    user = "U" + secrets.token_hex(8)
    _deliver(bench, state["channels"], "line", _line(user, "How do I join?"))
    state["conversation_id"] = conversation_id_for(f"line:{user}")
    return state


def invitation(bench: Bench, state: Any) -> None:
    status, answer = bench.call("POST", f"/admin/conversations/{state['conversation_id']}/binding-invitation",
                                bench.admin_key)
    assert status == 201, answer


def setup_token(bench: Bench) -> dict[str, Any]:
    from chalicelib import members

    state = setup_conversation(bench)
    invitation(bench, state)
    state["token"] = parse_qs(urlparse(_link(bench)).query)["token"][0]
    state["member_id"] = members.create_member(bench.store_id, "Bench Amy").member_id
    return state


def preview(bench: Bench, state: Any) -> None:
    status, answer = bench.call("GET", f"/storefront/bindings/{state['token']}", bench.storefront_key)
    assert status == 200, answer


def redeem(bench: Bench, state: Any) -> None:
    status, answer = bench.call("POST", "/storefront/bindings/redeem", bench.storefront_key,
                                {"token": state["token"], "member_id": state["member_id"]})
    assert status == 200, answer


def redeem_again(bench: Bench, state: Any) -> None:
    status, answer = bench.call("POST", "/storefront/bindings/redeem", bench.storefront_key,
                                {"token": state["token"], "member_id": state["member_id"]})
    assert status == 409, answer


def setup_used_token(bench: Bench) -> dict[str, Any]:
    state = setup_token(bench)
    redeem(bench, state)
    return state


def setup_cart(bench: Bench) -> dict[str, Any]:
    from chalicelib import members

    state = setup_conversation(bench)
    status, answer = bench.call("POST", f"/admin/conversations/{state['conversation_id']}/cart-link",
                                bench.admin_key, {"cart_id": "cart-1"})
    assert status == 201, answer
    state["cart_token"] = parse_qs(urlparse(answer["url"]).query)["cart_token"][0]
    state["member_id"] = members.create_member(bench.store_id, "Bench Ben").member_id
    return state


def order_with_cart_link(bench: Bench, state: Any) -> None:
    status, answer = bench.call("POST", "/storefront/orders", bench.storefront_key, {
        "order_id": "o-1", "member_id": state["member_id"], "cart_token": state["cart_token"], "total": 100,
        "currency": "TWD"})
    assert status == 201 and answer["binding"]["status"] == "bound", answer


OPERATIONS = [
    Operation("POST binding-invitation (LINE, warm)", "<= 3 DynamoDB + 1 channel", invitation, setup_conversation),
    Operation("GET /storefront/bindings/{token} (preview)", "", preview, setup_token),
    Operation("POST /storefront/bindings/redeem (success)", "1 DynamoDB (+ auth)", redeem, setup_token),
    Operation("POST /storefront/bindings/redeem (token used: 409)", "", redeem_again, setup_used_token),
    Operation("POST /storefront/orders with a cart link (binds)", "", order_with_cart_link, setup_cart),
]
