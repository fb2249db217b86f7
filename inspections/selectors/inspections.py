"""Reads of inspections for the pages, the API and the admin (issue 17 §4, §6, §8).

Who sees which inspection (`inspections_for_user`):
- bureau staff (and superusers) holding `view_inspection`: every one;
- a partner department's staff holding `view_inspection`: those their department leads, those
  with an item of their department (a joint visit) and those they are assigned to;
- an enterprise user: its own enterprise's, once published;
- anyone else: none.
An inspector works on the inspections of their department (the detail page shows the
entity's name and address to them even when another department supervises it: a joint visit
needs both); the register's own pages stay behind its jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from credit_portal.models import Department, StaffProfile, User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from credit_portal.workdays import add_working_days
from inspections import rules
from inspections.models import Inspection, InspectionAssignment, InspectionCheck
from inspections.permissions import InspectionPerm

Status = Inspection.Status
TO_RECORD = (Status.ASSIGNED, Status.RETURNED)
AWAITING_PUBLICATION = (Status.RECORDED, Status.RETURNED, Status.REVIEWED)
# An inspection with a result (the dashboard counts these: `dashboard.measures.inspections`).
WITH_RESULT = (Status.RECORDED, Status.RETURNED, Status.REVIEWED, Status.PUBLISHED)

# The task list's views.
SCOPE_MINE = "mine"
SCOPE_DEPARTMENT = "department"
SCOPE_REVIEW = "review"
SCOPE_PUBLISH = "publish"
SCOPE_ALL = "all"
SCOPES = (SCOPE_MINE, SCOPE_DEPARTMENT, SCOPE_REVIEW, SCOPE_PUBLISH, SCOPE_ALL)


def _base() -> QuerySet[Inspection]:
    return Inspection.objects.select_related(
        "enterprise", "department", "draw", "lead", "recorded_by", "reviewed_by"
    )


def inspections_for_user(*, user: User) -> QuerySet[Inspection]:
    """The inspections a user may see (module docstring)."""
    qs = _base()
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None:
        return qs.filter(enterprise_id=membership.enterprise_id, status=Status.PUBLISHED)
    if not user.has_perm(InspectionPerm.VIEW_INSPECTION):
        return qs.none()
    if bureau_profiles(user=user).exists():
        return qs
    own = departments_of_jurisdiction(user=user).values("pk")
    joint = InspectionCheck.objects.filter(
        inspection_id=OuterRef("pk"), item__department_id__in=own
    )
    mine = InspectionAssignment.objects.filter(inspection_id=OuterRef("pk"), inspector__user=user)
    return qs.filter(Q(department_id__in=own) | Exists(joint) | Exists(mine))


def inspection_for_user(*, user: User, pk: int) -> Inspection:
    """One inspection the user may see; a 404 otherwise."""
    found = inspections_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No inspection with this number is visible to you."))
    return found


def assigned_to(*, user: User) -> QuerySet[Inspection]:
    """The inspections the user is assigned to (through their `Inspector`)."""
    return _base().filter(assignments__inspector__user=user)


def is_inspector(user: User) -> bool:
    return bool(user.is_authenticated and hasattr(user, "inspector"))


def default_scope(user: User) -> str:
    """The task list a user starts on: an inspector their own tasks, a reviewer the results to
    review, anyone else every inspection they may see."""
    if is_inspector(user):
        return SCOPE_MINE
    if user.has_perm(InspectionPerm.REVIEW):
        return SCOPE_REVIEW
    return SCOPE_ALL


def task_list(
    *,
    user: User,
    scope: str,
    today: dt.date,
    status: str = "",
    origin: str = "",
    overdue: bool = False,
    search: str = "",
    department: Department | None = None,
    draw_id: int | None = None,
    year: int | None = None,
    division: str = "",
    with_result: bool = False,
    problems: bool = False,
) -> QuerySet[Inspection]:
    """A task list: `scope` mine (assigned to me, open), department (my departments' open
    ones), review (recorded, awaiting review), publish (reviewed, awaiting publication), all
    (everything visible). Filters: status, origin, overdue (to record past `due_by`, or
    awaiting publication past `publish_due`), a credit code or part of a name, a department,
    a draw, the year the check ended (`check_ended_on`), the entity's street (`division`), with
    a result (`WITH_RESULT`), problems found. Open ones first, the earliest due
    first (`due_by`, then `publish_due`)."""
    qs = inspections_for_user(user=user)
    if scope == SCOPE_MINE:
        qs = qs.filter(
            Exists(
                InspectionAssignment.objects.filter(
                    inspection_id=OuterRef("pk"), inspector__user=user
                )
            ),
            status__in=(*TO_RECORD, Status.RECORDED, Status.REVIEWED),
        )
    elif scope == SCOPE_DEPARTMENT:
        # The user's own department (a bureau officer: the bureau's), not all they may see.
        own = StaffProfile.objects.filter(user=user).values("department_id")
        joint = InspectionCheck.objects.filter(
            inspection_id=OuterRef("pk"), item__department_id__in=own
        )
        qs = qs.filter(
            Q(department_id__in=own) | Exists(joint),
            status__in=(*TO_RECORD, Status.RECORDED),
        )
    elif scope == SCOPE_REVIEW:
        qs = qs.filter(status=Status.RECORDED)
    elif scope == SCOPE_PUBLISH:
        qs = qs.filter(status=Status.REVIEWED)
    if status:
        qs = qs.filter(status=status)
    if origin:
        qs = qs.filter(origin=origin)
    if department is not None:
        qs = qs.filter(department=department)
    if draw_id is not None:
        qs = qs.filter(draw_id=draw_id)
    if year:
        qs = qs.filter(check_ended_on__range=(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if division:
        qs = qs.filter(enterprise__division=division)
    if with_result:
        qs = qs.filter(status__in=WITH_RESULT)
    if problems:
        qs = qs.filter(status__in=WITH_RESULT, problems_found=True)
    if overdue:
        qs = qs.filter(
            Q(status__in=TO_RECORD, due_by__lt=today)
            | Q(status__in=AWAITING_PUBLICATION, publish_due__lt=today)
        )
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(enterprise__uscc__iexact=search.upper()) | Q(enterprise__name__contains=search)
        )
    return qs.annotate(
        open_rank=Case(
            When(status__in=(*TO_RECORD, Status.RECORDED, Status.REVIEWED), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_rank", "due_by", "publish_due", "id")


@dataclass
class Timing:
    """Where an inspection stands against its two clocks, for a list row or a page."""

    overdue: bool = False  # to record past its `due_by`
    publish_overdue: bool = False  # awaiting publication past its `publish_due`
    publish_soon: bool = False  # due for publication within DUE_SOON_WORKING_DAYS
    late_days: int = 0


def timing(inspection: Inspection, today: dt.date) -> Timing:
    t = Timing()
    if inspection.status in TO_RECORD and inspection.due_by < today:
        t.overdue = True
        t.late_days = (today - inspection.due_by).days
    if inspection.status in AWAITING_PUBLICATION and inspection.publish_due is not None:
        if inspection.publish_due < today:
            t.publish_overdue = True
        elif inspection.publish_due <= add_working_days(today, rules.DUE_SOON_WORKING_DAYS):
            t.publish_soon = True
    return t


@dataclass
class ItemGroup:
    """The items of one plan (and department) in a visit: joint visits have several."""

    plan: Any
    department: Any
    checks: list[InspectionCheck] = field(default_factory=list)


def check_groups(inspection: Inspection) -> list[ItemGroup]:
    """The checks grouped by plan, then by the item's department (a triggered inspection's
    checks have no plan), each with its item's checklist."""
    groups: dict[tuple[int, int], ItemGroup] = {}
    checks = inspection.checks.select_related(
        "item__department", "item__required_skill", "plan"
    ).order_by("plan__code", "item__department__sort_order", "item__code")
    for check in checks:
        key = (check.plan_id or 0, check.item.department_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ItemGroup(plan=check.plan, department=check.item.department)
        group.checks.append(check)
    return list(groups.values())


def assignments_of(inspection: Inspection) -> list[InspectionAssignment]:
    return list(
        inspection.assignments.select_related("inspector__user", "inspector__department").order_by(
            "position"
        )
    )


def rows_with_details(inspections: list[Inspection]) -> dict[int, dict[str, Any]]:
    """For a page of a task list: each inspection's items (grouped) and inspectors, in a few
    queries whatever the page's length."""
    ids = [i.pk for i in inspections]
    out: dict[int, dict[str, Any]] = {pk: {"groups": [], "inspectors": []} for pk in ids}
    if not ids:
        return out
    checks = (
        InspectionCheck.objects.filter(inspection_id__in=ids)
        .select_related("item__department", "plan")
        .order_by("inspection_id", "plan__code", "item__department__sort_order", "item__code")
    )
    grouped: dict[int, dict[tuple[int, int], ItemGroup]] = {pk: {} for pk in ids}
    for check in checks:
        key = (check.plan_id or 0, check.item.department_id)
        bucket = grouped[check.inspection_id]
        if key not in bucket:
            bucket[key] = ItemGroup(plan=check.plan, department=check.item.department)
        bucket[key].checks.append(check)
    for pk in ids:
        out[pk]["groups"] = list(grouped[pk].values())
    for assignment in (
        InspectionAssignment.objects.filter(inspection_id__in=ids)
        .select_related("inspector__user", "inspector__department")
        .order_by("inspection_id", "position")
    ):
        out[assignment.inspection_id]["inspectors"].append(assignment.inspector)
    return out


def own_published(*, user: User) -> QuerySet[Inspection]:
    """An enterprise user's own enterprise's published inspections, newest first."""
    membership = getattr(user, "enterprise_membership", None)
    if membership is None:
        return Inspection.objects.none()
    return (
        _base()
        .filter(enterprise_id=membership.enterprise_id, status=Status.PUBLISHED)
        .order_by("-published_on", "-id")
    )
