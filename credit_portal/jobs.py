"""Background jobs: the job row is the truth; a message only wakes a worker.

Every job that runs longer than a request, or in steps (the register import today; the
reclassification, the deadline runs and the publication runs of the apps to come), is a row of
a model derived from `LeasedJob` and runs by these rules. They hold whatever the broker does:
Redis refused, hung, restarted empty, or a worker killed mid-job.

A row, then a wake-up
- A job is created as a row (status "pending") in its creator's transaction. After the commit
  one message wakes a worker (`job_enqueue`, `job_wake`); it carries only the job's id.
- Publishing gives up within seconds (socket timeouts in the broker's transport options, a
  short retry policy here). If the broker cannot take the wake-up, `job_enqueue` discards the
  job (its row, and what it keeps outside the database, such as an uploaded file) and raises
  `JobQueueUnavailable`: the user is told to try again later, and nothing is kept that no worker
  would run. Without Redis (the embedded default) the task runs in process instead.
- A lost message loses nothing: the sweeper (`jobs_sweep`, every minute on beat, and
  `manage.py jobs_sweep`) wakes the pending jobs whose last wake-up is older than a lease, and
  the running jobs whose lease expired, of every registered kind. When the broker comes back,
  the next sweep wakes what waited. A duplicate or redelivered message does nothing (below).
  The sweep also runs each kind's cleanup (`JobKind.cleanup`): what a finished job still keeps
  outside the database because its worker died between the finish and the removal.

Leases
- A worker runs a job only under a lease: `job_claim` locks the job's row and, unless the job is
  finished or another worker holds a live lease, writes a new owner token and an expiry
  (`CREDIT_PORTAL["JOB_LEASE_SECONDS"]`, 3 minutes by default) and counts an attempt. A finished
  job, a job under a live lease and a deleted job give None: the message does nothing.
- The work is done in deterministic steps (an import's chunks: the same file and chunk size give
  the same chunks), numbered from 0. Each step's writes commit in one transaction with
  `job_lease_renew(lease, position=n + 1, **progress)`: the position (steps done), the job's
  progress counters and a renewed expiry, written only while the lease is still this worker's;
  otherwise `JobLeaseLost` is raised and the step rolls back. So what the row says is done is
  exactly what is committed, and a progress bar shows what is in the database.
- A takeover (a claim of a job whose lease expired: its worker was killed, or hangs) resumes
  after the last committed step, with the counts of the row. The run it replaces, if it is still
  alive, finds its lease gone at its next step and stops there. A job claimed more than
  `MAX_ATTEMPTS` times is failed by its service (`Lease.exhausted`): a job that kills its worker
  every time must not loop for ever.
- `job_finish` closes a job under its lease (done or failed, with a message); `job_release`
  hands the lease back without finishing, and `job_continue_later` also wakes a worker at once
  (a task near its time limit continues in a fresh one).
- Choose steps of seconds: the lease (minutes) must outlast any one step, or a slow step is
  taken over while it runs (and rolls back at its end).

Kinds
- Each concrete job model is registered with the dotted path of its task (`job_kind_register`),
  from its app's `ready()`; the sweeper walks every registered kind, so the jobs of a new app
  are swept with no change here. The task is a thin shell on its queue (`<service>_task(job_id)`
  calling the service, which claims, runs its steps and finishes).

Timers and fan-out
- Reminders and deadlines are rows with a due date, found by a periodic job (beat) — never Celery
  tasks sent with `eta` or `countdown`: those live only in the broker, where they are lost with
  it, are redelivered by the visibility timeout while they wait, and are invisible to
  administrators.
- No chords (nor groups waited on): a chord's callback waits for every member, and one lost
  member never fires it. Fan-out is rows (or steps of one job) claimed by workers.
- `tests/credit_portal/test_jobs_rules.py` checks that the code sends no task with `eta` or
  `countdown` and uses no chord.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 180  # a few minutes; each step (seconds) renews it
MAX_ATTEMPTS = 5  # claims of one job before its service fails it
SWEEP_BATCH = 200  # wake-ups per kind and sweep; the next sweep wakes the rest
# A wake-up is one attempt and one retry at once: with the broker's socket timeouts
# (settings: CELERY_BROKER_TRANSPORT_OPTIONS) a refused Redis answers in milliseconds and a
# hung one gives up in about two socket timeouts. A stale pooled connection (Redis restarted)
# fails the first attempt; the retry reconnects.
WAKE_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


class JobLeaseLost(Exception):  # noqa: N818 (a state, like Django's ObjectDoesNotExist)
    """This worker no longer holds the job's lease (it expired and another worker took the job
    over): the step that finds it out rolls back and the run stops."""


class JobQueueUnavailable(Exception):  # noqa: N818
    """The broker did not take a job's wake-up in time (Redis refused or hung)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The background queue is unavailable, so nothing was kept. Try again in a few "
                "minutes."
            )
        )

    @property
    def message(self) -> str:
        return str(self.args[0])


class LeasedJob(models.Model):
    """A job's row: its state, its lease and its position (steps committed). Abstract: each
    kind adds its own input and progress counters, and registers with `job_kind_register`.
    A concrete model should add `job_sweep_index(name)` to its indexes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        verbose_name=pgettext_lazy("job", "status"),
    )
    lease_owner = models.CharField(_("lease owner"), max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    position = models.PositiveIntegerField(_("steps done"), default=0)
    woken_at = models.DateTimeField(_("last wake-up"), null=True, blank=True, default=timezone.now)
    message = models.TextField(blank=True, verbose_name=_("message"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


FINISHED = (LeasedJob.Status.DONE, LeasedJob.Status.FAILED)
J = TypeVar("J", bound=LeasedJob)


def job_sweep_index(name: str) -> models.Index:
    """The index the sweeper's query uses: the unfinished jobs only (a job table keeps every
    finished job for its history)."""
    return models.Index(
        fields=["status", "lease_expires_at"],
        name=name,
        condition=Q(status__in=[LeasedJob.Status.PENDING, LeasedJob.Status.RUNNING]),
    )


# --------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class JobKind:
    model: type[LeasedJob]
    task: str  # dotted path of the Celery task that runs one job, given its id
    # Dotted path of a function that removes what finished jobs of this kind still keep outside
    # the database (an uploaded file: a worker can die between the finish and the removal);
    # the sweeper calls it on every sweep; it returns how many jobs it cleaned. Idempotent.
    cleanup: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label


_KINDS: dict[str, JobKind] = {}


def job_kind_register(*, model: type[LeasedJob], task: str, cleanup: str = "") -> None:
    """Declare a job model and the task that runs one of its jobs (from the app's `ready()`),
    and optionally the cleanup of finished jobs (`JobKind.cleanup`).

    Rules: registering the same kind twice identically is harmless; another task for the same
    model is an error.
    """
    kind = JobKind(model=model, task=task, cleanup=cleanup)
    known = _KINDS.setdefault(kind.label, kind)
    if known != kind:
        raise ImproperlyConfigured(f"job kind {kind.label} is registered with {known.task}")


def job_kinds() -> list[JobKind]:
    return list(_KINDS.values())


def _kind_of(model: type[LeasedJob]) -> JobKind:
    try:
        return _KINDS[model._meta.label]
    except KeyError:
        raise ImproperlyConfigured(f"job kind {model._meta.label} is not registered") from None


def job_lease_seconds() -> int:
    return int(settings.CREDIT_PORTAL.get("JOB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


# --------------------------------------------------------------------------- leases


@dataclass(frozen=True)
class Lease(Generic[J]):
    """A worker's hold on one job, from `job_claim`. `job` is the row as claimed: its position
    and counters are those of the last committed step."""

    job: J
    owner: str
    seconds: int
    taken_over: bool  # the previous run's lease expired: it died or hangs

    @property
    def model(self) -> type[J]:
        return type(self.job)

    @property
    def exhausted(self) -> bool:
        """Claimed more than `MAX_ATTEMPTS` times: fail the job rather than run it again."""
        return self.job.attempts > MAX_ATTEMPTS


def _owner_token() -> str:
    """Who holds a lease, readable by an operator in the admin: host, process, and a random
    part so that two runs in one process never share a token."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def job_claim(*, model: type[J], job_id: int) -> Lease[J] | None:
    """Claim a job for this worker; None when there is nothing to do.

    Rules: a finished job, a job whose lease another worker holds and has not let expire, and a
    missing job (an upload refused after its row was written) give None, so a duplicated or
    redelivered message does nothing. Otherwise the job is running under a new lease, its
    attempts counted; a job whose previous lease expired is taken over from its position.
    Side effects: the job row (status, lease, attempts, started_at) in its own transaction.
    """
    now = timezone.now()
    seconds = job_lease_seconds()
    with transaction.atomic():
        job = model._default_manager.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in FINISHED:
            return None
        if job.lease_owner and job.lease_expires_at is not None and job.lease_expires_at > now:
            return None
        taken_over = bool(job.lease_owner)
        job.status = LeasedJob.Status.RUNNING
        job.lease_owner = _owner_token()
        job.lease_expires_at = now + dt.timedelta(seconds=seconds)
        job.attempts += 1
        job.started_at = job.started_at or now
        job.save(
            update_fields=["status", "lease_owner", "lease_expires_at", "attempts", "started_at"]
        )
    if taken_over:
        logger.warning(
            "jobs.taken_over",
            extra={"job": f"{model._meta.label}:{job_id}", "position": job.position},
        )
    return Lease(job=job, owner=job.lease_owner, seconds=seconds, taken_over=taken_over)


def _held(lease: Lease[Any]) -> models.QuerySet[Any]:
    return lease.model._default_manager.filter(
        pk=lease.job.pk, lease_owner=lease.owner, status=LeasedJob.Status.RUNNING
    )


def job_lease_renew(lease: Lease[Any], **fields: Any) -> None:
    """Renew the lease and write the job's progress (`position` and the kind's counters), inside
    the transaction of the step they describe.

    Rules: only while the lease is this worker's; else `JobLeaseLost`, and the step rolls back.
    Must run inside the step's transaction (so the position commits with the step's writes).
    Side effects: one UPDATE of the job row, which also holds off a takeover until the commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("job_lease_renew runs inside the transaction of the step")
    expires = timezone.now() + dt.timedelta(seconds=lease.seconds)
    if not _held(lease).update(lease_expires_at=expires, **fields):
        raise JobLeaseLost(f"{lease.model._meta.label}:{lease.job.pk}")


def job_finish(lease: Lease[Any], *, status: str, message: str = "", **fields: Any) -> bool:
    """Close the job: done or failed, with a message for the user. Returns False (and changes
    nothing) when the lease was lost: the run that took the job over finishes it.
    Side effects: the job row (status, message, finished_at, lease cleared)."""
    if status not in FINISHED:
        raise ValueError(f"not a final status: {status}")
    return bool(
        _held(lease).update(
            status=status,
            message=message,
            finished_at=timezone.now(),
            lease_owner="",
            lease_expires_at=None,
            **fields,
        )
    )


def job_release(lease: Lease[Any]) -> bool:
    """Hand the lease back without finishing (the job stays running at its position, for the
    next claim). Returns False when the lease was already lost."""
    return bool(_held(lease).update(lease_owner="", lease_expires_at=None))


def job_continue_later(lease: Lease[Any]) -> None:
    """Release the lease and wake a worker to continue from the position (a task near its time
    limit). If the broker is down, the sweeper wakes it when it is back."""
    if job_release(lease):
        try:
            job_wake(model=lease.model, job_id=lease.job.pk)
        except JobQueueUnavailable:
            logger.warning("jobs.continue_later.queue_unavailable", exc_info=True)


# --------------------------------------------------------------------------- wake-ups


def job_wake(*, model: type[LeasedJob], job_id: int) -> None:
    """Send the message that makes a worker run this job (its kind's task).

    Rules: gives up within seconds (`WAKE_RETRY_POLICY`, the broker's socket timeouts) and raises
    `JobQueueUnavailable`; without a broker (eager mode, the embedded default) the task runs
    here, in process. Harmless to repeat: a claim makes a second message a no-op.
    Side effects: one message; `woken_at` stamped.
    """
    task = import_string(_kind_of(model).task)
    if task.app.conf.task_always_eager:
        task.apply_async(args=(job_id,))
        return
    try:
        task.apply_async(args=(job_id,), retry=True, retry_policy=WAKE_RETRY_POLICY)
    except (KombuOperationalError, OSError) as exc:
        logger.warning("jobs.wake.queue_unavailable", extra={"job_id": job_id}, exc_info=True)
        raise JobQueueUnavailable from exc
    model._default_manager.filter(pk=job_id).update(woken_at=timezone.now())


def job_enqueue(*, job: LeasedJob, discard: Callable[[], None] | None = None) -> None:
    """Wake a worker for a job just created, once its transaction commits; if the broker cannot
    take the wake-up, discard the job and raise `JobQueueUnavailable`.

    Rules: call it in the transaction that creates the job, with no outer transaction around
    the request (the failure then reaches the caller as the `transaction.atomic()` block
    ends). `discard` removes the job and what it keeps outside the database (default: the row).
    Side effects: after commit, the wake-up (or, in eager mode, the job run in process); on
    failure, `discard()`.
    """

    def wake_or_discard() -> None:
        try:
            job_wake(model=type(job), job_id=job.pk)
        except JobQueueUnavailable:
            if discard is not None:
                discard()
            else:
                type(job)._default_manager.filter(pk=job.pk).delete()
            raise

    transaction.on_commit(wake_or_discard)


def jobs_sweep() -> dict[str, int]:
    """Wake the jobs whose wake-up was lost or whose worker died; returns {kind: jobs woken}.

    Rules (module docstring): of every registered kind, the pending jobs whose last wake-up is
    older than a lease, and the running jobs whose lease expired (or was released) and that
    were not woken within a lease. Idempotent: a job woken twice is claimed once. At most
    `SWEEP_BATCH` per kind per sweep. Raises `JobQueueUnavailable` when the broker is down.
    Side effects: the wake-ups.
    """
    now = timezone.now()
    not_woken_lately = Q(woken_at__isnull=True) | Q(
        woken_at__lt=now - dt.timedelta(seconds=job_lease_seconds())
    )
    stale_lease = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    woken: dict[str, int] = {}
    for kind in job_kinds():
        # Uses index: job_sweep_index (status, lease_expires_at) of the kind's table.
        ids = list(
            kind.model._default_manager.filter(
                not_woken_lately,
                Q(status=LeasedJob.Status.PENDING)
                | (Q(status=LeasedJob.Status.RUNNING) & stale_lease),
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        for job_id in ids:
            job_wake(model=kind.model, job_id=job_id)
        if ids:
            logger.info("jobs.sweep.woken", extra={"kind": kind.label, "jobs": ids})
        woken[kind.label] = len(ids)
        if kind.cleanup:
            cleaned = import_string(kind.cleanup)()
            if cleaned:
                logger.warning("jobs.sweep.cleaned", extra={"kind": kind.label, "jobs": cleaned})
    return woken
