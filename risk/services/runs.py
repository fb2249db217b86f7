"""Classification runs (issue 16 §4-§6): created as rows, executed in steps under a lease
(`credit_portal.jobs`), each step's writes committed with the run's progress.

- An applying run (nightly, new facts, manual) writes assessments, current classes and tasks;
  at most one is unfinished at a time (a constraint; `RunBusy`). A replay or a what-if writes
  only its own row: its counts (a replay: the stored assessments reproduced or not), its from ×
  to counts and, for the whole register, its class counts.
- Steps are id windows of `chunk_size` between the lowest and highest enterprise id (a full
  run), or slices of a list of ids (a new-facts run), or one enterprise. A step is
  deterministic, so a run taken over after its worker died resumes at its position with the
  counts of the last committed step, and a step is never applied twice.
- A full run's class counts (`summary`: by class, street, industry and department, and by
  department and street/industry, and the from × to counts by department) are added up step
  by step on the row; the dashboard reads them, never recounts. `summary["scope"]` keeps the
  entity types it classified and, for an incremental run, its base.
- A nightly or manual run of the whole register after a done one is incremental (not with
  `force`): each window computes only the enterprises whose assessment could have changed
  since that run (`risk.engine`, "incremental runs") and counts the others.
- On PostgreSQL a worker outside any transaction computes several steps at once, one thread
  and connection per core (setting RISK_RUN_WORKERS), committing them in step order.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
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
from enterprises.models import Enterprise
from risk import audit_events, engine, rules
from risk.models import ClassificationRun, ModelVersion

logger = logging.getLogger(__name__)

Reason = ClassificationRun.Reason
Status = ClassificationRun.Status
APPLYING = (Reason.NIGHTLY, Reason.NEW_FACT, Reason.MANUAL)
# The counters a step adds to the run.
COUNTERS = ("classified", "changed_class", "changed_score", "assessments", "matched", "mismatched")
Progress = Callable[[ClassificationRun], None]


class RunBusy(Exception):  # noqa: N818 (a state, like Django's ObjectDoesNotExist)
    """Another applying run is unfinished: two cannot run at once (issue 16 §5)."""

    def __init__(self, run: ClassificationRun | None = None) -> None:
        self.run = run
        super().__init__(
            _("Another classification run is in progress; try again when it has finished.")
        )

    @property
    def message(self) -> str:
        return str(self.args[0])


def unfinished_applying_run() -> ClassificationRun | None:
    return (
        ClassificationRun.objects.filter(applies=True, status__in=[Status.PENDING, Status.RUNNING])
        .order_by("pk")
        .first()
    )


def _steps(count: int, size: int) -> int:
    return (count + size - 1) // size if count > 0 else 0


def _actor(by: User | None) -> User | None:
    return by if by is not None and by.is_authenticated else None


def replay_instant(as_of: dt.date) -> dt.datetime:
    """What a replay of `as_of` knows by default: the facts recorded by the end of that day in
    the bureau's time zone (now, for today)."""
    end_of_day = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    return min(end_of_day, timezone.now())


def run_create(
    *,
    reason: str,
    as_of: dt.date | None = None,
    knowledge_at: dt.datetime | None = None,
    version: ModelVersion | None = None,
    enterprise: Enterprise | None = None,
    enterprise_ids: Iterable[int] | None = None,
    force: bool = False,
    by: User | None = None,
    chunk_size: int | None = None,
) -> ClassificationRun:
    """Create a run (pending) and count its steps.

    Rules: `as_of` defaults to today and `knowledge_at` to now (a replay: the end of its date,
    or now for today), neither in the future; a what-if needs a version, an applying run
    takes the versions in force (a version is for replays and what-ifs); an applying run is
    refused with `RunBusy` while another is unfinished (issue 16 §5). Steps: one enterprise,
    slices of `enterprise_ids`, or id windows of `chunk_size` (default `rules.CHUNK_SIZE`)
    from the lowest to the highest enterprise id.
    Side effects: the run row; audit event `risk.run_started` (actor: `by`, none for jobs).
    """
    reason = Reason(reason)
    applies = reason in APPLYING
    now = timezone.now()
    today = timezone.localdate(now)
    as_of = as_of or today
    if knowledge_at is None:
        knowledge_at = min(replay_instant(as_of), now) if reason == Reason.REPLAY else now
    if as_of > today or knowledge_at > now:
        raise ValueError("a run cannot look into the future")
    if reason == Reason.WHAT_IF and version is None:
        raise ValueError("a what-if tries a version")
    if applies and version is not None:
        raise ValueError("an applying run uses the versions in force")
    size = int(chunk_size or rules.setting("RISK_CHUNK_SIZE", rules.CHUNK_SIZE))
    ids = sorted({int(i) for i in enterprise_ids or ()})
    id_from = id_to = 0
    summary: dict[str, Any] = {}
    if enterprise is not None:
        steps = 1
    elif enterprise_ids is not None:
        steps = _steps(len(ids), size)
    else:
        bounds = engine.enterprise_id_range()
        if bounds is not None:
            id_from, id_to = bounds
        steps = _steps(id_to - id_from + 1, size) if bounds is not None else 0
        if applies:
            # The whole register: the population it classifies, and the base of an incremental
            # run when there is one (`risk.engine`, incremental runs).
            since = (
                None if force else engine.incremental_base(as_of=as_of, knowledge_at=knowledge_at)
            )
            summary[engine.SCOPE] = engine.run_scope(since=since)
    try:
        with transaction.atomic():
            if applies:
                busy = unfinished_applying_run()
                if busy is not None:
                    raise RunBusy(busy)
            run = ClassificationRun.objects.create(
                reason=reason,
                applies=applies,
                as_of=as_of,
                knowledge_at=knowledge_at,
                version=version,
                enterprise=enterprise,
                enterprise_ids=ids,
                force=force,
                chunk_size=size,
                id_from=id_from,
                id_to=id_to,
                total_steps=steps,
                summary=summary,
                created_by=_actor(by),
            )
            audit_event_record(
                actor=_actor(by),
                event_type=audit_events.RUN_STARTED,
                target=run,
                enterprise=enterprise,
                extra={
                    "reason": reason,
                    "as_of": as_of,
                    "knowledge_at": knowledge_at.isoformat(),
                    "version": version.pk if version is not None else None,
                    "force": force,
                    "enterprises": len(ids) if enterprise_ids is not None else None,
                    "steps": steps,
                    "since_run": (summary.get(engine.SCOPE, {}).get("since") or {}).get("run"),
                },
            )
    except IntegrityError as exc:  # another applying run created meanwhile (the constraint)
        if applies:
            raise RunBusy(unfinished_applying_run()) from exc
        raise
    return run


def run_start(**kwargs: Any) -> ClassificationRun:
    """Create a run and wake a worker for it once committed (`run_create`'s arguments).

    Rules: those of `run_create`; call it with no transaction around (a web request): if the
    broker cannot take the wake-up, nothing is kept that no worker would run: the run is
    deleted, its `risk.run_started` event is followed by `risk.run_discarded` (the audit log is
    append-only), and `JobQueueUnavailable` is raised.
    Side effects: those of `run_create`; the wake-up after the commit.
    """
    with transaction.atomic():
        run = run_create(**kwargs)
        job_enqueue(job=run, discard=partial(_discard, run, kwargs.get("by")))
    return run


def _discard(run: ClassificationRun, by: User | None) -> None:
    """A run the queue could not take: deleted, and the audit log says so."""
    with transaction.atomic():
        ClassificationRun.objects.filter(pk=run.pk).delete()
        audit_event_record(
            actor=_actor(by),
            event_type=audit_events.RUN_DISCARDED,
            target=run,
            enterprise=run.enterprise,
            extra={"reason": run.reason},
        )


def run_now(*, progress: Progress | None = None, **kwargs: Any) -> ClassificationRun:
    """Create a run and execute it in this process (commands, tests, the demo); returns the
    finished row. `run_create`'s arguments; `progress(run)` after each step."""
    run = run_create(**kwargs)
    return run_execute(run.pk, progress=progress) or run


def new_facts_reclassify(enterprise_ids: list[int]) -> ClassificationRun | None:
    """Reclassify the enterprises with new facts (the ledger subscription's handler, called by
    the drain inside its transaction; issue 16 §6): one new-facts run for the batch, executed
    here.

    Rules: `RunBusy` while another applying run is unfinished, and an error if the run fails,
    so the batch stays queued for the next drain (the handler is idempotent).
    Side effects: those of the run.
    """
    if not enterprise_ids:
        return None
    run = run_now(reason=Reason.NEW_FACT, enterprise_ids=enterprise_ids)
    if run.status != Status.DONE:
        raise RuntimeError(f"new-facts run #{run.pk} ended {run.status}: {run.message}")
    return run


def _finish(lease: Lease[ClassificationRun], status: str, message: str = "") -> None:
    run = lease.job
    with transaction.atomic():
        if job_finish(lease, status=status, message=message):
            audit_event_record(
                actor=run.created_by,
                event_type=audit_events.RUN_FINISHED,
                target=run,
                enterprise=run.enterprise,
                extra={
                    "status": status,
                    "message": message,
                    **{name: getattr(run, name) for name in COUNTERS},
                    "steps": run.position,
                },
            )


def run_execute(run_id: int, *, progress: Progress | None = None) -> ClassificationRun | None:
    """Claim a run and execute its remaining steps, then finish it; returns the row (None when
    there is no such run).

    Rules (`credit_portal.jobs`): a finished run, or one under another worker's live lease, is
    left alone (a redelivered message does nothing); a run taken over resumes at its position
    with the counts committed; each step commits with `job_lease_renew` (position and counts),
    or rolls back when the lease was lost; a run claimed more than `MAX_ATTEMPTS` times is
    failed; an error fails the run (the steps committed stay: they are whole); near the task's
    time limit the lease is handed back and a worker woken to go on.
    Side effects: the steps' writes (`risk.engine.run_step`); the row; audit event
    `risk.run_finished` (actor: the run's creator, none for jobs).
    """
    lease = job_claim(model=ClassificationRun, job_id=run_id)
    if lease is None:
        return ClassificationRun.objects.filter(pk=run_id).first()
    run = lease.job
    if lease.exhausted:
        _finish(
            lease,
            Status.FAILED,
            _("The run was interrupted %(n)d times and has been stopped.")
            % {"n": run.attempts - 1},
        )
        return _reloaded(run_id)
    try:
        workers = _workers(run)
        if workers > 1:
            _steps_in_parallel(lease, run, workers, progress)
        else:
            for step in range(run.position, run.total_steps):
                with transaction.atomic():
                    result = engine.run_step(run, step=step)
                    job_lease_renew(lease, position=step + 1, **_added(run, result))
                    run.position = step + 1
                if progress is not None:
                    progress(run)
    except JobLeaseLost:
        logger.warning("risk.run.superseded", extra={"run_id": run_id})
        return _reloaded(run_id)
    except SoftTimeLimitExceeded:
        job_continue_later(lease)
        return _reloaded(run_id)
    except Exception:
        logger.exception("risk.run.failed", extra={"run_id": run_id})
        _finish(
            lease,
            Status.FAILED,
            _("The run stopped because of an internal error; the steps committed so far stay."),
        )
        return _reloaded(run_id)
    _finish(lease, Status.DONE)
    return _reloaded(run_id)


def _added(run: ClassificationRun, result: engine.StepResult) -> dict[str, Any]:
    """Add a step's counts to the run (the object) and return the fields its lease renewal
    writes: the counters, the transitions and, for the whole register, the class counts."""
    for name in COUNTERS:
        setattr(run, name, getattr(run, name) + getattr(result, name))
    run.transitions = engine.transitions_add(run.transitions, result.transitions)
    fields: dict[str, Any] = {name: getattr(run, name) for name in COUNTERS}
    fields["transitions"] = run.transitions
    if not run.enterprise_ids and run.enterprise_id is None:
        run.summary = engine.summary_add(run.summary, result)
        fields["summary"] = run.summary
    return fields


def _workers(run: ClassificationRun) -> int:
    """Steps computed at once: one per core (setting RISK_RUN_WORKERS), on PostgreSQL, for a
    run of several steps executed outside any transaction (a worker's; in a transaction, as
    in tests or the ledger drain, other connections would not see its rows)."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    wanted = int(rules.setting("RISK_RUN_WORKERS", os.cpu_count() or 1))
    return max(1, min(wanted, run.total_steps - run.position))


def _stopped(state: dict[str, Any], step: int) -> bool:
    """An error stops this step: it failed at this step or before (or at no step)."""
    return state["error"] is not None and step >= state["error_step"]


def _my_turn(state: dict[str, Any], step: int) -> bool:
    return bool(state["committed"] == step or _stopped(state, step))


class _Stop(Exception):  # noqa: N818 - not an error: another step's thread failed
    pass


def _steps_in_parallel(
    lease: Lease[ClassificationRun], run: ClassificationRun, workers: int, progress: Progress | None
) -> None:
    """The run's remaining steps computed by `workers` threads at once, each on its own
    connection and in its own transaction, committed strictly in step order: a step waits,
    its writes done and uncommitted, until the step before it has committed, then renews the
    lease with the position and counts and commits. So the row's position is always the number
    of steps committed, as in the sequential loop, and a takeover resumes exactly. An error
    stops the steps from its own on (they roll back; those before it still commit) and is
    raised here; the soft time limit stops every step not yet committed."""
    from django.db import connection

    engine.run_context(run)  # shared by the threads: computed once, here
    turn = threading.Condition()
    state: dict[str, Any] = {
        "next": run.position,
        "committed": run.position,
        "error": None,
        "error_step": -1,
    }

    def fail(exc: BaseException, step: int) -> None:
        with turn:
            if state["error"] is None:
                state["error"], state["error_step"] = exc, step
            turn.notify_all()

    def work() -> None:
        step = -1
        try:
            while True:
                with turn:
                    if state["error"] is not None or state["next"] >= run.total_steps:
                        return
                    step = state["next"]
                    state["next"] += 1
                with transaction.atomic():
                    result = engine.run_step(run, step=step)
                    with turn:
                        turn.wait_for(partial(_my_turn, state, step))
                        if _stopped(state, step):
                            raise _Stop
                        job_lease_renew(lease, position=step + 1, **_added(run, result))
                with turn:
                    run.position = state["committed"] = step + 1
                    if progress is not None:
                        progress(run)
                    turn.notify_all()
        except _Stop:
            pass
        except BaseException as exc:  # handed to the main thread; the steps before it go on
            fail(exc, step)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, name=f"risk-run-{run.pk}-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException as exc:  # the task's soft time limit, in the main thread
        with turn:
            state["error"], state["error_step"] = state["error"] or exc, -1
            turn.notify_all()
        for thread in threads:
            thread.join()
    if state["error"] is not None:
        raise state["error"]


def _reloaded(run_id: int) -> ClassificationRun | None:
    return ClassificationRun.objects.filter(pk=run_id).first()
