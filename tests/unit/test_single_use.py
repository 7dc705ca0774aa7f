"""Single-use links: one module gives every kind its lifetime, its refusals and its use condition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import single_use
from chalicelib.api.http import status_of
from chalicelib.single_use import BINDING_INVITATION, CART_LINK, LINE_BINDING, REGISTRATION, LinkPurpose

NOW = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@dataclass
class Stored:
    used_at: datetime | None
    expires_at: datetime


@pytest.mark.parametrize(("stored", "status", "code"), [
    (None, 404, "invalid_token"),
    (Stored(NOW, NOW - timedelta(hours=1)), 409, "token_used"),  # used beats expired
    (Stored(None, NOW), 410, "token_expired"),
])
@pytest.mark.parametrize("purpose", [BINDING_INVITATION, CART_LINK, REGISTRATION, LINE_BINDING])
def test_refusal__each_kind__in_one_order(purpose: LinkPurpose, stored: Stored | None, status: int, code: str):
    # WHEN a stored link (or none) is judged; THEN unknown, then used, then expired
    refused = single_use.refusal(purpose, stored, NOW)
    assert refused is not None and (status_of(refused), refused.code) == (status, code)


def test_refusal__an_unused_link_within_its_lifetime__is_usable():
    assert single_use.refusal(REGISTRATION, Stored(None, NOW + timedelta(seconds=1)), NOW) is None


@pytest.mark.parametrize(("purpose", "expired", "used"), [
    (BINDING_INVITATION, "this link has expired; ask the shop for a new one", "this link has already been used"),
    (REGISTRATION, "this invitation link has expired; ask the store for a new one",
     "this invitation link was already used"),
])
def test_each_kind_keeps_its_words(purpose: LinkPurpose, expired: str, used: str):
    assert (single_use.expired(purpose).message, single_use.used(purpose).message) == (expired, used)


def test_expiry__is_whole_seconds_after_the_lifetime():
    # GIVEN a link made at NOW (with microseconds); THEN it expires its lifetime later, in whole seconds
    assert REGISTRATION.expiry(NOW) == datetime(2024, 3, 1, 14, 0, 0, tzinfo=UTC)
    assert BINDING_INVITATION.expiry(NOW) == datetime(2024, 3, 1, 13, 0, 0, tzinfo=UTC)
