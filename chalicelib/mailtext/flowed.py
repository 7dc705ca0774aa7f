"""RFC 3676 ``format=flowed`` text joined back into the lines its writer typed.

Apple Mail and Thunderbird send flowed text: long lines are cut at soft breaks (a line ending in a space),
and with ``delsp=yes`` (Apple Mail) the space itself was added, so CJK text, which has no spaces, is
joined back without one. Quote depth (``>``) is kept per line; a soft break never joins two depths.
"""

from __future__ import annotations

import re

_DEPTH = re.compile(r"^(>+)")


def unflow(text: str, delsp: bool) -> str:
    out: list[str] = []
    pending: str | None = None
    pending_depth = -1
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        marks = _DEPTH.match(line)
        depth = len(marks.group(1)) if marks else 0
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing (and the space after quote marks)
        if pending is not None and depth != pending_depth:
            out.append(_render(pending, pending_depth))
            pending = None
        soft = body.endswith(" ") and body.rstrip() != "--"
        if soft and delsp:
            body = body[:-1]
        pending = body if pending is None else pending + body
        pending_depth = depth
        if not soft:
            out.append(_render(pending, depth))
            pending = None
    if pending is not None:
        out.append(_render(pending, pending_depth))
    return "\n".join(out)


def _render(body: str, depth: int) -> str:
    return ("> " * depth + body) if depth else body
