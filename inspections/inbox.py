"""What inspections put in a staff member's inbox (credit_portal.inbox, issue 18 §5): the
inspections this inspector is assigned to record (by `due_by`), results to review and to
publish (by `publish_due`, 20 WD after the check), and leads on their legal clocks (verify by,
accept by, mediation ends, tell the reporter by: `next_due_expression`).

Jurisdiction as the list pages' (`inspections_for_user`, `leads_for_user`), written lazily
(credit_portal.inbox.jurisdiction_q): results and leads of the departments in the user's
jurisdiction (the bureau: all); inspections to record are the user's own assignments.
Recusals have no pending state to decide (they are recorded in force), so they add nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from credit_portal.inbox import inbox_shape, inbox_source_declare, jurisdiction_q, name_of
from credit_portal.models import User
from enterprises.models import Enterprise
from inspections.models import Inspection, InspectionAssignment, Lead
from inspections.permissions import InspectionPerm
from inspections.selectors.leads import next_due_expression
from inspections.services.leads import OPEN_STATUSES

Status = Inspection.Status
LeadStatus = Lead.Status


def _shape(qs: QuerySet[Any], *, due: Any, step: Any) -> Any:
    return inbox_shape(qs, due=due, step=step, name=name_of(Enterprise, "enterprise_id"))


def inspections_to_record(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Inspections the user is assigned to that wait for their record (or its correction)."""
    mine = InspectionAssignment.objects.filter(inspection_id=OuterRef("pk"), inspector__user=user)
    qs = Inspection.objects.filter(Exists(mine), status__in=(Status.ASSIGNED, Status.RETURNED))
    return _shape(
        qs,
        due=F("due_by"),
        step=Case(
            When(status=Status.RETURNED, then=Value("correct")),
            default=Value("record"),
            output_field=CharField(),
        ),
    )


def results_to_publish(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Results recorded (to review) or reviewed (to publish), due for publication 20 WD after
    the check ended, of the user's departments."""
    qs = Inspection.objects.filter(
        jurisdiction_q(user, "department_id", bureau_sees_all=False),
        status__in=(Status.RECORDED, Status.REVIEWED),
        publish_due__isnull=False,
    )
    return _shape(
        qs,
        due=F("publish_due"),
        step=Case(
            When(status=Status.RECORDED, then=Value("review")),
            default=Value("publish"),
            output_field=CharField(),
        ),
    )


def leads_due(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Leads with a step due, on their legal clocks, of the user's departments.

    The rows that can have a step due are chosen first, by plain column tests: open leads
    (`OPEN_STATUSES`, on the `lead_status_kind_idx` index) or a decided one whose named reporter
    is still to be told (`notify_due` set, `notified_on` not): the nav count (every staff page)
    computes `next_due_expression` over those only, never over the closed leads of years past.
    """
    qs = (
        Lead.objects.filter(
            jurisdiction_q(user, "department_id", bureau_sees_all=False),
            Q(status__in=OPEN_STATUSES) | Q(notify_due__isnull=False, notified_on__isnull=True),
        )
        .annotate(inbox_next=next_due_expression())
        .filter(inbox_next__isnull=False)
    )
    step = Case(
        When(
            Q(status__in=[LeadStatus.RECEIVED, LeadStatus.VERIFYING])
            & ~Q(kind=Lead.Kind.COMPLAINT),
            then=Value("verify"),
        ),
        When(Q(status=LeadStatus.RECEIVED, kind=Lead.Kind.COMPLAINT), then=Value("accept")),
        When(Q(status=LeadStatus.MEDIATING), then=Value("mediation")),
        default=Value("notify"),
        output_field=CharField(),
    )
    return _shape(qs, due=F("inbox_next"), step=step)


def declare_inbox_sources() -> None:
    inbox_source_declare(
        "inspections.record",
        label=_("Inspections to record"),
        func=inspections_to_record,
        order=200,
        perm=InspectionPerm.RECORD,
        url_name="inspections:inspection",
        list_url_name="inspections:tasks",
        steps={
            "record": _("Inspect and record the result"),
            "correct": _("Correct the returned record"),
        },
    )
    inbox_source_declare(
        "inspections.results",
        label=_("Results to publish"),
        func=results_to_publish,
        order=210,
        perm=InspectionPerm.REVIEW,
        url_name="inspections:inspection",
        list_url_name="inspections:tasks",
        steps={
            "review": _("Review the inspection result"),
            "publish": _("Publish the inspection result"),
        },
    )
    inbox_source_declare(
        "inspections.leads",
        label=_("Leads"),
        func=leads_due,
        order=220,
        perm=InspectionPerm.HANDLE_LEAD,
        url_name="inspections:lead_detail",
        list_url_name="inspections:lead_list",
        steps={
            "verify": _("Verify the lead"),
            "accept": _("Accept or refuse the complaint"),
            "mediation": _("Mediation ends: close it"),
            "notify": _("Tell the reporter the outcome"),
        },
    )
