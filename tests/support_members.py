"""Helpers for the members admin tests: customer CSV files as spreadsheets write them, and calls."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from tests.conftest import call

HEADER = ("Name", "Email", "Mobile Number", "International Calling Code", "Is Member")
BOM = "\ufeff"


def csv_bytes(rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER, *, bom: bool = True,
              newline: str = "\r\n") -> bytes:
    """A customer file as Excel's "CSV UTF-8" writes it: BOM, CRLF, cells quoted only when needed."""
    def cell(value: str) -> str:
        return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\r\n') else value

    lines = [",".join(cell(v) for v in header)] + [",".join(cell(v) for v in row) for row in rows]
    return ((BOM if bom else "") + newline.join(lines) + newline).encode()


def tw_mobile(n: int) -> str:
    """The n-th Taiwanese mobile number in national notation (0912 000 000 + n)."""
    return f"0912{n:06d}"


def customer_rows(count: int, start: int = 0) -> list[list[str]]:
    """``count`` good rows: name, email, national mobile, calling code 886, Is Member Y."""
    return [[f"Customer {n}", f"customer{n}@example.com", tw_mobile(n), "886", "Y"]
            for n in range(start, start + count)]


def admin_call(client: Any, store: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return call(client, method, path, store.admin(), body)


def import_csv(client: Any, store: Any, data: bytes, *, dry_run: bool | None = None,
               content_type: str = "text/csv") -> tuple[int, Any]:
    path = "/admin/customer-imports" + ("" if dry_run is None else f"?dry_run={str(dry_run).lower()}")
    headers = {**store.admin(), "Content-Type": content_type}
    response = client.http.post(path, headers=headers, body=data)
    return response.status_code, json.loads(response.body) if response.body else None


def by_line(answer: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["line"]: row for row in answer["rows"]}
