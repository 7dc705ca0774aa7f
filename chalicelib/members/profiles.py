"""The admin's member profile (``GET /admin/members/{id}``) and visitors registered as members by the merchant.

A profile costs: the member (GetItem), its newest notes (one Query), the referral's staff member and
branch (GetItems, only when the member has a referral); the route adds its orders (one Query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import InvalidRequest
from chalicelib.members.core import create_member, get_member
from chalicelib.members.notes import member_notes
from chalicelib.models.customers import MemberNoteModel
from chalicelib.models.members import MemberModel
from chalicelib.models.stores import BranchModel, StaffModel


def _name_of(model: type[StaffModel] | type[BranchModel], store_id: str, key: str | None) -> str | None:
    if not key:
        return None
    try:
        return str(model.get(store_id, key, attributes_to_get=["name"]).name)
    except DoesNotExist:
        return None


@dataclass(frozen=True)
class MemberProfile:
    """Everything the merchant sees about one member but its orders (``binding.orders_of_member``)."""

    member: MemberModel
    notes: list[MemberNoteModel]  # newest first
    referral_staff_name: str | None
    referral_branch_name: str | None


def member_profile(store_id: str, member_id: str) -> MemberProfile:
    """The member, its newest notes and its referral's names (404 ``not_found``, also for another store's member)."""
    member = get_member(store_id, member_id)
    return MemberProfile(member, member_notes(store_id, member_id),
                         _name_of(StaffModel, store_id, member.referral_staff_id),
                         _name_of(BranchModel, store_id, member.referral_branch_id))


def register_visitor(store_id: str, name: str, phone: str | None, email: str | None, now: datetime) -> MemberModel:
    """A visitor (from the inbox) registered as a member by the merchant, with a phone and/or an email.

    Same uniqueness as a sign-up (409 ``phone_taken`` / ``email_taken``); nothing is verified and the
    member has no password until they sign in on the storefront's reset flow.
    """
    if phone is None and email is None:
        raise InvalidRequest("give a 'phone' or an 'email' for the member", field="phone")
    return create_member(store_id, name, phone=phone, email=email, now=now)
