"""Reads of the draws (issue 17 §3, §8): the draws a staff user may see, the public draws, one
draw's stepper, chain, strata and jobs, the files the public may download now, the visits of a
draw (staff) and the drawn entities of a revealed draw (public).

Who sees what
- Staff holding `view_draw` (the views check it): bureau staff every draw; a partner
  department's staff the draws with a plan their department takes part in. The visits of a
  draw are listed within the register's jurisdiction (`enterprise_list_for_user`).
- The public: every draw's commitment at once (a draw is public from its commitment, DRAW 1),
  the commitment files at once, the other files and the drawn entities only once revealed
  (DRAW 4: private until inspected, so that nobody can warn a firm).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from credit_portal.models import User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.selectors import enterprise_list_for_user
from inspections.models import (
    Draw,
    DrawFile,
    DrawJob,
    DrawStratum,
    Inspection,
    InspectionAssignment,
    InspectionCheck,
    Selection,
)
from inspections.services.draws import draw_files_public

Status = Draw.Status

# The stepper of a draw's page (DRAW 1-4): each step, and the statuses at which it is done.
STEPS: tuple[tuple[str, Any], ...] = (
    ("committed", _("Committed")),
    ("outside", _("Outside value recorded")),
    ("derived", _("Drawn")),
    ("revealed", _("Revealed")),
)
_DONE_UP_TO = {
    Status.COMMITTED: 0,
    Status.OUTSIDE: 1,
    Status.DERIVED: 2,
    Status.REVEALED: 3,
}


@dataclass(frozen=True)
class Step:
    key: str
    label: Any
    done: bool
    current: bool


def draw_steps(draw: Draw) -> list[Step]:
    """The four steps, those reached marked done, the next one current (a superseded draw:
    the steps it reached, none current)."""
    if draw.status == Status.SUPERSEDED:
        reached = (
            3
            if draw.revealed_at
            else 2
            if draw.derived_at
            else 1
            if draw.outside_recorded_at
            else 0
        )
        current = -1
    else:
        reached = _DONE_UP_TO.get(Status(draw.status), 0)
        current = reached + 1
    return [
        Step(key, label, done=i <= reached, current=i == current)
        for i, (key, label) in enumerate(STEPS)
    ]


def bureau_wide(*, user: User) -> bool:
    return bool(user.is_superuser or bureau_profiles(user=user).exists())


def draws_list() -> QuerySet[Draw]:
    return Draw.objects.select_related("redraw_of", "committed_by").order_by("-committed_at", "-id")


def draws_for_user(*, user: User) -> QuerySet[Draw]:
    """The draws a staff user may see (the views check `view_draw` first): every draw for the
    bureau's staff, the draws of a plan of their department for a partner department's."""
    draws = draws_list()
    if not user.is_authenticated:
        return draws.none()
    if bureau_wide(user=user):
        return draws
    departments = departments_of_jurisdiction(user=user).values("pk")
    return draws.filter(
        Q(plans__departments__in=departments) | Q(plans__lead_department__in=departments)
    ).distinct()


def public_draws() -> QuerySet[Draw]:
    """Every draw, the newest first: commitments are public at once (DRAW 1), a superseded
    draw stays visible beside its redraw (DRAW 5). Never selects the server seed for a draw
    not revealed: the pages read it from `public_seed`."""
    return draws_list().defer("server_seed")


def public_draw(ref: str) -> Draw | None:
    """A public draw by its number, or by its id when `ref` is a number that is no draw's
    number (the public API's `/public/draws/<id>/`)."""
    found = public_draws().filter(number=ref).first()
    if found is None and ref.isascii() and ref.isdigit() and len(ref) < 12:
        found = public_draws().filter(pk=int(ref)).first()
    return found


def is_revealed(draw: Draw) -> bool:
    """Revealed (a superseded draw that was made may be revealed too: it keeps its status)."""
    return draw.revealed_at is not None


def public_seed(draw: Draw) -> str:
    """The server seed once the draw is revealed; "" before (never shown earlier)."""
    if not is_revealed(draw):
        return ""
    return Draw.objects.values_list("server_seed", flat=True).get(pk=draw.pk)


def draw_strata(draw: Draw) -> list[DrawStratum]:
    return list(draw.strata.select_related("plan").order_by("plan__code", "stratum"))


def draw_plans(draw: Draw) -> list[Any]:
    return list(
        draw.plans.select_related("lead_department")
        .prefetch_related("departments")
        .order_by("code")
    )


@dataclass(frozen=True)
class StrataTotals:
    pool: int
    excluded: int
    target: int
    selected: int


def strata_totals(strata: list[DrawStratum]) -> StrataTotals:
    return StrataTotals(
        pool=sum(s.pool_size for s in strata),
        excluded=sum(s.excluded for s in strata),
        target=sum(s.target for s in strata),
        selected=sum(s.selected for s in strata),
    )


@dataclass(frozen=True)
class PublicStratum:
    """A stratum as the public sees it: its opaque label of the published files, its pool and
    how many to draw; never the class it stands for nor the ratio (risk classes are internal,
    docs/domain.md §1; the mapping is the private strata.tsv, committed by its hash)."""

    plan: str
    label: str
    pool: int
    target: int


def public_strata(draw: Draw) -> list[PublicStratum]:
    """The strata of the draw's public commitment (its manifest), by plan and label."""
    return [
        PublicStratum(
            plan=str(plan["code"]),
            label=str(s["label"]),
            pool=int(s["pool"]),
            target=int(s["target"]),
        )
        for plan in sorted((draw.manifest or {}).get("plans", []), key=lambda p: p["code"])
        for s in plan.get("strata", [])
    ]


@dataclass(frozen=True)
class Chain:
    """A draw's neighbours: the draw whose commitment is its `previous_hash`, the draw that
    chained to it, the draw it redraws and the redraw that superseded it."""

    previous: Draw | None
    following: Draw | None
    redraw_of: Draw | None
    redrawn_by: Draw | None


def draw_chain(draw: Draw, draws: QuerySet[Draw]) -> Chain:
    """The neighbours among `draws` (what the reader may see)."""
    previous = (
        draws.filter(commitment_hash=draw.previous_hash).first() if draw.previous_hash else None
    )
    following = draws.filter(previous_hash=draw.commitment_hash).first()
    redraw_of = draws.filter(pk=draw.redraw_of_id).first() if draw.redraw_of_id else None
    redrawn_by = draws.filter(redraw_of_id=draw.pk).first()
    return Chain(previous, following, redraw_of, redrawn_by)


def draw_jobs(draw: Draw) -> list[DrawJob]:
    return list(DrawJob.objects.filter(draw=draw).select_related("requested_by").order_by("-id"))


def draw_job_running(draw: Draw) -> DrawJob | None:
    return (
        DrawJob.objects.filter(draw=draw, status__in=["pending", "running"]).order_by("-id").first()
    )


def jobs_unfinished() -> QuerySet[DrawJob]:
    """Commit jobs not finished yet (their draw does not exist yet): the list shows them."""
    return (
        DrawJob.objects.filter(status__in=["pending", "running"])
        .select_related("requested_by", "draw")
        .order_by("-id")
    )


def job_for_user(*, user: User, pk: int) -> DrawJob | None:
    """A draw job the user may see: its draw's, or (a commit not finished or failed) the job
    of a plan of their department."""
    job = DrawJob.objects.select_related("draw", "requested_by").filter(pk=pk).first()
    if job is None:
        return None
    if job.draw_id is not None:
        return job if draws_for_user(user=user).filter(pk=job.draw_id).exists() else None
    if bureau_wide(user=user) or job.requested_by_id == user.pk:
        return job
    from inspections.models import SamplingPlan

    plan_ids = [int(p) for p in (job.params or {}).get("plans", []) if str(p).isdigit()]
    departments = departments_of_jurisdiction(user=user).values("pk")
    mine = SamplingPlan.objects.filter(pk__in=plan_ids, departments__in=departments).exists()
    return job if mine else None


def files_public_now(draw: Draw) -> list[DrawFile]:
    """What the public may download now (DRAW 1, 4): the commitment's files at once, the rest
    once the draw is revealed (`inspections.services.draws.draw_files_public`)."""
    return list(draw_files_public(draw=draw))


def draw_files(draw: Draw) -> list[DrawFile]:
    return list(draw.files.order_by("name"))


def visits_of(*, draw: Draw, user: User) -> QuerySet[Inspection]:
    """The visits a draw made (one per drawn entity: a joint visit carries every plan's items),
    with their plans and inspectors, within the user's jurisdiction."""
    visits = (
        Inspection.objects.filter(draw=draw)
        .select_related("enterprise", "department")
        .prefetch_related(
            Prefetch(
                "checks",
                queryset=InspectionCheck.objects.select_related("plan").only(
                    "inspection_id", "plan__code", "plan__name", "item_id"
                ),
            ),
            Prefetch(
                "assignments",
                queryset=InspectionAssignment.objects.select_related(
                    "inspector__user", "inspector__department"
                ),
            ),
        )
        .order_by("enterprise__uscc")
    )
    if not bureau_wide(user=user):
        visits = visits.filter(enterprise__in=enterprise_list_for_user(user=user).values("pk"))
    return visits


def visit_plans(inspection: Inspection) -> list[str]:
    """The codes of the plans a visit carries items of, once each, sorted."""
    return sorted({c.plan.code for c in inspection.checks.all() if c.plan is not None})


def public_selection(draw: Draw) -> QuerySet[Selection]:
    """The entities a revealed draw drew, by plan and credit code (none before the reveal)."""
    if not is_revealed(draw):
        return Selection.objects.none()
    return (
        Selection.objects.filter(draw=draw)
        .select_related("plan", "enterprise")
        .only("plan__code", "enterprise__uscc", "enterprise__name", "rank", "draw_id")
        .order_by("plan__code", "enterprise__uscc")
    )


def manifest_plans(draw: Draw) -> list[dict[str, Any]]:
    """The plans as the commitment names them (the manifest's own words: what was committed),
    each with its strata."""
    plans = (draw.manifest or {}).get("plans") or []
    return [p for p in plans if isinstance(p, dict)]
