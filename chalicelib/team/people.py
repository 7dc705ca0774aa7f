"""People of a store's console: invitations by e-mail, accepting one, the list, removal.

Rules that carry the product:
- One console user per e-mail per store (409 ``email_taken``); the address is stored lower-cased.
- An invitation link is a random token (256 bits) of which only the SHA-256 is stored; it is good for
  :data:`lifetimes.CONSOLE_INVITATION_TTL`, once: the first acceptance sets the password and removes it.
- Passwords are hashed as members' are (argon2id, :mod:`chalicelib.members.passwords`).
- Removing a person deletes them and their sign-in e-mail in one transaction, then their sessions; a
  session is checked against the person on every request, so it ends at once either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib import tokens
from chalicelib.errors import Conflict, InvalidRequest, LinkExpired, NotFound
from chalicelib.lifetimes import CONSOLE_INVITATION_TTL, duration_text
from chalicelib.members.passwords import check_password, hash_password
from chalicelib.models.transactions import NamedTransaction
from chalicelib.models.users import ConsoleLoginModel, ConsoleSessionModel, ConsoleUserModel


class UserRole(StrEnum):
    OWNER = "owner"
    AGENT = "agent"


ROLES = tuple(role.value for role in UserRole)
_SEPARATOR = "."


@dataclass(frozen=True)
class Invited:
    user: ConsoleUserModel
    token: str  # shown once, in the e-mail's link


def check_name(value: str, field: str = "name") -> str:
    """A person's name: shown on messages and in the audit, so one line and not empty."""
    name = value.strip()
    if not name or any(ch in name for ch in "\r\n\x0b\x0c\x85\u2028\u2029"):
        raise InvalidRequest(f"'{field}' must be one line of text", field=field)
    return name


def check_role(value: str) -> str:
    if value not in ROLES:
        raise InvalidRequest(f"'role' must be one of {', '.join(ROLES)}", field="role")
    return value


def invitation_token(store_id: str, user_id: str) -> str:
    return _SEPARATOR.join((store_id, user_id, tokens.new_secret()))


def invite(store_id: str, email: str, name: str, role: str, invited_by: str | None, now: datetime) -> Invited:
    """A new person, not yet able to sign in, and the token of their invitation link."""
    email = email.strip().lower()
    user_id = tokens.new_id("usr")
    token = invitation_token(store_id, user_id)
    user = ConsoleUserModel(store_id, user_id, email=email, name=check_name(name), role=check_role(role),
                            invitation_hash=tokens.sha256_hex(token),
                            invitation_expires_at=now + CONSOLE_INVITATION_TTL, invited_by=invited_by,
                            created_at=now)
    tx = NamedTransaction()
    try:
        with tx:
            tx.save("login", ConsoleLoginModel(email, store_id, user_id=user_id),
                    condition=ConsoleLoginModel.email.does_not_exist())
            tx.save("user", user, condition=ConsoleUserModel.user_id.does_not_exist())
    except TransactWriteError as exc:
        if tx.failed(exc, "login"):
            raise Conflict("this e-mail address already belongs to a person of this store",
                           code="email_taken") from None
        raise
    return Invited(user, token)


def invitation_text(store_name: str, inviter: str | None, role: str, link: str) -> str:
    who = f"{inviter} invited you" if inviter else "You are invited"
    return (f"{who} to the memberlink console of {store_name}, as {role}.\n\n"
            f"Choose your password here (the link is valid for {duration_text(CONSOLE_INVITATION_TTL)}, once):\n"
            f"{link}\n\nIf you did not expect this, ignore this e-mail.\n")


def accept(token: str, password: str, now: datetime) -> ConsoleUserModel:
    """Set the person's password from their invitation: 404 ``invalid_token``, 410 ``token_expired``,
    409 ``token_used``. Of concurrent acceptances of one token exactly one succeeds."""
    check_password(password)
    parts = token.split(_SEPARATOR)
    if len(parts) != 3 or len(token) > 200:
        raise NotFound("this invitation link is not valid", code="invalid_token")
    store_id, user_id, _ = parts
    token_hash = tokens.sha256_hex(token)
    try:
        user = ConsoleUserModel.get(store_id, user_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("this invitation link is not valid", code="invalid_token") from None
    if user.invitation_hash is None or not tokens.same_digest(user.invitation_hash, token_hash):
        if user.password_hash is not None and user.invitation_hash is None:
            raise Conflict("this invitation was already accepted: sign in with your password", code="token_used")
        raise NotFound("this invitation link is not valid", code="invalid_token")
    if user.invitation_expires_at is None or now >= user.invitation_expires_at:
        raise LinkExpired("this invitation has expired: ask an owner to invite you again")
    try:
        user.update(actions=[ConsoleUserModel.password_hash.set(hash_password(password)),
                             ConsoleUserModel.accepted_at.set(now), ConsoleUserModel.invitation_hash.remove(),
                             ConsoleUserModel.invitation_expires_at.remove()],
                    condition=ConsoleUserModel.invitation_hash == token_hash)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("this invitation was already accepted: sign in with your password",
                           code="token_used") from None
        raise
    return user


def get_user(store_id: str, user_id: str) -> ConsoleUserModel:
    if not user_id.startswith("usr_") or len(user_id) > 64:
        raise NotFound("no such person in this store")
    try:
        return ConsoleUserModel.get(store_id, user_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such person in this store") from None


def remove(store_id: str, user_id: str) -> int:
    """Delete the person and their sign-in e-mail, then every session of theirs; the number ended."""
    user = get_user(store_id, user_id)
    tx = NamedTransaction()
    try:
        with tx:
            tx.delete("user", ConsoleUserModel(store_id, user_id), condition=ConsoleUserModel.user_id.exists())
            tx.delete("login", ConsoleLoginModel(user.email, store_id))
    except TransactWriteError as exc:
        if tx.failed(exc, "user"):
            raise NotFound("no such person in this store") from None
        raise
    return end_sessions(store_id, user_id)


def end_sessions(store_id: str, user_id: str) -> int:
    """Delete every session of the person (one Query on their key prefix, one delete each)."""
    ended = 0
    for item in ConsoleSessionModel.query(store_id, ConsoleSessionModel.session_key.startswith(f"{user_id}#")):
        item.delete()
        ended += 1
    return ended
