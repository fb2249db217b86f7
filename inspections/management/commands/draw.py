"""The operator's twin of the draw's pages (issue 17 §3; `inspections.services.draws`), run in
process:

    python manage.py draw commit --user planner --plans P01,P02 --title "2026 batch 1" \\
        --outside-source "welfare lottery 3D, draw of 12 March" [--as-of 2026-03-01] \\
        [--control] [--redraw-of DRAW-2026-0001 --reason "..."]
    python manage.py draw outside DRAW-2026-0001 --user planner --value "4 7 1"
    python manage.py draw derive DRAW-2026-0001 --user planner
    python manage.py draw reveal DRAW-2026-0001 --user planner
    python manage.py draw verify DRAW-2026-0001          # the verifier over the stored files
    python manage.py draw files DRAW-2026-0001 --to DIR  # the files, uncompressed
    python manage.py draw show DRAW-2026-0001

`commit` and `derive` create the job as the pages do and run it here (if a worker took it
first, the command waits for it). The output is for operators (not translated). Exits with an
error (CommandError) for an unknown draw, plan or user, and with every validation message of a
refusal.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credit_portal.jobs import JobQueueUnavailable
from credit_portal.models import User
from inspections.models import Draw, DrawJob, SamplingPlan
from inspections.services import draws


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {m}" for k, v in exc.message_dict.items() for m in v)
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = "Commit, record the outside value of, derive, reveal, verify or show a draw."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        commit = sub.add_parser("commit")
        commit.add_argument("--user", required=True)
        commit.add_argument("--plans", required=True, help="plan codes, comma-separated")
        commit.add_argument("--title", required=True)
        commit.add_argument("--outside-source", required=True)
        commit.add_argument("--as-of", type=dt.date.fromisoformat)
        commit.add_argument("--control", action="store_true")
        commit.add_argument("--redraw-of")
        commit.add_argument("--reason", default="")
        outside = sub.add_parser("outside")
        outside.add_argument("number")
        outside.add_argument("--user", required=True)
        outside.add_argument("--value", required=True)
        for name in ("derive", "reveal"):
            action = sub.add_parser(name)
            action.add_argument("number")
            action.add_argument("--user", required=True)
        for name in ("verify", "show"):
            sub.add_parser(name).add_argument("number")
        files = sub.add_parser("files")
        files.add_argument("number")
        files.add_argument("--to", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        except JobQueueUnavailable as exc:
            raise CommandError(exc.message) from exc

    # ------------------------------------------------------------------ helpers

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        return user

    def _draw(self, number: str) -> Draw:
        draw = Draw.objects.filter(number=number).first()
        if draw is None:
            raise CommandError(f"no draw {number!r}")
        return draw

    def _run(self, job: DrawJob) -> DrawJob:
        done = draws.draw_job_run(job.pk) or job
        while not done.is_finished:  # a worker took it first: wait for it
            time.sleep(1)
            done.refresh_from_db()
        if done.status == DrawJob.Status.FAILED:
            raise CommandError(f"the {done.action} failed: {done.message}")
        self.stdout.write(f"{done.action} done: {done.counts}")
        return done

    # ------------------------------------------------------------------ actions

    def do_commit(self, options: dict[str, Any]) -> None:
        codes = [c.strip() for c in options["plans"].split(",") if c.strip()]
        plans = list(SamplingPlan.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {p.code for p in plans})
        if missing:
            raise CommandError(f"no plan {', '.join(missing)}")
        redraw_of = self._draw(options["redraw_of"]) if options["redraw_of"] else None
        job = draws.draw_request_commit(
            actor=self._user(options["user"]),
            plans=plans,
            title=options["title"],
            as_of=options["as_of"] or timezone.localdate(),
            outside_source=options["outside_source"],
            is_control=options["control"],
            redraw_of=redraw_of,
            reason=options["reason"],
        )
        done = self._run(job)
        if done.draw is not None:
            self._show(done.draw)

    def do_outside(self, options: dict[str, Any]) -> None:
        draw = self._draw(options["number"])
        draw = draws.draw_record_outside(
            actor=self._user(options["user"]),
            draw=draw,
            value=options["value"],
            expected_version=draw.version,
        )
        self.stdout.write(f"{draw.number}: outside value recorded: {draw.outside_value!r}")

    def do_derive(self, options: dict[str, Any]) -> None:
        draw = self._draw(options["number"])
        self._run(draws.draw_request_derive(actor=self._user(options["user"]), draw=draw))
        draw.refresh_from_db()
        self._show(draw)

    def do_reveal(self, options: dict[str, Any]) -> None:
        draw = draws.draw_reveal(
            actor=self._user(options["user"]), draw=self._draw(options["number"])
        )
        self.stdout.write(f"{draw.number}: revealed at {draw.revealed_at:%Y-%m-%d %H:%M}")

    def do_verify(self, options: dict[str, Any]) -> None:
        report = draws.draw_verify(draw=self._draw(options["number"]))
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("the draw's files do not match")

    def do_files(self, options: dict[str, Any]) -> None:
        draw = self._draw(options["number"])
        target = Path(options["to"])
        target.mkdir(parents=True, exist_ok=True)
        for record in draw.files.all():
            (target / record.name).write_bytes(draws.draw_file_text(file=record))
            self.stdout.write(f"{target / record.name} ({record.size} bytes)")

    def do_show(self, options: dict[str, Any]) -> None:
        self._show(self._draw(options["number"]))

    def _show(self, draw: Draw) -> None:
        self.stdout.write(f"{draw.number} {draw.title!r}: {draw.status}")
        self.stdout.write(f"  commitment hash {draw.commitment_hash}")
        self.stdout.write(f"  previous hash   {draw.previous_hash or '-'}")
        if draw.selection_hash:
            self.stdout.write(f"  selection hash  {draw.selection_hash}")
        for row in draw.strata.select_related("plan"):
            self.stdout.write(
                f"  {row.plan.code} {row.stratum}: pool {row.pool_size}, excluded "
                f"{row.excluded}, ratio {row.ratio} %, target {row.target}, drawn {row.selected}"
            )
