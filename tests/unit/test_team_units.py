"""Team accounts without AWS: TOTP codes against RFC 6238's vectors, the role table's defaults, audit targets."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.api import roles
from chalicelib.team import totp

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890" (RFC 6238, appendix B)


def test_totp_codes_are_rfc_6238s_last_six_digits():
    # GIVEN the RFC's secret, WHEN codes are made at its times, THEN they are its SHA-1 values' last six digits
    for seconds, eight_digits in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"),
                                  (2000000000, "69279037")):
        moment = datetime.fromtimestamp(seconds, UTC)
        assert totp.code_at(RFC_SECRET, totp.step_of(moment)) == eight_digits[-6:]


def test_a_code_is_accepted_one_step_either_side_and_only_after_the_last_used_step():
    now = datetime.fromtimestamp(1_700_000_000, UTC)
    step = totp.step_of(now)
    previous = totp.code_at(RFC_SECRET, step - 1)
    assert totp.matching_step(RFC_SECRET, previous, now, None) == step - 1
    assert totp.matching_step(RFC_SECRET, previous, now, step - 1) is None  # already used
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 2), now, None) is None  # too old
    assert totp.matching_step(RFC_SECRET, "12345", now, None) is None


def test_a_new_secret_is_160_bits_of_base32_and_the_uri_names_the_account():
    secret = totp.new_secret()
    assert len(secret) == 32 and secret.isalnum()
    uri = totp.provisioning_uri(secret, "owner@shop.example", "memberlink Demo Tea House")
    assert uri.startswith("otpauth://totp/memberlink%20Demo%20Tea%20House%3Aowner%40shop.example?secret=")


def test_unlisted_routes_are_owner_only_and_unaudited():
    assert roles.rule_for("GET", "/admin/anything-new") == roles.Rule(agent=False, audit=None)
    assert roles.agent_may("GET", "/admin/conversations")
    assert not roles.agent_may("PUT", "/admin/settings")


def test_audit_targets_are_named_by_kind():
    assert roles.target_kind("conversation_id") == "conversation"
    assert roles.target_kind("social_user_key") == "social_account"
    assert roles.target_kind("template_type") == "template"


def test_session_and_invitation_tokens_are_redacted_in_logs():
    from chalicelib.logs import redact_text

    session = "mls.st_0a1b2c3d4e5f6a7b.usr_9f8e7d6c5b4a3f2e.Zm9vYmFyYmF6cXV4_-secret"
    invitation = "st_0a1b2c3d4e5f6a7b.usr_9f8e7d6c5b4a3f2e.Zm9vYmFyYmF6cXV4_-secret"
    assert redact_text(f"token {session} here") == "token mls.st_0a1b2c3d4e5f6a7b.usr_9f8e7d6c5b4a3f2e.**** here"
    assert redact_text(f"link #invitation={invitation}") == \
        "link #invitation=st_0a1b2c3d4e5f6a7b.usr_9f8e7d6c5b4a3f2e.****"
