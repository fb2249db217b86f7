"""The rule for invisible characters in names (`credit_portal.text.invisible_characters`, issue 12
point 12) and the characters PostgreSQL text cannot hold (point 6)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from credit_portal.text import (
    _INVISIBLE_RANGES,
    character_label,
    invisible_characters,
    unstorable_character,
)


def _in_set(cp: int) -> bool:
    return any(a <= cp <= b for a, b in _INVISIBLE_RANGES)


def test_every_format_character_of_this_python_is_in_the_set():
    """The set is written out; a newer Unicode with a new format character must be added."""
    missing = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) == "Cf" and not _in_set(cp)
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("成都蓉城\u200b餐饮", ["U+200B ZERO WIDTH SPACE"]),
        ("成都\u200c蓉城\u200d餐饮", ["U+200C ZERO WIDTH NON-JOINER", "U+200D ZERO WIDTH JOINER"]),
        ("\u2060成都", ["U+2060 WORD JOINER"]),
        ("成都\ufeff", ["U+FEFF ZERO WIDTH NO-BREAK SPACE"]),
        ("司公限有\u202e餐饮", ["U+202E RIGHT-TO-LEFT OVERRIDE"]),
        ("\u202a\u202b\u202c\u202d", [f"U+{c:04X}" for c in range(0x202A, 0x202E)]),
        ("\u2066a\u2067b\u2068c\u2069", [f"U+{c:04X}" for c in range(0x2066, 0x206A)]),
        ("a\u200eb\u200fc\u061c", ["U+200E", "U+200F", "U+061C"]),
        ("名\u3164", ["U+3164 HANGUL FILLER"]),
        ("\u115f\u1160\uffa0", ["U+115F", "U+1160", "U+FFA0"]),
        ("标签\U000e0041\U000e007f", ["U+E0041 TAG LATIN CAPITAL LETTER A", "U+E007F"]),
        ("蓉\ufe00城", ["U+FE00 VARIATION SELECTOR-1"]),
        ("蓉\U000e0100城", ["U+E0100 VARIATION SELECTOR-17"]),
        ("A\ufe0f", ["U+FE0F VARIATION SELECTOR-16"]),  # a letter has no emoji form
        ("1\ufe0f", ["U+FE0F"]),  # a keycap needs its U+20E3
        ("软\u00ad件", ["U+00AD SOFT HYPHEN"]),
        ("\u2800", ["U+2800 BRAILLE PATTERN BLANK"]),
        ("a\u2028b", ["U+2028 LINE SEPARATOR"]),
        ("a\u200db", ["U+200D ZERO WIDTH JOINER"]),  # a joiner between letters
        ("😀\u200d", ["U+200D"]),  # a joiner with nothing after it
        ("x\u200b\u200by\u200b", ["U+200B"]),  # each once
    ],
)
def test_invisible_and_direction_changing_characters_are_found_and_named(text, labels):
    found = [character_label(ch) for ch in invisible_characters(text)]
    assert [f[: len(label)] for f, label in zip(found, labels, strict=True)] == labels


@pytest.mark.parametrize(
    "text",
    [
        "成都蓉城餐饮管理有限公司",
        "阿里巴巴（中国）网络技术有限公司",  # full-width brackets, as registered
        "阿里巴巴(中国)有限公司",
        "3M中国有限公司",
        "ＡＢＣ科技有限公司",  # full-width letters: visible, kept as written
        "四川省成都市双流区东升街道棠湖路12号-3 附1号",
        "K歌之王·KTV、茶楼；“老地方”",
        "Café Müller & Söhne GmbH",
        "笑脸😀餐厅",
        "爱心❤\ufe0f超市",  # variation selector 16 in an emoji
        "♨\ufe0e温泉",  # variation selector 15 (text presentation)
        "第1\ufe0f\u20e3号店",  # keycap
        "家庭👨\u200d👩\u200d👧\u200d👦乐园",  # ZWJ sequence
        "彩虹🏳\ufe0f\u200d🌈书店",  # flag: VS16 then ZWJ
        "程序员👩🏽\u200d💻工作室",  # skin tone then ZWJ
        "‼\ufe0f折扣",
        "tab\tand\nline",  # control characters are the register's _text's business
    ],
)
def test_ordinary_names_punctuation_and_emoji_pass(text):
    assert invisible_characters(text) == []


def test_character_labels():
    assert character_label("\u200b") == "U+200B ZERO WIDTH SPACE"
    assert character_label("\x00") == "U+0000 NULL"
    assert character_label("\ud800") == "U+D800"


def test_unstorable_characters_are_nul_and_lone_surrogates():
    assert unstorable_character("成都\x00") == "\x00"
    assert unstorable_character("a\udc00b") == "\udc00"
    assert unstorable_character("成都😀\u200b") is None
