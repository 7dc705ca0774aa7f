"""Runs the shell blocks of README.md and docs/*.md, in order, against a running sandbox.

The convention (README "Docs that run"):
- a block fenced ```sh is run; any other fence (```console, ```text, ```json ...) is not;
- the ```sh blocks of one page run in order in one bash (variables carry over), with
  `set -euo pipefail`: a failing command or an unset variable fails the page;
- every `curl` must answer 1xx-3xx, unless its command ends with a comment that starts with the
  status it shows, e.g. `curl -s $API/admin/settings   # 401 unauthorized`;
- `curl` writes the body to stdout as usual: no `-o`/`-w` in the docs (use `> file`).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
RUN_LANGUAGE = "sh"
# Shell fences that would leave a reader guessing whether they run: use sh (runs) or console (shown only).
AMBIGUOUS_LANGUAGES = ("bash", "shell", "zsh")
HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
EXPECTED_STATUS = re.compile(r"\s#\s*([1-5]\d\d)\b")

PRELUDE = r"""
set -Eeuo pipefail
ML_EXPECT=
ML_WHERE=
trap 'echo "docs: the command at $ML_WHERE failed" >&2' ERR
curl() {
  local body code
  body=$(mktemp)
  if ! code=$(command curl -sS -o "$body" -w '%{http_code}' "$@"); then
    cat "$body"; rm -f "$body"; return 1
  fi
  cat "$body"; rm -f "$body"
  if [ -n "$ML_EXPECT" ]; then
    if [ "$code" != "$ML_EXPECT" ]; then echo "docs: expected HTTP $ML_EXPECT, got $code" >&2; return 1; fi
  elif [ "$code" -ge 400 ]; then
    echo "docs: HTTP $code (mark an expected error status with a trailing comment, e.g. # $code)" >&2; return 1
  fi
}
"""


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the first line inside the fence
    text: str


def shell_blocks(page: Path, language: str = RUN_LANGUAGE) -> list[Block]:
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    inside: tuple[str, str, int, list[str]] | None = None
    for number, line in enumerate(lines, start=1):
        match = FENCE.match(line)
        if inside is None:
            if match:
                inside = (match.group(1), match.group(2), number + 1, [])
            continue
        fence, lang, start, body = inside
        if line.strip() == fence:
            if lang == language:
                blocks.append(Block(page, start, "\n".join(body)))
            inside = None
        else:
            body.append(line)
    return blocks


def _complete(command: str) -> bool:
    if command.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return True


def expected_status(command_lines: list[str]) -> str | None:
    """The status a command's trailing comment announces (`# 404 ...`), if its `#` is outside quotes."""
    before = "\n".join(command_lines[:-1])
    for match in EXPECTED_STATUS.finditer(command_lines[-1]):
        if _complete(before + "\n" + command_lines[-1][:match.start()]):
            return match.group(1)
    return None


def annotate(block: Block, root: Path) -> str:
    """The block with, before each command, where it is and the status its curl should answer."""
    out: list[str] = []
    pending: list[str] = []
    first = 0
    heredoc: str | None = None  # the word that ends the here-document being copied
    for offset, line in enumerate(block.text.splitlines()):
        if heredoc is not None:
            out.append(line)
            if line.strip() == heredoc:
                heredoc = None
            continue
        if not pending:
            first = block.line + offset
            if not line.strip() or line.lstrip().startswith("#"):
                out.append(line)
                continue
        pending.append(line)
        command = "\n".join(pending)
        if not _complete(command):
            continue
        expected = expected_status(pending)
        where = block.page.relative_to(root) if block.page.is_relative_to(root) else block.page
        out.append(f"ML_WHERE={shlex.quote(f'{where}:{first}')}; ML_EXPECT={expected or ''}")
        out.extend(pending)
        opened = HEREDOC.search(pending[-1])
        heredoc = opened.group(1) if opened else None
        pending = []
    out.extend(pending)
    out.append("ML_EXPECT=")
    return "\n".join(out)


def page_script(blocks: list[Block], root: Path) -> str:
    return PRELUDE + "\n".join(annotate(block, root) for block in blocks) + "\n"


def pages(root: Path) -> list[Path]:
    """README first (it sets up the reader), then every page of docs/ by name."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def run_page(page: Path, root: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    script = page_script(shell_blocks(page), root)
    return subprocess.run(["bash", "-c", script], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
