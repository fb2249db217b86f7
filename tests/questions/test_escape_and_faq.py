"""A question with script or links in it: flagged, shown escaped on every page, never
published unreviewed; the FAQ shows only the staff's wording, grouped and searchable."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from questions import rules
from questions.models import FaqEntry
from questions.services import faq_publish, faq_unpublish, question_answer
from tests.questions.factories import ask, supervisor

pytestmark = pytest.mark.django_db
NASTY = "页面异常 <script>alert('x')</script> 详情见 http://evil.example.com/a 谢谢"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("请问年报什么时候报？电话13800000000，金额12.50元", []),
        ("看这里 www.example.cn", ["link"]),
        ("见 gsxt.gov.cn/index", ["link"]),
        ("[点我](http://x)", ["link"]),
        ("JavaScript:alert(1)", ["link"]),
        ("<b>加粗</b>", ["markup"]),
        ("&#60;script&#62;", ["markup"]),
        ("<img src=x onerror=alert(1)> http://x.com", ["link", "markup"]),
    ],
)
def test_what_counts_as_link_or_markup(text: str, found: list[str]) -> None:
    assert rules.link_or_markup(text) == found


def test_script_and_links_are_shown_escaped_on_every_page(api_client_for: Any) -> None:
    question, code = ask(text=NASTY, enterprise_name="<i>商户</i>")
    assert question.flagged
    boss = supervisor()
    staff = Client()
    staff.force_login(boss)
    public = Client()
    pages = [
        staff.get("/questions/"),
        staff.get(f"/questions/{question.pk}/"),
        public.post("/questions/status/", {"code": code}),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert" not in html
        assert "<i>商户</i>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in pages[1].content.decode()
    assert "&lt;script&gt;" in pages[2].content.decode()
    assert 'href="http://evil' not in pages[1].content.decode()
    assert "Needs review: links or markup" in pages[1].content.decode()
    # The API gives the text as it is (plain JSON), flagged.
    body = api_client_for(boss).get(f"/api/v1/questions/{question.pk}/").json()
    assert body["flagged"] is True and body["text"] == NASTY


def _answered(text: str = NASTY) -> Any:
    question, _code = ask(text=text)
    boss = supervisor()
    question = question_answer(
        actor=boss, question=question, answer="网站运行正常。", expected_version=question.version
    )
    return boss, question


def test_flagged_question_cannot_be_published_unreviewed() -> None:
    boss, question = _answered()
    with pytest.raises(ValidationError) as refused:
        faq_publish(
            actor=boss,
            source=question,
            question_text="网站页面显示异常怎么办？",
            answer="请刷新页面。",
            expected_version=question.version,
        )
    assert "confirm the review" in refused.value.message_dict["reviewed"][0]
    # Reviewed, but the wording still holds the link: refused too.
    with pytest.raises(ValidationError) as still:
        faq_publish(
            actor=boss,
            source=question,
            question_text="页面见 http://evil.example.com/a 怎么办？",
            answer="请刷新页面。",
            reviewed=True,
            expected_version=question.version,
        )
    assert "still holds a link or markup" in still.value.message_dict["question_text"][0]
    # Markup in the answer is refused; an official address in the answer is kept as text.
    with pytest.raises(ValidationError) as markup:
        faq_publish(
            actor=boss,
            source=question,
            question_text="网站页面显示异常怎么办？",
            answer="<b>刷新</b>",
            reviewed=True,
            expected_version=question.version,
        )
    assert "markup" in markup.value.message_dict["answer"][0]
    assert not FaqEntry.objects.exists()
    entry = faq_publish(
        actor=boss,
        source=question,
        question_text="网站页面显示异常怎么办？",
        answer="请刷新页面，或登录 www.gsxt.gov.cn 查询。",
        reviewed=True,
        expected_version=question.version,
    )
    assert entry.source == question and entry.topic == question.topic


def test_publish_page_refuses_unreviewed_with_the_message() -> None:
    boss, question = _answered()
    client = Client()
    client.force_login(boss)
    page = client.post(
        f"/questions/{question.pk}/act/",
        {
            "action": "publish",
            "version": question.version,
            "question_text": "网站页面显示异常怎么办？",
            "answer": "请刷新页面。",
            "topic": "portal",
            "order": 1,
        },
    )
    assert page.status_code == 400
    assert "confirm the review" in page.content.decode()
    ok = client.post(
        f"/questions/{question.pk}/act/",
        {
            "action": "publish",
            "version": question.version,
            "question_text": "网站页面显示异常怎么办？",
            "answer": "请刷新页面。",
            "topic": "portal",
            "order": 1,
            "reviewed": "on",
        },
    )
    assert ok.status_code == 302
    faq = Client().get("/faq/").content.decode()
    assert "网站页面显示异常怎么办？" in faq
    assert "<script>" not in faq and "evil.example" not in faq


def test_only_answered_questions_are_published_and_only_by_publishers() -> None:
    question, _code = ask()
    boss = supervisor()
    with pytest.raises(ValidationError, match="Only an answered question"):
        faq_publish(
            actor=boss,
            source=question,
            question_text="年报什么时候报？",
            answer="1月1日至6月30日。",
            expected_version=question.version,
        )
    from tests.questions.factories import officer

    with pytest.raises(ValidationError, match="Only staff who publish"):
        faq_publish(
            actor=officer(),
            question_text="年报什么时候报？",
            answer="上半年。",
            topic="annual_reports",
        )


def test_faq_is_grouped_searchable_and_unpublish_takes_an_entry_off() -> None:
    boss = supervisor()
    a = faq_publish(
        actor=boss,
        question_text="年报什么时候报？",
        answer="1月1日至6月30日。",
        topic="annual_reports",
    )
    faq_publish(
        actor=boss, question_text="信用修复要多久？", answer="5个工作日。", topic="credit_repair"
    )
    page = Client().get("/faq/").content.decode()
    assert page.index("Annual reports") < page.index("Credit repair")
    found = Client().get("/faq/", {"q": "修复"}).content.decode()
    assert "信用修复要多久？" in found and "年报什么时候报？" not in found
    api = Client().get("/api/v1/public/faq/", {"topic": "annual_reports"}).json()
    assert [r["question"] for r in api["results"]] == ["年报什么时候报？"]
    faq_unpublish(actor=boss, entry=a, expected_version=a.version)
    assert "年报什么时候报？" not in Client().get("/faq/").content.decode()
    assert "No question matches" in Client().get("/faq/", {"q": "不存在的词"}).content.decode()


def test_a_question_is_published_in_the_faq_once() -> None:
    """A second "Publish" (a double click, a second tab) makes no second entry: the first is
    taken off before the question is published in another wording."""
    question, _code = ask()
    boss = supervisor()
    question = question_answer(
        actor=boss, question=question, answer="1月1日至6月30日。", expected_version=question.version
    )
    entry = faq_publish(
        actor=boss,
        source=question,
        question_text="年报什么时候报？",
        answer="1月1日至6月30日。",
        expected_version=question.version,
    )
    question.refresh_from_db()
    with pytest.raises(ValidationError, match="already in the FAQ"):
        faq_publish(
            actor=boss,
            source=question,
            question_text="年报什么时候报？",
            answer="1月1日至6月30日。",
            expected_version=question.version,
        )
    assert FaqEntry.objects.filter(source=question).count() == 1
    faq_unpublish(actor=boss, entry=entry, expected_version=entry.version)
    question.refresh_from_db()
    again = faq_publish(
        actor=boss,
        source=question,
        question_text="年度报告什么时候报送？",
        answer="每年1月1日至6月30日。",
        expected_version=question.version,
    )
    assert again.is_published
