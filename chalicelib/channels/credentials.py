"""What a store configures per channel, and where each part is kept.

Account ids (page, Instagram account, WhatsApp phone number) are plain data in DynamoDB. Secrets
(app secret, access tokens) go to SSM SecureString; DynamoDB keeps only a masked hint so the
merchant can tell which secret is in place. The verify token is kept only as a SHA-256 hash:
the Meta handshake compares hashes.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib import secrets, tokens
from chalicelib.channels.registry import adapter_for, spec_for
from chalicelib.errors import NotFound
from chalicelib.models import ChannelModel


def mask(secret: str) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    return "****" + secret[-4:] if len(secret) >= 16 else "****"


def configure_channel(store_id: str, channel: str, values: dict[str, str], now: datetime) -> ChannelModel:
    adapter = adapter_for(channel)
    spec = adapter.spec
    account_id = adapter.account_id_for(values)  # LINE asks the platform: a wrong token is refused before saving
    secret_values = {name: values[name] for name in spec.secret_fields}
    # Secret first: a channel item without its secret would fail every webhook.
    secrets.put_channel_secrets(store_id, channel, secret_values)
    item = ChannelModel(
        store_id, channel,
        account_id=account_id,
        verify_token_hash=tokens.sha256_hex(values["verify_token"]) if "verify_token" in values else None,
        secret_hints={name: mask(value) for name, value in secret_values.items()},
        updated_at=now,
    )
    item.save()
    remember_channel_config(item)  # this instance knows the new configuration at once
    return item


# Webhook intake asks "is this channel configured, for which account?" on every delivery. A warm
# instance keeps the answer (yes or no) briefly, so a flood of posts to unknown store ids costs
# neither an SSM read nor a DynamoDB read each; a save on this instance forgets it at once.
CONFIG_CACHE_SECONDS = 60.0
_CONFIG_CACHE_MAX = 10_000
_config_cache: dict[tuple[str, str], tuple[float, ChannelModel | None]] = {}
_config_lock = threading.Lock()


def cached_channel_config(store_id: str, channel: str) -> ChannelModel | None:
    """The channel's configuration from DynamoDB (None when not configured), cached for a minute."""
    key = (store_id, channel)
    with _config_lock:
        hit = _config_cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    try:
        item: ChannelModel | None = ChannelModel.get(store_id, channel)
    except DoesNotExist:
        item = None
    with _config_lock:
        if len(_config_cache) >= _CONFIG_CACHE_MAX:
            _config_cache.clear()
        _config_cache[key] = (time.monotonic() + CONFIG_CACHE_SECONDS, item)
    return item


def remember_channel_config(item: ChannelModel) -> None:
    with _config_lock:
        _config_cache[(item.store_id, item.channel)] = (time.monotonic() + CONFIG_CACHE_SECONDS, item)


def forget_channel_config(store_id: str | None = None, channel: str | None = None) -> None:
    with _config_lock:
        if store_id is None or channel is None:
            _config_cache.clear()
        else:
            _config_cache.pop((store_id, channel), None)


def get_channel_config(store_id: str, channel: str) -> ChannelModel:
    spec_for(channel)
    try:
        return ChannelModel.get(store_id, channel)
    except DoesNotExist:
        raise NotFound(f"channel '{channel}' is not configured") from None


def list_channels(store_id: str) -> list[ChannelModel]:
    return list(ChannelModel.query(store_id))
