"""Console users (team accounts): people (owner or admin key), sign-in sessions, two-factor, the audit trail,
and assigning conversations. Who may call which admin route is chalicelib/api/roles.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.access import Actor
from chalicelib.api.http import ADMIN, PUBLIC, Body, Call, endpoint, no_content
from chalicelib.api.lazy import lazy
from chalicelib.api.pages import page_url
from chalicelib.errors import Forbidden, InvalidRequest
from chalicelib.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib import audit, conversations, stores
    from chalicelib.api import views
    from chalicelib.members import core, mail
    from chalicelib.models import users as user_models
    from chalicelib.team import assignment, people, sessions
else:  # loaded by the first request of these routes, not at cold start (chalicelib/api/lazy.py)
    audit, stores, views = lazy("chalicelib.audit"), lazy("chalicelib.stores"), lazy("chalicelib.api.views")
    conversations = lazy("chalicelib.conversations")
    core, mail = lazy("chalicelib.members.core"), lazy("chalicelib.members.mail")
    user_models = lazy("chalicelib.models.users")
    assignment, people, sessions = (lazy("chalicelib.team.assignment"), lazy("chalicelib.team.people"),
                                    lazy("chalicelib.team.sessions"))

team = Blueprint(__name__)

EMAIL = Field(str, required=True, max_length=254)
PASSWORD = Field(str, required=True, max_length=1024)  # the length rule itself is members.passwords'
CODE = Field(str, required=True, max_length=12)


def _email(value: str) -> str:
    return core.check_email(value).lower()


def _session_token(call: Call) -> str:
    """The caller's session token; an admin key has no session to end (400 ``not_a_session``)."""
    if call.principal.user_id is None:
        raise InvalidRequest("this is an admin key, not a console session", code="not_a_session")
    return (call.request.headers.get("authorization") or "").strip().partition(" ")[2].strip()


def _user_summary(user: user_models.ConsoleUserModel) -> Body:
    return {"user_id": user.user_id, "name": user.name, "role": user.role, "email": user.email}


# --- people -------------------------------------------------------------------------------------------


@endpoint(team, "/admin/users", ["POST"], roles=ADMIN, status=201)
def invite_user(call: Call) -> Body:
    body = call.body({"email": Field(str, required=True, max_length=254, check=_email),
                      "name": Field(str, required=True, max_length=120), "role": Field(str, required=True)})
    now = clock.now()
    inviter = call.principal.user_name  # a person by name; the admin key is "the store"
    invited = people.invite(call.store_id, body["email"], body["name"], body["role"], inviter, now)
    store = stores.get_store(call.store_id)
    # The token rides in the link's fragment, which browsers never send to a server (nor in a Referer).
    link = f"{page_url('console')}#invitation={invited.token}"  # the stage's configured URL, never the Host
    emailed = mail.send_email(invited.user.email, f"{store.name}: your invitation to the console",
                              people.invitation_text(store.name, inviter, invited.user.role, link))
    return {"user_id": invited.user.user_id, "emailed": emailed,
            "invitation_expires_at": clock.isoformat(invited.user.invitation_expires_at or now)}


@endpoint(team, "/admin/users", ["GET"], roles=ADMIN)
def list_users(call: Call) -> Body:
    results = user_models.ConsoleUserModel.query(call.store_id, limit=parse_limit(call.query("limit")),
                                                 last_evaluated_key=decode_cursor(call.query("cursor"), call.store_id))
    return {"items": [views.user_view(user) for user in results],
            "next_cursor": encode_cursor(results.last_evaluated_key)}


@endpoint(team, "/admin/users/{user_id}", ["DELETE"], roles=ADMIN)
def remove_user(call: Call, user_id: str) -> Response:
    """Their sessions end at once: each request reads the person again, and their sessions are deleted."""
    people.remove(call.store_id, user_id)
    return no_content()


@endpoint(team, "/auth/invitations/accept", ["POST"], roles=PUBLIC)
def accept_invitation(call: Call) -> Body:
    body = call.body({"token": Field(str, required=True, max_length=300), "password": PASSWORD})
    user = people.accept(body["token"], body["password"], clock.now())
    audit.record(user.store_id, Actor("user", user.user_id, user.name), "user.joined", ("user", user.user_id))
    return {"user_id": user.user_id, "email": user.email, "name": user.name, "role": user.role}


# --- sessions -----------------------------------------------------------------------------------------


@endpoint(team, "/auth/sessions", ["POST"], roles=PUBLIC)
def sign_in(call: Call) -> Body:
    body = call.body({"email": EMAIL, "password": PASSWORD, "store_id": Field(str, max_length=64),
                      "totp_code": Field(str, max_length=12)})
    session = sessions.log_in(body["email"], body["password"], clock.now(), store_id=body.get("store_id"),
                              totp_code=body.get("totp_code"))
    user = session.user
    audit.record(user.store_id, Actor("user", user.user_id, user.name), "user.signed_in", ("user", user.user_id))
    return {"session_token": session.token, "expires_at": clock.isoformat(session.expires_at),
            "store_id": user.store_id, "user": _user_summary(user)}


@endpoint(team, "/auth/sessions/current", ["GET"], roles=ADMIN)
def current_session(call: Call) -> Body:
    """Who the console is signed in as (a person, or the admin key as owner) and its store."""
    principal = call.principal
    store = stores.get_store(call.store_id)
    return {"actor": principal.actor.as_dict(), "role": principal.user_role or "owner",
            "store": {"store_id": store.store_id, "name": store.name, "timezone": store.timezone}}


@endpoint(team, "/auth/sessions/current", ["DELETE"], roles=ADMIN)
def sign_out(call: Call) -> Response:
    sessions.log_out(_session_token(call))
    return no_content()


@endpoint(team, "/auth/two-factor", ["POST"], roles=ADMIN)
def start_two_factor(call: Call) -> Body:
    """An owner's new authenticator secret; sign-in asks for codes once it is confirmed."""
    _session_token(call)
    if call.principal.user_role != "owner":
        raise Forbidden("two-factor sign-in is for owners")
    secret, uri = sessions.start_two_factor(call.store_id, call.principal.user_id or "",
                                            stores.get_store(call.store_id).name)
    return {"secret": secret, "otpauth_uri": uri}


@endpoint(team, "/auth/two-factor/confirm", ["POST"], roles=ADMIN)
def confirm_two_factor(call: Call) -> Body:
    _session_token(call)
    body = call.body({"code": CODE})
    sessions.confirm_two_factor(call.store_id, call.principal.user_id or "", body["code"], clock.now())
    return {"user_id": call.principal.user_id, "two_factor": True}


# --- the trail and assignment -------------------------------------------------------------------------


@endpoint(team, "/admin/audit-events", ["GET"], roles=ADMIN)
def list_audit_events(call: Call) -> Body:
    action = call.query("action") or None
    if action is not None and (len(action) > 64 or not action.replace(".", "").replace("_", "").isalnum()):
        raise InvalidRequest("'action' is an action name such as conversation.replied", field="action")
    return audit.list_events(call.store_id, parse_limit(call.query("limit")), call.query("cursor"), action=action)


@endpoint(team, "/admin/conversations/{conversation_id}/assignee", ["PUT"], roles=ADMIN)
def assign_conversation(call: Call, conversation_id: str) -> Body:
    body = call.body({"user_id": Field(str, nullable=True, max_length=64)})
    if "user_id" not in body:
        raise InvalidRequest("'user_id' is required: a person's id, \"me\", or null for nobody", field="user_id")
    user_id = body["user_id"]
    if user_id == "me":
        user_id = call.principal.user_id
        if user_id is None:
            raise InvalidRequest("'me' is a signed-in person; an admin key names the user_id", field="user_id")
    conversation = assignment.assign(call.store_id, conversation_id, user_id)
    return views.conversation_view(conversation, clock.now(), conversations.orders_of(call.store_id, [conversation]))
