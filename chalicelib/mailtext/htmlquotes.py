"""An HTML mail part -> plain text, with the quote containers mail clients write marked as ``>`` quotes.

Clients do not quote HTML replies with ``>``: they wrap the history in a container (Gmail's
``gmail_quote``, Apple Mail's and Thunderbird's ``<blockquote type="cite">``, Yahoo's ``yahoo_quoted``,
Thunderbird's ``moz-cite-prefix`` attribution, ProtonMail's, Zoho's) or, Outlook, start it with a header
div (``divRplyFwdMsg``, a top border in Outlook's colours, Hotmail's ``<hr id="stopSpelling">``) and let
it run to the end. Their text comes out prefixed with ``>`` (the rest of the mail after an Outlook
header), so the plain-text cutter sees one kind of quote whatever the client, and text written below
or between quotes (bottom-posting, interleaved answers) stays unquoted.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"})
_BLOCKS = frozenset({"p", "div", "tr", "li", "ul", "ol", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
                     "pre", "section", "article", "header", "footer", "dl", "dt", "dd", "address", "center"})
_HIDDEN = frozenset({"style", "script", "head", "title", "template"})
# A container holding quoted history (its text is quoted, what follows it is not).
_QUOTE_CLASSES = re.compile(r"\b(gmail_quote|gmail_attr|yahoo_quoted|moz-cite-prefix|protonmail_quote|"
                            r"zmail_extra|zmail_extra_hr|divRplyFwdMsg|OutlookMessageHeader|"
                            r"mail-editor-reference-message-container|reply-quote|quote)\b", re.IGNORECASE)
# Where Outlook-family clients start the history, which then runs to the end of the mail.
_REST_IDS = re.compile(r"^(x_)?(divRplyFwdMsg|appendonsend|stopSpelling|mail-editor-reference-message-container|"
                       r"OLK_SRC_BODY_SECTION|Signature_reply)$", re.IGNORECASE)
_OUTLOOK_BORDER = re.compile(r"border-top:\s*solid\s+#(B5C4DF|E1E1E1|E5E5E5)|"
                             r"border-top-color:\s*rgb\(\s*2(25|29),\s*2(25|29),\s*2(25|29)\s*\)", re.IGNORECASE)


def _is_quote(tag: str, attrs: dict[str, str]) -> bool:
    if tag == "blockquote":
        return True  # type=cite (Apple Mail, Thunderbird), gmail_quote, Yandex and Mail.ru's bare blockquote
    return bool(_QUOTE_CLASSES.search(attrs.get("class", "")))


def _starts_rest(tag: str, attrs: dict[str, str]) -> bool:
    if _REST_IDS.match(attrs.get("id", "")):
        return True
    return tag == "div" and bool(_OUTLOOK_BORDER.search(attrs.get("style", "")))


class _QuotedText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, is a quote container)
        self.hidden = 0
        self.rest_quoted = False
        self.pre = 0

    @property
    def depth(self) -> int:
        return sum(quote for _, quote in self.open) + (1 if self.rest_quoted else 0)

    def flush(self, force: bool = False) -> None:
        """End the current line (a block boundary ends only a started one; ``<br>`` always ends one)."""
        if not force and not "".join(self.current).strip():
            self.current = []
            return
        text = "".join(self.current)
        self.current = []
        for line in text.split("\n"):
            self.lines.append(("> " * self.depth) + line.strip(" \t\r\f") if self.depth else line.rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if tag == "br":
            self.flush(force=True)
            return
        if tag == "hr":
            self.flush()
            if _REST_IDS.match(found.get("id", "")):
                self.rest_quoted = True
            self.lines.append(("> " * self.depth) + "_" * 32)  # Hotmail/Outlook: a rule above the headers
            return
        if tag in _VOID:
            return
        quote = _is_quote(tag, found)
        if quote or tag in _BLOCKS or _starts_rest(tag, found):
            self.flush()
        if _starts_rest(tag, found):
            self.rest_quoted = True
        if tag == "pre":
            self.pre += 1
        self.open.append((tag, quote))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if tag in _VOID:
            return
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                if tag in _BLOCKS or any(quote for _, quote in self.open[index:]):
                    self.flush()
                del self.open[index:]
                break
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.current.append(data if self.pre else re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(markup: str) -> str:
    """Visible text, one line per block or ``<br>``, quoted history prefixed with ``> ``."""
    parser = _QuotedText()
    parser.feed(markup)
    parser.close()
    parser.flush()
    text = "\n".join(parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
