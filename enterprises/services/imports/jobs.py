"""Import jobs: an uploaded file stored as an `ImportJob` and imported in the background.

An import job is a leased job (`credit_portal.jobs`: the row is the truth, a message only wakes
a worker), run by `enterprises.tasks.import_job_run_task` on the "bulk" queue:
- the upload is stored and its job committed, then a worker is woken; if the broker cannot take
  the wake-up within seconds, the job and its file are deleted and the user is told to try
  again later (`JobQueueUnavailable`): nothing is kept that no worker would run;
- the job's steps are the file's chunks (`chunk_size` rows, fixed on the job); each chunk's
  writes commit with the job's position (chunks done), counts and errors, under the lease, so
  the progress bar shows exactly what is in the register;
- a job whose worker was killed is taken over when its lease expires (the sweeper wakes it): the
  file is read again, the committed chunks are skipped, and the counts go on from the row's, so
  they are those of one run;
- a finished job is never run again, and a message for a job under another worker's live lease
  does nothing; a run whose lease was taken over stops at its next chunk (which rolls back);
- the uploaded file is deleted when the job ends (it holds unmasked identity numbers, which the
  register keeps only masked); the job keeps its counts and its error list.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from credit_portal.jobs import (
    JobLeaseLost,
    Lease,
    job_claim,
    job_continue_later,
    job_enqueue,
    job_finish,
    job_lease_renew,
)
from credit_portal.models import User
from enterprises.models import ImportJob
from enterprises.services.imports.applying import (
    CHUNK_SIZE,
    ImportOutcome,
    _check_importer,
    enterprises_import,
)
from enterprises.services.imports.reading import ImportRefused, import_file_check

logger = logging.getLogger(__name__)


def import_job_create(
    *, upload: UploadedFile, dry_run: bool, actor: User, chunk_size: int | None = None
) -> ImportJob:
    """Store an uploaded file as an import job and wake a worker for it (after commit).

    Rules: the file passes `import_file_check` (size, type, encoding, headers), else a
    ValidationError with the reason. Chunks of `chunk_size` rows (default:
    ``CREDIT_PORTAL["IMPORT_CHUNK_SIZE"]``, else `CHUNK_SIZE`). If the background queue does
    not take the job within seconds, the job and its file are deleted and `JobQueueUnavailable`
    is raised (nothing is kept). Call it outside any transaction.
    Side effects: the file in default storage, the job row; the task `import_job_run_task` on
    the "bulk" queue after commit (in process without Redis).
    """
    name = upload.name or "import.csv"
    try:
        _check_importer(actor)
        import_file_check(file=upload, file_name=name)
    except ImportRefused as exc:
        raise ValidationError(exc.message) from exc
    with transaction.atomic():
        job = ImportJob(
            original_name=name[:255],
            dry_run=dry_run,
            chunk_size=chunk_size or settings.CREDIT_PORTAL.get("IMPORT_CHUNK_SIZE", CHUNK_SIZE),
            created_by=actor,
        )
        job.file.save(name, upload, save=False)
        try:
            job.save()
        except BaseException:
            _file_delete(job)
            raise
        job_enqueue(job=job, discard=lambda: _job_discard(job))
    return job


def _job_discard(job: ImportJob) -> None:
    """A job no worker will run: its file first (unmasked identity numbers), then its row."""
    _file_delete(job)
    ImportJob.objects.filter(pk=job.pk).delete()


def _file_delete(job: ImportJob) -> None:
    if job.file and job.file.storage.exists(job.file.name):
        job.file.storage.delete(job.file.name)


def import_jobs_finished_cleanup() -> int:
    """Delete the files that finished jobs still keep (their worker died between the job's
    finish and the file's removal); returns how many. Run by the sweeper on every sweep
    (`credit_portal.jobs`, `JobKind.cleanup`). Idempotent.
    Side effects: the files deleted from storage, the jobs' file fields emptied."""
    finished = ImportJob.objects.filter(
        status__in=(ImportJob.Status.DONE, ImportJob.Status.FAILED)
    ).exclude(file="")
    cleaned = 0
    for job in finished.only("pk", "file")[:200]:
        _file_delete(job)
        cleaned += ImportJob.objects.filter(pk=job.pk).update(file="")
    return cleaned


# The outcome's counters and the job's fields that keep them (written with each chunk, read back
# on a takeover).
_OUTCOME_ON_JOB = {
    "chunks_done": "position",
    "total_rows": "total_rows",
    "processed_rows": "processed_rows",
    "created": "created_count",
    "updated": "updated_count",
    "unchanged": "unchanged_count",
    "error_rows": "error_count",
    "error_total": "error_total",
}


def import_job_run(*, job_id: int, chunk_size: int | None = None) -> str:
    """Run (or resume) an import job; returns "done", "failed", or why nothing ran: "busy"
    (another worker holds its live lease), "missing", "superseded" (this run lost its lease),
    "continued" (near the time limit: a fresh task goes on).

    Rules: see the module docstring. A finished job is not run again (its status is returned).
    `chunk_size` applies to a job with no chunk committed yet; a job that has some keeps its
    own, so that it resumes on the same chunks. A refused file fails the job with the reason
    and writes nothing; an unexpected error fails it, the committed chunks staying.
    Side effects: those of `enterprises_import`, attributed to the job's creator; the job row;
    the uploaded file deleted at the end.
    """
    lease = job_claim(model=ImportJob, job_id=job_id)
    if lease is None:
        status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return str(status) if status in ("done", "failed") else "busy" if status else "missing"
    job = lease.job
    if lease.exhausted:
        return _job_end(
            lease,
            ImportJob.Status.FAILED,
            _(
                "The import was interrupted %(n)d times and has been stopped; the rows "
                "committed so far stay."
            )
            % {"n": job.attempts - 1},
        )
    size = job.chunk_size if job.position else (chunk_size or job.chunk_size)

    def progress(outcome: ImportOutcome, errors_changed: bool) -> None:
        values: dict[str, Any] = {
            field: getattr(outcome, name) for name, field in _OUTCOME_ON_JOB.items()
        }
        values["chunk_size"] = size
        if errors_changed:
            values["errors"] = outcome.errors
        job_lease_renew(lease, **values)  # JobLeaseLost: the chunk rolls back

    try:
        actor = User.objects.get(pk=job.created_by_id)
        with job.file.open("rb") as handle:
            outcome = enterprises_import(
                file=handle,
                file_name=job.original_name,
                actor=actor,
                dry_run=job.dry_run,
                chunk_size=size,
                job=job,
                on_progress=progress,
                resume=_committed_outcome(job),
            )
    except JobLeaseLost:
        logger.warning("enterprises.import.superseded", extra={"job_id": job.pk})
        return "superseded"
    except SoftTimeLimitExceeded:
        job_continue_later(lease)
        return "continued"
    except ImportRefused as exc:
        return _job_end(lease, ImportJob.Status.FAILED, exc.message)
    except Exception:
        logger.exception("enterprises.import.failed", extra={"job_id": job.pk})
        return _job_end(
            lease,
            ImportJob.Status.FAILED,
            _("The import stopped because of an internal error; the rows committed so far stay."),
        )
    message = ""
    if outcome.errors_truncated:
        message = _("Only the first %(n)s of %(total)s errors are stored.") % {
            "n": f"{len(outcome.errors):,}",
            "total": f"{outcome.error_total:,}",
        }
    return _job_end(lease, ImportJob.Status.DONE, message)


def _committed_outcome(job: ImportJob) -> ImportOutcome | None:
    """The counts of the chunks a previous run committed (None: no chunk yet, start afresh)."""
    if not job.position:
        return None
    return ImportOutcome(
        **{name: getattr(job, field) for name, field in _OUTCOME_ON_JOB.items()},
        errors=list(job.errors),
    )


def _job_end(lease: Lease[ImportJob], status: str, message: str) -> str:
    """Close the job and delete its file: it holds unmasked identity numbers, which the register
    keeps only masked (README: uploads are kept until their job ends). A run that lost its
    lease leaves both to the run that took over."""
    if not job_finish(lease, status=status, message=message):
        return "superseded"
    _file_delete(lease.job)
    # The field emptied after the file: a worker killed in between leaves the file to the
    # sweeper (`import_jobs_finished_cleanup`).
    ImportJob.objects.filter(pk=lease.job.pk).update(file="")
    return str(status)
