"""A store's SMS texts (``PUT /admin/templates/sms/{type}``) and the store settings a send needs.

:func:`sms_store` reads the store and its templates in one ``TransactGetItems`` and keeps them for
``SMS_SETTINGS_CACHE_SECONDS`` (default 30) in a warm instance, like Powertools Parameters does for
secrets: a send then costs no read at all. A template saved here is seen at once by this instance
and within that many seconds by the others; so are changed caps (``PUT /admin/settings``).
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib import i18n
from chalicelib.errors import ApiError, InvalidRequest, NotFound
from chalicelib.i18n import N_
from chalicelib.lifetimes import CODE_TTL
from chalicelib.models.sms import SmsTemplatesModel
from chalicelib.models.stores import StoreModel
from chalicelib.models.transactions import NamedGet

MAX_MESSAGE_BYTES = 1600  # SNS refuses longer SMS messages
PLACEHOLDERS = ("code", "link", "store_name")
TEMPLATE_TYPES = ("verification", "registration_invitation")
REQUIRED_PLACEHOLDER = {"verification": "code", "registration_invitation": "link"}
# A new store's texts, in its language (chalicelib/i18n): what it saves with PUT replaces them.
DEFAULT_TEMPLATES = {
    "verification": N_("{store_name}: your verification code is {code}. It expires in %(lifetime)s."),
    "registration_invitation": N_("{store_name} invites you to become a member: {link}"),
}


def default_template(template_type: str, language: str) -> str:
    return i18n.translate(language, DEFAULT_TEMPLATES[template_type], lifetime=i18n.duration_text(CODE_TTL, language))
# Longest values a placeholder can take, to check a template can never render over the limit.
_WORST_CASE = {"code": "0" * 6, "link": "x" * 700, "store_name": "\u4f60" * 120}
_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
_lock = threading.Lock()
_cache: dict[str, tuple[float, SmsStore]] = {}


class MessageTooLong(ApiError):
    """The SMS, filled in, would be longer than SNS accepts."""

    code = "message_too_long"


@dataclass(frozen=True)
class RecaptchaRules:
    """What a reCAPTCHA v3 verdict must show: at least ``min_score``, one of ``actions``, one of ``hostnames``
    (an empty tuple accepts any)."""

    min_score: float
    actions: tuple[str, ...] = ()
    hostnames: tuple[str, ...] = ()


DEFAULT_MIN_SCORE = 0.5


@dataclass(frozen=True)
class SmsStore:
    """The store and its SMS templates, as a send needs them."""

    store: StoreModel
    templates: dict[str, str] = field(default_factory=dict)
    recaptcha_enabled: bool = False
    recaptcha_rules: RecaptchaRules | None = None

    def text(self, template_type: str, **values: str) -> str:
        """The store's template (or the default) with ``{code}``, ``{link}``, ``{store_name}`` filled in."""
        return render(self.templates.get(template_type) or self.default(template_type),
                      store_name=self.store.name, **values)

    def default(self, template_type: str) -> str:
        return default_template(template_type, i18n.store_language(self.store))


def render(template: str, **values: str) -> str:
    # str.replace, not str.format: a merchant's braces elsewhere in the text must not break sending.
    text = template
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values.get(name, ""))
    return text


def check_message(text: str) -> str:
    if len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise MessageTooLong(f"the SMS would be longer than {MAX_MESSAGE_BYTES} bytes")
    return text


def check_template_type(template_type: str) -> str:
    if template_type not in TEMPLATE_TYPES:
        raise NotFound(f"unknown SMS template type '{template_type}'; one of {', '.join(TEMPLATE_TYPES)}")
    return template_type


def check_template(template_type: str, text: str) -> str:
    check_template_type(template_type)
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise InvalidRequest(f"unknown placeholder {{{unknown[0]}}}; allowed: "
                             + ", ".join("{" + p + "}" for p in PLACEHOLDERS), field="text")
    required = REQUIRED_PLACEHOLDER[template_type]
    if "{" + required + "}" not in text:
        raise InvalidRequest(f"a {template_type} SMS must contain {{{required}}}", field="text")
    if len(render(text, **_WORST_CASE).encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise InvalidRequest(f"the text could render longer than {MAX_MESSAGE_BYTES} bytes", field="text")
    return text


def cache_seconds() -> float:
    return float(os.environ.get("SMS_SETTINGS_CACHE_SECONDS", "30"))


def sms_store(store_id: str) -> SmsStore:
    """The store and its templates: one TransactGetItems, then cached for :func:`cache_seconds`."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(store_id)
    if hit and hit[0] > now:
        return hit[1]
    with NamedGet() as tg:
        store_future = tg.get("store", StoreModel, store_id)
        templates_future = tg.get("templates", SmsTemplatesModel, store_id)
    try:
        store = store_future.get()
    except StoreModel.DoesNotExist:
        raise NotFound("store not found") from None
    try:
        item = templates_future.get()
        templates = {t: text for t in TEMPLATE_TYPES if (text := getattr(item, t))}
        recaptcha = bool(item.recaptcha_enabled)
        rules = RecaptchaRules(
            float(item.recaptcha_min_score) if item.recaptcha_min_score is not None else DEFAULT_MIN_SCORE,
            tuple(item.recaptcha_actions or ()), tuple(item.recaptcha_hostnames or ()))
    except SmsTemplatesModel.DoesNotExist:
        templates, recaptcha, rules = {}, False, None
    loaded = SmsStore(store, templates, recaptcha, rules)
    with _lock:
        _cache[store_id] = (now + cache_seconds(), loaded)
    return loaded


def forget(store_id: str) -> None:
    """Drop the cached settings of a store (after a change made by this instance)."""
    with _lock:
        _cache.pop(store_id, None)


def put_template(store_id: str, template_type: str, text: str, now: datetime) -> dict[str, str]:
    """Save one template (one update: the other types are untouched); returns its view."""
    check_template(template_type, text)
    SmsTemplatesModel(store_id).update(actions=[
        getattr(SmsTemplatesModel, template_type).set(text),
        SmsTemplatesModel.updated_at.set(now),
    ])
    forget(store_id)
    return {"type": template_type, "text": text}


def list_templates(store_id: str) -> list[dict[str, object]]:
    loaded = sms_store(store_id)
    templates = loaded.templates
    return [{"type": t, "text": templates.get(t) or loaded.default(t), "is_default": t not in templates}
            for t in TEMPLATE_TYPES]
