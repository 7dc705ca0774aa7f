"""The server's catalogs (chalicelib/i18n): every marked message is in every language's catalog, translated
into Traditional Chinese with the same placeholders, and the committed .mo files are what the .po files compile
to (Lambda reads the .mo; a .po edited without `make catalogs` would otherwise ship the old words)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from chalicelib import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALES = [i18n.CATALOG_DIRS[language] for language in i18n.LANGUAGES]
PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+\}")


def marked_messages() -> set[str]:
    """What `make catalogs` extracts: N_("...") and translate(language, "...")."""
    found = extract_from_dir(str(ROOT / "chalicelib"), method_map=[("**.py", "python")],
                             keywords={"N_": None, "translate": (2,)})
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def po(locale: str) -> dict[str, str]:
    path = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"{locale}: fuzzy (unchecked) translations {fuzzy}"
    return {str(m.id): str(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_message_is_in_each_catalog_and_nothing_stale(locale: str) -> None:
    # GIVEN the messages the code marks; THEN each catalog holds exactly those (run `make catalogs` after a change)
    marked, catalog = marked_messages(), po(locale)
    assert sorted(marked - catalog.keys()) == [], f"missing from {locale}"
    assert sorted(catalog.keys() - marked) == [], f"no longer used, still in {locale}"


def test_every_message_is_translated_into_traditional_chinese_with_its_placeholders() -> None:
    for message, translated in po("zh_Hant").items():
        assert translated, f"untranslated: {message!r}"
        assert sorted(PLACEHOLDERS.findall(translated)) == sorted(PLACEHOLDERS.findall(message)), message
        assert re.search(r"[\u4e00-\u9fff]", translated), f"not Chinese: {translated!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_mo_is_what_the_po_compiles_to(locale: str) -> None:
    folder = i18n.LOCALE_DIR / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    with (folder / "messages.mo").open("rb") as handle:
        shipped = read_mo(handle)
    # (an empty msgstr is not compiled: gettext answers the English source for it)
    expected = {str(m.id): m.string for m in catalog if m.id and m.string}
    assert {str(m.id): m.string for m in shipped if m.id} == expected, "run `make catalogs`: the .mo is stale"


@pytest.mark.parametrize(("country", "language"), [("TW", "zh-Hant"), ("hk", "zh-Hant"), ("MO", "zh-Hant"),
                                                    ("CN", "en"), ("US", "en"), ("", "en"), (None, "en")])
def test_a_country_default_language(country: str | None, language: str) -> None:
    assert i18n.default_language(country) == language


def test_translate_fills_values_and_keeps_a_template_braces() -> None:
    assert i18n.translate("zh-Hant", "%(store_name)s: password reset", store_name="茶屋") == "茶屋：重設密碼"
    assert i18n.translate("en", "%(store_name)s: password reset", store_name="Tea") == "Tea: password reset"
    text = i18n.translate("zh-Hant", "{store_name} invites you to become a member: {link}")
    assert text == "{store_name} 邀請您加入會員：{link}"  # the merchant-facing placeholders stay for the SMS renderer


def test_a_nameless_customer_is_greeted_in_the_store_language() -> None:
    from chalicelib.binding import templates

    assert templates.default_template("line", "en").render(None).startswith("Hi there! ")
    assert templates.default_template("line", "zh-Hant").render("  ").startswith("親愛的顧客，您好！")
