"""Build one RFC 5322 message (text, optional HTML, any extra headers) and send it raw through SES.

``send_raw_email`` rather than ``send_email`` because the headers matter: ``Reply-To`` carries the signed
reply address, ``References`` threads the customer's client, and marketing mail adds
``List-Unsubscribe`` / ``List-Unsubscribe-Post``. Cost: one SES call per message.

The local stage verifies the platform's own address on first use (moto, like SES, refuses unverified senders).
In AWS the operator verifies the platform's domain once; stores' addresses are sender identities
(:mod:`chalicelib.senders`), never verified here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws, clock
from chalicelib.config import settings
from chalicelib.email.addresses import inbound_domain, platform_address
from chalicelib.logs import logger
from chalicelib.validation import has_line_break

# Headers the builder owns; an extra header may not replace them (a caller typo must not re-address mail).
_OWN_HEADERS = frozenset({"from", "to", "subject", "reply-to", "date", "message-id", "mime-version",
                          "content-type", "content-transfer-encoding"})


class EmailNotSent(Exception):
    """SES refused the message or could not be reached (the reason is logged, never the address)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. image/png
    data: bytes


@dataclass(frozen=True)
class OutboundEmail:
    to: str
    sender: str  # the From address; must be a verified SES identity
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. References, List-Unsubscribe
    sender_name: str | None = None  # shown as "Name <address>"
    attachments: Sequence[Attachment] = ()


@dataclass(frozen=True)
class SentEmail:
    ses_message_id: str
    message_id: str  # the Message-ID header we set (SES replaces it on the way out)


def message_domain() -> str:
    """The right-hand side of our Message-IDs and References."""
    return inbound_domain()


def _transfer_encoding(text: str) -> str | None:
    """The library's choice for ASCII (7bit, or quoted-printable for long lines); base64 for anything else (a
    Chinese store's mails): SES asks for non-ASCII parts to be encoded rather than sent as 8bit."""
    return None if text.isascii() else "base64"


def mailbox(name: str, address: str) -> str:
    """``"Name" <address>``: the display name always quoted (a name with "via" or a comma stays one phrase)."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def build_message(email: OutboundEmail, now: datetime | None = None) -> EmailMessage:
    """The MIME message: text/plain alone, or multipart/alternative with the HTML part last (preferred);
    with attachments, multipart/mixed around it."""
    for name, value in (("to", email.to), ("sender", email.sender), ("subject", email.subject),
                        ("reply_to", email.reply_to or "")):
        if has_line_break(value):  # the routes refuse these with a 400; this is the last wall
            raise ValueError(f"{name} must be one line")
    message = EmailMessage()
    name = " ".join((email.sender_name or "").split())  # one line (split() knows every break), whatever the name
    message["From"] = mailbox(name, email.sender) if name else email.sender
    message["To"] = email.to
    message["Subject"] = email.subject
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Date"] = format_datetime(now or clock.now())
    message["Message-ID"] = make_msgid(domain=message_domain())
    for name, value in email.headers.items():
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"header {name} is set by the sender module")
        message[name] = value
    message.set_content(email.text, cte=_transfer_encoding(email.text))
    if email.html is not None:
        message.add_alternative(email.html, subtype="html", cte=_transfer_encoding(email.html))
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def _is_platform(address: str) -> bool:
    return address.lower() == platform_address().lower()


def send(email: OutboundEmail, now: datetime | None = None) -> SentEmail:
    """Send ``email`` through SES; raises :class:`EmailNotSent` when SES refuses it."""
    message = build_message(email, now)
    raw = message.as_bytes(policy=SMTP)  # CRLF line ends, as SMTP and SES expect
    ses = aws.client("ses")
    for attempt in range(2):
        try:
            answer = ses.send_raw_email(Source=email.sender, Destinations=[email.to], RawMessage={"Data": raw})
            return SentEmail(ses_message_id=str(answer["MessageId"]), message_id=str(message["Message-ID"]))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            # The sandbox verifies the platform's own address on first use; a store's address only ever
            # reaches SES once registered and verified as a sender identity (chalicelib/senders.py).
            if attempt == 0 and code == "MessageRejected" and settings().is_local and _is_platform(email.sender):
                from local.emails import verify_sandbox_sender  # the sandbox's package: never in a deployed stage

                verify_sandbox_sender(email.sender)
                continue
            logger.warning("email failed", extra={"reason": code})
            raise EmailNotSent(code) from None
        except BotoCoreError as exc:
            logger.warning("email failed", extra={"reason": type(exc).__name__})
            raise EmailNotSent(type(exc).__name__) from None
    raise EmailNotSent("MessageRejected")
