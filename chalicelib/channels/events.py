"""The one event model every platform's delivery is read into, and the helpers the readers share.

Only the envelope can make a signed delivery a 400 (:class:`PayloadError`): a body that is not JSON,
a Meta ``object`` that is not the route's channel or an ``entry`` that is not a list, LINE ``events``
that is not a list. Inside a valid envelope every item is parsed on its own: one we cannot use (no
sender, an event type we do not know, a group chat) is skipped and counted, never refused, because
Meta and LINE treat any non-200 as a failed delivery, retry it and flag the webhook. Each platform's
own format is read by its adapter (``channels/line.py``, ``meta.py``, ``whatsapp.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import InvalidRequest


class PayloadError(InvalidRequest):
    """A signed delivery whose content is not what the platform documents."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body", code="invalid_payload")


@dataclass(frozen=True)
class InboundEvent:
    """One thing a customer did (or, for ``echo``/``status``, one thing that happened to our message)."""

    channel: str
    kind: str  # message | postback | comment | follow | unfollow | echo | status
    user_id: str  # the customer's id on the channel
    provider_id: str  # the platform's id of this message/comment/event: the deduplication key
    at: datetime
    account_id: str | None = None  # the store's page / IG account / WhatsApp phone number id / LINE bot
    text: str | None = None
    attachments: tuple[dict[str, str], ...] = field(default_factory=tuple)
    user_name: str | None = None  # when the payload carries it (WhatsApp, comments)
    comment_id: str | None = None
    post_id: str | None = None
    reply_token: str | None = None  # LINE
    status: str | None = None  # WhatsApp status updates: sent | delivered | read | failed
    entry_id: str | None = None  # Meta entry[].id: the account the whole entry is addressed to
    timestamp_known: bool = True  # False when the platform's timestamp was unusable (``at`` is receipt time)

    @property
    def social_user_key(self) -> str:
        return f"{self.channel}:{self.user_id}"

    @property
    def display_text(self) -> str | None:
        """What the inbox shows as the last message: the text, else the kind of attachment."""
        if self.text:
            return self.text
        if self.attachments:
            return f"[{self.attachments[0].get('type', 'attachment')}]"
        return f"[{self.kind}]" if self.kind in ("follow", "unfollow") else None


@dataclass
class Delivery:
    """What a delivery holds: the events we can use, and how many items were skipped."""

    events: list[InboundEvent]
    skipped: int = 0


@dataclass(frozen=True)
class Skipped:
    """An item inside a valid envelope that we cannot use: acknowledged, logged and counted."""

    reason: str


Parsed = InboundEvent | Skipped


def load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("the body is not valid JSON") from None
    except RecursionError:  # e.g. 30,000 '[': deeper than any real payload
        raise PayloadError("the body is nested too deeply") from None


# --- what the readers share ------------------------------------------------------------------------

def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"'{where}' must be an object")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"'{where}' must be a list")
    return value


def an_id(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > 256:
        raise PayloadError(f"'{where}' is missing or not an id")
    return value


def opt_str(value: Any, max_length: int = 20_000) -> str | None:
    return value[:max_length] if isinstance(value, str) and value else None


def moment(value: Any, where: str) -> datetime:
    """Platforms send epoch seconds or milliseconds, as numbers or strings."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PayloadError(f"'{where}' must be a timestamp") from None
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"'{where}' must be a timestamp") from None


def moment_or(value: Any, now: datetime) -> tuple[datetime, bool]:
    """The platform's time, or receipt time (flagged) when it sent one we cannot read."""
    try:
        return moment(value, "timestamp"), True
    except PayloadError:
        return now, False


def guard(parse: Any, *args: Any) -> Parsed | None:
    """One item parsed on its own: a malformed item is skipped, never the whole delivery."""
    try:
        result: Parsed | None = parse(*args)
        return result
    except PayloadError as exc:
        return Skipped(exc.message)
