"""Console users (team accounts): people, the e-mail they sign in with, their sessions, and the audit trail.

Secrets are stored only as digests: a password as argon2id, an invitation link and a session token as
SHA-256. :class:`ConsoleLoginModel` is the one table not partitioned by store: signing in names an e-mail,
not a store, so the e-mail leads to the store (and a person invited by two stores has one item per store).
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta


class ConsoleUserModel(StageModel):
    Meta = meta("console_users")

    store_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    email = UnicodeAttribute()  # lower-cased
    name = UnicodeAttribute()
    role = UnicodeAttribute()  # owner | agent
    password_hash = UnicodeAttribute(null=True)  # argon2id; None until the invitation is accepted
    invitation_hash = UnicodeAttribute(null=True)  # SHA-256 of the invitation token; removed once accepted
    invitation_expires_at = UTCDateTimeAttribute(null=True)
    invited_by = UnicodeAttribute(null=True)  # the inviter's name, for the list
    created_at = UTCDateTimeAttribute()
    accepted_at = UTCDateTimeAttribute(null=True)
    totp_secret = UnicodeAttribute(null=True)  # base32; two-factor sign-in once totp_enabled
    totp_enabled = BooleanAttribute(null=True)
    totp_last_step = NumberAttribute(null=True)  # the last accepted time step: a code is good once


class ConsoleLoginModel(StageModel):
    """E-mail -> the console user it signs in as, one item per store that invited the address."""

    Meta = meta("console_logins")

    email = UnicodeAttribute(hash_key=True)  # lower-cased
    store_id = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()


class ConsoleSessionModel(StageModel):
    """A signed-in console: ``<user_id>#<sha256 of the token>``, so a person's sessions are one Query."""

    Meta = meta("console_sessions")

    store_id = UnicodeAttribute(hash_key=True)
    session_key = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    expires = TTLAttribute()  # cleanup only: expiry is decided on expires_at


class AuditEventModel(StageModel):
    """Who did what, newest last by ``<at, microseconds>#<event id>``; append-only (no route edits one)."""

    Meta = meta("audit_events")

    store_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    actor_kind = UnicodeAttribute()  # user | key
    actor_id = UnicodeAttribute(null=True)
    actor_name = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    target_kind = UnicodeAttribute(null=True)
    target_id = UnicodeAttribute(null=True)
