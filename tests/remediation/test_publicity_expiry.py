"""The end of a penalty's publicity term (届满停止公示) as a ledger fact: the service, its daily
job and `manage.py run_daily` (SAMR Order 45 art. 13; docs/domain.md §5 "Automatic expiry",
§10)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connections
from django.urls import reverse

from credit_portal.daily import ORDER_REMEDIATION_AND_ANNUAL_REPORTS, daily_jobs
from credit_portal.models import AuditEvent, DailyRun
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors import public_credit_records
from enterprises.services.ledger import credit_record_append
from remediation import services
from remediation.jobs import publicity_expiry_job, repair_due_reminders_job
from remediation.kinds import PENALTY, PUBLICITY_EXPIRED, REPAIR
from remediation.services.publicity import EXPIRED_SUMMARY, publicity_expire
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 10)


def at(day: dt.date) -> Any:
    """The clock at noon, Beijing time, on `day` (time_machine)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI), tick=False)


@pytest.fixture(autouse=True)
def _clock():
    with at(TODAY):
        yield


def penalty(
    enterprise: Enterprise,
    *,
    end: dt.date | None,
    start: dt.date | None = None,
    public: bool = True,
    number: str = "",
    details: dict[str, Any] | None = None,
) -> CreditRecord:
    """A published penalty whose last public day is `end`."""
    start = start or (end - dt.timedelta(days=90) if end else TODAY - dt.timedelta(days=30))
    return credit_record_append(
        enterprise=enterprise,
        kind=PENALTY,
        occurred_on=start - dt.timedelta(days=10),
        summary="违反《食品安全法》，罚款人民币5,000元",
        actor=None,
        is_public=public,
        publicity_start=start if public else None,
        publicity_end=end if public else None,
        authority="成都市双流区市场监督管理局",
        document_number=number,
        details=details,
    )


def expiry_of(record: CreditRecord) -> CreditRecord | None:
    return CreditRecord.objects.filter(closes=record, kind=PUBLICITY_EXPIRED).first()


def test_a_term_that_ended_the_day_before_ends_and_one_ending_today_or_later_stays():
    firm = EnterpriseFactory()
    before = penalty(firm, end=TODAY - dt.timedelta(days=1))
    same_day = penalty(firm, end=TODAY)
    after = penalty(firm, end=TODAY + dt.timedelta(days=1))

    assert publicity_expire(on=TODAY) == 1

    fact = expiry_of(before)
    assert fact is not None
    assert fact.occurred_on == TODAY  # the first day it is no longer shown
    assert expiry_of(same_day) is None  # still public today, its last day
    assert expiry_of(after) is None
    assert {r.pk for r in public_credit_records(enterprise=firm, on=TODAY)} == {
        same_day.pk,
        after.pk,
    }


def test_the_fact_carries_the_date_the_law_fixes_not_the_day_of_the_run():
    firm = EnterpriseFactory()
    record = penalty(
        firm, start=dt.date(2025, 11, 2), end=dt.date(2026, 2, 1), number="双市监处罚〔2025〕7号"
    )

    assert publicity_expire(on=TODAY) == 1  # a backlog: the term ended weeks ago

    fact = expiry_of(record)
    assert fact is not None
    assert fact.occurred_on == dt.date(2026, 2, 2)
    assert fact.kind == PUBLICITY_EXPIRED
    assert fact.is_public is False
    assert fact.publicity_start is None and fact.publicity_end is None
    assert fact.summary == f"{EXPIRED_SUMMARY}：双市监处罚〔2025〕7号"
    assert fact.document_number == "双市监处罚〔2025〕7号"
    assert fact.authority == record.authority
    assert fact.details == {
        "publicity_start": "2025-11-02",
        "publicity_end": "2026-02-01",
        "term": None,
    }
    assert (fact.source_app, fact.source_model, fact.source_id) == (
        "remediation",
        "publicity_expiry",
        str(record.pk),
    )
    assert fact.recorded_by is None  # the system
    assert fact.enterprise_id == firm.pk


def test_a_rerun_adds_nothing():
    firm = EnterpriseFactory()
    penalty(firm, end=TODAY - dt.timedelta(days=3))
    assert publicity_expire(on=TODAY) == 1
    records = CreditRecord.objects.count()
    events = AuditEvent.objects.count()

    assert publicity_expire(on=TODAY) == 0

    assert CreditRecord.objects.count() == records
    assert AuditEvent.objects.count() == events


def test_closed_unpublished_and_other_records_are_left_alone():
    firm = EnterpriseFactory()
    repaired = penalty(firm, end=TODAY - dt.timedelta(days=2))
    credit_record_append(
        enterprise=firm,
        kind=REPAIR,
        occurred_on=TODAY - dt.timedelta(days=20),
        summary="信用修复：提前停止公示行政处罚信息",
        actor=None,
        closes=repaired,
    )
    warning = penalty(firm, end=None, public=False)  # a warning alone: never published
    listing = credit_record_append(
        enterprise=firm,
        kind="inspection_result",
        occurred_on=TODAY - dt.timedelta(days=100),
        summary="抽查：未发现问题",
        actor=None,
        is_public=True,
        publicity_end=TODAY - dt.timedelta(days=5),
    )

    assert publicity_expire(on=TODAY) == 0

    assert repaired.closed_by.kind == REPAIR  # the repair stays the record's only closing
    assert expiry_of(warning) is None
    assert not CreditRecord.objects.filter(closes=listing).exists()


def test_the_term_its_decision_gave_is_named():
    firm = EnterpriseFactory()
    record = penalty(firm, end=TODAY - dt.timedelta(days=1), details={"term": "3m"})

    publicity_expire(on=TODAY)

    assert expiry_of(record).details["term"] == "3m"


def test_each_fact_is_audited_and_the_state_fold_runs(django_assert_max_num_queries):
    firms = EnterpriseFactory.create_batch(3)
    for firm in firms:
        penalty(firm, end=TODAY - dt.timedelta(days=1))
    versions = {e.pk: e.version for e in Enterprise.objects.all()}

    with django_assert_max_num_queries(30):  # set-based: no query per record
        assert publicity_expire(on=TODAY) == 3

    events = AuditEvent.objects.filter(
        event_type="enterprises.credit_record_appended", extra__kind=PUBLICITY_EXPIRED
    )
    assert events.count() == 3
    assert {e.enterprise_id for e in events} == {f.pk for f in firms}
    # Closing a penalty changes no cached state: no enterprise row is rewritten.
    assert {e.pk: e.version for e in Enterprise.objects.all()} == versions


def test_chunks_each_commit_so_a_killed_run_resumes_by_running_again():
    firms = EnterpriseFactory.create_batch(5)
    for firm in firms:
        penalty(firm, end=TODAY - dt.timedelta(days=1))
    real = services.publicity.credit_facts_append_derived
    calls = {"n": 0}

    def killed_after_two_chunks(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the worker is killed in the third chunk
        return real(**kwargs)

    killed = mock.patch.object(
        services.publicity, "credit_facts_append_derived", killed_after_two_chunks
    )
    with killed, pytest.raises(KeyboardInterrupt):
        publicity_expire(on=TODAY, chunk=2)
    assert CreditRecord.objects.filter(kind=PUBLICITY_EXPIRED).count() == 4

    assert publicity_expire(on=TODAY, chunk=2) == 1
    assert CreditRecord.objects.filter(kind=PUBLICITY_EXPIRED).count() == 5


def test_a_day_after_today_is_refused():
    with pytest.raises(ValidationError) as caught:
        publicity_expire(on=TODAY + dt.timedelta(days=1))
    assert caught.value.code == "future"


# --- What the public sees --------------------------------------------------------------------


def test_the_record_leaves_the_public_profile_and_api_when_its_term_ends(client):
    firm = EnterpriseFactory()
    last_day = TODAY + dt.timedelta(days=2)
    record = penalty(firm, end=last_day, number="双市监处罚〔2025〕9号")
    page = reverse("public:profile", kwargs={"uscc": firm.uscc})
    api = reverse("enterprises-api:public-enterprise-detail", kwargs={"uscc": firm.uscc})

    with at(last_day):
        assert publicity_expire(on=last_day) == 0  # its last day: still public
        assert "双市监处罚〔2025〕9号" in client.get(page).content.decode()
        penalties = client.get(api).json()["penalties"]
        assert [p["document_number"] for p in penalties] == ["双市监处罚〔2025〕9号"]

    next_day = last_day + dt.timedelta(days=1)
    with at(next_day):
        assert publicity_expire(on=next_day) == 1
        assert "双市监处罚〔2025〕9号" not in client.get(page).content.decode()
        assert client.get(api).json()["penalties"] == []
        assert not public_credit_records(enterprise=firm, on=next_day).exists()
        # The record is closed, so no past day's window brings it back on the public side.
        assert not public_credit_records(enterprise=firm, on=last_day).filter(pk=record.pk)
        assert record.is_public_on(last_day, closed=True) is False


def test_the_enterprise_sees_its_penalty_no_longer_public(client):
    from enterprises.selectors.accounts import enterprise_records_split

    firm = EnterpriseFactory()
    record = penalty(firm, end=TODAY - dt.timedelta(days=1))
    publicity_expire(on=TODAY)

    public, _private = enterprise_records_split(enterprise=firm, today=TODAY)
    view = next(v for v in public if v.record.pk == record.pk)
    assert view.public_now is False
    assert view.closed_on == TODAY


# --- The daily job and manage.py run_daily -----------------------------------------------------


JOB = "remediation.publicity_expiry"


def run_daily(*args: str) -> str:
    out = io.StringIO()
    call_command("run_daily", *args, stdout=out)
    return out.getvalue()


def test_the_jobs_are_registered_in_remediations_band():
    jobs = {job.name: job for job in daily_jobs()}
    assert jobs["remediation.publicity_expiry"].func == "remediation.jobs.publicity_expiry_job"
    assert jobs["remediation.soft_actions_overdue"].func == (
        "remediation.jobs.soft_actions_overdue_job"
    )
    assert jobs["remediation.repair_due_reminders"].func == (
        "remediation.jobs.repair_due_reminders_job"
    )
    for job in jobs.values():
        if job.name.startswith("remediation."):
            assert job.order in ORDER_REMEDIATION_AND_ANNUAL_REPORTS


def test_run_daily_ends_the_terms_that_ran_out_before_its_date_and_a_second_run_changes_nothing():
    firm = EnterpriseFactory()
    day = TODAY - dt.timedelta(days=5)  # a past date: the runner catches up from there
    ended = penalty(firm, end=day - dt.timedelta(days=1))
    last_day = penalty(firm, end=day)  # still public on `day`
    later = penalty(firm, end=TODAY - dt.timedelta(days=1))

    out = run_daily("--date", day.isoformat(), "--only", JOB)

    assert "expired=1" in out
    assert expiry_of(ended).occurred_on == day
    assert expiry_of(last_day) is None and expiry_of(later) is None
    records, events = CreditRecord.objects.count(), AuditEvent.objects.count()
    runs = DailyRun.objects.filter(name=JOB, on=day)
    assert runs.get().counts == {"expired": 1}

    again = run_daily("--date", day.isoformat(), "--only", JOB)

    assert "expired=1" in again  # the done run's counts, shown again; nothing ran
    assert runs.count() == 1
    assert (CreditRecord.objects.count(), AuditEvent.objects.count()) == (records, events)

    forced = run_daily("--date", day.isoformat(), "--force", "--only", JOB)

    assert "expired=0" in forced  # ran again, found nothing
    assert runs.count() == 2
    assert CreditRecord.objects.count() == records

    # Today's run ends the terms that ran out since, each dated by the law, not by the run.
    run_daily("--only", JOB)
    assert expiry_of(last_day).occurred_on == day + dt.timedelta(days=1)
    assert expiry_of(later).occurred_on == TODAY


def test_run_daily_for_a_day_after_today_is_refused_and_writes_nothing():
    firm = EnterpriseFactory()
    penalty(firm, end=TODAY - dt.timedelta(days=1))
    with pytest.raises(CommandError):
        run_daily("--date", (TODAY + dt.timedelta(days=1)).isoformat())
    assert not CreditRecord.objects.filter(kind=PUBLICITY_EXPIRED).exists()


def test_moving_the_clock_ends_a_term_on_the_first_night_after_its_last_day():
    firm = EnterpriseFactory()
    last_day = TODAY + dt.timedelta(days=30)
    record = penalty(firm, end=last_day)
    with at(last_day):
        run_daily("--only", JOB)
        assert expiry_of(record) is None
    with at(last_day + dt.timedelta(days=3)):  # the server was down for two nights
        run_daily("--only", JOB)
    assert expiry_of(record).occurred_on == last_day + dt.timedelta(days=1)


def test_the_job_returns_its_counts():
    firm = EnterpriseFactory()
    penalty(firm, end=TODAY - dt.timedelta(days=1))
    assert publicity_expiry_job(on=TODAY, force=False) == {"expired": 1}
    assert publicity_expiry_job(on=TODAY, force=True) == {"expired": 0}
    assert repair_due_reminders_job(on=TODAY, force=False) == {
        "acceptance_due": 0,
        "decision_due": 0,
    }


def test_every_remediation_job_runs_in_one_pass():
    firm = EnterpriseFactory()
    penalty(firm, end=TODAY - dt.timedelta(days=1))

    out = run_daily()

    for name in (
        "remediation.publicity_expiry",
        "remediation.soft_actions_overdue",
        "remediation.repair_due_reminders",
    ):
        assert name in out
    assert "FAILED" not in out
    assert "expired=1" in out and "overdue=0" in out and "acceptance_due=0" in out


def test_a_chunk_refused_because_a_record_was_closed_meanwhile_is_tried_again():
    firm = EnterpriseFactory()
    penalty(firm, end=TODAY - dt.timedelta(days=1))
    real = services.publicity.credit_facts_append_derived
    calls = {"n": 0}

    def closed_meanwhile_once(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValidationError({"facts[0]": ["That record has already been closed."]})
        return real(**kwargs)

    with mock.patch.object(
        services.publicity, "credit_facts_append_derived", closed_meanwhile_once
    ):
        assert publicity_expire(on=TODAY) == 1
    assert calls["n"] == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_end_each_term_once(require_postgres):
    firms = EnterpriseFactory.create_batch(40)
    for firm in firms:
        penalty(firm, end=TODAY - dt.timedelta(days=1))
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.append(publicity_expire(on=TODAY, chunk=15))
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(outcomes) == 40
    assert CreditRecord.objects.filter(kind=PUBLICITY_EXPIRED).count() == 40
