"""The customer's new words in a plain-text reply: what is left when the quoted history is cut.

Line by line. The history starts at the first of: a ``>`` quoted line, an attribution line ("On ... wrote:",
"於 … 寫道：", Gmail's date-and-name line with no verb; also wrapped over up to three lines), an
"Original Message" / forward banner, or an Outlook header block (``From:``/``Sent:``/``To:``/``Subject:``
in any of the clients' languages, ``寄件者:`` / ``寄件日期:`` / ``收件者:`` / ``主旨:`` included).
mail-parser-reply's language tables are asked too, and the earlier answer wins.

What the customer wrote above it (top-posting) is kept; so is what they wrote below or between ``>``
quotes (bottom-posting, interleaved answers). A signature (``-- ``) and "Sent from my iPhone" taglines
go. When cutting leaves nothing, the whole text is the answer: a reply is never stored empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply import EmailReplyParser

from chalicelib.mailtext import patterns as p

_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff]")
_QUOTE_PREFIX = re.compile(r"^\s*>")
_WRAPPED_CLOSE = re.compile(r"^>\s*[:：]\s*$")  # "... <noreply@example.com\n>:" is a wrapped attribution
_NAME_AND_ADDRESS = re.compile(r"^\W{0,3}[^\s<>:@][^<>:@]{0,80}[<(\[]\s*(mailto:)?[\w.+'-]+@")
_DIGIT_EARLY = re.compile(r"^(?:\S+\s+){0,2}\S*\d")  # on text with its leading marks stripped
_ENDS_WITH_ADDRESS = re.compile(r"[\w.-]+@[\w.-]+[^\s]*[>)\]]\s*[:：]$")
_DASHED_END = re.compile(r"(?<=\S)\s+-{2,}\s*$")
_MAX_ATTRIBUTION = 400
# Languages of mail-parser-reply asked for header lines ("pl" takes a single "Od:"/"Do:"/"Data:" line for a
# header block, which our customers' own words can hold; "david" is one vendor's gateway).
_LIBRARY_LANGUAGES = ["en", "de", "cs", "da", "es", "fr", "it", "ja", "ko", "nl", "sv", "zh"]
# Its patterns backtrack (quadratic and worse in a line's length): it reads only the lines above the history
# we found (it can only move the start earlier), only those with a colon (every header line has one), short.
_LIBRARY_LINES, _LIBRARY_LINE_LENGTH = 60, 120


@dataclass(frozen=True)
class _Line:
    raw: str
    quoted: bool
    text: str  # without the quote marks and invisible characters, stripped

    @property
    def blank(self) -> bool:
        return not self.text


def _lines(text: str) -> list[_Line]:
    lines = []
    for raw in text.split("\n"):
        clean = _INVISIBLE.sub("", raw).replace("\u00a0", " ")
        quoted = bool(_QUOTE_PREFIX.match(clean)) and not _WRAPPED_CLOSE.match(clean.strip())
        body = re.sub(r"^(\s*>)+", "", clean) if quoted else clean
        lines.append(_Line(raw, quoted, body.strip()))
    return lines


def _starts_clearly(text: str) -> bool:
    """"On ...", "Am ...", "於 ...", a weekday, or "Name <address>": an attribution's own first words."""
    bare = text.lstrip("-–—*> \t")
    return bool(p.START.match(bare) or _NAME_AND_ADDRESS.match(bare))


def _starts_like_attribution(text: str) -> bool:
    return _starts_clearly(text) or bool(_DIGIT_EARLY.match(text.lstrip("-–—*> \t")))


def _is_attribution(joined: str) -> bool:
    joined = _DASHED_END.sub(":", joined)  # Zoho: "---- On <date> <address> wrote ----"
    if len(joined) > _MAX_ATTRIBUTION or not joined.rstrip().endswith((":", "：")):
        return False
    bare = joined.lstrip("-–—*> \t")
    tail = " ".join(bare.split()[-10:])  # the verb is among the last words: search only those
    if (p.EMAIL.search(bare) or p.DATE.search(bare) or p.START.match(bare)) and p.VERB.search(tail):
        return True
    # Gmail in Russian, Japanese, ISO-date locales: "<date>, <name> <address>:" with no verb
    return bool(_ENDS_WITH_ADDRESS.search(bare) and p.DATE.search(bare))


def attribution_at(lines: list[_Line], index: int) -> int | None:
    """The last line of an attribution that starts at ``index`` (wrapped over up to three lines), or None."""
    first = lines[index]
    if first.blank or not _starts_like_attribution(first.text):
        return None
    for end in range(index, min(index + 3, len(lines))):
        if lines[end].blank or lines[end].quoted != first.quoted:
            return None
        if _is_attribution(" ".join(line.text for line in lines[index:end + 1])):
            # a later line of the same span may start it ("Order 12 ships Friday." / "On Mon ... wrote:")
            if _starts_clearly(first.text):
                return end
            later = next((start for start in range(end, index, -1) if _starts_clearly(lines[start].text)
                          and _is_attribution(" ".join(line.text for line in lines[start:end + 1]))), None)
            return None if later is not None else end
    return None


def _field(line: _Line) -> str | None:
    found = p.HEADER_LINE.match(line.text)
    return p.field_of(found.group("name")) if found else None


def header_block_at(lines: list[_Line], index: int) -> bool:
    """An Outlook-style header block starts here: a From line and another field within the next lines."""
    first = _field(lines[index])
    if first is None:
        return False
    fields = {first}
    rest = lines[index].text[p.HEADER_LINE.match(lines[index].text).end():]  # type: ignore[union-attr]
    inline = re.findall(r"(?:^|\s)([^\s:：*]{1,20})\s?\*?[:：]", rest)  # "From: a Sent: b To: c" on one line
    fields |= {field for field in map(p.field_of, inline) if field}
    blanks = 0
    for line in lines[index + 1:index + 8]:
        if line.blank:
            blanks += 1
            if blanks > 1:
                break
            continue
        field = _field(line)
        if field is not None:
            fields.add(field)
    return "from" in fields and len(fields) >= 2


def _separator_at(lines: list[_Line], index: int) -> bool:
    text = lines[index].text
    if p.SEPARATOR.match(text) or p.FORWARD.match(text):
        return True
    if p.RULE.match(text) or p.DASHED_PHRASE.match(text):  # a rule or banner above a header block
        following = [i for i in range(index + 1, min(index + 5, len(lines))) if not lines[i].blank][:2]
        return any(_field(lines[i]) is not None for i in following)
    return False


def _history_starts(lines: list[_Line], index: int) -> bool:
    line = lines[index]
    if line.quoted:
        return True
    if line.blank or len(line.text) > _MAX_ATTRIBUTION:  # no marker is that long; and the patterns stay linear
        return False
    return attribution_at(lines, index) is not None or _separator_at(lines, index) \
        or header_block_at(lines, index)


def _library_start(lines: list[_Line], before: int) -> int | None:
    """Where mail-parser-reply sees the first reply header (attribution or header block) above ``before``."""
    first_lines = lines[:min(before + 2, _LIBRARY_LINES)]  # + 2: a header block may run past our start
    shown = [line.raw if len(line.raw) <= _LIBRARY_LINE_LENGTH and (":" in line.raw or "：" in line.raw) else ""
             for line in first_lines]
    replies = EmailReplyParser(languages=_LIBRARY_LANGUAGES).read("\n".join(shown)).replies
    header = next((reply.headers for reply in replies if reply.headers), "")
    first = next((line.strip() for line in header.split("\n") if line.strip()), "")
    if not first:
        return None
    return next((i for i, line in enumerate(lines) if not line.quoted and line.raw.strip() == first), None)


def _ends_words(line: _Line) -> bool:
    """A ``-- `` signature delimiter or a "Sent from my ..." tagline: nothing after it is the customer's."""
    return bool(p.SIGNATURE_DELIMITER.match(line.raw.strip().strip("\u00a0"))) or \
        (len(line.text) <= 120 and bool(p.SENT_FROM_LINE.match(line.text)))


def _without_signature(lines: list[_Line]) -> list[_Line]:
    kept: list[_Line] = []
    for line in lines:
        if _ends_words(line):
            break
        kept.append(line)
    return kept


def _below_quotes(lines: list[_Line], start: int) -> list[_Line]:
    """Unquoted words written below or between ``>`` quotes, from the history's start to its end."""
    found: list[_Line] = []
    index, seen_quote = start, False
    while index < len(lines):
        line = lines[index]
        if line.quoted:
            seen_quote = True
        elif line.blank:
            if found and found[-1].text:
                found.append(line)  # keeps the customer's paragraphs apart
        elif len(line.text) > _MAX_ATTRIBUTION:
            if seen_quote:
                found.append(line)
        elif (end := attribution_at(lines, index)) is not None:
            following = next((other for other in lines[end + 1:] if not other.blank), None)
            if following is None or not following.quoted:
                break  # an attribution over unquoted history (Outlook-style): the rest is history
            index = end
        elif _separator_at(lines, index) or header_block_at(lines, index) or _ends_words(line):
            break
        elif seen_quote:
            found.append(line)
        index += 1
    return found


def _text(lines: list[_Line]) -> str:
    return "\n".join(line.raw.rstrip() for line in lines).strip()


def new_words(text: str) -> str:
    """The customer's words in ``text`` (a decoded text/plain part, or HTML turned into text)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _lines(text)
    start = next((i for i in range(len(lines)) if _history_starts(lines, i)), len(lines))
    library = _library_start(lines, start)
    if library is not None and library < start:
        start = library
    kept = _without_signature(lines[:start]) + _without_signature(_below_quotes(lines, start))
    return re.sub(r"\n{3,}", "\n\n", _text(kept)) or text.strip()
