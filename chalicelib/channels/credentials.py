"""What a store configures per channel, and where each part is kept.

Account ids (page, Instagram account, WhatsApp phone number) are plain data in DynamoDB. Secrets
(app secret, access tokens) go to SSM SecureString; DynamoDB keeps only a masked hint so the
merchant can tell which secret is in place. The verify token is kept only as a SHA-256 hash:
the Meta handshake compares hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import clock, secrets, tokens
from chalicelib.errors import NotFound
from chalicelib.models import ChannelModel
from chalicelib.validation import Field


@dataclass(frozen=True)
class ChannelSpec:
    account_field: str | None  # the platform's id of the store's account on that channel
    secret_fields: tuple[str, ...]


CHANNELS: dict[str, ChannelSpec] = {
    "facebook": ChannelSpec("page_id", ("app_secret", "verify_token", "access_token")),
    "instagram": ChannelSpec("ig_user_id", ("app_secret", "verify_token", "access_token")),
    "whatsapp": ChannelSpec("phone_number_id", ("app_secret", "verify_token", "access_token")),
    "line": ChannelSpec(None, ("channel_secret", "channel_access_token")),
}


def spec_for(channel: str) -> ChannelSpec:
    try:
        return CHANNELS[channel]
    except KeyError:
        raise NotFound(f"unknown channel '{channel}'; channels are {', '.join(CHANNELS)}") from None


def request_fields(channel: str) -> dict[str, Field]:
    spec = spec_for(channel)
    fields = {name: Field(str, required=True, max_length=1024) for name in spec.secret_fields}
    if spec.account_field:
        fields[spec.account_field] = Field(str, required=True, max_length=64)
    return fields


def mask(secret: str) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    return "****" + secret[-4:] if len(secret) >= 16 else "****"


def configure_channel(store_id: str, channel: str, values: dict[str, str], now: datetime) -> ChannelModel:
    spec = spec_for(channel)
    secret_values = {name: values[name] for name in spec.secret_fields}
    # Secret first: a channel item without its secret would fail every webhook.
    secrets.put_channel_secrets(store_id, channel, secret_values)
    item = ChannelModel(
        store_id, channel,
        account_id=values[spec.account_field] if spec.account_field else None,
        verify_token_hash=tokens.sha256_hex(values["verify_token"]) if "verify_token" in values else None,
        secret_hints={name: mask(value) for name, value in secret_values.items()},
        updated_at=now,
    )
    item.save()
    return item


def get_channel_config(store_id: str, channel: str) -> ChannelModel:
    spec_for(channel)
    try:
        return ChannelModel.get(store_id, channel)
    except DoesNotExist:
        raise NotFound(f"channel '{channel}' is not configured") from None


def channel_view(item: ChannelModel) -> dict[str, Any]:
    spec = spec_for(item.channel)
    view: dict[str, Any] = {"channel": item.channel, "configured": True,
                            "updated_at": clock.isoformat(item.updated_at)}
    if spec.account_field:
        view[spec.account_field] = item.account_id
    view.update(item.secret_hints.as_dict() if item.secret_hints else {})  # type: ignore[no-untyped-call]
    return view


def list_channels(store_id: str) -> list[dict[str, Any]]:
    return [channel_view(item) for item in ChannelModel.query(store_id)]
