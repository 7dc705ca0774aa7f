"""The admin's member profile (``GET /admin/members/{id}``) and visitors registered as members by the merchant.

A profile costs: the member (GetItem), its newest notes (one Query), the referral's staff member and
branch (GetItems, only when the member has a referral) and its orders (:func:`member_orders`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import clock
from chalicelib.errors import InvalidRequest
from chalicelib.lifecycle.incremental import live_view
from chalicelib.lifecycle.tracking import lifecycle_view
from chalicelib.members.core import PHONE_VERIFIED_LABELS, create_member, get_member, member_view
from chalicelib.members.notes import member_notes
from chalicelib.models.binding import OrderModel
from chalicelib.models.members import MemberModel
from chalicelib.models.stores import BranchModel, StaffModel


def member_orders(store_id: str, member_id: str) -> list[OrderModel]:
    """The member's newest 50 orders, newest first, as posted by the storefront (``POST /storefront/orders``)."""
    from chalicelib.binding.orders import orders_of_member

    return orders_of_member(store_id, member_id)


def _name_of(model: type[StaffModel] | type[BranchModel], store_id: str, key: str | None) -> str | None:
    if not key:
        return None
    try:
        return str(model.get(store_id, key, attributes_to_get=["name"]).name)
    except DoesNotExist:
        return None


def referral_view(member: MemberModel) -> dict[str, Any] | None:
    if not member.referral_staff_id and not member.referral_branch_id:
        return None
    return {
        "staff_id": member.referral_staff_id,
        "staff_name": _name_of(StaffModel, member.store_id, member.referral_staff_id),
        "branch_id": member.referral_branch_id,
        "branch_name": _name_of(BranchModel, member.store_id, member.referral_branch_id),
        "bound_at": clock.isoformat(member.referral_bound_at) if member.referral_bound_at else None,
    }


def _consents(member: MemberModel) -> dict[str, Any]:
    from chalicelib.consent.state import consents_view

    return consents_view(member)


def member_profile(store_id: str, member_id: str) -> dict[str, Any]:
    """Everything the merchant sees about one member (404 ``not_found``, also for another store's member)."""
    from chalicelib.binding.orders import order_view

    member = get_member(store_id, member_id)
    orders = member_orders(store_id, member_id)
    return {
        **member_view(member),
        "email_verified_label": PHONE_VERIFIED_LABELS[bool(member.email and member.email_verified)],
        "is_member": bool(member.is_member),
        "social_accounts": [{"key": account.key, "name": account.name, "bound_at": clock.isoformat(account.bound_at)}
                            for account in member.social_accounts or []],
        "referral": referral_view(member),
        "tags": sorted(member.tags or []),
        "consents": _consents(member),
        "notes": member_notes(store_id, member_id),
        "orders": [order_view(order) for order in orders],
        "lifecycle": lifecycle_view(member) or live_view(store_id, member, orders, clock.now()),
        "updated_at": clock.isoformat(member.updated_at),
    }


def register_visitor(store_id: str, name: str, phone: str | None, email: str | None, now: datetime) -> MemberModel:
    """A visitor (from the inbox) registered as a member by the merchant, with a phone and/or an email.

    Same uniqueness as a sign-up (409 ``phone_taken`` / ``email_taken``); nothing is verified and the
    member has no password until they sign in on the storefront's reset flow.
    """
    if phone is None and email is None:
        raise InvalidRequest("give a 'phone' or an 'email' for the member", field="phone")
    return create_member(store_id, name, phone=phone, email=email, now=now)
