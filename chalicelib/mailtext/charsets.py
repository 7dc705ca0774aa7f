"""Bytes of a mail part -> text, whatever charset it declares (or misdeclares).

Mail clients label parts with names Python's codecs do not all know, or know only as a narrower table than
the one the client really used (Outlook's "gb2312" is GBK, "big5" is Microsoft's cp950, "shift_jis" is
cp932, "iso-8859-1" is windows-1252). Each label maps to the widest table first; a part whose bytes do not
fit its label is tried as UTF-8, then detected (charset-normalizer); the last resort keeps every byte it
can with replacement characters: a part is never dropped.
"""

from __future__ import annotations

import codecs

# The widest table a client means by each label, tried in order before the label itself.
_WIDER: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",), "gbk": ("gb18030",), "x-gbk": ("gb18030",), "cp936": ("gb18030",),
    "euc-cn": ("gb18030",), "hz-gb-2312": ("hz",),
    "big5": ("cp950", "big5hkscs"), "x-big5": ("cp950", "big5hkscs"), "cn-big5": ("cp950", "big5hkscs"),
    "big5-hkscs": ("big5hkscs",),
    "shift_jis": ("cp932", "shift_jis_2004"), "shift-jis": ("cp932", "shift_jis_2004"), "sjis": ("cp932",),
    "x-sjis": ("cp932",), "windows-31j": ("cp932",), "ms_kanji": ("cp932",),
    "iso-2022-jp": ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3"), "csiso2022jp": ("iso2022_jp_2",),
    "euc-jp": ("euc_jis_2004", "euc-jp"), "x-euc-jp": ("euc_jis_2004",),
    "ks_c_5601-1987": ("cp949",), "euc-kr": ("cp949",), "ks_c_5601": ("cp949",), "iso-2022-kr": ("iso2022_kr",),
    "iso-8859-1": ("cp1252",), "latin1": ("cp1252",), "us-ascii": ("utf-8", "cp1252"), "ascii": ("utf-8", "cp1252"),
    "iso-8859-9": ("cp1254",), "iso-8859-11": ("cp874",), "tis-620": ("cp874",), "windows-874": ("cp874",),
    "unicode-1-1-utf-7": ("utf-7",), "utf8": ("utf-8",), "x-mac-roman": ("mac_roman",), "macintosh": ("mac_roman",),
    "x-mac-cyrillic": ("mac_cyrillic",), "x-mac-ce": ("mac_latin2",), "koi8-ru": ("koi8_u",),
}


def _known(label: str) -> bool:
    try:
        codecs.lookup(label)
    except LookupError:
        return False
    return True


def candidates(declared: str | None) -> list[str]:
    """Codec names to try for a part labelled ``declared``, widest first (unknown labels give none)."""
    label = (declared or "").strip().strip('"\'').lower()
    names = [*_WIDER.get(label, ()), label] if label else []
    return [name for name in dict.fromkeys(names) if name and _known(name)]


def decode(payload: bytes, declared: str | None) -> str:
    """The text of ``payload``; never raises, never returns less than the bytes hold."""
    for name in candidates(declared):
        try:
            return payload.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return payload.decode("utf-8")  # the most common mislabel: UTF-8 sent as ASCII or Latin-1
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only for the rare mislabelled part: not at cold start

    best = from_bytes(payload[:200_000]).best()  # a label we do not know, or bytes that do not fit theirs
    if best is not None and best.encoding:
        return payload.decode(best.encoding, errors="replace")
    fallback = next(iter(candidates(declared)), "cp1252")
    return payload.decode(fallback, errors="replace")
