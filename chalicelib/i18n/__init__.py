"""The store's language: what the product writes to customers on its own, from a gettext catalog per language.

Two languages, ``zh-Hant`` (Traditional Chinese, Taiwan usage) and ``en``. A store's ``language`` setting
decides what its customers read (default templates, the fixed parts of e-mails, ``/u/`` pages, verification
mails); a store created in TW, HK or MO starts in ``zh-Hant``, any other in ``en``. A store saved before the
setting existed reads as its country's default.

Messages are written in English in the code (``N_("...")`` for constants, ``translate(language, "...")`` in
place) and looked up in ``chalicelib/i18n/locale/<locale>/LC_MESSAGES/messages.mo``: compiled by
``make catalogs`` (pybabel) and committed, so the Lambda package needs no build step. Values are
``%(name)s`` placeholders (gettext's python-format), so a template's own ``{customer_name}`` passes through.
Lengths and amounts are formatted by Babel in the store's locale (:func:`duration_text`).
"""

from __future__ import annotations

import functools
import gettext
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.errors import InvalidRequest
from chalicelib.lifetimes import largest_unit

ZH_HANT, EN = "zh-Hant", "en"
LANGUAGES = (ZH_HANT, EN)
DEFAULT_LANGUAGE = EN
CHINESE_COUNTRIES = frozenset({"TW", "HK", "MO"})
# Babel / gettext locale of each language: Traditional Chinese as written in Taiwan.
LOCALES = {ZH_HANT: "zh_Hant_TW", EN: "en"}
CATALOG_DIRS = {ZH_HANT: "zh_Hant", EN: "en"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:  # gettext's conventional name: pybabel extracts what it marks
    """Mark ``message`` for the catalog without translating it here (module constants)."""
    return message


def default_language(country: str | None) -> str:
    """``zh-Hant`` for Taiwan, Hong Kong and Macau, ``en`` elsewhere."""
    return ZH_HANT if (country or "").upper() in CHINESE_COUNTRIES else EN


def check_language(value: str) -> str:
    if value not in LANGUAGES:
        raise InvalidRequest(f"'language' must be one of {', '.join(LANGUAGES)}", field="language")
    return value


def store_language(store: Any) -> str:
    """The store's own setting, else its country's default (stores saved before the setting existed)."""
    language = getattr(store, "language", None)
    return language if language in LANGUAGES else default_language(getattr(store, "country", None))


@functools.cache
def _catalog(language: str) -> gettext.NullTranslations:
    # fallback=True: English is the source language, so a message the catalog lacks reads as written.
    return gettext.translation(DOMAIN, LOCALE_DIR, [CATALOG_DIRS[language]], fallback=True)


def translate(language: str, message: str, **values: Any) -> str:
    """``message`` in ``language`` with ``%(name)s`` values filled in."""
    text = _catalog(language if language in LANGUAGES else DEFAULT_LANGUAGE).gettext(message)
    return text % values if values else text


def duration_text(lifetime: timedelta, language: str = EN) -> str:
    """``1 hour`` / ``1 小時``, ``24 hours`` / ``24 小時``, ``10 minutes`` / ``10 分鐘``, in the store's locale."""
    from babel.units import format_unit  # CLDR data loads with the first text that states a lifetime

    count, unit = largest_unit(lifetime)
    return str(format_unit(count, f"duration-{unit}", length="long", locale=LOCALES.get(language, "en")))
