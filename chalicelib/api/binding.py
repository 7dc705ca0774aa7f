"""Membership binding: invitations from a conversation, storefront preview and redemption, cart links and orders."""

from __future__ import annotations

from chalice.app import Blueprint

binding = Blueprint(__name__)
