"""Membership binding: the merchant's one click that turns a social contact into a known member.

    from chalicelib import binding

    binding.send_invitation(store_id, conversation_id, now)       # 422 outside_24h_window | already_bound | blacklisted
    binding.redeem(store_id, token, member_id, now)               # one TransactWrite; 404/409/410
    binding.send_cart_link(store_id, conversation_id, cart_id, now)
    binding.place_order(store_id, body, now)                      # a cart link's order binds automatically
    binding.orders_of_member(store_id, member_id)                 # one Query, newest first
"""

from __future__ import annotations

from chalicelib.binding.bindings import Binding, preview, redeem, unbind
from chalicelib.binding.invitations import SentLink, send_cart_link, send_invitation
from chalicelib.binding.links import CART_LINK_TTL, INVITATION_TTL
from chalicelib.binding.orders import PlacedOrder, orders_of_member, place_order
from chalicelib.binding.templates import get_template, put_template

__all__ = ["CART_LINK_TTL", "INVITATION_TTL", "Binding", "PlacedOrder", "SentLink", "get_template",
           "orders_of_member", "place_order", "preview", "put_template", "redeem", "send_cart_link",
           "send_invitation", "unbind"]
