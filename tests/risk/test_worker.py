"""Classification runs on a real Celery worker on Redis, against PostgreSQL: a run started with
`run_start` is run by the worker; a worker killed in the middle of a run leaves it to the
sweeper, which hands it to a new worker that finishes it with no step applied twice.

These tests fail (not skip) in CI without Redis or PostgreSQL (`require_redis`,
`require_postgres`).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
import uuid
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from credit_portal.jobs import jobs_sweep
from risk.models import Assessment, ClassificationRun, CurrentClass
from risk.services.runs import run_start
from risk.tasks import classification_run_task
from tests.celery_helpers import celery_worker, celery_worker_process
from tests.risk.factories import general_version

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis, pytest.mark.postgres]

# Test hook, active only in a worker a test starts with `--include tests.risk.test_worker` and
# TEST_RISK_STEP_SECONDS in its environment: each step of a run takes that much longer (inside
# the step's transaction, so that a kill rolls the step back), so that the test can kill the
# worker in the middle of a run. Never set in the test process itself.
_STEP_SECONDS = float(os.environ.get("TEST_RISK_STEP_SECONDS") or 0)
if _STEP_SECONDS:
    from risk import engine as _engine

    _run_step = _engine.run_step

    def _slow_run_step(*args: Any, **kwargs: Any) -> Any:
        result = _run_step(*args, **kwargs)
        time.sleep(_STEP_SECONDS)
        return result

    _engine.run_step = _slow_run_step


def _firms(n: int) -> None:
    """`n` companies; every third with two penalties (B), the others A."""
    from tests.risk.test_jobs import firms, penalties

    world = firms(n)
    penalties(world[::3], 2, on=timezone.localdate() - dt.timedelta(days=10))


def _wait_finished(run: ClassificationRun, seconds: float, sweep: bool = False) -> None:
    deadline = time.monotonic() + seconds
    while run.status not in ("done", "failed") and time.monotonic() < deadline:
        if sweep:
            jobs_sweep()  # beat's every minute, here every half second (duplicates do nothing)
        time.sleep(0.5 if sweep else 0.2)
        run.refresh_from_db()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_a_classification_run_started_with_run_start(
    require_postgres, require_redis, monkeypatch
):
    general_version()
    _firms(30)
    with celery_worker(require_redis) as queue:
        # The task goes to the "bulk" queue; send it to this test's private worker instead.
        monkeypatch.setattr(classification_run_task, "queue", queue)
        monkeypatch.setattr(classification_run_task, "_exec_options", None)
        run = run_start(reason="manual", chunk_size=10)
        assert run.status == "pending"
        _wait_finished(run, 60)

    assert run.status == "done", run.message
    assert (run.position, run.total_steps, run.attempts) == (3, 3, 1)
    assert (run.classified, run.assessments) == (30, 30)
    assert run.lease_owner == "" and run.woken_at is not None
    assert CurrentClass.objects.count() == 30
    assert set(CurrentClass.objects.values_list("risk_class", flat=True)) == {"A", "B"}


FIRMS, CHUNK = 120, 4  # 30 steps: a few seconds with the slowed steps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_run_is_replaced_and_the_run_finishes_with_no_doubled_row(
    require_postgres, require_redis, settings, monkeypatch
):
    """SIGKILL of the whole worker in the middle of a run: once its lease expires, the
    sweeper wakes another worker, which resumes after the last committed step; every
    enterprise has one assessment and the counts are those of one run."""
    lease = "3"  # seconds; every process of the test uses the same
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "JOB_LEASE_SECONDS": int(lease)}
    env = {"CP_JOB_LEASE_SECONDS": lease}
    general_version()
    _firms(FIRMS)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(classification_run_task, "queue", queue)
    monkeypatch.setattr(classification_run_task, "_exec_options", None)

    with celery_worker_process(
        require_redis,
        queue,
        name=f"{queue}-first",
        env={**env, "TEST_RISK_STEP_SECONDS": "0.1"},
        include="tests.risk.test_worker",
    ) as first:
        run = run_start(reason="manual", chunk_size=CHUNK)
        deadline = time.monotonic() + 60
        while run.position < 5 and run.status != "done" and time.monotonic() < deadline:
            time.sleep(0.02)
            run.refresh_from_db()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 1), "the run ended before the kill"
    assert 5 <= run.position < FIRMS // CHUNK
    assert Assessment.objects.count() == run.position * CHUNK  # the committed steps only

    with celery_worker_process(require_redis, queue, name=f"{queue}-second", env=env):
        started = time.monotonic()
        _wait_finished(run, 60, sweep=True)

    assert run.status == "done", run.message
    assert time.monotonic() - started < 30  # the lease, a sweep, and the rest of the run
    assert run.attempts == 2
    assert (run.position, run.total_steps) == (FIRMS // CHUNK, FIRMS // CHUNK)
    assert (run.classified, run.assessments, run.changed_class) == (FIRMS, FIRMS, FIRMS)
    assert run.transitions == {"->A": FIRMS - FIRMS // 3, "->B": FIRMS // 3}
    per_firm = Assessment.objects.values("enterprise").annotate(n=Count("id"))
    assert {row["n"] for row in per_firm} == {1} and len(per_firm) == FIRMS
    assert CurrentClass.objects.count() == FIRMS
