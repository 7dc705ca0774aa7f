"""The unsubscribe token of ``/u/{token}`` and the one-click unsubscribe it stands for.

The same token rides in the ``mailto:`` of ``List-Unsubscribe`` (``unsubscribe+<token>@<inbound domain>``):
a mail to that address, received like a customer's answer (``messages/inbound.py``), unsubscribes too.

The token is base32 (lower case) of ``store id (8 bytes) | member id (8 bytes) | purpose (1 byte) |
HMAC-SHA256(key, store|member|purpose)[:13]``: 30 bytes, 48 characters, no padding bits (so one
character changed is always a different token). It names no address, does not expire (RFC 8058:
the link in an old e-mail must still work), and is checked with ``hmac.compare_digest``. The key is
derived from the server pepper, so a leaked table does not let anyone unsubscribe others.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from chalicelib import verification
from chalicelib.consent import state
from chalicelib.email.addresses import inbound_domain, token_in
from chalicelib.errors import NotFound
from chalicelib.models.members import MemberModel

_MAC_BYTES = 13
_STORE_PREFIX, _MEMBER_PREFIX = "st_", "mb_"
_PURPOSE_BYTES = {"email_marketing": b"e", "sms_marketing": b"s"}
_TOKEN = re.compile(r"^[a-z2-7]{48}$")
_MAILTO_LOCAL_PART = re.compile(r"^unsubscribe\+([a-z2-7]{48})$")


@dataclass(frozen=True)
class Target:
    store_id: str
    member_id: str
    purpose: str


def _key() -> bytes:
    return hmac.new(verification.pepper(), b"memberlink unsubscribe token v1", hashlib.sha256).digest()


def _mac(store_id: str, member_id: str, purpose: str) -> bytes:
    return hmac.new(_key(), f"{store_id}|{member_id}|{purpose}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def token_for(store_id: str, member_id: str, purpose: str) -> str:
    raw = (bytes.fromhex(store_id.removeprefix(_STORE_PREFIX)) + bytes.fromhex(member_id.removeprefix(_MEMBER_PREFIX))
           + _PURPOSE_BYTES[purpose] + _mac(store_id, member_id, purpose))
    return base64.b32encode(raw).decode().lower()


def parse_token(token: str) -> Target | None:
    """What a token names, or None when it is not one we made (wrong shape or MAC)."""
    if not _TOKEN.match(token):
        return None
    try:
        raw = base64.b32decode(token.upper())
    except (binascii.Error, ValueError):
        return None
    purposes = {value: name for name, value in _PURPOSE_BYTES.items()}
    purpose = purposes.get(raw[16:17])
    if purpose is None:
        return None
    store_id, member_id = _STORE_PREFIX + raw[:8].hex(), _MEMBER_PREFIX + raw[8:16].hex()
    if not hmac.compare_digest(raw[17:], _mac(store_id, member_id, purpose)):
        return None
    return Target(store_id, member_id, purpose)


def target_of(token: str) -> Target:
    """The token's target; 404 ``not_found`` for a forged or unknown token (no hint which part was wrong)."""
    target = parse_token(token)
    if target is None:
        raise NotFound("this unsubscribe link is not valid")
    return target


def mailto_address(token: str) -> str:
    """The address of ``List-Unsubscribe``'s ``mailto:``: a mail to it unsubscribes like the one click."""
    return f"unsubscribe+{token}@{inbound_domain()}"


def parse_mailto_address(address: str) -> Target | None:
    """What an unsubscribe address names, or None when it is not one of ours (domain, shape or MAC)."""
    token = token_in(address, _MAILTO_LOCAL_PART)
    return parse_token(token) if token is not None else None


def by_mail(target: Target, now: datetime) -> MemberModel:
    """A mail to the ``mailto:`` address: the same unsubscribe as the one click (source ``mailto``).

    The token is the only authority, as for ``POST /u/{token}``: the sender's address is not checked
    (a member may write from another mailbox). Idempotent: a redelivered mail changes nothing.
    """
    return _unsubscribe(target, state.Origin(source="mailto", actor="member", at=now))


def one_click(token: str, now: datetime, client_ip: str | None, user_agent: str | None) -> tuple[Target, MemberModel]:
    """RFC 8058 one-click: unsubscribe the token's member from its purpose (idempotent; 404 when forged)."""
    target = target_of(token)
    origin = state.Origin(source="one_click", actor="member", at=now, client_ip=client_ip, user_agent=user_agent)
    return target, _unsubscribe(target, origin)


def _unsubscribe(target: Target, origin: state.Origin) -> MemberModel:
    return state.change_consents(target.store_id, target.member_id, [state.Change(target.purpose, "unsubscribe")],
                                 origin)
