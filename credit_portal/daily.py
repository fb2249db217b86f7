"""The daily jobs: one entry point that runs the day's date-driven jobs of every app, in order.

A daily job
- is a function ``job(*, on: date, force: bool) -> dict[str, int]`` of a domain app (a deadline
  run, the end of publicity terms and listings, buffer expiry, reminders, reclassification),
  declared from the app's `apps.py` ready() with ``daily_job_register(name, func="app.module.job",
  order=..., label=...)``. The core holds only its dotted path and imports no domain app.
- handles everything due **by** `on`, not only what falls due that day: catching up is the job's
  business. A day missed (the server was down, the run failed) is made good by the next run, and
  a run for today after a gap of a week does the week's work; nobody needs to run past dates.
- is idempotent and commits its own work, in its own transactions, through its app's services:
  a second run for the same date finds nothing left to do. It returns its counts (e.g.
  ``{"listed": 12, "already_listed": 3}``), stored with the run and printed.
- receives `force` when an operator forced the run; it may ignore it.

Order (`order`, then name)
- 100–199: remediation and annual reports (listings and removals, buffer expiry, the end of
  publicity terms, the annual-report deadline run);
- 200–299: inspections (plans, draws, publication deadlines);
- 300–399: classification, which reads the facts the jobs before it wrote.
A run waits while a run of an earlier job for the same date is unfinished (pending or running);
a failed job does not stop the jobs after it.

Runs (`DailyRun`, a leased job of one step: `credit_portal.jobs`)
- One row per run of a (job, date), numbered by `run_number`. A normal run of a (job, date) that
  has a done run does nothing ("already done"); one that has an unfinished run resumes that run
  (claims it unless another worker holds a live lease: "busy"); otherwise (never run, or only
  failed runs) a new run. A forced run is a new run even after a done one (`forced`): the job is
  called again and, being idempotent, changes nothing (an unfinished run is resumed, never
  doubled: at most one run of a (job, date) is unfinished, a constraint of the table).
- A run is claimed (`job_claim`), its job called, and the run finished (`job_finish`): done
  with its counts, or failed with the error. The one step may take longer than a lease, so while
  the job runs a thread renews the lease every third of a lease (`_LeaseKeeper`). A worker
  killed mid-job renews nothing more; once its lease has expired, the sweeper (`jobs_sweep`)
  wakes the run and the job runs again from the start (idempotent: what it committed is found
  done). A run claimed more than `MAX_ATTEMPTS` times fails.

Doors
- ``manage.py run_daily [--date YYYY-MM-DD] [--force] [--only NAME]``: every job in order, in
  process (`daily_run`), for operators and for the embedded install without beat (cron). The
  date is a day in Asia/Shanghai, today by default; a date after today is refused (the jobs
  would act on facts not yet due: tests move the clock instead).
- Beat, nightly at 01:30 Asia/Shanghai: `run_daily_task` creates the day's runs
  (`daily_runs_start`) and wakes the first; a run, once finished, wakes the next (each on the
  `bulk` queue, `daily_run_task`). No chain of messages is needed for safety: a lost wake-up
  costs a sweep (the sweeper wakes pending runs), and a run woken before its turn does nothing
  and is woken again when the run before it finishes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connections, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from credit_portal.jobs import (
    JobLeaseLost,
    JobQueueUnavailable,
    Lease,
    LeasedJob,
    job_claim,
    job_continue_later,
    job_finish,
    job_lease_renew,
    job_wake,
)
from credit_portal.models import DailyRun

logger = logging.getLogger(__name__)

# The bands of `order` (module docstring).
ORDER_REMEDIATION_AND_ANNUAL_REPORTS = range(100, 200)
ORDER_INSPECTIONS = range(200, 300)
ORDER_CLASSIFICATION = range(300, 400)

MESSAGE_MAX = 2_000  # characters of an error kept on the run
_UNFINISHED = (LeasedJob.Status.PENDING, LeasedJob.Status.RUNNING)
_NAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


class DailyDateRefused(ValueError):  # noqa: N818 (a refusal, like JobQueueUnavailable)
    """A run was asked for a date after today."""


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class DailyJob:
    name: str
    func: str  # dotted path of ``job(*, on: date, force: bool) -> dict[str, int]``
    order: int
    label: Promise | str
    # The words for the keys of the counts the job returns (`daily_counts_text`); a key without
    # one is shown as it is.
    count_labels: dict[str, Promise | str] = field(default_factory=dict)


_JOBS: dict[str, DailyJob] = {}


def _msgid(label: Promise | str) -> str:
    with translation.override(None):
        return str(label)


def _identity(job: DailyJob) -> tuple[Any, ...]:
    labels = sorted((key, _msgid(value)) for key, value in job.count_labels.items())
    return (job.func, job.order, _msgid(job.label), labels)


def daily_job_register(
    name: str,
    *,
    func: str,
    order: int,
    label: Promise | str,
    count_labels: dict[str, Promise | str] | None = None,
) -> None:
    """Declare a daily job (from the app's `ready()`). `count_labels` names the keys of the
    counts it returns, for the command's lines and the admin (`daily_counts_text`).

    Rules: `name` is lower case letters, digits, ``_ . -``, at most 64 characters, starting with
    a letter; `order` places it in its app's band (module docstring). Registering the same job
    twice identically is harmless; another definition under the same name is an error.
    Side effects: the registry only.
    """
    if not _NAME_RE.match(name):
        raise ImproperlyConfigured(f"daily job name {name!r} is not a lower-case slug")
    if order < 0:
        raise ImproperlyConfigured(f"daily job {name!r}: order must not be negative")
    job = DailyJob(
        name=name, func=func, order=order, label=label, count_labels=dict(count_labels or {})
    )
    known = _JOBS.setdefault(name, job)
    if _identity(known) != _identity(job):
        raise ImproperlyConfigured(f"daily job {name!r} is already registered as {known.func}")


def daily_job_unregister(name: str) -> None:
    """Forget a daily job (tests register their own and remove them)."""
    _JOBS.pop(name, None)


def daily_jobs() -> list[DailyJob]:
    """The registered jobs, in the order they run."""
    return sorted(_JOBS.values(), key=lambda job: (job.order, job.name))


def daily_job_get(name: str) -> DailyJob | None:
    return _JOBS.get(name)


def daily_counts_text(name: str, counts: dict[str, int], *, keys: bool = False) -> str:
    """A run's counts in words, in the active language, sorted by key: each labelled key as
    "label number" (the job's `count_labels`), followed by `` (key=number)`` when `keys` (the
    command's lines, which logs are searched by), any other as ``key=number``; "" for none."""
    job = _JOBS.get(name)
    labels = job.count_labels if job is not None else {}
    parts = []
    for key, value in sorted((counts or {}).items()):
        label = labels.get(key)
        if label is None:
            parts.append(f"{key}={value}")
        else:
            text = pgettext("daily job count", "%(label)s %(n)d") % {"label": label, "n": value}
            parts.append(f"{text} ({key}={value})" if keys else text)
    return ", ".join(parts)


# --------------------------------------------------------------------------- outcomes


class Result(StrEnum):
    DONE = "done"  # the job ran and its run is done
    FAILED = "failed"  # the job raised (or was interrupted too often)
    ALREADY_DONE = "already_done"  # a run of this job for this date is done: nothing ran
    BUSY = "busy"  # another worker runs it now (live lease)
    WAITING = "waiting"  # a run of an earlier job for the same date is unfinished
    SUPERSEDED = "superseded"  # this run lost its lease; the run that took it over finishes
    CONTINUED = "continued"  # near the task's time limit: a fresh task runs it again
    MISSING = "missing"  # no such run


@dataclass(frozen=True)
class DailyOutcome:
    """What one job's run came to, for the command's line and the task's result."""

    name: str
    on: dt.date | None
    result: Result
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0  # of this call
    message: str = ""
    run_id: int | None = None

    @property
    def failed(self) -> bool:
        return self.result is Result.FAILED


# --------------------------------------------------------------------------- doors


def _date_check(on: dt.date) -> None:
    today = timezone.localdate()
    if on > today:
        raise DailyDateRefused(
            _(
                "%(date)s is after today (%(today)s): the daily jobs never run for a future "
                "date, since they would act on what is not yet due. Tests move the clock "
                "instead."
            )
            % {"date": on.isoformat(), "today": today.isoformat()}
        )


def daily_run(*, on: dt.date, force: bool = False, only: str | None = None) -> list[DailyOutcome]:
    """Run every registered job (or only the job `only`) for the date `on`, here, one after the
    other in their order; one outcome per job. The operator's door (`manage.py run_daily`).

    Rules (module docstring): `on` not after today (`DailyDateRefused`); a job done for that
    date is not run again unless `force`; a failed job does not stop the others; the same
    claim and finish as a worker's run, so that a run here and one on a worker never overlap.
    Raises `ValueError` for an unknown `only`.
    Side effects: the runs' rows; the jobs' own work.
    """
    _date_check(on)
    jobs = daily_jobs()
    if only is not None:
        jobs = [job for job in jobs if job.name == only]
        if not jobs:
            raise ValueError(only)
    outcomes = []
    for job in jobs:
        run, done = _run_for(job, on, force=force)
        if run is None and done is not None:
            outcomes.append(
                DailyOutcome(
                    name=job.name,
                    on=on,
                    result=Result.ALREADY_DONE,
                    counts=done.counts,
                    run_id=done.pk,
                )
            )
            continue
        if run is not None:
            outcomes.append(daily_run_execute(run_id=run.pk, wake_next=False))
    return outcomes


def daily_runs_start(*, on: dt.date) -> list[DailyRun]:
    """Create the runs of the date `on` that are not done yet, and wake the first (beat's door,
    `run_daily_task`); returns the runs to do.

    Rules: idempotent (a second call creates nothing: the runs exist, unfinished or done). When
    the broker cannot take the wake-up, the runs wait as rows: the sweeper wakes them.
    Side effects: the rows; one wake-up (in eager mode, the runs themselves, here).
    """
    _date_check(on)
    runs = []
    for job in daily_jobs():
        run, _done = _run_for(job, on, force=False)
        if run is not None:
            runs.append(run)
    if runs:
        _wake_next(on)
    return runs


def daily_run_execute(*, run_id: int, wake_next: bool = True) -> DailyOutcome:
    """Run one job's run: wait for the runs before it, claim, call the job, finish; then, when
    `wake_next`, wake the next run of the date (the worker's door, `daily_run_task`).

    Rules (module docstring): a finished run is not run again (a redelivered message); a run
    under another worker's live lease is left alone ("busy"); a run whose earlier jobs for the
    same date are unfinished does nothing ("waiting"). An error of the job fails the run with
    the error as its message and is logged; the next run is woken all the same.
    Side effects: the run's row; the job's own work; a wake-up.
    """
    run = DailyRun.objects.filter(pk=run_id).first()
    if run is None:
        return DailyOutcome(name="", on=None, result=Result.MISSING, run_id=run_id)
    if run.is_finished:
        return _finished_outcome(run)
    job = daily_job_get(run.name)
    if job is not None:
        blocking = _unfinished_before(job, run.on)
        if blocking:
            return DailyOutcome(
                name=run.name,
                on=run.on,
                result=Result.WAITING,
                message=_("Waits for: %(jobs)s") % {"jobs": ", ".join(blocking)},
                run_id=run.pk,
            )
    lease = job_claim(model=DailyRun, job_id=run_id)
    if lease is None:
        run.refresh_from_db()
        if run.is_finished:
            return _finished_outcome(run)
        return DailyOutcome(name=run.name, on=run.on, result=Result.BUSY, run_id=run.pk)
    outcome = _run_leased(lease, job)
    if wake_next and outcome.result in (Result.DONE, Result.FAILED):
        _wake_next(run.on)
    return outcome


# --------------------------------------------------------------------------- internals


def _run_for(job: DailyJob, on: dt.date, *, force: bool) -> tuple[DailyRun | None, DailyRun | None]:
    """The run to execute for (job, date), or None and the done run when it is done (module
    docstring). Two processes creating the same run at once: the unique constraints refuse
    the second, which reads again and finds the first's."""
    for _attempt in range(3):
        runs = list(DailyRun.objects.filter(name=job.name, on=on).order_by("run_number"))
        unfinished = next((r for r in runs if not r.is_finished), None)
        if unfinished is not None:
            return unfinished, None
        done = next((r for r in reversed(runs) if r.status == LeasedJob.Status.DONE), None)
        if done is not None and not force:
            return None, done
        try:
            with transaction.atomic():
                run = DailyRun.objects.create(
                    name=job.name,
                    on=on,
                    forced=force,
                    run_number=runs[-1].run_number + 1 if runs else 1,
                )
        except IntegrityError:
            continue
        return run, None
    raise RuntimeError(f"daily run {job.name} {on}: could not create its run")


def _unfinished_before(job: DailyJob, on: dt.date) -> list[str]:
    """The names of the earlier jobs whose run for `on` is unfinished."""
    earlier = [j.name for j in daily_jobs() if (j.order, j.name) < (job.order, job.name)]
    if not earlier:
        return []
    return sorted(
        DailyRun.objects.filter(on=on, name__in=earlier, status__in=_UNFINISHED)
        .values_list("name", flat=True)
        .distinct()
    )


def _wake_next(on: dt.date) -> None:
    """Wake the first pending run of the date, in job order (the sweeper wakes it if the broker
    is down)."""
    order = {job.name: index for index, job in enumerate(daily_jobs())}
    pending = DailyRun.objects.filter(
        on=on, name__in=list(order), status=LeasedJob.Status.PENDING
    ).values_list("pk", "name")
    first = min(pending, key=lambda row: order[row[1]], default=None)
    if first is None:
        return
    try:
        job_wake(model=DailyRun, job_id=first[0])
    except JobQueueUnavailable:
        logger.warning("daily.wake.queue_unavailable", extra={"run_id": first[0]})


def _finished_outcome(run: DailyRun) -> DailyOutcome:
    result = Result.ALREADY_DONE if run.status == LeasedJob.Status.DONE else Result.FAILED
    return DailyOutcome(
        name=run.name,
        on=run.on,
        result=result,
        counts=run.counts,
        message=run.message,
        run_id=run.pk,
    )


def _counts(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise TypeError(f"a daily job returns dict[str, int], not {value!r}"[:200])
    return dict(value)


def _run_leased(lease: Lease[DailyRun], job: DailyJob | None) -> DailyOutcome:
    run = lease.job
    started = time.monotonic()

    def outcome(
        result: Result, counts: dict[str, int] | None = None, message: str = ""
    ) -> DailyOutcome:
        return DailyOutcome(
            name=run.name,
            on=run.on,
            result=result,
            counts=counts or {},
            seconds=time.monotonic() - started,
            message=message,
            run_id=run.pk,
        )

    def fail(message: str) -> DailyOutcome:
        if not job_finish(lease, status=LeasedJob.Status.FAILED, message=message):
            return outcome(Result.SUPERSEDED)
        return outcome(Result.FAILED, message=message)

    if lease.exhausted:
        return fail(
            _("The run was interrupted %(n)d times and has been stopped.") % {"n": run.attempts - 1}
        )
    if job is None:
        return fail(_("No daily job of this name is registered any more."))
    try:
        with _LeaseKeeper(lease):
            counts = _counts(import_string(job.func)(on=run.on, force=run.forced))
    except SoftTimeLimitExceeded:
        job_continue_later(lease)
        return outcome(Result.CONTINUED)
    except Exception as exc:
        logger.exception("daily.job_failed", extra={"job": run.name, "on": str(run.on)})
        return fail(f"{type(exc).__name__}: {exc}"[:MESSAGE_MAX])
    if not job_finish(lease, status=LeasedJob.Status.DONE, counts=counts):
        logger.warning("daily.superseded", extra={"job": run.name, "on": str(run.on)})
        return outcome(Result.SUPERSEDED, counts)
    return outcome(Result.DONE, counts)


class _LeaseKeeper:
    """Renews a run's lease from a thread, every third of a lease, while its one step (the
    job) runs; stops at the end of the step, or when the lease turns out lost (the finish then
    reports the run superseded). A killed process renews nothing: the lease expires and the
    sweeper wakes the run. The thread uses its own database connection and closes it."""

    def __init__(self, lease: Lease[DailyRun]) -> None:
        self._lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._keep, name=f"daily-lease-{lease.job.pk}", daemon=True
        )

    def __enter__(self) -> _LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _keep(self) -> None:
        interval = max(self._lease.seconds / 3, 0.5)
        try:
            while not self._stop.wait(interval):
                try:
                    with transaction.atomic():
                        job_lease_renew(self._lease)
                except JobLeaseLost:
                    logger.warning("daily.lease_lost", extra={"run_id": self._lease.job.pk})
                    return
                except Exception:  # the database hiccuped: try again at the next tick
                    logger.warning("daily.lease_renew_failed", exc_info=True)
        finally:
            connections.close_all()
