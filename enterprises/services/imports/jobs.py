"""Import jobs: an uploaded file stored as an `ImportJob` and imported in the background.

Jobs (`ImportJob`, run by `enterprises.tasks.import_job_run_task` on the "bulk" queue): a finished
job is never rerun; a job interrupted mid-way (worker killed) is run again from the start, and
the chunks that were committed come out "unchanged". `started_at` is the run's token: a run
whose token was replaced by a newer run stops at its next chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.models import User
from enterprises.models import ImportJob
from enterprises.services.imports.applying import (
    CHUNK_SIZE,
    ImportOutcome,
    _check_importer,
    enterprises_import,
)
from enterprises.services.imports.reading import ImportRefused, import_file_check
from enterprises.tasks import import_job_run_task

logger = logging.getLogger(__name__)


class _Superseded(Exception):  # noqa: N818
    """A newer run of the same job took over; this run stops (its chunk rolls back)."""


def import_job_create(*, upload: UploadedFile, dry_run: bool, actor: User) -> ImportJob:
    """Store an uploaded file as an import job and queue it (on commit).

    Rules: the file passes `import_file_check` (size, type, encoding, headers), else a
    ValidationError with the reason. Side effects: the file in default storage; the task
    `import_job_run_task` on the "bulk" queue after commit (in process without Redis).
    """
    name = upload.name or "import.csv"
    try:
        _check_importer(actor)
        import_file_check(file=upload, file_name=name)
    except ImportRefused as exc:
        raise ValidationError(exc.message) from exc
    with transaction.atomic():
        job = ImportJob(original_name=name[:255], dry_run=dry_run, created_by=actor)
        job.file.save(name, upload, save=False)
        job.save()
        transaction.on_commit(partial(import_job_run_task.delay, job.pk))
    return job


def import_job_run(*, job_id: int, chunk_size: int = CHUNK_SIZE) -> str:
    """Run an import job; returns its final status ("done", "failed") or "superseded".

    Rules: a finished job (done or failed) is not run again (idempotent task); a job left
    "running" by a killed worker runs again from the start (committed chunks are then
    unchanged). Progress, counts and the first `MAX_STORED_ERRORS` errors are committed with
    each chunk. A refused file fails the job with the reason and writes nothing.
    Side effects: those of `enterprises_import`, attributed to the job's creator.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            return str(job.status)
        token = timezone.now()
        job.status, job.started_at, job.finished_at = ImportJob.Status.RUNNING, token, None
        job.total_rows = job.processed_rows = job.error_count = 0
        job.created_count = job.updated_count = job.unchanged_count = 0
        job.errors, job.message = [], ""
        job.save()

    def progress(outcome: ImportOutcome, errors_changed: bool) -> None:
        values: dict[str, Any] = {
            "total_rows": outcome.total_rows,
            "processed_rows": outcome.processed_rows,
            "created_count": outcome.created,
            "updated_count": outcome.updated,
            "unchanged_count": outcome.unchanged,
            "error_count": outcome.error_rows,
        }
        if errors_changed:
            values["errors"] = outcome.errors
        if not ImportJob.objects.filter(pk=job.pk, started_at=token).update(**values):
            raise _Superseded

    try:
        with job.file.open("rb") as handle:
            outcome = enterprises_import(
                file=handle,
                file_name=job.original_name,
                actor=job.created_by,
                dry_run=job.dry_run,
                chunk_size=chunk_size,
                job=job,
                on_progress=progress,
            )
    except _Superseded:
        logger.warning("enterprises.import.superseded", extra={"job_id": job.pk})
        return "superseded"
    except ImportRefused as exc:
        return _job_finish(job, token, ImportJob.Status.FAILED, exc.message)
    except Exception:
        logger.exception("enterprises.import.failed", extra={"job_id": job.pk})
        return _job_finish(
            job,
            token,
            ImportJob.Status.FAILED,
            _("The import stopped because of an internal error; the rows committed so far stay."),
        )
    message = ""
    if outcome.errors_truncated:
        message = _("Only the first %(n)s of %(total)s errors are stored.") % {
            "n": f"{len(outcome.errors):,}",
            "total": f"{outcome.error_total:,}",
        }
    return _job_finish(job, token, ImportJob.Status.DONE, message)


def _job_finish(job: ImportJob, token: dt.datetime, status: str, message: str) -> str:
    """Close the job. The uploaded file is deleted: it holds unmasked identity numbers, which
    the register keeps only masked (README: uploads are kept until their job ends)."""
    finished = ImportJob.objects.filter(pk=job.pk, started_at=token).update(
        status=status, message=message, finished_at=timezone.now()
    )
    if finished and job.file and job.file.storage.exists(job.file.name):
        job.file.storage.delete(job.file.name)
    return status
