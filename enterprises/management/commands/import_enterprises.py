"""Import the register of market entities from a CSV or XLSX file.

    python manage.py import_enterprises FILE [--dry-run] [--user USERNAME] [--chunk-size N]
    python manage.py import_enterprises --job ID     # run (or resume) an upload's import job

Prints a summary and the row errors (row, column, message); exits with status 1 when the file
was refused or any row had an error. Valid rows are applied even then (row by row, see
`enterprises.services.imports`); `--dry-run` writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from credit_portal.models import User
from enterprises.models import ImportJob
from enterprises.services.imports import (
    CHUNK_SIZE,
    ImportOutcome,
    ImportRefused,
    enterprises_import,
    import_job_run,
)


class Command(BaseCommand):
    help = "Import market entities from a CSV (UTF-8 or GB18030) or XLSX file; upsert by USCC."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the .csv or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="validate and count only")
        parser.add_argument("--user", help="username the changes are attributed to")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
        parser.add_argument("--job", type=int, help="run an existing import job instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["job"]:
            self._run_job(options["job"], options["chunk_size"])
            return
        if not options["file"]:
            raise CommandError(_("Give a file to import, or --job ID."))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("No such user: %(u)s") % {"u": options["user"]})
        try:
            with path.open("rb") as handle:
                outcome = enterprises_import(
                    file=handle,
                    file_name=path.name,
                    actor=actor,
                    dry_run=options["dry_run"],
                    chunk_size=options["chunk_size"],
                )
        except ImportRefused as exc:
            raise CommandError(_("File refused: %(reason)s") % {"reason": exc.message}) from exc
        self._report(outcome)

    def _report(self, outcome: ImportOutcome) -> None:
        out = self.stdout
        if outcome.dry_run:
            out.write(_("Dry run: nothing was written; the counts say what would happen."))
        out.write(
            _(
                "%(file)s: %(rows)d rows; created %(created)d, updated %(updated)d, "
                "unchanged %(unchanged)d, rows with errors %(errors)d."
            )
            % {
                "file": outcome.file_name,
                "rows": outcome.total_rows,
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "errors": outcome.error_rows,
            }
        )
        if outcome.errors:
            out.write("\t".join([_("Row"), _("Column"), _("Message")]))
            for error in outcome.errors:
                out.write(f"{error['row']}\t{error['column']}\t{error['message']}")
            if outcome.errors_truncated:
                out.write(
                    _("Only the first %(n)s of %(total)s errors are shown.")
                    % {"n": len(outcome.errors), "total": outcome.error_total}
                )
            raise CommandError(
                _("%(n)d rows had errors and were not imported.") % {"n": outcome.error_rows}
            )

    def _run_job(self, job_id: int, chunk_size: int) -> None:
        if not ImportJob.objects.filter(pk=job_id).exists():
            raise CommandError(_("No such import job: %(id)s") % {"id": job_id})
        status = import_job_run(job_id=job_id, chunk_size=chunk_size)
        job = ImportJob.objects.get(pk=job_id)
        self.stdout.write(
            _(
                "Job %(id)d %(status)s: %(rows)d rows; created %(created)d, updated %(updated)d, "
                "unchanged %(unchanged)d, rows with errors %(errors)d. %(message)s"
            )
            % {
                "id": job.pk,
                "status": job.get_status_display(),
                "rows": job.total_rows,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "errors": job.error_count,
                "message": job.message,
            }
        )
        if status != ImportJob.Status.DONE or job.error_count:
            raise CommandError(_("The job did not complete without errors."))
