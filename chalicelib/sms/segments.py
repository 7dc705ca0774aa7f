"""How many SMS segments a text costs (CONTRACT.md "Reports": ``Sent Messages Count``).

GSM-7 when every character is in the GSM 03.38 basic set or its extension table (extension
characters are an escape pair: 2 septets): 160 alone, 153 per part. Otherwise UCS-2, counted in
UTF-16 code units: 70 alone, 67 per part. A part never splits an escape pair, a surrogate pair or
(where it fits in one part) a character made of several code points (flags, ZWJ emoji, accents).
Pure functions, no I/O.
"""

from __future__ import annotations

import unicodedata

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> int:
    """Number of SMS parts ``text`` is sent as (at least 1).

    Examples
    --------
    >>> count_segments("a" * 160), count_segments("a" * 161), count_segments("你" * 70), count_segments("你" * 71)
    (1, 2, 1, 2)
    """
    if is_gsm7(text):
        return _pack([2 if ch in GSM7_EXTENSION else 1 for ch in text], GSM7_SINGLE, GSM7_PART)
    return _pack([_utf16_units(cluster) for cluster in graphemes(text)], UCS2_SINGLE, UCS2_PART)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _pack(units: list[int], single: int, part: int) -> int:
    """Greedy fill of parts of ``part`` units with indivisible pieces; one part when it all fits ``single``."""
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


def graphemes(text: str) -> list[str]:
    """Approximate user-perceived characters: a base code point with the marks, variation selectors,
    skin tones, tags and ZWJ sequences that attach to it; regional indicators in pairs (flags).

    Clusters that would not fit one UCS-2 part are returned as their code points.
    """
    clusters: list[str] = []
    for ch in text:
        cp = ord(ch)
        if clusters and (_extends(ch) or clusters[-1].endswith("\u200d")
                         or (_is_regional(cp) and _open_flag(clusters[-1]))):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    out: list[str] = []
    for cluster in clusters:
        if _utf16_units(cluster) > UCS2_PART:
            out.extend(cluster)
        else:
            out.append(cluster)
    return out


def _extends(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or cp == 0x200D
            or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F
            or 0xE0100 <= cp <= 0xE01EF)


def _is_regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _open_flag(cluster: str) -> bool:
    return len(cluster) == 1 and _is_regional(ord(cluster))
