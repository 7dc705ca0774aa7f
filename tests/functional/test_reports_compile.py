"""Report compilation and the on-demand routes, in-process AWS (moto): real S3 objects, real CSV parsing."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from chalicelib import clock, stores
from chalicelib.models import MemberModel
from chalicelib.reports.compiler import day_keys, run_scheduled
from chalicelib.reports.s3stream import S3StreamWriter
from tests.conftest import call
from tests.support_reports import (
    BRANCH_HEADER,
    BUCKET,
    REFERRAL_HEADER,
    SMS_HEADER,
    TW,
    batch_write,
    csv_bytes,
    local_midnight_after,
    member_item,
    parse_csv,
    read_object,
    seed_day,
    table_name,
)


def test_scheduled_run_writes_each_ended_day_once_and_rewrites_the_same_bytes(store, other_store):
    s3 = boto3.client("s3")
    created = clock.now()
    day_start = local_midnight_after(created, TW)  # the first full local day after the store was created
    day = clock.local_day(day_start, TW)
    seed_day(store.store_id, day_start)
    seed_day(other_store.store_id, day_start + timedelta(hours=1))

    # Before the day has ended in Taipei, nothing for it.
    summary = run_scheduled(day_start + timedelta(hours=23, minutes=59))
    assert f"{store.store_id}/{day}" not in summary.compiled
    summary = run_scheduled(day_start + timedelta(days=1, minutes=1))
    assert f"{store.store_id}/{day}" in summary.compiled and f"{other_store.store_id}/{day}" in summary.compiled

    sms_key, referrals_key, branches_key = day_keys(store.store_id, day)
    first = read_object(s3, BUCKET, sms_key)
    local = day_start.astimezone(__import__("zoneinfo").ZoneInfo(TW))
    assert first == csv_bytes(
        SMS_HEADER,
        ["886", "912345678", (local + timedelta(minutes=1)).isoformat(), "Amazon SNS", "Verification", "1",
         "Domestic", "Sent"],
        ["81", "9012345678", (local + timedelta(minutes=2)).isoformat(), "Amazon SNS", "Password Reset", "2",
         "International", "Failed"],
        ["886", "987654321", (local + timedelta(minutes=3)).isoformat(), "Amazon SNS", "Member Notification", "1",
         "Domestic", "Sent"])
    assert first.decode("utf-8-sig").splitlines()[1].split(",")[2].endswith("+08:00")
    assert read_object(s3, BUCKET, referrals_key) == csv_bytes(REFERRAL_HEADER)
    assert parse_csv(read_object(s3, BUCKET, branches_key)) == [BRANCH_HEADER]
    head = s3.head_object(Bucket=BUCKET, Key=sms_key)
    assert head["ContentType"] == "text/csv; charset=utf-8"

    # Nothing missing: a second run writes nothing; a deleted day is rewritten with the same bytes.
    again = run_scheduled(day_start + timedelta(days=1, minutes=2))
    assert f"{store.store_id}/{day}" not in again.compiled
    s3.delete_object(Bucket=BUCKET, Key=branches_key)
    s3.delete_object(Bucket=BUCKET, Key=sms_key)
    rerun = run_scheduled(day_start + timedelta(days=1, minutes=3))
    assert f"{store.store_id}/{day}" in rerun.compiled
    assert read_object(s3, BUCKET, sms_key) == first
    # Tenancy: the other store's file has only its own rows.
    other = parse_csv(read_object(s3, BUCKET, day_keys(other_store.store_id, day)[0]))
    assert len(other) == 4 and other[1][2] == (local + timedelta(hours=1, minutes=1)).isoformat()


def test_a_scheduler_down_for_days_catches_up_at_most_a_week(store):
    s3 = boto3.client("s3")
    created = clock.now()
    later = created + timedelta(days=12)
    summary = run_scheduled(later)
    days = sorted(c.split("/")[1] for c in summary.compiled if c.startswith(store.store_id))
    today = clock.local_day(later, TW)
    assert len(days) == 7 and days[-1] < today
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"reports/{store.store_id}/sms/")["Contents"]
    assert sorted(o["Key"] for o in listed) == [day_keys(store.store_id, d)[0] for d in days]


def test_referral_report_names_branch_and_staff_and_escapes_formulas(store):
    s3 = boto3.client("s3")
    now = clock.now()
    taipei = stores.create_branch(store.store_id, "Taipei Flagship", now)
    banqiao = stores.create_branch(store.store_id, "=Banqiao", now)
    stores.create_branch(store.store_id, "Hsinchu", now)
    amy = stores.create_staff(store.store_id, "Amy Staff", taipei.branch_id, now).staff
    bob = stores.create_staff(store.store_id, "Bob", banqiao.branch_id, now).staff
    start = local_midnight_after(now, TW)
    day = clock.local_day(start, TW)
    same = start + timedelta(hours=2)
    members = [
        member_item(store.store_id, TW, "mb_c", "王小明", "+886912000003", same, taipei.branch_id, amy.staff_id),
        member_item(store.store_id, TW, "mb_a", '=HYPERLINK("http://x","y")', "+886912000001", same,
                    taipei.branch_id, amy.staff_id),
        member_item(store.store_id, TW, "mb_b", "Chen, Bo", "+886912000002", start + timedelta(hours=1),
                    banqiao.branch_id, bob.staff_id),
        member_item(store.store_id, TW, "mb_d", "Next Day", "+886912000004", start + timedelta(days=1, hours=1),
                    banqiao.branch_id, bob.staff_id),
    ]
    batch_write(boto3.client("dynamodb"), table_name(MemberModel), members)
    run_scheduled(start + timedelta(days=1, minutes=5))

    _, referrals_key, branches_key = day_keys(store.store_id, day)
    data = read_object(s3, BUCKET, referrals_key)
    local = lambda moment: moment.astimezone(__import__("zoneinfo").ZoneInfo(TW)).isoformat()  # noqa: E731
    assert parse_csv(data) == [
        REFERRAL_HEADER,
        ["mb_b", "Chen, Bo", "'+886912000002", local(start + timedelta(hours=1)), "'=Banqiao", "Bob"],
        ["mb_a", "'=HYPERLINK(\"http://x\",\"y\")", "'+886912000001", local(same), "Taipei Flagship", "Amy Staff"],
        ["mb_c", "王小明", "'+886912000003", local(same), "Taipei Flagship", "Amy Staff"],
    ]
    assert parse_csv(read_object(s3, BUCKET, branches_key)) == [
        BRANCH_HEADER, ["Taipei Flagship", "2", "66.67"], ["'=Banqiao", "1", "33.33"], ["Hsinchu", "0", "0.00"]]


def test_large_report_goes_out_in_parts_and_a_failure_leaves_nothing(aws):
    s3 = boto3.client("s3")
    chunk = b"x" * (1024 * 1024)
    with S3StreamWriter(s3, BUCKET, "reports/t/big.csv", "big.csv", part_size=5 * 1024 * 1024) as out:
        for _ in range(11):
            out.write(chunk)
    body = read_object(s3, BUCKET, "reports/t/big.csv")
    assert body == chunk * 11
    assert s3.head_object(Bucket=BUCKET, Key="reports/t/big.csv")["ETag"].endswith('-3"')  # three parts

    with pytest.raises(RuntimeError), S3StreamWriter(s3, BUCKET, "reports/t/broken.csv", "broken.csv",
                                                     part_size=5 * 1024 * 1024) as out:
        for _ in range(6):
            out.write(chunk)
        raise RuntimeError("the Query failed half-way")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="reports/t/broken")
    assert not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")


def _post(client, path, key, body):
    return call(client, "POST", path, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, body)


def test_on_demand_range_equals_the_scheduled_days_and_is_presigned(client, store, other_store):
    s3 = boto3.client("s3")
    start = local_midnight_after(clock.now(), TW)
    seed_day(store.store_id, start)
    seed_day(other_store.store_id, start)
    first, second = clock.local_day(start, TW), clock.local_day(start + timedelta(days=1), TW)
    clock.advance((start - clock.now()).total_seconds() + 2 * 86400 + 60)
    run_scheduled(clock.now())

    status, body = _post(client, "/admin/reports/sms", store.admin_key, {"from": first, "to": first})
    assert status == 200 and body["key"] == f"reports/{store.store_id}/on-demand/sms/{first}_{first}.csv"
    assert read_object(s3, BUCKET, body["key"]) == read_object(s3, BUCKET, day_keys(store.store_id, first)[0])
    assert body["url"].startswith("https://") and "X-Amz-Signature=" in body["url"] and body["key"] in body["url"]

    status, body = _post(client, "/admin/reports/sms", store.admin_key, {"from": first, "to": second})
    rows = parse_csv(read_object(s3, BUCKET, body["key"]))
    assert rows[0] == SMS_HEADER and len(rows) == 1 + 4  # both days, one header

    status, body = _post(client, "/admin/reports/referrals", store.admin_key, {"from": first, "to": second})
    assert status == 200 and body["key"].endswith(f"/on-demand/referrals/{first}_{second}.csv")
    assert body["branches_key"].endswith(f"{first}_{second}-branches.csv") and body["branches_url"]
    assert parse_csv(read_object(s3, BUCKET, body["key"])) == [REFERRAL_HEADER]


@pytest.mark.parametrize(("body", "field"), [
    ({"from": "2024-05-02"}, "to"),
    ({"from": "2024-05-02", "to": "2024-05-01"}, "from"),
    ({"from": "2024-13-01", "to": "2024-05-01"}, "from"),
    ({"from": "2024-01-01", "to": "2024-03-01"}, "to"),
    ({"from": "2024-01-01", "to": "2999-01-01"}, "to"),
    ({"from": 20240101, "to": "2024-01-02"}, "from"),
    ({"from": "2024-01-01", "to": "2024-01-02", "store_id": "st_x"}, "store_id"),
])
def test_bad_ranges_are_400_naming_the_field(client, store, body, field):
    status, answer = _post(client, "/admin/reports/referrals", store.admin_key, body)
    assert status == 400 and answer["error"]["field"] == field


def test_reports_need_the_admin_key(client, store):
    body = {"from": "2024-01-01", "to": "2024-01-01"}
    assert _post(client, "/admin/reports/sms", "nope", body)[0] == 401
    assert _post(client, "/admin/reports/sms", store.storefront_key, body)[0] == 403
