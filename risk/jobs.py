"""The classification app's jobs: its daily jobs (`credit_portal.daily`, band 300–399, after
the jobs that write the facts it reads), the run's job kind (`credit_portal.jobs`) and the
ledger subscription that reclassifies soon after a new fact (issue 16 §5–§7).

- `overrides_job` (order 300, `risk.overrides`): overrides whose expiry has passed end by
  themselves and the class in effect goes back to the computed one
  (`risk.services.overrides.overrides_expire`), before the nightly run reads them.
- `nightly_job` (order 310, `risk.nightly`): an applying `nightly` run as of the date, run in
  process by the daily run (which renews its own lease while it waits). Idempotent: a date
  whose nightly run is done is not run again unless forced (a forced run is a new run; it
  writes only what changed, like any run). A nightly run killed mid-way is resumed from its
  last committed step, never doubled: the job finds the unfinished run and executes it. While
  another applying run is unfinished (a short new-facts run, or a stale run whose worker died),
  the job drives it (a claim takes over an expired lease; a live one is left alone), waits
  while it makes progress, and fails clearly when it stalls longer than a lease and
  `NIGHTLY_WAIT_SECONDS`.
- `ClassificationRun` is a leased job kind: `risk.tasks.classification_run_task` runs one on
  the `bulk` queue; the sweeper wakes pending runs whose wake-up was lost and running runs
  whose worker died.
- The ledger subscription `risk.reclassify`: every append (single or bulk) writes one pending
  row per enterprise (`enterprises.LedgerChange`); the drain (`dispatch_ledger_changes`, every
  minute) hands them over in batches of `enterprises.subscriptions.BATCH` enterprises, and each
  batch is one `new_fact` run (`risk.services.runs.new_facts_reclassify`), never a task per
  fact. While another applying run is unfinished the handler raises `RunBusy`: the batch rolls
  back and stays queued for the next drain.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from credit_portal.jobs import LeasedJob
from risk import rules
from risk.models import ClassificationRun

logger = logging.getLogger(__name__)

# How long the nightly job waits, beyond a lease, for another applying run that makes no
# progress (a run under a live lease of a worker that has just died keeps its lease for up to
# a lease) before it fails clearly, and how often it looks. Operational, not a rule; settings:
# CREDIT_PORTAL["RISK_NIGHTLY_WAIT_SECONDS"], ["RISK_NIGHTLY_POLL_SECONDS"].
NIGHTLY_WAIT_SECONDS = 60
NIGHTLY_POLL_SECONDS = 1.0

SUBSCRIBER = "risk.reclassify"
COUNT_KEYS = ("classified", "changed_class", "changed_score", "assessments")
_UNFINISHED = (LeasedJob.Status.PENDING, LeasedJob.Status.RUNNING)


class NightlyRunStalled(RuntimeError):  # noqa: N818 (a state, like RunBusy)
    """Another applying run made no progress for too long: the nightly run was not done."""


class NightlyRunFailed(RuntimeError):  # noqa: N818
    """The nightly classification run failed (its message says why)."""


def overrides_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """End the overrides whose expiry is before `on` (`overrides_expire`: the current class goes
    back to the computed one; idempotent). `force` changes nothing."""
    from risk.services.overrides import overrides_expire

    return {"ended": overrides_expire(on=on)}


def _counts(run: ClassificationRun, *, resumed: bool) -> dict[str, int]:
    counts = {key: int(getattr(run, key)) for key in COUNT_KEYS}
    counts["resumed"] = int(resumed)
    return counts


def nightly_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """An applying nightly run as of `on` (module docstring), executed here; returns its counts
    (`resumed`: 1 when it finished a run a killed worker left).

    Rules: a done nightly run for `on` is not run again unless `force` (then a new run); an
    unfinished nightly run for `on` is resumed; another unfinished applying run is driven or
    waited for while it progresses; a stall raises `NightlyRunStalled`, a failed run
    `NightlyRunFailed` (the daily run fails with that message).
    Side effects: those of the run (`risk.services.runs`).
    """
    from risk.services.runs import RunBusy, run_create, run_execute, unfinished_applying_run

    nightly = ClassificationRun.objects.filter(
        reason=ClassificationRun.Reason.NIGHTLY, as_of=on, applies=True
    ).order_by("-pk")
    if not force:
        done = nightly.filter(status=ClassificationRun.Status.DONE).first()
        if done is not None:
            return _counts(done, resumed=False)
    target = nightly.filter(status__in=_UNFINISHED).first()
    resumed = target is not None
    waiting = _Wait()
    while True:
        if target is None:
            try:
                target = run_create(reason=ClassificationRun.Reason.NIGHTLY, as_of=on)
            except RunBusy:
                blocker = unfinished_applying_run()
                if blocker is None:  # it finished meanwhile
                    continue
                # A stale run (its worker died) is taken over here; a live one is left to its
                # worker (the claim gives nothing).
                run_execute(blocker.pk)
                blocker.refresh_from_db()
                if blocker.is_finished:
                    continue
                waiting.check(blocker, on=on)
                continue
        run_execute(target.pk)
        target.refresh_from_db()
        if target.status == ClassificationRun.Status.DONE:
            return _counts(target, resumed=resumed)
        if target.status == ClassificationRun.Status.FAILED:
            raise NightlyRunFailed(
                f"classification run #{target.pk} (nightly, as of {on}) failed: {target.message}"
            )
        waiting.check(target, on=on)  # another worker holds it: wait while it progresses


class _Wait:
    """Waits one poll, and raises `NightlyRunStalled` when the run waited for has shown no
    progress (its status and position) for longer than a lease and `NIGHTLY_WAIT_SECONDS`."""

    def __init__(self) -> None:
        from credit_portal.jobs import job_lease_seconds

        self.limit = job_lease_seconds() + float(
            rules.setting("RISK_NIGHTLY_WAIT_SECONDS", NIGHTLY_WAIT_SECONDS)
        )
        self.poll = float(rules.setting("RISK_NIGHTLY_POLL_SECONDS", NIGHTLY_POLL_SECONDS))
        self.seen: tuple[object, ...] | None = None
        self.since = time.monotonic()

    def check(self, run: ClassificationRun, *, on: dt.date) -> None:
        state = (run.pk, run.status, run.position)
        now = time.monotonic()
        if state != self.seen:
            self.seen, self.since = state, now
        elif now - self.since > self.limit:
            raise NightlyRunStalled(
                f"the nightly run as of {on} did not run: classification run #{run.pk} "
                f"({run.reason}, as of {run.as_of}) has made no progress for "
                f"{int(now - self.since)} s (step {run.position} of {run.total_steps}). "
                "See it in the admin (classification runs); the next run_daily tries again."
            )
        logger.info("risk.nightly.waiting", extra={"run_id": run.pk, "on": str(on)})
        time.sleep(self.poll)


def reclassify_new_facts(enterprise_ids: list[int]) -> None:
    """The ledger subscription's handler: one `new_fact` run for a batch of enterprises
    (`risk.services.runs.new_facts_reclassify`; raises `RunBusy` while another applying run is
    unfinished, so that the batch stays queued). Imported lazily: the register calls it only
    from the drain, long after the apps are ready."""
    from risk.services.runs import new_facts_reclassify

    new_facts_reclassify(enterprise_ids)


def declare() -> None:
    """Register the daily jobs, the run's job kind and the ledger subscription (from
    `RiskConfig.ready`)."""
    from django.utils.translation import gettext_lazy as _

    from credit_portal.daily import daily_job_register
    from credit_portal.jobs import job_kind_register
    from enterprises.subscriptions import ledger_subscribe

    job_kind_register(model=ClassificationRun, task="risk.tasks.classification_run_task")
    daily_job_register(
        "risk.overrides",
        func="risk.jobs.overrides_job",
        order=300,
        label=_("Risk class overrides ended on their expiry"),
        count_labels={"ended": _("overrides ended")},
    )
    daily_job_register(
        "risk.nightly",
        func="risk.jobs.nightly_job",
        order=310,
        label=_("Nightly risk classification"),
        count_labels={
            "classified": _("enterprises classified"),
            "changed_class": _("classes changed"),
            "changed_score": _("scores changed"),
            "assessments": _("assessments written"),
            "resumed": _("interrupted run resumed"),
        },
    )
    ledger_subscribe(SUBSCRIBER, reclassify_new_facts)
