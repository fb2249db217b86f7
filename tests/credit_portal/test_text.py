"""Pinyin initials (`credit_portal.text.pinyin_initials`): what the register stores for a name
and what searches by initials compare with."""

from __future__ import annotations

import random

import pytest
from pypinyin import Style, lazy_pinyin

from credit_portal.text import pinyin_initials


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("成都蓉城餐饮", "CDRCCY"),
        ("成都蓉城餐饮有限公司", "CDRCCYYXGS"),
        # Latin letters, digits, punctuation and spaces have no pinyin: left out.
        ("ABC科技有限公司", "KJYXGS"),
        ("3M中国有限公司", "ZGYXGS"),
        ("K歌之王KTV", "GZW"),
        ("ＡＢＣ科技", "KJ"),
        ("四川省成都市双流区东升街道棠湖路12号-3", "SCSCDSSLQDSJDTHLH"),
        ("阿里巴巴(中国)网络技术有限公司", "ALBBZGWLJSYXGS"),
        ("银行（分行）", "YHFH"),
        ("中 国", "ZG"),
        ("ab-cd_ef 123", ""),
        ("", ""),
        # Polyphonic characters: the reading of the word pypinyin finds them in.
        ("行长行走银行", "HZXZYH"),
        ("长沙长长乐乐有限公司", "CSCCLLYXGS"),
        ("重庆火锅店", "CQHGD"),
        ("乐山乐器", "LSYQ"),
    ],
)
def test_initials_of_names(name, initials):
    assert pinyin_initials(name) == initials


def test_at_most_200_letters():
    assert pinyin_initials("成都" * 150) == "CD" * 100


def _reference(name: str) -> str:
    """What the register computed before the per-word cache: pypinyin on the whole name."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).upper()[:200]


def test_same_as_pypinyin_on_the_whole_name():
    """Caching per segmented word gives what converting the whole name gives, polyphonic
    characters (长 行 重 乐 朝 单 曾) next to each other included."""
    rnd = random.Random(2026)
    chars = "成都长乐行重朝单曾区佛薄着银双流东升市华阳天府空港锦江蓉城有限公司ABCxyz012（）()-·、 "
    names = ["".join(rnd.choice(chars) for _ in range(rnd.randint(1, 30))) for _ in range(2_000)]
    for name in names:
        assert pinyin_initials(name) == _reference(name), name
