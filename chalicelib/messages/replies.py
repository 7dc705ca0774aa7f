"""The merchant's answer in a shop or order conversation: stored, then e-mailed (From: see ``chalicelib.senders``).

Stored first (one TransactWrite: message + conversation), then sent (one SES ``send_raw_email``), then
SES's ``MessageId`` kept on the message (one UpdateItem): a failed send leaves the answer in the inbox
with ``emailed: false``, never an e-mail the inbox does not show. No 24-hour window applies to e-mail.

The e-mail: plain text and HTML, ``From: <store> <shop_email>`` when that address is a verified sender identity
of the store (else the platform's address, "<store> via memberlink"), a Reply button to the member
area, ``Reply-To: reply+<token>@<inbound domain>`` (see :mod:`replytoken`), ``References`` naming the
conversation (SES rewrites our ``Message-ID``, so threading back relies on the signed address first),
and the images attached.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from chalicelib import conversations, i18n, stores
from chalicelib.email import Attachment, EmailNotSent, OutboundEmail, send
from chalicelib.email.sender import message_domain
from chalicelib.errors import ApiError
from chalicelib.i18n import N_
from chalicelib.logs import logger
from chalicelib.messages import replytoken, uploads
from chalicelib.models.inbox import ConversationModel, MessageModel
from chalicelib.models.stores import StoreModel
from chalicelib.senders import Sender, sender_of


class ShopEmailNotSet(ApiError):
    """The store has no ``shop_email`` to send the answer from (422 in api/http.py's STATUS)."""

    code = "shop_email_not_set"


@dataclass(frozen=True)
class Reply:
    message: MessageModel
    emailed: bool


# The fixed parts of a reply e-mail, in the store's language (chalicelib/i18n).
SUBJECT_ORDER = N_("%(store_name)s: a reply about your order %(order_id)s")
SUBJECT_MESSAGE = N_("%(store_name)s: a reply about your message")
FOOTER = N_("Reply to this e-mail to answer.")
FOOTER_WITH_LINK = N_("Reply to this e-mail to answer, or open %(link)s.")
REPLY_BUTTON = N_("Reply")
ALSO_REPLY = N_("You can also reply to this e-mail.")


def reply_link(store: StoreModel, conversation: ConversationModel) -> str | None:
    if not store.storefront_url:
        return None
    if conversations.is_order(conversation) and conversation.order_id:
        return f"{store.storefront_url}/account/orders/{quote(conversation.order_id, safe='')}"
    return f"{store.storefront_url}/account/messages"


def thread_reference(store_id: str, conversation_id: str) -> str:
    """Our id for the conversation, in every answer's ``References``."""
    return f"<{conversation_id}.{store_id}@{message_domain()}>"


def compose(store: StoreModel, conversation: ConversationModel, text: str,
            images: list[tuple[uploads.Image, bytes]], sender: Sender) -> OutboundEmail:
    assert store.shop_email and conversation.customer_email
    link = reply_link(store, conversation)
    language = i18n.store_language(store)
    if conversation.channel == conversations.ORDER:
        about = i18n.translate(language, SUBJECT_ORDER, store_name=store.name, order_id=conversation.order_id)
    else:
        about = i18n.translate(language, SUBJECT_MESSAGE, store_name=store.name)
    subject = " ".join(about.split())  # one header line, whatever the order id holds
    footer = i18n.translate(language, FOOTER_WITH_LINK, link=link) if link else i18n.translate(language, FOOTER)
    body_html = "<br>".join(html.escape(line) for line in text.splitlines())
    label = html.escape(i18n.translate(language, REPLY_BUTTON))
    button = (f'<p><a href="{html.escape(link)}" style="display:inline-block;padding:10px 18px;background:#1a73e8;'
              f'color:#ffffff;text-decoration:none;border-radius:4px">{label}</a></p>') if link else ""
    page = (f"<!doctype html><html lang=\"{language}\"><body><p>{body_html}</p>{button}"
            f"<p style=\"color:#666\">{html.escape(i18n.translate(language, ALSO_REPLY))} {html.escape(store.name)}</p>"
            f"</body></html>")
    return OutboundEmail(
        to=conversation.customer_email, sender=sender.address, sender_name=sender.name, subject=subject,
        text=f"{text}\n\n-- \n{footer}\n", html=page,
        reply_to=replytoken.reply_address(store.store_id, conversation.conversation_id),
        headers={"References": thread_reference(store.store_id, conversation.conversation_id)},
        attachments=[Attachment(f"{image.image_id}.{image.content_type.split('/')[1]}", image.content_type, data)
                     for image, data in images])


def reply(store_id: str, conversation: ConversationModel, text: str, image_ids: list[str], now: datetime) -> Reply:
    store = stores.get_store(store_id)
    if not store.shop_email:
        raise ShopEmailNotSet("the store has no shop_email to answer from: set it with PUT /admin/settings")
    images = uploads.checked_images(store_id, image_ids)
    stored = conversations.record_outbound(
        store_id, conversation.conversation_id, channel=conversation.channel, kind="reply", text=text,
        provider_message_id=None, at=now, now=now, attachments=[image.attachment() for image in images])
    assert stored is not None  # no provider id: nothing to deduplicate against
    if not conversation.customer_email:
        return Reply(stored, emailed=False)  # a member without an e-mail address reads it in the member area
    try:
        sent = send(compose(store, conversation, text,
                            [(image, uploads.image_bytes(store_id, image.image_id)) for image in images],
                            sender_of(store_id, store.name, store.shop_email)), now)
    except (EmailNotSent, ValueError):  # ValueError: an address the builder refuses (never a half-built mail)
        logger.warning("reply not e-mailed", extra={"conversation_id": conversation.conversation_id})
        return Reply(stored, emailed=False)
    stored.update(actions=[MessageModel.email_message_id.set(sent.ses_message_id),
                           MessageModel.rfc_message_id.set(sent.message_id)])
    return Reply(stored, emailed=True)
