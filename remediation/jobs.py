"""The enforcement app's daily jobs, run by the portal's daily runner (`credit_portal.daily`:
beat nightly, and `manage.py run_daily [--date D] [--force]`), in the order `apps.py` declares
(remediation's band, 100–199).

Each is ``job(*, on: date, force: bool) -> dict[str, int]``: it handles everything due **by**
`on` (a missed night is caught up by the next run), commits its own work through the app's
services, is idempotent (a second run for the same date finds nothing left), and returns its
counts for the run's row. `force` changes nothing here: every job checks everything anyway.

- `deadlines_recount_job` (order 105, before the jobs that read deadlines): the deadlines stored
  as provisional, counted into a year whose holiday schedule was not known (docs/domain.md
  "Counting periods in the code"), are counted again once an administrator has entered that
  year (`deadlines_recount`).
- `publicity_expiry_job` (order 110): the end of penalties' publicity terms, as ledger facts
  (`remediation.services.publicity.publicity_expire`; SAMR Order 45 art. 13, docs/domain.md §5
  "Automatic expiry", §10).
- `soft_actions_overdue_job` (order 120): served soft-enforcement documents whose
  rectification deadline has passed become overdue
  (`remediation.services.soft_actions.soft_actions_mark_overdue`; §9).
- `repair_due_reminders_job` (order 130): counts the credit-repair applications whose
  acceptance or decision is due by the date (§5 "Processing limits"), for the run's record and
  the staff queue (which sorts them first); it changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

# The audit event of a deadline counted again (declared below, with the jobs).
DEADLINE_RECOUNTED = "remediation.deadline_recounted"
# Rows recounted per transaction: short transactions, each row locked while it is rewritten.
RECOUNT_CHUNK = 2_000


# --- Provisional deadlines counted again ---------------------------------------------------


@dataclass(frozen=True)
class _Recount:
    """One kind of open item whose deadlines may be provisional: the rows to look at (their
    provisional flag set; open), and the fields a row's deadlines take when counted again now,
    None while a year they run through is still not known."""

    model: type[models.Model]
    rows: Callable[[], QuerySet[Any]]
    recount: Callable[[Any], dict[str, Any] | None]


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _recounted(spec: _Recount, *, on: dt.date) -> int:
    """Count again the deadlines of `spec`'s rows, chunk by chunk (each its own transaction,
    the chunk's rows locked), and write the changed rows in one UPDATE and one audit event per
    row in one INSERT. A row still provisional is left as it is (a later run takes it)."""
    from credit_portal.bulk import bulk_insert
    from credit_portal.middleware import current_client_ip, current_request_id
    from credit_portal.models import AuditEvent

    stamped = any(f.name == "updated_at" for f in spec.model._meta.concrete_fields)
    done, last = 0, 0
    while True:
        with transaction.atomic():
            chunk = list(
                spec.rows()
                .filter(pk__gt=last)
                .select_for_update(of=("self",))
                .order_by("pk")[:RECOUNT_CHUNK]
            )
            if not chunk:
                return done
            last = chunk[-1].pk
            changed: list[Any] = []
            events: list[AuditEvent] = []
            fields: set[str] = set()
            now = timezone.now()
            for row in chunk:
                new = spec.recount(row)
                if new is None:
                    continue
                old = {name: getattr(row, name) for name in new}
                for name, value in new.items():
                    setattr(row, name, value)
                fields.update(new)
                if stamped:
                    row.updated_at = now
                changed.append(row)
                events.append(
                    AuditEvent(
                        actor=None,
                        event_type=DEADLINE_RECOUNTED,
                        enterprise_id=getattr(row, "enterprise_id", None),
                        target_type=spec.model._meta.label_lower,
                        target_id=str(row.pk),
                        target_repr=str(row)[:200],
                        extra={
                            "old": {k: _json(v) for k, v in old.items()},
                            "new": {k: _json(v) for k, v in new.items()},
                            "run_on": on.isoformat(),
                        },
                        request_id=current_request_id() or "",
                        ip_address=current_client_ip() or None,
                    )
                )
            if changed:
                spec.model._default_manager.bulk_update(
                    changed, sorted(fields | ({"updated_at"} if stamped else set()))
                )
                bulk_insert(events)
            done += len(changed)


def _soft_actions_recount() -> _Recount:
    """Served documents whose deadline is provisional: a letter's from its service and its
    period; an interview notice's "attend by" day likewise; once the interview is recorded,
    the deadline is the date its commitments set (agreed at the interview, or counted then):
    it stays, and only its flag is cleared once the years it runs through are known."""
    from credit_portal.workdays import is_provisional
    from remediation import rules
    from remediation.models import Interview, SoftAction

    def rows() -> QuerySet[Any]:
        held = Interview.objects.filter(action_id=OuterRef("pk"))
        return SoftAction.objects.filter(
            status=SoftAction.Status.SERVED,
            deadline_provisional=True,
            deadline__isnull=False,
            served_on__isnull=False,
        ).annotate(held_on=Subquery(held.values("held_on")[:1]))

    def recount(action: Any) -> dict[str, Any] | None:
        if action.held_on is not None:
            if is_provisional(action.held_on, action.deadline):
                return None
            return {"deadline_provisional": False}
        days = action.deadline_working_days or rules.soft_action_default_working_days(
            action.instrument
        )
        if not days:
            return None
        deadline = rules.soft_action_deadline(action.served_on, days)
        if deadline.provisional:
            return None
        return {"deadline": deadline.day, "deadline_provisional": False}

    return _Recount(SoftAction, rows, recount)


def _repairs_recount() -> _Recount:
    """Open repair applications whose next due is provisional: the acceptance (from the day
    submitted), the decision (from the day accepted), the effect (from the day decided)."""
    from credit_portal.workdays import deadline_after
    from remediation import rules
    from remediation.models import RepairApplication

    status = RepairApplication.Status

    def rows() -> QuerySet[Any]:
        return RepairApplication.objects.filter(
            Q(status=status.SUBMITTED)
            | Q(status=status.ACCEPTED, accepted_on__isnull=False, decision_due__isnull=False)
            | Q(status=status.APPROVED, decided_on__isnull=False, effect_due__isnull=False),
            due_provisional=True,
        )

    def recount(app: Any) -> dict[str, Any] | None:
        if app.status == status.SUBMITTED:
            field = "acceptance_due"
            due = deadline_after(
                timezone.localdate(app.submitted_at), rules.repair_acceptance_working_days()
            )
        elif app.status == status.ACCEPTED:
            field = "decision_due"
            due = deadline_after(app.accepted_on, rules.repair_decision_working_days(app.kind))
        else:
            field = "effect_due"
            due = deadline_after(app.decided_on, rules.repair_effect_working_days())
        if due.provisional:
            return None
        return {field: due.day, "due_provisional": False}

    return _Recount(RepairApplication, rows, recount)


def _penalties_recount() -> _Recount:
    """Decisions whose publication is still to come and whose due day is provisional: 20 WD
    from the decision (10 to push, for a party of another province), or 10 WD from the push
    (Order 45 arts. 9, 10; `rules.publication_deadline`)."""
    from credit_portal.workdays import deadline_after
    from remediation import rules
    from remediation.models import PenaltyDecision

    def rows() -> QuerySet[Any]:
        return PenaltyDecision.objects.filter(
            publication_due_provisional=True,
            publication_due__isnull=False,
            published_on__isnull=True,
        ).exclude(status=PenaltyDecision.Status.WITHDRAWN)

    def recount(decision: Any) -> dict[str, Any] | None:
        if decision.pushed_on is not None:
            due = deadline_after(decision.pushed_on, rules.OTHER_PROVINCE_PUBLISH_WORKING_DAYS)
        else:
            due = rules.publication_deadline(
                decision.decided_on, other_province=decision.party_other_province
            )
        if due.provisional:
            return None
        return {"publication_due": due.day, "publication_due_provisional": False}

    return _Recount(PenaltyDecision, rows, recount)


def _recounts() -> Iterator[tuple[str, _Recount]]:
    yield "soft_actions", _soft_actions_recount()
    yield "repairs", _repairs_recount()
    yield "penalties", _penalties_recount()


def deadlines_recount(*, on: dt.date) -> dict[str, int]:
    """Count again every open item's deadline stored as provisional whose years are now known
    (docs/domain.md "Counting periods in the code": a date counted across a year whose schedule
    was not known was computed on the weekends alone; once an administrator enters the year's
    holidays and marks it complete, it is counted on the real calendar).

    Rules: only rows whose provisional flag is set, and only once every year their deadline
    runs through is known (`credit_portal.workdays.deadline_after`: not provisional any more);
    counted from the start the law gives, with today's settings for the limits:
    - soft-enforcement documents served: `served_on` + the document's working days (a letter's
      rectification, an interview notice's attendance); a recorded interview's commitments
      keep their date, its flag cleared;
    - repair applications: submitted → the day submitted + the acceptance limit; accepted →
      `accepted_on` + the decision limit of its kind; approved → `decided_on` + the effect
      limit;
    - penalty decisions not yet published (nor withdrawn): `decided_on` + 20 WD (10 to push for
      a party of another province), or `pushed_on` + 10 WD.
    Idempotent: a recounted row's flag is cleared, so a second run finds nothing.
    Side effects: the deadline and its flag (and `updated_at`; not the version: nobody's form
    holds a deadline, so none goes stale); one audit event `remediation.deadline_recounted` per
    row changed, with the old and new values. A ledger fact is never rewritten: a letter's
    `soft_enforcement` fact keeps the deadline it was written with.
    """
    return {name: _recounted(spec, on=on) for name, spec in _recounts()}


def deadlines_recount_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """Count again the provisional deadlines whose year is now known (`deadlines_recount`)."""
    return deadlines_recount(on=on)


def _recounted_summary(event: Any) -> dict[str, Any]:
    """What a recount changed: the old and the new dates."""
    extra = event.extra or {}
    old, new = extra.get("old") or {}, extra.get("new") or {}
    parts = [f"{old[k]} → {new[k]}" for k in new if k in old and old[k] != new[k]]
    return {"summary": " · ".join(str(p) for p in parts)}


def publicity_expiry_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """End every penalty publicity term that ran out before `on` (`publicity_expire`)."""
    from remediation.services.publicity import publicity_expire

    return {"expired": publicity_expire(on=on)}


def soft_actions_overdue_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """Mark overdue the served documents whose deadline passed before `on`."""
    from remediation.services.soft_actions import soft_actions_mark_overdue

    return {"overdue": soft_actions_mark_overdue(on=on)}


def repair_due_reminders_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """How many repair applications wait for acceptance, or for a decision, past their due
    day or on it (`acceptance_due`, `decision_due` <= `on`): one aggregate query, no change."""
    from remediation.models import RepairApplication

    status = RepairApplication.Status
    counts = RepairApplication.objects.filter(
        status__in=[status.SUBMITTED, status.ACCEPTED]
    ).aggregate(
        acceptance_due=Count("pk", filter=Q(status=status.SUBMITTED, acceptance_due__lte=on)),
        decision_due=Count("pk", filter=Q(status=status.ACCEPTED, decision_due__lte=on)),
    )
    return {name: int(value or 0) for name, value in counts.items()}


def declare() -> None:
    """Register the daily jobs with the portal's runner (from `RemediationConfig.ready`)."""
    from django.utils.translation import gettext_lazy as _

    from credit_portal.audit import AuditEventType, audit_event_types_declare
    from credit_portal.daily import daily_job_register

    audit_event_types_declare(
        AuditEventType(
            DEADLINE_RECOUNTED,
            _("Provisional deadline counted again on the calendar"),
            _recounted_summary,
        )
    )
    daily_job_register(
        "remediation.deadlines_recount",
        func="remediation.jobs.deadlines_recount_job",
        order=105,
        label=_("Provisional deadlines counted again"),
        count_labels={
            "penalties": _("penalty publication deadlines recounted"),
            "repairs": _("credit repair deadlines recounted"),
            "soft_actions": _("soft-enforcement deadlines recounted"),
        },
    )
    daily_job_register(
        "remediation.publicity_expiry",
        func="remediation.jobs.publicity_expiry_job",
        order=110,
        label=_("End of penalty publicity terms"),
        count_labels={"expired": _("publicity terms ended")},
    )
    daily_job_register(
        "remediation.soft_actions_overdue",
        func="remediation.jobs.soft_actions_overdue_job",
        order=120,
        label=_("Overdue soft-enforcement documents"),
        count_labels={"overdue": _("documents now overdue")},
    )
    daily_job_register(
        "remediation.repair_due_reminders",
        func="remediation.jobs.repair_due_reminders_job",
        order=130,
        label=_("Credit repairs due for acceptance or decision"),
        count_labels={
            "acceptance_due": _("applications due for acceptance"),
            "decision_due": _("applications due for a decision"),
        },
    )
