"""Sending through the channels: Messenger and Instagram Send API, comment replies (public and private),
WhatsApp Cloud API messages, LINE push and reply; and the profile look-ups that name a customer.

Everything goes over urllib3 to ``GRAPH_API_BASE_URL`` / ``LINE_API_BASE_URL`` with timeouts; 5xx, 429
and network errors are tried up to three times with backoff, all inside one time budget. A refusal
becomes 502 ``channel_error`` carrying the platform's own message.
The access token travels in an ``Authorization: Bearer`` header (Graph and LINE both accept it), so it
never appears in a URL or a log line.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import urllib3

from chalicelib import secrets
from chalicelib.channels.spec import spec_for
from chalicelib.config import settings
from chalicelib.errors import ApiError
from chalicelib.logs import logger

GRAPH_VERSION = "v21.0"
CONNECT_SECONDS = 3.0
READ_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 0.3  # then 0.6 s: exponential backoff between attempts
MAX_ATTEMPTS = 3
CALL_BUDGET_SECONDS = 20.0  # every attempt and pause of one call: well inside the API Lambda's 30 s
LINE_TEMPLATE_TEXT_MAX = 160  # LINE buttons template text limit; longer texts go as a flex bubble

_pool: urllib3.PoolManager | None = None


def _http() -> urllib3.PoolManager:
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS), retries=False)
    return _pool


@dataclass(frozen=True)
class LinkButton:
    """A button that opens a web page (Meta ``web_url`` button, LINE ``uri`` action)."""

    title: str
    url: str


@dataclass(frozen=True)
class OutboundMessage:
    """What we send: text, optionally with one link button (WhatsApp gets the link appended)."""

    text: str
    button: LinkButton | None = None


@dataclass(frozen=True)
class Sent:
    provider_message_id: str | None
    private_reply_to: str | None = None  # the comment answered, when it went as a private reply


class ChannelError(ApiError):
    """The channel's platform could not be reached, refused the call, or is not configured."""

    code = "channel_error"
    maybe_delivered = False  # a send whose answer timed out: it may have arrived (never sent again)

    @property
    def retryable(self) -> bool:
        """Worth trying again later: unreachable, 429 or 5xx, and certainly not delivered."""
        status = self.extra.get("platform_status")
        return not self.maybe_delivered and (status is None or status == 429 or int(status) >= 500)


# --- payloads, as each platform documents them (pure) ----------------------------------------------

def meta_message(message: OutboundMessage) -> dict[str, Any]:
    if message.button is None:
        return {"text": message.text}
    return {"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": message.text,
        "buttons": [{"type": "web_url", "url": message.button.url, "title": message.button.title}]}}}


def whatsapp_message(to: str, message: OutboundMessage) -> dict[str, Any]:
    text = message.text if message.button is None else f"{message.text}\n{message.button.url}"
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"body": text, "preview_url": message.button is not None}}


def line_messages(message: OutboundMessage) -> list[dict[str, Any]]:
    if message.button is None:
        return [{"type": "text", "text": message.text}]
    action = {"type": "uri", "label": message.button.title, "uri": message.button.url}
    alt_text = message.text[:400]
    if len(message.text) <= LINE_TEMPLATE_TEXT_MAX:
        return [{"type": "template", "altText": alt_text,
                 "template": {"type": "buttons", "text": message.text, "actions": [action]}}]
    return [{"type": "flex", "altText": alt_text, "contents": {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical",
                 "contents": [{"type": "text", "text": message.text, "wrap": True}]},
        "footer": {"type": "box", "layout": "vertical",
                   "contents": [{"type": "button", "style": "primary", "action": action}]}}}]


# --- sending --------------------------------------------------------------------------------------

def send_message(store_id: str, channel: str, account_id: str | None, user_id: str,
                 message: OutboundMessage) -> Sent:
    """A direct message to a customer on any channel (LINE: push)."""
    if channel == "line":
        body = _call(store_id, "line", "POST", "/v2/bot/message/push",
                     {"to": user_id, "messages": line_messages(message)}, retry_key=str(uuid.uuid4()))
        return Sent(_line_message_id(body))
    if channel == "whatsapp":
        body = _call(store_id, channel, "POST", f"/{_segment(_account(account_id))}/messages",
                     whatsapp_message(user_id, message))
        messages = body.get("messages") if isinstance(body, dict) else None
        return Sent(str(messages[0].get("id")) if messages and isinstance(messages[0], dict) else None)
    body = _call(store_id, channel, "POST", f"/{_segment(_account(account_id))}/messages",
                 {"recipient": {"id": user_id}, "messaging_type": "RESPONSE", "message": meta_message(message)})
    return Sent(_meta_message_id(body))


def private_reply_comment(channel: str, last_comment_id: str | None) -> str | None:
    """The comment a message to this customer must answer privately, if any.

    Meta refuses a plain DM to someone whose last contact was a comment (no open thread): on
    Messenger/Facebook and Instagram the first message goes as a private reply to that comment,
    once per comment. The one rule for every outbound message (replies, invitations, cart links).
    """
    return last_comment_id if spec_for(channel).private_replies and last_comment_id else None


def send_to_customer(store_id: str, channel: str, account_id: str | None, user_id: str,
                     last_comment_id: str | None, message: OutboundMessage) -> Sent:
    """A message to a conversation's customer: a private reply when :func:`private_reply_comment` says so."""
    comment_id = private_reply_comment(channel, last_comment_id)
    if comment_id is None:
        return send_message(store_id, channel, account_id, user_id, message)
    if message.button is not None:  # a private reply carries text only: the link goes in the text
        message = OutboundMessage(f"{message.text}\n{message.button.url}")
    sent = send_private_reply(store_id, channel, account_id, comment_id, message)
    return Sent(sent.provider_message_id, private_reply_to=comment_id)


def send_private_reply(store_id: str, channel: str, account_id: str | None, comment_id: str,
                       message: OutboundMessage) -> Sent:
    """Instagram / Facebook private reply: a direct message answering one comment (once, within 7 days)."""
    body = _call(store_id, channel, "POST", f"/{_segment(_account(account_id))}/messages",
                 {"recipient": {"comment_id": comment_id}, "message": meta_message(message)})
    return Sent(_meta_message_id(body))


def reply_to_comment(store_id: str, channel: str, comment_id: str, text: str) -> Sent:
    """A public reply under the comment: Instagram ``/{comment-id}/replies``, Facebook ``/{comment-id}/comments``."""
    edge = "replies" if channel == "instagram" else "comments"
    body = _call(store_id, channel, "POST", f"/{_segment(comment_id)}/{edge}", {"message": text})
    return Sent(str(body["id"]) if isinstance(body, dict) and body.get("id") else None)


def line_bot_user_id(channel_access_token: str) -> str:
    """The LINE bot's own user id (``destination`` of its webhooks), from ``GET /v2/bot/info``."""
    body = _call("", "line", "GET", "/v2/bot/info", None, token=channel_access_token)
    user_id = body.get("userId") if isinstance(body, dict) else None
    if not isinstance(user_id, str) or not user_id:
        raise ChannelError("LINE did not name the bot's user id", channel="line")
    return user_id


def fetch_profile_name(store_id: str, channel: str, user_id: str, quiet: bool = True) -> str | None:
    """The customer's display name from the channel, or None when the platform will not say.

    ``quiet=False``: a :class:`ChannelError` is raised instead (the channel-work consumer retries)."""
    try:
        if channel == "line":
            body = _call(store_id, "line", "GET", f"/v2/bot/profile/{_segment(user_id)}", None)
            return _name(body.get("displayName")) if isinstance(body, dict) else None
        if channel == "whatsapp":
            return None  # WhatsApp names come in the webhook's contacts[].profile.name
        fields = "name,username" if channel == "instagram" else "name,first_name,last_name"
        body = _call(store_id, channel, "GET", f"/{_segment(user_id)}?fields={fields}", None)
        if not isinstance(body, dict):
            return None
        joined = " ".join(p for p in (body.get("first_name"), body.get("last_name")) if isinstance(p, str) and p)
        return _name(body.get("name")) or _name(joined) or _name(body.get("username"))
    except ChannelError as exc:
        logger.warning("profile lookup refused", extra={"channel": channel, "reason": exc.message})
        if not quiet:
            raise
        return None


# --- transport ------------------------------------------------------------------------------------

def _account(account_id: str | None) -> str:
    if not account_id:
        raise ChannelError("the channel has no account id configured")
    return account_id


def _segment(value: str) -> str:
    """Ids come from webhook payloads: never let one change the path."""
    return quote(value, safe="")


def _name(value: Any) -> str | None:
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def _meta_message_id(body: Any) -> str | None:
    return str(body["message_id"]) if isinstance(body, dict) and body.get("message_id") else None


def _line_message_id(body: Any) -> str | None:
    sent = body.get("sentMessages") if isinstance(body, dict) else None
    return str(sent[0].get("id")) if sent and isinstance(sent[0], dict) else None


def _token(store_id: str, channel: str) -> str:
    values = secrets.get_channel_secrets(store_id, channel) or {}
    token = values.get("channel_access_token" if channel == "line" else "access_token")
    if not token:
        raise ChannelError(f"{channel} is not configured for this store", channel=channel)
    return str(token)


def _call(store_id: str, channel: str, method: str, path: str, payload: dict[str, Any] | None,
          retry_key: str | None = None, token: str | None = None) -> Any:
    base = settings().line_api_base_url if channel == "line" else f"{settings().graph_api_base_url}/{GRAPH_VERSION}"
    headers = {"Authorization": f"Bearer {token or _token(store_id, channel)}"}
    data = None
    if payload is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(payload).encode()
    if retry_key:
        headers["X-Line-Retry-Key"] = retry_key  # LINE does not send twice for the same key
    url = base.rstrip("/") + path
    response = None
    deadline = time.monotonic() + CALL_BUDGET_SECONDS
    for attempt in range(1, MAX_ATTEMPTS + 1):
        remaining = deadline - time.monotonic()
        timeout = urllib3.Timeout(connect=min(CONNECT_SECONDS, remaining), read=min(READ_SECONDS, remaining))
        try:
            response = _http().request(method, url, body=data, headers=headers, timeout=timeout)
        except urllib3.exceptions.HTTPError as exc:
            # A send that timed out reading may have been delivered: only LINE (retry key) and reads repeat it.
            repeatable = not isinstance(exc, urllib3.exceptions.ReadTimeoutError) or method == "GET" or retry_key
            pause = _backoff(attempt)
            if not repeatable or attempt == MAX_ATTEMPTS or deadline - time.monotonic() < pause + 1.0:
                logger.warning("channel unreachable", extra={"channel": channel, "attempts": attempt,
                                                             "error": type(exc).__name__})
                error = ChannelError(f"{channel} could not be reached ({type(exc).__name__})", channel=channel)
                error.maybe_delivered = not repeatable
                raise error from None
            time.sleep(pause)
            continue
        if response.status >= 500 or response.status == 429:
            pause = _retry_after(response, attempt)
            if attempt < MAX_ATTEMPTS and deadline - time.monotonic() > pause + 1.0:
                time.sleep(pause)
                continue
        break
    assert response is not None
    body = _json(response.data)
    if response.status >= 400:
        if channel == "line" and response.status == 409 and retry_key:
            return body  # the retried push had already been accepted
        reason = _platform_message(body) or f"HTTP {response.status}"
        logger.warning("channel refused", extra={"channel": channel, "status": response.status, "reason": reason})
        raise ChannelError(f"{channel} refused the request: {reason}", channel=channel,
                           platform_status=response.status, platform_message=reason)
    return body


def _backoff(attempt: int) -> float:
    return float(RETRY_PAUSE_SECONDS * 2 ** (attempt - 1))


def _retry_after(response: urllib3.BaseHTTPResponse, attempt: int) -> float:
    """The platform's Retry-After (at most 2 s), else exponential backoff."""
    try:
        return min(float(response.headers.get("Retry-After", _backoff(attempt))), 2.0)
    except ValueError:
        return _backoff(attempt)


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def _platform_message(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:500]  # Graph API
    if isinstance(body.get("message"), str):
        return str(body["message"])[:500]  # LINE
    return None
