"""Seeding report data the way issues 5 (SMS log) and 6 (referrals) write it, as raw DynamoDB items.

Items are built with the shared models (so attribute formats are the models' own) and written with
boto3's ``batch_write_item``: the same helpers seed moto in-process and the local stack over HTTP.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from chalicelib import clock
from chalicelib.models import MemberModel, SmsLogModel


@dataclass(frozen=True)
class Sms:
    calling_code: str
    national_number: str
    sent_at: datetime
    segments: int
    scope: str = "domestic"
    status: str = "sent"
    message_type: str = "verification"
    agent: str = "Amazon SNS"


def sms_item(store_id: str, timezone: str, sms: Sms, n: int = 0) -> dict[str, Any]:
    sent = sms.sent_at
    item = SmsLogModel(f"{store_id}#{clock.local_day(sent, timezone)}",
                       f"{sent.strftime('%Y-%m-%dT%H:%M:%S.%f')}#{n:06d}", store_id=store_id,
                       phone=f"+{sms.calling_code}{sms.national_number}", calling_code=sms.calling_code,
                       national_number=sms.national_number, sent_at=sent, agent=sms.agent,
                       message_type=sms.message_type, segments=sms.segments, scope=sms.scope, status=sms.status,
                       provider_message_id=f"msg-{n}")
    return item.serialize()


def member_item(store_id: str, timezone: str, member_id: str, name: str, phone: str, bound_at: datetime,
                branch_id: str | None, staff_id: str | None) -> dict[str, Any]:
    item = MemberModel(store_id, member_id, name=name, name_lower=name.lower(), phone=phone,
                       phone_verified=True, referral_staff_id=staff_id, referral_branch_id=branch_id,
                       referral_bound_at=bound_at,
                       referral_day=f"{store_id}#{clock.local_day(bound_at, timezone)}",
                       referral_bound_at_key=bound_at.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
                       created_at=bound_at, updated_at=bound_at)
    return item.serialize()


def batch_write(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def table_name(model: Any) -> str:
    return str(model.Meta.table_name)


def read_object(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def parse_csv(data: bytes) -> list[list[str]]:
    """What Excel or pandas would read: the BOM is consumed, quoting undone."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM expected"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_bytes(*rows: list[str]) -> bytes:
    """The exact bytes a report with these (already escaped) rows must have."""
    return "\ufeff".encode() + b"".join((",".join(row) + "\r\n").encode() for row in rows)


SMS_HEADER = ["International Calling Code", "Sent Mobile Number", "Sent Time", "SMS Agent", "Message Type",
              "Sent Messages Count", "Domestic/International", "Status"]
REFERRAL_HEADER = ["Member ID", "Member Name", "Mobile Number", "Store Referral Binding Time",
                   "Referral Branch", "Store Referral Staff"]
BRANCH_HEADER = ["Branch", "Members Registered", "Percentage"]


BUCKET = os.environ["REPORTS_BUCKET"]  # the local stage's, from .chalice/config.json (tests/conftest.py)


TW = "Asia/Taipei"


def local_midnight_after(moment: datetime, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(tz))
    return (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).astimezone(UTC)


def seed_day(store_id: str, start: datetime) -> None:
    """Three SMS of the store's day starting at ``start`` (UTC) and one of the next day."""
    items = [
        sms_item(store_id, TW, Sms("886", "912345678", start + timedelta(minutes=1), 1), 1),
        sms_item(store_id, TW, Sms("81", "9012345678", start + timedelta(minutes=2), 2, scope="international",
                                   status="failed", message_type="password_reset"), 2),
        sms_item(store_id, TW, Sms("886", "987654321", start + timedelta(minutes=3), 1,
                                   message_type="member_notification"), 3),
        sms_item(store_id, TW, Sms("886", "900000000", start + timedelta(days=1, minutes=1), 1), 4),
    ]
    batch_write(boto3.client("dynamodb"), table_name(SmsLogModel), items)
