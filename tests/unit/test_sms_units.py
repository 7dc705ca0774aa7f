"""Phone parsing to E.164 and the limit arithmetic, without AWS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.errors import InvalidRequest
from chalicelib.sms import limits
from chalicelib.sms.phones import parse_phone
from chalicelib.sms.templates import check_template, render

NOW = datetime(2025, 3, 1, 15, 59, 30, tzinfo=UTC)


@pytest.mark.parametrize(("value", "region", "e164"), [
    ("+886912345678", "TW", "+886912345678"),
    ("+886 912-345-678", "US", "+886912345678"),
    ("0912345678", "TW", "+886912345678"),
    ({"calling_code": "886", "number": "0912345678"}, "US", "+886912345678"),
    ({"calling_code": "+886", "number": "912345678"}, None, "+886912345678"),
    ({"calling_code": "1", "number": "2015550123"}, "TW", "+12015550123"),  # US: fixed line or mobile
    ("+85291234567", "TW", "+85291234567"),
])
def test_numbers_become_e164(value: object, region: str | None, e164: str) -> None:
    assert parse_phone(value, region).e164 == e164


@pytest.mark.parametrize("value", [
    "+886223456789",  # Taipei landline
    "0912345678",  # national notation without a region (region None below)
    "+8869123",
    "hello",
    {"calling_code": "886", "number": "+12015550123"},  # a number of another country
    {"calling_code": "886"},
    {"calling_code": "886", "number": "0912345678", "extra": "x"},
    12345,
])
def test_bad_numbers_are_refused(value: object) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_phone(value, None)
    assert refused.value.code == "invalid_phone" and refused.value.extra["field"] == "phone"


def test_scope_is_by_the_store_country() -> None:
    assert parse_phone("+886912345678", None).scope_for("TW") == "domestic"
    assert parse_phone("+85291234567", None).scope_for("TW") == "international"


def test_retry_after_for_a_number() -> None:
    t = NOW.timestamp()
    assert limits.number_retry_after(None, t - 10, NOW) == 20  # 30 s after the latest
    assert limits.number_retry_after(t - 3000, t - 100, NOW) == 600  # the third latest leaves the hour
    assert limits.number_retry_after(None, None, NOW) == 1


def test_retry_after_for_ip_and_day() -> None:
    assert limits.ip_retry_after(NOW) == 30  # the hour bucket ends at 16:00 UTC
    # 15:59:30 UTC is 23:59:30 in Taipei: the store's day ends in 30 s.
    assert limits.day_retry_after(NOW, "Asia/Taipei") == 30


def test_templates_render_and_are_checked() -> None:
    assert render("{store_name}: {code} {link}", code="123456", store_name="Tea") == "Tea: 123456 "
    assert render("{{code}}", code="1") == "{1}"  # braces elsewhere are left alone
    with pytest.raises(InvalidRequest):
        check_template("verification", "{name} {code}")
    with pytest.raises(InvalidRequest):
        check_template("registration_invitation", "no link here")
    with pytest.raises(InvalidRequest):
        check_template("verification", "{code}" + "x" * 1600)


@pytest.mark.parametrize("limit", [0, 1, 2, 9, 10, 11, 23, 1000, 1_000_000])
def test_the_shards_shares_add_up_to_the_limit(limit: int) -> None:
    # GIVEN a limit; WHEN it is spread over the shards THEN the shares add up to it, none differing by more than one
    shares = [limits.share(limit, shard) for shard in range(limits.SHARDS)]
    assert sum(shares) == limit and max(shares) - min(shares) <= 1
    # AND a send tries only the shards with a share (shard 0 alone when the limit is 0, so it is refused)
    order = limits.shard_order(limit)
    assert sorted(order) == ([shard for shard, part in enumerate(shares) if part] or [0])
