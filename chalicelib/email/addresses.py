"""Our inbound addresses: ``<prefix>+<token>@<inbound mail domain>``, read the same way for every prefix.

The domain (``INBOUND_EMAIL_DOMAIN``, lower case) is read in one place, :func:`chalicelib.config.settings`;
``reply+`` (messages) and ``unsubscribe+`` (consent) tokens are found in an address by :func:`token_in`.
"""

from __future__ import annotations

import os
import re

from chalicelib.config import settings


def platform_address() -> str:
    """The platform's own From (``SES_FROM_ADDRESS``): codes, and a store's mail until its sender is verified."""
    return os.environ.get("SES_FROM_ADDRESS", "no-reply@memberlink.local")


def inbound_domain() -> str:
    """The domain whose MX points at SES inbound (the operator's one manual DNS step)."""
    return settings().inbound_email_domain


def token_in(address: str, local_part: re.Pattern[str]) -> str | None:
    """The token of ``<prefix>+<token>@<inbound domain>`` when ``local_part`` matches; else None."""
    local, _, domain = address.strip().lower().rpartition("@")
    match = local_part.match(local)
    return match.group(1) if domain == inbound_domain() and match is not None else None
