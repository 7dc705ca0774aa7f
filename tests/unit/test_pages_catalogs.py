"""The pages' catalogs (chalicelib/pages/<app>/strings-<language>.json): every word the console and the staff app
show comes from them. This test reads the pages' source:

- every key the code asks for (``t('…')``, ``tNodes('…')``, ``data-i18n="…"``) is in both catalogs of each app
  that loads the file, with the same ``{placeholders}``, the Chinese one in Chinese; no catalog keeps a key
  nobody asks for;
- no visible string bypasses them: a string literal in the code that reads like words (two words, or a
  capitalised word) and is not a key, a class list, a URL, an API path or one of the few names that stay as
  they are (brands, the languages' own names) fails the test, and so does static markup text without
  ``data-i18n``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parents[2] / "chalicelib" / "pages"
APPS = ("console", "staff-app")
LANGUAGES = ("en", "zh-hant")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
EXPRESSION = "\x00"
HAN = re.compile(r"[\u3400-\u9fff]")

# Words that are the same in every language: brands, the product's name, and each language's own name.
KEPT_AS_IS = {"memberlink", "Messenger", "Instagram", "LINE", "WhatsApp", "Facebook", "English", "繁體中文", "m"}
# Code that looks like words: HTTP header names and schemes, a key's name, a language tag.
CODE = {"If-None-Match", "Content-Type", "Bearer \x00", "Enter", "zh-Hant",
        "Name, Email, Mobile Number, International Calling Code, Is Member"}  # the CSV importer's column names


@dataclass(frozen=True)
class Literal:
    file: str
    line: int
    text: str  # a template literal's text with each ${...} part as EXPRESSION
    before: str  # the code just before it (what it is an argument or value of)
    translated: bool  # the first argument of t( or tNodes(


def js_literals(path: Path) -> list[Literal]:
    """Every string literal of a JavaScript module (comments and regular expressions skipped)."""
    src = path.read_text(encoding="utf-8")
    found: list[Literal] = []
    i, n = 0, len(src)
    last_significant = ""
    while i < n:
        ch = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i) if src.find("\n", i) != -1 else n
            continue
        if src.startswith("/*", i):
            i = src.index("*/", i) + 2
            continue
        if ch == "/" and (last_significant in "(,=:[!&|?{};" or src[:i].rstrip().endswith("return")):
            j = i + 1  # a regular expression literal
            while src[j] != "/":
                j += 2 if src[j] == "\\" else 1
                if src[j - 1] == "[":
                    while src[j] != "]":
                        j += 2 if src[j] == "\\" else 1
            i = j + 1
            last_significant = "/"
            continue
        if ch in "'\"`":
            j, depth, text = i + 1, 0, []
            while True:
                c = src[j]
                if c == "\\":
                    text.append(src[j + 1])
                    j += 2
                    continue
                if ch == "`" and src.startswith("${", j):
                    depth_end = j + 2
                    depth = 1
                    while depth:
                        depth += {"{": 1, "}": -1}.get(src[depth_end], 0)
                        depth_end += 1
                    text.append(EXPRESSION)
                    j = depth_end
                    continue
                if c == ch:
                    break
                text.append(c)
                j += 1
            before = src[max(0, i - 40):i]
            translated = bool(re.search(r"\b(t|tNodes)\(\s*$", before))
            found.append(Literal(path.name, src.count("\n", 0, i) + 1, "".join(text), before, translated))
            i = j + 1
            last_significant = ch
            continue
        if not ch.isspace():
            last_significant = ch
        i += 1
    return found


def reads_like_words(literal: Literal) -> bool:
    if literal.text in CODE:
        return False
    text = literal.text.replace(EXPRESSION, " ").strip()
    if re.search(r"[A-Za-z]{2,}", literal.text) and literal.text != literal.text.strip(" "):
        return True  # a fragment glued to other text (' bound ', 'Added '): words, whatever their case
    if not re.search(r"[A-Za-z]{2,}|[\u3400-\u9fff]", text) or text in KEPT_AS_IS:
        return False
    if re.search(r"\b(class|type|role|rel|accept|autocomplete|inputMode|scope|method|value|mode|kind)\s*:\s*$|"
                 r"(classList\.\w+|setAttribute|getAttribute|querySelector(All)?|closest|addEventListener|"
                 r"getElementById|createElement(NS)?|import|sessionStorage\.\w+|localStorage\.\w+|"
                 r"CustomEvent|dataset|data-\w+)\W*$|\bh\(\s*$|\bfrom\s*$|\b(get|post|put|del|call|poll)\(\s*('[A-Z]+',\s*)?$",
                 literal.before):
        return False  # a class list, a tag, an attribute, an event, a module, a request path
    if re.fullmatch(r"[a-z0-9_ .:/#?=&%-]*", text) and not re.search(r"[a-z]{2,} [a-z]{2,} ", text + " "):
        return False  # code-like: ids, paths, keys, mime types
    if re.fullmatch(r"[a-z0-9-]+/[a-z0-9.+*-]+", text) or text.startswith(("http", "#/", "./", "../")):
        return False
    return bool(re.search(r"[A-Z][a-z]|[a-z]{2,}\s+[a-z]{2,}|[\u3400-\u9fff]", text))


def app_files(app: str) -> list[Path]:
    return sorted((PAGES / app).glob("*.js")) + sorted((PAGES / "common").glob("*.js"))


def keys_of(app: str) -> dict[str, str]:
    """Each key the app's code and markup ask for, with where it is asked."""
    keys: dict[str, str] = {}
    for path in app_files(app):
        for literal in js_literals(path):
            if literal.translated:
                keys.setdefault(literal.text, f"{literal.file}:{literal.line}")
    for element in markup(PAGES / app / "index.html"):
        for key in element.keys:
            keys.setdefault(key, "index.html")
    return keys


def catalog(app: str, language: str) -> dict[str, object]:
    return dict(json.loads((PAGES / app / f"strings-{language}.json").read_text(encoding="utf-8")))


@dataclass
class Element:
    tag: str
    keys: list[str]
    text: str


def markup(path: Path) -> list[Element]:
    """The elements of a page's static markup: the data-i18n keys they carry and their own text."""
    elements: list[Element] = []
    open_elements: list[Element] = []
    void = {"meta", "link", "input", "br", "img"}

    class Reader(HTMLParser):
        def handle_endtag(self, tag: str) -> None:
            if open_elements and open_elements[-1].tag == tag:
                open_elements.pop()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            given = dict(attrs)
            keys = [str(value) for name, value in attrs if name.startswith("data-i18n") and value]
            for name in ("aria-label", "title", "placeholder", "alt"):
                if given.get(name) and f"data-i18n-{name}" not in given:
                    keys.append(f"UNTRANSLATED {name}={given[name]}")
            elements.append(Element(tag, keys, ""))
            if tag not in void:
                open_elements.append(elements[-1])

        def handle_data(self, data: str) -> None:
            if open_elements:
                open_elements[-1].text += data

    Reader().feed(path.read_text(encoding="utf-8"))
    return elements


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_app_asks_for_is_in_its_catalog_and_no_other(app: str, language: str) -> None:
    wanted, words = keys_of(app), catalog(app, language)
    missing = {key: where for key, where in wanted.items() if key not in words}
    assert missing == {}, f"strings-{language}.json of {app} lacks these keys"
    assert sorted(set(words) - set(wanted)) == [], f"strings-{language}.json of {app} keeps keys nobody asks for"


@pytest.mark.parametrize("app", APPS)
def test_each_translation_keeps_the_placeholders_and_the_chinese_is_chinese(app: str) -> None:
    for language in LANGUAGES:
        for key, value in catalog(app, language).items():
            forms = list(value.values()) if isinstance(value, dict) else [value]
            for form in forms:
                assert isinstance(form, str) and form.strip(), (language, key)
                assert set(PLACEHOLDER.findall(form)) <= set(PLACEHOLDER.findall(key)), (language, key, form)
                words = re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", key))
                if language == "zh-hant" and words and key not in KEPT_AS_IS:
                    assert HAN.search(form), f"not translated into Chinese: {key!r} -> {form!r}"


@pytest.mark.parametrize("app", APPS)
def test_no_visible_string_in_the_code_bypasses_the_catalogs(app: str) -> None:
    bypassing = [f"{lit.file}:{lit.line}: {lit.text!r}" for path in app_files(app) for lit in js_literals(path)
                 if not lit.translated and reads_like_words(lit)]
    assert bypassing == []


@pytest.mark.parametrize("app", APPS)
def test_no_static_text_in_the_markup_bypasses_the_catalogs(app: str) -> None:
    bypassing = []
    for element in markup(PAGES / app / "index.html"):
        bypassing += [key for key in element.keys if key.startswith("UNTRANSLATED")]
        text = element.text.strip()
        if element.tag not in ("noscript", "script", "style") and re.search(r"[A-Za-z]{2,}", text) \
                and text not in KEPT_AS_IS and not any(not key.startswith("UNTRANSLATED") for key in element.keys):
            bypassing.append(f"<{element.tag}> {text!r}")
    assert bypassing == []


def test_the_scanner_catches_what_it_must() -> None:
    # GIVEN the kinds of text a page shows, written without the catalog; THEN each is caught
    def literal(before: str, text: str) -> Literal:
        return Literal("x.js", 1, text, before, False)

    assert reads_like_words(literal("h('button', {}, ", "Sign in"))
    assert reads_like_words(literal("textContent = ", "no member found"))
    assert reads_like_words(literal("h('p', {}, ", " bound "))
    assert reads_like_words(literal("announce(", "已送出"))
    # AND what is code is not
    assert not reads_like_words(literal("h('div', {class: ", "card stack small"))
    assert not reads_like_words(literal("get(", "admin/settings"))
    assert not reads_like_words(literal("h(", "button"))
    assert not reads_like_words(literal("= ", "image/png"))
