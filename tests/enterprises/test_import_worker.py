"""An upload queued to a real Celery worker on Redis, processed against PostgreSQL."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from enterprises.models import Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from enterprises.tasks import import_job_run_task
from tests.celery_helpers import celery_worker
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
