"""Helpers for shop and order messages: customer e-mails as mail clients write them, images, calls."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from tests.conftest import call as json_call  # the one request helper, under the name these tests use

# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000050001 0d0a2db40000000049454e44ae426082".replace(" ", ""))
SHOP_EMAIL = "shop@demo-tea-house.example"


def customer_reply(*, sender: str, reply_to: str, text: str = "Thanks! Can it ship on Friday?",
                   quoted: str = "Your order has shipped.", message_id: str | None = None,
                   headers: dict[str, str] | None = None) -> bytes:
    """A reply as Gmail writes one: the new words, the attribution line, the quoted history."""
    message = EmailMessage()
    message["From"] = f"Customer <{sender}>"
    message["To"] = reply_to
    message["Subject"] = "Re: your order"
    message["Date"] = format_datetime(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(f"{text}\n\nOn Wed, Nov 25, 2026 at 9:00 AM Demo Tea House <{SHOP_EMAIL}> wrote:\n"
                        + "".join(f"> {line}\n" for line in quoted.splitlines()))
    return message.as_bytes(policy=SMTP)


def post_inbound(client: Any, raw: bytes) -> tuple[int, Any]:
    response = client.http.post("/_local/emails/inbound", headers={"Content-Type": "message/rfc822"}, body=raw)
    return response.status_code, json.loads(response.body) if response.body else None


def altered(token_address: str) -> str:
    """The reply address with one character of its token changed."""
    at = token_address.index("+") + 5
    swapped = "a" if token_address[at] != "a" else "b"
    return token_address[:at] + swapped + token_address[at + 1:]


def verified_sender(client: Any, store: Any, identity: str = SHOP_EMAIL) -> None:
    """The store registers ``identity`` as a sender identity and the sandbox verifies it as SES would."""
    kind = "domain" if "@" not in identity else "email"
    status, answer = json_call(client, "POST", "/admin/sender-identities", store.admin(), {kind: identity})
    assert status == 202, answer
    status, answer = json_call(client, "POST", f"/_local/ses/identities/{identity}/verify", {}, None)
    assert status == 200 and answer["status"] == "verified", answer


def nested_mime_bomb(sender: str, reply_to: str, depth: int = 1000) -> bytes:
    """The review's proof: ``depth`` nested multipart/mixed parts (68 KB at 1,000), one line of text inside."""
    head = (f"From: {sender}\r\nTo: {reply_to}\r\nSubject: Re: your order\r\nMessage-ID: <bomb@attacker.example>\r\n"
            "MIME-Version: 1.0\r\n").encode()
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    closing = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\r\n\r\nhello\r\n" + closing
