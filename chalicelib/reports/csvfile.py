"""CSV formatting that opens correctly in Excel and is byte-for-byte reproducible.

- UTF-8 with a byte-order mark: Excel on Windows reads a BOM-less UTF-8 file as the local code page
  and garbles CJK names; every other reader (pandas, Numbers, LibreOffice, Python's ``utf-8-sig``)
  accepts the BOM.
- RFC 4180: comma separated, ``\\r\\n`` line ends, fields quoted only when they need it.
- Formula injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
  prefixed with ``'`` so a spreadsheet shows it as text instead of evaluating it (OWASP's advice).
  An E.164 number therefore reads ``'+886912345678``; unescaped, Excel would show ``8.86912E+11``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff".encode()
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class RowEncoder:
    """Rows -> UTF-8 bytes, one row at a time (the buffer never holds more than one row)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def encode(self, row: Sequence[object]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([safe_cell(cell) for cell in row])
        return self._buffer.getvalue().encode("utf-8")


def header_bytes(header: Sequence[str]) -> bytes:
    """The first bytes of a report: BOM and the header line (headers are written as the contract has them)."""
    return BOM + RowEncoder().encode(header)


def to_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A whole small CSV in memory (branch summaries, tests)."""
    encoder = RowEncoder()
    return header_bytes(header) + b"".join(encoder.encode(row) for row in rows)
