"""An upload queued to a real Celery worker on Redis, processed against PostgreSQL; a worker
killed in the middle of the job."""

from __future__ import annotations

import signal
import time
import uuid

import pytest
from django.urls import reverse

from credit_portal.jobs import jobs_sweep
from credit_portal.models import AuditEvent
from enterprises.models import Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from enterprises.tasks import import_job_run_task
from tests.celery_helpers import celery_worker, celery_worker_process
from tests.enterprises.test_import import csv_bytes, row
from tests.enterprises.test_import_views import upload

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis, pytest.mark.postgres]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_an_uploaded_import_job(
    require_postgres, require_redis, client, user_with_perms, settings, tmp_path, monkeypatch
):
    # The worker is another process: the upload must be on a disk both can read.
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    monkeypatch.setenv("DJANGO_MEDIA_ROOT", str(tmp_path))
    client.force_login(user_with_perms(EnterprisePerm.IMPORT))
    upload_rows = [row(1), row(2), row(3), row(4, uscc="91510116MA0000000X")]

    with celery_worker(require_redis) as queue:
        # The task goes to the "bulk" queue; send it to this test's private worker instead.
        monkeypatch.setattr(import_job_run_task, "queue", queue)
        monkeypatch.setattr(import_job_run_task, "_exec_options", None)
        response = upload(client, csv_bytes(upload_rows))
        assert response.status_code == 302
        job = ImportJob.objects.get()
        deadline = time.monotonic() + 60
        while job.status not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.25)
            job.refresh_from_db()

    assert job.status == "done", job.message
    assert (job.total_rows, job.processed_rows) == (4, 4)
    assert (job.created_count, job.updated_count, job.error_count) == (3, 0, 1)
    assert job.errors[0]["row"] == 5
    assert Enterprise.objects.count() == 3
    progress = client.get(reverse("enterprises:import_progress", args=[job.pk])).json()
    assert (progress["finished"], progress["percent"]) == (True, 100)


ROWS, CHUNK = 2_400, 40  # 60 chunks: a few seconds with the slowed chunks below


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_import_loses_no_row_and_applies_none_twice(
    require_postgres, require_redis, client, user_with_perms, settings, tmp_path, monkeypatch
):
    """SIGKILL of the whole worker in the middle of a job: once its lease expires, the sweeper
    wakes another worker, which resumes after the last committed chunk; every row is created
    once and the counts are those of one run."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    lease = "3"  # seconds; every process of the test uses the same
    settings.CREDIT_PORTAL = {
        **settings.CREDIT_PORTAL,
        "IMPORT_CHUNK_SIZE": CHUNK,
        "JOB_LEASE_SECONDS": int(lease),
    }
    env = {"DJANGO_MEDIA_ROOT": str(tmp_path), "CP_JOB_LEASE_SECONDS": lease}
    client.force_login(user_with_perms(EnterprisePerm.IMPORT))
    queue = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(import_job_run_task, "queue", queue)
    monkeypatch.setattr(import_job_run_task, "_exec_options", None)

    with celery_worker_process(
        require_redis,
        queue,
        name=f"{queue}-first",
        env={**env, "TEST_IMPORT_CHUNK_SECONDS": "0.05"},
        include="tests.enterprises.slow_import_chunks",
    ) as first:
        response = upload(client, csv_bytes([row(i) for i in range(ROWS)]))
        assert response.status_code == 302
        job = ImportJob.objects.get()
        deadline = time.monotonic() + 60
        while job.position < 5 and job.status != "done" and time.monotonic() < deadline:
            time.sleep(0.02)
            job.refresh_from_db()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1), "the job ended before the kill"
    assert 5 <= job.position < ROWS // CHUNK

    with celery_worker_process(require_redis, queue, name=f"{queue}-second", env=env):
        started = time.monotonic()
        while job.status not in ("done", "failed") and time.monotonic() < started + 60:
            jobs_sweep()  # beat's every minute, here every half second (duplicates do nothing)
            time.sleep(0.5)
            job.refresh_from_db()

    assert job.status == "done", job.message
    assert time.monotonic() - started < 30  # the lease, a sweep, and the rest of the file
    assert job.attempts == 2
    assert (job.total_rows, job.processed_rows, job.position) == (ROWS, ROWS, ROWS // CHUNK)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (ROWS, 0, 0)
    assert job.error_count == 0
    assert Enterprise.objects.count() == ROWS
    chunks = AuditEvent.objects.filter(event_type="enterprises.import_applied").values_list(
        "extra__chunk", flat=True
    )
    assert sorted(chunks) == list(range(ROWS // CHUNK))  # each chunk applied exactly once
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # the upload deleted
