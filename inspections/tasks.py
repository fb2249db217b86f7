"""Celery tasks of the inspections app: thin shells that load by id and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    queue="bulk",  # long jobs never hold up short ones (docs/architecture.md "Jobs")
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=25 * 60,
    time_limit=30 * 60,
    ignore_result=True,
)
def draw_job_run_task(job_id: int) -> str:
    """Run a draw job (`inspections.services.draws.draw_job_run`: a commitment or a
    derivation); returns its status after this call, or "missing".

    The message only wakes a worker; the job row is the truth (`credit_portal.jobs`).
    Idempotent: a finished job, or one under another worker's live lease, is left alone; a job
    whose worker was killed is taken over once its lease expires (the sweeper wakes it) and
    run again from the start (its action is one transaction, rolled back with the worker).
    """
    from inspections.services.draws import draw_job_run

    job = draw_job_run(job_id)
    return str(job.status) if job is not None else "missing"
