"""Console sign-in by e-mail and password: sessions of 12 hours, ended by signing out or removal.

Rules that carry the product:
- A wrong password and an unknown e-mail get the same 401 ``invalid_credentials``, after the same work
  (one argon2 verification per account the e-mail has, one for none) and the same counting.
- Every attempt is counted before the password is compared, in one conditional write per e-mail
  (:data:`abuse.CONSOLE_LOGINS_PER_EMAIL`, as members' logins): concurrent guesses cannot get past it, and
  while the limit holds even the right password answers 429 ``too_many_attempts``. A success gives its
  attempt back.
- A session token (``mls.<store_id>.<user_id>.<secret>``, 256 random bits) is stored only as its SHA-256,
  and each request reads the person again (strongly consistent): a removed person's session ends at once.
- An owner who turned on two-factor sign-in also gives the code of their authenticator app; a code is good
  once, and a wrong one is a failed attempt like a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib import abuse, clock, tokens
from chalicelib.access import SESSION_PREFIX, Principal, Role
from chalicelib.errors import ApiError, Conflict, InvalidRequest, Unauthorized
from chalicelib.lifetimes import CONSOLE_SESSION_TTL
from chalicelib.logs import logger
from chalicelib.members.passwords import verify_password
from chalicelib.models.transactions import NamedTransaction, conflicted
from chalicelib.models.users import ConsoleLoginModel, ConsoleSessionModel, ConsoleUserModel
from chalicelib.team import totp

LIMIT = abuse.CONSOLE_LOGINS_PER_EMAIL
PARTITION = abuse.CONSOLE_PARTITION
MAX_ACCOUNTS_PER_EMAIL = 5  # stores one address may sign in to; each costs one verification per attempt
TOO_MANY = "too many failed sign-ins for this e-mail; try again later"


class StoreChoiceRequired(ApiError):
    """The e-mail and password are right for people of several stores: the caller names one (``store_id``)."""

    code = "store_choice_required"


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: datetime
    user: ConsoleUserModel


def invalid_credentials() -> Unauthorized:
    return Unauthorized("the e-mail or the password is wrong", code="invalid_credentials")


def log_in(email: str, password: str, now: datetime, *, store_id: str | None = None,
           totp_code: str | None = None) -> Session:
    subject = email.strip().lower()
    _count(subject, now)
    logins = list(ConsoleLoginModel.query(subject, limit=MAX_ACCOUNTS_PER_EMAIL))
    if store_id is not None:
        logins = [login for login in logins if login.store_id == store_id]
    users = [_user(login.store_id, login.user_id) for login in logins]
    candidates = [user for user in users if user is not None]
    # Always at least one argon2 verification, so an unknown e-mail takes as long as a wrong password.
    matches = [user for user in candidates if verify_password(user.password_hash, password)]
    if not candidates:
        verify_password(None, password)
    if not matches:
        raise invalid_credentials()
    if len(matches) > 1:
        _give_back(subject, now)
        raise StoreChoiceRequired("this e-mail signs in to several stores: name one as 'store_id'",
                                  stores=[user.store_id for user in matches])
    user = matches[0]
    if user.totp_enabled and user.totp_secret:
        if not totp_code:
            _give_back(subject, now)  # the password was right: asking for the code is not a failure
            raise Unauthorized("give the code of your authenticator app as 'totp_code'",
                               code="two_factor_required")
        _use_totp_code(user, totp_code, now)
    _give_back(subject, now)
    return open_session(user, now)


def open_session(user: ConsoleUserModel, now: datetime) -> Session:
    token = ".".join((SESSION_PREFIX, user.store_id, user.user_id, tokens.new_secret()))
    expires_at = now + CONSOLE_SESSION_TTL
    ConsoleSessionModel(user.store_id, f"{user.user_id}#{tokens.sha256_hex(token)}", user_id=user.user_id,
                        created_at=now, expires_at=expires_at, expires=expires_at).save()
    return Session(token, expires_at, user)


def _use_totp_code(user: ConsoleUserModel, code: str, now: datetime) -> None:
    assert user.totp_secret
    last = int(user.totp_last_step) if user.totp_last_step is not None else None
    step = totp.matching_step(user.totp_secret, code, now, last)
    if step is None:
        raise invalid_credentials()
    condition = ConsoleUserModel.totp_last_step.does_not_exist() | (ConsoleUserModel.totp_last_step < step)
    try:
        user.update(actions=[ConsoleUserModel.totp_last_step.set(step)], condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise invalid_credentials() from None  # the same code, used by a concurrent sign-in
        raise


def _user(store_id: str, user_id: str) -> ConsoleUserModel | None:
    try:
        return ConsoleUserModel.get(store_id, user_id, consistent_read=True)
    except DoesNotExist:
        return None


def _count(subject: str, now: datetime) -> None:
    tx = NamedTransaction()
    try:
        with tx:
            abuse.count_rolling(tx, "email", LIMIT, PARTITION, subject, now)
    except TransactWriteError as exc:
        if tx.failed(exc, "email"):
            reason = tx.reason(exc, "email")
            raise abuse.TooManyAttempts(TOO_MANY, abuse.rolling_retry_after_raw(
                LIMIT, reason.raw_item if reason else None, now)) from None
        if conflicted(exc):
            raise Conflict("another sign-in for this e-mail is being checked; try again") from None
        raise


def _give_back(subject: str, now: datetime) -> None:
    tx = NamedTransaction()
    try:
        with tx:
            abuse.give_back_rolling(tx, "email", LIMIT, PARTITION, subject, now)
    except TransactWriteError:
        logger.info("sign-in attempt not given back")


def _parse(token: str) -> tuple[str, str, str] | None:
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != SESSION_PREFIX or not all(parts):
        return None
    return parts[1], parts[2], f"{parts[2]}#{tokens.sha256_hex(token)}"


def authenticate(token: str) -> Principal:
    """The person a session token signs in as; 401 ``unauthorized`` when it is unknown, expired or theirs
    no longer (removed)."""
    parsed = _parse(token)
    if parsed is None:
        raise Unauthorized("unknown session")
    store_id, user_id, session_key = parsed
    try:
        session = ConsoleSessionModel.get(store_id, session_key)
    except DoesNotExist:
        raise Unauthorized("unknown session: sign in again") from None
    if clock.now() >= session.expires_at:
        raise Unauthorized("the session has expired: sign in again")
    user = _user(store_id, user_id)
    if user is None or user.password_hash is None:
        raise Unauthorized("unknown session: sign in again")
    return Principal(store_id=store_id, role=Role.ADMIN, key_id=f"ses_{session_key.split('#')[1][:12]}",
                     user_id=user.user_id, user_role=user.role, user_name=user.name)


def log_out(token: str) -> None:
    parsed = _parse(token)
    if parsed is not None:
        ConsoleSessionModel(parsed[0], parsed[2]).delete()


def start_two_factor(store_id: str, user_id: str, store_name: str) -> tuple[str, str]:
    """A new secret for the owner's authenticator app (not in force until confirmed): (secret, otpauth URI)."""
    user = _user(store_id, user_id)
    assert user is not None  # the caller is signed in as this person
    if user.totp_enabled:  # a stolen session must not be able to swap the owner's second factor
        raise Conflict("two-factor sign-in is already on for this person", code="two_factor_already_on")
    secret = totp.new_secret()
    user.update(actions=[ConsoleUserModel.totp_secret.set(secret), ConsoleUserModel.totp_enabled.set(False)])
    return secret, totp.provisioning_uri(secret, user.email, f"memberlink {store_name}")


def confirm_two_factor(store_id: str, user_id: str, code: str, now: datetime) -> None:
    """Turn two-factor sign-in on once a code from the new secret is right (400 ``invalid_code`` otherwise)."""
    user = _user(store_id, user_id)
    assert user is not None
    if not user.totp_secret or totp.matching_step(user.totp_secret, code, now, None) is None:
        raise InvalidRequest("the code is not the one the app shows now (start again if no secret was set up)",
                             field="code", code="invalid_code")
    user.update(actions=[ConsoleUserModel.totp_enabled.set(True),
                         ConsoleUserModel.totp_last_step.set(totp.step_of(now))])
