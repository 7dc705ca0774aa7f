"""The merchant's customers: profiles, tags, notes, visitors registered from the inbox, CSV import.

Member search (``GET /admin/members``) lives in ``chalicelib/api/search.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.etag import conditional_json
from chalicelib.api.http import ADMIN, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest
from chalicelib.pagination import parse_limit
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib import conversations, stores
    from chalicelib.api import views
    from chalicelib.binding import orders
    from chalicelib.lifecycle import incremental
    from chalicelib.members import core, imports, notes, profiles, tags
    from chalicelib.sms import phones
else:  # loaded by the first members request, not at cold start (chalicelib/api/lazy.py)
    # ... and these by the first request that needs them: a profile (orders, lifecycle), a visitor
    # from a conversation (conversations) or with a phone (phonenumbers).
    orders, incremental = lazy("chalicelib.binding.orders"), lazy("chalicelib.lifecycle.incremental")
    conversations, phones = lazy("chalicelib.conversations"), lazy("chalicelib.sms.phones")
    views = lazy("chalicelib.api.views")
    stores, core = lazy("chalicelib.stores"), lazy("chalicelib.members.core")
    imports, notes = lazy("chalicelib.members.imports"), lazy("chalicelib.members.notes")
    profiles, tags = lazy("chalicelib.members.profiles"), lazy("chalicelib.members.tags")

members = Blueprint(__name__)

# How spreadsheets and browsers label a .csv upload (Excel on Windows says application/vnd.ms-excel).
CSV_CONTENT_TYPES = ["text/csv", "text/plain", "application/csv", "application/vnd.ms-excel",
                     "application/octet-stream"]


@endpoint(members, "/admin/members/{member_id}", ["GET"], roles=ADMIN)
def get_profile(call: Call, member_id: str) -> Response:
    profile = profiles.member_profile(call.store_id, member_id)
    placed = orders.orders_of_member(call.store_id, member_id)
    # A member not staged yet shows the stage computed on the spot (nothing written).
    lifecycle = (views.lifecycle_view(profile.member)
                 or incremental.live_view(call.store_id, profile.member, placed, clock.now()))
    return conditional_json(call, views.profile_view(profile, placed, lifecycle, views.consents_view(profile.member)))


@endpoint(members, "/admin/members", ["POST"], roles=ADMIN, status=201)
def register_visitor(call: Call) -> Body:
    body = call.body({"name": Field(str, required=True, max_length=imports.MAX_NAME_LENGTH),
                      "phone": Field(object, nullable=True),
                      "email": Field(str, nullable=True, max_length=core.MAX_EMAIL_LENGTH, check=core.check_email),
                      "conversation_id": Field(str, nullable=True, max_length=64)})
    conversation_id = body.get("conversation_id")
    email = body.get("email")
    if conversation_id:
        # The visitor's address comes with the conversation when the merchant does not type one.
        conversation_email = conversations.visitor_email(call.store_id, conversation_id)  # 404 / 400 before creating
        email = email or conversation_email
    phone = None
    if body.get("phone") is not None:
        phone = phones.parse_phone(body["phone"], stores.get_store(call.store_id).country).e164
    now = clock.now()
    member = profiles.register_visitor(call.store_id, body["name"], phone, email, now)
    view = views.member_view(member)
    if conversation_id:
        view["conversation_ids"] = conversations.attach_to_member(call.store_id, member.member_id, email,
                                                                  conversation_id, now)
    return view


@endpoint(members, "/admin/members/{member_id}/tags", ["POST"], roles=ADMIN)
def add_tags(call: Call, member_id: str) -> Body:
    body = call.body({"tags": Field(list, required=True, check=tags.check_tags)})
    return {"member_id": member_id, "tags": tags.add_tags(call.store_id, member_id, body["tags"], clock.now())}


@endpoint(members, "/admin/members/{member_id}/tags/{tag}", ["DELETE"], roles=ADMIN)
def remove_tag(call: Call, member_id: str, tag: str) -> Body:
    name = tags.check_tag(unquote(tag), "tag")
    return {"member_id": member_id, "tags": tags.remove_tag(call.store_id, member_id, name, clock.now())}


@endpoint(members, "/admin/tags/{tag}/members", ["GET"], roles=ADMIN)
def members_tagged(call: Call, tag: str) -> Body:
    name = tags.check_tag(unquote(tag), "tag")
    return tags.members_tagged(call.store_id, name, parse_limit(call.query("limit")), call.query("cursor"),
                               views.member_view)


@endpoint(members, "/admin/members/{member_id}/notes", ["POST"], roles=ADMIN, status=201)
def add_note(call: Call, member_id: str) -> Body:
    body = call.body({"text": Field(str, required=True, max_length=notes.MAX_NOTE_LENGTH)})
    return views.note_view(notes.add_note(call.store_id, member_id, body["text"], call.principal, clock.now()))


def _dry_run(value: str | None) -> bool:
    if value in (None, "", "false"):
        return False
    if value == "true":
        return True
    raise InvalidRequest("'dry_run' must be true or false", field="dry_run")


@endpoint(members, "/admin/customer-imports", ["POST"], roles=ADMIN, content_types=CSV_CONTENT_TYPES)
def import_customers(call: Call) -> Body:
    dry_run = _dry_run(call.query("dry_run"))
    raw = call.request.raw_body
    data = raw.encode() if isinstance(raw, str) else (raw or b"")
    return imports.import_customers(call.store_id, data, dry_run=dry_run,
                                    country=stores.get_store(call.store_id).country, now=clock.now())
