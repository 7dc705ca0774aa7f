"""Response shapes: how each stored thing looks in the HTTP contract (openapi.yaml).

Domain code returns models; routes turn them into bodies here. A domain function that pages
through a query takes the view as ``shape``, so it never decides what a response looks like; one whose
view needs more than the item (a conversation's order) returns what was read beside the items.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib import clock, i18n
from chalicelib.api.lazy import lazy
from chalicelib.channels.registry import spec_for

if TYPE_CHECKING:
    from chalicelib import conversations
    from chalicelib.binding.templates import Template
    from chalicelib.channels.adapter import ChannelAdapter
    from chalicelib.consent import state
    from chalicelib.conversations import ConversationPage
    from chalicelib.members import core
    from chalicelib.members import search as member_search
    from chalicelib.members.profiles import MemberProfile
    from chalicelib.messages import uploads
    from chalicelib.models.binding import OrderModel
    from chalicelib.models.consents import MarketingSendModel
    from chalicelib.models.customers import MemberNoteModel
    from chalicelib.models.inbox import AutoReplyRuleModel, BlacklistModel, ConversationModel, MessageModel
    from chalicelib.models.members import MemberModel
    from chalicelib.models.stores import BranchModel, ChannelModel, StaffModel, StoreModel
    from chalicelib.models.users import ConsoleUserModel
else:  # each view's domain helpers load with the first response that uses them (chalicelib/api/lazy.py)
    state = lazy("chalicelib.consent.state")
    conversations, core = lazy("chalicelib.conversations"), lazy("chalicelib.members.core")
    member_search, uploads = lazy("chalicelib.members.search"), lazy("chalicelib.messages.uploads")

# --- store setup ----------------------------------------------------------------------------------


def settings_view(store: StoreModel) -> dict[str, Any]:
    from chalicelib.senders import sender_of  # settings only: not at cold start

    sender = sender_of(store.store_id, str(store.name), store.shop_email)
    return {
        "store_id": store.store_id, "name": store.name, "storefront_url": store.storefront_url,
        "country": store.country, "timezone": store.timezone, "language": i18n.store_language(store),
        "sms_daily_cap": int(store.sms_daily_cap), "sms_ip_hourly_limit": int(store.sms_ip_hourly_limit),
        "shop_email": store.shop_email, "postal_address": store.postal_address,
        "sender": {"from": sender.header, "verified": sender.verified},
        "updated_at": clock.isoformat(store.updated_at),
    }


def branch_view(branch: BranchModel) -> dict[str, Any]:
    return {"branch_id": branch.branch_id, "name": branch.name, "created_at": clock.isoformat(branch.created_at)}


def staff_view(staff: StaffModel) -> dict[str, Any]:
    return {"staff_id": staff.staff_id, "name": staff.name, "branch_id": staff.branch_id,
            "created_at": clock.isoformat(staff.created_at),
            "removed_at": clock.isoformat(staff.removed_at) if staff.removed_at else None}


def channel_view(item: ChannelModel) -> dict[str, Any]:
    """The channel's account id and masked secret hints; never a secret."""
    spec = spec_for(item.channel)
    view: dict[str, Any] = {"channel": item.channel, "configured": True,
                            "updated_at": clock.isoformat(item.updated_at)}
    # The account id under the platform's own name; LINE's bot user id is read from /v2/bot/info on saving.
    view[spec.account_field or "bot_user_id"] = item.account_id
    view.update(item.secret_hints.as_dict() if item.secret_hints else {})  # type: ignore[no-untyped-call]
    return view


def channel_registry_view(adapter: ChannelAdapter) -> dict[str, Any]:
    """What the console knows of a channel: its name, fields and limits, as data (no rule to restate)."""
    spec = adapter.spec
    fields = ([spec.account_field] if spec.account_field else []) + list(spec.secret_fields)
    return {
        "channel": adapter.name, "label": adapter.label, "mark": adapter.mark,
        "fields": [{"name": name, "label": adapter.field_labels[name], "secret": name in spec.secret_fields}
                   for name in fields],
        "text_limit": spec.text_limit, "text_counted_in": adapter.counted_in,
        "link_buttons": spec.link_buttons, "private_replies": spec.private_replies,
        "comment_reply_limit": spec.comment_reply_limit, "subscription_handshake": spec.meta,
    }


# --- inbox ----------------------------------------------------------------------------------------


def blacklist_entry_view(entry: BlacklistModel, name: str | None = None) -> dict[str, Any]:
    """A social account (``key``) or a member (``member_id``) on the store's blacklist, with its current name."""
    at = clock.isoformat(entry.added_at)
    if entry.member_id:
        return {"kind": "member", "member_id": entry.member_id, "name": name, "at": at, "added_at": at}
    return {"kind": "social_account", "key": entry.social_user_key, "name": name,
            "social_user_key": entry.social_user_key, "channel": entry.social_user_key.split(":", 1)[0],
            "at": at, "added_at": at}


def rule_view(rule: AutoReplyRuleModel) -> dict[str, Any]:
    return {"rule_id": rule.rule_id, "channel": rule.channel, "scope": rule.scope,
            "keywords": list(rule.keywords), "reply_text": rule.reply_text,
            "private_reply": bool(rule.private_reply), "created_at": clock.isoformat(rule.created_at)}


# --- binding --------------------------------------------------------------------------------------


def template_view(template: Template) -> dict[str, Any]:
    return {"channel": template.channel, "text": template.text, "button_text": template.button_text,
            "is_default": template.is_default,
            "updated_at": clock.isoformat(template.updated_at) if template.updated_at else None}


def order_view(order: OrderModel) -> dict[str, Any]:
    return {
        "order_id": order.order_id, "member_id": order.member_id, "total": order.total, "currency": order.currency,
        "ordered_at": clock.isoformat(order.ordered_at), "status": order.effective_status,
        "binding": {"status": order.binding, "social_user_key": order.social_user_key} if order.binding else None,
    }


# --- members --------------------------------------------------------------------------------------


def member_view(member: MemberModel) -> dict[str, Any]:
    return {
        "member_id": member.member_id, "name": member.name,
        "phone": member.phone, "phone_verified": bool(member.phone_verified),
        "phone_verified_label": core.phone_verified_label(member),
        "email": member.email, "email_verified": bool(member.email_verified),
        "created_at": clock.isoformat(member.created_at),
    }


def member_summary_view(member: MemberModel) -> dict[str, Any]:
    """A search result: the account view, whether the customer signed up, and the store referral."""
    referral = None
    if member.referral_staff_id:
        referral = {"staff_id": member.referral_staff_id, "branch_id": member.referral_branch_id,
                    "bound_at": clock.isoformat(member.referral_bound_at) if member.referral_bound_at else None}
    return {**member_view(member), "is_member": bool(member.is_member), "referral": referral}


def member_list_views(store_id: str, members: list[MemberModel]) -> list[dict[str, Any]]:
    """The customer list's items: the summary, tags, stage, consent, blacklisting and the branch by name.

    Branch names come from one Query of the store's branches, made only when a member on the page has one.
    """
    branch_names: dict[str, str] = {}
    if any(member.referral_branch_id for member in members):
        from chalicelib.models.stores import BranchModel  # the table is read only for such a page

        store_branches = BranchModel.query(store_id)
        branch_names = {branch.branch_id: branch.name for branch in store_branches}
    items = []
    for member in members:
        item = member_summary_view(member)
        if item["referral"] is not None:
            item["referral"]["branch_name"] = branch_names.get(str(member.referral_branch_id))
        item["tags"] = sorted(member.tags or [])
        item["lifecycle"] = {"stage": member.lifecycle_stage} if member.lifecycle_stage else None
        item["email_marketing"] = state.state_of(member, "email_marketing")
        item["sms_marketing"] = state.state_of(member, "sms_marketing")
        item["blacklisted"] = member.blacklisted_at is not None
        items.append(item)
    return items


def staff_summary_view(member: MemberModel, by: str) -> dict[str, Any]:
    """A staff search result: phone and email masked, except the one the staff member typed in full."""
    summary = member_summary_view(member)
    # What the counter may offer: a LINE binding only while none is bound (the app shows why not otherwise).
    summary["line_bound"] = any(account.key.startswith("line:") for account in member.social_accounts or [])
    if by != "phone" and summary.get("phone"):
        summary["phone"] = member_search.mask_phone(str(summary["phone"]))
    if by != "email" and summary.get("email"):
        summary["email"] = member_search.mask_email(str(summary["email"]))
    return summary


def note_view(note: MemberNoteModel) -> dict[str, Any]:
    return {"note_id": note.note_id, "text": note.text,
            "author": {"key_id": note.author_key_id, "label": note.author_label},
            "created_at": clock.isoformat(note.created_at)}


def _referral_view(profile: MemberProfile) -> dict[str, Any] | None:
    member = profile.member
    if not member.referral_staff_id and not member.referral_branch_id:
        return None
    return {
        "staff_id": member.referral_staff_id,
        "staff_name": profile.referral_staff_name,
        "branch_id": member.referral_branch_id,
        "branch_name": profile.referral_branch_name,
        "bound_at": clock.isoformat(member.referral_bound_at) if member.referral_bound_at else None,
    }


def profile_view(profile: MemberProfile, orders: list[OrderModel], lifecycle: dict[str, Any],
                 consents: dict[str, Any]) -> dict[str, Any]:
    """Everything the merchant sees about one member (``GET /admin/members/{id}``)."""
    member = profile.member
    return {
        **member_view(member),
        "email_verified_label": core.PHONE_VERIFIED_LABELS[bool(member.email and member.email_verified)],
        "is_member": bool(member.is_member),
        # conversation_id: the chat with that account, so the console derives no id itself
        "social_accounts": [{"key": account.key, "name": account.name, "bound_at": clock.isoformat(account.bound_at),
                             "conversation_id": conversations.conversation_id_for(account.key)}
                            for account in member.social_accounts or []],
        "referral": _referral_view(profile),
        "tags": sorted(member.tags or []),
        "consents": consents,
        "notes": [note_view(note) for note in profile.notes],
        "orders": [order_view(order) for order in orders],
        "lifecycle": lifecycle,
        "blacklisted": member.blacklisted_at is not None,
        "blacklisted_at": clock.isoformat(member.blacklisted_at) if member.blacklisted_at else None,
        "updated_at": clock.isoformat(member.updated_at),
    }


# --- conversations --------------------------------------------------------------------------------


def conversation_view(conversation: ConversationModel, now: datetime,
                      orders: dict[str, OrderModel] | None = None) -> dict[str, Any]:
    """A conversation as the inbox shows it; ``orders`` holds the order of an order conversation, when read."""
    last = conversation.last_message
    reason = conversations.invite_blocked_reason(conversation, now)
    reply_reason = conversations.reply_blocked_reason(conversation, now)
    cart_reason = conversations.cart_link_blocked_reason(conversation, now)
    ends_at = conversations.reply_window_ends_at(conversation)
    view = {
        "conversation_id": conversation.conversation_id,
        "channel": conversation.channel,
        "social_user": {"key": conversation.social_user_key, "name": conversation.social_user_name},
        "member_id": conversation.member_id,
        "last_message": {"text": last.text, "at": clock.isoformat(last.at), "direction": last.direction}
        if last else None,
        "last_message_at": clock.isoformat(conversation.last_message_at) if conversation.last_message_at else None,
        "unread_count": int(conversation.unread_count or 0),
        "last_inbound_at": clock.isoformat(conversation.last_inbound_at) if conversation.last_inbound_at else None,
        # The console shows the 24-hour state before the merchant types; the server's clock decides it.
        "reply_window_open": conversations.window_open(conversation.last_inbound_at, now),
        "reply_window_ends_at": clock.isoformat(ends_at) if ends_at else None,
        "blacklisted": bool(conversation.blacklisted),
        "member_blacklisted": bool(conversation.member_blacklisted),  # held back through its member's blacklisting
        "assignee": {"user_id": conversation.assignee_user_id, "name": conversation.assignee_name}
        if conversation.assignee_user_id else None,
        "can_invite_binding": reason is None,
        "invite_blocked_reason": reason,
        # Whether each action is possible now and why not, in the server's words: the console restates no rule.
        "invite_blocked_message": conversations.INVITE_REFUSALS[reason] if reason else None,
        "can_reply": reply_reason is None,
        "reply_blocked_reason": reply_reason,
        "reply_blocked_message": conversations.REPLY_CLOSED_TEXT if reply_reason else None,
        "can_send_cart_link": cart_reason is None,
        "cart_link_blocked_reason": cart_reason,
        "cart_link_blocked_message": (conversations.INVITE_REFUSALS.get(cart_reason) or conversations.LINK_CLOSED_TEXT)
        if cart_reason else None,
    }
    if conversations.is_shop_kind(conversation.channel):
        view["social_user"] = None
        view["customer"] = customer_view(conversation)
        if conversations.is_order(conversation) and conversation.order_id:
            order_id = conversation.order_id
            view["order"] = conversation_order_view((orders or {}).get(order_id), order_id)
    return view


def conversation_page_view(page: ConversationPage, now: datetime) -> dict[str, Any]:
    return {"items": [conversation_view(item, now, page.orders) for item in page.items],
            "next_cursor": page.next_cursor, "total_unread": page.total_unread}


def customer_view(conversation: ConversationModel) -> dict[str, Any]:
    return {"member_id": conversation.member_id, "email": conversation.customer_email,
            "name": conversation.customer_name, "visitor": conversation.member_id is None}


def conversation_order_view(order: OrderModel | None, order_id: str) -> dict[str, Any]:
    """The order an order conversation is about (all null but the id when the order is not stored)."""
    if order is None:
        return {"order_id": order_id, "total": None, "currency": None, "status": None, "ordered_at": None}
    return {"order_id": order.order_id, "total": order.total, "currency": order.currency,
            "status": order.effective_status, "ordered_at": clock.isoformat(order.ordered_at)}


def storefront_message_view(message: MessageModel) -> dict[str, Any]:
    """A message as the customer sees it in the storefront's thread."""
    return {"message_id": message.message_id, "direction": message.direction, "text": message.text,
            "images": [attachment["url"] for attachment in _attachments(message) if attachment.get("image_id")],
            "claimed_name": message.claimed_name, "at": clock.isoformat(message.at)}


# --- inbox messages -------------------------------------------------------------------------------


def sender_verdict_view(message: MessageModel) -> dict[str, str | None] | None:
    """An e-mailed message's SES verdicts on its sender (``spf``, ``dkim``, ``dmarc``); None for other messages."""
    if message.sender_verdict is None:
        return None
    verdict = message.sender_verdict
    return {method: str(verdict[method]) if method in verdict else None for method in ("spf", "dkim", "dmarc")}


def _attachments(message: MessageModel) -> list[dict[str, Any]]:
    store_id = message.conversation_key.split("#", 1)[0]
    attachments = [conversations.plain_attachment(a) for a in (message.attachments or [])]
    for attachment in attachments:
        if attachment.get("image_id"):  # an uploaded image: shown through a short-lived URL
            attachment["url"] = uploads.image_url(store_id, str(attachment["image_id"]))
    return attachments


def message_view(message: MessageModel) -> dict[str, Any]:
    attachments = _attachments(message)
    return {
        "message_id": message.message_id,
        "direction": message.direction,
        "kind": message.kind,
        "text": message.text,
        "attachments": attachments,
        "comment_id": message.comment_id,
        "post_id": message.post_id,
        "auto_reply_rule_id": message.auto_reply_rule_id,
        "claimed_name": message.claimed_name,
        "sender_verdict": sender_verdict_view(message),
        "at": clock.isoformat(message.at),
        "full_text": message.full_text,  # "show quoted text": the whole e-mail, when history was cut from text
        "sent_by": sent_by_view(message),
    }


def sent_by_view(message: MessageModel) -> dict[str, Any] | None:
    """Who sent an outbound message (or wrote a note): a person, a key, an auto-reply rule, or the channel
    itself (a message the shop sent from the platform's own inbox); None for what the customer sent."""
    if message.direction == "inbound":
        return None
    stored = conversations.plain_attachment(message.sent_by) if message.sent_by else None  # a map, as a dict
    if stored:
        return {"kind": stored.get("kind"), "id": stored.get("id"), "name": stored.get("name")}
    if message.auto_reply_rule_id:
        return {"kind": "auto_reply", "id": message.auto_reply_rule_id, "name": None}
    if message.kind == "reply":  # stored before people signed in: every reply then came through an admin key
        return {"kind": "key", "id": None, "name": None}
    return {"kind": "channel" if message.direction == "outbound" else "system", "id": None, "name": None}


# --- consent and marketing ------------------------------------------------------------------------


def consent_view(member: MemberModel, purpose: str) -> dict[str, Any]:
    found = state.current(member, purpose)
    return {"state": state.state_of(member, purpose), "suppressed": state.suppressed_of(member, purpose),
            "updated_at": clock.isoformat(found.updated_at) if found is not None and found.updated_at else None,
            "source": found.source if found is not None else None}


def consents_view(member: MemberModel) -> dict[str, Any]:
    return {purpose: consent_view(member, purpose) for purpose in state.PURPOSES}


def send_view(send: MarketingSendModel) -> dict[str, Any]:
    no_address = "no_email" if send.channel == "email" else "no_phone"
    return {"send_id": send.send_id, "state": send.state, "kind": send.kind, "recipients": int(send.recipients),
            "sent": int(send.sent), "failed": int(send.failed),
            "excluded": {no_address: int(send.excluded_no_address),
                         "not_subscribed": int(send.excluded_not_subscribed),
                         "suppressed": int(send.excluded_suppressed),
                         "blacklisted": int(send.excluded_blacklisted or 0)},
            "created_at": clock.isoformat(send.created_at),
            "finished_at": clock.isoformat(send.finished_at) if send.finished_at else None}


# --- lifecycle ------------------------------------------------------------------------------------


def lifecycle_view(member: MemberModel) -> dict[str, Any] | None:
    """The profile's ``lifecycle``: the stored stage, since when, and why (None before the first computation)."""
    if not member.lifecycle_stage:
        return None
    return {"stage": member.lifecycle_stage,
            "since": clock.isoformat(member.lifecycle_since) if member.lifecycle_since else None,
            "reason": member.lifecycle_reason, "parameters_version": member.lifecycle_version}


# --- console users ------------------------------------------------------------------------------------


def user_view(user: ConsoleUserModel) -> dict[str, Any]:
    return {"user_id": user.user_id, "email": user.email, "name": user.name, "role": user.role,
            "status": "active" if user.password_hash else "invited", "invited_by": user.invited_by,
            "created_at": clock.isoformat(user.created_at),
            "accepted_at": clock.isoformat(user.accepted_at) if user.accepted_at else None,
            "invitation_expires_at": clock.isoformat(user.invitation_expires_at)
            if user.invitation_expires_at and not user.password_hash else None,
            "two_factor": bool(user.totp_enabled)}
