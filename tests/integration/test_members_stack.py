"""Members admin over the real local stack: a spreadsheet's CSV (BOM, CRLF) imported over HTTP, then profiles."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.support_members import HEADER, csv_bytes


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, str]:
    return stack.create_store("Members Test Shop")


def test_a_bom_crlf_csv_imports_over_http_and_the_profile_shows_it(stack: Any, shop: dict[str, str]) -> None:
    # As Excel's "CSV UTF-8" saves it: BOM, CRLF, spaces around header names, a quoted cell with a comma.
    header = [f" {name} " for name in reversed(HEADER)]
    data = csv_bytes([["Y", "886", "0912 555 001", "amy@example.com", "Chen, Amy"],
                      ["N", "886", "0912555002", "ben@example.com", "Ben"],
                      ["Y", "886", "0912555003", "broken@", "Bad"]], header=header)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    key, csv_type = shop["admin_key"], {"Content-Type": "text/csv"}
    status, preview = stack.call("POST", "/admin/customer-imports?dry_run=true", key, raw=data, headers=csv_type)
    assert status == 200, preview
    assert [(r["line"], r["status"], r["mobile"]) for r in preview["rows"]] == [
        (2, "create", "+886912555001"), (3, "create", None), (4, "error", None)]

    status, done = stack.call("POST", "/admin/customer-imports?dry_run=false", key, raw=data, headers=csv_type)
    assert status == 200 and (done["created"], done["failed"]) == (2, 1)
    status, again = stack.call("POST", "/admin/customer-imports", key, raw=data, headers=csv_type)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)

    amy_id = done["rows"][0]["member_id"]
    status, _ = stack.call("POST", f"/admin/members/{amy_id}/tags", key, {"tags": ["熟客"]})
    assert status == 200
    status, _ = stack.call("POST", f"/admin/members/{amy_id}/notes", key, {"text": "imported from the old shop"})
    assert status == 201
    status, profile = stack.call("GET", f"/admin/members/{amy_id}", key)
    assert status == 200
    assert (profile["name"], profile["email"], profile["phone"]) == ("Chen, Amy", "amy@example.com", "+886912555001")
    assert profile["phone_verified_label"] == "Not Yet Verified"
    assert profile["tags"] == ["熟客"] and [n["text"] for n in profile["notes"]] == ["imported from the old shop"]
    status, page = stack.call("GET", f"/admin/tags/{quote('熟客')}/members", key)
    assert status == 200 and [m["member_id"] for m in page["items"]] == [amy_id]
    ben = done["rows"][1]["member_id"]
    assert stack.call("GET", f"/admin/members/{ben}", key)[1]["phone"] is None
