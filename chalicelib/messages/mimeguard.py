"""How deep and how many: a MIME message's structure measured line by line, before any parser sees it.

The standard library's parser descends one Python frame per nested part: 1,000 nested ``multipart/mixed``
parts (68 KB) end in ``RecursionError``. This scanner keeps the open boundaries in a list instead, so any
depth costs one pass over the lines and no recursion, and it stops as soon as a limit is passed.

It reads only what decides the structure: each header block's ``Content-Type`` (a ``multipart/*`` opens a
level with its ``boundary``; a ``message/*`` part's body is another message, one level deeper) and the
delimiter lines ``--boundary`` / ``--boundary--`` that close levels, as RFC 2046 section 5.1.1 defines them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 20  # levels of nesting (multipart or message/*) a real mail client never comes near
MAX_PARTS = 1000  # parts in all: a mail with more is not one a person wrote

_CONTENT_TYPE = re.compile(rb"^content-type\s*:\s*([a-z0-9!#$&^_.+-]+)/", re.IGNORECASE)
_BOUNDARY = re.compile(rb"""boundary\s*=\s*(?:"([^"]{1,200})"|([^;\s"]{1,200}))""", re.IGNORECASE)


@dataclass(frozen=True)
class Structure:
    depth: int  # the deepest level reached (stops counting once past MAX_DEPTH)
    parts: int
    problem: str | None  # why the message is refused, else None


def _header_blocks_content_type(header_lines: list[bytes]) -> tuple[bytes, bytes | None]:
    """(top-level type such as b"multipart", boundary or None) of one header block; unfolded first."""
    unfolded: list[bytes] = []
    for line in header_lines:
        if line[:1] in (b" ", b"\t") and unfolded:
            unfolded[-1] += b" " + line.strip()
        else:
            unfolded.append(line)
    for line in unfolded:
        found = _CONTENT_TYPE.match(line)
        if found:
            boundary = _BOUNDARY.search(line)
            value = (boundary.group(1) or boundary.group(2)) if boundary else None
            return found.group(1).lower(), value
    return b"text", None


def measure(raw: bytes, max_depth: int = MAX_DEPTH, max_parts: int = MAX_PARTS) -> Structure:
    """The nesting depth and number of parts of ``raw``; ``problem`` names the first limit passed."""
    open_levels: list[bytes | None] = []  # a boundary per multipart level; None for a message/* level
    in_headers, header_lines = True, []
    depth = parts = 0
    for line in raw.splitlines():
        if in_headers:
            if line.strip():
                header_lines.append(line)
                continue
            kind, boundary = _header_blocks_content_type(header_lines)
            header_lines, parts = [], parts + 1
            if parts > max_parts:
                return Structure(depth, parts, f"more than {max_parts} MIME parts")
            if kind == b"multipart" and boundary:
                open_levels.append(boundary)
                in_headers = False
            elif kind == b"message":
                open_levels.append(None)  # the body is another message: its headers come next
            else:
                in_headers = False
            depth = max(depth, len(open_levels))
            if depth > max_depth:
                return Structure(depth, parts, f"MIME parts nested deeper than {max_depth} levels")
            continue
        if not line.startswith(b"--"):
            continue
        stripped = line.rstrip()
        for level in range(len(open_levels) - 1, -1, -1):
            boundary = open_levels[level]
            if boundary is None:
                continue
            if stripped == b"--" + boundary + b"--":  # the closing delimiter: back to the enclosing part's body
                del open_levels[level:]
                break
            if stripped == b"--" + boundary:  # a delimiter: the next part's headers follow
                del open_levels[level + 1:]
                in_headers = True
                break
    return Structure(depth, parts, None)
