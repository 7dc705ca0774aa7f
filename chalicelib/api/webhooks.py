"""Channel webhooks: Meta verify handshake and signed deliveries from Messenger, Instagram, WhatsApp and LINE."""

from __future__ import annotations

from chalice.app import Blueprint

webhooks = Blueprint(__name__)
