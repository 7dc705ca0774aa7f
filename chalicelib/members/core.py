"""The members core: one member per phone and per email per store, looked up by identity.

A member and its identity items (``phone#<E.164>``, ``email#<lower-cased>``) are written in one
``TransactWrite`` with ``attribute_not_exists`` on each identity: two sign-ups racing for one
number cannot both win.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib import clock, tokens
from chalicelib.errors import ApiError, Conflict, InvalidRequest, NotFound
from chalicelib.models.members import MemberIdentityModel, MemberModel, SocialAccount
from chalicelib.models.transactions import NamedTransaction
from chalicelib.verification import TokenUse, invalid_token

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254
PHONE_VERIFIED_LABELS = {True: "Verified", False: "Not Yet Verified"}


def phone_identity(e164: str) -> str:
    return f"phone#{e164}"


def email_identity(email: str) -> str:
    return f"email#{email.strip().lower()}"


def social_identity(social_user_key: str) -> str:
    return f"social#{social_user_key}"


def social_identity_item(store_id: str, member_id: str, social_user_key: str, now: datetime) -> MemberIdentityModel:
    """The item that makes a social account this member's; save it with ``attribute_not_exists``."""
    return MemberIdentityModel(store_id, social_identity(social_user_key), member_id=member_id, verified=True,
                               created_at=now)


def add_social_account(social_user_key: str, name: str | None, now: datetime) -> list[Action]:
    """Member update actions listing a newly bound account on the profile (in the identity's transaction)."""
    return [MemberModel.social_accounts.set(MemberModel.social_accounts.append(
                [SocialAccount(key=social_user_key, name=name, bound_at=now)])),  # type: ignore[no-untyped-call]
            MemberModel.updated_at.set(now)]


def check_email(value: str, field: str = "email") -> str:
    email = value.strip()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise InvalidRequest(f"'{field}' is not an email address", field=field, code="invalid_email")
    return email


def phone_taken() -> Conflict:
    return Conflict("this phone number belongs to another member", code="phone_taken")


def email_taken() -> Conflict:
    return Conflict("this email address belongs to another member", code="email_taken")


def member_item(store_id: str, name: str, *, phone: str | None = None, phone_verified: bool = False,
                email: str | None = None, email_verified: bool = False, password_hash: str | None = None,
                signed_up_with: str | None = None, is_member: bool = True, added_from_key: str | None = None,
                now: datetime) -> MemberModel:
    """A new member item (not saved): what :func:`create_member` and the CSV import write."""
    return MemberModel(store_id, tokens.new_id("mb"), name=name, name_lower=name.lower(), phone=phone,
                       phone_verified=phone_verified if phone else False, email=email,
                       email_verified=email_verified if email else False, password_hash=password_hash,
                       signed_up_with=signed_up_with, is_member=is_member, added_from_key=added_from_key,
                       created_at=now, updated_at=now)


def identity_items(member: MemberModel, now: datetime) -> list[tuple[MemberIdentityModel, ApiError]]:
    """The member's phone and email identity items (not saved), each with the 409 its condition failing means."""
    items: list[tuple[MemberIdentityModel, ApiError]] = []
    if member.phone:
        items.append((MemberIdentityModel(member.store_id, phone_identity(member.phone), member_id=member.member_id,
                                          verified=bool(member.phone_verified), created_at=now), phone_taken()))
    if member.email:
        items.append((MemberIdentityModel(member.store_id, email_identity(member.email), member_id=member.member_id,
                                          verified=bool(member.email_verified), created_at=now), email_taken()))
    return items


def create_member(store_id: str, name: str, *, phone: str | None = None, phone_verified: bool = False,
                  email: str | None = None, email_verified: bool = False, password_hash: str | None = None,
                  signed_up_with: str | None = None, is_member: bool = True, added_from_key: str | None = None,
                  now: datetime | None = None, token_uses: Sequence[TokenUse] = (),
                  prepare: Callable[[MemberModel], Sequence[Model]] | None = None) -> MemberModel:
    """Create a member and its identity items in one transaction.

    Parameters
    ----------
    phone:
        E.164, already parsed (``chalicelib.sms.parse_phone``).
    email:
        As given (kept for display); the identity holds the lower-cased form.
    token_uses:
        Verification tokens consumed in the same transaction (sign-up): all or nothing.
    prepare:
        Called with the unsaved member; may set attributes (consents) and returns new items (consent
        events) saved in the same transaction.

    Raises
    ------
    Conflict
        409 ``phone_taken`` / ``email_taken`` when another member of the store holds it.
    ApiError
        400 ``invalid_verification_token`` when a token in ``token_uses`` is not usable.
    """
    now = now or clock.now()
    member = member_item(store_id, name, phone=phone, phone_verified=phone_verified, email=email,
                         email_verified=email_verified, password_hash=password_hash, signed_up_with=signed_up_with,
                         is_member=is_member, added_from_key=added_from_key, now=now)
    puts = identity_items(member, now)
    extra = list(prepare(member)) if prepare is not None else []
    tx = NamedTransaction()
    try:
        with tx:
            tx.save("member", member, condition=MemberModel.member_id.does_not_exist())
            for index, (identity, _) in enumerate(puts):
                tx.save(f"identity_{index}", identity, condition=MemberIdentityModel.identity.does_not_exist())
            for index, use in enumerate(token_uses):
                tx.update(f"token_{index}", use.item, actions=use.actions, condition=use.condition)
            for index, item in enumerate(extra):
                tx.save(f"extra_{index}", item)
    except TransactWriteError as exc:
        # Tokens are judged first: an unusable token must not learn whether a number is taken.
        errors = [*((f"token_{index}", invalid_token()) for index in range(len(token_uses))),
                  ("member", Conflict("member id collision")),
                  *((f"identity_{index}", error) for index, (_, error) in enumerate(puts))]
        raise _refusal(tx, exc, errors) from None
    return member


def _refusal(tx: NamedTransaction, exc: TransactWriteError, errors: Iterable[tuple[str, ApiError]]) -> Exception:
    """The error of the first item in ``errors`` that its condition refused; ``exc`` itself when none was."""
    for name, error in errors:
        if tx.failed(exc, name):
            return error
    return exc


def get_member(store_id: str, member_id: str) -> MemberModel:
    """The store's member; 404 ``not_found`` (also for another store's member)."""
    try:
        return MemberModel.get(store_id, member_id)
    except DoesNotExist:
        raise NotFound(f"member {member_id} not found") from None


def find_identity(store_id: str, identity: str) -> MemberIdentityModel | None:
    try:
        return MemberIdentityModel.get(store_id, identity)
    except DoesNotExist:
        return None


def find_member_by_identity(store_id: str, identity: str) -> MemberModel | None:
    """The member holding ``phone#<E.164>`` / ``email#<lower>`` / ``social#<key>``, or None."""
    found = find_identity(store_id, identity)
    if found is None:
        return None
    try:
        return MemberModel.get(store_id, found.member_id)
    except DoesNotExist:
        return None


def phone_verified_label(member: MemberModel) -> str:
    """How the admin sees ``phone_verified``: "Verified" / "Not Yet Verified"."""
    return PHONE_VERIFIED_LABELS[bool(member.phone and member.phone_verified)]


