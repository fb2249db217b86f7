"""Reads of leads (docs/domain.md §10 "Complaints and reports"): the leads a user may see, the
staff queue (by the nearest due day, the overdue first), each lead's clocks, a lead found by its
receipt code, and the daily counts of the clocks (`lead_clocks_job`).

Jurisdiction (`leads_for_user`): the bureau's staff see every lead; a partner department's staff
the leads their department handles; enterprise users and anyone else nothing (leads are never
shown to the entity they are about). The reporter's identity is read only through
`inspections.services.leads.lead_reporter_view`, which audits it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, DateField, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from credit_portal.workdays import Deadline, add_working_days, is_provisional, working_days_between
from inspections import rules
from inspections.models import Lead
from inspections.services.leads import OPEN_STATUSES, is_named, receipt_digest

Kind = Lead.Kind
Status = Lead.Status


def leads_for_user(*, user: User) -> QuerySet[Lead]:
    """The leads a user may see (module docstring)."""
    qs = Lead.objects.select_related("enterprise", "department", "handler", "referring_department")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    if getattr(user, "enterprise_membership", None) is not None:
        return qs.none()
    return qs.filter(department__in=departments_of_jurisdiction(user=user).values("pk"))


def lead_for_user(*, user: User, pk: int) -> Lead:
    """One lead the user may see; Http404 otherwise."""
    found = leads_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No lead with this number is visible to you."))
    return found


def lead_by_receipt(code: str) -> Lead | None:
    """The lead a receipt code belongs to, or None (a code is never stored, only its digest)."""
    if not (code or "").strip():
        return None
    return Lead.objects.filter(receipt_digest=receipt_digest(code)).first()


# --------------------------------------------------------------------------- due dates


def _notify_pending() -> Q:
    return Q(notify_due__isnull=False, notified_on__isnull=True)


def next_due_expression() -> Case:
    """The day the lead's next step is due, in SQL: verification (a report or referral being
    verified), acceptance (a complaint received), the end of mediation, or telling the named
    reporter (decided, not yet told); NULL when nothing is due."""
    return Case(
        When(
            Q(status__in=[Status.RECEIVED, Status.VERIFYING]) & ~Q(kind=Kind.COMPLAINT),
            then=F("verify_due"),
        ),
        When(Q(status=Status.RECEIVED, kind=Kind.COMPLAINT), then=F("accept_due")),
        When(Q(status=Status.MEDIATING), then=F("mediation_due")),
        When(_notify_pending(), then=F("notify_due")),
        default=Value(None),
        output_field=DateField(),
    )


def lead_queue(
    *,
    user: User,
    today: dt.date,
    kind: str = "",
    status: str = "",
    overdue: bool = False,
    search: str = "",
) -> QuerySet[Lead]:
    """The staff queue: leads with a step due first, by the day it is due (so the overdue are
    on top), then the others, newest first. Filters: kind, status, overdue only, a number,
    a credit code or part of the name of whom it is about."""
    qs = leads_for_user(user=user).annotate(next_due=next_due_expression())
    qs = qs.annotate(
        due_rank=Case(
            When(next_due__isnull=False, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(next_due__lt=today)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(number=search) | Q(enterprise__uscc__iexact=search) | Q(subject_name__contains=search)
        )
    return qs.order_by("due_rank", "next_due", "-received_on", "-id")


@dataclass(frozen=True)
class Due:
    """A step of a lead and when it is due; working days left (negative: overdue by so many)."""

    label: str
    deadline: Deadline
    working_days_left: int

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.working_days_left


def _deadline(start: dt.date | None, day: dt.date) -> Deadline:
    return Deadline(day, is_provisional(start or day, day))


def lead_due(lead: Lead, *, today: dt.date) -> Due | None:
    """The next step's due day (see `next_due_expression`), None when nothing is due."""
    label: str
    day: dt.date | None
    start: dt.date | None
    if lead.status in (Status.RECEIVED, Status.VERIFYING) and lead.kind != Kind.COMPLAINT:
        label, day, start = _("Verify and decide by"), lead.verify_due, lead.received_on
    elif lead.status == Status.RECEIVED and lead.kind == Kind.COMPLAINT:
        label, day, start = _("Accept or refuse by"), lead.accept_due, lead.received_on
    elif lead.status == Status.MEDIATING:
        label, day, start = _("Mediation ends by"), lead.mediation_due, lead.accepted_on
    elif lead.notify_due is not None and lead.notified_on is None:
        label, day, start = _("Tell the reporter by"), lead.notify_due, lead.decided_on
    else:
        return None
    if day is None:
        return None
    return Due(label, _deadline(start, day), working_days_between(today, day))


@dataclass(frozen=True)
class Clock:
    """One legal clock of a lead: its due day, the day its step was done (None: not yet), and
    whether it was, or is, late."""

    key: str
    label: str
    deadline: Deadline
    done_on: dt.date | None
    running: bool
    late: bool
    limit: str


def lead_clocks(lead: Lead, *, today: dt.date) -> list[Clock]:
    """Every clock of the lead with its state (the lead's page and the API)."""
    clocks: list[Clock] = []

    def add(
        key: str,
        label: str,
        start: dt.date | None,
        due: dt.date | None,
        done: dt.date | None,
        running: bool,
        limit: str,
    ) -> None:
        if due is None:
            return
        late = (done is not None and done > due) or (done is None and running and today > due)
        clocks.append(Clock(key, label, _deadline(start, due), done, running, late, limit))

    if lead.kind == Kind.COMPLAINT:
        add(
            "accept",
            _("Accept or refuse"),
            lead.received_on,
            lead.accept_due,
            lead.accepted_on or lead.refused_on,
            lead.status == Status.RECEIVED,
            _("%(n)d working days of receipt") % {"n": rules.COMPLAINT_ACCEPT_WORKING_DAYS},
        )
        add(
            "mediation",
            _("End the mediation"),
            lead.accepted_on,
            lead.mediation_due,
            lead.mediation_ended_on,
            lead.status == Status.MEDIATING,
            _("%(n)d working days of acceptance") % {"n": rules.COMPLAINT_MEDIATION_WORKING_DAYS},
        )
    else:
        limit = _("%(n)d working days of receipt") % {"n": rules.REPORT_VERIFY_WORKING_DAYS}
        if lead.extended_on is not None:
            limit += _(", extended by %(n)d") % {"n": rules.REPORT_EXTENSION_WORKING_DAYS}
        add(
            "verify",
            _("Verify and decide"),
            lead.received_on,
            lead.verify_due,
            lead.decided_on,
            lead.status in (Status.RECEIVED, Status.VERIFYING),
            limit,
        )
        add(
            "notify",
            _("Tell the reporter"),
            lead.decided_on,
            lead.notify_due,
            lead.notified_on,
            lead.notify_due is not None and lead.notified_on is None,
            _("%(n)d working days of the decision") % {"n": rules.REPORT_NOTIFY_WORKING_DAYS},
        )
    return clocks


def lead_can_extend(lead: Lead, *, today: dt.date) -> bool:
    return (
        lead.kind != Kind.COMPLAINT
        and lead.status in (Status.RECEIVED, Status.VERIFYING)
        and lead.extended_on is None
        and lead.verify_due is not None
        and today <= lead.verify_due
    )


def lead_awaits_notice(lead: Lead) -> bool:
    return lead.decided_on is not None and is_named(lead) and lead.notified_on is None


def lead_is_open(lead: Lead) -> bool:
    return lead.status in OPEN_STATUSES


# --------------------------------------------------------------------------- the daily job

CLOCK_FILTERS: dict[str, Q] = {
    "verify": Q(status__in=[Status.RECEIVED, Status.VERIFYING]) & ~Q(kind=Kind.COMPLAINT),
    "notify": _notify_pending(),
    "accept": Q(status=Status.RECEIVED, kind=Kind.COMPLAINT),
    "mediation": Q(status=Status.MEDIATING),
}
CLOCK_FIELDS = {
    "verify": "verify_due",
    "notify": "notify_due",
    "accept": "accept_due",
    "mediation": "mediation_due",
}


def lead_clock_counts(*, on: dt.date) -> dict[str, int]:
    """Per clock, how many leads are overdue on `on` (the due day passed, the step not done)
    and how many fall due within `DUE_SOON_WORKING_DAYS` WD (from `on`, inclusive): the
    figures the inbox reads. One aggregate query; changes nothing."""
    from django.db.models import Count

    soon = add_working_days(on, rules.DUE_SOON_WORKING_DAYS)
    aggregates = {}
    for clock, where in CLOCK_FILTERS.items():
        field = CLOCK_FIELDS[clock]
        aggregates[f"{clock}_overdue"] = Count("pk", filter=where & Q(**{f"{field}__lt": on}))
        aggregates[f"{clock}_due"] = Count(
            "pk", filter=where & Q(**{f"{field}__gte": on, f"{field}__lte": soon})
        )
    counts = Lead.objects.filter(Q(status__in=OPEN_STATUSES) | _notify_pending()).aggregate(
        **aggregates
    )
    return {name: int(value or 0) for name, value in counts.items()}


def lead_clocks_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """The daily job `inspections.lead_clocks` (order 230): the counts of `lead_clock_counts`
    for the run's row and the inbox; a read, so a second run gives the same counts."""
    return lead_clock_counts(on=on)
