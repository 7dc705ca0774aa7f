"""The merchant's customers: search, profiles, tags, notes, visitors registered from the inbox, CSV import."""

from __future__ import annotations

from chalice.app import Blueprint

members = Blueprint(__name__)
