"""Runs (risk.services.runs) under the job machinery: steps, one applying run at a time, audit
events, progress, a run taken over after its worker died (resumed, nothing doubled), a run
claimed too often, an error, the new-facts handler."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation

from credit_portal.jobs import (
    MAX_ATTEMPTS,
    JobLeaseLost,
    JobQueueUnavailable,
    job_claim,
    job_lease_renew,
)
from credit_portal.models import AuditEvent
from risk import audit_events, engine
from risk.models import Assessment, ClassificationRun, CurrentClass
from risk.services.runs import (
    RunBusy,
    new_facts_reclassify,
    run_create,
    run_execute,
    run_now,
    run_start,
)
from tests.enterprises.factories import EnterpriseFactory, Kind
from tests.risk.factories import general_version, record

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def firms(n: int) -> list[Any]:
    return [EnterpriseFactory(registered_on=timezone.localdate() - 3000 * DAY) for _ in range(n)]


def test_steps_are_id_windows_slices_of_a_list_or_one_enterprise() -> None:
    general_version()
    empty = run_now(reason="manual")
    assert (empty.status, empty.total_steps, empty.classified) == ("done", 0, 0)
    made = firms(5)
    run = run_create(reason="manual", chunk_size=2)
    assert (run.id_from, run.id_to, run.total_steps) == (made[0].pk, made[-1].pk, 3)
    ClassificationRun.objects.filter(pk=run.pk).update(status="done")
    listed = run_create(
        reason="new_fact", enterprise_ids=[made[3].pk, made[0].pk, made[3].pk], chunk_size=1
    )
    assert (listed.enterprise_ids, listed.total_steps) == ([made[0].pk, made[3].pk], 2)
    ClassificationRun.objects.filter(pk=listed.pk).update(status="done")
    one = run_now(reason="manual", enterprise=made[2])
    assert (one.total_steps, one.classified, CurrentClass.objects.get().enterprise_id) == (
        1,
        1,
        made[2].pk,
    )


def test_two_applying_runs_cannot_run_at_once_but_a_replay_can() -> None:
    general_version()
    made = firms(2)
    pending = run_create(reason="nightly")
    with pytest.raises(RunBusy) as busy:
        run_create(reason="manual")
    assert busy.value.run == pending
    with pytest.raises(RunBusy):
        new_facts_reclassify([made[0].pk])
    assert ClassificationRun.objects.count() == 1
    replay = run_now(reason="replay")
    assert replay.status == "done"
    run_execute(pending.pk)
    assert new_facts_reclassify([made[0].pk]).classified == 1  # type: ignore[union-attr]


def test_a_run_is_refused_for_the_future_and_a_what_if_needs_a_version() -> None:
    with pytest.raises(ValueError, match="future"):
        run_create(reason="manual", as_of=timezone.localdate() + DAY)
    with pytest.raises(ValueError, match="version"):
        run_create(reason="what_if")
    with pytest.raises(ValueError, match="versions in force"):
        run_create(reason="manual", version=general_version())
    assert not ClassificationRun.objects.exists()


def test_started_and_finished_are_audited_with_who_started_the_run(user_with_perms: Any) -> None:
    general_version()
    firms(2)
    officer = user_with_perms()
    run = run_now(reason="manual", by=officer)
    job = run_now(reason="nightly")
    events = list(
        AuditEvent.objects.filter(target_type="risk.classificationrun")
        .order_by("id")
        .values_list("event_type", "actor_id", "target_id")
    )
    assert events == [
        (audit_events.RUN_STARTED, officer.pk, str(run.pk)),
        (audit_events.RUN_FINISHED, officer.pk, str(run.pk)),
        (audit_events.RUN_STARTED, None, str(job.pk)),
        (audit_events.RUN_FINISHED, None, str(job.pk)),
    ]
    finished = AuditEvent.objects.get(event_type=audit_events.RUN_FINISHED, target_id=str(run.pk))
    assert (finished.extra["status"], finished.extra["classified"], finished.extra["steps"]) == (
        "done",
        2,
        1,
    )


def test_progress_is_reported_after_each_committed_step() -> None:
    general_version()
    firms(3)
    seen: list[tuple[int, int, int]] = []
    run = run_now(
        reason="manual",
        chunk_size=1,
        progress=lambda r: seen.append((r.position, r.total_steps, r.classified)),
    )
    assert seen == [(1, 3, 1), (2, 3, 2), (3, 3, 3)]
    assert run.position == 3


def test_a_run_whose_worker_died_is_taken_over_and_resumed_without_doubled_rows() -> None:
    general_version()
    made = firms(4)
    record(made[3], Kind.PENALTY, timezone.localdate() - 5 * DAY)
    run = run_create(reason="nightly", chunk_size=1)
    lease = job_claim(model=ClassificationRun, job_id=run.pk)
    assert lease is not None
    # The first worker commits two steps, then dies (its lease expires).
    for step in (0, 1):
        with transaction.atomic():
            result = engine.run_step(lease.job, step=step)
            job_lease_renew(lease, position=step + 1, classified=step + 1, assessments=step + 1)
            assert result.assessments == 1
    ClassificationRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - DAY)
    done = run_execute(run.pk)
    assert done is not None
    assert (done.status, done.position, done.attempts) == ("done", 4, 2)
    assert (done.classified, done.assessments) == (4, 4)
    assert Assessment.objects.count() == 4 and CurrentClass.objects.count() == 4
    # The dead worker, were it alive, could commit nothing more.
    with pytest.raises(JobLeaseLost):
        _step_under(lease, step=2)
    assert Assessment.objects.count() == 4
    # A redelivered message does nothing to a finished run.
    assert run_execute(run.pk).attempts == 2  # type: ignore[union-attr]


def _step_under(lease: Any, *, step: int) -> None:
    """One step as a worker does it: its writes and the lease's renewal in one transaction."""
    with transaction.atomic():
        engine.run_step(lease.job, step=step)
        job_lease_renew(lease, position=step + 1)


def test_a_run_claimed_too_often_is_failed() -> None:
    general_version()
    firms(1)
    run = run_create(reason="nightly")
    ClassificationRun.objects.filter(pk=run.pk).update(
        status="running",
        attempts=MAX_ATTEMPTS,
        lease_owner="dead",
        lease_expires_at=timezone.now() - DAY,
    )
    with translation.override("en"):
        done = run_execute(run.pk)
    assert done is not None and done.status == "failed"
    assert done.message == "The run was interrupted 5 times and has been stopped."
    assert not Assessment.objects.exists()


def test_an_error_fails_the_run_and_the_committed_steps_stay(monkeypatch: Any) -> None:
    general_version()
    firms(2)
    real = engine.run_step

    def failing(run: ClassificationRun, *, step: int) -> Any:
        if step == 1:
            raise RuntimeError("boom")
        return real(run, step=step)

    monkeypatch.setattr(engine, "run_step", failing)
    run = run_now(reason="manual", chunk_size=1)
    assert (run.status, run.position, run.classified) == ("failed", 1, 1)
    assert CurrentClass.objects.count() == 1
    # The next applying run is not blocked by a failed one.
    monkeypatch.setattr(engine, "run_step", real)
    assert run_now(reason="manual").classified == 2


def test_new_facts_reclassify_runs_one_new_fact_run_for_the_batch() -> None:
    general_version()
    made = firms(3)
    assert new_facts_reclassify([]) is None
    run = new_facts_reclassify([made[2].pk, made[0].pk])
    assert run is not None
    assert (run.reason, run.applies, run.classified, run.status) == ("new_fact", True, 2, "done")
    assert set(CurrentClass.objects.values_list("enterprise_id", flat=True)) == {
        made[0].pk,
        made[2].pk,
    }


def test_a_run_the_queue_cannot_take_is_deleted_and_its_start_followed_by_its_discard(
    user_with_perms: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    general_version()
    firms(1)
    officer = user_with_perms()

    def refuse(**kwargs: Any) -> None:
        raise JobQueueUnavailable

    monkeypatch.setattr("credit_portal.jobs.job_wake", refuse)
    with pytest.raises(JobQueueUnavailable), django_capture_on_commit_callbacks(execute=True):
        run = run_start(reason="manual", by=officer)
    assert not ClassificationRun.objects.exists()
    events = list(
        AuditEvent.objects.filter(target_type="risk.classificationrun")
        .order_by("id")
        .values_list("event_type", "actor_id", "target_id")
    )
    assert events == [
        (audit_events.RUN_STARTED, officer.pk, str(run.pk)),
        (audit_events.RUN_DISCARDED, officer.pk, str(run.pk)),
    ]
