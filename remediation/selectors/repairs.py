"""Reads of credit repair (docs/domain.md §5): the staff queue, one application with what it
concerns, the enterprise's repairable records with their eligibility, and the outbox.

Jurisdiction (`repair_applications_for_user`): who decided, repairs (谁认定、谁修复; docs/domain.md
§5). The bureau's staff (and superusers) see every application; a partner department's staff
only those whose repaired record their department decided (`PenaltyDecision.department`; a
ledger record without a decision, and every listing, is the bureau's, so none of those); an
enterprise user its own enterprise's; anyone else nothing (a 404 at the view). The outbox and
the steps follow the same rule (`repair_decided_within`).

Cost: the enterprise's page evaluates every record's eligibility with one `RepairContext`, so it
costs a constant number of queries whatever the number of records (pinned by a test).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils.translation import gettext as _

from credit_portal.models import AuditEvent, User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from credit_portal.workdays import Deadline, is_provisional, working_days_between
from enterprises.kinds import Section, kind_codes
from enterprises.models import CreditRecord, Enterprise
from remediation.kinds import ABNORMAL_LISTING, PENALTY, REPAIR, SERIOUS_LISTING
from remediation.models import PenaltyDecision, RepairApplication, RepairAttachment, RepairSync
from remediation.rules import Eligibility, repair_context, repair_eligibility

Status = RepairApplication.Status
OPEN = (Status.SUBMITTED, Status.ACCEPTED)
# The repair each kind of ledger record may have.
REPAIR_KIND_OF_RECORD: dict[str, str] = {
    PENALTY: RepairApplication.Kind.PENALTY_PUBLICITY,
    ABNORMAL_LISTING: RepairApplication.Kind.ABNORMAL_REMOVAL,
    SERIOUS_LISTING: RepairApplication.Kind.SERIOUS_REMOVAL,
}
LISTING_KINDS = frozenset({ABNORMAL_LISTING, SERIOUS_LISTING})


def record_date_label(record_kind: str) -> str:
    """What a record's date is, by its kind, in the active language: a listing's is the day
    it was listed ("Listed on"), a penalty's the day it was decided ("Decided on")."""
    return _("Listed on") if record_kind in LISTING_KINDS else _("Decided on")


def attachment_kind_label(attachment_kind: str, repair_kind: str) -> str:
    """The label of an upload's kind for the repair it was sent with, in the active language.

    The model's choices name the evidence of a penalty's repair (its performance and the
    correction); a listing's removal asks its own, as the application does
    (`statement_wording`): the directory, the cause of the listing cured; the serious list,
    the penalty performed and the harm removed. Other kinds read as the model's choices."""
    if attachment_kind == RepairAttachment.Kind.EVIDENCE:
        if repair_kind == RepairApplication.Kind.ABNORMAL_REMOVAL:
            return _("Evidence that the cause of the listing was cured")
        if repair_kind == RepairApplication.Kind.SERIOUS_REMOVAL:
            return _("Evidence that the penalty was performed and the harm removed")
    labels = dict(RepairAttachment.Kind.choices)
    return str(labels.get(attachment_kind, attachment_kind))


# Groups of statuses the queue filters by (the dashboard's repair figures): decided (approved
# or refused: the time to decide), pending (submitted or accepted: not yet decided).
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "decided": (Status.APPROVED, Status.REFUSED),
    "pending": (Status.SUBMITTED, Status.ACCEPTED),
}


def repair_applications_for_user(*, user: User) -> QuerySet[RepairApplication]:
    """The applications a user may see (module docstring: who decided, repairs)."""
    qs = RepairApplication.objects.select_related(
        "enterprise", "record", "submitted_by", "decided_by"
    )
    if not user.is_authenticated:
        return qs.none()
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None and not user.is_superuser:
        return qs.filter(enterprise_id=membership.enterprise_id)
    if user.is_superuser or bureau_profiles(user=user).exists():
        return qs
    # A partner department: the repairs of its own decisions only (none without a decision).
    return qs.filter(penalty__department_id__in=departments_of_jurisdiction(user=user).values("pk"))


def repair_decided_within(*, user: User, application: RepairApplication) -> bool:
    """Whether the record `application` repairs was decided within the user's jurisdiction
    (who decided, repairs): its PenaltyDecision's department, else the bureau's. One query."""
    departments = departments_of_jurisdiction(user=user)
    if application.penalty_id is None:
        return departments.filter(is_bureau=True).exists()
    return departments.filter(
        pk__in=PenaltyDecision.objects.filter(pk=application.penalty_id).values("department_id")
    ).exists()


def repair_application_for_user(*, user: User, pk: int) -> RepairApplication:
    """One application the user may see; Http404 otherwise."""
    found = repair_applications_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No credit repair application with this number is visible to you."))
    return found


def repair_queue(
    *,
    user: User,
    today: dt.date,
    kind: str = "",
    status: str = "",
    overdue: bool = False,
    search: str = "",
    year: int | None = None,
    submitted_year: int | None = None,
    division: str = "",
) -> QuerySet[RepairApplication]:
    """The staff queue: open applications first, by the day their next step is due (the
    acceptance for a submitted one, the decision for an accepted one), the overdue ones at the
    top; then the decided ones, newest first. Filters: kind, status (or a group of statuses,
    `STATUS_GROUPS`), overdue only, the year decided (`decided_on`), the year submitted (local
    date of `submitted_at`, as the dashboard counts), the entity's street (`division`), and a
    credit code or a part of the enterprise's name."""
    qs = repair_applications_for_user(user=user).annotate(
        open_rank=Case(
            When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        due_on=Case(
            When(status=Status.SUBMITTED, then="acceptance_due"),
            When(status=Status.ACCEPTED, then="decision_due"),
            default=None,
        ),
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status in STATUS_GROUPS:
        qs = qs.filter(status__in=STATUS_GROUPS[status])
    elif status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(decided_on__range=(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if submitted_year:
        first, last = dt.date(submitted_year, 1, 1), dt.date(submitted_year, 12, 31)
        qs = qs.alias(_submitted_day=TruncDate("submitted_at")).filter(
            _submitted_day__range=(first, last)
        )
    if division:
        qs = qs.filter(enterprise__division=division)
    if overdue:
        qs = qs.filter(
            Q(status=Status.SUBMITTED, acceptance_due__lt=today)
            | Q(status=Status.ACCEPTED, decision_due__lt=today)
        )
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(enterprise__uscc__iexact=search)
            | Q(enterprise__name__contains=search)
            | Q(record__document_number__contains=search)
        )
    return qs.order_by("open_rank", "due_on", "-submitted_at", "-id")


@dataclass(frozen=True)
class Due:
    """The next step of an application and when it is due: its deadline (provisional or not),
    and how many working days are left (negative: overdue by that many)."""

    label: str
    deadline: Deadline
    working_days_left: int

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.working_days_left


def repair_due(application: RepairApplication, *, today: dt.date) -> Due | None:
    """The next step's due date: acceptance (submitted), decision (accepted); None when
    decided."""
    if application.status == Status.SUBMITTED:
        label, day = _("Acceptance due"), application.acceptance_due
    elif application.status == Status.ACCEPTED and application.decision_due:
        label, day = _("Decision due"), application.decision_due
    else:
        return None
    provisional = application.due_provisional or is_provisional(day)
    return Due(label, Deadline(day, provisional), working_days_between(today, day))


def repair_deadlines(application: RepairApplication) -> dict[str, Deadline | None]:
    """The application's due dates ("acceptance", "decision", "effect"; None when not set),
    each marked provisional when it was counted across a year whose holiday schedule is not
    known: the flag kept for the step now due (`due_provisional`), the calendar's for the
    others."""

    def mark(day: dt.date | None, current: bool) -> Deadline | None:
        if day is None:
            return None
        return Deadline(day, (current and application.due_provisional) or is_provisional(day))

    status = application.status
    return {
        "acceptance": mark(application.acceptance_due, status == Status.SUBMITTED),
        "decision": mark(application.decision_due, status == Status.ACCEPTED),
        "effect": mark(application.effect_due, status == Status.APPROVED),
    }


def repair_unavailable_message(
    *, enterprise: Enterprise, record_pk: int, today: dt.date
) -> str | None:
    """Why the enterprise cannot apply for the repair of its record `record_pk` (the apply
    page's message when it sends the user back to /me/repairs/): already repaired (when, and
    by which application), or not repairable (the eligibility's reasons: its publicity ended,
    it was closed, another department decided it, it is never repairable early; or a record
    no repair concerns). None when the record is not the enterprise's (the page's 404) or
    could be applied for."""
    from enterprises.selectors.letters import closing_record

    record = (
        CreditRecord.objects.filter(pk=record_pk, enterprise=enterprise)
        .select_related("closed_by")
        .first()
    )
    if record is None:
        return None
    approved = (
        RepairApplication.objects.filter(record=record, status=Status.APPROVED)
        .order_by("-decided_on", "-id")
        .first()
    )
    if approved is not None and approved.decided_on is not None:
        return _(
            "This record was already repaired on %(day)s (application no. %(id)d): there is "
            "nothing more to apply for."
        ) % {"day": approved.decided_on.isoformat(), "id": approved.pk}
    closer = closing_record(record)
    if closer is not None and closer.kind == REPAIR:
        return _(
            "This record was already repaired on %(day)s: there is nothing more to apply for."
        ) % {"day": closer.occurred_on.isoformat()}
    kind = REPAIR_KIND_OF_RECORD.get(record.kind)
    if kind is None:
        return _(
            "This record is not repairable: a credit repair concerns penalties in publicity and "
            "listings in the abnormal directory or on the serious list."
        )
    record.enterprise = enterprise
    eligibility = repair_eligibility(kind=kind, record=record, today=today)
    if eligibility.eligible:
        return None
    reasons = " ".join(eligibility.reasons) or _("It cannot be repaired now.")
    return _("This record is not repairable: %(reasons)s") % {"reasons": reasons}


def repair_audit_events(*, application: RepairApplication) -> QuerySet[AuditEvent]:
    """The audit history of the application itself, newest first."""
    return (
        AuditEvent.objects.filter(
            target_type=RepairApplication._meta.label_lower, target_id=str(application.pk)
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )


def repair_ledger_records(*, application: RepairApplication, limit: int = 30) -> list[CreditRecord]:
    """The enterprise's ledger as the case needs it, newest first: its latest records, with
    the record repaired and the repair among them whatever their age."""
    wanted = {application.record_id, application.repair_record_id} - {None}
    records = list(
        CreditRecord.objects.filter(enterprise_id=application.enterprise_id)
        .select_related("closes", "closed_by", "recorded_by")
        .order_by("-occurred_on", "-id")[:limit]
    )
    missing = wanted - {r.pk for r in records}
    if missing:
        records += list(
            CreditRecord.objects.filter(pk__in=missing).select_related(
                "closes", "closed_by", "recorded_by"
            )
        )
        records.sort(key=lambda r: (r.occurred_on, r.pk), reverse=True)
    return records


def repair_attachment_for_user(
    *, user: User, application_pk: int, attachment_pk: int
) -> RepairAttachment:
    """An upload of an application the user may see; Http404 otherwise."""
    application = repair_application_for_user(user=user, pk=application_pk)
    found = RepairAttachment.objects.filter(application=application, pk=attachment_pk).first()
    if found is None:
        raise Http404(_("No such file."))
    found.application = application
    return found


@dataclass(frozen=True)
class Repairable:
    """A record of the enterprise that a repair may concern, as its self-service page shows
    it: what it is, its eligibility today, and the application made for it, if any."""

    kind: str  # RepairApplication.Kind
    record: CreditRecord
    eligibility: Eligibility
    decision: PenaltyDecision | None
    application: RepairApplication | None

    @property
    def date_label(self) -> str:
        """ "Listed on" or "Decided on" (`record_date_label`)."""
        return record_date_label(self.record.kind)


def repairable_records(
    *, enterprise: Enterprise, today: dt.date, record_pk: int | None = None
) -> list[Repairable]:
    """The enterprise's penalties public today (and its open listings), each with its
    eligibility for an early repair and its latest application; only the record `record_pk`
    when given (`repairable_record_for`).

    Cost: a constant number of queries for any number of records (the records, their
    applications and decisions, and the eligibility's reads once for all: `RepairContext`)."""
    found = CreditRecord.objects.filter(
        enterprise=enterprise,
        kind__in=[PENALTY, ABNORMAL_LISTING, SERIOUS_LISTING],
        closed_by__isnull=True,
    )
    if record_pk is not None:
        found = found.filter(pk=record_pk)
    records = list(found.order_by("-occurred_on", "-id"))
    for record in records:
        record.enterprise = enterprise  # the eligibility reads it: no query per record
    penalties = set(kind_codes(section=Section.PENALTIES))
    shown = [
        r
        for r in records
        if (r.kind in penalties and r.is_public_on(today, closed=False))
        or r.kind in {ABNORMAL_LISTING, SERIOUS_LISTING}
    ]
    latest: dict[int, RepairApplication] = {}
    for app in RepairApplication.objects.filter(record__in=shown).order_by("submitted_at", "id"):
        latest[app.record_id] = app
    decisions = {
        d.credit_record_id: d
        for d in PenaltyDecision.objects.filter(credit_record__in=shown).select_related(
            "violation_type", "department"
        )
    }
    kind_of = REPAIR_KIND_OF_RECORD
    context = repair_context(shown)
    result = []
    for record in shown:
        kind = kind_of[record.kind]
        result.append(
            Repairable(
                kind=kind,
                record=record,
                eligibility=repair_eligibility(
                    kind=kind, record=record, today=today, context=context
                ),
                decision=decisions.get(record.pk),
                application=latest.get(record.pk),
            )
        )
    return result


def repairable_record_for(*, enterprise: Enterprise, record_pk: int, today: dt.date) -> Repairable:
    """One of `repairable_records`, the only one evaluated; Http404 when the enterprise has no
    such record."""
    for item in repairable_records(enterprise=enterprise, today=today, record_pk=record_pk):
        return item
    raise Http404(_("No such record of your enterprise can be repaired here."))


@dataclass(frozen=True)
class NetworkOutbox:
    network: str
    label: str
    pending: int
    exported: int
    confirmed: int
    overdue: int  # not confirmed after the effect was due
    batches: list[dict[str, object]]


def repair_sync_outbox(*, user: User, today: dt.date, batches: int = 10) -> list[NetworkOutbox]:
    """Per outside network: how many repairs wait to be exported, wait for confirmation, are
    confirmed, and are late (not confirmed after the effect was due); the latest batches."""
    scope = RepairSync.objects.filter(
        application__in=repair_applications_for_user(user=user).values("pk")
    )
    counts = {
        (row["network"], row["status"]): row["n"]
        for row in scope.values("network", "status").annotate(n=Count("id"))
    }
    late = {
        row["network"]: row["n"]
        for row in scope.exclude(status=RepairSync.Status.CONFIRMED)
        .filter(application__effect_due__lt=today)
        .values("network")
        .annotate(n=Count("id"))
    }
    result = []
    for network, label in RepairSync.Network.choices:
        recent = list(
            scope.filter(network=network)
            .exclude(export_batch="")
            .values("export_batch")
            .annotate(
                n=Count("id"),
                waiting=Count("id", filter=Q(status=RepairSync.Status.EXPORTED)),
            )
            .order_by("-export_batch")[:batches]
        )
        result.append(
            NetworkOutbox(
                network=network,
                label=str(label),
                pending=counts.get((network, RepairSync.Status.PENDING), 0),
                exported=counts.get((network, RepairSync.Status.EXPORTED), 0),
                confirmed=counts.get((network, RepairSync.Status.CONFIRMED), 0),
                overdue=late.get(network, 0),
                batches=recent,
            )
        )
    return result
