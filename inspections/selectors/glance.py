"""Plans at a glance (issue 17 §7): for one year, each plan's progress (drawn, inspected,
reviewed, published, overdue), the year's totals, the share of inspections that found problems
per stratum ("does the class predict?") and the control draw's result beside the random draws'.

Counted from the inspections themselves (a few grouped queries, whatever the year's size):
- a visit counts under every plan whose items it carries (a joint visit is one visit of
  several plans), and once in the year's totals;
- cancelled visits (a superseded draw's unstarted ones, an entity found ineligible) do not
  count;
- inspected: a result recorded (recorded, returned for correction, reviewed or published);
  reviewed: reviewed or published;
- overdue: not inspected by its "inspect by" date, or not published by its "publish by" date
  (20 working days after the check ended, docs/domain.md §2 "Publication");
- a problem: `Inspection.problems_found` (a code of `inspections.rules.PROBLEM_CODES`).

A partner department's staff see the plans their department takes part in, and the shares of
those plans' visits.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from credit_portal.models import User
from enterprises.models import Enterprise
from inspections.models import Draw, DrawStratum, Inspection, SamplingPlan, Stratum
from inspections.selectors.draws import bureau_wide
from inspections.selectors.plans import plans_for_user  # the one scope of plans

IS = Inspection.Status
INSPECTED = (IS.RECORDED, IS.RETURNED, IS.REVIEWED, IS.PUBLISHED)
REVIEWED = (IS.REVIEWED, IS.PUBLISHED)
NOT_INSPECTED = (IS.ASSIGNED,)
# The strata in the order the page lists them: the classes, then the strata that are not one.
STRATA_ORDER = [s.value for s in Stratum]
CLASSES = ("A", "B", "C", "D")
HIGH = ("C", "D")
# The normal quantile of a two-sided 95 % interval (Wilson score interval of a share).
Z95 = 1.959963984540054


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=(*NOT_INSPECTED, IS.RETURNED), due_by__lt=today) | (
        Q(publish_due__lt=today) & ~Q(status__in=(IS.PUBLISHED, IS.CANCELLED))
    )


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of k in n, in percent ((0, 0) for no n)."""
    if not n:
        return (0.0, 0.0)
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


@dataclass
class Progress:
    drawn: int = 0
    inspected: int = 0
    reviewed: int = 0
    published: int = 0
    overdue: int = 0

    def percent(self, n: int) -> float:
        return 100.0 * n / self.drawn if self.drawn else 0.0

    @property
    def published_pct(self) -> float:
        return self.percent(self.published)

    @property
    def inspected_pct(self) -> float:
        return self.percent(self.inspected)

    @property
    def segments(self) -> list[dict[str, Any]]:
        """The stacked bar, 100 units wide: published, reviewed (to publish), inspected (to
        review), to inspect."""
        parts = [
            ("published", _("Published"), self.published),
            ("reviewed", _("Reviewed, to publish"), self.reviewed - self.published),
            ("inspected", _("Inspected, to review"), self.inspected - self.reviewed),
            ("todo", _("To inspect"), self.drawn - self.inspected),
        ]
        x = 0.0
        out = []
        for key, label, n in parts:
            if n <= 0:
                continue
            width = self.percent(n)
            out.append(
                {"key": key, "label": label, "n": n, "x": f"{x:.2f}", "width": f"{width:.2f}"}
            )
            x += width
        return out


@dataclass
class PlanRow:
    plan: SamplingPlan
    departments: list[Any]
    target: int
    progress: Progress

    @property
    def joint(self) -> bool:
        return len(self.departments) > 1


@dataclass
class Share:
    """Inspections with a result, and those that found problems, of one stratum."""

    stratum: str
    label: Any
    n: int = 0
    problems: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.problems / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.problems, self.n)

    @property
    def bar(self) -> dict[str, str]:
        low, high = self.interval
        return {
            "width": f"{self.percent:.2f}",
            "low": f"{low:.2f}",
            "high": f"{high:.2f}",
            "span": f"{max(0.0, high - low):.2f}",
        }


@dataclass
class Verdict:
    """What the control draw says of the classes (`tone`: ok, bad, muted)."""

    tone: str
    text: str


@dataclass
class Glance:
    year: int
    years: list[int]
    plans: list[PlanRow]
    totals: Progress
    plan_count: int
    joint_count: int
    joint_departments: int
    draws: int
    control_draws: int
    coverage: float | None
    register_size: int | None
    random_shares: list[Share] = field(default_factory=list)
    control_shares: list[Share] = field(default_factory=list)
    control: Share | None = None
    high: Share | None = None
    low: Share | None = None
    verdict: Verdict | None = None


def glance_years(*, user: User) -> list[int]:
    return sorted(set(plans_for_user(user=user).values_list("year", flat=True)), reverse=True)


def _counts(visits: QuerySet[Inspection], today: dt.date) -> dict[str, Any]:
    return {
        "drawn": Count("id", distinct=True),
        "inspected": Count("id", filter=Q(status__in=INSPECTED), distinct=True),
        "reviewed": Count("id", filter=Q(status__in=REVIEWED), distinct=True),
        "published": Count("id", filter=Q(status=IS.PUBLISHED), distinct=True),
        "overdue": Count("id", filter=overdue_q(today), distinct=True),
    }


def _shares(rows: list[dict[str, Any]]) -> dict[str, Share]:
    labels = dict(Stratum.choices)
    shares: dict[str, Share] = {}
    for row in rows:
        key = row["stratum"] or Stratum.UNCLASSIFIED
        share = shares.setdefault(key, Share(key, labels.get(key, key)))
        share.n += row["n"]
        share.problems += row["problems"]
    return shares


def _merge(stratum: str, label: Any, shares: list[Share]) -> Share:
    return Share(stratum, label, sum(s.n for s in shares), sum(s.problems for s in shares))


def _verdict(control: Share, low: Share, high: Share) -> Verdict:
    """Compare the control draw's low-risk firms with the firms drawn at random in classes
    C and D: the classes predict when the low-risk firms have clearly fewer problems."""
    if not control.n:
        return Verdict("muted", _("No result of the year's control draw has been recorded yet."))
    if not high.n:
        return Verdict(
            "muted",
            _("No result of a class C or D firm drawn at random yet: nothing to compare with."),
        )
    c_low, c_high = control.interval
    h_low, h_high = high.interval
    numbers = {
        "control": f"{control.percent:.1f}",
        "n": control.n,
        "high": f"{high.percent:.1f}",
        "m": high.n,
    }
    if c_high < h_low:
        return Verdict(
            "ok",
            _(
                "The classes predict: %(control)s%% of the %(n)s low-risk firms of the control "
                "draw had problems, against %(high)s%% of the %(m)s class C and D firms drawn "
                "at random (the 95%% intervals do not overlap)."
            )
            % numbers,
        )
    if c_low > h_high or control.percent >= high.percent:
        return Verdict(
            "bad",
            _(
                "The classes do not predict: %(control)s%% of the %(n)s low-risk firms of the "
                "control draw had problems, as many as or more than the %(high)s%% of the "
                "%(m)s class C and D firms drawn at random. Review the scoring model."
            )
            % numbers,
        )
    return Verdict(
        "muted",
        _(
            "Not clear yet: %(control)s%% of the %(n)s low-risk firms of the control draw had "
            "problems, against %(high)s%% of the %(m)s class C and D firms drawn at random; "
            "the 95%% intervals overlap (too few results so far)."
        )
        % numbers,
    )


def glance(*, user: User, year: int | None, today: dt.date) -> Glance:
    """The page's data for `year` (the latest year with plans when None or unknown)."""
    years = glance_years(user=user)
    if year not in years:
        year = today.year if today.year in years else (years[0] if years else today.year)
    plans = list(
        plans_for_user(user=user)
        .filter(year=year)
        .select_related("lead_department")
        .prefetch_related("departments")
        .order_by("code")
    )
    plan_ids = [p.pk for p in plans]
    visits = Inspection.objects.filter(draw__isnull=False, checks__plan__in=plan_ids).exclude(
        status=IS.CANCELLED
    )
    per_plan = {
        row["checks__plan"]: row
        for row in visits.values("checks__plan").annotate(**_counts(visits, today))
    }
    live_draws = Draw.objects.filter(plans__in=plan_ids).exclude(status=Draw.Status.SUPERSEDED)
    targets = {
        row["plan"]: row["t"]
        for row in DrawStratum.objects.filter(plan__in=plan_ids, draw__in=live_draws.values("pk"))
        .values("plan")
        .annotate(t=Sum("target"))
    }
    rows = []
    for plan in plans:
        counts = per_plan.get(plan.pk, {})
        rows.append(
            PlanRow(
                plan=plan,
                departments=list(plan.departments.all()),
                target=int(targets.get(plan.pk) or 0),
                progress=Progress(
                    drawn=counts.get("drawn", 0),
                    inspected=counts.get("inspected", 0),
                    reviewed=counts.get("reviewed", 0),
                    published=counts.get("published", 0),
                    overdue=counts.get("overdue", 0),
                ),
            )
        )
    # The year's visits once each (a joint visit is one visit).
    year_visits = Inspection.objects.filter(pk__in=visits.values("pk"))
    totals = Progress(**year_visits.aggregate(**_counts(year_visits, today)))
    joint = [r for r in rows if r.joint]
    joint_departments = len({d.pk for r in joint for d in r.departments})
    draws = Draw.objects.filter(plans__in=plan_ids).exclude(status=Draw.Status.SUPERSEDED)
    draw_count = draws.values("pk").distinct().count()
    control_draws = draws.filter(is_control=True).values("pk").distinct().count()
    coverage = register_size = None
    if bureau_wide(user=user):
        register_size = Enterprise.objects.filter(status=Enterprise.Status.OPERATING).count()
        entities = year_visits.values("enterprise").distinct().count()
        coverage = 100.0 * entities / register_size if register_size else 0.0

    by = (
        year_visits.filter(status__in=INSPECTED)
        .values("origin", "stratum")
        .annotate(n=Count("id"), problems=Count("id", filter=Q(problems_found=True)))
    )
    rows_by = list(by)
    random = _shares([r for r in rows_by if r["origin"] == Inspection.Origin.RANDOM])
    control_by = _shares([r for r in rows_by if r["origin"] == Inspection.Origin.CONTROL])
    random_shares = [random[s] for s in STRATA_ORDER if s in random]
    control_shares = [control_by[s] for s in STRATA_ORDER if s in control_by]
    control = _merge("control", _("Control draw (low risk)"), control_shares)
    high = _merge(
        "high", _("Classes C and D, drawn at random"), [random[s] for s in HIGH if s in random]
    )
    low = _merge("low", _("Class A, drawn at random"), [random[s] for s in ("A",) if s in random])
    return Glance(
        year=year,
        years=years or [year],
        plans=rows,
        totals=totals,
        plan_count=len(rows),
        joint_count=len(joint),
        joint_departments=joint_departments,
        draws=draw_count,
        control_draws=control_draws,
        coverage=coverage,
        register_size=register_size,
        random_shares=random_shares,
        control_shares=control_shares,
        control=control,
        high=high,
        low=low,
        verdict=_verdict(control, low, high),
    )
