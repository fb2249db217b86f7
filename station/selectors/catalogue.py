"""Reads of the policy catalogue for its keepers (the staff pages and the API)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from station.models import PolicyMeasure

CHANGE = "station.change_policymeasure"


def measure_list(*, active: bool | None = None, search: str = "") -> QuerySet[PolicyMeasure]:
    """The catalogue, active measures first, by code; filtered by state and words (code, title,
    document number). The catalogue is the district's: every keeper reads all of it."""
    qs = PolicyMeasure.objects.select_related("department").order_by("-is_active", "code")
    if active is not None:
        qs = qs.filter(is_active=active)
    search = (search or "").strip()[:100]
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(title__icontains=search)
            | Q(document_number__icontains=search)
        )
    return qs


def measure_may_change(*, user: User, measure: PolicyMeasure) -> bool:
    """Whether the user changes this measure: the change codename, and the measure's issuing
    department within the user's jurisdiction (a measure without one: any staff of a
    department)."""
    if not user.has_perm(CHANGE):
        return False
    departments = departments_of_jurisdiction(user=user)
    if measure.department_id is None:
        return bool(departments.exists())
    return bool(departments.filter(pk=measure.department_id).exists())
