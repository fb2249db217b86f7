"""What enforcement and credit repair put in a staff member's inbox (credit_portal.inbox, issue
18 §5): repair applications to accept or decide, soft-enforcement documents to approve, to serve
and whose rectification period ended, penalty decisions to publish, objections to accept or
verify, and pending listings whose buffer ended.

Jurisdiction is each list page's own rule (the `*_for_user` selectors), written lazily with
`credit_portal.inbox.jurisdiction_q` so that the navigation's count stays one query: repairs,
who decided repairs (the bureau: every one; a partner department: its own decisions'); soft
documents, penalties, directory cases and objections, the deciding department's (the bureau's
staff: all). Due dates are the working-day deadlines each row keeps (docs/domain.md §3, §5, §9),
except a soft-enforcement document's approval and service, which no law times: those are due a
few calendar days after the draft or the approval (`remediation.rules.SOFT_ACTION_APPROVE_DAYS`,
`SOFT_ACTION_SERVE_DAYS`, bureau practice to confirm).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from credit_portal.inbox import inbox_shape, inbox_source_declare, jurisdiction_q, name_of
from credit_portal.models import User
from enterprises.models import Enterprise
from remediation.models import (
    DirectoryCase,
    ListingObjection,
    PenaltyDecision,
    RepairApplication,
    SoftAction,
)
from remediation.permissions import RemediationPerm
from remediation.rules import SOFT_ACTION_APPROVE_DAYS as APPROVE_DAYS
from remediation.rules import SOFT_ACTION_SERVE_DAYS as SERVE_DAYS
from remediation.selectors.penalties import publication_waiting_q

Repair = RepairApplication.Status
Soft = SoftAction.Status
Penalty = PenaltyDecision.Status
Objection = ListingObjection.Status


def _shape(qs: QuerySet[Any], *, due: Any, step: Any) -> Any:
    return inbox_shape(qs, due=due, step=step, name=name_of(Enterprise, "enterprise_id"))


def repairs_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Applications to accept (submitted: by `acceptance_due`) or to decide (accepted: by
    `decision_due`), who decided repairs."""
    qs = RepairApplication.objects.filter(
        jurisdiction_q(user, "penalty__department_id"),
        Q(status=Repair.SUBMITTED) | Q(status=Repair.ACCEPTED, decision_due__isnull=False),
    )
    return _shape(
        qs,
        due=Case(
            When(status=Repair.SUBMITTED, then=F("acceptance_due")),
            default=F("decision_due"),
            output_field=DateField(),
        ),
        step=Case(
            When(status=Repair.SUBMITTED, then=Value("accept")),
            default=Value("decide"),
            output_field=CharField(),
        ),
    )


def _days_after(day: Any, days: int) -> Cast:
    """`day` plus `days` calendar days, as a date (in SQL)."""
    return Cast(
        ExpressionWrapper(day + Value(dt.timedelta(days=days)), output_field=DateTimeField()),
        output_field=DateField(),
    )


def soft_actions_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Documents to approve (drafts: due `SOFT_ACTION_APPROVE_DAYS` calendar days after they
    were written), to serve (approved: due `SOFT_ACTION_SERVE_DAYS` calendar days after
    approval) for those who may, and rectifications whose period ended (served with the
    deadline passed, or marked overdue: verify, escalate or close). No law sets the first two
    periods: they are the bureau's practice (`remediation.rules`, docs/domain.md §9)."""
    steps = Q(status=Soft.OVERDUE) | Q(status=Soft.SERVED, deadline__lt=today)
    if user.has_perm(RemediationPerm.APPROVE_SOFT_ACTION):
        steps |= Q(status=Soft.DRAFT)
    if user.has_perm(RemediationPerm.SERVE_SOFT_ACTION):
        steps |= Q(status=Soft.APPROVED)
    qs = SoftAction.objects.filter(jurisdiction_q(user, "department_id"), steps)
    return _shape(
        qs,
        due=Case(
            When(status=Soft.DRAFT, then=_days_after(TruncDate("created_at"), APPROVE_DAYS)),
            When(
                status=Soft.APPROVED,
                then=_days_after(Coalesce("issued_on", TruncDate("approved_at")), SERVE_DAYS),
            ),
            default=Coalesce("deadline", "overdue_on"),
            output_field=DateField(),
        ),
        step=Case(
            When(status=Soft.DRAFT, then=Value("approve")),
            When(status=Soft.APPROVED, then=Value("serve")),
            default=Value("rectification"),
            output_field=CharField(),
        ),
    )


def penalties_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Decisions whose publication is due (20 WD from the decision; Order 45 arts. 9, 10):
    drafts to record, recorded ones to publish (or push to the home province)."""
    qs = PenaltyDecision.objects.filter(
        jurisdiction_q(user, "department_id", bureau_sees_all=False),
        publication_waiting_q(),
        publication_due__isnull=False,
    )
    return _shape(
        qs,
        due=F("publication_due"),
        step=Case(
            When(status=Penalty.DRAFT, then=Value("record")),
            default=Value("publish"),
            output_field=CharField(),
        ),
    )


def objections_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Objections to accept (received: 5 WD) or to verify and decide (accepted)."""
    qs = ListingObjection.objects.filter(
        jurisdiction_q(user, "case__department_id", bureau_sees_all=False),
        Q(status=Objection.RECEIVED) | Q(status=Objection.ACCEPTED, verification_due__isnull=False),
    )
    return _shape(
        qs,
        due=Case(
            When(status=Objection.RECEIVED, then=F("acceptance_due")),
            default=F("verification_due"),
            output_field=DateField(),
        ),
        step=Case(
            When(status=Objection.RECEIVED, then=Value("accept")),
            default=Value("verify"),
            output_field=CharField(),
        ),
    )


def directory_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Pending listings whose buffer has ended (today included) and are not listed yet: list
    them, or close the case if the cause was cured."""
    qs = DirectoryCase.objects.filter(
        jurisdiction_q(user, "department_id", bureau_sees_all=False),
        state=DirectoryCase.State.PENDING,
        buffer_deadline__lte=today,
    )
    return _shape(qs, due=F("buffer_deadline"), step=Value("list", output_field=CharField()))


def declare_inbox_sources() -> None:
    inbox_source_declare(
        "remediation.repairs",
        label=_("Credit repair"),
        func=repairs_waiting,
        order=100,
        perm=RemediationPerm.DECIDE_REPAIR,
        url_name="remediation:repair_detail",
        list_url_name="remediation:repair_list",
        steps={
            "accept": _("Accept or refuse the repair application"),
            "decide": _("Decide the repair application"),
        },
    )
    inbox_source_declare(
        "remediation.soft_actions",
        label=_("Soft enforcement"),
        func=soft_actions_waiting,
        order=110,
        perm=RemediationPerm.VIEW_SOFT_ACTION,
        url_name="remediation:soft_action_detail",
        list_url_name="remediation:soft_action_list",
        steps={
            "approve": _("Approve the document"),
            "serve": _("Serve the document"),
            "rectification": _("Rectification period ended: verify or escalate"),
        },
    )
    inbox_source_declare(
        "remediation.penalties",
        label=_("Penalties to publish"),
        func=penalties_waiting,
        order=120,
        perm=RemediationPerm.PUBLISH_PENALTY,
        url_name="remediation:penalty_detail",
        list_url_name="remediation:penalty_list",
        steps={
            "record": _("Record the decision (its publication is due)"),
            "publish": _("Publish the penalty decision"),
        },
    )
    inbox_source_declare(
        "remediation.objections",
        label=_("Objections"),
        func=objections_waiting,
        order=130,
        perm=RemediationPerm.DECIDE_OBJECTION,
        url_name="remediation:objection_detail",
        list_url_name="remediation:objection_list",
        steps={
            "accept": _("Accept or refuse the objection"),
            "verify": _("Verify the objection and decide"),
        },
    )
    inbox_source_declare(
        "remediation.directory",
        label=_("Abnormal directory"),
        func=directory_waiting,
        order=140,
        perm=RemediationPerm.DECIDE_DIRECTORY,
        url_name="remediation:directory_detail",
        list_url_name="remediation:directory_list",
        steps={"list": _("Buffer ended: list the entity or close the case")},
    )
