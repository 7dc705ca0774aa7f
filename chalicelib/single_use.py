"""Single-use links, one set of rules for every kind: binding invitations and cart links (sent into a
chat), registration links (texted by staff) and LINE binding links (shown at the counter).

- A link carries 256 random bits; only the SHA-256 of the whole token is stored (``token_hash``).
- A link lasts its purpose's lifetime, stored in whole seconds (a TTL attribute holds epoch seconds,
  and the answer must say what is stored); TTL deletion is only cleanup.
- A use is one conditional write carrying :func:`usable`: the item exists and ``expires_at > now``
  (and, for a link used once, ``used_at`` is unset), so two racing uses cannot both win.
- A refused use is explained in one order: unknown 404 ``invalid_token``, then used 409
  ``token_used``, then expired 410 ``token_expired`` (:func:`refusal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib import lifetimes
from chalicelib.errors import ApiError, Conflict, LinkExpired, NotFound


@dataclass(frozen=True)
class LinkPurpose:
    """What a kind of link is for, how long it lasts, and how its refusals read."""

    name: str
    lifetime: timedelta
    noun: str  # "this <noun> is not valid"
    ask: str  # "ask <ask> for a new one"
    used: str  # "this <noun> <used>"

    def expiry(self, now: datetime) -> datetime:
        return expiry(now, self.lifetime)


def expiry(now: datetime, lifetime: timedelta) -> datetime:
    """When a link made at ``now`` expires, in whole seconds (what the TTL attribute stores)."""
    return (now + lifetime).astimezone(UTC).replace(microsecond=0)


BINDING_INVITATION = LinkPurpose("invitation", lifetimes.BINDING_INVITATION_TTL, "link", "the shop",
                                 "has already been used")
CART_LINK = LinkPurpose("cart", lifetimes.CART_LINK_TTL, "link", "the shop", "has already been used")
REGISTRATION = LinkPurpose("registration", lifetimes.REGISTRATION_INVITATION_TTL, "invitation link", "the store",
                           "was already used")
LINE_BINDING = LinkPurpose("line_binding", lifetimes.LINE_BINDING_TTL, "invitation link", "the store",
                           "was already used")


def invalid(purpose: LinkPurpose) -> ApiError:
    return NotFound(f"this {purpose.noun} is not valid", code="invalid_token")


def used(purpose: LinkPurpose) -> ApiError:
    return Conflict(f"this {purpose.noun} {purpose.used}", code="token_used")


def expired(purpose: LinkPurpose) -> ApiError:
    return LinkExpired(f"this {purpose.noun} has expired; ask {purpose.ask} for a new one")


def refusal(purpose: LinkPurpose, stored: Any | None, now: datetime) -> ApiError | None:
    """Why the stored link item (``None``: absent) cannot be used now, or None when it can."""
    if stored is None:
        return invalid(purpose)
    if stored.used_at is not None:
        return used(purpose)
    if stored.expires_at <= now:
        return expired(purpose)
    return None


def load(purpose: LinkPurpose, model: Any, store_id: str, token_hash: str, now: datetime) -> Any:
    """The stored link item, usable now; otherwise raises its :func:`refusal` (404, 409 or 410)."""
    try:
        stored = model.get(store_id, token_hash)
    except DoesNotExist:
        raise invalid(purpose) from None
    why = refusal(purpose, stored, now)
    if why is not None:
        raise why
    return stored


def usable(model: Any, now: datetime, *, once: bool = True) -> Condition:
    """The condition every use carries: the link exists, has not expired, and (``once``) is unused."""
    condition: Condition = model.token_hash.exists() & (model.expires_at > now)
    if once:
        condition = condition & model.used_at.does_not_exist()
    return condition
