"""Keyword auto-replies on Instagram and Facebook: comments (public or private reply) and direct messages.

A keyword matches case-insensitively as a substring (``運費`` matches ``想問運費``); the oldest matching
rule answers. The webhook only decides and queues (:func:`reply_job`); the channel-work consumer sends
(:func:`send_reply`) and keeps the reply (:func:`reply_write`), exactly once per comment or message by a
conditional claim keyed on it (``inbox/channel_work.py``), however often the delivery or the job comes.
Our own comments and echoes never reach here (intake drops them), so replies cannot loop.

Rules are read once per warm Lambda and kept for :data:`RULE_CACHE_SECONDS` (changes made through
this instance apply at once): intake stays within its two DynamoDB calls per message.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DeleteError

from chalicelib import tokens
from chalicelib.channels import outbound
from chalicelib.channels.events import InboundEvent
from chalicelib.channels.registry import COMMENT_CHANNELS, adapter_for, spec_for
from chalicelib.conversations import OutboundWrite, conversation_id_for, outbound_write
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.models.inbox import AutoReplyRuleModel
from chalicelib.pagination import Shape, page

RULE_CACHE_SECONDS = 60
RULE_CHANNELS = COMMENT_CHANNELS  # the channels whose comments can be answered (rules take these)
SCOPES = ("comments", "messages")
MAX_KEYWORDS = 50


def check_keywords(value: list[Any]) -> list[str]:
    cleaned = [k.strip() for k in value if isinstance(k, str) and k.strip()]
    if len(cleaned) != len(value) or not cleaned:
        raise InvalidRequest("'keywords' must be a non-empty list of non-empty strings", field="keywords")
    if len(cleaned) > MAX_KEYWORDS or any(len(k) > 100 for k in cleaned):
        raise InvalidRequest(f"'keywords' takes at most {MAX_KEYWORDS} keywords of up to 100 characters",
                             field="keywords")
    return cleaned


# --- rules ----------------------------------------------------------------------------------------

_cache: dict[str, tuple[float, list[AutoReplyRuleModel]]] = {}
_cache_lock = threading.Lock()


def create_rule(store_id: str, values: dict[str, Any], now: datetime) -> AutoReplyRuleModel:
    reply_max = spec_for(values["channel"]).comment_reply_limit or 0
    if len(values["reply_text"]) > reply_max:
        raise InvalidRequest(f"'reply_text' is longer than {reply_max} characters "
                             f"for {values['channel']}", field="reply_text")
    private = bool(values.get("private_reply", False))
    if private and values["scope"] != "comments":
        raise InvalidRequest("'private_reply' applies to comment rules only", field="private_reply")
    # Ids sort by creation time, so "the oldest matching rule" is the first in a Query.
    rule = AutoReplyRuleModel(store_id, f"ar_{now.strftime('%Y%m%d%H%M%S%f')}{tokens.new_id('')[1:]}",
                              channel=values["channel"], scope=values["scope"], keywords=values["keywords"],
                              reply_text=values["reply_text"], private_reply=private, created_at=now)
    rule.save(condition=AutoReplyRuleModel.rule_id.does_not_exist())
    forget_rules(store_id)
    return rule


def list_rules(store_id: str, limit: int, cursor: str | None, shape: Shape) -> dict[str, Any]:
    return page(AutoReplyRuleModel.query, store_id, limit, cursor, shape)


def delete_rule(store_id: str, rule_id: str) -> None:
    try:
        AutoReplyRuleModel(store_id, rule_id).delete(condition=AutoReplyRuleModel.rule_id.exists())
    except DeleteError:
        raise NotFound("auto-reply rule not found") from None
    finally:
        forget_rules(store_id)


def forget_rules(store_id: str) -> None:
    with _cache_lock:
        _cache.pop(store_id, None)


def rules_for(store_id: str) -> list[AutoReplyRuleModel]:
    """The store's rules, from this instance's cache when fresh."""
    with _cache_lock:
        cached = _cache.get(store_id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    rules = list(AutoReplyRuleModel.query(store_id))
    with _cache_lock:
        _cache[store_id] = (time.monotonic() + RULE_CACHE_SECONDS, rules)
    return rules


def matching_rule(rules: list[AutoReplyRuleModel], channel: str, scope: str,
                  text: str | None) -> AutoReplyRuleModel | None:
    if not text:
        return None
    folded = text.casefold()
    for rule in rules:
        if rule.channel == channel and rule.scope == scope \
                and any(keyword.casefold() in folded for keyword in rule.keywords):
            return rule
    return None


# --- answering ------------------------------------------------------------------------------------

def scope_of(event: InboundEvent) -> str | None:
    if event.channel not in RULE_CHANNELS:
        return None
    if event.kind == "comment":
        return "comments"
    if event.kind == "message":
        return "messages"
    return None


def reply_job(store_id: str, event: InboundEvent, now: datetime) -> dict[str, Any] | None:
    """The queued job answering ``event`` with the oldest matching rule's reply, or None when no rule matches.

    Nothing is sent here: the webhook queues the job (``channels/work_queue.py``) and answers at once.
    """
    scope = scope_of(event)
    if scope is None or not event.text:
        return None
    rule = matching_rule(rules_for(store_id), event.channel, scope, event.text)
    if rule is None:
        return None
    private = scope == "comments" and bool(rule.private_reply)
    how = "message"
    if scope == "comments" and event.comment_id:
        how = "private_reply" if private else "comment_reply"
    return {"kind": "auto_reply", "store_id": store_id, "channel": event.channel, "account_id": event.account_id,
            "user_id": event.user_id, "social_user_key": event.social_user_key, "provider_id": event.provider_id,
            "comment_id": event.comment_id if scope == "comments" else None, "how": how,
            "rule_id": rule.rule_id, "reply_text": rule.reply_text, "queued_at": now.isoformat()}


def send_reply(job: dict[str, Any]) -> outbound.Sent:
    """Sends a queued reply the way its rule said (raises :class:`outbound.ChannelError`)."""
    store_id, how, text = str(job["store_id"]), str(job["how"]), str(job["reply_text"])
    adapter = adapter_for(str(job["channel"]))
    if how == "private_reply":
        return adapter.send_private_reply(store_id, job.get("account_id"), str(job["comment_id"]),
                                          outbound.OutboundMessage(text))
    if how == "comment_reply":
        return adapter.reply_to_comment(store_id, str(job["comment_id"]), text)
    return adapter.send(store_id, job.get("account_id"), str(job["user_id"]), outbound.OutboundMessage(text))


def reply_write(job: dict[str, Any], sent: outbound.Sent, now: datetime) -> OutboundWrite:
    """What keeping the sent reply in the conversation writes (for the consumer's one transaction)."""
    how = str(job["how"])
    return outbound_write(str(job["store_id"]), conversation_id_for(str(job["social_user_key"])),
                          channel=str(job["channel"]), kind="auto_reply", text=str(job["reply_text"]),
                          provider_message_id=sent.provider_message_id, at=now, now=now,
                          auto_reply_rule_id=str(job["rule_id"]),
                          comment_id=job.get("comment_id") if how == "comment_reply" else None,
                          clears_comment=how == "private_reply")
