"""Celery tasks of the classification app: thin shells that load by id and call one service."""

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
def classification_run_task(run_id: int) -> str:
    """Run or resume a classification run (`risk.services.runs.run_execute`); returns its
    status after this call, or "missing".

    The message only wakes a worker; the run row is the truth (`credit_portal.jobs`).
    Idempotent: a finished run, or one under another worker's live lease, is left alone, so a
    redelivered or duplicated message does nothing; a run whose worker was killed is taken over
    once its lease expires (the sweeper wakes it) and resumes after its last committed step.
    Near the soft time limit the service hands the run back and wakes a fresh task
    (`job_continue_later`), which goes on from the same step.
    """
    from risk.services.runs import run_execute

    run = run_execute(run_id)
    return str(run.status) if run is not None else "missing"
