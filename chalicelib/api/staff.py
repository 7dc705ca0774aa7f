"""The in-store staff app (Smart OMO): member search and SMS registration links (staff key)."""

from __future__ import annotations

from chalice.app import Blueprint

staff = Blueprint(__name__)
