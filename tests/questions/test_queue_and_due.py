"""Due dates in working days (over a holiday, provisional where the year is unknown), the
staff queue sorted overdue first with its filters, and the queue's query count pinned."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit_portal.workdays import add_working_days
from questions import rules
from questions.models import Question
from questions.selectors import questions_clock_job
from questions.services import question_answer
from tests.questions.factories import ask, asked_days_ago, officer

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Session, user, staff profile/nav checks and permissions, the page's count, the page, the
# overdue count: the same for 3 questions or 23.
QUEUE_QUERIES = 9


def test_due_date_counts_working_days_over_the_national_day_holiday() -> None:
    # Asked Tuesday 30 September 2025: 1–8 October are holidays, Saturday 11 October a working day.
    asked = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    question, _code = ask(asked_at=asked)
    assert question.asked_on == dt.date(2025, 9, 30)
    assert rules.ANSWER_WORKING_DAYS == 7
    assert question.due_on == dt.date(2025, 10, 16)
    assert question.due_on == add_working_days(dt.date(2025, 9, 30), 7)
    assert question.due_provisional is False


def test_due_date_in_a_year_not_known_is_provisional() -> None:
    asked = dt.datetime(2031, 3, 3, 10, 0, tzinfo=SHANGHAI)  # a Monday; 2031 not known
    question, _code = ask(asked_at=asked)
    assert question.due_on == dt.date(2031, 3, 12)  # weekends alone
    assert question.due_provisional is True


def test_queue_lists_overdue_first_then_due_then_the_rest() -> None:
    fresh = asked_days_ago(0, text="今天问的问题：年报什么时候报送？")
    old = asked_days_ago(30, text="一个月前问的问题：年报什么时候报送？")
    middle = asked_days_ago(12, text="十二天前问的问题：年报什么时候报送？")
    done = asked_days_ago(40, text="早已回答的问题：年报什么时候报送？")
    user = officer()
    question_answer(actor=user, question=done, answer="已答复。", expected_version=done.version)
    client = Client()
    client.force_login(user)
    page = client.get("/questions/").content.decode()
    order = [page.index(q.number) for q in (old, middle, fresh, done)]
    assert order == sorted(order)
    assert 'data-overdue="true"' in page
    assert "2 overdue" in page
    # Filters: status, topic, party, flagged, words.
    answered = client.get("/questions/", {"status": "answered"}).content.decode()
    assert done.number in answered and fresh.number not in answered
    flagged_q, _c = ask(text="请看 http://example.com 这里的问题是什么")
    only_flagged = client.get("/questions/", {"flagged": "yes"}).content.decode()
    assert flagged_q.number in only_flagged and fresh.number not in only_flagged
    assert fresh.number in client.get("/questions/", {"q": "今天问的"}).content.decode()
    assert fresh.number not in client.get("/questions/", {"party": "consumer"}).content.decode()
    api = client.get("/api/v1/questions/").json()
    numbers = [r["number"] for r in api["results"]]
    assert numbers.index(old.number) < numbers.index(middle.number) < numbers.index(done.number)
    assert api["results"][0]["due"]["working_days_left"] < 0


def test_daily_job_counts() -> None:
    asked_days_ago(30)
    asked_days_ago(0)
    counts = questions_clock_job(on=timezone.localdate(), force=False)
    assert counts["open"] == 2 and counts["overdue"] == 1


def _queue_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/questions/").status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_is_pinned() -> None:
    user = officer()
    client = Client()
    client.force_login(user)
    for n in range(3):
        asked_days_ago(n)
    client.get("/questions/")  # warm the calendar and the user's caches
    few = _queue_queries(client)
    for n in range(20):
        asked_days_ago(n + 3, text=f"第{n}个问题：年报什么时候报送？")
    many = _queue_queries(client)
    assert few == many
    assert many == QUEUE_QUERIES, many
    assert Question.objects.count() == 23
