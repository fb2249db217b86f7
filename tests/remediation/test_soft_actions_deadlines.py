"""Provisional deadlines catch up with the calendar (review finding S1; docs/domain.md "Counting
periods in the code"): a deadline counted into a year whose holiday schedule is not known is
stored as provisional, on the weekends alone; once an administrator enters that year's holidays
and marks it complete, the daily job `remediation.deadlines_recount` counts it again on the real
calendar, for the letters, the repair applications and the penalty decisions, with an audit
event per item changed; a second run changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_portal.daily import daily_jobs
from credit_portal.models import AuditEvent, CalendarEntry, CalendarYear
from credit_portal.workdays import deadline_after
from remediation import rules
from remediation.jobs import DEADLINE_RECOUNTED, deadlines_recount_job
from remediation.models import PenaltyDecision, RepairApplication, SoftAction
from remediation.services.repairs import repair_apply
from tests.remediation.factories_repairs import apply_data, eligible_penalty, penalty_decision
from tests.remediation.factories_repairs import member as firm_user
from tests.remediation.factories_soft_actions import (
    enterprise,
    officer,
    on_day,
    served,
    supervisor,
)

pytestmark = pytest.mark.django_db

# Served on a Monday at the end of 2026 (a year chinese-calendar knows): 10 working days run
# into 2027, which nobody knows yet. On the weekends alone the 10th is Monday 11 January 2027;
# with New Year's Day (Friday 1 January) a holiday, it is Tuesday 12 January.
SERVED_ON = dt.date(2026, 12, 28)
WEEKENDS_ONLY = dt.date(2027, 1, 11)
ON_THE_CALENDAR = dt.date(2027, 1, 12)
RUN_ON = dt.date(2026, 12, 31)


def _enter_2027() -> None:
    """What the administrator does once the State Council's notice is out."""
    CalendarEntry.objects.create(
        day=dt.date(2027, 1, 1), kind=CalendarEntry.Kind.HOLIDAY, name="元旦"
    )
    CalendarYear.objects.create(
        year=2027, schedule_complete=True, published_reference="国办发明电〔2026〕X号"
    )


def test_the_job_is_registered_before_the_jobs_that_read_deadlines():
    jobs = {job.name: job for job in daily_jobs()}
    job = jobs["remediation.deadlines_recount"]
    assert job.func == "remediation.jobs.deadlines_recount_job" and job.order == 105
    assert job.order < jobs["remediation.soft_actions_overdue"].order


def test_a_provisional_letter_deadline_is_counted_again_once_the_year_is_entered():
    firm = enterprise()
    with on_day(SERVED_ON):
        letter = served(officer(), supervisor(), firm)
        notice = served(officer("o2"), supervisor("c2"), firm, instrument="interview")
    assert (letter.deadline, letter.deadline_provisional) == (WEEKENDS_ONLY, True)
    assert (notice.deadline, notice.deadline_provisional) == (WEEKENDS_ONLY, True)
    version = letter.version
    # Before the year is known: nothing changes.
    with on_day(RUN_ON):
        assert deadlines_recount_job(on=RUN_ON, force=False)["soft_actions"] == 0
    _enter_2027()
    with on_day(RUN_ON):
        assert deadlines_recount_job(on=RUN_ON, force=False)["soft_actions"] == 2
        assert deadlines_recount_job(on=RUN_ON, force=False)["soft_actions"] == 0  # idempotent
    for action in (letter, notice):
        action.refresh_from_db()
        assert (action.deadline, action.deadline_provisional) == (ON_THE_CALENDAR, False)
    assert letter.version == version  # no officer's form goes stale for it
    event = AuditEvent.objects.get(event_type=DEADLINE_RECOUNTED, target_id=str(letter.pk))
    assert event.target_type == "remediation.softaction"
    assert event.actor is None and event.enterprise_id == firm.pk
    assert event.extra["old"] == {
        "deadline": WEEKENDS_ONLY.isoformat(),
        "deadline_provisional": True,
    }
    assert event.extra["new"] == {
        "deadline": ON_THE_CALENDAR.isoformat(),
        "deadline_provisional": False,
    }
    assert AuditEvent.objects.filter(event_type=DEADLINE_RECOUNTED).count() == 2


def test_a_letter_served_before_the_year_is_entered_is_not_overdue_on_the_weekend_count():
    """The reason for the job's place before the overdue job: on 12 January the letter is in
    time on the real calendar, though late on the weekends alone."""
    from remediation.services.soft_actions import soft_actions_mark_overdue

    with on_day(SERVED_ON):
        letter = served(officer(), supervisor(), enterprise())
    _enter_2027()
    with on_day(ON_THE_CALENDAR):
        deadlines_recount_job(on=ON_THE_CALENDAR, force=False)
        assert soft_actions_mark_overdue(on=ON_THE_CALENDAR) == 0
    letter.refresh_from_db()
    assert letter.status == SoftAction.Status.SERVED


def test_repair_dues_and_a_publication_due_are_counted_again():
    record = eligible_penalty()
    # Submitted on Wednesday 30 December 2026: acceptance within 2 WD, Friday 1 January 2027
    # on the weekends alone, Monday 4 January with the holiday.
    with on_day(dt.date(2026, 12, 30)):
        application = repair_apply(
            actor=firm_user(record.enterprise), enterprise=record.enterprise, **apply_data(record)
        )
    assert (application.acceptance_due, application.due_provisional) == (
        dt.date(2027, 1, 1),
        True,
    )
    decision = penalty_decision(None, enterprise=record.enterprise, decided_on=SERVED_ON)
    due = rules.publication_deadline(SERVED_ON, other_province=False)
    assert due.provisional
    PenaltyDecision.objects.filter(pk=decision.pk).update(
        publication_due=due.day, publication_due_provisional=True, published_on=None
    )
    _enter_2027()
    with on_day(RUN_ON):
        counts = deadlines_recount_job(on=RUN_ON, force=False)
        assert counts == {"soft_actions": 0, "repairs": 1, "penalties": 1, "objections": 0}
        assert deadlines_recount_job(on=RUN_ON, force=False) == {
            "soft_actions": 0,
            "repairs": 0,
            "penalties": 0,
            "objections": 0,
        }
    application.refresh_from_db()
    assert (application.acceptance_due, application.due_provisional) == (
        dt.date(2027, 1, 4),
        False,
    )
    decision.refresh_from_db()
    expected = deadline_after(SERVED_ON, rules.PUBLICATION_WORKING_DAYS)
    assert not expected.provisional and expected.day > due.day  # one holiday later
    assert (decision.publication_due, decision.publication_due_provisional) == (
        expected.day,
        False,
    )
    kinds = set(
        AuditEvent.objects.filter(event_type=DEADLINE_RECOUNTED).values_list(
            "target_type", flat=True
        )
    )
    assert kinds == {"remediation.repairapplication", "remediation.penaltydecision"}
    assert RepairApplication.objects.get(pk=application.pk).version == application.version
