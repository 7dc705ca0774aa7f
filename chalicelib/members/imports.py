"""Customer CSV import: preview (``dry_run``) and import of a spreadsheet's customer list.

The file is the store's import template, ``Name, Email, Mobile Number, International Calling Code,
Is Member``: header order free, names matched without regard to case or surrounding spaces, a UTF-8
BOM and CRLF line ends tolerated. Up to :data:`MAX_ROWS` rows per request.

How one request goes (10,000 new customers cost about 0.06 DynamoDB calls per row):

1. Parse and check every row (pure): a bad row gets its reasons, the others go on.
2. Match: one ``BatchGetItem`` per 100 identities (``email#...``, ``phone#...``) of the good rows, then
   one per 100 matched members. A row whose email and phone point at two different customers, or
   whose phone belongs to another customer than the row's email, is a row error; so is a second row
   for the same customer in one file.
3. Write (not on a dry run):
   - new customers: ``BatchWriteItem`` (25 items: 8 customers with their member item and identity
     items per call), because step 2 just read their identities as absent. This is the one place
     uniqueness rests on a read instead of a condition: a sign-up of the same number committing in
     the moment between step 2 and this write would lose its identity item to the import. The
     window is the request's own duration; docs/members.md weighs it.
   - matched customers that change: one ``UpdateItem`` conditioned on the member existing; when the
     customer gains a phone or an email, a ``TransactWriteItems`` with the identity's
     ``attribute_not_exists`` (so such an update can never take a number from anyone).

Rows that match a customer and change nothing are ``status: "update"`` with ``changed: false``: they
count in ``unchanged``, not in ``updated``, and are not written at all (``updated_at`` stays). So
importing the same file twice creates nothing, writes nothing and reports ``updated: 0``.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib.consent import state
from chalicelib.errors import ApiError, InvalidRequest, PayloadTooLarge
from chalicelib.members.core import (
    MAX_EMAIL_LENGTH,
    check_email,
    email_identity,
    identity_items,
    member_item,
    phone_identity,
)
from chalicelib.models.consents import ConsentEventModel
from chalicelib.models.members import MemberIdentityModel, MemberModel
from chalicelib.models.transactions import NamedTransaction, connection

MAX_ROWS = 10_000
# API Gateway takes up to 10 MB, a synchronous Lambda event up to 6 MB: 5 MB leaves room for the
# event's envelope. A 10,000-row export is about 0.8 MB.
MAX_BYTES = 5 * 1024 * 1024
MAX_NAME_LENGTH = 120

COLUMNS = {  # the template's header -> our field
    "name": "name",
    "email": "email",
    "mobile number": "mobile",
    "international calling code": "calling_code",
    "is member": "is_member",
}
TEMPLATE_HEADER = "Name,Email,Mobile Number,International Calling Code,Is Member"
# Optional marketing consent (Shopify's export names): Y subscribes as of Consent Date; N or empty changes nothing,
# because an old export must not undo a consent the member gave since.
OPTIONAL_COLUMNS = {
    "accepts email marketing": "accepts_email",
    "accepts sms marketing": "accepts_sms",
    "consent date": "consent_date",
}
CONSENT_COLUMNS = {"accepts_email": ("email_marketing", "Accepts Email Marketing"),
                   "accepts_sms": ("sms_marketing", "Accepts SMS Marketing")}

PHONE_TAKEN = "Mobile Number: belongs to another customer"
EMAIL_TAKEN = "Email: belongs to another customer"


@dataclass
class Row:
    line: int
    name: str = ""
    email: str | None = None
    phone: str | None = None  # E.164, only when imported (Is Member = Y with both phone columns)
    is_member: bool = False
    errors: list[str] = field(default_factory=list)
    member_id: str | None = None  # the matched (or created) customer
    created: bool = False
    changed: bool = False
    # what an update adds to the matched member
    new_name: bool = False
    new_email: bool = False
    new_phone: bool = False
    raise_member: bool = False
    subscribe: list[str] = field(default_factory=list)  # purposes ticked Y
    consent_at: datetime | None = None

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "create" if self.created else "update"

    def view(self) -> dict[str, Any]:
        ok = not self.errors
        return {"line": self.line, "status": self.status, "errors": self.errors,
                "mobile": self.phone if ok else None, "member_id": self.member_id if ok else None,
                "changed": ok and (self.created or self.changed)}


def too_large(what: str, limit: str) -> ApiError:
    return PayloadTooLarge(f"the file has more than {limit}; a customer import takes up to {MAX_ROWS:,} rows "
                           f"and {MAX_BYTES // (1024 * 1024)} MB per request: split the file",
                           limit=what, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)


# ---------------------------------------------------------------- parsing


def _header(cells: list[str]) -> tuple[dict[str, int], int]:
    """Column index of each field, and the header's width (trailing empty cells dropped)."""
    names = [" ".join(cell.split()).lower() for cell in cells]
    while names and not names[-1]:
        names.pop()
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        key = COLUMNS.get(name) or OPTIONAL_COLUMNS.get(name)
        if key is None:
            raise InvalidRequest(f"unknown column '{cells[position].strip()}' in the header; the template is "
                                 f"'{TEMPLATE_HEADER}'", field="header", code="invalid_csv")
        if key in index:
            raise InvalidRequest(f"column '{cells[position].strip()}' appears twice in the header", field="header",
                                 code="invalid_csv")
        index[key] = position
    missing = [title for title, key in zip(TEMPLATE_HEADER.split(","), COLUMNS.values(), strict=True)
               if key not in index]
    if missing:
        raise InvalidRequest(f"the header lacks {', '.join(repr(m) for m in missing)}; the template is "
                             f"'{TEMPLATE_HEADER}'", field="header", code="invalid_csv")
    return index, len(cells)


def read_csv(raw: bytes) -> Iterator[tuple[int, dict[str, str] | None, int, int]]:
    """Yield ``(line, cells by field, cell count, header width)`` per non-blank record; cells None for too
    many columns.

    ``line`` is the file line the record starts on (the header is line 1).
    """
    if len(raw) > MAX_BYTES:
        raise too_large("bytes", f"{MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest("the file is not UTF-8 text; save it as 'CSV UTF-8'", field="body",
                             code="invalid_csv") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader, None)
        while first is not None and not any(cell.strip() for cell in first):
            first = next(reader, None)
        if first is None:
            raise InvalidRequest(f"the file is empty; the first line must be the header '{TEMPLATE_HEADER}'",
                                 field="body", code="invalid_csv")
        index, width = _header(first)
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                yield line, None, len(cells), width
                continue
            yield line, {key: (cells[pos].strip() if pos < len(cells) else "") for key, pos in index.items()}, \
                len(cells), width
    except csv.Error as exc:
        raise InvalidRequest(f"the file is not valid CSV near line {reader.line_num}: {exc}", field="body",
                             code="invalid_csv") from None


def check_row(line: int, cells: dict[str, str] | None, count: int, width: int, country: str | None) -> Row:
    """One record's checks (no I/O): the reasons it cannot be imported, or what it imports."""
    from chalicelib.sms.phones import parse_phone  # phonenumbers loads only for an import

    row = Row(line)
    if cells is None:
        row.errors.append(f"too many columns: {count}, the header has {width}")
        return row
    row.name = " ".join(cells["name"].split())
    if not row.name:
        row.errors.append("Name: required")
    elif len(row.name) > MAX_NAME_LENGTH:
        row.errors.append(f"Name: longer than {MAX_NAME_LENGTH} characters")
    if cells["email"]:
        try:
            row.email = check_email(cells["email"][:MAX_EMAIL_LENGTH + 1], "Email")
        except InvalidRequest:
            row.errors.append("Email: not a valid email address")
    flag = cells["is_member"].upper()
    if flag not in ("Y", "N"):
        row.errors.append("Is Member: must be Y or N" if flag else "Is Member: required (Y or N)")
    row.is_member = flag == "Y"
    number, code = cells["mobile"], cells["calling_code"]
    if row.is_member and (number or code):
        if not number or not code:
            row.errors.append("Mobile Number: needs both 'Mobile Number' and 'International Calling Code'")
        else:
            try:
                row.phone = parse_phone({"calling_code": code, "number": number}, country).e164
            except InvalidRequest:
                row.errors.append("Mobile Number: not a valid mobile number for that International Calling Code")
    _check_consents(row, cells)
    if not row.errors and not row.email and not row.phone:
        row.errors.append("needs an Email, or a mobile number with Is Member = Y, to find the customer again")
    return row


def _check_consents(row: Row, cells: dict[str, str]) -> None:

    for key, (purpose, title) in CONSENT_COLUMNS.items():
        flag = cells.get(key, "").upper()
        if flag not in ("", "Y", "N"):
            row.errors.append(f"{title}: must be Y or N")
        elif flag == "Y":
            row.subscribe.append(purpose)
    raw_date = cells.get("consent_date", "")
    if row.subscribe and not raw_date:
        row.errors.append("Consent Date: required when a customer accepts marketing (YYYY-MM-DD)")
    elif raw_date:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            row.errors.append("Consent Date: must be a date such as 2024-05-31")
            return
        row.consent_at = datetime(day.year, day.month, day.day, tzinfo=UTC)


def consent_origin(row: Row) -> Any:

    assert row.consent_at is not None
    return state.Origin(source="csv_import", actor="import", at=row.consent_at)


def consent_changes(row: Row) -> list[Any]:

    return [state.Change(purpose, "subscribe") for purpose in row.subscribe]


def parse_rows(raw: bytes, country: str | None) -> list[Row]:
    """Every record of the file checked; 413 over :data:`MAX_ROWS`, 400 ``invalid_csv`` for an unreadable file."""
    rows: list[Row] = []
    for line, cells, count, width in read_csv(raw):
        if len(rows) == MAX_ROWS:
            raise too_large("rows", f"{MAX_ROWS:,} rows")
        rows.append(check_row(line, cells, count, width, country))
    return rows


# ---------------------------------------------------------------- matching


def _identities(row: Row) -> list[str]:
    found = []
    if row.email:
        found.append(email_identity(row.email))
    if row.phone:
        found.append(phone_identity(row.phone))
    return found


def match_rows(store_id: str, rows: list[Row]) -> dict[str, MemberModel]:
    """Decide create / update / error for every good row (reads only); returns the matched members."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.errors:
            continue
        for identity in _identities(row):
            if identity in seen:
                column = "Email" if identity.startswith("email#") else "Mobile Number"
                row.errors.append(f"{column}: also on line {seen[identity]}; each customer once per file")
        if not row.errors:
            for identity in _identities(row):
                seen[identity] = row.line
    owners = {item.identity: item.member_id for item in
              MemberIdentityModel.batch_get([(store_id, identity) for identity in seen],
                                            attributes_to_get=["identity", "member_id"])}
    claimed: dict[str, int] = {}
    for row in rows:
        if row.errors:
            continue
        by_email = owners.get(email_identity(row.email)) if row.email else None
        by_phone = owners.get(phone_identity(row.phone)) if row.phone else None
        if by_email and by_phone and by_email != by_phone:
            row.errors.append(f"{PHONE_TAKEN} than the one with this Email")
            continue
        row.member_id = by_email or by_phone
        if row.member_id is None:
            row.created = True
        elif row.member_id in claimed:
            row.errors.append(f"same customer as line {claimed[row.member_id]}; each customer once per file")
        else:
            claimed[row.member_id] = row.line
    members = {member.member_id: member for member in
               MemberModel.batch_get([(store_id, member_id) for member_id in claimed],
                                     attributes_to_get=["member_id", "name", "email", "phone", "is_member",
                                                        "email_marketing", "sms_marketing"])}
    for row in rows:
        if row.errors or row.created:
            continue
        member = members.get(row.member_id or "")
        if member is None:  # an identity left without its member (an import cut short): write it anew
            row.member_id, row.created = None, True
            continue
        _compare(row, member)
    return members


def _compare(row: Row, member: MemberModel) -> None:
    """What an update would change on ``member``; an error when it would replace a phone or an email."""
    if row.phone and row.phone != member.phone:
        if member.phone:
            row.errors.append("Mobile Number: the customer with this Email has another mobile number")
            return
        row.new_phone = True
    if row.email and (member.email or "").lower() != row.email.lower():
        if member.email:
            row.errors.append("Email: the customer with this mobile number has another email")
            return
        row.new_email = True
    row.new_name = row.name != member.name
    row.raise_member = row.is_member and not member.is_member

    row.subscribe = [p for p in row.subscribe if state.state_of(member, p) != state.SUBSCRIBED]
    row.changed = row.new_phone or row.new_email or row.new_name or row.raise_member or bool(row.subscribe)


# ---------------------------------------------------------------- writing

BATCH_ITEMS = 25  # BatchWriteItem's limit
WRITE_THREADS = 8
RETRIES = 8


def _batch_write(client: Any, items: list[tuple[str, dict[str, Any]]]) -> None:
    """``BatchWriteItem`` puts across tables, ``UnprocessedItems`` retried with backoff."""
    pending: dict[str, list[dict[str, Any]]] = {}
    for table, item in items:
        pending.setdefault(table, []).append({"PutRequest": {"Item": item}})
    for attempt in range(RETRIES):
        answer = client.batch_write_item(RequestItems=pending)
        pending = answer.get("UnprocessedItems") or {}
        if not pending:
            return
        time.sleep(min(0.05 * 2 ** attempt, 1.0))
    raise RuntimeError("DynamoDB kept items unprocessed")


def _create_all(store_id: str, rows: list[Row], now: datetime) -> None:
    """New customers, whose identities this request just read as absent: plain batch writes.

    A customer's member item and identity items go in the same ``BatchWriteItem`` call (8 customers per
    call). The race this accepts: a sign-up of the same number or email committing between our
    BatchGet and our write would be overwritten (see docs/members.md).
    """
    from concurrent.futures import ThreadPoolExecutor  # threads load only for an import that writes

    client = connection().client  # botocore clients are thread-safe

    members_table, identities_table = MemberModel.Meta.table_name, MemberIdentityModel.Meta.table_name
    events_table = ConsentEventModel.Meta.table_name
    batches: list[tuple[list[tuple[str, dict[str, Any]]], list[Row]]] = [([], [])]
    for row in rows:
        member = member_item(store_id, row.name, phone=row.phone, email=row.email, is_member=row.is_member, now=now)
        events = state.apply_to_new_member(member, consent_changes(row), consent_origin(row)) if row.subscribe else []
        items = [(members_table, member.serialize())] + [(identities_table, identity.serialize())
                                                         for identity, _ in identity_items(member, now)] \
            + [(events_table, event.serialize()) for event in events]
        if len(batches[-1][0]) + len(items) > BATCH_ITEMS:
            batches.append(([], []))
        batches[-1][0].extend(items)
        batches[-1][1].append(row)
        row.member_id = member.member_id
    # In parallel: one call is ~10-20 ms on AWS, and 10,000 customers are 1,250 calls.
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        list(pool.map(lambda batch: _flush(client, *batch), [b for b in batches if b[0]]))


def _flush(client: Any, batch: list[tuple[str, dict[str, Any]]], rows: list[Row]) -> None:
    try:
        _batch_write(client, batch)
    except Exception:  # each row reports it; the file can be imported again
        for row in rows:
            row.errors.append("could not be written; import the file again")


def _update(store_id: str, row: Row, now: datetime) -> None:
    """A matched customer changed: one conditional UpdateItem, or a transaction when it gains an identity;
    consent ticked Y: one more transaction (member and consent event)."""
    if row.new_phone or row.new_email or row.new_name or row.raise_member:
        _update_profile(store_id, row, now)
    if row.subscribe and not row.errors:

        try:
            state.change_consents(store_id, row.member_id or "", consent_changes(row), consent_origin(row), now=now)
        except Exception:  # reported on the row; importing the file again completes it
            row.errors.append("could not be written; import the file again")


def _update_profile(store_id: str, row: Row, now: datetime) -> None:
    target = MemberModel(store_id, row.member_id or "")
    actions: list[Any] = [MemberModel.updated_at.set(now)]
    condition = MemberModel.member_id.exists()
    if row.new_name:
        actions += [MemberModel.name.set(row.name), MemberModel.name_lower.set(row.name.lower())]
    if row.raise_member:
        actions.append(MemberModel.is_member.set(True))
    gained = MemberModel(store_id, target.member_id)
    if row.new_phone and row.phone:
        actions += [MemberModel.phone.set(row.phone), MemberModel.phone_verified.set(False)]
        condition &= MemberModel.phone.does_not_exist()
        gained.phone = row.phone
    if row.new_email and row.email:
        actions += [MemberModel.email.set(row.email), MemberModel.email_verified.set(False)]
        condition &= MemberModel.email.does_not_exist()
        gained.email = row.email
    identities = identity_items(gained, now)
    tx = NamedTransaction()
    try:
        if not identities:
            target.update(actions=actions, condition=condition)
            return
        with tx:
            for index, (identity, _) in enumerate(identities):
                tx.save(f"identity_{index}", identity, condition=MemberIdentityModel.identity.does_not_exist())
            tx.update("member", target, actions=actions, condition=condition)
    except TransactWriteError as exc:
        meanings = {f"identity_{index}": PHONE_TAKEN if error.code == "phone_taken" else EMAIL_TAKEN
                    for index, (_, error) in enumerate(identities)}
        failed = [meanings.get(name, CHANGED) for name in tx.refused(exc)]
        row.errors.append(failed[0] if failed else "could not be written; import the file again")
    except PynamoDBException as exc:
        conditional = exc.cause_response_code == "ConditionalCheckFailedException"
        row.errors.append(CHANGED if conditional else "could not be written; import the file again")


CHANGED = "the customer changed during the import; import the file again"


def write_rows(store_id: str, rows: list[Row], now: datetime) -> None:
    _create_all(store_id, [row for row in rows if not row.errors and row.created], now)
    for row in rows:
        if not row.errors and not row.created and row.changed:
            _update(store_id, row, now)
    for row in rows:  # a create that failed has no customer
        if row.errors and row.created:
            row.member_id = None


# ---------------------------------------------------------------- the request


def import_customers(store_id: str, raw: bytes, *, dry_run: bool, country: str | None,
                     now: datetime) -> dict[str, Any]:
    """Preview (``dry_run``) or import a customer CSV; every row reported by line."""
    rows = parse_rows(raw, country)
    match_rows(store_id, rows)
    if not dry_run:
        write_rows(store_id, rows, now)
    views = [row.view() for row in rows]
    return {
        "rows": views,
        "created": sum(1 for r in rows if r.status == "create"),
        "updated": sum(1 for r in rows if r.status == "update" and r.changed),
        "unchanged": sum(1 for r in rows if r.status == "update" and not r.changed),
        "failed": sum(1 for r in rows if r.status == "error"),
        "dry_run": dry_run,
    }
