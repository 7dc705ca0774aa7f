"""Shop and order messages: the storefront's routes (storefront key), uploads, and merchant notes (admin key).

The merchant's answer to a shop or order conversation goes through ``POST /admin/conversations/{id}/messages``
(``api/inbox.py``), which hands it to :func:`answer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib import clock, tokens
from chalicelib.api.http import ADMIN, STOREFRONT, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest
from chalicelib.pagination import parse_limit
from chalicelib.validation import Field, one_line

if TYPE_CHECKING:
    from chalicelib import conversations
    from chalicelib.api import views
    from chalicelib.members import core
    from chalicelib.messages import uploads
    from chalicelib.models.inbox import ConversationModel
else:  # loaded by the first message request, not at cold start (chalicelib/api/lazy.py)
    conversations, core = lazy("chalicelib.conversations"), lazy("chalicelib.members.core")
    uploads = lazy("chalicelib.messages.uploads")
    views = lazy("chalicelib.api.views")

messages = Blueprint(__name__)


def text_field() -> Field:
    """Built per request: the limit lives in the conversation core, which loads lazily."""
    return Field(str, max_length=conversations.TEXT_LIMIT)


MEMBER_ID = Field(str, required=True, max_length=64)
NOTE_TEXT = Field(str, required=True, max_length=2000)


def _text_or_images(body: Body) -> tuple[str, list[str]]:
    text, image_ids = body.get("text") or "", body.get("image_ids") or []
    if not text and not image_ids:
        raise InvalidRequest("'text' is required (or at least one of 'image_ids')", field="text")
    return text, image_ids


def _created(conversation_id: str, message_id: str) -> Body:
    return {"conversation_id": conversation_id, "message_id": message_id}


@endpoint(messages, "/storefront/shop-messages", ["POST"], roles=STOREFRONT, status=201)
def write_shop_message(call: Call) -> Body:
    body = call.body({"member_id": Field(str, nullable=True, max_length=64),
                      "email": Field(str, nullable=True, max_length=core.MAX_EMAIL_LENGTH, check=core.check_email),
                      "name": Field(str, nullable=True, max_length=120, check=one_line("name")), "text": text_field(),
                      "image_ids": uploads.IMAGE_IDS})
    text, image_ids = _text_or_images(body)
    if body.get("member_id"):
        customer = conversations.member_customer(call.store_id, body["member_id"])
        conversation_id = conversations.member_conversation_id(customer.member_id or "")
    elif body.get("email"):
        customer = conversations.Customer(None, body["email"].lower(), body.get("name"))
        conversation_id = conversations.visitor_conversation_id(body["email"])
    else:
        raise InvalidRequest("a guest's message needs 'email' (or give the member's 'member_id')", field="email")
    images = uploads.checked_images(call.store_id, image_ids)
    if customer.blacklisted:
        return held_back(conversation_id)
    message = conversations.record_customer_message(call.store_id, conversation_id, channel=conversations.SHOP,
                                                    text=text, attachments=[image.attachment() for image in images],
                                                    now=clock.now(), customer=customer)
    assert message is not None
    return _created(conversation_id, message.message_id)


@endpoint(messages, "/storefront/shop-messages", ["GET"], roles=STOREFRONT)
def read_shop_messages(call: Call) -> Body:
    member_id = _member_id_query(call)
    conversations.member_customer(call.store_id, member_id)  # 404 for an unknown member
    return conversations.storefront_thread(call.store_id, conversations.member_conversation_id(member_id),
                                           parse_limit(call.query("limit")), call.query("cursor"),
                                           views.storefront_message_view)


@endpoint(messages, "/storefront/orders/{order_id}/messages", ["POST"], roles=STOREFRONT, status=201)
def write_order_message(call: Call, order_id: str) -> Body:
    body = call.body({"member_id": MEMBER_ID, "text": text_field(), "image_ids": uploads.IMAGE_IDS})
    text, image_ids = _text_or_images(body)
    customer = conversations.order_customer(call.store_id, order_id, body["member_id"])
    images = uploads.checked_images(call.store_id, image_ids)
    conversation_id = conversations.order_conversation_id(order_id)
    if customer.blacklisted:
        return held_back(conversation_id)
    message = conversations.record_customer_message(call.store_id, conversation_id, channel=conversations.ORDER,
                                                    text=text, attachments=[image.attachment() for image in images],
                                                    now=clock.now(), customer=customer, order_id=order_id)
    assert message is not None
    return _created(conversation_id, message.message_id)


@endpoint(messages, "/storefront/orders/{order_id}/messages", ["GET"], roles=STOREFRONT)
def read_order_messages(call: Call, order_id: str) -> Body:
    conversations.members_order(call.store_id, order_id, _member_id_query(call))
    return conversations.storefront_thread(call.store_id, conversations.order_conversation_id(order_id),
                                           parse_limit(call.query("limit")), call.query("cursor"),
                                           views.storefront_message_view)


def held_back(conversation_id: str) -> Body:
    """A blacklisted member's message: answered as if stored (the contract's 201), written nowhere."""
    return _created(conversation_id, tokens.new_id("msg"))


def _member_id_query(call: Call) -> str:
    member_id = call.query("member_id")
    if not member_id:
        raise InvalidRequest("'member_id' is required", field="member_id")
    return member_id


@endpoint(messages, "/storefront/uploads", ["POST"], roles=STOREFRONT, status=201)
def storefront_upload(call: Call) -> Body:
    body = call.body(uploads.UPLOAD_FIELDS)
    return uploads.new_upload(call.store_id, body["content_type"], body["size"])


@endpoint(messages, "/admin/uploads", ["POST"], roles=ADMIN, status=201)
def admin_upload(call: Call) -> Body:
    body = call.body(uploads.UPLOAD_FIELDS)
    return uploads.new_upload(call.store_id, body["content_type"], body["size"])


# The image types of messages/uploads.py (CONTENT_TYPES), listed here, not read from it, so the route's
# declaration loads no domain code at cold start (tests/unit/test_cold_start_imports.py checks they agree).
IMAGE_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]


@endpoint(messages, "/admin/uploads/direct", ["POST"], roles=ADMIN, status=201, content_types=IMAGE_CONTENT_TYPES)
def admin_upload_direct(call: Call) -> Body:
    """The console's upload: the image itself as the body, on the API's own origin (its CSP allows no other)."""
    raw = call.request.raw_body
    image = uploads.store_direct(call.store_id, call.request.headers.get("content-type"),
                                 raw.encode() if isinstance(raw, str) else raw)
    return {"image_id": image.image_id, "content_type": image.content_type, "size": image.size}


# A stored image on our own origin: never sniffed as anything else, never run as a document, per key only.
IMAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600",
                 "Vary": "Authorization", "Content-Security-Policy": "default-src 'none'; sandbox",
                 "Content-Disposition": "inline"}


@endpoint(messages, "/admin/images/{image_id}", ["GET"], roles=ADMIN)
def admin_image(call: Call, image_id: str) -> Response:
    content_type, data = uploads.served_image(call.store_id, image_id)
    return Response(body=data, status_code=200, headers={**IMAGE_HEADERS, "Content-Type": content_type})


@endpoint(messages, "/admin/conversations/{conversation_id}/notes", ["POST"], roles=ADMIN, status=201)
def add_note(call: Call, conversation_id: str) -> Body:
    body = call.body({"text": NOTE_TEXT})
    conversations.get_conversation(call.store_id, conversation_id)  # 404 before the write, for a clear answer
    return views.message_view(conversations.add_note(call.store_id, conversation_id, body["text"],
                                                             clock.now()))


# --- the merchant's answer (called by api/inbox.py) -------------------------------------------------


def answer(call: Call, conversation: ConversationModel) -> dict[str, Any]:
    from chalicelib.messages import replies  # the MIME machinery is loaded by the requests that send mail

    text, image_ids = _text_or_images(call.body({"text": text_field(), "image_ids": uploads.IMAGE_IDS}))
    sent = replies.reply(call.store_id, conversation, text, image_ids, clock.now())
    return {**views.message_view(sent.message), "emailed": sent.emailed}
