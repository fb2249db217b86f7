"""A published FAQ entry edited in place (docs/domain.md §10 "Enquiries"): on the staff page,
through the API, linked from the admin; versioned (a stale page is refused with both versions
named and the input kept), audited with before and after, reviewed again when its source was
flagged, shown escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from credit_portal.models import AuditEvent
from questions import audit_events as events
from questions.models import FaqEntry
from questions.services import faq_edit, faq_publish, question_answer
from tests.questions.factories import ask, officer, partner, staff, supervisor

pytestmark = pytest.mark.django_db
NASTY = "页面异常 <script>alert('x')</script> 详情见 http://evil.example.com/a 谢谢"


def _published(text: str = "请问个体工商户的年报是每年什么时候报？", **over: Any) -> FaqEntry:
    question, _code = ask(text=text)
    boss = supervisor()
    question = question_answer(
        actor=boss,
        question=question,
        answer="每年1月1日至6月30日。",
        expected_version=question.version,
    )
    return faq_publish(
        actor=boss,
        source=question,
        question_text=over.get("question_text", "个体工商户年报什么时候报？"),
        answer="每年1月1日至6月30日。",
        reviewed=question.flagged,
        expected_version=question.version,
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _edit_data(entry: FaqEntry, **over: Any) -> dict[str, Any]:
    data = {
        "action": "edit",
        "version": entry.version,
        "question_text": entry.question,
        "answer": entry.answer,
        "topic": entry.topic,
        "order": entry.order,
    }
    data.update(over)
    return data


def test_publisher_edits_the_wording_on_the_staff_page_and_the_public_reads_it() -> None:
    entry = _published()
    boss = supervisor()
    client = _client(boss)
    page = client.get(f"/questions/faq/{entry.pk}/")
    assert page.status_code == 200
    assert 'data-testid="faq-edit"' in page.content.decode()
    done = client.post(
        f"/questions/faq/{entry.pk}/",
        _edit_data(entry, answer="每年1月1日至6月30日，通过国家企业信用信息公示系统报送。"),
    )
    assert done.status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2 and entry.answer.startswith("每年1月1日至6月30日，通过")
    public = Client().get("/faq/").content.decode()
    assert "通过国家企业信用信息公示系统报送" in public
    event = AuditEvent.objects.get(event_type=events.FAQ_EDITED)
    assert event.actor == boss
    assert event.extra["changed"] == ["answer"]
    assert event.extra["before"] == {"answer": "每年1月1日至6月30日。"}
    assert event.extra["after"]["answer"].endswith("报送。")
    # The history on the page shows before and after.
    shown = client.get(f"/questions/faq/{entry.pk}/").content.decode()
    assert "FAQ entry edited" in shown and "<del" in shown


def test_a_stale_page_is_refused_naming_both_versions_and_keeps_the_input() -> None:
    entry = _published()
    first, second = _client(supervisor()), _client(supervisor())
    read = _edit_data(entry)  # both read version 1
    assert (
        first.post(f"/questions/faq/{entry.pk}/", {**read, "answer": "第一位的答复。"}).status_code
        == 302
    )
    late = second.post(f"/questions/faq/{entry.pk}/", {**read, "answer": "第二位的答复。"})
    assert late.status_code == 409
    html = late.content.decode()
    assert "it is now version 2; you read version 1" in html
    assert "第二位的答复。" in html  # the input is kept
    assert "第一位的答复。" in html  # the saved wording beside it
    entry.refresh_from_db()
    assert entry.answer == "第一位的答复。" and entry.version == 2
    assert 'name="version" value="2"' in html  # saving again is a deliberate decision
    assert AuditEvent.objects.filter(event_type=events.FAQ_EDITED).count() == 1


def test_flagged_source_needs_the_review_again_and_the_wording_stays_plain() -> None:
    entry = _published(text=NASTY, question_text="网站页面显示异常怎么办？")
    client = _client(supervisor())
    unreviewed = client.post(f"/questions/faq/{entry.pk}/", _edit_data(entry, answer="请刷新。"))
    assert unreviewed.status_code == 400
    assert "confirm the review" in unreviewed.content.decode()
    linked = client.post(
        f"/questions/faq/{entry.pk}/",
        _edit_data(entry, question_text="见 http://evil.example.com 怎么办？", reviewed="on"),
    )
    assert linked.status_code == 400
    assert "still holds a link or markup" in linked.content.decode()
    markup = client.post(
        f"/questions/faq/{entry.pk}/", _edit_data(entry, answer="<b>刷新</b>", reviewed="on")
    )
    assert markup.status_code == 400
    entry.refresh_from_db()
    assert entry.version == 1 and entry.answer == "每年1月1日至6月30日。"
    ok = client.post(
        f"/questions/faq/{entry.pk}/", _edit_data(entry, answer="请刷新页面。", reviewed="on")
    )
    assert ok.status_code == 302
    assert AuditEvent.objects.get(event_type=events.FAQ_EDITED).extra["reviewed"] is True


def test_the_edited_wording_is_shown_escaped() -> None:
    entry = _published()
    boss = supervisor()
    faq_edit(
        actor=boss,
        entry=entry,
        expected_version=1,
        question_text="年报什么时候报？",
        answer="答复：金额 1<2，A&B 公司 > 3",
    )
    for page in (
        Client().get("/faq/"),
        _client(boss).get(f"/questions/faq/{entry.pk}/"),
    ):
        html = page.content.decode()
        assert "1&lt;2，A&amp;B 公司 &gt; 3" in html
        assert "1<2，A&B" not in html


def test_who_may_edit_read_and_see_the_entries() -> None:
    entry = _published()
    credit_officer = officer()  # reads the FAQ entries, does not publish
    page = _client(credit_officer).get(f"/questions/faq/{entry.pk}/")
    assert page.status_code == 200 and 'data-testid="faq-edit"' not in page.content.decode()
    assert (
        _client(credit_officer).post(f"/questions/faq/{entry.pk}/", _edit_data(entry)).status_code
        == 403
    )
    outsider = staff(
        "questions.view_faqentry", "questions.publish_faq", dept=partner()
    )  # a partner department: not the questions' jurisdiction
    assert _client(outsider).get(f"/questions/faq/{entry.pk}/").status_code == 404
    outside_list = _client(outsider).get("/questions/faq/")
    assert outside_list.status_code == 200
    assert "data-entry=" not in outside_list.content.decode()
    assert Client().get("/questions/faq/").status_code == 302  # the login page
    listed = _client(supervisor()).get("/questions/faq/").content.decode()
    assert f'data-entry="{entry.pk}"' in listed


def test_an_entry_taken_off_is_not_edited() -> None:
    entry = _published()
    boss = supervisor()
    client = _client(boss)
    client.post(f"/questions/faq/{entry.pk}/", {"action": "unpublish", "version": entry.version})
    entry.refresh_from_db()
    assert not entry.is_published
    refused = client.post(f"/questions/faq/{entry.pk}/", _edit_data(entry, answer="新的答复。"))
    assert refused.status_code == 400
    assert "no longer published" in refused.content.decode()


def test_the_api_edits_with_the_version_and_answers_409_when_stale(api_client_for: Any) -> None:
    entry = _published()
    boss = supervisor()
    api = api_client_for(boss)
    listed = api.get("/api/v1/faq/").json()
    assert [e["id"] for e in listed["results"]] == [entry.pk]
    read = api.get(f"/api/v1/faq/{entry.pk}/").json()
    assert read["version"] == 1
    done = api.post(
        f"/api/v1/faq/{entry.pk}/edit/",
        {"version": 1, "question_text": "年报何时报？", "answer": "1月1日至6月30日。"},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["version"] == 2 and done.json()["question"] == "年报何时报？"
    assert done.json()["topic"] == entry.topic  # unchanged when left out
    stale = api.post(
        f"/api/v1/faq/{entry.pk}/edit/",
        {"version": 1, "question_text": "别的问法？", "answer": "别的答复。"},
        format="json",
    )
    assert stale.status_code == 409
    assert "version 2" in stale.content.decode() and "version 1" in stale.content.decode()
    bad = api.post(
        f"/api/v1/faq/{entry.pk}/edit/",
        {"version": 2, "question_text": "见 www.example.cn", "answer": "答复。"},
        format="json",
    )
    assert bad.status_code == 400 and "question_text" in bad.json().get("errors", bad.json())
    denied = api_client_for(officer()).post(
        f"/api/v1/faq/{entry.pk}/edit/",
        {"version": 2, "question_text": "年报何时报？", "answer": "答复。"},
        format="json",
    )
    assert denied.status_code == 403


def test_the_admin_links_the_entry_to_its_staff_page(admin_client: Any) -> None:
    entry = _published()
    page = admin_client.get(f"/admin/questions/faqentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert f"/questions/faq/{entry.pk}/" in page.content.decode()
