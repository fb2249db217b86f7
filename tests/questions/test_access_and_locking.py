"""Who sees and acts on questions (every staff page and API: anonymous, an enterprise user,
staff without the codename, a partner department's staff), the contact read only by POST and
audited, and optimistic locking (a stale version: 409, nothing written)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from questions.models import Question
from questions.services import question_answer, question_close
from tests.enterprises.factories import enterprise_user
from tests.inspections.factories_plans import enterprise
from tests.questions.factories import ask, officer, partner, staff, supervisor

pytestmark = pytest.mark.django_db


def _pages(pk: int) -> list[str]:
    return ["/questions/", f"/questions/{pk}/"]


def _apis(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", "/api/v1/questions/"),
        ("get", f"/api/v1/questions/{pk}/"),
        ("post", f"/api/v1/questions/{pk}/answer/"),
        ("post", f"/api/v1/questions/{pk}/assign/"),
        ("post", f"/api/v1/questions/{pk}/close/"),
        ("post", f"/api/v1/questions/{pk}/move/"),
        ("post", f"/api/v1/questions/{pk}/publish/"),
    ]


def test_anonymous_is_sent_to_login_and_refused_by_the_api(api_client_for: Any) -> None:
    question, _code = ask()
    for url in _pages(question.pk):
        page = Client().get(url)
        assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert Client().post(f"/questions/{question.pk}/act/", {"action": "answer"}).status_code == 302
    for method, url in _apis(question.pk):
        assert getattr(api_client_for(None), method)(url, {}, format="json").status_code in (
            401,
            403,
        )


@pytest.mark.parametrize("who", ["enterprise_user", "no_perm"])
def test_enterprise_user_and_staff_without_the_codename_get_403(
    who: str, api_client_for: Any
) -> None:
    question, _code = ask()
    user = enterprise_user(enterprise()) if who == "enterprise_user" else staff()
    client = Client()
    client.force_login(user)
    assert client.get("/questions/").status_code == 403
    assert client.get(f"/questions/{question.pk}/").status_code in (403, 404)
    for method, url in _apis(question.pk):
        answer = getattr(api_client_for(user), method)(url, {"version": 1}, format="json")
        assert answer.status_code in (403, 404), url


def test_partner_department_staff_see_no_question(api_client_for: Any) -> None:
    question, _code = ask()
    other = staff("questions.view_question", "questions.answer_question", dept=partner())
    client = Client()
    client.force_login(other)
    assert question.number not in client.get("/questions/").content.decode()
    assert client.get(f"/questions/{question.pk}/").status_code == 404
    api = api_client_for(other)
    assert api.get("/api/v1/questions/").json()["results"] == []
    assert api.get(f"/api/v1/questions/{question.pk}/").status_code == 404
    answer = api.post(
        f"/api/v1/questions/{question.pk}/answer/", {"version": 1, "answer": "x"}, format="json"
    )
    assert answer.status_code == 404


def test_reader_without_answer_codename_cannot_act() -> None:
    question, _code = ask()
    reader = staff("questions.view_question")
    client = Client()
    client.force_login(reader)
    assert client.get(f"/questions/{question.pk}/").status_code == 200
    refused = client.post(
        f"/questions/{question.pk}/act/",
        {"action": "answer", "version": question.version, "answer": "好"},
    )
    assert refused.status_code == 403
    assert client.post(f"/questions/{question.pk}/contact/").status_code == 403


def test_contact_is_shown_by_post_only_and_each_reading_audited() -> None:
    question, _code = ask(name="王女士", phone="13800001111")
    user = officer()
    client = Client()
    client.force_login(user)
    page = client.get(f"/questions/{question.pk}/").content.decode()
    assert "13800001111" not in page and "Show the contact" in page
    shown = client.post(f"/questions/{question.pk}/contact/").content.decode()
    assert "13800001111" in shown and "王女士" in shown
    event = AuditEvent.objects.get(event_type="questions.contact_viewed")
    assert event.actor == user and "13800001111" not in str(event.extra)
    api = Client()
    api.force_login(user)
    body = api.get(f"/api/v1/questions/{question.pk}/").json()
    assert body["has_contact"] is True and "13800001111" not in str(body)


def test_stale_version_is_a_conflict_and_writes_nothing(api_client_for: Any) -> None:
    question, _code = ask()
    first, second = officer(), supervisor()
    seen = question.version
    question_answer(actor=first, question=question, answer="第一个答复。", expected_version=seen)
    with pytest.raises(ConflictError):
        question_close(actor=second, question=question, reason="spam", expected_version=seen)
    client = Client()
    client.force_login(second)
    page = client.post(
        f"/questions/{question.pk}/act/",
        {"action": "answer", "version": seen, "answer": "第二个答复。"},
    )
    assert page.status_code == 409
    assert "Someone else acted on this question first" in page.content.decode()
    api = api_client_for(second).post(
        f"/api/v1/questions/{question.pk}/answer/",
        {"version": seen, "answer": "第二个答复。"},
        format="json",
    )
    assert api.status_code == 409 and api.json()["code"] == "conflict"
    question.refresh_from_db()
    assert question.answer == "第一个答复。" and question.status == Question.Status.ANSWERED


def test_staff_steps_on_the_pages_answer_assign_close_duplicate() -> None:
    user = officer()
    colleague = officer()
    original, _c = ask()
    question, code = ask(text="请问个体工商户年报是每年什么时候报？谢谢")
    client = Client()
    client.force_login(user)
    ok = client.post(
        f"/questions/{question.pk}/act/",
        {"action": "assign", "version": question.version, "handler": colleague.pk},
    )
    assert ok.status_code == 302
    question.refresh_from_db()
    assert question.handler == colleague
    missing = client.post(
        f"/questions/{question.pk}/act/",
        {"action": "close", "version": question.version, "reason": "duplicate"},
    )
    assert missing.status_code == 400
    assert "Give the number of the question this one repeats." in missing.content.decode()
    closed = client.post(
        f"/questions/{question.pk}/act/",
        {
            "action": "close",
            "version": question.version,
            "reason": "duplicate",
            "duplicate_of": original.number,
        },
    )
    assert closed.status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.CLOSED and question.duplicate_of == original
    status = Client().post("/questions/status/", {"code": code}).content.decode()
    assert original.number in status
    answered = client.post(
        f"/questions/{original.pk}/act/",
        {"action": "answer", "version": original.version, "answer": "每年1月1日至6月30日。"},
    )
    assert answered.status_code == 302
    assert AuditEvent.objects.filter(event_type="questions.question_answered").count() == 1
