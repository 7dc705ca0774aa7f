"""SMS segment counting (CONTRACT.md "Reports"): GSM-7 160/153, UCS-2 70/67, nothing split in two."""

from __future__ import annotations

import pytest

from chalicelib.sms.segments import count_segments, graphemes, is_gsm7


@pytest.mark.parametrize(("text", "segments"), [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà", 1),  # all basic GSM-7
])
def test_gsm7_single_and_parts(text: str, segments: int) -> None:
    assert is_gsm7(text)
    assert count_segments(text) == segments


def test_extension_characters_count_two() -> None:
    assert count_segments("€" * 80) == 1  # 160 septets
    assert count_segments("€" * 81) == 2
    assert count_segments("a" * 159 + "[") == 2  # 161 septets


def test_an_escape_pair_is_never_split() -> None:
    # 152 septets, then an escape pair: it does not fit the first part (153), so it starts the second.
    text = "a" * 152 + "{" + "a" * 152
    # Split at septets it would be 2 parts of 153 + 153 = 306 septets; kept whole: 152 | 2 + 152 = 154 -> 3.
    assert count_segments(text) == 3


@pytest.mark.parametrize(("text", "segments"), [
    ("你" * 70, 1),
    ("你" * 71, 2),
    ("你" * 134, 2),
    ("你" * 135, 3),
    ("a" * 69 + "ç", 1),  # ç is not GSM-7: the whole message is UCS-2
])
def test_ucs2_counts_utf16_units(text: str, segments: int) -> None:
    assert count_segments(text) == segments


def test_a_surrogate_pair_is_never_split() -> None:
    assert count_segments("😀" * 35) == 1  # 70 UTF-16 units
    assert count_segments("😀" * 36) == 2
    # 66 units then an emoji (2 units): 68 would overflow 67, so the emoji starts the second part.
    assert count_segments("你" * 66 + "😀" + "你" * 66) == 3


def test_multi_code_point_characters_stay_whole() -> None:
    family = "👨\u200d👩\u200d👧"  # 8 UTF-16 units, one character
    flag = "🇹🇼"  # two regional indicators, 4 units
    assert graphemes(family + flag + "e\u0301") == [family, flag, "e\u0301"]
    # 63 units, then the 8-unit family does not fit the 67-unit part: it moves whole to the next.
    assert count_segments("你" * 63 + family) == 2
    assert count_segments("你" * 63 + family + "你" * 59) == 2  # 63 | 8 + 59 = 67
    assert count_segments("你" * 63 + family + "你" * 60) == 3


def test_gsm7_detection() -> None:
    assert not is_gsm7("naïve")  # ï is not in GSM-7
    assert not is_gsm7("Ç`")  # backtick is not GSM-7
    assert is_gsm7("Hello {name} [x] ~ | ^ \\ €")
