"""Classify the register, replay a past date, or try a draft model (issue 16 §4, §5).

    python manage.py reclassify                          # a manual run as of today: writes
    python manage.py reclassify --enterprise USCC        # ... of one enterprise, explained
    python manage.py reclassify --force                  # write every assessment again
    python manage.py reclassify --async                  # start it and wake a worker instead
    python manage.py reclassify --as-of 2025-06-30       # replay that day: writes nothing
    python manage.py reclassify --as-of 2025-06-30 --model general:2 [--enterprise USCC]
    python manage.py reclassify --what-if general:3      # a draft on the whole register

With no option, an applying `manual` run as of today, in process (`risk.services.runs.run_now`),
with a line per committed step and its from × to class counts at the end. It refuses while
another applying run is unfinished (two runs at once are impossible).

`--as-of DATE` replays the register as it stood on that day: the facts recorded by the end of
that day (Asia/Shanghai), under the versions then in force (or `--model CODE:NUMBER`, or a
version id, for every enterprise in that model's scope). A replay writes only its run row; it
prints how many enterprises it classified, how many stored assessments it reproduced exactly
and how many not, and the from × to table. `--model` without `--as-of` replays today.

`--enterprise USCC` restricts any run to that enterprise and prints its class, score, the hard
rule that applied, every indicator's contribution in words (`risk.explain.breakdown`) and, for
a replay, whether the stored assessment is reproduced.

`--what-if CODE:NUMBER` tries a version (a draft, typically) on the whole register as of today
(or `--as-of`), writing only its run row: the from × to counts it would cause.

`--chunk-size N` sets the enterprises per step; `--async` creates the run and wakes a worker
(`run_start`) instead of running it here. The output is for operators (not translated). Exits
with an error (CommandError) for a bad or future date, an unknown USCC or version, a draft that
could not be published, a busy run, or a run that failed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from credit_portal.jobs import JobQueueUnavailable
from credit_portal.models import User
from enterprises.models import Enterprise
from enterprises.services.register import EARLIEST_REGISTRATION
from risk import rules
from risk.models import Assessment, ClassificationRun, ModelVersion
from risk.services.runs import replay_instant

CLASS_ROWS = (*rules.CLASSES, "-")


def transitions_table(transitions: dict[str, int]) -> list[str]:
    """The from × to counts as lines: a row per class before ("-": none, a new entity), a
    column per class after ("-": no longer classified), and each row's total."""
    counts: dict[tuple[str, str], int] = {}
    for key, value in (transitions or {}).items():
        before, _sep, after = key.partition(">")
        counts[(before or "-", after or "-")] = int(value)
    width = max([6, *(len(f"{n:,}") + 1 for n in counts.values())])
    head = "from \\ to".ljust(10) + "".join(c.rjust(width) for c in CLASS_ROWS)
    lines = [head + "total".rjust(width + 2)]
    for before in CLASS_ROWS:
        row = [counts.get((before, after), 0) for after in CLASS_ROWS]
        if not any(row):
            continue
        cells = "".join(f"{n:,}".rjust(width) for n in row)
        lines.append(before.ljust(10) + cells + f"{sum(row):,}".rjust(width + 2))
    if len(lines) == 1:
        lines.append("(no enterprise)")
    return lines


class Command(BaseCommand):
    help = (
        "Classify every enterprise now (a manual run), replay a past date (--as-of), or try a "
        "draft model on the register (--what-if)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            metavar="DATE",
            help="replay the register as it stood on this day (YYYY-MM-DD); writes nothing",
        )
        parser.add_argument(
            "--model",
            metavar="CODE:NUMBER",
            help="replay under this published version (or a version id) instead",
        )
        parser.add_argument(
            "--what-if",
            metavar="CODE:NUMBER",
            help="try this version (a draft) on the whole register; writes nothing",
        )
        parser.add_argument("--enterprise", metavar="USCC", help="only this enterprise")
        parser.add_argument(
            "--force", action="store_true", help="write every assessment again (a manual run)"
        )
        parser.add_argument("--chunk-size", type=int, help="enterprises per step")
        parser.add_argument(
            "--async",
            action="store_true",
            dest="run_async",
            help="create the run and wake a worker instead of running it here",
        )
        parser.add_argument("--user", help="username the run is attributed to (default: none)")

    # ------------------------------------------------------------------ the options

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("en"):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        if options["model"] and options["what_if"]:
            raise CommandError("Give --model (a replay) or --what-if (a draft), not both.")
        replay = bool(options["as_of"] or options["model"])
        what_if = bool(options["what_if"])
        if options["force"] and (replay or what_if):
            raise CommandError(
                "--force applies to a run that writes (no --as-of, --model or --what-if): "
                "a replay and a what-if write nothing."
            )
        chunk_size = options["chunk_size"]
        if chunk_size is not None and chunk_size < 1:
            raise CommandError(f"--chunk-size must be a positive number, not {chunk_size}.")
        as_of = self._date(options["as_of"]) if options["as_of"] else timezone.localdate()
        enterprise = self._enterprise(options["enterprise"]) if options["enterprise"] else None
        by = self._user(options["user"]) if options["user"] else None
        params: dict[str, Any] = {
            "as_of": as_of,
            "enterprise": enterprise,
            "by": by,
            "chunk_size": chunk_size,
        }
        if what_if:
            version = self._version(options["what_if"], draft_ok=True)
            params.update(
                reason=ClassificationRun.Reason.WHAT_IF,
                version=version,
                knowledge_at=replay_instant(as_of),
            )
        elif replay:
            # The facts known by the end of that day (`run_create`'s default for a replay).
            params.update(
                reason=ClassificationRun.Reason.REPLAY,
                version=self._version(options["model"]) if options["model"] else None,
            )
        else:
            params.update(reason=ClassificationRun.Reason.MANUAL, force=options["force"])
        if options["run_async"]:
            self._start(params)
            return
        run = self._run(params)
        self._report(run)
        if enterprise is not None:
            self._explain(run, enterprise)
        if run.status != ClassificationRun.Status.DONE:
            raise CommandError(f"Run #{run.pk} {run.status}: {run.message}")

    def _date(self, value: str) -> dt.date:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(f"Not a date: {value!r} (write YYYY-MM-DD).") from exc
        today = timezone.localdate()
        if day < EARLIEST_REGISTRATION:
            raise CommandError(
                f"{day} is before {EARLIEST_REGISTRATION}: no market entity was registered then."
            )
        if day > today:
            raise CommandError(
                f"{day} is after today ({today}): a replay shows the register as it stood on a "
                "past day, and nothing is known of a future one."
            )
        return day

    def _enterprise(self, uscc: str) -> Enterprise:
        enterprise = Enterprise.objects.filter(uscc=uscc.strip().upper()).first()
        if enterprise is None:
            raise CommandError(f"No enterprise has the credit code {uscc!r}.")
        return enterprise

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No such user: {username!r}.")
        return user

    def _version(self, value: str, *, draft_ok: bool = False) -> ModelVersion:
        versions = ModelVersion.objects.select_related("model")
        code, sep, number = value.strip().rpartition(":")
        version = None
        if sep and number.isascii() and number.isdigit():
            version = versions.filter(model__code=code, number=int(number)).first()
        elif value.strip().isascii() and value.strip().isdigit():
            version = versions.filter(pk=int(value.strip())).first()
        if version is None:
            known = ", ".join(
                f"{v.model.code}:{v.number} (id {v.pk}, {v.status})"
                for v in versions.order_by("model__code", "number")
            )
            raise CommandError(
                f"No model version {value!r}: write CODE:NUMBER or a version id. "
                f"The versions: {known or 'none'}."
            )
        if version.status == ModelVersion.Status.DRAFT:
            if not draft_ok:
                raise CommandError(
                    f"{version.model.code}:{version.number} is a draft: a replay uses published "
                    "versions; try a draft with --what-if."
                )
            self._draft_check(version)
        return version

    def _draft_check(self, version: ModelVersion) -> None:
        """A draft is tried only when it could be published (the engine reads a definition
        that passed the same checks)."""
        from risk.services.models import version_problems

        problems = version_problems(version)
        if problems:
            lines = "\n".join(f"  - {problem}" for problem in problems)
            raise CommandError(
                f"{version.model.code}:{version.number} cannot be tried: it could not be "
                f"published as it stands.\n{lines}"
            )

    # ------------------------------------------------------------------ running

    def _start(self, params: dict[str, Any]) -> None:
        from risk.services.runs import RunBusy, run_start

        try:
            run = run_start(**params)
        except RunBusy as exc:
            raise CommandError(self._busy_text(exc)) from exc
        except JobQueueUnavailable as exc:
            raise CommandError(
                "The background queue is unavailable, so nothing was kept: try again in a few "
                "minutes, or run without --async."
            ) from exc
        run.refresh_from_db()
        self.stdout.write(
            f"Run #{run.pk} ({run.reason}, as of {run.as_of}) started: {run.total_steps} "
            f"step(s), a worker runs it ({run.status}). Follow it on the runs page or at "
            f"/api/v1/classification-runs/{run.pk}/."
        )

    def _run(self, params: dict[str, Any]) -> ClassificationRun:
        from risk.services.runs import RunBusy, run_create, run_execute

        try:
            run = run_create(**params)
        except RunBusy as exc:
            raise CommandError(self._busy_text(exc)) from exc
        known = timezone.localtime(run.knowledge_at)
        self.stdout.write(
            f"Run #{run.pk} ({run.reason}, as of {run.as_of}, facts known at "
            f"{known:%Y-%m-%d %H:%M:%S}"
            + (f", version {run.version}" if run.version else "")
            + (f", only {run.enterprise.uscc}" if run.enterprise else "")
            + f"): {run.total_steps} step(s) of up to {run.chunk_size:,} enterprises."
        )
        return run_execute(run.pk, progress=self._progress) or run

    def _progress(self, run: ClassificationRun) -> None:
        line = f"  step {run.position}/{run.total_steps}: classified {run.classified:,}"
        if run.applies:
            line += (
                f", classes changed {run.changed_class:,}, scores changed "
                f"{run.changed_score:,}, assessments {run.assessments:,}"
            )
        elif run.reason == ClassificationRun.Reason.REPLAY:
            line += f", reproduced {run.matched:,}, not reproduced {run.mismatched:,}"
        self.stdout.write(line)

    def _busy_text(self, exc: Exception) -> str:
        from risk.services.runs import unfinished_applying_run

        busy = getattr(exc, "run", None) or unfinished_applying_run()
        if busy is None:
            return f"Another classification run is unfinished ({exc}). Try again shortly."
        return (
            f"Run #{busy.pk} ({busy.reason}, as of {busy.as_of}) is {busy.status} at step "
            f"{busy.position} of {busy.total_steps}: two runs that write cannot run at once. "
            "Wait for it to finish (a run whose worker died is resumed by the sweeper within "
            "minutes) and try again."
        )

    # ------------------------------------------------------------------ output

    def _report(self, run: ClassificationRun) -> None:
        out = self.stdout
        seconds = ""
        if run.started_at and run.finished_at:
            seconds = f" in {(run.finished_at - run.started_at).total_seconds():.1f} s"
        out.write(
            f"Run #{run.pk} ({run.reason}, as of {run.as_of}): {run.status}{seconds}, "
            f"{run.position}/{run.total_steps} step(s)."
        )
        out.write(f"Classified: {run.classified:,}")
        if run.applies:
            out.write(f"Classes changed: {run.changed_class:,}")
            out.write(f"Scores changed: {run.changed_score:,}")
            out.write(f"Assessments written: {run.assessments:,}")
        if run.reason == ClassificationRun.Reason.REPLAY:
            out.write(f"Reproduced: {run.matched:,}")
            out.write(f"Not reproduced: {run.mismatched:,}")
        out.write("From × to:")
        for line in transitions_table(run.transitions):
            out.write(f"  {line}")

    def _explain(self, run: ClassificationRun, enterprise: Enterprise) -> None:
        """One enterprise in words: the class, the score and every contribution, from the same
        SQL as the run (`risk.engine.evaluate`) and its reading (`risk.explain.breakdown`)."""
        from risk.engine import evaluate
        from risk.explain import breakdown

        out = self.stdout
        out.write(f"{enterprise.name} ({enterprise.uscc}):")
        evaluation = evaluate(
            enterprise.pk, as_of=run.as_of, knowledge_at=run.knowledge_at, version=run.version
        )
        if evaluation is None:
            out.write(f"  not classified on {run.as_of} (type, status or registration date).")
            return
        rule = f" (hard rule: {evaluation.hard_rule})" if evaluation.hard_rule else ""
        out.write(
            f"  class {evaluation.risk_class}{rule}, score {evaluation.score}, "
            f"model {evaluation.version}"
        )
        for item in breakdown(evaluation.version.definition, evaluation.values, evaluation.inputs):
            # The sentence names its indicator (`risk.explain`); name it where it does not.
            text = item.text if item.text.startswith(item.name) else f"{item.name}: {item.text}"
            out.write(f"  - {text}; ×{item.weight:.1f} = {item.contribution:.1f}")
        if run.reason == ClassificationRun.Reason.REPLAY:
            stored = self._stored(enterprise, run.knowledge_at)
            if stored is None:
                out.write("  No stored assessment was in force then: nothing to reproduce.")
            elif run.matched:
                out.write("  The stored assessment is reproduced exactly.")
            else:
                out.write(
                    f"  The stored assessment is NOT reproduced: it says class "
                    f"{stored.risk_class}, score {stored.score}, version {stored.version} "
                    f"(assessment #{stored.pk})."
                )

    def _stored(self, enterprise: Enterprise, knowledge_at: dt.datetime) -> Assessment | None:
        return (
            Assessment.objects.select_related("version__model")
            .filter(enterprise=enterprise, run__knowledge_at__lte=knowledge_at)
            .order_by("-run__knowledge_at", "-id")
            .first()
        )
