"""Webhook intake: the Meta subscription handshake, and signed deliveries turned into conversations.

Order for a delivery: size, store and channel (the channel item from DynamoDB, kept a minute per warm
Lambda, yes or no: an unknown store or channel is a 404 without any SSM read), secrets from SSM
(cached), signature over the raw bytes, then parsing. Only a body outside the channel's envelope is
a 400; inside it every item is acknowledged (see channels/events.py). An event addressed to another
account than the configured one, or older than the dedup window (a replay), is dropped: nothing
stored, nothing sent. Each event is stored on its own (one TransactWrite, deduplicated by the
provider's id), so a batch that failed half-way is safe to redeliver: a failure answers non-200 and
the platform retries.

DynamoDB calls per inbound message: at most 2. One GetItem of the conversation when the payload
does not name the customer and this instance has not seen them, and the intake TransactWrite.

No channel call is made here: Meta and LINE stop delivering to a webhook that answers slowly. Work for
the channels (a keyword auto-reply, a new customer's profile look-up) goes on the channel-work queue in
one SQS call per delivery (``channels/work_queue.py``) and is done by the consumer
(``inbox/channel_work.py``), paced per page and channel. A redelivered event that matches a rule queues
its reply again (the first attempt may have failed between storing and queueing); the consumer's claim
answers it once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import secrets, tokens
from chalicelib.channels import work_queue
from chalicelib.channels.adapter import ChannelAdapter
from chalicelib.channels.credentials import cached_channel_config, get_channel_config
from chalicelib.channels.events import InboundEvent
from chalicelib.channels.registry import adapter_for
from chalicelib.conversations import (
    DELIVERY_MEMORY,
    Outcome,
    conversation_id_for,
    record_echo,
    record_inbound,
    record_status,
)
from chalicelib.errors import Forbidden, NotFound, PayloadTooLarge, Unauthorized
from chalicelib.inbox import autoreply, channel_work
from chalicelib.logs import logger
from chalicelib.models.inbox import ConversationModel

# Meta batches up to 1000 updates per delivery; a legitimate body stays well under this.
WEBHOOK_MAX_BODY_BYTES = 1536 * 1024
_STORE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NAME_CACHE_SIZE = 10_000


@dataclass
class DeliveryResult:
    events: int = 0
    stored: int = 0
    duplicates: int = 0
    dropped: int = 0
    auto_replies: int = 0  # replies queued for events stored by this delivery
    skipped: int = 0  # items inside the envelope we cannot use (no sender, unknown type...)
    jobs: list[dict[str, Any]] = field(default_factory=list)  # channel work to queue once the events are stored

    def view(self) -> dict[str, int]:
        return {"events": self.events, "stored": self.stored, "duplicates": self.duplicates,
                "dropped": self.dropped, "auto_replies": self.auto_replies, "skipped": self.skipped}


def _store_channel(store_id: str, channel: str) -> ChannelAdapter:
    adapter = adapter_for(channel)  # 404 for an unknown channel
    if not _STORE_ID.match(store_id):
        raise NotFound("store not found")
    return adapter


def verify_subscription(store_id: str, channel: str, mode: str | None, token: str | None,
                        challenge: str | None) -> str:
    """Meta's ``hub.challenge`` when ``hub.verify_token`` is the store's verify token; else 403."""
    if not _store_channel(store_id, channel).spec.meta:
        raise NotFound(f"{channel} has no subscription handshake")
    config = get_channel_config(store_id, channel)  # 404 when not configured
    if mode != "subscribe" or not token or challenge is None or not config.verify_token_hash \
            or not tokens.same_digest(tokens.sha256_hex(token), config.verify_token_hash):
        raise Forbidden("the verify token does not match this store's channel")
    return challenge


def receive_delivery(store_id: str, channel: str, raw: bytes, signature: str | None, now: datetime) -> DeliveryResult:
    adapter = _store_channel(store_id, channel)
    if len(raw) > WEBHOOK_MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the delivery is larger than {WEBHOOK_MAX_BODY_BYTES} bytes", code="body_too_large")
    config = cached_channel_config(store_id, channel)
    channel_secrets = secrets.get_channel_secrets(store_id, channel) if config is not None else None
    if config is None or channel_secrets is None:
        raise NotFound(f"no {channel} channel is configured for this store")
    if not adapter.signature_is_valid(channel_secrets, raw, signature):
        raise Unauthorized(adapter.signature_problem(signature), code="invalid_signature",
                           header=adapter.signature_header_name)
    delivery = adapter.read_delivery(raw, now)
    result = DeliveryResult(events=len(delivery.events), skipped=delivery.skipped)
    for position, event in enumerate(delivery.events):
        reason = drop_reason(event, config.account_id, now)
        if reason:
            result.dropped += 1
            logger.info("webhook event dropped", extra={"channel": channel, "kind": event.kind, "reason": reason})
            continue
        _handle(store_id, event, now, result, position)
    work_queue.send(result.jobs)  # after every event is stored; a failure answers 500 and the platform retries
    if result.skipped or result.dropped:
        logger.info("webhook delivery acknowledged", extra={"channel": channel, **result.view()})
    return result


def drop_reason(event: InboundEvent, account_id: str | None, now: datetime) -> str | None:
    """Why an event is acknowledged but not kept: addressed to another account, or a replay."""
    # LINE names the bot in `destination`; Meta names the page / IG account / number in
    # entry[].id and in recipient (sender, for echoes) or metadata.phone_number_id.
    if account_id is not None and (event.account_id != account_id
                                   or (event.entry_id is not None and event.entry_id != account_id)):
        return "another_account"
    if event.timestamp_known and event.at < now - DELIVERY_MEMORY:
        return "older_than_dedup_window"  # its dedup record may have expired: it could be stored twice
    return None


def _handle(store_id: str, event: InboundEvent, now: datetime, result: DeliveryResult, position: int) -> None:
    if event.kind == "status":
        if record_status(store_id, event, now):
            result.stored += 1
        else:
            result.dropped += 1
        return
    if event.kind == "echo":
        if record_echo(store_id, event, now):
            result.stored += 1
        else:
            result.duplicates += 1
        return
    known = _known_name(store_id, event.social_user_key)
    name = event.user_name or known or None
    look_up = False
    if name is None and known is None:
        try:
            conversation = ConversationModel.get(store_id, conversation_id_for(event.social_user_key))
        except DoesNotExist:
            conversation = None
        if conversation is not None and conversation.held_back:
            result.dropped += 1
            return
        name = conversation.social_user_name if conversation else None
        look_up = name is None and adapter_for(event.channel).looks_up_profiles
    outcome = record_inbound(store_id, event, name, now, position)
    if outcome is Outcome.BLACKLISTED:
        result.dropped += 1
        return
    job = autoreply.reply_job(store_id, event, now)
    if outcome is Outcome.DUPLICATE:
        result.duplicates += 1
        if job is not None:
            result.jobs.append(job)  # its first delivery may have failed before queueing it: the claim dedups
        return
    result.stored += 1
    _remember_name(store_id, event.social_user_key, name or "")  # "" = looked up already (queued)
    if look_up:
        result.jobs.append(channel_work.profile_job(store_id, event.channel, event.user_id, event.social_user_key))
    if job is not None:
        result.jobs.append(job)
        result.auto_replies += 1
    # DEBUG: the request's own INFO line already says it was answered; one line per event doubled the log
    # (CloudWatch ingestion and about 0.15 ms per webhook, issue 18). Drops and failures stay at INFO.
    logger.debug("webhook event stored", extra={"channel": event.channel, "kind": event.kind})


# Names this warm instance has already stored on a conversation ("" when its look-up is queued): no read
# needed for the next message.
_names: dict[tuple[str, str], str] = {}
_names_lock = threading.Lock()


def _known_name(store_id: str, social_user_key: str) -> str | None:
    with _names_lock:
        return _names.get((store_id, social_user_key))


def _remember_name(store_id: str, social_user_key: str, name: str) -> None:
    with _names_lock:
        if len(_names) >= _NAME_CACHE_SIZE:
            _names.clear()
        _names[(store_id, social_user_key)] = name
