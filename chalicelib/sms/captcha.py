"""reCAPTCHA for SMS sends: when a store configures a secret, every verification send needs a token.

The secret is an SSM SecureString ``<SSM_PREFIX>/stores/<store_id>/recaptcha_secret`` (the store's
SMS settings item only says whether it is on, so a store without it pays no SSM read). Tokens are
checked over HTTP against ``RECAPTCHA_VERIFY_URL`` (default Google's ``siteverify``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from urllib.parse import urlencode

import urllib3

from chalicelib.config import settings
from chalicelib.errors import ApiError, InvalidRequest
from chalicelib.models.sms import SmsTemplatesModel


class CaptchaUnavailable(ApiError):
    """Google's reCAPTCHA check could not be made (down, slow or not JSON)."""

    code = "captcha_unavailable"


DEFAULT_VERIFY_URL = "https://www.google.com/recaptcha/api/siteverify"
CACHE_SECONDS = 300


def parameter_name(store_id: str) -> str:
    return f"{settings().ssm_prefix}/stores/{store_id}/recaptcha_secret"


def configure(store_id: str, secret: str | None, now: datetime) -> bool:
    """Turn reCAPTCHA on with ``secret`` (kept in SSM) or off with None; returns whether it is on."""
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import aws
    from chalicelib.sms.templates import forget

    ssm = aws.client("ssm")
    if secret:
        ssm.put_parameter(Name=parameter_name(store_id), Value=secret, Type="SecureString", Overwrite=True)
    SmsTemplatesModel(store_id).update(actions=[SmsTemplatesModel.recaptcha_enabled.set(bool(secret)),
                                                SmsTemplatesModel.updated_at.set(now)])
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    forget(store_id)
    return bool(secret)


def require_human(store_id: str, token: str | None, client_ip: str | None) -> None:
    """400 ``captcha_failed`` unless ``token`` is a valid reCAPTCHA response for the store's secret."""
    from chalicelib import aws

    if not token:
        raise InvalidRequest("this store needs a 'recaptcha_token' to send codes", field="recaptcha_token",
                             code="captcha_failed")
    secret = aws.get_parameter(parameter_name(store_id), max_age=CACHE_SECONDS)
    fields = {"secret": secret, "response": token, **({"remoteip": client_ip} if client_ip else {})}
    try:
        response = urllib3.request("POST", os.environ.get("RECAPTCHA_VERIFY_URL", DEFAULT_VERIFY_URL),
                                   body=urlencode(fields),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"},
                                   timeout=5.0, retries=False)
        verdict = json.loads(response.data) if response.status == 200 else {}
    except (urllib3.exceptions.HTTPError, ValueError):
        raise CaptchaUnavailable("the reCAPTCHA check could not be made; try again") from None
    if verdict.get("success") is not True:
        raise InvalidRequest("the reCAPTCHA token was not accepted", field="recaptcha_token", code="captcha_failed")
