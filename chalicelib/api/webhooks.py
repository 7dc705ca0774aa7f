"""Channel webhooks: Meta verify handshake and signed deliveries from Messenger, Instagram, WhatsApp and LINE.

Public routes (no key): the store comes from the path, trust from the signature over the raw bytes.
Any Content-Type is accepted: the platforms label their JSON in their own ways.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.http import PUBLIC, Body, Call, endpoint
from chalicelib.api.lazy import lazy

if TYPE_CHECKING:
    from chalicelib.channels import registry
    from chalicelib.inbox import intake
else:  # loaded by the first delivery, not at cold start (chalicelib/api/lazy.py)
    registry, intake = lazy("chalicelib.channels.registry"), lazy("chalicelib.inbox.intake")

webhooks = Blueprint(__name__)


@endpoint(webhooks, "/webhooks/{channel}/{store_id}", ["GET"], roles=PUBLIC)
def verify_subscription(call: Call, channel: str, store_id: str) -> Response:
    challenge = intake.verify_subscription(store_id, channel, call.query("hub.mode"), call.query("hub.verify_token"),
                                           call.query("hub.challenge"))
    return Response(body=challenge, status_code=200, headers={"Content-Type": "text/plain; charset=utf-8"})


@endpoint(webhooks, "/webhooks/{channel}/{store_id}", ["POST"], roles=PUBLIC, content_types=["*/*"])
def receive(call: Call, channel: str, store_id: str) -> Body:
    raw = call.request.raw_body
    body = raw.encode("utf-8") if isinstance(raw, str) else (raw or b"")
    signature = registry.adapter_for(channel).signature_header(call.request.headers)
    return intake.receive_delivery(store_id, channel, body, signature, clock.now()).view()
