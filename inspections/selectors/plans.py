"""Reads of the list of items, the library of inspectors, recusals and sampling plans, for the
pages, the API and the admin (docs/domain.md §2 "One list, two libraries", "Annual plan").

Jurisdiction (`credit_portal.selectors.departments_of_jurisdiction`): the bureau's staff see
every plan, inspector and recusal; a partner department's staff the plans their department
leads or takes part in, and their own department's inspectors and recusals; anyone else none.
The list of items is public (its checklists are published to firms): every member of staff
with the codename reads all of it, the public the active items (`public_items`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import get_language

from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.industries import division_label
from enterprises.models import Enterprise
from inspections.models import (
    InspectionItem,
    Inspector,
    PlanStratum,
    Recusal,
    SamplingPlan,
    Stratum,
)


def localized(zh: str, en: str) -> str:
    """A name in the reader's language (Chinese unless English is asked and there is one)."""
    return en if (get_language() or "").startswith("en") and en else zh


# --------------------------------------------------------------------------- scope


def plan_covers(plan: SamplingPlan, enterprise: Enterprise) -> bool:
    """Whether the plan's scope (定向: industries, streets, entity types; empty: all) takes in
    the entity. The pools apply the same test in SQL (`inspections.services.pools`)."""
    if plan.industries and enterprise.industry_division not in plan.industries:
        return False
    if plan.streets and enterprise.division not in plan.streets:
        return False
    return not (plan.entity_types and enterprise.entity_type not in plan.entity_types)


def scope_lines(plan: SamplingPlan) -> dict[str, list[str]]:
    """The scope in words: each industry division with its name, each entity type's label;
    empty lists mean "all"."""
    language = get_language() or "zh-hans"
    types = dict(Enterprise.EntityType.choices)
    return {
        "industries": [f"{d} {division_label(d, language)}" for d in plan.industries or []],
        "streets": list(plan.streets or []),
        "entity_types": [str(types.get(t, t)) for t in plan.entity_types or []],
    }


# --------------------------------------------------------------------------- items


def items_list(
    *, q: str = "", department: Any = None, active: bool | None = None
) -> QuerySet[InspectionItem]:
    queryset = InspectionItem.objects.select_related("department", "required_skill").annotate(
        plans_n=Count("plans", distinct=True)
    )
    if q:
        queryset = queryset.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(name_en__icontains=q)
            | Q(legal_basis__icontains=q)
        )
    if department is not None:
        queryset = queryset.filter(department=department)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.order_by("code")


def public_items() -> QuerySet[InspectionItem]:
    """The active items, with what the public may read (the checklist published to firms)."""
    return (
        InspectionItem.objects.filter(is_active=True)
        .select_related("department")
        .only(
            "code",
            "name",
            "name_en",
            "legal_basis",
            "subject",
            "content",
            "method",
            "safety_sensitive",
            "checklist",
            "department__name",
            "department__name_en",
            "department__sort_order",
            "department__code",
        )
        .order_by("department__sort_order", "department__code", "code")
    )


# --------------------------------------------------------------------------- inspectors


def inspectors_for_user(*, user: User) -> QuerySet[Inspector]:
    return (
        Inspector.objects.filter(department__in=departments_of_jurisdiction(user=user))
        .select_related("user", "user__staff_profile", "department")
        .prefetch_related("skills")
    )


def inspector_list_filter(
    queryset: QuerySet[Inspector], data: Mapping[str, Any]
) -> QuerySet[Inspector]:
    q = str(data.get("q") or "").strip()
    if q:
        queryset = queryset.filter(
            Q(user__username__icontains=q)
            | Q(user__display_name__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__staff_profile__badge_number__icontains=q)
        )
    if data.get("department"):
        queryset = queryset.filter(department=data["department"])
    if data.get("skill"):
        queryset = queryset.filter(skills=data["skill"])
    active = data.get("active")
    if active in {"yes", "no"}:
        queryset = queryset.filter(is_active=active == "yes")
    return queryset


def recusals_for_user(*, user: User) -> QuerySet[Recusal]:
    """Recusals of the inspectors of the user's jurisdiction (never public)."""
    return Recusal.objects.filter(
        inspector__department__in=departments_of_jurisdiction(user=user)
    ).select_related("inspector__user", "inspector__department", "enterprise", "created_by")


# --------------------------------------------------------------------------- plans


def plans_for_user(*, user: User) -> QuerySet[SamplingPlan]:
    """The plans the user's departments lead or take part in."""
    departments = departments_of_jurisdiction(user=user)
    taking_part = SamplingPlan.departments.through.objects.filter(
        samplingplan_id=OuterRef("pk"), department__in=departments
    )
    return SamplingPlan.objects.filter(
        Q(lead_department__in=departments) | Q(Exists(taking_part))
    ).select_related("lead_department")


# The status filter's value for every plan but the drafts (the plans the bureau has set).
PLAN_SET = "set"


def plan_list_filter(
    queryset: QuerySet[SamplingPlan], data: Mapping[str, Any]
) -> QuerySet[SamplingPlan]:
    if data.get("year"):
        queryset = queryset.filter(year=data["year"])
    if data.get("status") == PLAN_SET:
        # The plans the bureau has set (the dashboard's plans): every one but the drafts.
        queryset = queryset.exclude(status=SamplingPlan.Status.DRAFT)
    elif data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("kind"):
        queryset = queryset.filter(kind=data["kind"])
    if data.get("department"):
        queryset = queryset.filter(
            Q(lead_department=data["department"])
            | Q(
                Exists(
                    SamplingPlan.departments.through.objects.filter(
                        samplingplan_id=OuterRef("pk"), department=data["department"]
                    )
                )
            )
        )
    if data.get("joint") in {"yes", "no"}:
        queryset = queryset.annotate(departments_n=Count("departments", distinct=True))
        queryset = (
            queryset.filter(departments_n__gt=1)
            if data["joint"] == "yes"
            else queryset.filter(departments_n__lte=1)
        )
    q = str(data.get("q") or "").strip()
    if q:
        queryset = queryset.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(name_en__icontains=q)
        )
    return queryset


def plans_with_lists(queryset: QuerySet[SamplingPlan]) -> QuerySet[SamplingPlan]:
    """The plans with their departments, items and strata, in one query each."""
    return queryset.prefetch_related(
        "departments",
        Prefetch("items", queryset=InspectionItem.objects.select_related("department")),
        Prefetch("strata", queryset=PlanStratum.objects.order_by("stratum")),
    ).annotate(draws_n=Count("draws", distinct=True))


def plan_years(queryset: QuerySet[SamplingPlan]) -> list[int]:
    return sorted(set(queryset.values_list("year", flat=True)), reverse=True)


@dataclass(frozen=True)
class StratumRow:
    stratum: str
    label: str
    ratio: Decimal | None
    frequency: int | None


def strata_table(plan: SamplingPlan) -> list[StratumRow]:
    """Every stratum in order, with the plan's ratio and frequency (None: not drawn)."""
    given = {s.stratum: s for s in plan.strata.all()}
    rows = []
    for value, label in Stratum.choices:
        row = given.get(value)
        rows.append(
            StratumRow(
                stratum=value,
                label=str(label),
                ratio=row.ratio if row else None,
                frequency=row.frequency if row else None,
            )
        )
    return rows
