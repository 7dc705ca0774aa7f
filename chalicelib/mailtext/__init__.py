"""What a customer wrote in an e-mailed reply, whatever mail client, language and charset they use.

One entry point, ``read_reply(message) -> Reply``: the body part (plain text, else HTML with its quote
containers marked), decoded from any charset (``charsets``), and the customer's new words cut from the
quoted history (``quotes``). ``Reply.full_text`` is the whole received text, for "show quoted text".
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage, Message
from typing import cast

from chalicelib.mailtext import charsets, flowed, htmlquotes, quotes

__all__ = ["Reply", "html_to_text", "new_words", "read_reply"]

new_words = quotes.new_words
html_to_text = htmlquotes.html_to_text


@dataclass(frozen=True)
class Reply:
    text: str  # the customer's new words (never empty when the mail has any text)
    full_text: str  # the whole received text, quoted history included (``>`` marks it)

    @property
    def cut(self) -> bool:
        """Whether anything was cut: the console offers "show quoted text" only then."""
        return self.full_text.split() != self.text.split()  # not just blank lines collapsed


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = charsets.decode(payload, part.get_content_charset())
    if part.get_content_type() == "text/plain" and str(part.get_param("format", "")).lower() == "flowed":
        text = flowed.unflow(text.replace("\r\n", "\n"), str(part.get_param("delsp", "")).lower() == "yes")
    return text


def _inline_text_parts(message: Message) -> list[Message]:
    return [part for part in message.walk() if part.get_content_maintype() == "text"
            and not part.is_multipart() and part.get_content_disposition() != "attachment"]


def visible_text(message: EmailMessage) -> str:
    """The mail's text: its plain part, else its HTML part as text (quotes marked with ``>``)."""
    chosen: list[Message] = []
    for kind in ("plain", "html"):
        body = message.get_body(preferencelist=(kind,))
        if body is not None:
            chosen.append(cast(Message, body))
    if not chosen:  # no body by the rules (a broken multipart): any inline text part
        chosen = _inline_text_parts(message)
    for part in chosen:
        text = _decoded(part)
        if part.get_content_subtype() == "html":
            text = htmlquotes.html_to_text(text)
        if text.strip():
            return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if message.get_content_maintype() == "multipart" and isinstance(message.get_payload(), str):
        # a multipart whose boundary never occurs: mail clients show its body as plain text
        return _decoded(message).strip("\n")
    return ""


def read_reply(message: EmailMessage) -> Reply:
    full = visible_text(message)
    return Reply(text=quotes.new_words(full), full_text=full.strip())
