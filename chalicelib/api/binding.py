"""Membership binding: invitations from a conversation, storefront preview and redemption, cart links and orders."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.http import ADMIN, STOREFRONT, Body, Call, endpoint, no_content
from chalicelib.api.lazy import lazy
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib import binding as domain
    from chalicelib.api import views
    from chalicelib.binding import links, orders, templates
    from chalicelib.inbox import blacklist
else:  # loaded by the first binding request, not at cold start (chalicelib/api/lazy.py)
    domain, orders = lazy("chalicelib.binding"), lazy("chalicelib.binding.orders")
    templates, blacklist = lazy("chalicelib.binding.templates"), lazy("chalicelib.inbox.blacklist")
    links, views = lazy("chalicelib.binding.links"), lazy("chalicelib.api.views")

binding = Blueprint(__name__)

REDEEM_FIELDS = {"token": Field(str, required=True, max_length=1000),
                 "member_id": Field(str, required=True, max_length=64)}
CART_LINK_FIELDS = {"cart_id": Field(str, required=True, max_length=100)}


# Request fields whose limits and checks live in the domain modules: built on first use, as those load lazily.
@functools.cache
def template_fields() -> dict[str, Field]:
    return {
        "text": Field(str, required=True, max_length=max(templates.TEXT_LIMITS.values())),
        "button_text": Field(str, nullable=True, max_length=templates.BUTTON_TEXT_MAX),
    }


@functools.cache
def order_fields() -> dict[str, Field]:
    return {
        "order_id": Field(str, required=True, max_length=100, check=orders.check_order_id),
        "member_id": Field(str, required=True, max_length=64),
        "cart_token": Field(str, nullable=True, max_length=links.MAX_TOKEN_LENGTH),
        "total": Field(object, required=True, check=orders.check_total),
        "currency": Field(str, required=True, check=orders.check_currency),
        "status": Field(str, check=orders.check_status),
        "ordered_at": Field(str, max_length=40, check=orders.check_ordered_at),
    }


@functools.cache
def order_status_fields() -> dict[str, Field]:
    return {"status": Field(str, required=True, check=orders.check_status)}


@endpoint(binding, "/admin/conversations/{conversation_id}/binding-invitation", ["POST"], roles=ADMIN, status=201)
def send_invitation(call: Call, conversation_id: str) -> Body:
    sent = domain.send_invitation(call.store_id, conversation_id, clock.now())
    return {"invitation_id": sent.link_id, "sent_at": clock.isoformat(sent.sent_at),
            "expires_at": clock.isoformat(sent.expires_at)}


@endpoint(binding, "/admin/conversations/{conversation_id}/cart-link", ["POST"], roles=ADMIN, status=201)
def send_cart_link(call: Call, conversation_id: str) -> Body:
    body = call.body(CART_LINK_FIELDS)
    sent = domain.send_cart_link(call.store_id, conversation_id, body["cart_id"], clock.now())
    return {"url": sent.url, "cart_link_id": sent.link_id, "sent_at": clock.isoformat(sent.sent_at),
            "expires_at": clock.isoformat(sent.expires_at)}


@endpoint(binding, "/admin/templates/binding-invitation/{channel}", ["GET"], roles=ADMIN)
def get_template(call: Call, channel: str) -> Body:
    return views.template_view(domain.get_template(call.store_id, channel))


@endpoint(binding, "/admin/templates/binding-invitation/{channel}", ["PUT"], roles=ADMIN)
def put_template(call: Call, channel: str) -> Body:
    templates.check_channel(channel)
    body = call.body(template_fields())
    return views.template_view(domain.put_template(call.store_id, channel, body, clock.now()))


@endpoint(binding, "/admin/members/{member_id}/social-accounts/{social_user_key}", ["DELETE"], roles=ADMIN)
def unbind(call: Call, member_id: str, social_user_key: str) -> Response:
    domain.unbind(call.store_id, member_id, blacklist.parse_social_user_key(social_user_key), clock.now())
    return no_content()


@endpoint(binding, "/storefront/bindings/{token}", ["GET"], roles=STOREFRONT)
def preview(call: Call, token: str) -> Body:
    return domain.preview(call.store_id, token, clock.now())


@endpoint(binding, "/storefront/bindings/redeem", ["POST"], roles=STOREFRONT)
def redeem(call: Call) -> Body:
    body = call.body(REDEEM_FIELDS)
    bound = domain.redeem(call.store_id, body["token"], body["member_id"], clock.now())
    return {"member_id": bound.member_id, "social_user_key": bound.social_user_key,
            "already_bound": bound.already_bound}


@endpoint(binding, "/storefront/orders", ["POST"], roles=STOREFRONT, status=201)
def place_order(call: Call) -> Body | Response:
    placed = domain.place_order(call.store_id, call.body(order_fields()), clock.now())
    view = views.order_view(placed.order)
    if placed.created:
        return view
    return Response(body=view, status_code=200, headers={"Content-Type": "application/json"})


@endpoint(binding, "/storefront/orders/{order_id}", ["PUT"], roles=STOREFRONT)
def change_order(call: Call, order_id: str) -> Body:
    body = call.body(order_status_fields())
    return views.order_view(orders.change_status(call.store_id, order_id, body["status"], clock.now()))
