"""The annual-report calendar and who must report (docs/domain.md §3, §4): the window, the
deadline, the entrance closed after 30 June (a FilingSeason row moves its reopening), who is
due, and when a report is late."""

from __future__ import annotations

import datetime as dt

import pytest

from annual_reports import rules
from annual_reports.models import FilingSeason
from enterprises.models import Enterprise
from tests.annual_reports.factories import company, shop

pytestmark = pytest.mark.django_db


def test_the_window_and_the_deadline():
    assert rules.window_opens(2025) == dt.date(2026, 1, 1)
    assert rules.report_deadline(2025) == dt.date(2026, 6, 30)
    assert rules.free_correction_until(2025) == dt.date(2026, 6, 30)
    assert rules.reporting_year(dt.date(2026, 3, 1)) == 2025


def test_filed_on_30_june_is_on_time_and_1_july_late():
    assert rules.report_late(dt.date(2026, 6, 30), 2025) is False
    assert rules.report_late(dt.date(2026, 7, 1), 2025) is True


def test_the_entrance_is_closed_until_14_july_unless_the_season_says_otherwise():
    assert rules.entrance_closed_until(2025) == dt.date(2026, 7, 14)
    FilingSeason.objects.create(year=2025, entrance_closed_until=dt.date(2026, 7, 10))
    assert rules.entrance_closed_until(2025) == dt.date(2026, 7, 10)
    assert rules.entrance_closed_until(2024) == dt.date(2025, 7, 14)


@pytest.mark.parametrize(
    ("day", "pending", "expected"),
    [
        (dt.date(2025, 12, 31), False, (False, rules.WINDOW_NOT_OPEN)),
        (dt.date(2026, 1, 1), False, (True, "")),
        (dt.date(2026, 6, 30), False, (True, "")),
        (dt.date(2026, 7, 1), False, (False, rules.ENTRANCE_CLOSED)),
        (dt.date(2026, 7, 14), False, (False, rules.ENTRANCE_CLOSED)),
        (dt.date(2026, 7, 1), True, (True, "")),
        (dt.date(2026, 7, 14), True, (True, "")),
        (dt.date(2026, 7, 15), False, (True, "")),
    ],
)
def test_submission_open(day, pending, expected):
    assert rules.submission_open(day, 2025, pending_listing=pending) == expected


def test_an_entity_registered_in_the_year_reports_for_it_the_next_year():
    firm = company(registered_on=dt.date(2025, 12, 31))
    assert rules.report_due(firm, 2025) == (True, "")
    assert rules.report_due(firm, 2024) == (False, rules.NOT_REGISTERED_YET)


def test_closed_before_the_deadline_is_not_due_after_it_is():
    firm = company(status=Enterprise.Status.DEREGISTERED, status_changed_on=dt.date(2026, 6, 30))
    assert rules.report_due(firm, 2025) == (False, rules.CLOSED_BEFORE_DEADLINE)
    later = company(status=Enterprise.Status.REVOKED, status_changed_on=dt.date(2026, 7, 1))
    assert rules.report_due(later, 2025) == (True, "")
    moved = company(status=Enterprise.Status.MOVED_OUT, status_changed_on=dt.date(2026, 2, 1))
    assert rules.report_due(moved, 2025) == (False, rules.CLOSED_BEFORE_DEADLINE)
    cancelled = company(status=Enterprise.Status.CANCELLED, status_changed_on=dt.date(2026, 3, 1))
    assert rules.report_due(cancelled, 2025) == (False, rules.CLOSED_BEFORE_DEADLINE)


def test_suspended_entities_still_report():
    firm = shop(
        status=Enterprise.Status.SUSPENDED,
        suspended_from=dt.date(2025, 3, 1),
        suspended_until=dt.date(2027, 3, 1),
        status_changed_on=dt.date(2025, 3, 1),
    )
    assert rules.report_due(firm, 2025) == (True, "")
