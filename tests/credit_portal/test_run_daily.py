"""The daily jobs (`credit_portal.daily`, `manage.py run_daily`, `run_daily_task`): a date
after today refused, a run for a past date, a second run doing nothing, a forced run, a failing
job reported while the others run, the order, and a killed run taken over by the sweeper. The
clock is moved with time-machine; the jobs are the test's own, registered for each test."""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import translation

from credit_portal import daily
from credit_portal.daily import (
    DailyDateRefused,
    Result,
    daily_job_register,
    daily_run,
    daily_run_execute,
    daily_runs_start,
)
from credit_portal.jobs import jobs_sweep
from credit_portal.models import DailyRun, Department

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 7)
calls: list[tuple[str, dt.date, bool]] = []  # (job, on, force), in the order called
STATE: dict[str, Any] = {}
HERE = "tests.credit_portal.test_run_daily"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the run catches it, nothing after it runs."""


# The test's daily jobs (`job(*, on, force) -> counts`).


def job_departments(*, on: dt.date, force: bool) -> dict[str, int]:
    """Writes a row, once per date: proves that a second or forced run changes nothing."""
    calls.append(("departments", on, force))
    _department, created = Department.objects.get_or_create(
        code=f"daily-{on:%Y%m%d}", defaults={"name": f"日常 {on}"}
    )
    return {"created": int(created), "kept": int(not created)}


def job_count(*, on: dt.date, force: bool) -> dict[str, int]:
    calls.append(("count", on, force))
    return {"departments": Department.objects.filter(code__startswith="daily-").count()}


def job_fails(*, on: dt.date, force: bool) -> dict[str, int]:
    calls.append(("fails", on, force))
    raise RuntimeError("the deadline table is missing")


def job_killed_once(*, on: dt.date, force: bool) -> dict[str, int]:
    calls.append(("killed_once", on, force))
    if not STATE.get("killed"):
        STATE["killed"] = True
        raise WorkerKilled
    return {"resumed": 1}


def job_bad_counts(*, on: dt.date, force: bool) -> Any:
    return {"listed": "twelve"}


def job_slow(*, on: dt.date, force: bool) -> dict[str, int]:
    """Outlasts its lease while the keeper renews it; the sweeper leaves it alone."""
    run = DailyRun.objects.get(name="slow", on=on)
    time.sleep(STATE["sleep"])
    renewed = DailyRun.objects.get(pk=run.pk).lease_expires_at
    return {
        "renewed": int(renewed > run.lease_expires_at),
        "woken_by_sweeper": jobs_sweep().get("credit_portal.DailyRun", 0),
    }


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Only the test's jobs are registered (the apps' real jobs are not run here)."""
    monkeypatch.setattr(daily, "_JOBS", {})
    calls.clear()
    STATE.clear()

    def register(name: str, func: str, order: int) -> None:
        daily_job_register(name, func=f"{HERE}.{func}", order=order, label=name.title())

    return register


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def today(time_machine):
    """The clock: 2026-12-07 10:00 in Shanghai."""
    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI), tick=False)
    return time_machine


@pytest.fixture
def two_jobs(registry):
    registry("count", "job_count", 300)  # registered first, runs last
    registry("departments", "job_departments", 100)


def run_daily(*args: str) -> str:
    out = io.StringIO()
    call_command("run_daily", *args, stdout=out)
    return out.getvalue()


# --------------------------------------------------------------------------- dates


def test_a_date_after_today_is_refused(today, two_jobs):
    with pytest.raises(CommandError, match="Tests move the clock instead"):
        run_daily("--date", "2026-12-08")
    with pytest.raises(DailyDateRefused):
        daily_runs_start(on=dt.date(2026, 12, 8))
    assert not DailyRun.objects.exists() and calls == []


def test_today_is_the_day_in_shanghai(time_machine, two_jobs):
    # 17:00 UTC on 7 December is 01:00 on 8 December in Shanghai.
    time_machine.move_to(dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC), tick=False)
    run_daily("--date", "2026-12-08")
    run_daily()
    assert set(DailyRun.objects.values_list("on", flat=True)) == {dt.date(2026, 12, 8)}
    assert DailyRun.objects.count() == 2


def test_a_bad_date_and_an_unknown_job_are_refused(today, two_jobs):
    with pytest.raises(CommandError, match="Not a date"):
        run_daily("--date", "2026-02-30")
    with pytest.raises(CommandError, match="departments"):
        run_daily("--only", "nosuchjob")


# --------------------------------------------------------------------------- runs


def test_a_run_for_a_past_date_runs_every_job_in_order(today, two_jobs):
    out = run_daily("--date", "2026-07-01")

    on = dt.date(2026, 7, 1)
    assert calls == [("departments", on, False), ("count", on, False)]
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2026-07-01 Departments (departments): done; created=1, kept=0;")
    assert lines[0].endswith(" s")
    assert "count" in lines[1] and "departments=1" in lines[1]
    runs = {r.name: r for r in DailyRun.objects.all()}
    assert runs["departments"].status == "done" and runs["departments"].on == on
    assert runs["departments"].counts == {"created": 1, "kept": 0}
    assert (runs["departments"].run_number, runs["departments"].forced) == (1, False)
    assert runs["departments"].duration is not None
    assert not runs["departments"].lease_owner


def test_a_second_run_does_nothing(today, two_jobs):
    run_daily("--date", "2026-07-01")
    calls.clear()

    out = run_daily("--date", "2026-07-01")

    assert calls == []
    assert out.count("already done") == 2 and "created=1" in out  # the done run's counts
    assert DailyRun.objects.count() == 2


def test_force_runs_again_and_changes_nothing(today, two_jobs):
    run_daily("--date", "2026-07-01")
    calls.clear()

    out = run_daily("--date", "2026-07-01", "--force")

    on = dt.date(2026, 7, 1)
    assert calls == [("departments", on, True), ("count", on, True)]
    assert "created=0, kept=1" in out
    assert Department.objects.filter(code="daily-20260701").count() == 1
    forced = DailyRun.objects.get(name="departments", run_number=2)
    assert forced.forced and forced.status == "done"
    assert DailyRun.objects.filter(run_number=1, forced=False).count() == 2


def test_only_runs_one_job(today, two_jobs):
    run_daily("--only", "count")
    assert calls == [("count", TODAY, False)]
    assert list(DailyRun.objects.values_list("name", flat=True)) == ["count"]


def test_a_failing_job_is_reported_and_the_others_still_run(today, registry):
    registry("departments", "job_departments", 100)
    registry("fails", "job_fails", 200)
    registry("count", "job_count", 300)
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 of 3 daily jobs failed: fails"):
        call_command("run_daily", stdout=out)

    assert [c[0] for c in calls] == ["departments", "fails", "count"]
    lines = out.getvalue().splitlines()
    assert "FAILED" in lines[1] and "RuntimeError: the deadline table is missing" in lines[1]
    failed = DailyRun.objects.get(name="fails")
    assert failed.status == "failed" and "deadline table" in failed.message
    assert DailyRun.objects.filter(status="done").count() == 2

    # A normal rerun tries the failed job again (a new run) and leaves the done ones.
    calls.clear()
    with pytest.raises(CommandError):
        run_daily()
    assert [c[0] for c in calls] == ["fails"]
    assert list(
        DailyRun.objects.filter(name="fails").order_by("run_number").values_list("run_number")
    ) == [(1,), (2,)]


def test_a_job_returning_something_else_than_counts_fails(today, registry):
    registry("bad", "job_bad_counts", 100)
    [outcome] = daily_run(on=TODAY)
    assert outcome.result is Result.FAILED and "dict[str, int]" in outcome.message


def test_a_job_no_longer_registered_fails_its_run(today, two_jobs):
    run = DailyRun.objects.create(name="gone", on=TODAY)
    outcome = daily_run_execute(run_id=run.pk)
    assert outcome.result is Result.FAILED
    run.refresh_from_db()
    assert run.status == "failed" and "registered" in run.message
    assert daily_run_execute(run_id=987654).result is Result.MISSING


# --------------------------------------------------------------------------- order and waking


def test_a_run_woken_before_its_turn_waits(today, two_jobs):
    first = DailyRun.objects.create(name="departments", on=TODAY)
    second = DailyRun.objects.create(name="count", on=TODAY)

    outcome = daily_run_execute(run_id=second.pk)

    assert outcome.result is Result.WAITING and "departments" in outcome.message
    second.refresh_from_db()
    assert second.status == "pending" and second.attempts == 0 and calls == []

    # The run before it, once finished, wakes it (in process: no broker in the tests).
    assert daily_run_execute(run_id=first.pk).result is Result.DONE
    second.refresh_from_db()
    assert second.status == "done" and [c[0] for c in calls] == ["departments", "count"]
    assert daily_run_execute(run_id=second.pk).result is Result.ALREADY_DONE  # a redelivery


def test_beat_runs_the_day_once(today, two_jobs):
    from credit_portal.tasks import run_daily_task

    assert run_daily_task.apply().get() == 2
    assert [c[0] for c in calls] == ["departments", "count"]
    assert set(DailyRun.objects.values_list("status", "on")) == {("done", TODAY)}

    assert run_daily_task.apply().get() == 0  # beat fired twice: nothing more
    assert len(calls) == 2


def test_beat_schedules_the_run_nightly_at_half_past_one():
    from credit_portal.celery import app

    entry = app.conf.beat_schedule["run-daily"]
    assert entry["task"] == "credit_portal.tasks.run_daily_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {30})
    assert app.conf.timezone == "Asia/Shanghai"  # beat's crontab reads the hour there


# --------------------------------------------------------------------------- takeover


def test_a_killed_run_is_taken_over_by_the_sweeper(today, registry):
    registry("killed_once", "job_killed_once", 100)
    registry("count", "job_count", 300)

    with pytest.raises(WorkerKilled):  # beat's run: the worker dies inside the first job
        daily_runs_start(on=TODAY)

    killed = DailyRun.objects.get(name="killed_once")
    assert (killed.status, killed.attempts) == ("running", 1) and killed.lease_owner
    assert DailyRun.objects.get(name="count").status == "pending"
    # A redelivered message while the lease is live does nothing; nor does the sweeper.
    assert daily_run_execute(run_id=killed.pk).result is Result.BUSY
    assert jobs_sweep()["credit_portal.DailyRun"] == 0

    today.shift(dt.timedelta(minutes=4))  # the lease (3 minutes) has expired
    woken = jobs_sweep()["credit_portal.DailyRun"]

    assert woken == 2  # the killed run, and the next one (pending, not woken for a lease)
    killed.refresh_from_db()
    assert (killed.status, killed.attempts, killed.counts) == ("done", 2, {"resumed": 1})
    assert DailyRun.objects.get(name="count").status == "done"
    assert [c[0] for c in calls] == ["killed_once", "killed_once", "count"]  # count once


def test_a_run_interrupted_too_often_fails(today, registry):
    from credit_portal import jobs

    registry("count", "job_count", 100)
    run = DailyRun.objects.create(
        name="count",
        on=TODAY,
        status="running",
        attempts=jobs.MAX_ATTEMPTS,
        lease_owner="dead-worker",
        lease_expires_at=dt.datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI),
    )
    assert daily_run_execute(run_id=run.pk).result is Result.FAILED
    run.refresh_from_db()
    assert run.status == "failed" and str(jobs.MAX_ATTEMPTS) in run.message
    assert calls == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lease_of_a_long_job_is_renewed_while_it_runs(registry, settings):
    """The one step may outlast a lease: a thread renews it (committed, on its own
    connection), so the sweeper does not hand a living run to another worker."""
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "JOB_LEASE_SECONDS": 1}
    STATE["sleep"] = 2.0  # past the first lease (1 s); renewed every 0.5 s
    registry("slow", "job_slow", 100)
    [outcome] = daily_run(on=dt.date(2026, 7, 1))
    assert outcome.result is Result.DONE, outcome.message
    assert outcome.counts == {"renewed": 1, "woken_by_sweeper": 0}


# --------------------------------------------------------------------------- registry


def test_registration_rules(registry):
    registry("count", "job_count", 300)
    registry("count", "job_count", 300)  # again, identically: harmless
    with pytest.raises(ImproperlyConfigured):
        daily_job_register("count", func=f"{HERE}.job_fails", order=300, label="Count")
    with pytest.raises(ImproperlyConfigured):
        daily_job_register("Bad Name", func=f"{HERE}.job_count", order=1, label="x")
    daily.daily_job_unregister("count")
    assert daily.daily_jobs() == []


def test_no_job_registered(today):
    assert run_daily().strip() == "No daily job is registered."


# --------------------------------------------------------------------------- count labels


def test_a_jobs_count_labels_word_its_counts_in_the_command_and_the_admin(today, registry):
    from django.contrib import admin as django_admin
    from django.utils.translation import gettext_lazy

    from credit_portal.admin import DailyRunAdmin

    daily_job_register(
        "departments",
        func=f"{HERE}.job_departments",
        order=100,
        label="Departments",
        count_labels={"created": gettext_lazy("publicity terms ended")},
    )
    out = run_daily("--date", "2026-07-01")
    assert "done; publicity terms ended 1 (created=1), kept=0;" in out
    run = DailyRun.objects.get(name="departments")
    model_admin = DailyRunAdmin(DailyRun, django_admin.site)
    assert model_admin.counts_display(run) == "publicity terms ended 1, kept=0"
    # The same registration again is harmless; other labels are another definition.
    daily_job_register(
        "departments",
        func=f"{HERE}.job_departments",
        order=100,
        label="Departments",
        count_labels={"created": gettext_lazy("publicity terms ended")},
    )
    with pytest.raises(ImproperlyConfigured):
        daily_job_register(
            "departments",
            func=f"{HERE}.job_departments",
            order=100,
            label="Departments",
            count_labels={"created": "made"},
        )
