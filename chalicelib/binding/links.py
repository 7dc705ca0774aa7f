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
import re
from dataclasses import dataclass
from datetime import datetime

from pynamodb.expressions.condition import Condition

from chalicelib import single_use, tokens
from chalicelib.channels.registry import CHANNELS
from chalicelib.errors import ApiError
from chalicelib.models.binding import BindingTokenModel

INVITATION = single_use.BINDING_INVITATION.name
CART = single_use.CART_LINK.name
PURPOSES = {INVITATION: single_use.BINDING_INVITATION, CART: single_use.CART_LINK}
INVITATION_TTL = single_use.BINDING_INVITATION.lifetime
CART_LINK_TTL = single_use.CART_LINK.lifetime
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


_TOKEN_PARAMETER = re.compile(r"((?:^|[?&])(?:token|cart_token)=)[^&#\s]+")
MASK = "********"


def masked_url(url: str) -> str:
    """The link with its token replaced by ``********``: what a stored message may hold."""
    return _TOKEN_PARAMETER.sub(lambda match: match.group(1) + MASK, url)


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
    return single_use.invalid(PURPOSES[INVITATION])


def refusal(token: BindingTokenModel | None, purpose: str, now: datetime) -> ApiError:
    """Why a stored token (``None``: absent) cannot be used: 404, then 409 used, then 410 expired."""
    kind = PURPOSES[purpose]
    return single_use.refusal(kind, token if token is not None and token.purpose == purpose else None, now) \
        or single_use.invalid(kind)


def usable(purpose: str, now: datetime) -> Condition:
    """The condition every use of a token carries: it exists, has not expired and has this purpose
    (an invitation also checks it is unused; a cart link checks it has not bound yet)."""
    T = BindingTokenModel
    condition: Condition = single_use.usable(T, now, once=False) & (T.purpose == purpose)
    return condition
