"""The storefront's member accounts: phone verification, sign-up, login, password reset, change of number."""

from __future__ import annotations

from chalice.app import Blueprint

accounts = Blueprint(__name__)
