"""Cross-cutting tasks."""

from __future__ import annotations

import socket

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "celery:last_heartbeat"


@shared_task(acks_late=True, ignore_result=False)
def heartbeat_task() -> dict[str, str]:
    """Record that a worker ran a task (shown on the health page). Idempotent."""
    beat = {"worker": socket.gethostname(), "at": timezone.now().isoformat()}
    cache.set(HEARTBEAT_KEY, beat, timeout=3600)
    return beat


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60)
def jobs_sweep_task() -> dict[str, int]:
    """Every minute: wake the jobs whose wake-up was lost (pending) or whose worker died (running,
    lease expired), of every registered kind (`credit_portal.jobs.jobs_sweep`). Idempotent: a
    job woken twice is claimed once."""
    from credit_portal.jobs import jobs_sweep

    return jobs_sweep()


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60)
def run_daily_task() -> int:
    """Nightly at 01:30 (Asia/Shanghai): create today's runs of the daily jobs and wake the
    first; each run wakes the next when it finishes (`credit_portal.daily.daily_runs_start`).
    Returns how many runs are to do. Idempotent: a second call creates nothing (the runs
    exist), and a run already done for today is not run again."""
    from credit_portal.daily import daily_runs_start

    return len(daily_runs_start(on=timezone.localdate()))


@shared_task(
    queue="bulk",  # long jobs never hold up short ones (docs/architecture.md "Jobs")
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=55 * 60,
    time_limit=60 * 60,
    ignore_result=True,
)
def daily_run_task(run_id: int) -> str:
    """Run one daily job's run (`credit_portal.daily.daily_run_execute`), then wake the next run
    of its date. The message only wakes a worker; the run row is the truth: a finished run, or
    one under another worker's live lease, is left alone, and a run whose worker was killed is
    woken again by the sweeper once its lease expires."""
    from credit_portal.daily import daily_run_execute

    return str(daily_run_execute(run_id=run_id).result)
