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
- `disclosure_orders_job` (order 145, before the directory's listing jobs): orders to disclose
  complied with, and those not complied with by their due day listed with reason 2
  (`remediation.services.orders.orders_expire`; docs/domain.md §3).
- `directory_deadline_job` (150), `directory_buffer_job` (155), `directory_filings_job` (160),
  `directory_closed_entities_job` (165): the abnormal directory after the annual-report
  deadline (`remediation.services.directory`; docs/domain.md §3, §4).
- `serious_move_job` (order 170): the 3-year rule, reminders and moves to the serious list
  (`remediation.services.serious.serious_move_due`; docs/domain.md §3); `serious_expire_job`
  (175): serious listings whose term ended (`serious_expire`; §3, §5).
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


def _objections_recount() -> _Recount:
    """Open objections to listings whose next due is provisional: the acceptance (5 WD from the
    day received), the verification (20 WD from the acceptance; docs/domain.md §3)."""
    from credit_portal.workdays import deadline_after
    from remediation import rules
    from remediation.models import ListingObjection

    status = ListingObjection.Status

    def rows() -> QuerySet[Any]:
        return ListingObjection.objects.filter(
            Q(status=status.RECEIVED)
            | Q(status=status.ACCEPTED, accepted_on__isnull=False, verification_due__isnull=False),
            due_provisional=True,
        )

    def recount(objection: Any) -> dict[str, Any] | None:
        if objection.status == status.RECEIVED:
            field = "acceptance_due"
            due = deadline_after(objection.received_on, rules.OBJECTION_ACCEPTANCE_WORKING_DAYS)
        else:
            field = "verification_due"
            due = deadline_after(objection.accepted_on, rules.OBJECTION_VERIFICATION_WORKING_DAYS)
        if due.provisional:
            return None
        return {field: due.day, "due_provisional": False}

    return _Recount(ListingObjection, rows, recount)


def _recounts() -> Iterator[tuple[str, _Recount]]:
    yield "soft_actions", _soft_actions_recount()
    yield "repairs", _repairs_recount()
    yield "penalties", _penalties_recount()
    yield "objections", _objections_recount()


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


def directory_deadline_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """The deadline run's marks, deferrals and listings for the latest year whose window has
    ended by `on` (`remediation.services.directory.directory_deadline_run`), after the late
    facts of `annual_reports.deadline` (order 140): a run after 1 July catches up, later runs
    find nobody left (idempotent)."""
    from annual_reports.jobs import latest_closed_year
    from remediation.services.directory import directory_deadline_run

    return directory_deadline_run(year=latest_closed_year(on), on=on)


def directory_buffer_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """The punishment buffer: the cases whose deadline passed before `on` are listed
    (`buffer_expire`), then the reminders due by `on` are sent to the others
    (`buffer_reminders_send`)."""
    from remediation.services.directory import buffer_expire, buffer_reminders_send

    listed = buffer_expire(on=on)
    return {"listed": listed, "reminded": buffer_reminders_send(on=on)}


def directory_filings_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """The daily catch-up of the ledger subscription `remediation.directory`: what the filings
    recorded by `on` cure (`directory_filings_catch_up`: buffers closed without listing, marks
    lifted, reason-1 listings removed once every year is filed)."""
    from remediation.services.directory import directory_filings_catch_up

    return directory_filings_catch_up(on=on)


def directory_closed_entities_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """The listings of entities deregistered or revoked are removed (code 7), and the buffer
    cases of entities that ceased or moved out closed (`directory_closed_entities`)."""
    from remediation.services.directory import directory_closed_entities

    return directory_closed_entities(on=on)


def disclosure_orders_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """Orders to disclose: those whose items have all been disclosed are complied with
    (`orders_compliance_check`), those due before `on` and not complied with are listed in the
    abnormal directory with reason 2 (`orders_expire`)."""
    from remediation.services.orders import orders_compliance_check, orders_expire

    complied = orders_compliance_check(on=on)
    return {"complied": complied, "listed": orders_expire(on=on)}


def serious_move_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """The 3-year rule (docs/domain.md §3): reminders in the 60 days before the mark, then the
    moves of the listings whose 3 years are complete by `on` to the serious list, removal code
    6, with the legal representative's bar (`remediation.services.serious.serious_move_due`)."""
    from remediation.services.serious import serious_move_due

    return serious_move_due(on=on)


def serious_expire_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """Serious listings whose term ended by `on` leave the list
    (`remediation.services.serious.serious_expire`)."""
    from remediation.services.serious import serious_expire

    return {"expired": serious_expire(on=on)}


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
            "objections": _("objection deadlines recounted"),
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
    daily_job_register(
        "remediation.disclosure_orders",
        func="remediation.jobs.disclosure_orders_job",
        order=145,
        label=_("Orders to disclose: complied with, or listed (reason 2)"),
        count_labels={
            "complied": _("orders complied with"),
            "listed": _("companies listed for not disclosing"),
        },
    )
    daily_job_register(
        "remediation.directory_deadline",
        func="remediation.jobs.directory_deadline_job",
        order=150,
        label=_("Annual-report deadline run: marks, buffer and listings"),
        count_labels={
            "marked": _("individual businesses marked"),
            "deferred": _("enterprises deferred into the buffer"),
            "listed": _("enterprises listed"),
            "cases": _("directory cases opened"),
        },
    )
    daily_job_register(
        "remediation.directory_buffer",
        func="remediation.jobs.directory_buffer_job",
        order=155,
        label=_("Punishment buffer: deadlines passed and reminders"),
        count_labels={
            "listed": _("listed after the buffer"),
            "reminded": _("buffer reminders sent"),
        },
    )
    daily_job_register(
        "remediation.directory_filings",
        func="remediation.jobs.directory_filings_job",
        order=160,
        label=_("Late annual reports filed: buffers closed, marks lifted, listings removed"),
        count_labels={
            "closed_no_listing": _("buffers closed without listing"),
            "restored": _("individual businesses restored"),
            "cured": _("listed years filed"),
            "removed": _("listings removed automatically"),
        },
    )
    daily_job_register(
        "remediation.directory_closed_entities",
        func="remediation.jobs.directory_closed_entities_job",
        order=165,
        label=_("Directory cases of entities that ceased"),
        count_labels={
            "removed": _("listings removed (deregistered or revoked)"),
            "closed": _("buffers closed (entity ceased or moved out)"),
        },
    )
    daily_job_register(
        "remediation.serious_move",
        func="remediation.jobs.serious_move_job",
        order=170,
        label=_("Three years in the directory: reminders and moves to the serious list"),
        count_labels={
            "serious_due_set": _("three-year dates filled in"),
            "reminded": _("reminders sent (60 days before)"),
            "moved": _("moved to the serious list"),
            "bars_missing": _("legal representatives without an identity number"),
        },
    )
    daily_job_register(
        "remediation.serious_expiry",
        func="remediation.jobs.serious_expire_job",
        order=175,
        label=_("End of serious-list terms"),
        count_labels={"expired": _("serious listings ended with their term")},
    )
