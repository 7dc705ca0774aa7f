"""A number is written once: texts that state a lifetime are built from the constant that enforces it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import i18n, lifetimes, verification
from chalicelib.binding import invitations, links, templates
from chalicelib.conversations import window as eligibility
from chalicelib.lifetimes import duration_text
from chalicelib.sms import templates as sms_templates


@pytest.mark.parametrize(("lifetime", "text"), [
    (timedelta(hours=1), "1 hour"), (timedelta(hours=24), "24 hours"), (timedelta(minutes=10), "10 minutes"),
    (timedelta(days=7), "7 days"), (timedelta(hours=2), "2 hours"), (timedelta(seconds=30), "30 seconds"),
])
def test_duration_text__a_lifetime__is_said_in_its_largest_whole_unit(lifetime: timedelta, text: str):
    assert duration_text(lifetime) == text


def test_the_rules_use_the_lifetimes_the_texts_state():
    # GIVEN each rule's lifetime; THEN it is the one constant of chalicelib.lifetimes
    assert links.INVITATION_TTL is lifetimes.BINDING_INVITATION_TTL
    assert links.CART_LINK_TTL is lifetimes.CART_LINK_TTL
    assert verification.CODE_TTL is lifetimes.CODE_TTL
    assert eligibility.MESSAGING_WINDOW is lifetimes.MESSAGING_WINDOW


def test_each_text_states_its_rules_lifetime():
    # GIVEN the texts customers and merchants read; THEN each says the lifetime its rule enforces
    assert f"valid for {duration_text(links.INVITATION_TTL)}" in invitations.INVITATION_NOTE
    assert f"more than {duration_text(eligibility.MESSAGING_WINDOW)} old" in \
        invitations.REFUSALS[eligibility.OUTSIDE_24H_WINDOW]
    assert f"last {duration_text(verification.TOKEN_TTL)}" in verification.invalid_token().message
    # AND what customers read says it in the store's language
    assert f"valid for {duration_text(links.INVITATION_TTL)}." in templates.default_text("en")
    assert "連結在 1 小時內有效" in templates.default_text("zh-Hant")
    assert f"expires in {duration_text(verification.CODE_TTL)}." in sms_templates.default_template("verification", "en")
    assert "10 分鐘內有效" in sms_templates.default_template("verification", "zh-Hant")


@pytest.mark.parametrize(("lifetime", "language", "text"), [
    (timedelta(hours=1), "en", "1 hour"), (timedelta(hours=24), "en", "24 hours"),
    (timedelta(hours=1), "zh-Hant", "1 小時"), (timedelta(minutes=10), "zh-Hant", "10 分鐘"),
    (timedelta(days=7), "zh-Hant", "7 天"),
])
def test_a_lifetime_customers_read__is_said_in_the_store_language(lifetime: timedelta, language: str, text: str):
    assert i18n.duration_text(lifetime, language) == text
