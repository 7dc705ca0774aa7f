"""Phone verification through the routes: codes by SMS, limits, the SMS log, SNS failures."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import clock
from chalicelib.models import SmsLogModel
from tests.support_accounts import call, fresh_tw_mobile, last_code, moto_sms


def send(client: Any, store: Any, phone: Any, purpose: str = "signup") -> tuple[int, Any]:
    return call(client, "POST", "/storefront/verifications", store.storefront(), {"phone": phone, "purpose": purpose})


def check(client: Any, store: Any, verification_id: str, code: str) -> tuple[int, Any]:
    return call(client, "POST", f"/storefront/verifications/{verification_id}/check", store.storefront(),
                {"code": code})


def log_items(store_id: str) -> list[SmsLogModel]:
    return list(SmsLogModel.query(f"{store_id}#{clock.local_day(clock.now(), 'Asia/Taipei')}"))


def test_a_code_sent_by_sms_verifies_once(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    status, body = send(client, store, {"calling_code": "886", "number": "0" + phone[4:]})
    assert status == 202 and body["resend_after_seconds"] == 30
    code = last_code(phone)

    status, checked = check(client, store, body["verification_id"], code)
    assert status == 200 and checked["verification_token"].startswith(body["verification_id"] + ".")
    status, again = check(client, store, body["verification_id"], code)
    assert status == 409 and again["error"]["code"] == "code_used"


def test_the_sms_log_records_the_send(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    assert send(client, store, phone)[0] == 202
    [item] = [i for i in log_items(store.store_id) if i.phone == phone]
    assert (item.status, item.message_type, item.agent, item.scope) == ("sent", "verification", "Amazon SNS",
                                                                        "domestic")
    assert (item.calling_code, item.national_number, item.segments) == ("886", phone[4:], 1)
    assert item.provider_message_id


def test_wrong_codes_count_down_then_lock(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    _, body = send(client, store, phone)
    right = last_code(phone)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [check(client, store, body["verification_id"], wrong) for _ in range(5)]
    assert [a[1]["error"].get("attempts_left") for a in answers] == [4, 3, 2, 1, 0]
    assert {a[0] for a in answers} == {400}
    status, locked = check(client, store, body["verification_id"], right)
    assert status == 429 and locked["error"]["code"] == "too_many_attempts"


def test_a_code_expires_after_ten_minutes(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    _, body = send(client, store, phone)
    clock.advance(601)
    status, answer = check(client, store, body["verification_id"], last_code(phone))
    assert status == 410 and answer["error"]["code"] == "code_expired"


def test_resend_waits_30_seconds_and_at_most_three_an_hour(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    assert send(client, store, phone)[0] == 202
    status, limited = send(client, store, phone)
    assert status == 429 and limited["error"]["code"] == "rate_limited"
    assert 0 < limited["error"]["retry_after_seconds"] <= 30
    clock.advance(30)
    assert send(client, store, phone)[0] == 202
    clock.advance(30)
    assert send(client, store, phone)[0] == 202
    clock.advance(30)
    status, limited = send(client, store, phone)
    assert status == 429 and 3500 < limited["error"]["retry_after_seconds"] <= 3600
    clock.advance(3600 - 90)
    assert send(client, store, phone)[0] == 202
    assert len(moto_sms(phone)) == 4


def test_the_store_daily_cap_and_ip_limit_apply(client: Any, store: Any) -> None:
    status, _ = call(client, "PUT", "/admin/settings", store.admin(), {"sms_daily_cap": 2, "sms_ip_hourly_limit": 5})
    assert status == 200
    assert send(client, store, fresh_tw_mobile())[0] == 202
    assert send(client, store, fresh_tw_mobile())[0] == 202
    status, capped = send(client, store, fresh_tw_mobile())
    assert status == 429 and capped["error"]["limit"] == "daily_cap"


def test_a_daily_cap_spread_over_shards_still_admits_exactly_the_cap(client: Any, store: Any) -> None:
    from chalicelib.models.verification import SmsLimitModel
    from chalicelib.sms import limits

    # GIVEN a daily cap of 23 (shares of 3 and 2 over ten counter items) and room for every IP
    status, _ = call(client, "PUT", "/admin/settings", store.admin(),
                     {"sms_daily_cap": 23, "sms_ip_hourly_limit": 1000})
    assert status == 200
    # WHEN 24 different numbers ask for a code
    answers = [send(client, store, fresh_tw_mobile()) for _ in range(24)]
    # THEN exactly 23 are texted and the 24th is refused for the daily cap (every shard full, not just one)
    assert [status for status, _ in answers] == [202] * 23 + [429]
    assert answers[-1][1]["error"]["limit"] == "daily_cap"
    counted = {item.limit_key: int(item.tally) for item in SmsLimitModel.query(store.store_id)
               if item.limit_key.startswith("day#")}
    assert sum(counted.values()) == 23 and len(counted) == limits.SHARDS
    assert all(tally == limits.share(23, int(key.split("#")[2]) if key.count("#") == 2 else 0)
               for key, tally in counted.items())


def test_the_ip_limit_applies(client: Any, store: Any) -> None:
    call(client, "PUT", "/admin/settings", store.admin(), {"sms_ip_hourly_limit": 2})
    assert send(client, store, fresh_tw_mobile())[0] == 202
    assert send(client, store, fresh_tw_mobile())[0] == 202
    status, limited = send(client, store, fresh_tw_mobile())
    assert status == 429 and limited["error"]["limit"] == "client_ip"


def test_sns_failure_is_logged_failed_and_costs_no_quota(client: Any, store: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    phone = fresh_tw_mobile()
    # Nothing listens on port 9: the SNS call really fails (connection refused).
    monkeypatch.setenv("SNS_ENDPOINT_URL", "http://127.0.0.1:9")
    status, failed = send(client, store, phone)
    assert status == 502 and failed["error"]["code"] == "sms_failed"
    [item] = [i for i in log_items(store.store_id) if i.phone == phone]
    assert item.status == "failed" and item.failure_reason == "EndpointConnectionError"

    monkeypatch.delenv("SNS_ENDPOINT_URL")
    for _ in range(3):  # the failed send counted for nothing: three sends in the hour remain
        assert send(client, store, phone)[0] == 202
        clock.advance(30)
    assert send(client, store, phone)[0] == 429


@pytest.mark.parametrize("phone", ["+886223456789", "12345", {"calling_code": "886"}, 886912345678,
                                   {"calling_code": "999", "number": "0912345678"}])
def test_bad_numbers_are_invalid_phone(client: Any, store: Any, phone: Any) -> None:
    status, body = send(client, store, phone)
    assert status == 400 and body["error"]["code"] == "invalid_phone" and body["error"]["field"] == "phone"


def test_unknown_purpose_and_bad_code_are_400(client: Any, store: Any) -> None:
    status, body = send(client, store, fresh_tw_mobile(), "launch_rockets")
    assert status == 400 and body["error"]["field"] == "purpose"
    status, body = check(client, store, "vf_0000000000000000", "12ab56")
    assert status == 400 and body["error"]["field"] == "code"


def test_a_verification_of_another_store_is_not_found(client: Any, store: Any, other_store: Any) -> None:
    phone = fresh_tw_mobile()
    _, body = send(client, store, phone)
    status, answer = check(client, other_store, body["verification_id"], last_code(phone))
    assert status == 404 and answer["error"]["code"] == "not_found"


def test_sms_templates_shape_the_message(client: Any, store: Any) -> None:
    status, _ = call(client, "PUT", "/admin/templates/sms/verification", store.admin(),
                     {"text": "{store_name} 驗證碼 {code}"})
    assert status == 200
    phone = fresh_tw_mobile()
    send(client, store, phone)
    assert moto_sms(phone)[-1].startswith("Demo Tea House 驗證碼 ")
    [item] = [i for i in log_items(store.store_id) if i.phone == phone]
    assert item.segments == 1  # UCS-2, well under 70 units

    status, body = call(client, "PUT", "/admin/templates/sms/verification", store.admin(), {"text": "no code"})
    assert status == 400 and body["error"]["field"] == "text"
    status, body = call(client, "PUT", "/admin/templates/sms/verification", store.admin(), {"text": "{code} {nope}"})
    assert status == 400
    status, body = call(client, "PUT", "/admin/templates/sms/birthday", store.admin(), {"text": "{code}"})
    assert status == 404
    status, listed = call(client, "GET", "/admin/templates/sms", store.admin())
    assert status == 200 and {t["type"] for t in listed["items"]} == {"verification", "registration_invitation"}
