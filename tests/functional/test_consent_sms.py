"""Marketing SMS: sms_marketing consent per recipient, SNS opt-outs suppressed, logged as type marketing."""

from __future__ import annotations

from typing import Any

from chalicelib import clock
from chalicelib.models.sms import SmsLogModel
from tests.support_accounts import call, fresh_tw_mobile
from tests.support_consent import consents, events


def customer(client: Any, store: Any, phone: str, subscribe: bool) -> str:
    status, created = call(client, "POST", "/admin/members", store.admin(), {"name": "Amy", "phone": phone})
    assert status == 201, created
    if subscribe:
        status, _ = call(client, "PUT", f"/storefront/members/{created['member_id']}/consents", store.storefront(),
                         {"sms_marketing": True, "source": "checkout"})
        assert status == 200
    return str(created["member_id"])


def test_marketing_sms_reaches_subscribed_numbers_not_opted_out(client: Any, store: Any) -> None:
    yes, no = fresh_tw_mobile(), fresh_tw_mobile()
    opted_out = yes[:-2] + "99"  # the embedded SNS reports numbers ending in 99 as opted out (replied STOP)
    amy = customer(client, store, yes, True)
    ben = customer(client, store, no, False)
    cy = customer(client, store, opted_out, True)
    status, answer = call(client, "POST", "/admin/marketing-sms", store.admin(),
                          {"text": "Tea sale this week", "audience": {"member_ids": [amy, ben, cy]}})
    assert status == 202, answer
    status, progress = call(client, "GET", f"/admin/marketing-sms/{answer['send_id']}", store.admin())
    assert status == 200 and progress["state"] == "done"
    assert progress["sent"] == 1
    assert progress["excluded"] == {"no_phone": 0, "not_subscribed": 1, "suppressed": 1, "blacklisted": 0}
    assert consents(client, store, cy)["sms_marketing"]["suppressed"] == "sms_opt_out"
    assert events(client, store, cy)[-1]["source"] == "sns_opt_out"
    day = clock.local_day(clock.now(), "Asia/Taipei")
    logs = [item for item in SmsLogModel.query(f"{store.store_id}#{day}")]
    assert [(log.phone, log.message_type, log.status) for log in logs] == [(yes, "marketing", "sent")]
    # The e-mail route does not see an SMS send.
    assert call(client, "GET", f"/admin/marketing-emails/{answer['send_id']}", store.admin())[0] == 404


def test_the_sms_report_names_marketing() -> None:
    from chalicelib.reports.sms import MESSAGE_TYPES

    assert MESSAGE_TYPES["marketing"] == "Marketing"
