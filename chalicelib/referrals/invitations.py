"""SMS registration links from the counter, and the store referral they bind for ever.

A staff member texts a shopper ``{storefront_url}/account/register?invite=<token>`` (256 random
bits; only the SHA-256 is stored), valid :data:`INVITATION_TTL`. When the shopper's account exists
(new or old), the storefront redeems the token for that member: one ``TransactWrite`` marks the
token used (``used_at`` absent, ``expires_at > now``) and writes the member's referral (staff,
branch, binding time, the report's day index and ``added_from_key``) on the condition that the
member has none and that its verified phone is the number the link was texted to (a forwarded or
intercepted link credits nobody). A referral is therefore set once and never changed, and of any number of
concurrent redemptions of one token exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib import clock, single_use, sms, tokens
from chalicelib.errors import ApiError, Conflict, NotFound
from chalicelib.models.members import MemberModel
from chalicelib.models.referrals import RegistrationInvitationModel
from chalicelib.models.stores import StoreModel
from chalicelib.models.transactions import NamedTransaction, condition_failed, conflicted
from chalicelib.sms import captcha

LINK = single_use.REGISTRATION
INVITATION_TTL = LINK.lifetime
REGISTER_PATH = "/account/register"
MAX_TOKEN_LENGTH = 200


class StorefrontUrlMissing(ApiError):
    """A registration link needs the store's storefront URL, which an admin has not set yet."""

    code = "storefront_url_missing"


@dataclass(frozen=True)
class SentInvitation:
    invitation_id: str
    expires_at: datetime
    link: str  # contains the token: returned to the caller's code only, never to the staff app


@dataclass(frozen=True)
class Referral:
    member_id: str
    staff_id: str
    branch_id: str
    bound_at: datetime


def storefront_url(store: StoreModel) -> str:
    """The store's storefront; 422 ``storefront_url_missing`` when the admin has not set it yet."""
    if not store.storefront_url:
        raise StorefrontUrlMissing("the store has no storefront_url yet: an admin sets it with PUT /admin/settings")
    return str(store.storefront_url).rstrip("/")


def send_registration_invitation(store_id: str, staff_id: str, branch_id: str, phone_input: Any,
                                 client_ip: str | None, now: datetime, *,
                                 recaptcha_token: str | None = None) -> SentInvitation:
    """Text a registration link carrying the staff member and branch (``member_notification`` SMS).

    The invitation is written in the same transaction as the SMS limits and log (and removed again
    if SNS refuses the message). Sending to a corrected number is simply another invitation.

    Raises
    ------
    InvalidRequest
        400 ``invalid_phone`` naming ``phone``.
    ApiError
        422 ``storefront_url_missing``; 429 ``rate_limited``; 502 ``sms_failed``.
    """
    settings = sms.sms_store(store_id)
    store = settings.store
    base = storefront_url(store)
    phone = sms.parse_phone(phone_input, store.country)
    captcha.guard(settings, recaptcha_token, client_ip)
    token = tokens.new_secret()
    invitation = RegistrationInvitationModel(
        store_id, tokens.sha256_hex(token), invitation_id=tokens.new_id("ri"), staff_id=staff_id,
        branch_id=branch_id, phone=phone.e164, created_at=now, expires_at=LINK.expiry(now))
    link = f"{base}{REGISTER_PATH}?invite={token}"
    sms.send(store, phone, settings.text("registration_invitation", link=link), "member_notification", client_ip,
             now, also_save=[invitation])
    return SentInvitation(invitation.invitation_id, invitation.expires_at, link)


def bound_at_key(moment: datetime) -> str:
    """The ``by_referral_day`` sort key: fixed-width UTC ISO with microseconds, so it sorts as time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def added_from_key(branch_id: str, moment: datetime) -> str:
    """The ``by_added_from`` sort key: ``<branch_id>#<UTC ISO>``, so a branch's members sort by time."""
    return f"{branch_id}#{bound_at_key(moment)}"


def redeem_registration_invitation(store_id: str, token: str, member_id: str, timezone: str,
                                   now: datetime) -> Referral:
    """Bind ``member_id``'s referral to the invitation's staff member and branch: one TransactWrite.

    Raises
    ------
    ApiError
        404 ``invalid_token``, 410 ``token_expired`` (even while the item exists), 409 ``token_used``;
        404 ``not_found`` for an unknown member; 409 ``referral_already_bound`` when the member
        already has a referral (it stays as it was, and the token stays unused); 409 ``phone_mismatch``
        when the member's verified phone is not the number the link was texted to (nothing written).
    """
    token_hash = tokens.sha256_hex(token)
    invitation = RegistrationInvitationModel(store_id, token_hash)
    # An update cannot copy attributes from another item: the staff and branch are read first (and a
    # bad token is answered from that read); the transaction's conditions still decide every race.
    stored = _invitation(store_id, token_hash, now)
    member = MemberModel(store_id, member_id)
    try:
        with NamedTransaction() as tx:
            tx.update("token", invitation,
                      actions=[RegistrationInvitationModel.used_at.set(now),
                               RegistrationInvitationModel.used_by_member_id.set(member_id)],
                      condition=single_use.usable(RegistrationInvitationModel, now))
            tx.update("member", member,
                      actions=[MemberModel.referral_staff_id.set(stored.staff_id),
                               MemberModel.referral_branch_id.set(stored.branch_id),
                               MemberModel.referral_bound_at.set(now),
                               MemberModel.referral_day.set(f"{store_id}#{clock.local_day(now, timezone)}"),
                               MemberModel.referral_bound_at_key.set(bound_at_key(now)),
                               MemberModel.added_from_key.set(
                                   MemberModel.added_from_key | added_from_key(stored.branch_id, now)),
                               MemberModel.updated_at.set(now)],
                      condition=(MemberModel.member_id.exists() & MemberModel.referral_staff_id.does_not_exist()
                                 & (MemberModel.phone == stored.phone) & (MemberModel.phone_verified == True)))  # noqa: E712
    except TransactWriteError as exc:
        raise _refusal(exc, store_id, token_hash, member_id, now) from None
    return Referral(member_id, stored.staff_id, stored.branch_id, now)


def _invitation(store_id: str, token_hash: str, now: datetime) -> RegistrationInvitationModel:
    stored: RegistrationInvitationModel = single_use.load(LINK, RegistrationInvitationModel, store_id, token_hash, now)
    return stored


def phone_mismatch() -> ApiError:
    return Conflict("this invitation was texted to another number: only the member whose verified phone is "
                    "that number can redeem it", code="phone_mismatch")


def referral_already_bound() -> ApiError:
    return Conflict("this member already has a store referral; it never changes", code="referral_already_bound")


def _refusal(exc: TransactWriteError, store_id: str, token_hash: str, member_id: str, now: datetime) -> Exception:
    """Why the transaction was cancelled, read again (off the success path); the token is judged first."""
    if not (condition_failed(exc) or conflicted(exc)):
        return exc
    try:
        stored = RegistrationInvitationModel.get(store_id, token_hash, consistent_read=True)
    except DoesNotExist:
        return single_use.invalid(LINK)
    refusal = single_use.refusal(LINK, stored, now)
    if refusal is not None:
        return refusal
    try:
        member = MemberModel.get(store_id, member_id, consistent_read=True)
    except DoesNotExist:
        return NotFound(f"member {member_id} not found")
    if member.referral_staff_id:
        return referral_already_bound()
    if member.phone != stored.phone or not member.phone_verified:
        return phone_mismatch()
    # A concurrent redemption of this token is still in flight: exactly one of them wins.
    return single_use.used(LINK)
