"""What a customer does with their account: sign up, log in, reset the password, change phone or email.

Rules that carry the product:
- A phone sign-up needs a ``signup`` verification token for that number; the phone is then verified.
- The identifier a member signed up with logs in; one added later logs in only once verified.
- Password resets answer the same whether or not the identifier belongs to a member: the same
  status, body, limits and work on the request path (the delivery runs off it), and the same
  answers to wrong codes (a stranger's reset has a code item too, one nobody can know).
- Every guess at a code and every login is counted before it is compared (:mod:`chalicelib.abuse`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.models import Model

from chalicelib import abuse, clock, deferred, i18n, sms, verification
from chalicelib.consent import state
from chalicelib.errors import ApiError, Conflict, InvalidRequest, Unauthorized
from chalicelib.i18n import N_
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
from chalicelib.models.transactions import NamedTransaction, conflicted
from chalicelib.models.verification import VerificationModel
from chalicelib.sms import captcha


class EmailFailed(ApiError):
    """SES did not accept the e-mail carrying a code."""

    code = "email_failed"


def sign_up(store_id: str, name: str, password: str, phone_input: Any | None, email: str | None,
            verification_token: str | None, now: datetime,
            prepare: Callable[[MemberModel], Sequence[Model]] | None = None) -> MemberModel:
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
                         signed_up_with="phone" if phone else "email", now=now, token_uses=uses,
                         prepare=prepare)


def identity_of(store_id: str, identifier: str) -> str | None:
    """``email#...`` for an address, ``phone#...`` for a valid mobile number, else None."""
    identifier = identifier.strip()
    if "@" in identifier:
        return email_identity(identifier)
    try:
        return phone_identity(sms.parse_phone(identifier, sms.sms_store(store_id).store.country).e164)
    except ApiError:
        return None


def log_in(store_id: str, identifier: str, password: str, client_ip: str | None, now: datetime) -> str:
    """The member id for a loginable identifier and the right password; else 401 ``invalid_credentials``.

    The attempt is counted first (:data:`abuse.LOGINS_PER_IDENTIFIER`, :data:`abuse.LOGINS_PER_CLIENT_IP`),
    for an unknown identifier exactly as for a member's, and given back when the password is right: while
    a limit holds, even the right password answers 429 ``too_many_attempts``.
    """
    identity_key = identity_of(store_id, identifier)
    subject = identity_key or f"other#{identifier.strip().lower()}"
    _count_login(store_id, subject, client_ip, now)
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
    _give_back_login(store_id, subject, client_ip, now)
    return member.member_id


TOO_MANY_LOGINS = "too many failed logins; try again later"
# The verification mails, in the store's language (chalicelib/i18n).
RESET_SUBJECT = N_("%(store_name)s: password reset")
RESET_TEXT = N_("Your password reset code is %(code)s. It expires in %(lifetime)s.")
CONFIRM_SUBJECT = N_("%(store_name)s: confirm your email")
CONFIRM_TEXT = N_("Your code is %(code)s. It expires in %(lifetime)s.")


def _count_login(store_id: str, subject: str, client_ip: str | None, now: datetime) -> None:
    tx = NamedTransaction()
    try:
        with tx:
            abuse.count_rolling(tx, "identifier", abuse.LOGINS_PER_IDENTIFIER, store_id, subject, now)
            if client_ip:
                abuse.count_window(tx, "client_ip", abuse.LOGINS_PER_CLIENT_IP, store_id, client_ip, now)
    except TransactWriteError as exc:
        if tx.failed(exc, "identifier"):
            reason = tx.reason(exc, "identifier")
            raise abuse.TooManyAttempts(TOO_MANY_LOGINS, abuse.rolling_retry_after_raw(
                abuse.LOGINS_PER_IDENTIFIER, reason.raw_item if reason else None, now)) from None
        if tx.failed(exc, "client_ip"):
            raise abuse.TooManyAttempts(TOO_MANY_LOGINS, abuse.window_retry_after(abuse.LOGINS_PER_CLIENT_IP,
                                                                                 now)) from None
        if conflicted(exc):
            raise Conflict("another login for this account is being checked; try again") from None
        raise


def _give_back_login(store_id: str, subject: str, client_ip: str | None, now: datetime) -> None:
    """A right password was not a failed login (best effort: a concurrent attempt keeps it counted)."""
    tx = NamedTransaction()
    try:
        with tx:
            abuse.give_back_rolling(tx, "identifier", abuse.LOGINS_PER_IDENTIFIER, store_id, subject, now)
            if client_ip:
                abuse.give_back_window(tx, "client_ip", abuse.LOGINS_PER_CLIENT_IP, store_id, client_ip, now)
    except TransactWriteError:
        logger.info("login attempt not given back", extra={"store_id": store_id})


def _may_log_in(member: MemberModel, identity: MemberIdentityModel) -> bool:
    kind = identity.identity.split("#", 1)[0]
    return bool(identity.verified) or member.signed_up_with == kind


def request_password_reset(store_id: str, identifier: str, via: str, client_ip: str | None,
                           recaptcha_token: str | None, now: datetime) -> None:
    """Start a reset: the same work and the same answer for a member and for anyone else.

    One GetItem (the identity), one TransactWrite (the per-address and per-IP limits and a code item:
    for a stranger one that can never be used), then the delivery is handed off the request path
    (:mod:`chalicelib.deferred`), where a member's code is made and sent. 429 ``rate_limited`` when
    the identifier (30 s apart, 3 per hour, by SMS as by email) or the client IP is over its limit.
    """
    identity_key = identity_of(store_id, identifier)
    if identity_key is None or not identity_key.startswith("phone#" if via == "sms" else "email#"):
        wanted = "a mobile number" if via == "sms" else "an email address"
        raise InvalidRequest(f"'identifier' must be {wanted} to reset by {via}", field="identifier")
    settings_ = sms.sms_store(store_id)
    captcha.guard(settings_, recaptcha_token, client_ip)
    identity = find_identity(store_id, identity_key)
    target = identity_key.split("#", 1)[1]
    # No code yet: the delivery makes the member's (strangers keep one nobody can know).
    item = verification.placeholder_code_item(store_id, reset_id(identity_key), "reset_password", target, now,
                                              member_id=identity.member_id if identity else None)
    sms.count_send(settings_.store, identity_key, client_ip, now, also_save=[item])
    deferred.defer("deliver_reset_code", {"store_id": store_id, "verification_id": item.verification_id,
                                          "created_at": item.created_at.isoformat(), "via": via})


def reset_id(identity_key: str) -> str:
    return f"reset#{identity_key}"


def deliver_reset_code(payload: dict[str, Any]) -> None:
    """Deferred: make the member's reset code and send it (SMS: the daily cap and the log; or email)."""
    store_id, verification_id = str(payload["store_id"]), str(payload["verification_id"])
    try:
        pending = VerificationModel.get(store_id, verification_id, consistent_read=True)
    except VerificationModel.DoesNotExist:
        return
    if pending.member_id is None or pending.created_at.isoformat() != payload["created_at"]:
        return  # a stranger's (nothing to send), or a later request replaced it
    now = clock.now()
    code = verification.new_code()
    try:
        pending.update(actions=[VerificationModel.code_hmac.set(verification.code_hmac(store_id, verification_id,
                                                                                        code))],
                       condition=(VerificationModel.created_at == pending.created_at)
                       & VerificationModel.code_used_at.does_not_exist())
    except UpdateError:
        return
    settings_ = sms.sms_store(store_id)
    if payload["via"] == "sms":
        try:
            sms.send(settings_.store, sms.from_e164(pending.target), settings_.text("verification", code=code),
                     "password_reset", None, now, counted=True)
        except (sms.RateLimited, sms.SmsFailed) as exc:
            logger.info("password reset sms not sent", extra={"store_id": store_id, "reason": exc.code})
        return
    language = i18n.store_language(settings_.store)
    mail.send_email(pending.target, i18n.translate(language, RESET_SUBJECT, store_name=settings_.store.name),
                    i18n.translate(language, RESET_TEXT, code=code,
                                   lifetime=i18n.duration_text(verification.CODE_TTL, language)))


def confirm_password_reset(store_id: str, identifier: str, code: str, new_password: str, now: datetime) -> str:
    """Set a new password with a reset code: the code and the password change in one transaction.

    A stranger is answered as a member with a wrong code: the guess is counted on the stranger's code
    item like on a member's (five 400 ``invalid_code`` with ``attempts_left`` 4..0, then 429).
    """
    check_password(new_password, "new_password")
    identity_key = identity_of(store_id, identifier)
    try:
        item = verification.count_guess(store_id, reset_id(identity_key or "-"), now)
    except verification.CodeRefused as refused:
        raise verification.refusal(refused.reason, reveal=False) from None
    if item.member_id is None or not verification.guessed_right(item, code):
        raise verification.wrong_guess(item, now)
    tx = NamedTransaction()
    try:
        with tx:
            verification.use_code(tx, item, code, now)
            tx.update("member", MemberModel(store_id, item.member_id),
                      actions=[MemberModel.password_hash.set(hash_password(new_password)),
                               MemberModel.updated_at.set(now)],
                      condition=MemberModel.member_id.exists())
    except TransactWriteError as exc:
        why = verification.code_use_refusal(tx, exc, item, now, reveal=False)
        if why is not None:
            raise why from None
        if tx.failed(exc, "member"):
            raise verification.refusal("missing", reveal=False) from None
        raise
    return str(item.member_id)


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


def request_email_change(store_id: str, member_id: str, email: str, client_ip: str | None,
                         recaptcha_token: str | None, now: datetime) -> str:
    """Email a code to the new address; the address is the member's only once the code comes back.

    The address is limited like a number (30 s apart, 3 per hour) and the client IP like an SMS sender.
    """
    get_member(store_id, member_id)
    email = check_email(email)
    settings_ = sms.sms_store(store_id)
    captcha.guard(settings_, recaptcha_token, client_ip)
    holder = find_identity(store_id, email_identity(email))
    if holder is not None and holder.member_id != member_id:
        raise email_taken()
    verification_id = f"email#{member_id}"
    item, code = verification.new_code_item(store_id, verification_id, "change_email", email.lower(), now,
                                            member_id=member_id)
    sms.count_send(settings_.store, email_identity(email), client_ip, now, also_save=[item])
    language = i18n.store_language(settings_.store)
    if not mail.send_email(email, i18n.translate(language, CONFIRM_SUBJECT, store_name=settings_.store.name),
                           i18n.translate(language, CONFIRM_TEXT, code=code,
                                          lifetime=i18n.duration_text(verification.CODE_TTL, language))):
        raise EmailFailed("the email could not be sent; please try again")
    return verification_id


def confirm_email_change(store_id: str, member_id: str, email: str, code: str, now: datetime) -> MemberModel:
    """With the emailed code: the new address becomes the member's, verified (one transaction).

    The guess is counted before it is compared (:func:`verification.count_guess`), as every code.
    """
    member = get_member(store_id, member_id)
    email = check_email(email)
    try:
        item = verification.count_guess(store_id, f"email#{member_id}", now)
    except verification.CodeRefused as refused:
        raise verification.refusal(refused.reason, reveal=False) from None
    if item.target != email.lower() or not verification.guessed_right(item, code):
        raise verification.wrong_guess(item, now)
    old = member.email
    same = old is not None and email_identity(old) == email_identity(email)
    # A hard bounce suppressed the old address, not the member: a new address may receive marketing again.
    lift = state.Change("email_marketing", "lift", "hard_bounce")
    origin = state.Origin(source="email_change", actor="member", at=now)
    lifted = None if same else state.next_value(member, lift, origin)
    tx = NamedTransaction()
    try:
        with tx:
            if old and not same:
                tx.delete("old_identity", MemberIdentityModel(store_id, email_identity(old)),
                          condition=MemberIdentityModel.member_id == member_id)
            identity = MemberIdentityModel(store_id, email_identity(email), member_id=member_id, verified=True,
                                           created_at=now)
            if same:
                tx.update("identity", identity, actions=[MemberIdentityModel.verified.set(True)],
                          condition=MemberIdentityModel.member_id == member_id)
            else:
                tx.save("identity", identity, condition=MemberIdentityModel.identity.does_not_exist())
            verification.use_code(tx, item, code, now)
            tx.update("member", member, actions=[MemberModel.email.set(email), MemberModel.email_verified.set(True),
                                                 MemberModel.updated_at.set(now),
                                                 *([MemberModel.email_marketing.set(lifted)] if lifted else [])],
                      condition=(MemberModel.email == old) if old else MemberModel.email.does_not_exist())
            if lifted is not None:
                tx.save("consent_event", state.event_item(store_id, member_id, lift, origin))
    except TransactWriteError as exc:
        if not same and tx.failed(exc, "identity"):
            raise email_taken() from None
        why = verification.code_use_refusal(tx, exc, item, now, reveal=False)
        if why is not None:
            raise why from None
        raise Conflict("the member's email changed meanwhile; try again") from None
    member.email, member.email_verified, member.updated_at = email, True, now
    if lifted is not None:
        member.email_marketing = lifted
    return member
