"""A customer's e-mailed answer: SES receipt rule -> raw MIME in S3 ``inbound/mail/`` -> this function.

Each object is appended to its conversation only when all of these hold, else it is moved to
``inbound/quarantine/<reason>/`` and nothing is appended:

0. its structure can be read: at most :data:`mimeguard.MAX_DEPTH` levels of nesting and
   :data:`mimeguard.MAX_PARTS` parts, measured without recursion before the parser runs, and no error while
   parsing or reading it (``malformed``): a mail never raises out of this function, so S3 never retries it;
1. not an automatic answer (``Auto-Submitted`` other than ``no``: ``auto_submitted``), and SES's verdicts:
   no ``X-SES-Spam-Verdict`` / ``X-SES-Virus-Verdict`` says ``FAIL`` (``spam``, ``virus``), and SES's
   ``Authentication-Results`` does not say ``dmarc=fail`` (``dmarc_fail``: a forged ``From``), nor
   ``spf=fail`` without ``dkim=pass`` (``unverified_sender``: with no DMARC record to fail, nothing else
   would stop a forged sender address); the verdicts are kept on the message for the console;
2. a ``To``/``Cc`` address is ``reply+<token>@<inbound domain>`` whose MAC checks (``bad_token``): the
   token names store and conversation, an unsigned or altered one names nothing;
3. the conversation exists (``unknown_conversation``) and the ``From`` address is its customer's
   (``other_sender``): a forwarded answer cannot speak for, or replace, the customer; a member's
   conversation's member is not blacklisted (``blacklisted``, one more GetItem);
4. it is new: a delivery item keyed by the SHA-256 of its ``Message-ID`` is written in the same
   transaction as the message, so the same mail twice is appended once.

A mail to ``unsubscribe+<token>@<inbound domain>`` (the ``mailto:`` of a marketing e-mail's
``List-Unsubscribe``) is not a conversation's: its token, checked like the one-click link's, unsubscribes
the member (source ``mailto``) and the mail is deleted; a forged token is quarantined (``bad_token``).

The text is the customer's new words (``chalicelib.mailtext``: any client, language and charset), the
whole received text kept beside it when quoted history was cut ("show quoted text" in the console); image
attachments (at most 10, each checked like an upload) join the message. Cost per mail: S3 GET + up to
one PUT per image, one GetItem, one TransactWrite (+ a copy and a delete when quarantined).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import getaddresses
from enum import StrEnum
from typing import Any
from urllib.parse import unquote_plus

from chalicelib import aws, mailtext
from chalicelib.consent import unsubscribe
from chalicelib.conversations import FULL_TEXT_LIMIT, TEXT_LIMIT, record_customer_message
from chalicelib.errors import NotFound
from chalicelib.logs import logger
from chalicelib.messages import mimeguard, replytoken, uploads
from chalicelib.models.inbox import ConversationModel

MAIL_PREFIX = "inbound/mail/"
QUARANTINE_PREFIX = "inbound/quarantine/"
MAX_RAW_BYTES = 40 * 1024 * 1024  # SES's own limit for received mail
VERDICT_HEADERS = {"X-SES-Spam-Verdict": "spam", "X-SES-Virus-Verdict": "virus"}
_DMARC_FAIL = re.compile(r"\bdmarc=fail\b", re.IGNORECASE)
_VERDICT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)


class Outcome(StrEnum):
    APPENDED = "appended"
    UNSUBSCRIBED = "unsubscribed"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: str | None = None
    conversation_id: str | None = None
    key: str | None = None  # where the object is now


@dataclass
class Examined:
    """What the mail says, before anything is looked up."""

    reason: str | None = None
    target: replytoken.ReplyTarget | None = None
    unsubscribe: unsubscribe.Target | None = None  # a mail to a List-Unsubscribe mailto: address
    sender: str | None = None
    message_id: str = ""
    text: str = ""
    full_text: str | None = None  # the whole received text, when history (or length) was cut from ``text``
    images: list[tuple[str, bytes]] = field(default_factory=list)
    verdict: dict[str, str] = field(default_factory=dict)  # SES's spf / dkim / dmarc results


def ses_verdict(message: EmailMessage) -> dict[str, str]:
    """SES's ``spf``, ``dkim`` and ``dmarc`` results from the topmost ``Authentication-Results: amazonses.com``.

    SES prepends its header, so the topmost is SES's; one a sender wrote further down cannot claim a pass.
    """
    for value in message.get_all("Authentication-Results", []):
        text = str(value).strip()
        if text.lower().startswith("amazonses.com"):
            found: dict[str, str] = {}
            for method, result in _VERDICT.findall(text):
                found.setdefault(method.lower(), result.lower())
            return found
    return {}


# --- reading the mail (no I/O) --------------------------------------------------------------------

def examine(raw: bytes) -> Examined:
    """What the mail says; ``malformed`` for a structure past the guards or anything the parser cannot read."""
    structure = mimeguard.measure(raw)
    if structure.problem:
        logger.warning("inbound e-mail refused", extra={"reason": "malformed", "problem": structure.problem})
        return Examined(reason="malformed")
    try:
        return _examine(BytesParser(policy=default).parsebytes(raw), raw)
    except Exception as exc:  # any parser failure: keep the mail for a person, never a 5xx or retry
        logger.warning("inbound e-mail refused", extra={"reason": "malformed", "error": type(exc).__name__})
        return Examined(reason="malformed")


def _examine(message: EmailMessage, raw: bytes) -> Examined:
    recipients = [address for _, address in getaddresses([str(v) for v in message.get_all("To", []) +
                                                          message.get_all("Cc", [])])]
    # First: the token alone decides an unsubscribe (as for the https link), whoever sent it and however.
    wanted = next((t for t in map(unsubscribe.parse_mailto_address, recipients) if t is not None), None)
    if wanted is not None:
        return Examined(unsubscribe=wanted)
    if str(message.get("Auto-Submitted", "no")).strip().lower() != "no":
        return Examined(reason="auto_submitted")  # out-of-office and bounces (RFC 3834): no mail loops
    for header, reason in VERDICT_HEADERS.items():
        # SES prepends its own; a sender's forged "PASS" below it changes nothing: any FAIL refuses.
        if any(str(value).strip().upper() == "FAIL" for value in message.get_all(header, [])):
            return Examined(reason=reason)
    if any(_DMARC_FAIL.search(str(value)) for value in message.get_all("Authentication-Results", [])
           if str(value).strip().lower().startswith("amazonses.com")):
        return Examined(reason="dmarc_fail")  # SES says the From domain did not authenticate it: spoofed
    verdict = ses_verdict(message)
    if verdict.get("spf") == "fail" and verdict.get("dkim") != "pass":
        return Examined(reason="unverified_sender")  # nothing vouches for the sender address, whatever DMARC says
    target = next((t for t in map(replytoken.parse_reply_address, recipients) if t is not None), None)
    if target is None:
        return Examined(reason="bad_token")
    senders = [address.lower() for _, address in getaddresses([str(v) for v in message.get_all("From", [])]) if address]
    if len(senders) != 1:
        return Examined(reason="other_sender", target=target)
    message_id = str(message.get("Message-ID", "")).strip() or "sha256:" + hashlib.sha256(raw).hexdigest()
    reply = mailtext.read_reply(message)
    return Examined(target=target, sender=senders[0], message_id=message_id[:998], text=reply.text[:TEXT_LIMIT],
                    full_text=reply.full_text[:FULL_TEXT_LIMIT] if reply.cut or len(reply.text) > TEXT_LIMIT else None,
                    images=_images(message), verdict=verdict)


def _images(message: EmailMessage) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for part in message.iter_attachments():
        content_type = part.get_content_type()
        if content_type in uploads.CONTENT_TYPES and len(found) < uploads.MAX_IMAGES_PER_MESSAGE:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and 0 < len(data) <= uploads.MAX_IMAGE_BYTES \
                    and uploads.looks_like(content_type, data[:16]):
                found.append((content_type, data))
    return found


# --- handling one stored object -------------------------------------------------------------------

def handle_object(bucket: str, key: str, now: datetime) -> Result:
    if not key.startswith(MAIL_PREFIX):
        return Result(Outcome.IGNORED, key=key)  # our own quarantine copies, or anything else in the bucket
    s3 = aws.client("s3")
    try:
        stored = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        # S3 delivers events at least once: a repeat for a mail already quarantined (moved) is done.
        return Result(Outcome.IGNORED, key=key)
    if int(stored.get("ContentLength", 0)) > MAX_RAW_BYTES:
        return quarantine(s3, bucket, key, "too_large")
    examined = examine(stored["Body"].read())
    if examined.unsubscribe is not None:
        return _unsubscribe(s3, bucket, key, examined.unsubscribe, now)
    if examined.reason or examined.target is None:
        return quarantine(s3, bucket, key, examined.reason or "bad_token")
    target = examined.target
    try:
        conversation = ConversationModel.get(target.store_id, target.conversation_id)
    except ConversationModel.DoesNotExist:
        return quarantine(s3, bucket, key, "unknown_conversation")
    if not conversation.customer_email or conversation.customer_email.lower() != examined.sender:
        return quarantine(s3, bucket, key, "other_sender")
    if conversation.member_id and _member_blacklisted(target.store_id, conversation.member_id):
        return quarantine(s3, bucket, key, "blacklisted")  # a blacklisted member's mail never reaches the inbox
    images = []
    for content_type, data in examined.images:
        image_id = uploads.new_kept_id()  # a kept key: no form can write it
        s3.put_object(Bucket=bucket, Key=uploads.object_key(target.store_id, image_id), Body=data,
                      ContentType=content_type)
        images.append(uploads.Image(image_id, content_type, len(data)))
    appended = record_customer_message(
        target.store_id, target.conversation_id, channel=conversation.channel, text=examined.text,
        attachments=[image.attachment() for image in images],
        now=now, full_text=examined.full_text, rfc_message_id=examined.message_id, sender_verdict=examined.verdict,
        delivery_key="email:" + hashlib.sha256(examined.message_id.encode()).hexdigest())
    outcome = Outcome.APPENDED if appended is not None else Outcome.DUPLICATE
    logger.info("inbound e-mail", extra={"outcome": outcome.value, "conversation_id": target.conversation_id})
    return Result(outcome, conversation_id=target.conversation_id, key=key)


def _member_blacklisted(store_id: str, member_id: str) -> bool:
    from chalicelib.models.members import MemberModel  # one GetItem, for member conversations only

    try:
        return MemberModel.get(store_id, member_id).blacklisted_at is not None
    except MemberModel.DoesNotExist:
        return False


def _unsubscribe(s3: Any, bucket: str, key: str, target: unsubscribe.Target, now: datetime) -> Result:
    """Act on a mail to an unsubscribe address, then delete it: the consent event is the record kept."""
    try:
        unsubscribe.by_mail(target, now)
    except NotFound:  # a member since deleted: nothing to unsubscribe
        return quarantine(s3, bucket, key, "unknown_member")
    s3.delete_object(Bucket=bucket, Key=key)
    logger.info("inbound e-mail", extra={"outcome": Outcome.UNSUBSCRIBED.value, "purpose": target.purpose})
    return Result(Outcome.UNSUBSCRIBED, key=key)


def quarantine(s3: Any, bucket: str, key: str, reason: str) -> Result:
    """Keep the mail for a person to look at, out of the function's way (its own prefix, no trigger)."""
    moved = f"{QUARANTINE_PREFIX}{reason}/{key.removeprefix(MAIL_PREFIX)}"
    s3.copy_object(Bucket=bucket, Key=moved, CopySource={"Bucket": bucket, "Key": key},
                   Metadata={"reason": reason}, MetadataDirective="REPLACE")
    s3.delete_object(Bucket=bucket, Key=key)
    logger.warning("inbound e-mail quarantined", extra={"reason": reason})
    return Result(Outcome.QUARANTINED, reason=reason, key=moved)


def handle_event(event: dict[str, Any], now: datetime) -> list[Result]:
    """An S3 ``ObjectCreated`` notification (keys arrive URL-encoded, spaces as ``+``)."""

    return [handle_object(record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"]), now)
            for record in event.get("Records", []) if "s3" in record]
