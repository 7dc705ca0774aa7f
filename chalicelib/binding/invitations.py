"""Sending a link into a conversation: the binding invitation (1 hour, single use) and the cart link (7 days).

Cost of an invitation: one ``TransactGetItems`` (the conversation, the store for its storefront URL,
the channel's template), one channel call, one ``TransactWrite`` (the token, the outbound message and
its delivery id, the merchant-only note, the conversation's last message). The channel call comes
before the write because the message's provider id (which deduplicates the Meta echo) comes from it;
if the echo was stored first, the write is repeated without the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from pynamodb.exceptions import TransactWriteError

from chalicelib import audit, conversations, i18n, single_use, tokens
from chalicelib.binding import links, templates
from chalicelib.channels import outbound, sending
from chalicelib.channels.registry import spec_for
from chalicelib.errors import ApiError, NotFound
from chalicelib.i18n import N_
from chalicelib.lifetimes import duration_text
from chalicelib.logs import logger
from chalicelib.models.binding import BindingTemplateModel, BindingTokenModel
from chalicelib.models.inbox import ConversationModel
from chalicelib.models.stores import StoreModel
from chalicelib.models.transactions import NamedGet, NamedTransaction

INVITATION_NOTE = f"binding invitation sent, valid for {duration_text(links.INVITATION_TTL)}"
CART_TEXT = N_("Your cart is ready: tap the button to check out. The link is valid for %(lifetime)s.")
CART_BUTTON = N_("Check out")
REFUSALS = conversations.INVITE_REFUSALS  # the window's own texts: the console shows the same ones


class InvitationRefused(ApiError):
    """The link may not be sent into this conversation; ``code`` says why (see :data:`REFUSALS`)."""


@dataclass(frozen=True)
class SentLink:
    link_id: str
    url: str
    sent_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class _Context:
    conversation: ConversationModel
    storefront_url: str
    language: str  # the store's: the cart message's words
    template: templates.Template


def _load(store_id: str, conversation_id: str) -> _Context:
    """The conversation, the store's storefront URL and the channel's template: one TransactGetItems."""
    if not conversation_id.startswith("cv_") or len(conversation_id) > 64:
        raise NotFound("conversation not found")
    # The channel is only known once the conversation is read: all four template rows come in the same call.
    with NamedGet() as tg:
        conversation_future = tg.get("conversation", ConversationModel, store_id, conversation_id)
        store_future = tg.get("store", StoreModel, store_id)
        template_futures = {channel: tg.get(f"template_{channel}", BindingTemplateModel, store_id, channel)
                            for channel in templates.TEXT_LIMITS}
    try:
        conversation = conversation_future.get()
    except ConversationModel.DoesNotExist:
        raise NotFound("conversation not found") from None
    if conversation.social_user_key is None:
        reason = conversations.NOT_A_SOCIAL_CONVERSATION
        raise InvitationRefused(REFUSALS[reason], code=reason)
    try:
        store = store_future.get()
    except StoreModel.DoesNotExist:
        raise NotFound("store not found") from None
    try:
        item: BindingTemplateModel | None = template_futures[conversation.channel].get()
    except BindingTemplateModel.DoesNotExist:
        item = None
    if not store.storefront_url:
        raise InvitationRefused("the store has no storefront_url: set it with PUT /admin/settings before sending "
                                "links", code="storefront_url_not_set")
    language = i18n.store_language(store)
    return _Context(conversation, store.storefront_url.rstrip("/"), language,
                    templates.from_item(conversation.channel, item, language))


def send_invitation(store_id: str, conversation_id: str, now: datetime) -> SentLink:
    """Send the store's binding invitation into the conversation; 422 when the customer may not get one."""
    context = _load(store_id, conversation_id)
    conversation = context.conversation
    reason = conversations.invite_blocked_reason(conversation, now)
    if reason is not None:
        raise InvitationRefused(REFUSALS[reason], code=reason)
    token = links.new_link_token(conversation.social_user_key, conversation.social_user_name)
    url = f"{context.storefront_url}/account/bind?token={token.value}"
    template = context.template
    message = outbound.OutboundMessage(template.render(conversation.social_user_name),
                                       outbound.LinkButton(template.button_text or "", url))
    return _send(store_id, conversation, token, message, purpose=links.INVITATION, ttl=links.INVITATION_TTL,
                 note=INVITATION_NOTE, url=url, now=now, link_id=tokens.new_id("bi"))


def send_cart_link(store_id: str, conversation_id: str, cart_id: str, now: datetime) -> SentLink:
    """Send a link to a prepared cart; an order placed through it binds the chat to the ordering member."""
    context = _load(store_id, conversation_id)
    conversation = context.conversation
    if conversation.held_back:
        raise InvitationRefused(REFUSALS[conversations.BLACKLISTED], code=conversations.BLACKLISTED)
    if not conversations.window_open(conversation.last_inbound_at, now):
        raise conversations.OutsideMessagingWindow(conversations.LINK_CLOSED_TEXT)
    token = links.new_link_token(conversation.social_user_key, conversation.social_user_name)
    url = f"{context.storefront_url}/cart?cart_id={quote(cart_id, safe='')}&cart_token={token.value}"
    language = context.language
    message = outbound.OutboundMessage(
        i18n.translate(language, CART_TEXT, lifetime=i18n.duration_text(links.CART_LINK_TTL, language)),
        outbound.LinkButton(i18n.translate(language, CART_BUTTON), url))
    return _send(store_id, conversation, token, message, purpose=links.CART, ttl=links.CART_LINK_TTL,
                 note=f"cart link sent (cart {cart_id}), valid for {duration_text(links.CART_LINK_TTL)}", url=url,
                 now=now, link_id=tokens.new_id("cl"), cart_id=cart_id)


def _send(store_id: str, conversation: ConversationModel, token: links.LinkToken,
          message: outbound.OutboundMessage, *, purpose: str, ttl: timedelta, note: str, url: str,
          now: datetime, link_id: str, cart_id: str | None = None) -> SentLink:
    conversation_id = conversation.conversation_id
    user_id = conversation.social_user_key.split(":", 1)[1]
    sent = sending.send_to_customer(store_id, conversation.channel, conversation.account_id, user_id,
                                     conversation.last_comment_id, message)
    expires_at = single_use.expiry(now, ttl)
    item = BindingTokenModel(store_id, token.token_hash, purpose=purpose, invitation_id=link_id,
                             channel=conversation.channel, social_user_key=conversation.social_user_key,
                             social_user_name=conversation.social_user_name, conversation_id=conversation_id,
                             cart_id=cart_id, created_at=now, expires_at=expires_at)
    # A link shown in the text (no button) is stored with its token masked: no live token at rest.
    shown = message.text if spec_for(conversation.channel).link_buttons else f"{message.text}\n{links.masked_url(url)}"
    write = conversations.outbound_write(store_id, conversation_id, channel=conversation.channel, kind=purpose,
                                         text=shown, provider_message_id=sent.provider_message_id, at=now, now=now,
                                         clears_comment=sent.private_reply_to is not None)
    # One microsecond later: the note sorts after the message it is about.
    note_item = conversations.note_item(store_id, conversation_id, note, now + timedelta(microseconds=1))
    for with_message in (True, False):
        tx = NamedTransaction()
        try:
            with tx:
                tx.save("token", item, condition=BindingTokenModel.token_hash.does_not_exist())
                tx.save("note", note_item)
                if with_message:
                    if write.delivery is not None:
                        tx.save("delivery", write.delivery, condition=conversations.delivery_is_new(now))
                    tx.save("message", write.message)
                tx.update("conversation", ConversationModel(store_id, conversation_id), actions=write.actions,
                          condition=write.condition)
                audit.join(tx)  # the request's audit event, in the same write (DESIGN: <= 3 DynamoDB calls)
        except TransactWriteError as exc:
            if with_message and tx.failed(exc, "delivery"):
                continue  # the channel's echo of this very message is already in the conversation
            logger.error("link sent but not recorded", extra={"link_id": link_id, "purpose": purpose})
            raise
        break
    logger.info("link sent", extra={"link_id": link_id, "purpose": purpose, "channel": conversation.channel})
    return SentLink(link_id, url, now, expires_at)
