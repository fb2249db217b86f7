"""Celery tasks of the enterprises app: thin shells that load by id and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    queue="bulk",  # long jobs never hold up short ones (README, Architecture)
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=25 * 60,
    time_limit=30 * 60,
    ignore_result=True,
)
def import_job_run_task(job_id: int) -> str:
    """Run or resume an import job (see `enterprises.services.imports.import_job_run`).

    The message only wakes a worker; the job row is the truth (`credit_portal.jobs`). Idempotent:
    a finished job, or one under another worker's live lease, is left alone, so a redelivered or
    duplicated message does nothing; a job whose worker was killed is taken over once its lease
    expires (the sweeper wakes it) and resumes after its last committed chunk.
    """
    from enterprises.services.imports import import_job_run

    return import_job_run(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def enterprise_states_refresh_task() -> int:
    """Daily: end filed suspensions whose period is over. Idempotent (see the service)."""
    from enterprises.services.status import enterprise_states_refresh

    return enterprise_states_refresh()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=9 * 60,
    time_limit=10 * 60,
    ignore_result=True,
)
def ledger_changes_dispatch_task() -> dict[str, int]:
    """Every minute: hand appended credit facts to their subscribers. Idempotent: each batch is
    handled and deleted in one transaction, so a killed worker leaves it queued for the next
    run (see `enterprises.subscriptions`)."""
    from enterprises.subscriptions import ledger_changes_dispatch

    return ledger_changes_dispatch()
