"""Draw jobs on a real Celery worker on Redis, against PostgreSQL: a worker killed in the middle
of a commitment leaves nothing behind (the action is one transaction); once its lease expires,
the sweeper hands the job to a new worker, which commits the draw once; the derivation then
runs on the worker and the stored files verify.

These tests fail (not skip) in CI without Redis or PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
import uuid
from typing import Any

import pytest
from django.utils import timezone

from credit_portal.jobs import jobs_sweep
from inspections.models import Draw, DrawFile, DrawJob, DrawStratum, Inspection
from inspections.services import draws
from inspections.tasks import draw_job_run_task
from tests.celery_helpers import celery_worker_process
from tests.inspections import factories_draw as f

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis, pytest.mark.postgres]

# Test hook, active only in a worker started with `--include tests.inspections.test_draw_worker`
# and TEST_DRAW_COMMIT_SECONDS in its environment: a commitment sleeps that long at its end,
# inside its transaction, so that the test can kill the worker in the middle of it.
_COMMIT_SECONDS = float(os.environ.get("TEST_DRAW_COMMIT_SECONDS") or 0)
if _COMMIT_SECONDS:
    _commit = draws._commit

    def _slow_commit(*args: Any, **kwargs: Any) -> Any:
        result = _commit(*args, **kwargs)
        time.sleep(_COMMIT_SECONDS)
        return result

    draws._commit = _slow_commit


def _wait(job: DrawJob, seconds: float, *, sweep: bool = False) -> None:
    deadline = time.monotonic() + seconds
    while job.status not in ("done", "failed") and time.monotonic() < deadline:
        if sweep:
            jobs_sweep()
        time.sleep(0.5 if sweep else 0.2)
        job.refresh_from_db()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_commit_leaves_nothing_and_the_job_is_rerun_once(
    require_postgres, require_redis, settings, monkeypatch, tmp_path
):
    lease = "3"
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "JOB_LEASE_SECONDS": int(lease)}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    env = {"CP_JOB_LEASE_SECONDS": lease, "DJANGO_MEDIA_ROOT": str(tmp_path)}
    w = f.world(firms=10)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(draw_job_run_task, "queue", queue)
    monkeypatch.setattr(draw_job_run_task, "_exec_options", None)
    as_of = timezone.localdate() - dt.timedelta(days=1)
    for p in (w.p01, w.p02):
        p.year = as_of.year
        p.ends_on = dt.date(as_of.year, 12, 31)
        p.save()

    with celery_worker_process(
        require_redis,
        queue,
        name=f"{queue}-first",
        env={**env, "TEST_DRAW_COMMIT_SECONDS": "30"},
        include="tests.inspections.test_draw_worker",
    ) as first:
        job = draws.draw_request_commit(
            actor=w.planner,
            plans=[w.p01, w.p02],
            title="killed",
            as_of=as_of,
            outside_source="dice",
            server_seed=f.SEED,
        )
        deadline = time.monotonic() + 60
        while job.status != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
            job.refresh_from_db()
        time.sleep(2)  # well inside the commitment's sleep
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert not Draw.objects.exists() and not DrawStratum.objects.exists()

    with celery_worker_process(require_redis, queue, name=f"{queue}-second", env=env):
        _wait(job, 60, sweep=True)
        assert job.status == "done", job.message
        assert job.attempts == 2
        d = Draw.objects.get()
        assert job.draw == d and DrawFile.objects.filter(draw=d).count() == 5
        d = draws.draw_record_outside(
            actor=w.planner, draw=d, value="1 2 3", expected_version=d.version
        )
        derive = draws.draw_request_derive(actor=w.planner, draw=d)
        _wait(derive, 60, sweep=True)
    assert derive.status == "done", derive.message
    d.refresh_from_db()
    assert d.status == Draw.Status.DERIVED
    assert Inspection.objects.filter(draw=d).count() == derive.counts["visits"] > 0
    report = draws.draw_verify(draw=d)
    assert report.ok, report.lines
