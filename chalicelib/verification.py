"""One-time codes: six digits by SMS or email, valid 10 minutes, 5 wrong tries, used once.

A code is stored only as ``HMAC-SHA256(pepper, "<store>|<verification id>|<code>")``. The pepper is
the ``CODE_PEPPER`` environment variable or, when unset, the SSM SecureString
``<SSM_PREFIX>/code_pepper`` (read through Powertools Parameters, cached for an hour; the local
stage creates it on first use). A leaked table therefore does not let anyone test the
million possible codes offline.

A correct check turns the code into a *verification token* ``<verification id>.<secret>``: 256
random bits, stored as SHA-256, valid 15 minutes, bound to the store, the number and the purpose,
and consumed once by sign-up or change of number (a condition in their transaction).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib import abuse, aws, lifetimes, sms, tokens
from chalicelib.config import settings
from chalicelib.errors import ApiError, Conflict, InvalidRequest, NotFound
from chalicelib.logs import logger
from chalicelib.models.transactions import NamedTransaction, conflicted
from chalicelib.models.verification import VerificationModel
from chalicelib.sms import captcha

CODE_TTL = lifetimes.CODE_TTL
TOKEN_TTL = lifetimes.VERIFICATION_TOKEN_TTL
MAX_WRONG_CODES = abuse.CODE_ATTEMPTS

PHONE_PURPOSES = ("signup", "login", "reset_password", "change_phone")
PEPPER_PARAMETER = "code_pepper"
_pepper_cache: dict[str, bytes] = {}
PEPPER_RETRY_SECONDS = 60.0  # after a failed refresh, the last good value serves this long before SSM is asked again
_pepper_retry_at: dict[str, float] = {}


def pepper() -> bytes:
    """The server pepper for code HMACs (see the module docstring)."""
    from_env = os.environ.get("CODE_PEPPER")
    if from_env:
        return from_env.encode("utf-8")
    from aws_lambda_powertools.utilities import parameters  # Powertools Parameters load with the first use

    name = f"{settings().ssm_prefix}/{PEPPER_PARAMETER}"
    if name in _pepper_cache and time.monotonic() < _pepper_retry_at.get(name, 0.0):
        return _pepper_cache[name]  # a refresh failed a moment ago: not every request should ask SSM again
    try:
        value = aws.get_parameter(name, max_age=3600).encode("utf-8")
        _pepper_cache[name] = value
        return value
    except parameters.exceptions.GetParameterError:
        # A failed hourly refresh (SSM throttled or down) keeps the last good value: the pepper does
        # not change under a running instance, and every code send and check would fail otherwise.
        if name in _pepper_cache:
            logger.warning("code pepper refresh failed; keeping the last good value")
            _pepper_retry_at[name] = time.monotonic() + PEPPER_RETRY_SECONDS
            return _pepper_cache[name]
        if not settings().is_local:
            raise
    # Local sandbox only: create the pepper once (a concurrent creator wins; everyone reads its value).
    ssm = aws.client("ssm")
    with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
        ssm.put_parameter(Name=name, Value=secrets.token_urlsafe(32), Type="SecureString", Overwrite=False)
    return aws.get_parameter(name, max_age=3600, force_fetch=True).encode("utf-8")


def forget_pepper() -> None:
    """A cold instance: the pepper is read from SSM again on next use (benchmarks and tests)."""
    _pepper_cache.clear()
    _pepper_retry_at.clear()


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hmac(store_id: str, verification_id: str, code: str) -> str:
    return hmac.new(pepper(), f"{store_id}|{verification_id}|{code}".encode(), hashlib.sha256).hexdigest()


def check_code_format(value: str) -> str:
    if len(value) != 6 or not value.isdigit():
        raise InvalidRequest("'code' must be the six digits that were sent", field="code")
    return value


def new_code_item(store_id: str, verification_id: str, purpose: str, target: str, now: datetime,
                  member_id: str | None = None) -> tuple[VerificationModel, str]:
    """A code item (not saved) and the code to send."""
    code = new_code()
    item = VerificationModel(
        store_id, verification_id, purpose=purpose, target=target, member_id=member_id,
        code_hmac=code_hmac(store_id, verification_id, code), attempts=0,
        code_expires_at=now + CODE_TTL, created_at=now, expires=now + timedelta(days=1))
    return item, code


class TooManyAttempts(abuse.TooManyAttempts):
    """The code was guessed wrong too often: it is locked, ask for a new one."""


class CodeExpired(ApiError):
    code = "code_expired"


def placeholder_code_item(store_id: str, verification_id: str, purpose: str, target: str, now: datetime,
                          member_id: str | None = None) -> VerificationModel:
    """A code item whose HMAC no code has (256 random bits): counted and refused like any other until a
    deferred delivery gives it a real code (a stranger's never gets one)."""
    return VerificationModel(
        store_id, verification_id, purpose=purpose, target=target, member_id=member_id,
        code_hmac=secrets.token_hex(32), attempts=0, code_expires_at=now + CODE_TTL, created_at=now,
        expires=now + timedelta(days=1))


@dataclass(frozen=True)
class Started:
    verification_id: str
    resend_after_seconds: int


def start_phone_verification(store_id: str, phone_input: Any, purpose: str, client_ip: str | None,
                             now: datetime, recaptcha_token: str | None = None) -> Started:
    """Send a code to a number: one TransactWrite (limits, SMS log, code), SNS, one log update.

    Membership is never looked at: a member's number and an unknown one take the same path and
    get the same answer.
    """
    settings_ = sms.sms_store(store_id)
    phone = sms.parse_phone(phone_input, settings_.store.country)

    captcha.guard(settings_, recaptcha_token, client_ip)
    verification_id = tokens.new_id("vf")
    item, code = new_code_item(store_id, verification_id, purpose, phone.e164, now)
    sms.send(settings_.store, phone, settings_.text("verification", code=code), "verification", client_ip, now,
             also_save=[item])
    return Started(verification_id, sms.limits.RESEND_AFTER_SECONDS)


def count_guess(store_id: str, verification_id: str, now: datetime) -> VerificationModel:
    """Count one guess at a code *before* it is compared: one conditional update (``attempts + 1`` while
    attempts < 5, unused, unexpired), which returns the stored code. Of any number of concurrent guesses
    at one code at most :data:`MAX_WRONG_CODES` ever get here.

    Raises :class:`CodeRefused` (missing, used, locked or expired) when the guess may not be compared.
    """
    item = VerificationModel(store_id, verification_id)
    try:
        item.update(actions=[VerificationModel.attempts.add(1)],
                    condition=(VerificationModel.verification_id.exists()
                               & (VerificationModel.attempts < MAX_WRONG_CODES)
                               & VerificationModel.code_used_at.does_not_exist()
                               & (VerificationModel.code_expires_at > now)))
    except UpdateError as exc:
        if exc.cause_response_code == "TransactionConflictException":  # the right code is being used right now
            raise being_checked() from None
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise CodeRefused(_why_refused(store_id, verification_id, now)) from None
    return item


def being_checked() -> ApiError:
    return Conflict("this code is being checked; try again")


class CodeRefused(Exception):
    """A guess that was not compared: ``reason`` is missing, used, locked or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _why_refused(store_id: str, verification_id: str, now: datetime) -> str:
    try:
        stored = VerificationModel.get(store_id, verification_id, consistent_read=True)
    except VerificationModel.DoesNotExist:
        return "missing"
    if stored.code_used_at is not None:
        return "used"
    if stored.attempts >= MAX_WRONG_CODES:
        return "locked"
    return "expired"


def refusal(reason: str, *, reveal: bool) -> ApiError:
    """The answer to a guess that was not compared; without ``reveal`` only a lock shows (enumeration-safe)."""
    if reason == "locked":
        return TooManyAttempts("too many wrong codes; ask for a new one")
    if not reveal:
        return _invalid_code(None)
    if reason == "missing":
        return NotFound("verification not found")
    if reason == "used":
        return Conflict("this code was already used", code="code_used")
    return CodeExpired("this code has expired; ask for a new one")


def guessed_right(item: VerificationModel, code: str) -> bool:
    """Constant-time comparison of the counted guess with the stored HMAC."""
    return hmac.compare_digest(str(item.code_hmac), code_hmac(str(item.store_id), str(item.verification_id), code))


def guess_subject(purpose: str, target: str) -> str:
    """Whose guesses :data:`abuse.CODE_GUESSES` counts: one identifier (E.164 or email) for one purpose."""
    return f"{purpose}#{target}"


def wrong_guess(item: VerificationModel, now: datetime) -> ApiError:
    """A compared, wrong guess: counted against the identifier's hourly guesses, then 400 with ``attempts_left``."""
    abuse.count_rolling_now(abuse.CODE_GUESSES, str(item.store_id), guess_subject(item.purpose, item.target), now,
                            TOO_MANY_GUESSES)
    return _invalid_code(max(0, MAX_WRONG_CODES - int(item.attempts)))


TOO_MANY_GUESSES = "too many wrong codes for this number or address; try again later"


def use_code(tx: NamedTransaction, item: VerificationModel, code: str, now: datetime,
             actions: list[Action] | None = None) -> None:
    """Add the right code's use to ``tx``: the identifier must still be under its guess limit (``guesses``)
    and the code unused and fresh (``code``)."""
    abuse.check_rolling(tx, "guesses", abuse.CODE_GUESSES, str(item.store_id),
                        guess_subject(item.purpose, item.target), now)
    tx.update("code", VerificationModel(item.store_id, item.verification_id),
              actions=[VerificationModel.code_used_at.set(now), *(actions or [])],
              condition=((VerificationModel.code_hmac == code_hmac(str(item.store_id), str(item.verification_id),
                                                                    code))
                         & VerificationModel.code_used_at.does_not_exist()
                         & (VerificationModel.code_expires_at > now)))


def code_use_refusal(tx: NamedTransaction, exc: TransactWriteError, item: VerificationModel, now: datetime, *,
                     reveal: bool) -> ApiError | None:
    """Why :func:`use_code`'s items were refused (None: neither was)."""
    if tx.failed(exc, "guesses"):
        return abuse.TooManyAttempts(TOO_MANY_GUESSES, abuse.rolling_retry_after_stored(
            abuse.CODE_GUESSES, str(item.store_id), guess_subject(item.purpose, item.target), now))
    if tx.failed(exc, "code"):
        return refusal(_why_refused(str(item.store_id), str(item.verification_id), now), reveal=reveal)
    if conflicted(exc):
        return being_checked()
    return None


def check_code(store_id: str, verification_id: str, code: str, now: datetime) -> str:
    """A correct, fresh, unused code -> a verification token.

    The guess is counted first (:func:`count_guess`), then compared; a wrong one counts against the
    number's hourly guesses (:data:`abuse.CODE_GUESSES`); a right one is used in one transaction that
    also requires that limit to hold. Raises 400 ``invalid_code`` (with ``attempts_left``), 429
    ``too_many_attempts``, 410 ``code_expired``, 409 ``code_used``, 404 ``not_found``.
    """
    try:
        item = count_guess(store_id, verification_id, now)
    except CodeRefused as refused:
        raise refusal(refused.reason, reveal=True) from None
    if not guessed_right(item, code):
        raise wrong_guess(item, now)
    secret = tokens.new_secret()
    tx = NamedTransaction()
    try:
        with tx:
            use_code(tx, item, code, now, actions=[
                VerificationModel.token_hash.set(tokens.sha256_hex(secret)),
                VerificationModel.token_expires_at.set(now + TOKEN_TTL),
                VerificationModel.expires.set(now + timedelta(days=1))])
    except TransactWriteError as exc:
        why = code_use_refusal(tx, exc, item, now, reveal=True)
        if why is None:
            raise
        raise why from None
    return f"{verification_id}.{secret}"


def _invalid_code(attempts_left: int | None) -> ApiError:
    extra = {"attempts_left": attempts_left} if attempts_left is not None else {}
    return ApiError("the code is wrong", code="invalid_code", **extra)


@dataclass(frozen=True)
class TokenUse:
    """How to consume a verification token inside a caller's TransactWrite (``tx.update(item, actions, condition)``)."""

    item: VerificationModel
    actions: list[Action]
    condition: Condition


def consume_token(store_id: str, token: str, purpose: str, target: str, now: datetime,
                  field: str = "verification_token") -> TokenUse:
    """The conditional update that uses ``token`` once for ``purpose`` and ``target`` (E.164)."""
    verification_id, _, secret = token.partition(".")
    if not verification_id.startswith("vf_") or not secret or len(token) > 200:
        raise invalid_token(field)
    return TokenUse(
        VerificationModel(store_id, verification_id),
        [VerificationModel.token_used_at.set(now)],
        (VerificationModel.token_hash == tokens.sha256_hex(secret)) & (VerificationModel.purpose == purpose)
        & (VerificationModel.target == target) & (VerificationModel.token_expires_at > now)
        & VerificationModel.token_used_at.does_not_exist())


def invalid_token(field: str = "verification_token") -> ApiError:
    return InvalidRequest(f"'{field}' is not a valid, unused verification token for this number and purpose "
                          f"(tokens last {lifetimes.duration_text(TOKEN_TTL)})", code="invalid_verification_token",
                          field=field)
