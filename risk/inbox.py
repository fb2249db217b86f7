"""What classification puts in a staff member's inbox (credit_portal.inbox, issue 18 §5): the
class change tasks of sensing (issue 16 §8) — an enterprise moved up to C or D, or down from
D — open for the user's departments, each due `risk.rules.TASK_WORKING_DAYS` working days
after its run. Jurisdiction as `risk.selectors.tasks_for`: the departments of the user's
jurisdiction, and only for users who may see the register.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from credit_portal.inbox import inbox_shape, inbox_source_declare, jurisdiction_q, name_of
from credit_portal.models import User
from enterprises.models import Enterprise
from risk import rules
from risk.models import ClassChangeTask
from risk.permissions import RiskPerm

VIEW_REGISTER = "enterprises.view_enterprise"


def tasks_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Open class change tasks of the user's departments, by due date."""
    qs = ClassChangeTask.objects.filter(done_at__isnull=True)
    if not user.has_perm(VIEW_REGISTER):
        qs = qs.none()
    qs = qs.filter(jurisdiction_q(user, "department_id", bureau_sees_all=False))
    up = Q(to_class__in=rules.TASK_CLASSES_UP) & (
        Q(from_class="") | Q(to_class__gt=F("from_class"))
    )
    return inbox_shape(
        qs,
        due=None,  # the task's own due_on
        step=Case(When(up, then=Value("up")), default=Value("down"), output_field=CharField()),
        name=name_of(Enterprise, "enterprise_id"),
    )


def _task_url(row: dict[str, Any]) -> str:
    return f"{reverse('risk:tasks')}#note-{row['item_id']}"


def declare_inbox_sources() -> None:
    inbox_source_declare(
        "risk.tasks",
        label=_("Class changes"),
        func=tasks_waiting,
        order=300,
        perm=RiskPerm.CHANGE_TASK,
        url=_task_url,
        list_url_name="risk:tasks",
        steps={
            "up": _("Moved into class C or D: act and acknowledge"),
            "down": _("Moved down from class D: review and acknowledge"),
        },
    )
