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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib import sms, tokens
from chalicelib.config import settings
from chalicelib.errors import ApiError, Conflict, InvalidRequest, NotFound
from chalicelib.models.verification import VerificationModel

CODE_TTL = timedelta(minutes=10)
TOKEN_TTL = timedelta(minutes=15)
MAX_WRONG_CODES = 5

PHONE_PURPOSES = ("signup", "login", "reset_password", "change_phone")
PEPPER_PARAMETER = "code_pepper"
_pepper_cache: dict[str, bytes] = {}


def pepper() -> bytes:
    """The server pepper for code HMACs (see the module docstring)."""
    from_env = os.environ.get("CODE_PEPPER")
    if from_env:
        return from_env.encode("utf-8")
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import aws

    name = f"{settings().ssm_prefix}/{PEPPER_PARAMETER}"
    try:
        return aws.get_parameter(name, max_age=3600).encode("utf-8")
    except parameters.exceptions.GetParameterError:
        if not settings().is_local:
            raise
    # Local sandbox only: create the pepper once (a concurrent creator wins; everyone reads its value).
    ssm = aws.client("ssm")
    with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
        ssm.put_parameter(Name=name, Value=secrets.token_urlsafe(32), Type="SecureString", Overwrite=False)
    return aws.get_parameter(name, max_age=3600, force_fetch=True).encode("utf-8")


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


class TooManyAttempts(ApiError):
    """The code was guessed wrong too often: it is locked, ask for a new one."""

    code = "too_many_attempts"


class CodeExpired(ApiError):
    code = "code_expired"


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
    if settings_.recaptcha_enabled:
        from chalicelib.sms import captcha

        captcha.require_human(store_id, recaptcha_token, client_ip)
    verification_id = tokens.new_id("vf")
    item, code = new_code_item(store_id, verification_id, purpose, phone.e164, now)
    sms.send(settings_.store, phone, settings_.text("verification", code=code), "verification", client_ip, now,
             also_save=[item])
    return Started(verification_id, sms.limits.RESEND_AFTER_SECONDS)


def check_code(store_id: str, verification_id: str, code: str, now: datetime) -> str:
    """A correct, fresh, unused code -> a verification token (one conditional update).

    Raises 400 ``invalid_code`` (with ``attempts_left``), 429 ``too_many_attempts``, 410
    ``code_expired``, 409 ``code_used``, 404 ``not_found``.
    """
    secret = tokens.new_secret()
    item = VerificationModel(store_id, verification_id)
    try:
        item.update(
            actions=[VerificationModel.code_used_at.set(now),
                     VerificationModel.token_hash.set(tokens.sha256_hex(secret)),
                     VerificationModel.token_expires_at.set(now + TOKEN_TTL),
                     VerificationModel.expires.set(now + timedelta(days=1))],
            condition=_code_matches(store_id, verification_id, code, now))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise _code_refusal(store_id, verification_id, code, now, reveal_attempts=True) from None
    return f"{verification_id}.{secret}"


def _code_matches(store_id: str, verification_id: str, code: str, now: datetime) -> Condition:
    condition: Condition = ((VerificationModel.code_hmac == code_hmac(store_id, verification_id, code))
                            & (VerificationModel.attempts < MAX_WRONG_CODES)
                            & (VerificationModel.code_expires_at > now)
                            & VerificationModel.code_used_at.does_not_exist())
    return condition


def _code_refusal(store_id: str, verification_id: str, code: str, now: datetime, *,
                  reveal_attempts: bool) -> ApiError:
    """Why a code was refused; counts a wrong code (conditional: at most 5 are ever counted)."""
    try:
        stored = VerificationModel.get(store_id, verification_id)
    except VerificationModel.DoesNotExist:
        return NotFound("verification not found") if reveal_attempts else _invalid_code(None)
    if stored.code_used_at is not None:
        return Conflict("this code was already used", code="code_used") if reveal_attempts \
            else _invalid_code(None)
    if stored.attempts >= MAX_WRONG_CODES:
        return TooManyAttempts("too many wrong codes; ask for a new one")
    if stored.code_expires_at <= now:
        return CodeExpired("this code has expired; ask for a new one") \
            if reveal_attempts else _invalid_code(None)
    if hmac.compare_digest(stored.code_hmac, code_hmac(store_id, verification_id, code)):
        # Right code, but the item changed between the two calls (a concurrent check): try again.
        return Conflict("the code is being checked; try again")
    try:
        stored.update(actions=[VerificationModel.attempts.add(1)],
                      condition=(VerificationModel.attempts < MAX_WRONG_CODES)
                      & VerificationModel.code_used_at.does_not_exist())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return TooManyAttempts("too many wrong codes; ask for a new one")
    return _invalid_code(MAX_WRONG_CODES - int(stored.attempts) if reveal_attempts else None)


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
                          "(tokens last 15 minutes)", code="invalid_verification_token", field=field)


def redeem_code_condition(store_id: str, verification_id: str, code: str, now: datetime) -> Condition:
    """Condition for using a code directly (password reset confirm), in a caller's transaction."""
    return _code_matches(store_id, verification_id, code, now)


def code_refusal(store_id: str, verification_id: str, code: str, now: datetime) -> ApiError:
    """Enumeration-safe refusal of a directly used code: 400 ``invalid_code`` or 429 ``too_many_attempts``."""
    return _code_refusal(store_id, verification_id, code, now, reveal_attempts=False)
