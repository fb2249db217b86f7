"""Letters and their reply deadlines (issue 13, point 6): a letter whose deadline has passed
shows overdue or replied, on every page that lists letters and in the records API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import User
from credit_portal.permissions import CorePerm
from credit_portal.roles import Role
from enterprises.models import CreditRecord, Enterprise, EnterpriseMembership
from enterprises.permissions import EnterprisePerm
from enterprises.selectors.letters import LetterStatus, letter_status, letters_for
from enterprises.services.ledger import credit_record_append
from tests.enterprises.factories import EnterpriseFactory, Kind

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2026, 3, 16)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("today", "replied_on", "expected"),
    [
        (DEADLINE - DAY, None, LetterStatus.DUE),  # the day before
        (DEADLINE, None, LetterStatus.DUE),  # on the day: still in time
        (DEADLINE + DAY, None, LetterStatus.OVERDUE),  # the day after
        (DEADLINE + 100 * DAY, None, LetterStatus.OVERDUE),
        (DEADLINE + DAY, DEADLINE - 5 * DAY, LetterStatus.REPLIED),
        (DEADLINE + DAY, DEADLINE, LetterStatus.REPLIED),  # replied on the last day
        (DEADLINE + 10 * DAY, DEADLINE + DAY, LetterStatus.REPLIED_LATE),  # a day late
        (DEADLINE - DAY, DEADLINE - 2 * DAY, LetterStatus.REPLIED),  # before the deadline
    ],
)
def test_status_from_the_deadline_and_the_reply_against_today(today, replied_on, expected):
    status = letter_status(reply_by=DEADLINE, replied_on=replied_on, withdrawn=False, today=today)
    assert status == expected


def test_a_letter_without_a_deadline_asks_no_reply_and_is_never_overdue():
    far = DEADLINE + 1000 * DAY
    assert (
        letter_status(reply_by=None, replied_on=None, withdrawn=False, today=far)
        == LetterStatus.NO_REPLY_ASKED
    )
    assert (
        letter_status(reply_by=None, replied_on=far, withdrawn=False, today=far)
        == LetterStatus.REPLIED
    )


def _letter(enterprise: Enterprise, sent: dt.date, deadline: dt.date | None, text: str):
    details = {"instrument_label": "警示告诫书"}
    if deadline is not None:
        details["deadline"] = deadline.isoformat()
    return credit_record_append(
        enterprise=enterprise,
        kind=Kind.SOFT_ENFORCEMENT,
        occurred_on=sent,
        summary=text,
        actor=None,
        authority="成都市双流区市场监督管理局",
        document_number=f"双市监警〔2026〕{sent.day}号",
        details=details,
    )


def _reply(letter: CreditRecord, on: dt.date) -> CreditRecord:
    return credit_record_append(
        enterprise=letter.enterprise,
        kind=Kind.LETTER_REPLY,
        occurred_on=on,
        summary="收到书面回复",
        actor=None,
        closes=letter,
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def letters(today):
    """One enterprise's letters: overdue, replied in time, replied late, due, no reply asked,
    and one closed by a correction."""
    e = EnterpriseFactory(name="成都回函测试有限公司")
    overdue = _letter(e, today - 30 * DAY, today - DAY, "逾期未回复的警示告诫书")
    on_time = _letter(e, today - 40 * DAY, today - 25 * DAY, "按期回复的警示告诫书")
    _reply(on_time, today - 25 * DAY)  # on the last day
    late = _letter(e, today - 60 * DAY, today - 45 * DAY, "逾期回复的警示告诫书")
    _reply(late, today - 44 * DAY)
    due = _letter(e, today - 2 * DAY, today, "今天到期的警示告诫书")
    _letter(e, today - 3 * DAY, None, "无需回复的行政提示书")
    wrong = _letter(e, today - 5 * DAY, today + 10 * DAY, "录入有误的警示告诫书")
    credit_record_append(
        enterprise=e,
        kind=Kind.CORRECTION,
        occurred_on=today - 4 * DAY,
        summary="更正录入错误",
        actor=None,
        closes=wrong,
    )
    return {
        "enterprise": e,
        "overdue": overdue,
        "on_time": on_time,
        "late": late,
        "due": due,
    }


EXPECTED = {
    "逾期未回复的警示告诫书": LetterStatus.OVERDUE,
    "按期回复的警示告诫书": LetterStatus.REPLIED,
    "逾期回复的警示告诫书": LetterStatus.REPLIED_LATE,
    "今天到期的警示告诫书": LetterStatus.DUE,
    "无需回复的行政提示书": LetterStatus.NO_REPLY_ASKED,
    "录入有误的警示告诫书": LetterStatus.WITHDRAWN,
}


def test_the_selector_reads_each_letter_with_its_reply_in_one_query(
    letters, today, django_assert_num_queries
):
    with django_assert_num_queries(1):
        views = letters_for(enterprise=letters["enterprise"], today=today)
    assert {v.record.summary: v.status for v in views} == EXPECTED
    late = next(v for v in views if v.record == letters["late"])
    assert (late.reply_by, late.replied_on) == (today - 45 * DAY, today - 44 * DAY)
    assert [v.record.occurred_on for v in views] == sorted(
        (v.record.occurred_on for v in views), reverse=True
    )


def test_the_same_letters_tomorrow_the_one_due_today_is_overdue(letters, today):
    views = letters_for(enterprise=letters["enterprise"], today=today + DAY)
    due = next(v for v in views if v.record == letters["due"])
    assert due.status == LetterStatus.OVERDUE


def test_a_reply_closes_only_a_letter(today):
    e = EnterpriseFactory()
    penalty = credit_record_append(
        enterprise=e, kind=Kind.PENALTY, occurred_on=today, summary="罚款", actor=None
    )
    with pytest.raises(ValidationError):
        _reply(penalty, today)
    assert not CreditRecord.objects.filter(kind=Kind.LETTER_REPLY).exists()


def _rows_by_status(html: str) -> dict[str, str]:
    """The letters table's rows: summary -> data-letter-status."""
    rows = re.findall(r'<tr data-letter-status="(\w+)">(.*?)</tr>', html, re.S)
    found = {}
    for status, row in rows:
        for text in EXPECTED:
            if text in row:
                found[text] = status
    return found


def _member(enterprise: Enterprise) -> User:
    user = User.objects.create_user(username="huihan", password="Huihan-Mima-2026")
    user.groups.add(Group.objects.get(name=str(Role.ENTERPRISE_USER)))
    EnterpriseMembership.objects.create(user=user, enterprise=enterprise, phone="13812345678")
    return user


def test_me_lists_each_letter_with_its_status_badge(client, letters):
    client.force_login(_member(letters["enterprise"]))
    client.cookies["cp_language"] = "en"
    html = client.get(reverse("me:home")).content.decode()
    assert _rows_by_status(html) == {text: str(s) for text, s in EXPECTED.items()}
    assert '<span class="badge badge--bad">Overdue</span>' in html
    assert '<span class="badge badge--warn">Replied late</span>' in html
    assert '<span class="badge badge--ok">Replied</span>' in html


def test_the_records_page_shows_the_status_of_each_letter(client, letters):
    client.force_login(_member(letters["enterprise"]))
    client.cookies["cp_language"] = "en"
    html = client.get(reverse("me:records")).content.decode()
    statuses = re.findall(r'class="letter-reply" data-letter-status="(\w+)"', html)
    assert sorted(statuses) == sorted(str(s) for s in EXPECTED.values())


def test_the_staff_detail_page_lists_the_letters_with_their_status(
    client, letters, user_with_perms
):
    staff = user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.VIEW_RECORDS)
    client.force_login(staff)
    client.cookies["cp_language"] = "en"
    url = reverse("enterprises:detail", args=[letters["enterprise"].uscc])
    html = client.get(url).content.decode()
    assert 'id="h-letters"' in html
    assert _rows_by_status(html) == {text: str(s) for text, s in EXPECTED.items()}


def test_staff_without_the_ledger_permission_see_no_letters(client, letters, user_with_perms):
    client.force_login(user_with_perms(EnterprisePerm.VIEW, CorePerm.VIEW_AUDIT_LOG))
    html = client.get(reverse("enterprises:detail", args=[letters["enterprise"].uscc]))
    assert "逾期未回复的警示告诫书" not in html.content.decode()


def test_the_records_api_gives_each_letter_its_deadline_reply_and_status(
    api_client_for, letters, user_with_perms, today
):
    enterprise = letters["enterprise"]
    url = reverse("enterprises-api:enterprise-records", args=[enterprise.uscc])
    for reader in (
        user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.VIEW_RECORDS),
        _member(enterprise),
    ):
        results = api_client_for(reader).get(url).json()["results"]
        by_summary = {r["summary"]: r["letter"] for r in results}
        assert {s: by_summary[s]["status"] for s in EXPECTED} == {
            text: str(s) for text, s in EXPECTED.items()
        }
        assert by_summary["逾期回复的警示告诫书"] == {
            "status": "replied_late",
            "reply_by": (today - 45 * DAY).isoformat(),
            "replied_on": (today - 44 * DAY).isoformat(),
        }
        assert by_summary["收到书面回复"] is None  # the reply is no letter
