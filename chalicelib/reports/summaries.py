"""What the console's Reports screen draws and lists: the nightly files by day, SMS per day, registrations by branch.

- :func:`nightly_files`: the day files the schedule wrote (``reports/{store}/{sms,referrals,lifecycle}/``) for
  the store's local days ``from..to``, one ListObjectsV2 per kind, each with a presigned URL.
- :func:`sms_per_day`: SMS sent per local day by message type and domestic/international: one Query per day
  on the SMS log (the partition the SMS report reads).
- :func:`registrations_by_branch`: members whose store referral was bound in the range, per branch, with the
  branch summary's percentages (largest remainder, adding up to 100.00): one Query per day.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from chalicelib.config import settings
from chalicelib.models import MemberModel
from chalicelib.models.sms import SmsLogModel
from chalicelib.reports.compiler import URL_EXPIRES_SECONDS, range_days
from chalicelib.reports.referrals import Names, branch_rows
from chalicelib.reports.s3stream import presigned_get, s3_client
from chalicelib.stores import get_store

FILE_KINDS = {"sms": "SMS report", "referrals": "Referral report", "lifecycle": "Lifecycle report"}


def nightly_files(store_id: str, start: str, end: str, now: datetime) -> dict[str, Any]:
    days = range_days(start, end, get_store(store_id).timezone, now)
    client, bucket = s3_client(), settings().reports_bucket
    by_day: dict[str, list[dict[str, Any]]] = {day: [] for day in days}
    for kind, label in FILE_KINDS.items():
        prefix = f"reports/{store_id}/{kind}/"
        answer = client.list_objects_v2(Bucket=bucket, Prefix=prefix, StartAfter=f"{prefix}{days[0]}",
                                        MaxKeys=3 * len(days) + 3)
        for item in answer.get("Contents", []):
            name = item["Key"][len(prefix):]
            day = name[:10]
            if day not in by_day:
                continue
            title = f"{label}, branch summary" if name.endswith("-branches.csv") else label
            by_day[day].append({"kind": kind, "title": title, "key": item["Key"], "size": int(item["Size"]),
                                "url": presigned_get(client, bucket, item["Key"], URL_EXPIRES_SECONDS)})
    return {"days": [{"day": day, "files": by_day[day]} for day in reversed(days)]}


def sms_per_day(store_id: str, start: str, end: str, now: datetime) -> dict[str, Any]:
    days = range_days(start, end, get_store(store_id).timezone, now)
    rows = []
    for day in days:
        by_type: Counter[str] = Counter()
        by_scope: Counter[str] = Counter()
        for item in SmsLogModel.query(f"{store_id}#{day}"):
            if item.status == "failed":
                continue
            by_type[item.message_type] += 1
            by_scope[item.scope] += 1
        rows.append({"day": day, "by_type": dict(sorted(by_type.items())),
                     "domestic": by_scope.get("domestic", 0), "international": by_scope.get("international", 0)})
    return {"days": rows}


def registrations_by_branch(store_id: str, start: str, end: str, now: datetime) -> dict[str, Any]:
    days = range_days(start, end, get_store(store_id).timezone, now)
    tally: Counter[str] = Counter()
    for day in days:
        for member in MemberModel.by_referral_day.query(f"{store_id}#{day}"):
            tally[member.referral_branch_id or ""] += 1
    names = Names(store_id)
    return {"total": sum(tally.values()),
            "branches": [{"branch": name, "members": int(count), "percentage": share}
                         for name, count, share in branch_rows(names, tally)]}
