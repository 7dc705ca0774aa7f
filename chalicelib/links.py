"""The stage's public API URL, the start of every link the product sends or prints that points at this API.

It comes from configuration only: the template writes the RestAPI's own URL (or the stage's custom
domain) to the SSM parameter ``PUBLIC_API_URL_PARAMETER`` names (infra/template.py). A request's
``Host`` or ``X-Forwarded-*`` headers never shape a link: a forged Host would otherwise put an
attacker's domain into an unsubscribe link or a staff member's sign-in link.
"""

from __future__ import annotations

import os

from chalicelib import aws

PARAMETER_ENV = "PUBLIC_API_URL_PARAMETER"
MAX_AGE_SECONDS = 300  # the URL changes only with a deployment


class PublicUrlNotConfigured(RuntimeError):
    """The process was not started from the template (no parameter named), or the parameter is missing."""


def public_api_url() -> str:
    """The stage's public API URL without a trailing slash, e.g. ``https://abc.execute-api.../api``."""
    name = os.environ.get(PARAMETER_ENV)
    if not name:
        raise PublicUrlNotConfigured(f"{PARAMETER_ENV} is not set: the template names the public URL's parameter")
    try:
        return aws.get_parameter(name, max_age=MAX_AGE_SECONDS).rstrip("/")
    except Exception as exc:  # Powertools' GetParameterError: say which parameter, not just that one failed
        raise PublicUrlNotConfigured(f"the public API URL parameter {name} could not be read: {exc}") from exc
