"""Scheduled reports on the real local stack: SMS log and referrals seeded in its DynamoDB, the clock moved
past each store's own midnight, the schedule run over HTTP, the CSVs read back from its S3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import urllib3

from chalicelib.models import MemberModel, SmsLogModel
from tests.integration.conftest import Stack
from tests.integration.support_stack import aws
from tests.support_reports import (
    BRANCH_HEADER,
    REFERRAL_HEADER,
    SMS_HEADER,
    Sms,
    batch_write,
    csv_bytes,
    member_item,
    read_object,
    sms_item,
    table_name,
)

TAIPEI, BOGOTA = "Asia/Taipei", "America/Bogota"


def stack_now(stack: Stack) -> datetime:
    return stack.clock()


def advance_to(stack: Stack, moment: datetime) -> None:
    seconds = int((moment - stack_now(stack)).total_seconds()) + 1
    assert stack.call("POST", "/_local/clock", body={"advance_seconds": max(seconds, 0)})[0] == 200


def next_midnight(moment: datetime, tz: str) -> datetime:
    local = moment.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return local.astimezone(UTC)


def new_store(stack: Stack, name: str, country: str) -> dict[str, str]:
    return stack.create_store(name, country)


def local(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def test_each_store_gets_its_own_day_and_reruns_give_the_same_bytes(stack: Stack):
    dynamodb, s3, bucket = aws(stack, "dynamodb"), aws(stack, "s3"), stack.info["reports_bucket"]
    taipei = new_store(stack, "Reports Tea House", "TW")  # Asia/Taipei, UTC+8
    bogota = new_store(stack, "Reports Cafe", "CO")
    status, settings = stack.call("PUT", "/admin/settings", bogota["admin_key"], {"timezone": BOGOTA})
    assert status == 200 and settings["timezone"] == BOGOTA  # UTC-5, no daylight saving
    status, branch = stack.call("POST", "/admin/branches", taipei["admin_key"], {"name": "Xinyi"})
    assert status == 201
    status, staff = stack.call("POST", "/admin/staff", taipei["admin_key"],
                               {"name": "Mei", "branch_id": branch["branch_id"]})
    assert status == 201

    # 01:00 in Taipei (12:00 the day before in Bogota): every seeded moment is well inside one local day.
    advance_to(stack, next_midnight(stack_now(stack), TAIPEI) + timedelta(hours=1))
    start = stack_now(stack)
    day_tw, day_co = start.astimezone(ZoneInfo(TAIPEI)).date().isoformat(), start.astimezone(
        ZoneInfo(BOGOTA)).date().isoformat()
    assert day_tw != day_co
    at = [start + timedelta(seconds=n) for n in range(5)]
    # Segment counts per CONTRACT.md: "Your code is 123456, fee 1€" is GSM-7 (€ is an extension character,
    # 2 septets) -> 1; "Welcome 🎉" needs UCS-2 but is short -> 1; "A" * 161 is over 160 GSM-7 -> 2.
    batch_write(dynamodb, table_name(SmsLogModel), [
        sms_item(taipei["store_id"], TAIPEI, Sms("886", "912345678", at[0], 1), 1),
        sms_item(taipei["store_id"], TAIPEI, Sms("886", "912345679", at[1], 1, message_type="member_notification"), 2),
        sms_item(taipei["store_id"], TAIPEI, Sms("81", "9012345678", at[2], 2, scope="international",
                                                   message_type="member_notification"), 3),
        sms_item(taipei["store_id"], TAIPEI, Sms("886", "912000000", at[3], 1, status="failed"), 4),
        sms_item(bogota["store_id"], BOGOTA, Sms("57", "3001234567", at[4], 1), 5),
    ])
    batch_write(dynamodb, table_name(MemberModel), [
        member_item(taipei["store_id"], TAIPEI, "mb_reports_1", "林美玲", "+886912345678", at[1],
                    branch["branch_id"], staff["staff_id"])])

    advance_to(stack, max(next_midnight(start, TAIPEI), next_midnight(start, BOGOTA)) + timedelta(minutes=1))
    status, ran = stack.call("POST", "/_local/schedules/run")
    assert status == 200 and "memberlink-local-compile_reports" in ran["ran"]

    tw_keys = [f"reports/{taipei['store_id']}/{path}" for path in
               (f"sms/{day_tw}.csv", f"referrals/{day_tw}.csv", f"referrals/{day_tw}-branches.csv")]
    expected_sms = csv_bytes(
        SMS_HEADER,
        ["886", "912345678", local(at[0], TAIPEI), "Amazon SNS", "Verification", "1", "Domestic", "Sent"],
        ["886", "912345679", local(at[1], TAIPEI), "Amazon SNS", "Member Notification", "1", "Domestic", "Sent"],
        ["81", "9012345678", local(at[2], TAIPEI), "Amazon SNS", "Member Notification", "2", "International",
         "Sent"],
        ["886", "912000000", local(at[3], TAIPEI), "Amazon SNS", "Verification", "1", "Domestic", "Failed"])
    assert read_object(s3, bucket, tw_keys[0]) == expected_sms
    assert "+08:00" in local(at[0], TAIPEI)
    assert read_object(s3, bucket, tw_keys[1]) == csv_bytes(
        REFERRAL_HEADER, ["mb_reports_1", "林美玲", "'+886912345678", local(at[1], TAIPEI), "Xinyi", "Mei"])
    assert read_object(s3, bucket, tw_keys[2]) == csv_bytes(BRANCH_HEADER, ["Xinyi", "1", "100.00"])

    # The Bogota store's own day: only its row, in its wall clock.
    assert read_object(s3, bucket, f"reports/{bogota['store_id']}/sms/{day_co}.csv") == csv_bytes(
        SMS_HEADER, ["57", "3001234567", local(at[4], BOGOTA), "Amazon SNS", "Verification", "1", "Domestic", "Sent"])
    assert local(at[4], BOGOTA).endswith("-05:00")

    # A second run with the reports gone writes the very same bytes.
    before = [read_object(s3, bucket, key) for key in tw_keys]
    for key in tw_keys:
        s3.delete_object(Bucket=bucket, Key=key)
    assert stack.call("POST", "/_local/schedules/run")[0] == 200
    assert [read_object(s3, bucket, key) for key in tw_keys] == before

    # On demand: the presigned URL downloads from the sandbox's S3 over plain HTTP.
    status, body = stack.call("POST", "/admin/reports/sms", taipei["admin_key"], {"from": day_tw, "to": day_tw})
    assert status == 200 and body["url"].startswith(stack.info["aws_endpoint"])
    download = urllib3.request("GET", body["url"], timeout=10.0)
    assert download.status == 200 and download.data == expected_sms
    status, body = stack.call("POST", "/admin/reports/referrals", taipei["admin_key"], {"from": day_tw, "to": "x"})
    assert status == 400 and body["error"]["field"] == "to"
