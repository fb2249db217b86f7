"""Run the day's date-driven jobs of every app, in their order.

    python manage.py run_daily [--date YYYY-MM-DD] [--force] [--only NAME]

The operator's twin of beat's nightly `credit_portal.tasks.run_daily_task`, and the way the
embedded install (no beat process) runs them, from cron: every registered daily job, in
process, one after the other (`credit_portal.daily.daily_run`). The date is a day in
Asia/Shanghai, today by default; a date after today is refused. A job already done for the date
is not run again unless `--force`. Each job handles everything due by the date, so a missed
night is caught up by the next run; running past dates is for repairs, not routine.

One line per job with its result, counts and duration. Exits with status 1 when a job failed
(the jobs after it still run).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.daily import (
    DailyDateRefused,
    DailyOutcome,
    Result,
    daily_counts_text,
    daily_job_get,
    daily_jobs,
    daily_run,
)


def _result_text(result: Result) -> str:
    return {
        Result.DONE: _("done"),
        Result.FAILED: _("FAILED"),
        Result.ALREADY_DONE: _("already done"),
        Result.BUSY: _("running elsewhere"),
        Result.WAITING: _("waiting"),
        Result.SUPERSEDED: _("taken over by another worker"),
        Result.CONTINUED: _("continues in a fresh task"),
        Result.MISSING: _("missing"),
    }[result]


class Command(BaseCommand):
    help = "Run the daily jobs of every app for a date (today by default), in order."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="The day to run for, YYYY-MM-DD in Asia/Shanghai (default: today).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run the jobs again even when they are done for that date.",
        )
        parser.add_argument("--only", metavar="NAME", help="Run this job only.")

    def handle(self, *args: Any, **options: Any) -> None:
        on = timezone.localdate()
        if options["date"]:
            try:
                on = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    _("Not a date: %(value)s (write YYYY-MM-DD).") % {"value": options["date"]}
                ) from exc
        try:
            outcomes = daily_run(on=on, force=options["force"], only=options["only"])
        except DailyDateRefused as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            names = ", ".join(job.name for job in daily_jobs())
            raise CommandError(
                _("No daily job is named %(name)s. The jobs: %(names)s.")
                % {"name": options["only"], "names": names}
            ) from exc
        if not outcomes:
            self.stdout.write(_("No daily job is registered."))
        for outcome in outcomes:
            self.stdout.write(self._line(outcome))
        failed = [o for o in outcomes if o.failed]
        if failed:
            raise CommandError(
                _("%(n)d of %(total)d daily jobs failed: %(names)s.")
                % {
                    "n": len(failed),
                    "total": len(outcomes),
                    "names": ", ".join(o.name for o in failed),
                }
            )

    def _line(self, outcome: DailyOutcome) -> str:
        job = daily_job_get(outcome.name)
        label = f"{job.label} ({outcome.name})" if job is not None else outcome.name
        counts = daily_counts_text(outcome.name, outcome.counts, keys=True) or "-"
        line = _("%(date)s %(job)s: %(result)s; %(counts)s; %(seconds).1f s") % {
            "date": outcome.on.isoformat() if outcome.on else "",
            "job": label,
            "result": _result_text(outcome.result),
            "counts": counts,
            "seconds": outcome.seconds,
        }
        if outcome.message:
            line += f" ({outcome.message})"
        return self.style.ERROR(line) if outcome.failed else line
