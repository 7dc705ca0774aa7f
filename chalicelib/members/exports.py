"""Customer exports: the customer list as a CSV of any size, built in the background in chunks.

``POST /admin/customer-exports`` stores the export (``running``) and hands it to the worker: on AWS an
asynchronous invoke of the ``customer_export`` function (``InvocationType=Event``), locally the same
function in process (as the marketing send does). The worker reads the list a page at a time
(``members/listing.py``: the same pages, filters and order as ``GET /admin/members``) and writes the rows
into one S3 multipart upload. When its invocation has used :data:`BUDGET_SECONDS` it saves where it is
(cursor, upload id, parts, rows) on the export item and invokes a fresh one: no invocation runs past
Lambda's limit, whatever the store's size.

S3 takes parts of at least 5 MiB (except the last), so a hand-off with a shorter tail leaves the tail in
a ``.carry`` object that the next invocation reads back first. Each hand-off bumps ``step`` in a
conditional update: a repeated invoke of an old step finds another step and does nothing.

Cells are formula-safe (``reports/csvfile.py``: a leading ``= + - @`` tab or CR is quoted with ``'``);
the file is UTF-8 with a BOM and CRLF lines, like the reports.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import clock, handoff, tokens
from chalicelib.config import settings
from chalicelib.consent import state
from chalicelib.errors import NotFound
from chalicelib.lifecycle.stages import LABELS
from chalicelib.logs import logger
from chalicelib.members import listing
from chalicelib.models.customers import CustomerExportModel
from chalicelib.models.members import MemberModel
from chalicelib.reports.csvfile import RowEncoder, header_bytes
from chalicelib.reports.referrals import Names
from chalicelib.reports.s3stream import CONTENT_TYPE, presigned_get, s3_client
from chalicelib.reports.sms import local_time
from chalicelib.sms.phones import from_e164
from chalicelib.stores import get_store

HEADER = ("Member ID", "Name", "Mobile Number", "International Calling Code", "Email", "Phone Verified",
          "Email Verified", "Tags", "Member Since", "Lifecycle Stage", "Accepts Email Marketing",
          "Accepts SMS Marketing", "Blacklisted", "Store Referral Binding Time", "Referral Branch",
          "Store Referral Staff")
PAGE_SIZE = 1000  # members per list page: one Query (DynamoDB stops a page at 1 MB anyway)
BUDGET_SECONDS = 600.0  # an invocation hands on after 10 minutes (Lambda's limit is 15)
PART_SIZE = 8 * 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024  # S3's smallest part but the last
URL_EXPIRES_SECONDS = 3600
EXPORT_FUNCTION_ENV = "CUSTOMER_EXPORT_FUNCTION"  # set by the template to the worker function's name
RUNNING, DONE, FAILED = "running", "done", "failed"


def _yes(value: bool) -> str:
    return "Y" if value else "N"


def row(member: MemberModel, zone: ZoneInfo, names: Names) -> list[str]:
    """One member as the export's columns (``HEADER``)."""
    code, national = "", ""
    if member.phone:
        try:
            phone = from_e164(member.phone)
            code, national = phone.calling_code, phone.national_number
        except Exception:  # a stored number this build cannot parse: the digits as stored
            national = member.phone.lstrip("+")
    referral = member.referral_staff_id or member.referral_branch_id
    return [
        member.member_id, member.name, national, code, member.email or "",
        _yes(bool(member.phone and member.phone_verified)), _yes(bool(member.email and member.email_verified)),
        ", ".join(sorted(member.tags or [])), local_time(member.created_at, zone),
        LABELS.get(member.lifecycle_stage or "", ""),
        _yes(state.may_receive(member, "email_marketing")), _yes(state.may_receive(member, "sms_marketing")),
        _yes(member.blacklisted_at is not None),
        local_time(member.referral_bound_at, zone) if member.referral_bound_at else "",
        names.branch(member.referral_branch_id) if referral else "",
        names.staff(member.referral_staff_id),
    ]


# ---------------------------------------------------------------- the request


def start_export(store_id: str, filters: listing.Filters, now: datetime) -> CustomerExportModel:
    """Store a running export and hand it to the worker."""
    export_id = tokens.new_id("ex")
    day = now.astimezone(ZoneInfo(get_store(store_id).timezone)).date().isoformat()
    export = CustomerExportModel(store_id, export_id, filters=json.dumps(filters.as_dict()), state=RUNNING, rows=0,
                                 step=0, key=f"reports/{store_id}/customers/{day}-{export_id}.csv", created_at=now)
    export.save(condition=CustomerExportModel.export_id.does_not_exist())
    hand_off({"store_id": store_id, "export_id": export_id, "step": 0})
    return export


def get_export(store_id: str, export_id: str) -> CustomerExportModel:
    if not export_id.startswith("ex_") or len(export_id) > 64:
        raise NotFound(f"export {export_id} not found")
    try:
        return CustomerExportModel.get(store_id, export_id)
    except DoesNotExist:
        raise NotFound(f"export {export_id} not found") from None


def download_url(export: CustomerExportModel) -> str | None:
    if export.state != DONE:
        return None
    return presigned_get(s3_client(), settings().reports_bucket, export.key, URL_EXPIRES_SECONDS)


# ---------------------------------------------------------------- the worker


def hand_off(event: dict[str, Any]) -> None:
    """The rest of an export to a fresh invocation of the worker (chalicelib/handoff.py)."""
    handoff.hand_off(EXPORT_FUNCTION_ENV, event)


class _Upload:
    """The CSV's multipart upload across invocations: a buffer, and the parts already sent."""

    def __init__(self, client: Any, bucket: str, export: CustomerExportModel) -> None:
        self.client, self.bucket, self.key = client, bucket, export.key
        self.upload_id = export.upload_id
        self.parts: list[dict[str, Any]] = json.loads(export.parts or "[]")
        self.buffer = bytearray()
        self.carry_key = f"{export.key}.carry"

    def start(self, export: CustomerExportModel) -> None:
        if export.step == 0:
            self.buffer += header_bytes(HEADER)
        elif export.carry:
            self.buffer += self.client.get_object(Bucket=self.bucket, Key=self.carry_key)["Body"].read()

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= PART_SIZE:
            self._part()

    def _part(self) -> None:
        if self.upload_id is None:
            self.upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=CONTENT_TYPE,
                ContentDisposition='attachment; filename="customers.csv"')["UploadId"]
        number = len(self.parts) + 1
        answer = self.client.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                         PartNumber=number, Body=bytes(self.buffer))
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self.buffer = bytearray()

    def pause(self) -> bool:
        """Before a hand-off: a long enough tail becomes a part, a short one the carry object. True if carried."""
        if len(self.buffer) >= MIN_PART_SIZE:
            self._part()
        if not self.buffer:
            return False
        self.client.put_object(Bucket=self.bucket, Key=self.carry_key, Body=bytes(self.buffer))
        return True

    def finish(self) -> None:
        if self.upload_id is None:
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer), ContentType=CONTENT_TYPE,
                                   ContentDisposition='attachment; filename="customers.csv"')
        else:
            if self.buffer:
                self._part()
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                                  MultipartUpload={"Parts": self.parts})
        self.client.delete_object(Bucket=self.bucket, Key=self.carry_key)

    def abort(self) -> None:
        if self.upload_id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


def run(event: dict[str, Any], now: datetime) -> None:
    """The worker: pages of the list until done or out of :data:`BUDGET_SECONDS`, then hands the rest on."""
    started, budget_seconds, page_size = time.monotonic(), BUDGET_SECONDS, PAGE_SIZE
    store_id, export_id, step = str(event["store_id"]), str(event["export_id"]), int(event["step"])
    try:
        export = CustomerExportModel.get(store_id, export_id, consistent_read=True)
    except DoesNotExist:
        return
    if export.state != RUNNING or int(export.step) != step:
        return  # finished, failed, or a repeated invoke of a step already done
    upload = _Upload(s3_client(), settings().reports_bucket, export)
    try:
        filters = listing.Filters.from_dict(json.loads(export.filters))
        zone, names, encoder = ZoneInfo(get_store(store_id).timezone), Names(store_id), RowEncoder()
        upload.start(export)
        start = json.loads(export.cursor) if export.cursor else None
        rows = 0
        while True:
            members, start = listing.page(store_id, filters, page_size, start)
            for member in members:
                upload.write(encoder.encode(row(member, zone, names)))
            rows += len(members)
            if start is None or time.monotonic() - started > budget_seconds:
                break
        E = CustomerExportModel
        if start is None:
            upload.finish()
            export.update(actions=[E.rows.add(rows), E.state.set(DONE), E.finished_at.set(clock.now()),
                                   E.cursor.remove()], condition=E.step == step)
            logger.info("customer export done", extra={"export_id": export_id, "rows": int(export.rows)})
            return
        carried = upload.pause()
        export.update(actions=[E.rows.add(rows), E.step.set(step + 1), E.cursor.set(json.dumps(start)),
                               E.upload_id.set(upload.upload_id) if upload.upload_id else E.upload_id.remove(),
                               E.parts.set(json.dumps(upload.parts)), E.carry.set(carried)],
                      condition=E.step == step)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        logger.info("customer export step taken by another invocation", extra={"export_id": export_id})
        return
    except Exception:
        logger.exception("customer export failed", extra={"export_id": export_id})
        upload.abort()
        CustomerExportModel(store_id, export_id).update(actions=[CustomerExportModel.state.set(FAILED),
                                                                 CustomerExportModel.finished_at.set(clock.now())])
        return
    hand_off({"store_id": store_id, "export_id": export_id, "step": step + 1})
