"""Binding rules without AWS: link tokens and their claims, template limits and rendering, refusal order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.api.http import status_of
from chalicelib.binding import links, templates
from chalicelib.errors import ApiError, InvalidRequest, NotFound
from chalicelib.i18n import LANGUAGES
from chalicelib.models.binding import BindingTokenModel

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_link_token_carries_256_random_bits_and_its_claims_and_only_its_hash_is_kept():
    token = links.new_link_token("line:U4af4980629", "王小明")
    _claims, secret = token.value.rsplit(".", 1)
    assert len(secret) == 43  # 32 bytes, base64url
    parsed = links.parse_link_token(token.value)
    assert (parsed.social_user_key, parsed.social_user_name, parsed.token_hash) == (
        "line:U4af4980629", "王小明", token.token_hash)
    assert token.value not in token.token_hash and len(token.token_hash) == 64
    assert links.new_link_token("line:U4af4980629", None).value != links.new_link_token("line:U4af4980629", None).value


@pytest.mark.parametrize("value", ["", "abc", "no-dot-at-all", "bm9wZQ.short", "e30." + "x" * 43,
                                   "WyJ3ZWNoYXQ6MSIsbnVsbF0." + "x" * 43, "x" * 1001])
def test_anything_we_could_not_have_issued_is_invalid_token(value):
    with pytest.raises(NotFound) as caught:
        links.parse_link_token(value)
    assert caught.value.code == "invalid_token"


def test_long_names_are_shortened_in_the_claims():
    assert links.new_link_token("facebook:1", "n" * 300).social_user_name == "n" * links.CLAIMED_NAME_MAX


def _token(**changes) -> BindingTokenModel:
    values = {"purpose": "invitation", "expires_at": NOW + timedelta(hours=1), "used_at": None, **changes}
    return BindingTokenModel("st_1", "h", invitation_id="bi_1", channel="line", social_user_key="line:U1",
                             conversation_id="cv_1", created_at=NOW, **values)


@pytest.mark.parametrize(("token", "status", "code"), [
    (None, 404, "invalid_token"),
    (_token(purpose="cart"), 404, "invalid_token"),
    (_token(used_at=NOW), 409, "token_used"),
    (_token(used_at=NOW, expires_at=NOW - timedelta(seconds=1)), 409, "token_used"),
    (_token(expires_at=NOW), 410, "token_expired"),
    (_token(expires_at=NOW - timedelta(days=3)), 410, "token_expired"),
])
def test_refusal_order_is_missing_then_used_then_expired(token, status, code):
    # GIVEN a stored token (or none) for an invitation; WHEN its use is refused
    error = links.refusal(token, "invitation", NOW)
    # THEN the reason follows the order: unknown or another purpose, then used, then expired
    assert isinstance(error, ApiError) and (status_of(error), error.code) == (status, code)


@pytest.mark.parametrize(("channel", "limit"), [("facebook", 640), ("instagram", 640), ("line", 5000),
                                                ("whatsapp", 1024)])
def test_text_limits_per_channel(channel, limit):
    assert templates.check_template(channel, {"text": "x" * limit}) == ("x" * limit, None)
    with pytest.raises(InvalidRequest) as caught:
        templates.check_template(channel, {"text": "x" * (limit + 1)})
    assert caught.value.extra["field"] == "text"


def test_whatsapp_takes_no_button_text():
    with pytest.raises(InvalidRequest) as caught:
        templates.check_template("whatsapp", {"text": "Join", "button_text": "Go"})
    assert caught.value.extra["field"] == "button_text"
    assert all(templates.default_template("whatsapp", language).button_text is None for language in LANGUAGES)
    assert all(len(templates.default_template(c, language).button_text or "") <= 20
               for c in ("facebook", "line") for language in LANGUAGES)


def test_render_fills_the_name_and_never_exceeds_the_channel_limit():
    template = templates.Template("facebook", "Hi {customer_name}!", "Join")
    assert template.render("Amy") == "Hi Amy!"
    assert template.render(None) == "Hi there!"
    long = templates.Template("facebook", "x" * 630 + "{customer_name}", "Join")
    assert len(long.render("y" * 100)) == 640
