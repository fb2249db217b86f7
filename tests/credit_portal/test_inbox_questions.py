"""The questions' source of the staff inbox (questions/inbox.py): open questions of the bureau,
not taken by someone else; answered ones and partner departments' staff see nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from credit_portal.inbox import inbox_counts, inbox_items
from credit_portal.models import User
from questions.models import Party, Question, Topic
from tests.credit_portal.test_inbox import bureau, partner, staff

pytestmark = pytest.mark.django_db

PERMS = (
    "credit_portal.access_staff_portal",
    "questions.view_question",
    "questions.answer_question",
)
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def question(*, due: dt.date, **over: Any) -> Question:
    n = next(_seq)
    fields: dict[str, Any] = {
        "number": f"Q-H7-{n}",
        "asked_at": timezone.now(),
        "asked_on": timezone.localdate(),
        "party": Party.CONSUMER,
        "topic": Topic.MARKET,
        "enterprise_name": "被问到的公司",
        "text": "营业时间？",
        "due_on": due,
        **over,
    }
    return Question.objects.create(**fields)


def test_open_questions_wait_answered_ones_and_others_taken_do_not() -> None:
    today = timezone.localdate()
    me = staff(*PERMS, username="answerer", department=bureau())
    other: User = staff(*PERMS, username="colleague", department=bureau())
    late = question(due=today - dt.timedelta(days=2))
    mine = question(due=today + dt.timedelta(days=3), handler=me)
    question(due=today, handler=other)
    question(due=today, status=Question.Status.ANSWERED)
    items = inbox_items(user=me)
    assert [(i.source, i.item_id) for i in items] == [
        ("questions.questions", late.pk),
        ("questions.questions", mine.pk),
    ]
    assert items[0].overdue and items[0].title == "Answer the question"
    assert items[0].enterprise_name == "被问到的公司"
    assert items[0].url == reverse("questions:detail", args=[late.pk])
    counts = inbox_counts(user=me)
    assert (counts.total, counts.overdue) == (2, 1)


def test_a_partner_departments_staff_do_not_get_the_bureaus_questions() -> None:
    question(due=timezone.localdate())
    outsider = staff(*PERMS, username="health-staff", department=partner())
    assert inbox_counts(user=outsider).total == 0
    assert inbox_items(user=outsider) == []
