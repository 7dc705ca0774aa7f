"""Pure parts of the members admin: CSV reading and row checks, tag normalisation."""

from __future__ import annotations

import pytest

from chalicelib.errors import InvalidRequest
from chalicelib.members.imports import check_row, parse_rows, read_csv
from chalicelib.members.tags import check_tag
from tests.support_members import csv_bytes


def cells(name: str = "Amy", email: str = "amy@example.com", mobile: str = "0912345678", code: str = "886",
          flag: str = "Y") -> dict[str, str]:
    return {"name": name, "email": email, "mobile": mobile, "calling_code": code, "is_member": flag}


def test_bom_crlf_and_quoted_newlines_keep_line_numbers() -> None:
    data = csv_bytes([["Amy", "a@example.com", "", "", "N"], ['Multi\nLine', "b@example.com", "", "", "N"],
                      ["Cat", "c@example.com", "", "", "N"]])
    assert [line for line, *_ in read_csv(data)] == [2, 3, 5]


def test_is_member_n_drops_the_mobile_and_y_needs_both_columns() -> None:
    assert check_row(2, cells(flag="N"), 5, 5, "TW").phone is None
    assert check_row(2, cells(flag=" y "), 5, 5, "TW").phone is None  # cells arrive stripped: " y " is unknown
    assert check_row(2, cells(flag="y"), 5, 5, "TW").phone == "+886912345678"
    assert check_row(2, cells(code=""), 5, 5, "TW").errors == [
        "Mobile Number: needs both 'Mobile Number' and 'International Calling Code'"]
    assert check_row(2, cells(email="", flag="N"), 5, 5, "TW").errors[0].startswith("needs an Email")
    assert check_row(2, None, 7, 5, "TW").errors == ["too many columns: 7, the header has 5"]


def test_header_must_be_the_template() -> None:
    with pytest.raises(InvalidRequest, match="unknown column 'Phone'"):
        parse_rows(b"Name,Email,Phone,International Calling Code,Is Member\r\n", "TW")
    with pytest.raises(InvalidRequest, match="appears twice"):
        parse_rows(b"Name,Email,Mobile Number,International Calling Code,Is Member,name\r\n", "TW")
    assert parse_rows(b"\xef\xbb\xbfname , EMAIL,Mobile  Number,International Calling Code,Is Member,,\r\n", "TW") == []


def test_tags_are_trimmed_and_checked() -> None:
    assert check_tag("  VIP   Gold ") == "VIP Gold"
    assert check_tag("a\x1fb") == "a b"  # the tag items' separator is whitespace to split(): never kept
    for bad in ("", "   ", "x" * 51, "a\x00b", "a\u200eb", 3):
        with pytest.raises(InvalidRequest):
            check_tag(bad)
