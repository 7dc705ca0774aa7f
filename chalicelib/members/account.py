"""What a customer does with their account: sign up, log in, reset the password, change phone or email.

Rules that carry the product:
- A phone sign-up needs a ``signup`` verification token for that number; the phone is then verified.
- The identifier a member signed up with logs in; one added later logs in only once verified.
- Password resets answer the same whether or not the identifier belongs to a member (202, same
  body, same path up to the lookup), and a refused code is always 400 ``invalid_code``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import sms, verification
from chalicelib.errors import ApiError, Conflict, InvalidRequest, Unauthorized
from chalicelib.logs import logger
from chalicelib.members import mail
from chalicelib.members.core import (
    _refusal,
    check_email,
    create_member,
    email_identity,
    email_taken,
    find_identity,
    get_member,
    phone_identity,
    phone_taken,
)
from chalicelib.members.passwords import check_password, hash_password, verify_password
from chalicelib.models.members import MemberIdentityModel, MemberModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.models.verification import VerificationModel


class EmailFailed(ApiError):
    """SES did not accept the e-mail carrying a code."""

    code = "email_failed"


def sign_up(store_id: str, name: str, password: str, phone_input: Any | None, email: str | None,
            verification_token: str | None, now: datetime) -> MemberModel:
    """A new member by phone (with a ``signup`` token for it) and/or email; 409 phone_taken / email_taken."""
    if phone_input is None and not email:
        raise InvalidRequest("give a 'phone' or an 'email' to sign up with", field="phone")
    check_password(password)
    uses = []
    phone = None
    if phone_input is not None:
        phone = sms.parse_phone(phone_input, sms.sms_store(store_id).store.country).e164
        if not verification_token:
            raise InvalidRequest("a phone sign-up needs the 'verification_token' of a signup verification",
                                 field="verification_token")
        uses.append(verification.consume_token(store_id, verification_token, "signup", phone, now))
    return create_member(store_id, name, phone=phone, phone_verified=phone is not None, email=email,
                         email_verified=False, password_hash=hash_password(password),
                         signed_up_with="phone" if phone else "email", now=now, token_uses=uses)


def identity_of(store_id: str, identifier: str) -> str | None:
    """``email#...`` for an address, ``phone#...`` for a valid mobile number, else None."""
    identifier = identifier.strip()
    if "@" in identifier:
        return email_identity(identifier)
    try:
        return phone_identity(sms.parse_phone(identifier, sms.sms_store(store_id).store.country).e164)
    except ApiError:
        return None


def log_in(store_id: str, identifier: str, password: str) -> str:
    """The member id for a loginable identifier and the right password; else 401 ``invalid_credentials``."""
    identity_key = identity_of(store_id, identifier)
    identity = find_identity(store_id, identity_key) if identity_key else None
    member = None
    if identity is not None:
        try:
            member = MemberModel.get(store_id, identity.member_id)
        except MemberModel.DoesNotExist:
            member = None
    # Always one argon2 verification, so an unknown identifier takes as long as a wrong password.
    matches = verify_password(member.password_hash if member else None, password)
    if not (matches and member and identity and _may_log_in(member, identity)):
        raise Unauthorized("the identifier or the password is wrong", code="invalid_credentials")
    return member.member_id


def _may_log_in(member: MemberModel, identity: MemberIdentityModel) -> bool:
    kind = identity.identity.split("#", 1)[0]
    return bool(identity.verified) or member.signed_up_with == kind


def request_password_reset(store_id: str, identifier: str, via: str, client_ip: str | None, now: datetime) -> None:
    """Send a reset code to a member's phone or email; silently nothing for anyone else."""
    identity_key = identity_of(store_id, identifier)
    if identity_key is None or not identity_key.startswith("phone#" if via == "sms" else "email#"):
        wanted = "a mobile number" if via == "sms" else "an email address"
        raise InvalidRequest(f"'identifier' must be {wanted} to reset by {via}", field="identifier")
    identity = find_identity(store_id, identity_key)
    settings_ = sms.sms_store(store_id)
    target = identity_key.split("#", 1)[1]
    try:
        if identity is None:
            if via == "sms":  # counts against the number's limits like a real reset: nothing to tell apart
                sms.count_without_sending(settings_.store, sms.from_e164(target), client_ip, now)
            return
        item, code = verification.new_code_item(store_id, f"reset#{identity_key}", "reset_password", target, now,
                                                member_id=identity.member_id)
        if via == "sms":
            sms.send(settings_.store, sms.from_e164(target), settings_.text("verification", code=code),
                     "password_reset", client_ip, now, also_save=[item])
            return
    except (sms.RateLimited, sms.SmsFailed) as exc:
        logger.info("password reset sms not sent", extra={"store_id": store_id, "reason": exc.code})
        return
    item.save()
    mail.send_email(item.target, f"{settings_.store.name}: password reset",
                    f"Your password reset code is {code}. It expires in 10 minutes.")


def confirm_password_reset(store_id: str, identifier: str, code: str, new_password: str, now: datetime) -> str:
    """Set a new password with a reset code: the code and the password change in one transaction."""
    check_password(new_password, "new_password")
    identity_key = identity_of(store_id, identifier)
    if identity_key is None:
        raise verification.code_refusal(store_id, "reset#-", code, now)
    reset_id = f"reset#{identity_key}"
    try:
        pending = VerificationModel.get(store_id, reset_id)
    except VerificationModel.DoesNotExist:
        raise verification.code_refusal(store_id, reset_id, code, now) from None
    member = MemberModel(store_id, pending.member_id)
    try:
        with NamedTransaction() as tx:
            tx.update("code", pending, actions=[VerificationModel.code_used_at.set(now)],
                      condition=verification.redeem_code_condition(store_id, reset_id, code, now)
                      & (VerificationModel.member_id == pending.member_id))
            tx.update("member", member, actions=[MemberModel.password_hash.set(hash_password(new_password)),
                                       MemberModel.updated_at.set(now)],
                      condition=MemberModel.member_id.exists())
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        raise verification.code_refusal(store_id, reset_id, code, now) from None
    return str(pending.member_id)


def change_phone(store_id: str, member_id: str, phone_input: Any, verification_token: str,
                 now: datetime) -> MemberModel:
    """Replace the member's number with a verified one (``change_phone`` token), in one transaction."""
    member = get_member(store_id, member_id)
    phone = sms.parse_phone(phone_input, sms.sms_store(store_id).store.country).e164
    use = verification.consume_token(store_id, verification_token, "change_phone", phone, now)
    old = member.phone
    new_identity = MemberIdentityModel(store_id, phone_identity(phone), member_id=member_id, verified=True,
                                       created_at=now)
    tx = NamedTransaction()
    try:
        with tx:
            if old != phone:
                tx.save("new_identity", new_identity, condition=MemberIdentityModel.identity.does_not_exist())
            if old and old != phone:
                tx.delete("old_identity", MemberIdentityModel(store_id, phone_identity(old)),
                          condition=MemberIdentityModel.member_id == member_id)
            if old == phone:
                tx.update("same_identity", new_identity, actions=[MemberIdentityModel.verified.set(True)],
                          condition=MemberIdentityModel.member_id == member_id)
            tx.update("member", member, actions=[MemberModel.phone.set(phone), MemberModel.phone_verified.set(True),
                                                 MemberModel.updated_at.set(now)],
                      condition=(MemberModel.phone == old) if old else MemberModel.phone.does_not_exist())
            tx.update("token", use.item, actions=use.actions, condition=use.condition)
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        changed = Conflict("the member's number changed meanwhile; try again")
        # The token is judged first.
        raise _refusal(tx, exc, [("token", verification.invalid_token()), ("old_identity", changed),
                                 ("new_identity", phone_taken()),
                                 ("same_identity", Conflict("the member's number changed meanwhile")),
                                 ("member", changed)]) from None
    member.phone, member.phone_verified, member.updated_at = phone, True, now
    return member


def request_email_change(store_id: str, member_id: str, email: str, now: datetime) -> str:
    """Email a code to the new address; the address is the member's only once the code comes back."""
    get_member(store_id, member_id)
    email = check_email(email)
    holder = find_identity(store_id, email_identity(email))
    if holder is not None and holder.member_id != member_id:
        raise email_taken()
    verification_id = f"email#{member_id}"
    item, code = verification.new_code_item(store_id, verification_id, "change_email", email.lower(), now,
                                            member_id=member_id)
    item.save()
    store = sms.sms_store(store_id).store
    if not mail.send_email(email, f"{store.name}: confirm your email",
                           f"Your code is {code}. It expires in 10 minutes."):
        raise EmailFailed("the email could not be sent; please try again")
    return verification_id


def confirm_email_change(store_id: str, member_id: str, email: str, code: str, now: datetime) -> MemberModel:
    """With the emailed code: the new address becomes the member's, verified (one transaction)."""
    member = get_member(store_id, member_id)
    email = check_email(email)
    verification_id = f"email#{member_id}"
    pending = VerificationModel(store_id, verification_id)
    old = member.email
    same = old is not None and email_identity(old) == email_identity(email)
    tx = NamedTransaction()
    try:
        with tx:
            if old and not same:
                tx.delete("old_identity", MemberIdentityModel(store_id, email_identity(old)),
                          condition=MemberIdentityModel.member_id == member_id)
            identity = MemberIdentityModel(store_id, email_identity(email), member_id=member_id, verified=True,
                                           created_at=now)
            if same:
                tx.update("same_identity", identity, actions=[MemberIdentityModel.verified.set(True)],
                          condition=MemberIdentityModel.member_id == member_id)
            else:
                tx.save("new_identity", identity, condition=MemberIdentityModel.identity.does_not_exist())
            tx.update("code", pending, actions=[VerificationModel.code_used_at.set(now)],
                      condition=verification.redeem_code_condition(store_id, verification_id, code, now)
                      & (VerificationModel.target == email.lower()))
            tx.update("member", member, actions=[MemberModel.email.set(email), MemberModel.email_verified.set(True),
                                       MemberModel.updated_at.set(now)],
                      condition=(MemberModel.email == old) if old else MemberModel.email.does_not_exist())
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        if tx.failed(exc, "new_identity"):
            raise email_taken() from None
        raise verification.code_refusal(store_id, verification_id, code, now) from None
    member.email, member.email_verified, member.updated_at = email, True, now
    return member
