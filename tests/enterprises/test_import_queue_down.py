"""An upload when the background queue is down (Redis refused or hung): refused cleanly with a
503 and the reason on the form; no job row and no file are kept (the file holds unmasked
identity numbers), and no job waits for ever."""

from __future__ import annotations

import time

import pytest
from django.utils import translation
from django.utils.html import escape

from credit_portal.jobs import JobQueueUnavailable
from enterprises.models import Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from tests.enterprises.test_import import csv_bytes, row
from tests.enterprises.test_import_views import upload
from tests.redis_outage import broker_at, redis_outage

# The wake-up is sent after the job's transaction commits: a real commit is needed.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def disk(settings, tmp_path):
    """Uploads on a real disk, so that a file left behind can be seen."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.mark.parametrize("outage", ["refused", "hung"])
def test_an_upload_the_queue_cannot_take_is_refused_and_nothing_is_kept(
    client, user_with_perms, disk, outage
):
    client.force_login(user_with_perms(EnterprisePerm.IMPORT, EnterprisePerm.VIEW))

    with redis_outage(outage) as url, broker_at(url):
        started = time.monotonic()
        response = upload(client, csv_bytes([row(1), row(2)]))
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    with translation.override("zh-hans"):
        assert escape(JobQueueUnavailable().message) in response.content.decode()
    assert not ImportJob.objects.exists()
    assert [p for p in disk.rglob("*") if p.is_file()] == []
    assert Enterprise.objects.count() == 0
    assert elapsed < 10  # two attempts of the broker's 2 s socket timeout, at most


def test_without_redis_an_upload_runs_in_process(client, user_with_perms, disk):
    client.force_login(user_with_perms(EnterprisePerm.IMPORT, EnterprisePerm.VIEW))

    response = upload(client, csv_bytes([row(1), row(2)]))

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.created_count) == ("done", 2)
    assert [p for p in disk.rglob("*") if p.is_file()] == []  # deleted when the job ended
