"""Link tokens: what a binding invitation or a cart link carries, and how long it lasts.

A token is ``<claims>.<secret>``: 256 random bits (``tokens.new_secret``) after a base64url JSON of
the social user it was sent to (``[key, name]``). Only the SHA-256 of the whole token is stored, so
the claims cannot be altered without the token becoming unknown (404): they are as trustworthy as
the stored item, and they let a redemption write the binding in ONE transaction without reading the
token first. The claims hold nothing secret: the customer's own page-scoped id and display name,
which the storefront is shown anyway (``GET /storefront/bindings/{token}``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.expressions.condition import Condition

from chalicelib import tokens
from chalicelib.channels.credentials import CHANNELS
from chalicelib.errors import ApiError, Conflict, LinkExpired, NotFound
from chalicelib.models.binding import BindingTokenModel

INVITATION_TTL = timedelta(hours=1)  # "a binding link is valid for one hour"
CART_LINK_TTL = timedelta(days=7)
INVITATION = "invitation"
CART = "cart"
MAX_TOKEN_LENGTH = 1000
CLAIMED_NAME_MAX = 40  # keeps links short (LINE URI actions take at most 1000 characters)


@dataclass(frozen=True)
class LinkToken:
    value: str  # sent to the customer, never stored
    token_hash: str
    social_user_key: str
    social_user_name: str | None

    @property
    def channel(self) -> str:
        return self.social_user_key.split(":", 1)[0]


def new_link_token(social_user_key: str, social_user_name: str | None) -> LinkToken:
    name = social_user_name[:CLAIMED_NAME_MAX] if social_user_name else None
    claims = base64.urlsafe_b64encode(json.dumps([social_user_key, name], ensure_ascii=False,
                                                 separators=(",", ":")).encode()).decode().rstrip("=")
    value = f"{claims}.{tokens.new_secret()}"
    return LinkToken(value, tokens.sha256_hex(value), social_user_key, name)


def parse_link_token(value: str) -> LinkToken:
    """The token's claims; 404 ``invalid_token`` for anything we could not have issued."""
    claims, dot, secret = value.strip().rpartition(".")
    if not dot or not claims or len(secret) < 22 or len(value) > MAX_TOKEN_LENGTH:
        raise invalid_token()
    try:
        decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
        key, name = decoded
    except (ValueError, TypeError):
        raise invalid_token() from None
    if not isinstance(key, str) or key.split(":", 1)[0] not in CHANNELS or ":" not in key \
            or not (name is None or isinstance(name, str)):
        raise invalid_token()
    return LinkToken(value.strip(), tokens.sha256_hex(value.strip()), key, name)


def invalid_token() -> ApiError:
    return NotFound("this link is not valid", code="invalid_token")


def token_expired() -> ApiError:
    return LinkExpired("this link has expired; ask the shop for a new one")


def token_used() -> ApiError:
    return Conflict("this link has already been used", code="token_used")


def refusal(token: BindingTokenModel | None, purpose: str, now: datetime) -> ApiError:
    """Why a stored token (``None``: absent) cannot be used: 404, then 409 used, then 410 expired."""
    if token is None or token.purpose != purpose:
        return invalid_token()
    if token.used_at is not None:
        return token_used()
    if token.expires_at <= now:
        return token_expired()
    return invalid_token()


def usable(purpose: str, now: datetime) -> Condition:
    """The condition every use of a token carries: it exists, has this purpose and has not expired."""
    T = BindingTokenModel
    condition: Condition = T.token_hash.exists() & (T.purpose == purpose) & (T.expires_at > now)
    return condition
