"""What a store configures per channel, and where each part is kept.

Account ids (page, Instagram account, WhatsApp phone number) are plain data in DynamoDB. Secrets
(app secret, access tokens) go to SSM SecureString; DynamoDB keeps only a masked hint so the
merchant can tell which secret is in place. The verify token is kept only as a SHA-256 hash:
the Meta handshake compares hashes.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib import secrets, tokens
from chalicelib.channels.spec import spec_for
from chalicelib.errors import NotFound
from chalicelib.models import ChannelModel


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


def list_channels(store_id: str) -> list[ChannelModel]:
    return list(ChannelModel.query(store_id))
