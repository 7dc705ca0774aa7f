"""Who is calling: bearer API keys and console sessions, their roles and their store.

A key looks like ``mlk.<store_id>.<secret>``. The store id in the key tells which partition to
read; the stored item is found by the SHA-256 of the whole key, so a key for one store can never
be read as a key for another, and one GetItem authenticates a request.

A console session token (``mls.<store_id>.<user_id>.<secret>``, :mod:`chalicelib.team.sessions`)
reaches the admin routes as a person: its principal has the admin role and the person's own role
(``owner`` or ``agent``), which ``chalicelib/api/roles.py`` checks per route.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pynamodb.exceptions import DoesNotExist

from chalicelib import tokens
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.models import ApiKeyModel

KEY_PREFIX = "mlk"
SESSION_PREFIX = "mls"


class Role(StrEnum):
    ADMIN = "admin"
    STOREFRONT = "storefront"
    STAFF = "staff"


@dataclass(frozen=True)
class Principal:
    store_id: str
    role: Role
    key_id: str
    staff_id: str | None = None
    branch_id: str | None = None
    user_id: str | None = None  # a console session's person
    user_role: str | None = None  # owner | agent
    user_name: str | None = None
    key_label: str | None = None

    @property
    def actor(self) -> Actor:
        """Who to name in the audit trail and on a sent message."""
        if self.user_id is not None:
            return Actor("user", self.user_id, self.user_name)
        return Actor("key", self.key_id, f"{self.key_label or self.role.value} key")


@dataclass(frozen=True)
class Actor:
    kind: str  # user | key
    id: str | None
    name: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "id": self.id, "name": self.name}


# The caller of the request being handled (set by chalicelib/api/http.py): what a message sent or a note
# written during it names as ``sent_by``, without every domain function taking it as a parameter.
_current_actor: ContextVar[Actor | None] = ContextVar("current_actor", default=None)


def current_actor() -> Actor | None:
    return _current_actor.get()


def set_current_actor(actor: Actor | None) -> object:
    """Returns the token to give :func:`reset_current_actor` when the request ends."""
    return _current_actor.set(actor)


def reset_current_actor(token: object) -> None:
    _current_actor.reset(token)  # type: ignore[arg-type]


@dataclass(frozen=True)
class IssuedKey:
    key: str
    key_id: str
    item: ApiKeyModel


def key_id_of(key_hash: str) -> str:
    """The public handle of a key (first 12 hex digits of its hash): safe to log and to revoke by."""
    return key_hash[:12]


def build_key(store_id: str, role: Role, now_: datetime, *, label: str | None = None,
              staff_id: str | None = None, branch_id: str | None = None) -> IssuedKey:
    """A new key and the item that stores its hash; the caller saves the item (alone or in a transaction)."""
    key = f"{KEY_PREFIX}.{store_id}.{tokens.new_secret()}"
    key_hash = tokens.sha256_hex(key)
    item = ApiKeyModel(store_id, key_hash, role=role.value, label=label, staff_id=staff_id,
                       branch_id=branch_id, created_at=now_)
    return IssuedKey(key=key, key_id=key_id_of(key_hash), item=item)


def store_id_from_key(key: str) -> str | None:
    parts = key.split(".")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def bearer_key(authorization: str | None) -> str:
    """The key (or console session token) an ``Authorization: Bearer`` header carries; 401 for anything else."""
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer <key> header")
    scheme, _, key = authorization.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("the Authorization header must be 'Bearer <key>'")
    return key


def is_session_token(key: str) -> bool:
    """A console session's token (chalicelib/team/sessions.py resolves it), not an API key."""
    return key.startswith(f"{SESSION_PREFIX}.") and len(key) <= 200


def check_session_allowed(*allowed: Role) -> None:
    """403 unless the route takes the admin role: a console session reaches the admin routes only."""
    if Role.ADMIN not in allowed:
        raise Forbidden("a console session reaches the admin routes only")


def authenticate(authorization: str | None, *allowed: Role) -> Principal:
    """Resolve an ``Authorization: Bearer <API key>`` header into a principal holding one of ``allowed`` roles.

    A console session's token is resolved by the caller (chalicelib/api/http.py) through team/sessions.py,
    so that this module, below the team area, does not import it.
    """
    key = bearer_key(authorization)
    store_id = store_id_from_key(key)
    if store_id is None or len(key) > 200:
        raise Unauthorized("unknown API key")
    key_hash = tokens.sha256_hex(key)
    try:
        item = ApiKeyModel.get(store_id, key_hash)
    except DoesNotExist:
        raise Unauthorized("unknown API key") from None
    if item.revoked_at is not None:
        raise Unauthorized("unknown API key")
    role = Role(item.role)
    if role not in allowed:
        raise Forbidden(f"this endpoint needs {' or '.join(_article(r) for r in allowed)} key; "
                        f"this is {_article(role)} key")
    return Principal(store_id=store_id, role=role, key_id=key_id_of(key_hash),
                     staff_id=item.staff_id, branch_id=item.branch_id, key_label=item.label)


def _article(role: Role) -> str:
    return f"an {role.value}" if role.value[0] in "aeiou" else f"a {role.value}"


def revoke(store_id: str, key_id: str, now_: datetime) -> bool:
    """Revoke the store's key whose hash starts with ``key_id``; False when there is none."""
    if len(key_id) < 12:
        return False
    for item in ApiKeyModel.query(store_id, ApiKeyModel.key_hash.startswith(key_id)):
        item.update(actions=[ApiKeyModel.revoked_at.set(now_)])
        return True
    return False


def revoke_staff_keys(store_id: str, staff_id: str, now_: datetime) -> int:
    """Revoke every key issued to ``staff_id`` (a lost counter tablet): they answer 401 from the next request.

    One Query on the store's keys (filtered to the staff member's), one update per key; never a Scan.
    """
    revoked = 0
    for item in ApiKeyModel.query(store_id, filter_condition=ApiKeyModel.staff_id == staff_id):
        if item.revoked_at is None:
            item.update(actions=[ApiKeyModel.revoked_at.set(now_)])
            revoked += 1
    return revoked


def list_keys(store_id: str) -> list[dict[str, str | None]]:
    return [
        {"key_id": key_id_of(item.key_hash), "role": item.role, "label": item.label,
         "staff_id": item.staff_id, "created_at": item.created_at.isoformat(),
         "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None}
        for item in ApiKeyModel.query(store_id)
    ]
