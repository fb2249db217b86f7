"""Public credit lookup: the search page /credit/ (no login)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from enterprises.services.register import name_initials
from enterprises.uscc import uscc_check_char
from tests.enterprises.factories import EnterpriseFactory, classify, make_regno, make_uscc

pytestmark = pytest.mark.django_db
URL = reverse("public:search")


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()  # the lookup is rate-limited per address; tests share 127.0.0.1


def named(name: str, **fields) -> object:
    return EnterpriseFactory(name=name, name_initials=name_initials(name), **fields)


def result_names(html: str) -> list[str]:
    return re.findall(r'class="pub-name"[^>]*>([^<]*)</a>', html)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    "typing",
    [
        lambda code: code,
        lambda code: f" {code[:6].lower()} {code[6:]} ",  # as people type it
        lambda code: code.lower(),
        lambda code: _full_width(code),  # a Chinese input method's full-width characters
        lambda code: f"{code[:2]} {code[2:8]}-{code[8:17]} {code[17]}",
    ],
)
def test_a_whole_credit_code_opens_that_profile(client, typing):
    """Tester (issue 13): a full code typed into the search gave a list of one to click."""
    target, other = named("成都蓉城餐饮管理有限公司"), named("成都蓉城科技有限公司")
    response = client.get(URL, {"q": typing(target.uscc)})
    assert response.status_code == 302
    assert response["Location"] == reverse("public:profile", args=[target.uscc])
    profile = client.get(response["Location"]).content.decode()
    assert target.name in profile and other.name not in profile


def test_a_whole_credit_code_nobody_has_says_nothing_matches(client, django_assert_num_queries):
    named("成都蓉城餐饮管理有限公司")
    unknown = make_uscc(990_001)
    with django_assert_num_queries(2):  # the code's lookup, then the search (no page to load)
        response = client.get(URL, {"q": unknown}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f"No market entity matches “{unknown}”" in response.content.decode()


def test_search_by_old_registration_number(client):
    target = named("双流区棠湖小吃店", legacy_reg_no=make_regno(4711))
    named("双流区东升便利店", legacy_reg_no=make_regno(4712))
    response = client.get(URL, {"q": make_regno(4711)})
    assert result_names(response.content.decode()) == [target.name]


def test_search_by_chinese_substring_of_the_name(client):
    named("成都蓉城餐饮管理有限公司")
    named("成都蓉城科技有限公司")
    named("四川锦江建筑工程有限公司")
    names = result_names(client.get(URL, {"q": "蓉城"}).content.decode())
    assert sorted(names) == ["成都蓉城科技有限公司", "成都蓉城餐饮管理有限公司"]


def test_search_by_pinyin_initials_in_either_case(client):
    named("成都蓉城餐饮管理有限公司")  # CDRCCYGLYXGS
    named("四川锦江建筑工程有限公司")  # SCJJJZGCYXGS
    for text in ("cdrc", "CDRCCY"):
        names = result_names(client.get(URL, {"q": text}).content.decode())
        assert names == ["成都蓉城餐饮管理有限公司"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("xf", ["成都旭丰食品有限公司"]),  # the brand's initials, inside CDXFSPYXGS
        ("XFSP", ["成都旭丰食品有限公司"]),
        ("jj", ["四川锦江建筑工程有限公司"]),
        ("c", ["成都旭丰食品有限公司"]),  # one letter: the start only (SC... does not count)
        ("qz", []),
    ],
)
def test_pinyin_initials_are_found_anywhere_in_the_name(client, text, expected):
    named("成都旭丰食品有限公司")  # CDXFSPYXGS
    named("四川锦江建筑工程有限公司")  # SCJJJZGCYXGS
    names = result_names(client.get(URL, {"q": text}).content.decode())
    assert names == expected


def test_results_show_only_the_basic_public_columns(client):
    target = EnterpriseFactory(
        name="成都蓉城餐饮管理有限公司",
        legal_rep_name="王小明",
        legal_rep_id_masked="5101**********123X",
    )
    classify(target, "D", 88)
    html = client.get(URL, {"q": "蓉城"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for shown in ("王小明", "Operating", "2020-05-01", "Legal representative", "Established on"):
        assert shown in html
    assert "123X" not in html
    assert "5101*" not in html
    assert "risk" not in html.lower()


def test_deregistered_entities_are_found_with_their_status(client):
    EnterpriseFactory(name="成都旧城贸易有限公司", deregistered=True)
    html = client.get(URL, {"q": "旧城"}).content.decode()
    assert "成都旧城贸易有限公司" in html
    assert "注销" in html


def test_wrong_check_character_names_the_expected_one(client):
    valid = make_uscc(99)
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    EnterpriseFactory(uscc=valid)
    expected = uscc_check_char(valid[:17])
    html = client.get(URL, {"q": wrong}).content.decode()
    assert "校验位（第 18 位）应为" in html
    assert f"应为 {expected}，而不是 {wrong[17]}" in html
    english = client.get(URL, {"q": wrong}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"should be {expected}, not {wrong[17]}" in english


def test_short_or_letter_i_codes_get_a_message_too(client):
    html = client.get(URL, {"q": "91510116MA6CQ1AB7"}, HTTP_ACCEPT_LANGUAGE="en").content
    assert b"A credit code has 18 characters; this one has 17." in html
    html = client.get(URL, {"q": "91510116MA6CQ1AB7I"}, HTTP_ACCEPT_LANGUAGE="en").content
    assert b"may not contain I" in html


def test_old_number_with_wrong_check_digit_gets_a_message(client):
    good = make_regno(5)
    bad = good[:14] + str((int(good[14]) + 1) % 10)
    html = client.get(URL, {"q": bad}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"should be {good[14]}, not {bad[14]}" in html


def test_no_result_message_and_no_code_message_for_names(client):
    named("成都蓉城餐饮管理有限公司")
    html = client.get(URL, {"q": "不存在的名字"}).content.decode()
    assert "没有找到与“不存在的名字”匹配的市场主体" in html
    assert "errorbox" not in html
    english = client.get(URL, {"q": "不存在的名字"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No market entity matches “不存在的名字”." in english


def test_empty_search_asks_for_input(client):
    response = client.get(URL, {"q": "  "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"Enter a credit code, an old registration number or a name." in response.content


def test_search_form_page_needs_no_query_and_no_login(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(URL)
    assert response.status_code == 200
    assert 'role="search"' in response.content.decode()
    assert "信用信息公示查询" in response.content.decode()


def test_results_are_paginated_twenty_a_page(client):
    for i in range(25):
        named(f"成都分页测试{i:02d}有限公司")
    first = client.get(URL, {"q": "分页测试"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get(URL, {"q": "分页测试", "page": 2}, HTTP_ACCEPT_LANGUAGE="en")
    assert len(result_names(first)) == 20
    assert "25 market entities match" in first
    assert "Page 1 of 2" in first
    assert "page=2" in first
    names = result_names(second.content.decode())
    assert len(names) == 5
    assert not set(names) & set(result_names(first))
    assert client.get(URL, {"q": "分页测试", "page": "x"}).status_code == 200  # first page


def test_search_query_count_is_constant(client, django_assert_num_queries):
    for size in (2, 25):
        for i in range(size):
            named(f"成都计数{size}测试{i}有限公司")
        with django_assert_num_queries(2):  # capped count, page
            response = client.get(URL, {"q": f"计数{size}测试"})
        assert len(result_names(response.content.decode())) == min(size, 20)


def test_html_in_a_name_is_escaped_in_results(client):
    named("<script>alert(1)</script>蓉城公司")
    html = client.get(URL, {"q": "蓉城"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;蓉城公司" in html
    query = client.get(URL, {"q": "<b>蓉城"}).content.decode()
    assert "<b>蓉城" not in query
    assert "&lt;b&gt;蓉城" in query


def test_search_page_in_english(client):
    named("成都蓉城餐饮管理有限公司")
    html = client.get(URL, {"q": "蓉城"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Public credit lookup" in html
    assert "1 market entity matches “蓉城”" in html
    chinese = client.get(URL, {"q": "蓉城"}).content.decode()
    assert "信用信息公示查询" in chinese
    assert "Public credit lookup" not in chinese
    named("成都蓉城火锅店")
    two = client.get(URL, {"q": "蓉城"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 market entities match “蓉城”" in two
    assert "<title>蓉城 · Public credit lookup" in two


def test_search_page_keeps_the_staff_navigation_for_a_logged_in_user(client, user_with_perms):
    client.force_login(user_with_perms("enterprises.view_enterprise"))
    html = client.get(URL, {"q": "蓉城"}).content.decode()
    assert 'role="search"' in html and "退出" in html


def test_search_by_former_name_and_by_several_words(client):
    renamed = named("成都新名字科技有限公司", former_names=["成都老字号餐饮有限公司"])
    named("成都蓉城科技有限公司")
    html = client.get(URL, {"q": "老字号"}).content.decode()
    assert result_names(html) == [renamed.name]
    assert "曾用名: 成都老字号餐饮有限公司" in html
    assert result_names(client.get(URL, {"q": "蓉城 科技"}).content.decode()) == [
        "成都蓉城科技有限公司"
    ]
    both = result_names(client.get(URL, {"q": "成都 科技"}).content.decode())
    assert sorted(both) == sorted(["成都新名字科技有限公司", "成都蓉城科技有限公司"])


def test_more_than_a_thousand_matches_ask_for_a_narrower_search(client, monkeypatch):
    monkeypatch.setattr("enterprises.public.PublicSearchPaginator.cap", 5)
    for i in range(7):
        named(f"成都上限测试{i}有限公司")
    html = client.get(URL, {"q": "上限测试"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "more than 5 market entities match: showing the first 5" in html
    assert len(result_names(html)) == 5
