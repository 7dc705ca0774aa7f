"""Sender identities (admin key): the addresses and domains a store's mail may go ``From``.

The rules live in :mod:`chalicelib.senders`; these routes only read bodies and shape answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.http import ADMIN, Body, Call, endpoint, no_content
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest
from chalicelib.pagination import parse_limit
from chalicelib.validation import Field

if TYPE_CHECKING:
    from chalicelib import links
    from chalicelib import senders as identities
    from chalicelib.models.senders import SenderIdentityModel
else:  # loaded by the first identity request, not at cold start (chalicelib/api/lazy.py)
    identities, links = lazy("chalicelib.senders"), lazy("chalicelib.links")

senders = Blueprint(__name__)

FIELDS = {"email": Field(str, max_length=254), "domain": Field(str, max_length=253)}


def identity_view(item: SenderIdentityModel) -> dict[str, Any]:
    view: dict[str, Any] = {"identity": item.identity, "kind": item.kind, "status": item.status,
                            "created_at": clock.isoformat(item.created_at)}
    if item.kind == identities.DOMAIN:
        view["dns_records"] = identities.dns_records(item)
    return view


@endpoint(senders, "/admin/sender-identities", ["POST"], roles=ADMIN, status=202)
def register_identity(call: Call) -> Body | Response:
    body = call.body(FIELDS)
    if len(body) != 1:
        raise InvalidRequest("give exactly one of 'email' (an address) or 'domain'", field="email")
    if "email" in body:
        identity, kind = identities.normalise_email(body["email"]), identities.EMAIL
    else:
        identity, kind = identities.normalise_domain(body["domain"]), identities.DOMAIN
    # The verification link starts from the stage's configured URL, never the request's Host.
    registered = identities.register(call.store_id, identity, kind, clock.now(), links.public_api_url())
    return identity_view(registered.item)


@endpoint(senders, "/admin/sender-identities", ["GET"], roles=ADMIN)
def list_identities(call: Call) -> Body:
    from chalicelib.models.senders import SenderIdentityModel
    from chalicelib.pagination import decode_cursor, encode_cursor

    results = SenderIdentityModel.query(call.store_id, limit=parse_limit(call.query("limit")),
                                        last_evaluated_key=decode_cursor(call.query("cursor"), call.store_id))
    items = identities.refresh(list(results), clock.now())
    return {"items": [identity_view(item) for item in items], "next_cursor": encode_cursor(results.last_evaluated_key)}


@endpoint(senders, "/admin/sender-identities/{identity}", ["DELETE"], roles=ADMIN)
def delete_identity(call: Call, identity: str) -> Response:
    name, _ = identities.normalise(unquote(identity))
    identities.remove(call.store_id, name)
    return no_content()
