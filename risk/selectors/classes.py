"""Reads of one enterprise's classification and of the runs, the models and the tasks.

Jurisdiction: callers fetch the enterprise through the register's
`enterprise_list_for_user` (an enterprise outside a user's reach is a 404); the lists that are
not about one enterprise (tasks) filter on the user's departments here
(`credit_portal.selectors.departments_of_jurisdiction`, as the register does).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from credit_portal.models import User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import enterprise_list_for_user
from risk.models import (
    Assessment,
    ClassChangeTask,
    ClassificationRun,
    ClassOverride,
    CurrentClass,
    ModelVersion,
    ScoringModel,
    VersionBand,
    VersionIndicator,
)


def current_for(enterprise: Enterprise) -> CurrentClass | None:
    """The enterprise's current class (with its version, model and override), or None when it
    has never been classified (or is not classified any more)."""
    return (
        CurrentClass.objects.select_related("version__model", "override__created_by")
        .filter(enterprise_id=enterprise.pk)
        .first()
    )


def override_open_for(enterprise: Enterprise) -> ClassOverride | None:
    """The enterprise's open override, if any (at most one: a constraint)."""
    return (
        ClassOverride.objects.select_related("created_by")
        .filter(enterprise_id=enterprise.pk, ended_on__isnull=True)
        .first()
    )


def overrides_for(*, enterprise: Enterprise) -> QuerySet[ClassOverride]:
    """Every override of the enterprise, the newest first."""
    return ClassOverride.objects.select_related("created_by", "ended_by").filter(
        enterprise_id=enterprise.pk
    )


def assessments_for(*, enterprise: Enterprise) -> QuerySet[Assessment]:
    """The enterprise's assessments, the newest first (index risk_assess_ent_idx), each with
    its run and its model version."""
    return (
        Assessment.objects.select_related("run", "version__model")
        .filter(enterprise_id=enterprise.pk)
        .order_by("-id")
    )


def runs_list() -> QuerySet[ClassificationRun]:
    """Every run, the newest first, with what a list shows of it (its version, the enterprise
    of a one-enterprise run, who started it)."""
    return ClassificationRun.objects.select_related(
        "version__model", "enterprise", "created_by"
    ).order_by("-created_at", "-id")


def bureau_wide(*, user: User) -> bool:
    """Whether the user sees the whole district (a superuser, the bureau's staff), not one
    partner department's share of it."""
    return bool(user.is_superuser or bureau_profiles(user=user).exists())


def runs_for(user: User, *, bureau: bool | None = None) -> QuerySet[ClassificationRun]:
    """The runs the user may see: every run for the bureau's staff; for a partner
    department's, the runs over the register and those of one enterprise of its jurisdiction.
    `bureau`: `bureau_wide(user=user)`, when the caller has it already."""
    runs = runs_list()
    if bureau_wide(user=user) if bureau is None else bureau:
        return runs
    return runs.filter(
        Q(enterprise__isnull=True)
        | Q(enterprise__in=enterprise_list_for_user(user=user).values("pk"))
    )


def models_list() -> QuerySet[ScoringModel]:
    """The scoring models, the general one first, each with its versions (newest first), and
    each version with its indicators (by family and code) and its bands: four queries
    whatever the number of models and versions."""
    versions = ModelVersion.objects.select_related("published_by", "created_by").prefetch_related(
        Prefetch(
            "entries",
            queryset=VersionIndicator.objects.select_related("indicator").order_by(
                "indicator__family", "indicator__code"
            ),
        ),
        Prefetch("bands", queryset=VersionBand.objects.order_by("score_from")),
    )
    return ScoringModel.objects.prefetch_related(
        Prefetch("versions", queryset=versions.order_by("-number"))
    ).order_by("-is_general", "code")


def tasks_for(*, user: User, open_only: bool = True) -> QuerySet[ClassChangeTask]:
    """The class change tasks of the departments the user may see (a partner department's
    staff: their own department's), overdue first: open ones by due date, then acknowledged
    ones, the latest first.

    Rules: issue 16 §8; jurisdiction as the register's (`departments_of_jurisdiction`); a user
    without `enterprises.view_enterprise` sees none, like the register."""
    qs = ClassChangeTask.objects.select_related(
        "enterprise", "department", "run", "done_by"
    ).order_by("done_at", "due_on", "id")
    if not user.is_authenticated or not user.has_perm(EnterprisePerm.VIEW):
        return qs.none()
    if not user.is_superuser:
        qs = qs.filter(department__in=departments_of_jurisdiction(user=user).values("pk"))
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs


def tasks_open_count(*, user: User) -> int:
    """How many open tasks the user's departments have (the navigation's badge: one indexed
    count, risk_task_open_idx)."""
    return tasks_for(user=user).count()


def tasks_for_enterprise(*, enterprise: Enterprise) -> QuerySet[ClassChangeTask]:
    """The enterprise's open tasks (its explanation page; the caller checked jurisdiction)."""
    return (
        ClassChangeTask.objects.select_related("department", "run")
        .filter(enterprise_id=enterprise.pk, done_at__isnull=True)
        .order_by("due_on", "id")
    )


def run_task_counts(*, run: ClassificationRun) -> dict[str, int]:
    """How many tasks a run gave, and how many of them are still open."""
    counts = ClassChangeTask.objects.filter(run=run).aggregate(
        total=Count("id"), open=Count("id", filter=Q(done_at__isnull=True))
    )
    return {"total": counts["total"] or 0, "open": counts["open"] or 0}
