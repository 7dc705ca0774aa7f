"""Domain helpers on their own: no HTTP, no AWS."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from chalice.app import Cron, Rate

from chalicelib import access, clock, pagination
from chalicelib.api.http import status_of
from chalicelib.errors import InvalidRequest
from chalicelib.logs import RedactingFormatter, redact, redact_text
from chalicelib.stores import check_storefront_url, default_timezone
from chalicelib.validation import Field, parse_json, parse_object
from local.scheduler import Scheduler, is_due

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


# --- clock -------------------------------------------------------------------------------------

def test_clock_advances_and_resets():
    clock.reset()
    start = clock.now()
    moved = clock.advance(3600)
    assert timedelta(seconds=3600) <= moved - start < timedelta(seconds=3605)
    with pytest.raises(ValueError):
        clock.advance(-1)
    clock.reset()
    assert clock.now() - start < timedelta(seconds=5)


def test_isoformat_has_an_offset():
    assert clock.isoformat(T0) == "2026-11-23T12:00:00+00:00"


# --- validation --------------------------------------------------------------------------------

FIELDS = {"name": Field(str, required=True, max_length=5), "count": Field(int, minimum=1, maximum=3),
          "url": Field(str, nullable=True)}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "abcdef"}, "name"),
    ({"name": 5}, "name"),
    ({"name": "a", "count": True}, "count"),
    ({"name": "a", "count": 1.5}, "count"),
    ({"name": "a", "count": 4}, "count"),
    ({"name": "a", "extra": 1}, "extra"),
    ({"name": None}, "name"),
])
def test_bad_fields_are_named(body, field):
    # GIVEN a body with one bad field; WHEN it is parsed
    with pytest.raises(InvalidRequest) as raised:
        parse_object(body, FIELDS)
    # THEN a 400 names that field
    assert raised.value.extra["field"] == field
    assert status_of(raised.value) == 400


def test_good_body_is_trimmed_and_nullable_kept():
    assert parse_object({"name": " ab ", "url": None}, FIELDS) == {"name": "ab", "url": None}


def test_json_limits():
    with pytest.raises(InvalidRequest) as too_big:
        parse_json(b"{}" + b" " * 100, max_bytes=10)
    assert too_big.value.code == "body_too_large"
    with pytest.raises(InvalidRequest) as broken:
        parse_json(b"\xff\xfe", max_bytes=10)
    assert broken.value.code == "invalid_json"


# --- keys --------------------------------------------------------------------------------------

def test_key_format_names_the_store():
    issued = access.build_key("st_abc", access.Role.ADMIN, T0)
    assert access.store_id_from_key(issued.key) == "st_abc"
    assert issued.item.key_hash != issued.key and len(issued.item.key_hash) == 64
    assert issued.key_id == issued.item.key_hash[:12]
    for bad in ("", "mlk..x", "mlk.st_abc.", "abc.st.x", "mlk.a.b.c"):
        assert access.store_id_from_key(bad) is None


def test_storefront_url_rules():
    assert check_storefront_url("https://shop.example.com/") == "https://shop.example.com"
    assert check_storefront_url("http://localhost:3000") == "http://localhost:3000"
    for bad in ("ftp://x", "https://shop.example.com/?a=1", "http://shop.example.com", "https://"):
        with pytest.raises(InvalidRequest):
            check_storefront_url(bad)


def test_default_timezone_only_for_single_zone_countries():
    assert default_timezone("TW") == "Asia/Taipei"
    assert default_timezone("US") is None


# --- cursors -----------------------------------------------------------------------------------

def test_cursor_round_trip_and_tenancy():
    key = {"store_id": {"S": "st_a"}, "branch_id": {"S": "br_1"}}
    cursor = pagination.encode_cursor(key)
    assert cursor and "st_a" not in cursor
    assert pagination.decode_cursor(cursor, "st_a") == key
    with pytest.raises(InvalidRequest):
        pagination.decode_cursor(cursor, "st_b")
    with pytest.raises(InvalidRequest):
        pagination.decode_cursor("!!not-a-cursor", "st_a")
    assert pagination.parse_limit(None) == 50
    with pytest.raises(InvalidRequest):
        pagination.parse_limit("0")


# --- log redaction -----------------------------------------------------------------------------

def test_redaction_hides_keys_phones_and_secret_fields():
    text = "Bearer mlk.st_1.SECRETSECRET called from +886912345678 or 0912-345-678"
    clean = redact_text(text)
    assert "SECRETSECRET" not in clean and "912345678" not in clean and "0912-345" not in clean
    assert clean.endswith("********78")
    assert redact({"app_secret": "x", "password": "p", "name": "Amy", "nested": {"verify_token": "t"}}) == {
        "app_secret": "****", "password": "****", "name": "Amy", "nested": {"verify_token": "****"}}


def test_redaction_keeps_dates_and_times_but_not_numbers_next_to_them():
    assert redact_text("report day 2026-11-25 compiled") == "report day 2026-11-25 compiled"
    assert redact_text("at 2026-11-25T08:00:00+08:00") == "at 2026-11-25T08:00:00+08:00"
    clean = redact_text("2026-11-25 sent to 0912 345 678")
    assert clean.startswith("2026-11-25 sent to ") and "345" not in clean


def test_formatter_redacts_the_final_record():
    record = logging.LogRecord("memberlink", logging.INFO, __file__, 1,
                               "sent to +886912345678", None, None)
    line = json.loads(RedactingFormatter().format(record))
    assert line["message"] == "sent to +" + "*" * 10 + "78"


# --- scheduler ---------------------------------------------------------------------------------

def test_rate_and_cron_due_rules():
    assert is_due(Rate(1, unit=Rate.HOURS), None, T0)
    assert not is_due(Rate(1, unit=Rate.HOURS), T0, T0 + timedelta(minutes=59))
    assert is_due(Rate(1, unit=Rate.HOURS), T0, T0 + timedelta(hours=1))
    daily = Cron(5, 16, "*", "*", "?", "*")
    assert is_due(daily, None, T0.replace(hour=16, minute=5))
    assert not is_due(daily, T0.replace(hour=16, minute=5), T0.replace(hour=16, minute=5, second=30))
    assert not is_due(daily, None, T0.replace(hour=16, minute=6))


SEEN_BY_HOURLY: list[dict[str, object]] = []


def hourly_handler(event: dict[str, object], context: object) -> None:
    SEEN_BY_HOURLY.append(event)


def test_scheduler_fires_the_templates_due_schedules_with_a_scheduled_event():
    """GIVEN a template with one hourly function WHEN the scheduler ticks, the clock moves an hour, it ticks again
    THEN the function ran twice, by its deployed name, with EventBridge's event."""
    from local.cloudformation import load
    from local.lambdas import LocalLambda

    template = {"Resources": {"Hourly": {"Type": "AWS::Serverless::Function", "Properties": {
        "FunctionName": "under-test-hourly", "Handler": f"{__name__}.hourly_handler",
        "Events": {"Every": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}}}}}}
    SEEN_BY_HOURLY.clear()
    clock.reset()
    scheduler = Scheduler(LocalLambda(load(template), asynchronous=False, enforce_roles=False))
    assert scheduler.tick() == ["under-test-hourly"]
    assert scheduler.tick() == []
    clock.advance(3600)
    assert scheduler.tick() == ["under-test-hourly"]
    clock.reset()
    assert len(SEEN_BY_HOURLY) == 2 and SEEN_BY_HOURLY[0]["detail-type"] == "Scheduled Event"


def test_each_sqs_source_gets_its_maximum_concurrency_of_pollers_that_poll_again_at_once_while_batches_come():
    """GIVEN a template whose queue consumer allows 2 concurrent batches, and a queue that has 10, 10 and 3 messages
    WHEN one of its pollers runs THEN it receives three times back to back and pauses only once the queue is empty."""
    from local.cloudformation import load
    from local.lambdas import LocalLambda

    template = {"Resources": {"Worker": {"Type": "AWS::Serverless::Function", "Properties": {
        "FunctionName": "under-test-worker", "Handler": f"{__name__}.hourly_handler",
        "Events": {"Queue": {"Type": "SQS", "Properties": {
            "Queue": "arn:aws:sqs:us-east-1:123456789012:under-test", "BatchSize": 10,
            "ScalingConfig": {"MaximumConcurrency": 2}}}}}}}}
    scheduler = Scheduler(LocalLambda(load(template), asynchronous=False, enforce_roles=False), tick_seconds=5.0)
    assert [poller.name for poller in scheduler.pollers] == ["sqs-under-test-worker-0", "sqs-under-test-worker-1"]

    batches, pauses = [10, 10, 3, 0], []

    def poll_queue(function: object, source: object) -> int:
        return batches.pop(0)

    def wait(seconds: float) -> bool:
        pauses.append(seconds)
        return not batches  # stop once the queue answered empty
    scheduler.runtime.poll_queue = poll_queue  # type: ignore[method-assign]
    scheduler._stop.wait = wait  # type: ignore[method-assign]
    function, source = scheduler.runtime.queue_sources()[0]
    scheduler._poll(function, source)
    assert pauses == [0.0, 0.0, 0.0, 0.0, 1.0]
