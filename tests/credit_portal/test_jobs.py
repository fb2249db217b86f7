"""Leased jobs (`credit_portal.jobs`) through their first user, the register import: claims,
takeover from the committed position, redeliveries, the sweeper, the lease renewed per chunk."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from credit_portal import jobs
from credit_portal.jobs import (
    JobLeaseLost,
    job_claim,
    job_kind_register,
    job_lease_renew,
    jobs_sweep,
)
from credit_portal.models import AuditEvent
from enterprises.models import Enterprise, ImportJob
from enterprises.services.imports import applying, import_job_run
from tests.enterprises.test_import import csv_bytes, row

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the run catches it, nothing after it runs."""


@pytest.fixture(autouse=True)
def _chinese(department):
    with translation.override("zh-hans"):
        yield


def _job(user, data: bytes, **fields: Any) -> ImportJob:
    job = ImportJob(original_name="register.csv", created_by=user, **fields)
    job.file.save("register.csv", ContentFile(data), save=False)
    job.save()
    job.saved_file_name = job.file.name  # type: ignore[attr-defined]
    return job


def _kill_in_chunk(monkeypatch, n: int) -> None:
    """The worker dies in the middle of chunk `n` (counted from 1), after its writes and before
    its commit: that chunk rolls back, the chunks before it stay committed."""
    original = applying._apply_chunk
    calls = {"n": 0}

    def apply(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == n:
            raise WorkerKilled

    monkeypatch.setattr(applying, "_apply_chunk", apply)


def _lease_expires(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _import_events(job: ImportJob) -> list[int]:
    events = AuditEvent.objects.filter(
        event_type="enterprises.import_applied", target_id=str(job.pk)
    )
    return sorted(e.extra["chunk"] for e in events)


# --------------------------------------------------------------------------- takeover


def test_a_killed_run_is_taken_over_from_its_committed_chunk_with_exact_counts(
    user_with_perms, monkeypatch
):
    """10 rows in chunks of 2: a bad row in chunk 0, a code repeated in chunk 3 of a code of
    chunk 0 (found again after the takeover, which reads the skipped chunks), a kill in the
    middle of chunk 2 (the third)."""
    rows = [row(i) for i in range(10)]
    rows[1] = row(1, registered_on="2020-02-30")
    rows[7] = row(7, uscc=row(0)["uscc"])
    job = _job(user_with_perms(), csv_bytes(rows), chunk_size=2)
    _kill_in_chunk(monkeypatch, 3)  # chunk 0 has one valid row: _apply_chunk calls 1, 2, 3

    with pytest.raises(WorkerKilled):
        import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.position, job.processed_rows, job.attempts) == ("running", 2, 4, 1)
    assert (job.created_count, job.error_count) == (3, 1)
    assert Enterprise.objects.count() == 3  # the killed chunk rolled back
    assert job.lease_owner
    monkeypatch.undo()

    # Its lease is still live: a redelivered message does nothing.
    assert import_job_run(job_id=job.pk) == "busy"
    job.refresh_from_db()
    assert (job.attempts, job.position) == (1, 2)

    _lease_expires(job)
    assert import_job_run(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.attempts, job.position) == ("done", 2, 5)
    assert (job.total_rows, job.processed_rows) == (10, 10)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (8, 0, 0)
    assert (job.error_count, job.error_total) == (2, 2)
    assert [e["row"] for e in job.errors] == [3, 9]  # row numbers count the header as 1
    assert job.errors[1]["uscc"] == row(0)["uscc"]  # the repeat of a code of chunk 0
    assert Enterprise.objects.count() == 8
    assert _import_events(job) == [0, 1, 2, 3, 4]  # every chunk applied once
    assert not job.lease_owner and job.lease_expires_at is None
    assert not job.file and not job.file.storage.exists(job.saved_file_name)


def test_a_finished_job_is_not_run_again(user_with_perms):
    job = _job(user_with_perms(), csv_bytes([row(1), row(2)]))
    assert import_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    finished = (job.finished_at, job.attempts, job.created_count)

    assert import_job_run(job_id=job.pk) == "done"  # a redelivered message
    ImportJob.objects.filter(pk=job.pk).update(lease_expires_at=None)
    assert import_job_run(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.finished_at, job.attempts, job.created_count) == finished
    assert _import_events(job) == [0]


def test_a_run_that_lost_its_lease_stops_and_its_chunk_rolls_back(user_with_perms, monkeypatch):
    job = _job(user_with_perms(), csv_bytes([row(i) for i in range(6)]), chunk_size=2)
    original = applying._apply_chunk
    calls = {"n": 0}

    def apply_then_expire_and_take_over(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:  # this worker stalled past its lease; another one claimed the job
            _lease_expires(job)
            assert job_claim(model=ImportJob, job_id=job.pk) is not None

    monkeypatch.setattr(applying, "_apply_chunk", apply_then_expire_and_take_over)

    assert import_job_run(job_id=job.pk) == "superseded"
    job.refresh_from_db()
    # (The other worker's claim, made here on the test's one connection inside the chunk's
    # transaction, rolled back with the chunk; made by another worker, it stays.)
    assert (job.status, job.position) == ("running", 1)
    assert Enterprise.objects.count() == 2
    assert job.file.storage.exists(job.file.name)  # the run that took over still needs it


def test_the_lease_is_renewed_with_each_chunk(user_with_perms, monkeypatch, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "JOB_LEASE_SECONDS": 600}
    job = _job(user_with_perms(), csv_bytes([row(i) for i in range(4)]), chunk_size=2)
    seen: list[tuple[int, dt.datetime]] = []
    original = applying._apply_chunk

    def apply(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        current = ImportJob.objects.get(pk=job.pk)
        seen.append((current.position, current.lease_expires_at))

    monkeypatch.setattr(applying, "_apply_chunk", apply)
    before = timezone.now()
    import_job_run(job_id=job.pk)

    assert [position for position, _expiry in seen] == [0, 1]
    assert all(expiry > before + dt.timedelta(seconds=590) for _position, expiry in seen)
    assert seen[1][1] > seen[0][1]


def test_the_chunk_size_of_a_started_job_is_kept_on_a_takeover(user_with_perms, monkeypatch):
    job = _job(user_with_perms(), csv_bytes([row(i) for i in range(6)]))
    _kill_in_chunk(monkeypatch, 2)
    with pytest.raises(WorkerKilled):
        import_job_run(job_id=job.pk, chunk_size=2)
    monkeypatch.undo()
    _lease_expires(job)

    assert import_job_run(job_id=job.pk, chunk_size=5) == "done"  # 5 is ignored

    job.refresh_from_db()
    assert (job.chunk_size, job.position, job.created_count) == (2, 3, 6)
    assert _import_events(job) == [0, 1, 2]


def test_a_job_near_its_time_limit_continues_in_a_fresh_run(user_with_perms, monkeypatch):
    job = _job(user_with_perms(), csv_bytes([row(i) for i in range(6)]), chunk_size=2)
    original = applying._apply_chunk
    calls = {"n": 0}

    def apply(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            raise SoftTimeLimitExceeded

    monkeypatch.setattr(applying, "_apply_chunk", apply)

    # In process (no broker), the fresh run is the wake-up itself.
    assert import_job_run(job_id=job.pk) == "continued"

    job.refresh_from_db()
    assert (job.status, job.attempts, job.created_count, job.position) == ("done", 2, 6, 3)
    assert _import_events(job) == [0, 1, 2]


def test_a_job_interrupted_too_often_fails_and_its_file_is_deleted(user_with_perms):
    job = _job(
        user_with_perms(),
        csv_bytes([row(1)]),
        status=ImportJob.Status.RUNNING,
        attempts=jobs.MAX_ATTEMPTS,
        lease_owner="dead-worker",
        lease_expires_at=timezone.now() - dt.timedelta(minutes=1),
    )

    assert import_job_run(job_id=job.pk) == "failed"

    job.refresh_from_db()
    assert str(jobs.MAX_ATTEMPTS) in job.message
    assert Enterprise.objects.count() == 0
    assert not job.file and not job.file.storage.exists(job.saved_file_name)


def test_a_deleted_job_is_nothing_to_do():
    assert import_job_run(job_id=987654) == "missing"


# --------------------------------------------------------------------------- the core's rules


def test_the_lease_is_renewed_only_inside_the_step_transaction(user_with_perms):
    job = _job(user_with_perms(), csv_bytes([row(1)]))
    lease = job_claim(model=ImportJob, job_id=job.pk)
    assert lease is not None
    # pytest-django wraps the test in a transaction: leave it for this check.
    with (
        pytest.raises(RuntimeError, match="inside the transaction"),
        _outside_atomic(),
    ):
        job_lease_renew(lease, position=1)


class _outside_atomic:  # noqa: N801
    """Pretend no transaction is open (the test's own one wraps everything)."""

    def __enter__(self) -> None:
        self.connection = transaction.get_connection()
        self.saved = self.connection.in_atomic_block
        self.connection.in_atomic_block = False

    def __exit__(self, *exc: object) -> None:
        self.connection.in_atomic_block = self.saved


def test_a_lost_lease_rolls_the_step_back(user_with_perms):
    job = _job(user_with_perms(), csv_bytes([row(1)]))
    lease = job_claim(model=ImportJob, job_id=job.pk)
    assert lease is not None
    _lease_expires(job)
    assert job_claim(model=ImportJob, job_id=job.pk) is not None  # taken over

    def step() -> None:
        with transaction.atomic():
            ImportJob.objects.filter(pk=job.pk).update(total_rows=99)  # the step's writes
            job_lease_renew(lease, position=1)

    with pytest.raises(JobLeaseLost):
        step()

    job.refresh_from_db()
    assert (job.position, job.total_rows) == (0, 0)


def test_a_second_claim_under_a_live_lease_gets_nothing(user_with_perms):
    job = _job(user_with_perms(), csv_bytes([row(1)]))
    first = job_claim(model=ImportJob, job_id=job.pk)

    assert first is not None and not first.taken_over
    assert job_claim(model=ImportJob, job_id=job.pk) is None
    _lease_expires(job)
    second = job_claim(model=ImportJob, job_id=job.pk)
    assert second is not None and second.taken_over and second.owner != first.owner


def test_a_kind_registered_with_another_task_is_refused():
    job_kind_register(  # again, identically: harmless
        model=ImportJob,
        task="enterprises.tasks.import_job_run_task",
        cleanup="enterprises.services.imports.jobs.import_jobs_finished_cleanup",
    )
    with pytest.raises(ImproperlyConfigured):
        job_kind_register(model=ImportJob, task="elsewhere.tasks.other_task")


# --------------------------------------------------------------------------- the sweeper


def test_the_sweeper_wakes_lost_and_orphaned_jobs_and_nothing_else(user_with_perms, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "JOB_LEASE_SECONDS": 60}
    user = user_with_perms()
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    soon = timezone.now() + dt.timedelta(minutes=1)
    lost = _job(user, csv_bytes([row(1)]), woken_at=long_ago)  # its message was lost
    orphaned = _job(
        user,
        csv_bytes([row(2)]),
        status=ImportJob.Status.RUNNING,
        lease_owner="killed-worker",
        lease_expires_at=long_ago,
        woken_at=long_ago,
        attempts=1,
    )
    just_queued = _job(user, csv_bytes([row(3)]))  # woken a moment ago
    busy = _job(
        user,
        csv_bytes([row(4)]),
        status=ImportJob.Status.RUNNING,
        lease_owner="live-worker",
        lease_expires_at=soon,
        woken_at=long_ago,
    )
    done = _job(user, csv_bytes([row(5)]), status=ImportJob.Status.DONE, woken_at=long_ago)

    # Without a broker (tests, the embedded default) a woken job runs here, in process.
    assert jobs_sweep() == {
        "enterprises.ImportJob": 2,
        "credit_portal.DailyRun": 0,
        "risk.ClassificationRun": 0,
        "inspections.DrawJob": 0,
    }

    status = dict(ImportJob.objects.values_list("pk", "status"))
    assert status == {
        lost.pk: "done",
        orphaned.pk: "done",
        just_queued.pk: "pending",
        busy.pk: "running",
        done.pk: "done",
    }
    assert sorted(Enterprise.objects.values_list("uscc", flat=True)) == sorted(
        [row(1)["uscc"], row(2)["uscc"]]
    )
    assert jobs_sweep() == {
        "enterprises.ImportJob": 0,
        "credit_portal.DailyRun": 0,
        "risk.ClassificationRun": 0,
        "inspections.DrawJob": 0,
    }


def test_the_sweeper_deletes_the_file_a_finished_job_left_behind(user_with_perms):
    """A worker killed between the job's finish and the file's removal: the next sweep deletes
    the file (it holds unmasked identity numbers), once."""
    user = user_with_perms()
    left = _job(user, csv_bytes([row(1)]), status=ImportJob.Status.DONE)
    running = _job(
        user,
        csv_bytes([row(2)]),
        status=ImportJob.Status.RUNNING,
        lease_owner="live-worker",
        lease_expires_at=timezone.now() + dt.timedelta(minutes=1),
        woken_at=timezone.now(),
    )
    name = left.file.name
    assert left.file.storage.exists(name)

    jobs_sweep()

    left.refresh_from_db()
    running.refresh_from_db()
    assert not left.file and not left.file.storage.exists(name)
    assert running.file and running.file.storage.exists(running.file.name)
    jobs_sweep()  # nothing left to clean


def test_a_finished_job_keeps_no_file_name(user_with_perms):
    job = _job(user_with_perms(), csv_bytes([row(1)]))
    assert import_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert not job.file
