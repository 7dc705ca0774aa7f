"""The merchant's inbox: conversations, messages, replies, blacklist and keyword auto-reply rules (admin key)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.etag import conditional_json
from chalicelib.api.http import ADMIN, Body, Call, endpoint, no_content
from chalicelib.api.lazy import lazy
from chalicelib.api.messages import answer
from chalicelib.errors import InvalidRequest
from chalicelib.pagination import parse_limit
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib import conversations
    from chalicelib.api import views
    from chalicelib.channels import registry as channel_registry
    from chalicelib.inbox import autoreply, blacklist, replies
    from chalicelib.members import core
    from chalicelib.models.inbox import ConversationModel
else:  # loaded by the first inbox request, not at cold start (chalicelib/api/lazy.py)
    views, channel_registry = lazy("chalicelib.api.views"), lazy("chalicelib.channels.registry")
    autoreply, blacklist = lazy("chalicelib.inbox.autoreply"), lazy("chalicelib.inbox.blacklist")
    conversations, replies = lazy("chalicelib.conversations"), lazy("chalicelib.inbox.replies")
    core = lazy("chalicelib.members.core")

inbox = Blueprint(__name__)

TEXT = Field(str, required=True, max_length=2000)


@functools.cache
def rule_fields() -> dict[str, Field]:
    """Built by the first rule created: the checks live in ``autoreply``, which loads lazily."""
    return {
        "channel": Field(str, required=True, choices=autoreply.RULE_CHANNELS),
        "scope": Field(str, required=True, choices=autoreply.SCOPES),
        "keywords": Field(list, required=True, check=autoreply.check_keywords),
        "reply_text": Field(str, required=True, max_length=2000),
        "private_reply": Field(bool),
    }


def _flag(raw: str | None, name: str) -> bool:
    if raw in (None, "", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise InvalidRequest(f"'{name}' must be true or false", field=name)


def _channel(raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    kinds = (*channel_registry.CHANNELS, *conversations.SHOP_KINDS)
    if raw not in kinds:
        raise InvalidRequest(f"'channel' must be one of {', '.join(kinds)}", field="channel")
    return raw


def _email(raw: str | None) -> str | None:
    return core.check_email(raw).lower() if raw else None


def _order_id(raw: str | None) -> str | None:
    if raw and (len(raw) > 100 or "#" in raw):
        raise InvalidRequest("'order_id' must be the storefront's order id", field="order_id")
    return raw or None


def _assigned(call: Call) -> tuple[str | None, bool]:
    """``assigned=mine`` (the signed-in person's), ``unassigned``, or a person's user id: (assignee, unassigned)."""
    raw = call.query("assigned")
    if raw in (None, ""):
        return None, False
    if raw == "unassigned":
        return None, True
    if raw == "mine":
        if call.principal.user_id is None:
            raise InvalidRequest("'assigned=mine' needs a person's session; an admin key names a user id",
                                 field="assigned")
        return call.principal.user_id, False
    if not raw.startswith("usr_") or len(raw) > 64:
        raise InvalidRequest("'assigned' must be mine, unassigned or a person's user_id", field="assigned")
    return raw, False


@endpoint(inbox, "/admin/conversations", ["GET"], roles=ADMIN)
def list_conversations(call: Call) -> Response:
    assignee, unassigned = _assigned(call)
    page = conversations.list_conversations(
        call.store_id, channel=_channel(call.query("channel")),
        unread_only=_flag(call.query("unread_only"), "unread_only"), limit=parse_limit(call.query("limit")),
        cursor=call.query("cursor"), email=_email(call.query("email")), order_id=_order_id(call.query("order_id")),
        assignee=assignee, unassigned=unassigned)
    return conditional_json(call, views.conversation_page_view(page, clock.now()))


@endpoint(inbox, "/admin/conversations/{conversation_id}", ["GET"], roles=ADMIN)
def get_conversation(call: Call, conversation_id: str) -> Response:
    return conditional_json(call, _conversation_view(call.store_id,
                                                     conversations.get_conversation(call.store_id, conversation_id)))


@endpoint(inbox, "/admin/conversations/{conversation_id}/messages", ["GET"], roles=ADMIN)
def list_messages(call: Call, conversation_id: str) -> Response:
    return conditional_json(call, conversations.list_messages(call.store_id, conversation_id,
                                                              parse_limit(call.query("limit")), call.query("cursor"),
                                                              views.message_view))


@endpoint(inbox, "/admin/conversations/{conversation_id}/messages", ["POST"], roles=ADMIN, status=201)
def reply(call: Call, conversation_id: str) -> Body:
    conversation = conversations.get_conversation(call.store_id, conversation_id)
    if conversations.is_shop_kind(conversation.channel):
        return answer(call, conversation)  # by e-mail, from the store's shop_email
    body = call.body({"text": TEXT})
    return views.message_view(replies.reply(call.store_id, conversation_id, body["text"], clock.now(), conversation))


@endpoint(inbox, "/admin/conversations/{conversation_id}/read", ["POST"], roles=ADMIN)
def mark_read(call: Call, conversation_id: str) -> Body:
    return _conversation_view(call.store_id, conversations.mark_read(call.store_id, conversation_id))


def _conversation_view(store_id: str, conversation: ConversationModel) -> Body:
    """One conversation's view, with its order when it is an order's (one BatchGetItem more, none otherwise)."""
    return views.conversation_view(conversation, clock.now(), conversations.orders_of(store_id, [conversation]))


@endpoint(inbox, "/admin/blacklist", ["GET"], roles=ADMIN)
def list_blacklist(call: Call) -> Body:
    return blacklist.list_entries(call.store_id, parse_limit(call.query("limit")), call.query("cursor"),
                                 views.blacklist_entry_view)


@endpoint(inbox, "/admin/blacklist/{social_user_key}", ["PUT"], roles=ADMIN)
def add_to_blacklist(call: Call, social_user_key: str) -> Body:
    key = blacklist.parse_social_user_key(social_user_key)
    return views.blacklist_entry_view(blacklist.add(call.store_id, key, clock.now()))


@endpoint(inbox, "/admin/blacklist/{social_user_key}", ["DELETE"], roles=ADMIN)
def remove_from_blacklist(call: Call, social_user_key: str) -> Response:
    blacklist.remove(call.store_id, blacklist.parse_social_user_key(social_user_key))
    return no_content()


@endpoint(inbox, "/admin/auto-reply-rules", ["POST"], roles=ADMIN, status=201)
def create_rule(call: Call) -> Body:
    return views.rule_view(autoreply.create_rule(call.store_id, call.body(rule_fields()), clock.now()))


@endpoint(inbox, "/admin/auto-reply-rules", ["GET"], roles=ADMIN)
def list_rules(call: Call) -> Body:
    return autoreply.list_rules(call.store_id, parse_limit(call.query("limit")), call.query("cursor"),
                                views.rule_view)


@endpoint(inbox, "/admin/auto-reply-rules/{rule_id}", ["DELETE"], roles=ADMIN)
def delete_rule(call: Call, rule_id: str) -> Response:
    autoreply.delete_rule(call.store_id, rule_id)
    return no_content()
