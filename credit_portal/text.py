"""Text helpers shared by the apps. Pure Python: no Django import, so that the benchmarks can use
them before `django.setup()`."""

from __future__ import annotations

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
