"""The merchant's inbox: conversations, messages, replies, blacklist and keyword auto-reply rules (admin key)."""

from __future__ import annotations

from chalice.app import Blueprint

inbox = Blueprint(__name__)
