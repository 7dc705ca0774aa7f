"""Customer CSV import through POST /admin/customer-imports (chalice test client, embedded AWS)."""

from __future__ import annotations

from typing import Any

from chalicelib import members
from chalicelib.members.imports import MAX_ROWS
from chalicelib.models.members import MemberIdentityModel, MemberModel
from tests.support_members import admin_call, by_line, csv_bytes, customer_rows, import_csv


def stored(store_id: str) -> dict[str, dict[str, Any]]:
    """Every member of the store, attribute by attribute (Query, test only)."""
    return {m.member_id: m.attribute_values for m in MemberModel.query(store_id)}


def identities(store_id: str) -> dict[str, str]:
    return {i.identity: i.member_id for i in MemberIdentityModel.query(store_id)}


def test_preview_writes_nothing_then_the_same_rows_import(client: Any, store: Any) -> None:
    data = csv_bytes([["Amy Chen", "amy@example.com", "0912345678", "886", "Y"],
                      ["Ben Lin", "", "912000111", "+886", "y"]])
    status, preview = import_csv(client, store, data, dry_run=True)
    assert status == 200, preview
    assert [(r["line"], r["status"], r["errors"], r["mobile"]) for r in preview["rows"]] == [
        (2, "create", [], "+886912345678"), (3, "create", [], "+886912000111")]
    assert (preview["created"], preview["updated"], preview["failed"]) == (2, 0, 0)
    assert stored(store.store_id) == {}

    status, done = import_csv(client, store, data, dry_run=False)
    assert status == 200 and done["created"] == 2
    amy = members.find_member_by_identity(store.store_id, members.email_identity("AMY@example.com"))
    assert amy is not None and amy.phone == "+886912345678" and amy.name == "Amy Chen"
    assert members.find_member_by_identity(store.store_id, members.phone_identity("+886912345678")) is not None
    assert by_line(done)[2]["member_id"] == amy.member_id
    assert amy.phone_verified is False and members.phone_verified_label(amy) == "Not Yet Verified"


def test_the_same_file_twice_creates_nothing_and_changes_nothing(client: Any, store: Any) -> None:
    data = csv_bytes([*customer_rows(30), ["No Mobile", "nomobile@example.com", "", "", "N"],
                      ["Bad", "not-an-email", "", "", "Y"]])
    status, first = import_csv(client, store, data)
    assert status == 200 and (first["created"], first["failed"]) == (31, 1)
    before, before_ids = stored(store.store_id), identities(store.store_id)

    status, second = import_csv(client, store, data)
    assert status == 200
    assert (second["created"], second["updated"], second["unchanged"], second["failed"]) == (0, 0, 31, 1)
    assert {r["status"] for r in second["rows"] if not r["errors"]} == {"update"}
    assert not any(r["changed"] for r in second["rows"])
    assert stored(store.store_id) == before  # updated_at included: nothing was written
    assert identities(store.store_id) == before_ids


def test_rows_match_existing_customers_by_email_or_phone(client: Any, store: Any) -> None:
    import_csv(client, store, csv_bytes([["Amy", "amy@example.com", "", "", "N"],
                                         ["Ben", "", "0912000222", "886", "Y"]]))
    data = csv_bytes([["Amy Chen", "Amy@Example.com", "0912000111", "886", "Y"],  # adds her phone and name
                      ["Ben Lin", "ben@example.com", "0912000222", "886", "Y"]])   # adds his email
    status, answer = import_csv(client, store, data)
    assert status == 200, answer
    assert (answer["created"], answer["updated"], answer["failed"]) == (0, 2, 0)
    everyone = list(MemberModel.query(store.store_id))
    assert len(everyone) == 2
    amy = members.find_member_by_identity(store.store_id, members.phone_identity("+886912000111"))
    ben = members.find_member_by_identity(store.store_id, members.email_identity("ben@example.com"))
    assert amy is not None and (amy.name, amy.email, amy.is_member) == ("Amy Chen", "amy@example.com", True)
    assert ben is not None and ben.phone == "+886912000222"
    status, again = import_csv(client, store, data)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_a_phone_held_by_another_member_is_a_row_error(client: Any, store: Any) -> None:
    import_csv(client, store, csv_bytes([["Amy", "amy@example.com", "0912000111", "886", "Y"],
                                         ["Ben", "ben@example.com", "", "", "N"]]))
    status, answer = import_csv(client, store, csv_bytes([
        ["Ben", "ben@example.com", "0912000111", "886", "Y"],      # Amy's number on Ben's row
        ["Cat", "cat@example.com", "0912 000 333", "886", "Y"],    # fine
    ]))
    assert status == 200
    rows = by_line(answer)
    assert rows[2]["status"] == "error" and rows[2]["errors"] == [
        "Mobile Number: belongs to another customer than the one with this Email"]
    assert rows[3]["status"] == "create"
    # A new email with Amy's number: the number finds Amy, who has another email.
    status, answer = import_csv(client, store, csv_bytes([["Dan", "dan@example.com", "0912000111", "886", "Y"]]))
    assert answer["rows"][0]["errors"] == ["Email: the customer with this mobile number has another email"]
    ben = members.find_member_by_identity(store.store_id, members.email_identity("ben@example.com"))
    assert ben is not None and ben.phone is None
    assert members.find_member_by_identity(store.store_id, members.email_identity("dan@example.com")) is None


def test_is_member_n_imports_no_mobile(client: Any, store: Any) -> None:
    data = csv_bytes([["Eve", "eve@example.com", "0912000444", "886", "N"]])
    status, preview = import_csv(client, store, data, dry_run=True)
    assert status == 200 and preview["rows"][0]["mobile"] is None and preview["rows"][0]["status"] == "create"
    status, done = import_csv(client, store, data)
    eve = members.get_member(store.store_id, done["rows"][0]["member_id"])
    assert (eve.phone, eve.is_member) == (None, False)
    assert members.find_member_by_identity(store.store_id, members.phone_identity("+886912000444")) is None


def test_bad_rows_are_named_by_line_and_the_good_ones_import(client: Any, store: Any) -> None:
    header = ["  is member", "NAME ", "Email", "International Calling Code", "Mobile Number"]  # any order
    data = csv_bytes([
        ["Y", "Good One", "good1@example.com", "886", "0912000501"],
        ["Y", "Bad Email", "bad@", "886", "0912000502"],
        ["Maybe", "Bad Flag", "flag@example.com", "886", "0912000503"],
        ["Y", "Bad Number", "num@example.com", "886", "12345"],
        ["Y", "Too Many", "many@example.com", "886", "0912000505", "surprise"],
        ["Y", "Only Number", "only@example.com", "", "0912000506"],
        ["Y", '"Quoted, Name"', "good2@example.com", "886", "0912000507"],
        ["", "", "", "", ""],  # a blank line is skipped (and still counted in line numbers)
        ["Y", "Good Three", "good3@example.com", "886", "0912000508"],
    ], header=header)
    status, answer = import_csv(client, store, data)
    assert status == 200, answer
    rows = by_line(answer)
    assert [line for line, r in rows.items() if r["status"] == "create"] == [2, 8, 10]
    assert rows[3]["errors"] == ["Email: not a valid email address"]
    assert rows[4]["errors"] == ["Is Member: must be Y or N"]
    assert rows[5]["errors"][0].startswith("Mobile Number: not a valid mobile number")
    assert rows[6]["errors"] == ["too many columns: 6, the header has 5"]
    assert "needs both" in rows[7]["errors"][0]
    assert answer["failed"] == 5 and answer["created"] == 3
    quoted = members.find_member_by_identity(store.store_id, members.email_identity("good2@example.com"))
    assert quoted is not None and quoted.name == '"Quoted, Name"'


def test_ten_thousand_rows_with_three_bad_ones(client: Any, store: Any) -> None:
    rows = customer_rows(MAX_ROWS)
    rows[99] = ["Bad Email", "bad@@example", "0912999001", "886", "Y"]          # line 101
    rows[4999] = ["Bad Number", "bad2@example.com", "0912", "886", "Y"]         # line 5001
    rows[9999] = ["Bad Flag", "bad3@example.com", "0912999003", "886", "X"]     # line 10001
    status, answer = import_csv(client, store, csv_bytes(rows))
    assert status == 200
    assert (answer["created"], answer["failed"]) == (9_997, 3)
    errors = {r["line"]: r["errors"] for r in answer["rows"] if r["status"] == "error"}
    assert errors == {101: ["Email: not a valid email address"],
                      5001: ["Mobile Number: not a valid mobile number for that International Calling Code"],
                      10001: ["Is Member: must be Y or N"]}
    assert MemberModel.count(store.store_id) == 9_997


def test_too_many_rows_is_413_naming_the_limit(client: Any, store: Any) -> None:
    status, answer = import_csv(client, store, csv_bytes(customer_rows(MAX_ROWS + 1)), dry_run=True)
    assert status == 413
    assert answer["error"]["code"] == "payload_too_large" and "10,000 rows" in answer["error"]["message"]
    assert answer["error"]["max_rows"] == MAX_ROWS


def test_unreadable_files_are_400(client: Any, store: Any) -> None:
    status, answer = import_csv(client, store, b"Name,Email\r\nAmy,amy@example.com\r\n")
    assert status == 400 and answer["error"]["code"] == "invalid_csv" and "Mobile Number" in answer["error"]["message"]
    status, answer = import_csv(client, store, "Name,Email,Mobile Number,International Calling Code,Is Member\n"
                                "Amý,a@example.com,,,N\n".encode("latin-1"))
    assert status == 400 and "UTF-8" in answer["error"]["message"]
    status, answer = import_csv(client, store, b"")
    assert status == 400 and answer["error"]["code"] == "invalid_csv"
    status, answer = import_csv(client, store, csv_bytes([]), dry_run="maybe")  # type: ignore[arg-type]
    assert status == 400 and answer["error"]["field"] == "dry_run"


def test_excel_content_type_and_other_roles(client: Any, store: Any, other_store: Any) -> None:
    data = csv_bytes([["Amy", "amy@example.com", "", "", "N"]])
    status, answer = import_csv(client, store, data, content_type="application/vnd.ms-excel")
    assert status == 200 and answer["created"] == 1
    response = client.http.post("/admin/customer-imports", body=data,
                                headers={"Authorization": f"Bearer {store.storefront_key}",
                                         "Content-Type": "text/csv"})
    assert response.status_code == 403
    status, _ = import_csv(client, other_store, data)  # another store: its own customers
    assert status == 200 and sum(1 for _ in MemberModel.query(other_store.store_id)) == 1
    assert admin_call(client, other_store, "GET", f"/admin/members/{answer['rows'][0]['member_id']}")[0] == 404
