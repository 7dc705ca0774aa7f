"""What the embedded SES (moto, in this process) recorded as sent: ``GET /_local/emails`` and the tests.

moto keeps every ``send_raw_email`` as the raw bytes we sent; they are parsed back here with the
standard library, so the sandbox shows the headers exactly as the recipient's server would get them.
"""

from __future__ import annotations

import os
from email import message_from_string
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from typing import Any, cast


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    return None if body is None else str(cast(EmailMessage, body).get_content())


def parsed(raw: str) -> dict[str, Any]:
    message = message_from_string(raw, policy=default)
    date = message["Date"]
    return {
        "to": str(message["To"] or ""), "from": str(message["From"] or ""),
        "reply_to": str(message["Reply-To"]) if message["Reply-To"] else None,
        "subject": str(message["Subject"] or ""), "text": _part(message, "plain"), "html": _part(message, "html"),
        "headers": {name: " ".join(str(value).split()) for name, value in message.items()},
        "at": parsedate_to_datetime(str(date)).isoformat() if date else None,
    }


def sent_emails() -> list[dict[str, Any]]:
    """Every e-mail the in-process SES sent, oldest first, with ``ses_message_id``."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import RawMessage, ses_backends

    backend = ses_backends[DEFAULT_ACCOUNT_ID][os.environ.get("AWS_DEFAULT_REGION", "us-east-1")]
    items = []
    for sent in backend.sent_messages:
        if isinstance(sent, RawMessage):
            items.append({**parsed(sent.raw_data), "ses_message_id": sent.id})
    return items


def verify_sandbox_sender(address: str) -> None:
    """The sandbox's SES verifies a sender on first use, as the operator, not as the sending function:
    no function's role in the template may verify identities (on AWS the operator verifies them)."""
    from chalicelib import aws
    from local.lambdas import as_operator

    with as_operator():
        aws.client("ses").verify_email_identity(EmailAddress=address)
