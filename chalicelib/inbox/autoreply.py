"""Keyword auto-replies on Instagram and Facebook: comments (public or private reply) and direct messages.

A keyword matches case-insensitively as a substring (``運費`` matches ``想問運費``); the oldest matching
rule answers. Each comment gets at most one automatic reply: the reply is sent only by the request
whose transaction stored the comment, and a redelivered comment cancels that transaction. Our own
comments and echoes never reach here (intake drops them), so replies cannot loop.

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
from chalicelib.conversations import conversation_id_for, record_outbound
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.logs import logger
from chalicelib.models.inbox import AutoReplyRuleModel, MessageModel
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


def answer(store_id: str, event: InboundEvent, now: datetime) -> MessageModel | None:
    """Send the matching rule's reply for a newly stored event, and keep it in the conversation."""
    scope = scope_of(event)
    if scope is None or not event.text:
        return None
    rule = matching_rule(rules_for(store_id), event.channel, scope, event.text)
    if rule is None:
        return None
    message = outbound.OutboundMessage(rule.reply_text)
    private = scope == "comments" and bool(rule.private_reply)
    adapter = adapter_for(event.channel)
    try:
        if scope == "comments" and event.comment_id and private:
            sent = adapter.send_private_reply(store_id, event.account_id, event.comment_id, message)
        elif scope == "comments" and event.comment_id:
            sent = adapter.reply_to_comment(store_id, event.comment_id, rule.reply_text)
        else:
            sent = adapter.send(store_id, event.account_id, event.user_id, message)
    except outbound.ChannelError as exc:
        # The comment is stored; its one automatic reply is lost rather than sent twice.
        logger.warning("auto-reply refused", extra={"channel": event.channel, "rule_id": rule.rule_id,
                                                     "reason": exc.message})
        return None
    return record_outbound(store_id, conversation_id_for(event.social_user_key), channel=event.channel,
                           kind="auto_reply", text=rule.reply_text, provider_message_id=sent.provider_message_id,
                           at=now, now=now, auto_reply_rule_id=rule.rule_id,
                           comment_id=event.comment_id if scope == "comments" and not private else None,
                           clears_comment=private)
