"""The channel-work consumer: auto-replies and profile look-ups, taken off the webhook's path.

app.py's ``channel_work`` (``@app.on_sqs_message``, batches of up to 10) calls :func:`handle_records`;
the local stack's Lambda polls the template's event source and calls it the same way. For each job:

1. **Pace** (``channels/pacing.py``): wait for this page's or channel's next slot when it is near
   (at most :data:`MAX_WAIT_SECONDS`); otherwise the job goes back on the queue with a delay and this
   copy is done.
2. **Claim** (auto-replies): one conditional write keyed on the comment or message
   (``<channel>:reply:<id>`` in the deliveries table) that only succeeds when no job has answered it and
   none is answering it now (a lease of :data:`LEASE`). A second copy of the job (a redelivered webhook,
   SQS delivering twice) finds the claim and stops: one reply per comment.
3. **Call** the platform through its adapter (``channels/transport.py`` already retries 429, 5xx and
   network errors three times within 20 s). Still failing and certainly not delivered: the claim's lease
   is given back and the record is reported failed, so SQS offers it again after its visibility timeout;
   after 5 receives it goes to the dead-letter queue, whose alarm is in the template. Refused for good
   (a 4xx), or a send whose answer timed out (it may have arrived): the claim is closed and nothing is
   sent again.
4. **Keep** the reply: one transaction closes the claim (only if this job still holds it) and stores the
   outbound message on the conversation.

Answers Lambda's partial-batch shape: ``{"batchItemFailures": [{"itemIdentifier": <messageId>}]}``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib import aws
from chalicelib.channels import outbound, pacing, work_queue
from chalicelib.channels.registry import adapter_for
from chalicelib.config import channel_queue_url
from chalicelib.conversations import DELIVERY_MEMORY, conversation_id_for
from chalicelib.inbox import autoreply
from chalicelib.logs import logger
from chalicelib.models.inbox import ConversationModel, DeliveryModel
from chalicelib.models.transactions import NamedTransaction

MAX_WAIT_SECONDS = 2.0  # a pacing wait longer than this puts the job back on the queue instead
LEASE = timedelta(seconds=60)  # longer than one job takes (pacing wait + the call's 20 s budget)
RESERVE_SECONDS = 25.0  # time an invocation keeps for one more job; records past it are handed back
_sleep: Callable[[float], None] = time.sleep


class RetryLater(Exception):
    """The job could not be done now and nothing was sent: SQS offers it again."""


def profile_job(store_id: str, channel: str, user_id: str, social_user_key: str) -> dict[str, Any]:
    """Look up a new customer's display name (the webhook stores the message without waiting for it)."""
    return {"kind": "profile", "store_id": store_id, "channel": channel, "user_id": user_id,
            "social_user_key": social_user_key}


def handle_records(records: list[dict[str, Any]], now: Callable[[], datetime],
                   remaining_seconds: Callable[[], float] = lambda: 900.0) -> dict[str, list[dict[str, str]]]:
    failures: list[dict[str, str]] = []
    untouched: list[dict[str, Any]] = []
    for record in records:
        message_id = str(record.get("messageId", ""))
        if remaining_seconds() < RESERVE_SECONDS:
            failures.append({"itemIdentifier": message_id})  # back to the queue untouched
            untouched.append(record)
            continue
        try:
            job = json.loads(record["body"])
            handle(job, now)
        except RetryLater as exc:
            logger.warning("channel work will be retried", extra={"reason": str(exc)})
            failures.append({"itemIdentifier": message_id})
        except (ValueError, KeyError, TypeError):
            logger.exception("channel work dropped: malformed job")  # retrying cannot mend it
        except Exception:
            logger.exception("channel work failed; SQS offers it again")
            failures.append({"itemIdentifier": message_id})
    _offer_again_now(untouched)
    return {"batchItemFailures": failures}


def _offer_again_now(records: list[dict[str, Any]]) -> None:
    """Records this invocation had no time for are visible again at once, not after the visibility timeout."""
    handles = [r for r in records if r.get("receiptHandle") and r.get("eventSourceARN")]
    if not handles:
        return
    try:
        aws.client("sqs").change_message_visibility_batch(QueueUrl=channel_queue_url(), Entries=[
            {"Id": str(i), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": 0}
            for i, r in enumerate(handles[:10])])
    except Exception:  # they come back after the visibility timeout anyway
        logger.exception("could not hand channel work back early")


def handle(job: dict[str, Any], now: Callable[[], datetime]) -> str:
    """Does one job; returns what happened (``sent``, ``duplicate``, ``refused``, ``deferred``, ``named``...)."""
    kind = job["kind"]
    if kind == "auto_reply":
        if not _paced(job, str(job["channel"]), str(job.get("account_id") or job["store_id"]), str(job["how"])):
            return "deferred"
        return _auto_reply(job, now)
    if kind == "profile":
        if not _paced(job, str(job["channel"]), str(job["store_id"]), "profile"):
            return "deferred"
        return _profile(job)
    raise ValueError(f"unknown channel job {kind!r}")


def _paced(job: dict[str, Any], channel: str, account: str, kind: str) -> bool:
    wait = pacing.pacer().reserve(channel, account, kind, MAX_WAIT_SECONDS)
    if wait < 0:
        # Too far off to hold this invocation: back on the queue, due about when its slot comes.
        work_queue.send([{**job, "deferrals": int(job.get("deferrals", 0)) + 1}], delay_seconds=int(-wait) + 1)
        return False
    if wait > 0:
        _sleep(wait)
    return True


def claim_key(job: dict[str, Any]) -> str:
    return f"{job['channel']}:reply:{job.get('comment_id') or job['provider_id']}"


def _auto_reply(job: dict[str, Any], now: Callable[[], datetime]) -> str:
    store_id, key = str(job["store_id"]), claim_key(job)
    conversation_id = conversation_id_for(str(job["social_user_key"]))
    lease = str(uuid.uuid4())
    at = now()
    Claim = DeliveryModel
    try:
        Claim(store_id, key).update(
            actions=[Claim.conversation_id.set(conversation_id), Claim.received_at.set(at),
                     Claim.expires_at.set(at + DELIVERY_MEMORY), Claim.lease_id.set(lease),
                     Claim.lease_until.set(at + LEASE)],
            condition=Claim.delivery_key.does_not_exist()
            | (Claim.outcome.does_not_exist() & (Claim.lease_until.does_not_exist() | (Claim.lease_until < at))))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return "duplicate"  # answered, or being answered by another copy of this job
        raise
    try:
        sent = autoreply.send_reply(job)
    except outbound.ChannelError as exc:
        if exc.retryable:
            _release(store_id, key, lease)
            raise RetryLater(f"{job['channel']}: {exc.message}") from None
        _close(store_id, key, lease, "refused")
        logger.warning("auto-reply refused", extra={"channel": job["channel"], "rule_id": job.get("rule_id"),
                                                     "reason": exc.message})
        return "refused"
    try:
        _keep(job, key, lease, sent, now())
    except Exception:
        # Sent, but not kept: never let SQS offer it again (a second reply); close the claim if DynamoDB lets us.
        logger.exception("auto-reply sent but not stored", extra={"channel": job["channel"]})
        try:
            _close(store_id, key, lease, "sent")
        except Exception:
            logger.exception("auto-reply claim left leased: the reply may be sent again after the lease")
    return "sent"


def _keep(job: dict[str, Any], key: str, lease: str, sent: outbound.Sent, at: datetime) -> None:
    """Closes the claim and stores the reply in one transaction; the claim alone when the reply cannot be
    stored (its echo got there first, or the conversation is gone or blacklisted)."""
    store_id = str(job["store_id"])
    write = autoreply.reply_write(job, sent, at)
    tx = NamedTransaction()
    try:
        with tx:
            tx.update("claim", DeliveryModel(store_id, key), actions=_closing("sent"),
                      condition=DeliveryModel.lease_id == lease)
            write.add_to(tx, store_id, conversation_id_for(str(job["social_user_key"])))
    except TransactWriteError as exc:
        refused = tx.refused(exc)
        if not refused:
            raise
        if "claim" in refused:
            logger.warning("auto-reply lease lost while sending", extra={"channel": job["channel"]})
            return
        _close(store_id, key, lease, "sent")


def _closing(outcome: str) -> list[Any]:
    return [DeliveryModel.outcome.set(outcome), DeliveryModel.lease_until.remove()]


def _close(store_id: str, key: str, lease: str, outcome: str) -> None:
    try:
        DeliveryModel(store_id, key).update(actions=_closing(outcome), condition=DeliveryModel.lease_id == lease)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def _release(store_id: str, key: str, lease: str) -> None:
    """Gives the claim back at once, so the job's next delivery from SQS may take it."""
    try:
        DeliveryModel(store_id, key).update(actions=[DeliveryModel.lease_until.remove()],
                                            condition=DeliveryModel.lease_id == lease)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def _profile(job: dict[str, Any]) -> str:
    store_id, channel = str(job["store_id"]), str(job["channel"])
    try:
        name = adapter_for(channel).fetch_profile_name(store_id, str(job["user_id"]))
    except outbound.ChannelError as exc:
        if exc.retryable:
            raise RetryLater(f"{channel} profile: {exc.message}") from None
        logger.warning("profile lookup refused", extra={"channel": channel, "reason": exc.message})
        return "refused"
    if not name:
        return "unnamed"
    Conv = ConversationModel
    try:
        ConversationModel(store_id, conversation_id_for(str(job["social_user_key"]))).update(
            actions=[Conv.social_user_name.set(name)],
            condition=Conv.conversation_id.exists() & Conv.social_user_name.does_not_exist())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return "already_named"
        raise
    return "named"
