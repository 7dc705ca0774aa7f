"""Compiling reports: the scheduled job (every store's ended local days) and on-demand ranges.

Scheduled keys, per store and local day D (CONTRACT.md "Reports")::

    reports/{store_id}/sms/{D}.csv
    reports/{store_id}/referrals/{D}.csv
    reports/{store_id}/referrals/{D}-branches.csv

A day is compiled when it has ended in the store's own time zone and one of its three objects is
missing (two ListObjectsV2 calls per store tell which). Missing days are looked for back to
``CATCH_UP_DAYS`` before today, never before the store existed: a scheduler that was down for a few
days catches up on its next run. Rows are streamed from Query pages to S3 parts, so memory does not
grow with the day's row count, and the same data always gives the same bytes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.logs import logger
from chalicelib.models import StoreModel
from chalicelib.models.reports import REGISTRY_PARTITION, StoreRegistryModel
from chalicelib.reports import csvfile, referrals, sms
from chalicelib.reports.s3stream import S3StreamWriter, presigned_get, s3_client
from chalicelib.stores import get_store

CATCH_UP_DAYS = 7
MAX_RANGE_DAYS = 31
KINDS = ("sms", "referrals")
URL_EXPIRES_SECONDS = 3600


@dataclass(frozen=True)
class Written:
    key: str
    rows: int


def day_keys(store_id: str, day: str) -> tuple[str, str, str]:
    base = f"reports/{store_id}"
    return f"{base}/sms/{day}.csv", f"{base}/referrals/{day}.csv", f"{base}/referrals/{day}-branches.csv"


def _filename(key: str) -> str:
    return key.rsplit("/", 2)[-2] + "-" + key.rsplit("/", 1)[-1]  # "sms-2024-05-01.csv"


def _stream(client: Any, bucket: str, key: str, header: Sequence[str], rows: Iterable[Sequence[object]],
            part_size: int | None = None) -> Written:
    encoder = csvfile.RowEncoder()
    count = 0
    extra = {"part_size": part_size} if part_size else {}
    with S3StreamWriter(client, bucket, key, _filename(key), **extra) as out:
        out.write(csvfile.header_bytes(header))
        for row in rows:
            out.write(encoder.encode(row))
            count += 1
    return Written(key, count)


def write_sms(client: Any, bucket: str, key: str, store: StoreModel, days: Sequence[str],
              part_size: int | None = None) -> Written:
    return _stream(client, bucket, key, sms.HEADER, sms.rows(store.store_id, days, store.timezone), part_size)


def write_referrals(client: Any, bucket: str, key: str, branches_key: str, store: StoreModel,
                    days: Sequence[str]) -> tuple[Written, Written]:
    names = referrals.Names(store.store_id)
    tally: Counter[str] = Counter()
    members = _stream(client, bucket, key, referrals.HEADER,
                      referrals.rows(store.store_id, days, store.timezone, names, tally))
    summary = _stream(client, bucket, branches_key, referrals.BRANCH_HEADER, referrals.branch_rows(names, tally))
    return members, summary


def compile_day(client: Any, bucket: str, store: StoreModel, day: str) -> dict[str, int]:
    """The three reports of one local day. The branch summary is written last: its presence means done."""
    sms_key, referrals_key, branches_key = day_keys(store.store_id, day)
    messages = write_sms(client, bucket, sms_key, store, [day])
    members, summary = write_referrals(client, bucket, referrals_key, branches_key, store, [day])
    counts = {"sms_rows": messages.rows, "referral_rows": members.rows, "branch_rows": summary.rows}
    logger.info("report compiled", extra={"store_id": store.store_id, "day": day, **counts})
    return counts


# --- the schedule ---------------------------------------------------------------------------------

def ended_days(timezone: str, registered_at: datetime, now: datetime, catch_up_days: int = CATCH_UP_DAYS) -> list[str]:
    """Local days that have ended, from the store's first day (at most ``catch_up_days`` back) to yesterday."""
    today = date.fromisoformat(clock.local_day(now, timezone))
    first = max(date.fromisoformat(clock.local_day(registered_at, timezone)), today - timedelta(days=catch_up_days))
    return [(first + timedelta(days=n)).isoformat() for n in range((today - first).days)]


def missing_days(client: Any, bucket: str, store_id: str, days: Sequence[str]) -> list[str]:
    """Days of ``days`` lacking one of their three objects: one ListObjectsV2 per folder, from the first day."""
    if not days:
        return []
    present: set[str] = set()
    for folder in ("sms", "referrals"):
        prefix = f"reports/{store_id}/{folder}/"
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix,
                                                                 StartAfter=prefix + days[0])
        for page in pages:
            present.update(item["Key"] for item in page.get("Contents", []))
    return [day for day in days if not set(day_keys(store_id, day)) <= present]


@dataclass
class RunSummary:
    stores: int = 0
    compiled: list[str] = field(default_factory=list)  # "<store_id>/<day>"
    failed: list[str] = field(default_factory=list)  # store ids


def run_scheduled(now: datetime, catch_up_days: int = CATCH_UP_DAYS) -> RunSummary:
    """Every registered store's ended, missing days. One store's failure never stops the others."""
    client, bucket = s3_client(), settings().reports_bucket
    summary = RunSummary()
    for entry in StoreRegistryModel.query(REGISTRY_PARTITION):
        summary.stores += 1
        try:
            store = StoreModel.get(entry.store_id)
            days = ended_days(store.timezone, entry.created_at, now, catch_up_days)
            for day in missing_days(client, bucket, store.store_id, days):
                compile_day(client, bucket, store, day)
                summary.compiled.append(f"{store.store_id}/{day}")
        except Exception:
            logger.exception("report compilation failed", extra={"store_id": entry.store_id})
            summary.failed.append(entry.store_id)
    logger.info("scheduled reports", extra={"stores": summary.stores, "compiled": len(summary.compiled),
                                            "failed": len(summary.failed)})
    return summary


# --- on demand ------------------------------------------------------------------------------------

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(value: str, name: str) -> date:
    try:
        if _DAY.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidRequest(f"'{name}' must be a date written YYYY-MM-DD", field=name)


def range_days(start: str, end: str, timezone: str, now: datetime) -> list[str]:
    """The local days from..to inclusive, checked: valid dates, from <= to, at most MAX_RANGE_DAYS, not future."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    if first > last:
        raise InvalidRequest("'from' must not be after 'to'", field="from")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidRequest(f"a report covers at most {MAX_RANGE_DAYS} days", field="to")
    today = date.fromisoformat(clock.local_day(now, timezone))
    if last > today:
        raise InvalidRequest(f"'to' is after the store's today ({today.isoformat()})", field="to")
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def on_demand(store_id: str, kind: str, start: str, end: str, now: datetime) -> dict[str, str]:
    """Compile the range into ``reports/{store}/on-demand/{kind}/{from}_{to}.csv``; answer its key and a URL."""
    if kind not in KINDS:
        raise NotFound(f"no report called {kind}")
    store = get_store(store_id)
    days = range_days(start, end, store.timezone, now)
    client, bucket = s3_client(), settings().reports_bucket
    base = f"reports/{store_id}/on-demand/{kind}/{days[0]}_{days[-1]}"
    answer: dict[str, str] = {}
    if kind == "sms":
        written = write_sms(client, bucket, base + ".csv", store, days)
    else:
        written, summary = write_referrals(client, bucket, base + ".csv", base + "-branches.csv", store, days)
        answer.update(branches_key=summary.key, branches_url=presigned_get(client, bucket, summary.key,
                                                                           URL_EXPIRES_SECONDS))
    logger.info("report on demand", extra={"store_id": store_id, "kind": kind, "days": len(days),
                                           "rows": written.rows})
    return {"key": written.key, "url": presigned_get(client, bucket, written.key, URL_EXPIRES_SECONDS), **answer}
