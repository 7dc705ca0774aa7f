"""Reports on demand: SMS and store-referral CSVs for a date range, as presigned S3 URLs (admin key)."""

from __future__ import annotations

from chalice.app import Blueprint

reports = Blueprint(__name__)
