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
