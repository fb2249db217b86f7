"""Text helpers shared by the apps. Pure Python: no Django import, so that the benchmarks can use
them before `django.setup()`."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

INITIALS_MAX_LENGTH = 200  # the length of the register's column (Enterprise.name_initials)

_PINYIN = Pinyin(UltimateConverter())  # what pypinyin.lazy_pinyin builds with its defaults


@lru_cache(maxsize=100_000)
def _word_initials(word: str) -> str:
    pinyin = _PINYIN._converter.convert(word, Style.FIRST_LETTER, False, "ignore", strict=True)
    return "".join("".join(p) for p in pinyin)


def pinyin_initials(name: str) -> str:
    """Pinyin initials of a Chinese name, upper case, for search: 成都蓉城餐饮 -> CDRCCY.

    What the register stores for a name, and what searches by initials compare with, so every
    writer of a name uses this. Characters without a pinyin reading (Latin letters, digits,
    punctuation, spaces) are left out: 3M中国有限公司 -> ZGYXGS. A polyphonic character takes
    its reading in the word pypinyin finds it in: 长沙 -> CS, 行长 -> HZ, 银行 -> YH. At most
    200 letters (the length of the register's column).

    The same result as ``"".join(lazy_pinyin(name, style=Style.FIRST_LETTER,
    errors="ignore")).upper()[:200]`` (pinned by tests/credit_portal/test_text.py), about five
    times faster: pypinyin converts a text by segmenting it into words and converting each word
    on its own, so caching the conversion of each word gives the same result. An import computes
    this for every row; the cache holds the 100,000 most recent words.
    """
    initials = "".join(_word_initials(w) for w in _PINYIN.seg(name))
    return initials.upper()[:INITIALS_MAX_LENGTH]


# Invisible characters in names ---------------------------------------------------------------
#
# Code points that show nothing (or only change how their neighbours are shown) but make two
# names that look the same different texts: a name "成都蓉城\u200b餐饮" passes for 成都蓉城餐饮 on
# every page and in every printout, yet is another entity to a search, a comparison or a
# person copying it; a right-to-left override (U+202E) shows a name, or an address, with its
# end first. The register refuses them in names, former names, addresses and the legal
# representative's name (docs/domain.md §8, "Names and addresses").
#
# The set: every format character (Unicode category Cf: zero-width spaces and joiners,
# direction marks, embeddings, overrides and isolates, the byte order mark, invisible
# operators, tag characters, the soft hyphen), every Default_Ignorable_Code_Point
# (DerivedCoreProperties.txt: also variation selectors, the combining grapheme joiner, the
# Hangul fillers, Mongolian variation selectors), line and paragraph separators, and the blank
# Braille pattern, which shows as a blank. Written out (Unicode 15.1) so that no table of the
# whole code space is built at start; tests/credit_portal/test_text.py checks it against the
# category data of the running Python, so an upgrade that adds a format character says so.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x0600, 0x0605),  # Arabic number signs (prepended format marks)
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),  # HANGUL CHOSEONG / JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors, MONGOLIAN VOWEL SEPARATOR
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; LRM, RLM
    (0x2028, 0x2029),  # LINE / PARAGRAPH SEPARATOR
    (0x202A, 0x202E),  # embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, isolates, deprecated controls
    (0x2800, 0x2800),  # BRAILLE PATTERN BLANK
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # variation selectors 1-16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (byte order mark)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFFB),  # unassigned ignorables, interlinear annotation controls
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tag characters, variation selectors 17-256, reserved ignorables
)
_INVISIBLE = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _INVISIBLE_RANGES) + "]"
)
_ZWJ = "\u200d"
_EMOJI_VARIATION = "\ufe0e\ufe0f"  # text and emoji presentation selectors (VS15, VS16)
_KEYCAP = "\u20e3"
_SKIN_TONES = ("\U0001f3fb", "\U0001f3ff")  # EMOJI MODIFIER FITZPATRICK TYPE-1-2 to -6
# Characters with an emoji presentation that are not category So (emoji-variation-sequences.txt).
_EMOJI_NOT_SYMBOLS = frozenset(
    "\u203c\u2049\u2139\u2194\u2934\u2935\u3030\u303d\u25fb\u25fc\u25fd\u25fe"
)


def _pictographic(ch: str) -> bool:
    """An emoji or another pictographic symbol (category So: 😀 ❤ ⚕ 🏳 🦰 ...)."""
    return unicodedata.category(ch) == "So"


def _emoji_before(text: str, index: int) -> bool:
    """Whether an emoji ends just before `index`, after its presentation selector and skin tone."""
    i = index - 1
    while i >= 0 and (text[i] in _EMOJI_VARIATION or _SKIN_TONES[0] <= text[i] <= _SKIN_TONES[1]):
        i -= 1
    return i >= 0 and _pictographic(text[i])


def _emoji_part(text: str, index: int) -> bool:
    """Whether the invisible character at `index` belongs to an emoji sequence: a zero-width
    joiner between two emoji (👨‍👩‍👧, 🏳️‍🌈), or VS15/VS16 after a character that has an emoji
    presentation (❤️, ‼️) or in a keycap (1️⃣)."""
    ch = text[index]
    after = text[index + 1] if index + 1 < len(text) else ""
    if ch == _ZWJ:
        return _emoji_before(text, index) and bool(after) and _pictographic(after)
    if ch in _EMOJI_VARIATION and index > 0:
        before = text[index - 1]
        if before in "0123456789#*":
            return after == _KEYCAP
        return _pictographic(before) or before in _EMOJI_NOT_SYMBOLS
    return False


def invisible_characters(text: str) -> list[str]:
    """The invisible or direction-changing characters in `text`, each once, in order.

    The one rule for names and addresses (docs/domain.md §8): a character of the set above is
    refused wherever it stands, except the zero-width joiner and the presentation selectors
    inside an emoji sequence, which only choose how an emoji is drawn. Ordinary punctuation,
    spaces, full-width forms and emoji are not invisible. Empty when the text is clean (one
    regular-expression scan: an import checks every row).
    """
    found: list[str] = []
    for match in _INVISIBLE.finditer(text):
        ch = match.group()
        if ch not in found and not _emoji_part(text, match.start()):
            found.append(ch)
    return found


def character_label(ch: str) -> str:
    """A character as people can look it up: 'U+200B ZERO WIDTH SPACE', 'U+0000 NULL'."""
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


_CONTROL_NAMES = {"\x00": "NULL", "\t": "CHARACTER TABULATION", "\n": "LINE FEED"}


# Characters PostgreSQL text cannot hold ------------------------------------------------------
#
# A text column (and a query parameter compared with one) cannot hold NUL, and psycopg cannot
# send a lone surrogate (half of a UTF-16 pair, which a JSON "\ud800" escape decodes to): the
# driver raises before the query runs, which would be a server error. The request guard
# (`credit_portal.middleware.unstorable_characters_refused`) refuses such URLs; form and API
# fields refuse such values through Django's and DRF's validators.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(text: str) -> str | None:
    """The first character of `text` that PostgreSQL text cannot hold (NUL, a lone surrogate),
    or None."""
    match = _UNSTORABLE.search(text)
    return match.group() if match else None
