"""Two-character name search on PostgreSQL uses the character-pair index (migration 0005) and
finds exactly what a substring search finds."""

from __future__ import annotations

import pytest
from django.db import connection

from enterprises.models import Enterprise
from enterprises.selectors import enterprise_search
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

NAMES = {
    "成都蓉城餐饮管理有限公司": [],
    "成都新名字科技有限公司": ["成都老字号餐饮有限公司"],
    "四川锦江建筑工程有限公司": ["锦江建筑", "川西建工"],
    "Chengdu AB 贸易": [],
}


@pytest.fixture
def register(require_postgres):
    for name, former in NAMES.items():
        EnterpriseFactory(name=name, former_names=former)


def found(text: str) -> set[str]:
    return set(
        enterprise_search(queryset=Enterprise.objects.all(), text=text).values_list(
            "name", flat=True
        )
    )


def by_substring(term: str) -> set[str]:
    return {n for n, former in NAMES.items() if term in n or any(term in f for f in former)}


@pytest.mark.parametrize("term", ["蓉城", "老字", "西建", "有限", "锦江", "贸易", "司成", "号餐"])
def test_two_characters_find_what_a_substring_search_finds(register, term):
    assert found(term) == by_substring(term)


def test_a_pair_spanning_name_and_former_name_is_not_a_match(register):
    # The name ends in 公司 and the former names' JSON starts with ["成: no pair joins them.
    assert found("司[") == set()
    assert found("司成") == set()


def test_two_words_of_two_characters(register):
    assert found("锦江 建筑") == {"四川锦江建筑工程有限公司"}
    assert found("蓉城 科技") == set()


def test_the_pair_index_serves_the_search(register):
    assert "ent_name_bigram_idx" in _plan("蓉城")


def _plan(text: str) -> str:
    """The plan when only bitmap scans are allowed (on four rows PostgreSQL would rather walk
    the ordering index): shows which indexes can serve the conditions."""
    sql, params = (
        enterprise_search(queryset=Enterprise.objects.all(), text=text)
        .values("id")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_initials_anywhere_use_their_indexes(register):
    """Two letters: the initials' pair index; three or more: the initials' trigram index."""
    assert "ent_initials_bigram_idx" in _plan("xf")
    assert "ent_initials_trgm_idx" in _plan("xfs")


@pytest.mark.parametrize("text", ["CD", "cd", "RC", "JJ", "YX", "XG"])
def test_two_initials_find_what_a_substring_search_finds(register, text):
    from enterprises.services.register import name_initials

    for enterprise in Enterprise.objects.all():
        enterprise.name_initials = name_initials(enterprise.name)
        enterprise.save(update_fields=["name_initials"])
    expected = {e.name for e in Enterprise.objects.all() if text.upper() in e.name_initials}
    assert found(text) == expected
