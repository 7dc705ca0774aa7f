"""reCAPTCHA v3 for every storefront route that sends an SMS or an email (and the staff app's SMS).

When a store configures a secret, those routes need a ``recaptcha_token``. The secret is an SSM
SecureString ``<SSM_PREFIX>/stores/<store_id>/recaptcha_secret`` (the store's SMS settings item only
says whether it is on and the rules, so a store without it pays no SSM read). Tokens are checked over
HTTP against ``RECAPTCHA_VERIFY_URL`` (default Google's ``siteverify``); the verdict must be a success
with ``score >= min_score`` (default 0.5), and its ``action`` and ``hostname`` must be among the
store's ``actions`` and ``hostnames`` when those are set. A verdict without a score (reCAPTCHA v2) fails.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import urllib3

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.errors import ApiError, InvalidRequest
from chalicelib.models.sms import SmsTemplatesModel
from chalicelib.sms.templates import DEFAULT_MIN_SCORE, SmsStore


class CaptchaUnavailable(ApiError):
    """Google's reCAPTCHA check could not be made (down, slow or not JSON)."""

    code = "captcha_unavailable"


DEFAULT_VERIFY_URL = "https://www.google.com/recaptcha/api/siteverify"
CACHE_SECONDS = 300


def parameter_name(store_id: str) -> str:
    return f"{settings().ssm_prefix}/stores/{store_id}/recaptcha_secret"


def configure(store_id: str, secret: str | None, now: datetime, *, min_score: float | None = None,
              actions: list[str] | None = None, hostnames: list[str] | None = None) -> dict[str, Any]:
    """Turn reCAPTCHA on with ``secret`` (kept in SSM) and its rules, or off with None; returns its view."""
    from aws_lambda_powertools.utilities import parameters  # Powertools Parameters load with the first use

    from chalicelib.sms.templates import forget  # sms.templates imports this module's package: no cycle at import

    ssm = aws.client("ssm")
    if secret:
        ssm.put_parameter(Name=parameter_name(store_id), Value=secret, Type="SecureString", Overwrite=True)
    score = DEFAULT_MIN_SCORE if min_score is None else float(min_score)
    item = SmsTemplatesModel(store_id)
    item.update(actions=[SmsTemplatesModel.recaptcha_enabled.set(bool(secret)),
                         SmsTemplatesModel.recaptcha_min_score.set(score),
                         SmsTemplatesModel.recaptcha_actions.set(actions or []),
                         SmsTemplatesModel.recaptcha_hostnames.set(hostnames or []),
                         SmsTemplatesModel.updated_at.set(now)])
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    forget(store_id)
    return {"enabled": bool(secret), "min_score": score, "actions": actions or [], "hostnames": hostnames or []}


def guard(store: SmsStore, token: str | None, client_ip: str | None) -> None:
    """Nothing when the store has no reCAPTCHA; else :func:`require_human`."""
    if store.recaptcha_enabled:
        require_human(store, token, client_ip)


def require_human(store: SmsStore, token: str | None, client_ip: str | None) -> None:
    """400 ``captcha_failed`` unless ``token`` is a reCAPTCHA v3 verdict the store's rules accept."""

    store_id = store.store.store_id
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
    problem = refusal(verdict, store)
    if problem:
        raise InvalidRequest(f"the reCAPTCHA token was not accepted: {problem}", field="recaptcha_token",
                             code="captcha_failed")


def refusal(verdict: Any, store: SmsStore) -> str | None:
    """Why a siteverify verdict is not good enough for the store (None: it is)."""
    rules = store.recaptcha_rules
    min_score = rules.min_score if rules else DEFAULT_MIN_SCORE
    if not isinstance(verdict, dict) or verdict.get("success") is not True:
        return "not a valid token"
    score = verdict.get("score")
    if not isinstance(score, int | float) or isinstance(score, bool) or score < min_score:
        return f"score below {min_score}"
    if rules and rules.actions and verdict.get("action") not in rules.actions:
        return "unexpected action"
    if rules and rules.hostnames and verdict.get("hostname") not in rules.hostnames:
        return "unexpected hostname"
    return None
