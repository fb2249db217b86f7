"""The dashboard's inspection measures (issue 18 §1; docs/domain.md §2, Appendix A "44 plans",
"25 departments"): sampling plans and joint plans, inspections done and the share that found
problems per class ("does the classification predict?"), triggered against random, the
control draw against the random draws, and publication within 20 working days
(`inspections.rules.PUBLICATION_WORKING_DAYS`, read through `dashboard.rules`).

What is counted, and from what (the same rules as the plans-at-a-glance page,
`inspections.selectors.glance`, so the two pages agree)
- ``inspections.plans`` (个, not by street): the year's sampling plans (`SamplingPlan.year`),
  drafts left out (a draft is not yet a plan the bureau has set). A department's row: the plans
  it takes part in (lead or member).
- ``inspections.joint_plans`` (个, not by street): of those, the plans of more than one
  department (joint random checks). A department's row: the joint plans it takes part in.
- ``inspections.joint_departments`` (个部门, not by street): the distinct departments in the
  year's joint plans (the seed's 25: the bureau and 24 partners). A department's row: 1 if it
  takes part in one.
- ``inspections.done`` (次, by street): the inspections with a result (recorded, returned for
  correction, reviewed or published) whose check ended in the year, keys by origin: random,
  control, triggered. ``inspections.problems``: of those, the ones that found problems
  (`Inspection.problems_found`), same keys. Control against random: the shares of the two keys.
- ``inspections.class_done`` / ``inspections.class_problems`` (次, by street): the same for the
  **random draws only**, keys by the stratum each entity was drawn in (`Inspection.stratum`:
  its class that day, A-D, or X not classified, IB individual businesses, NR annual report
  missing). The control draw, which tests the classes, is shown beside them, not mixed in.
- ``inspections.publication`` (次, by street): the results due for publication in the year
  (`publish_due` in the year: 20 working days after the check ended), keys ``met`` (published
  by the due day), ``missed`` (published late, or still unpublished after it) and ``pending``
  (not yet due on the day of the count, or the year's last day); the total is met + missed.

Street: the entity's (`Enterprise.division`). Department: the inspection's lead department
(`Inspection.department`, the one whose work it is); the district-wide rows (department NULL)
count every inspection once. Cancelled inspections never count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from dashboard import rules as dashboard_rules
from dashboard.measures import (
    DEPARTMENTS,
    INSPECTIONS,
    PLANS,
    SECTION_CLASSIFIED,
    SECTION_LENIENCY,
    Measure,
    TallyRow,
)
from inspections.models import Inspection, SamplingPlan, Stratum
from inspections.selectors.inspections import WITH_RESULT
from inspections.selectors.plans import PLAN_SET

IS = Inspection.Status
ORIGIN = Inspection.Origin
STRATA = tuple(s.value for s in Stratum)
# Keyed by the class when drawn: internal (docs/domain.md §1), shown only with this permission.
VIEW_RISK = "enterprises.view_risk"


def _url(name: str, **query: Any) -> str:
    url = reverse(name)
    query = {k: v for k, v in query.items() if v not in ("", None)}
    return f"{url}?{urlencode(query)}" if query else url


def _plans_url(year: int, street: str) -> str:
    """The year's plans but the drafts (as counted)."""
    return _url("inspections:plan_list", year=year, status=PLAN_SET)


def _joint_url(year: int, street: str) -> str:
    return _url("inspections:plan_list", year=year, status=PLAN_SET, joint="yes")


def _glance_url(year: int, street: str) -> str:
    return _url("inspections:glance", year=year)


def _tasks_url(year: int, street: str, key: str = "") -> str:
    """The inspections list (every inspection the user may see) with a result, of the checks
    ended in the year, in the street, by origin for a key."""
    origin = key if key in ORIGIN.values else ""
    return _url(
        "inspections:tasks",
        scope="all",
        origin=origin,
        year=year,
        division=street,
        with_result="1",
    )


def _problems_url(year: int, street: str, key: str = "") -> str:
    """The same, of the inspections that found problems."""
    return f"{_tasks_url(year, street, key)}&problems=1"


def _random_url(year: int, street: str) -> str:
    """The random draws' inspections with a result (the classes' figures: by class when
    drawn, which the list shows per row)."""
    return _tasks_url(year, street, ORIGIN.RANDOM)


def _random_problems_url(year: int, street: str) -> str:
    return _problems_url(year, street, ORIGIN.RANDOM)


ORIGIN_KEYS = (
    (ORIGIN.RANDOM.value, _("Random draws")),
    (ORIGIN.CONTROL.value, _("Control draw")),
    (ORIGIN.TRIGGERED.value, _("Triggered by a lead")),
)
STRATUM_KEYS = tuple((s.value, s.label) for s in Stratum)

MEASURES: list[Measure] = [
    Measure(
        code="inspections.plans",
        label=_("Graded and classified sampling plans"),
        unit=PLANS,
        section=SECTION_CLASSIFIED,
        seed=True,
        by_street=False,
        list_url=_plans_url,
        order=100,
    ),
    Measure(
        code="inspections.joint_plans",
        label=_("Joint sampling plans"),
        unit=PLANS,
        section=SECTION_CLASSIFIED,
        by_street=False,
        list_url=_joint_url,
        order=110,
    ),
    Measure(
        code="inspections.joint_departments",
        label=_("Departments in joint plans"),
        unit=DEPARTMENTS,
        section=SECTION_CLASSIFIED,
        seed=True,
        by_street=False,
        list_url=_joint_url,
        order=120,
    ),
    Measure(
        code="inspections.done",
        label=_("Inspections with a result"),
        unit=INSPECTIONS,
        section=SECTION_CLASSIFIED,
        kind="breakdown",
        keys=ORIGIN_KEYS,
        list_url=_tasks_url,
        order=130,
        extra={"key_url": _tasks_url},
    ),
    Measure(
        code="inspections.problems",
        label=_("Inspections that found problems"),
        unit=INSPECTIONS,
        section=SECTION_CLASSIFIED,
        kind="breakdown",
        keys=ORIGIN_KEYS,
        list_url=_problems_url,
        order=140,
        extra={"key_url": _problems_url},
    ),
    Measure(
        code="inspections.class_done",
        label=_("Random inspections with a result, by class when drawn"),
        unit=INSPECTIONS,
        section=SECTION_CLASSIFIED,
        kind="breakdown",
        keys=STRATUM_KEYS,
        list_url=_random_url,
        perm=VIEW_RISK,
        order=150,
    ),
    Measure(
        code="inspections.class_problems",
        label=_("Random inspections that found problems, by class when drawn"),
        unit=INSPECTIONS,
        section=SECTION_CLASSIFIED,
        kind="breakdown",
        keys=STRATUM_KEYS,
        list_url=_random_problems_url,
        perm=VIEW_RISK,
        order=160,
    ),
    Measure(
        code="inspections.publication",
        label=dashboard_rules.within_working_days(
            _("Inspection results published within {days} working days"),
            dashboard_rules.INSPECTION_PUBLICATION_WORKING_DAYS,
        ),
        unit=INSPECTIONS,
        section=SECTION_LENIENCY,
        kind="breakdown",
        keys=(
            ("met", _("Published in time")),
            ("missed", _("Late or overdue")),
            ("pending", _("Not yet due")),
        ),
        list_url=_glance_url,
        order=900,
    ),
]


class _Rows:
    """Adds up (street, department, key) counts into a measure's rows: each department's, the
    district's (department NULL) and the totals (key "")."""

    def __init__(self, measure: str, *, total_keys: Iterable[str] | None = None) -> None:
        self.measure = measure
        self.total_keys = None if total_keys is None else set(total_keys)
        self.cells: dict[tuple[str, int | None, str], int] = {}

    def add(self, street: str, department: int, key: str, n: int) -> None:
        if not n:
            return
        for dep in (department, None):
            for k in (key, ""):
                if k == "" and self.total_keys is not None and key not in self.total_keys:
                    continue
                cell = (street, dep, k)
                self.cells[cell] = self.cells.get(cell, 0) + int(n)

    def rows(self) -> Iterable[TallyRow]:
        for (street, dep, key), n in sorted(
            self.cells.items(), key=lambda c: (c[0][0], c[0][1] or 0, c[0][2])
        ):
            yield (self.measure, street, dep, key, n)


def _plan_rows(year: int) -> Iterable[TallyRow]:
    """Plans, joint plans and their departments (three small queries over the year's plans)."""
    plans = SamplingPlan.objects.filter(year=year).exclude(status=SamplingPlan.Status.DRAFT)
    members = {
        (int(p), int(d))
        for p, d in plans.filter(departments__isnull=False).values_list("pk", "departments")
    }
    members |= {(int(p), int(d)) for p, d in plans.values_list("pk", "lead_department_id")}
    plan_ids = {p for p, _d in members} | set(plans.values_list("pk", flat=True))
    by_plan: dict[int, set[int]] = {p: set() for p in plan_ids}
    for p, d in members:
        by_plan[p].add(d)
    joint = {p for p, deps in by_plan.items() if len(deps) > 1}
    joint_departments = {d for p in joint for d in by_plan[p]}
    if plan_ids:
        yield ("inspections.plans", "", None, "", len(plan_ids))
    if joint:
        yield ("inspections.joint_plans", "", None, "", len(joint))
        yield ("inspections.joint_departments", "", None, "", len(joint_departments))
    per_department: dict[int, list[int]] = {}
    for p, deps in by_plan.items():
        for d in deps:
            per_department.setdefault(d, []).append(p)
    for d, own in sorted(per_department.items()):
        yield ("inspections.plans", "", d, "", len(own))
        own_joint = [p for p in own if p in joint]
        if own_joint:
            yield ("inspections.joint_plans", "", d, "", len(own_joint))
            yield ("inspections.joint_departments", "", d, "", 1)


def _result_rows(first: dt.date, last: dt.date) -> Iterable[TallyRow]:
    """Inspections with a result, and with problems, by origin and by the stratum drawn in
    (one grouped query)."""
    grouped = (
        Inspection.objects.filter(
            status__in=WITH_RESULT, check_ended_on__gte=first, check_ended_on__lte=last
        )
        .values("enterprise__division", "department_id", "origin", "stratum")
        .annotate(n=Count("id"), problems=Count("id", filter=Q(problems_found=True)))
        .order_by()
    )
    done, problems = _Rows("inspections.done"), _Rows("inspections.problems")
    class_done, class_problems = (
        _Rows("inspections.class_done"),
        _Rows("inspections.class_problems"),
    )
    for row in grouped:
        street = str(row["enterprise__division"] or "")
        department = int(row["department_id"])
        origin = str(row["origin"])
        done.add(street, department, origin, row["n"])
        problems.add(street, department, origin, row["problems"])
        if origin == ORIGIN.RANDOM:
            stratum = str(row["stratum"] or Stratum.UNCLASSIFIED)
            class_done.add(street, department, stratum, row["n"])
            class_problems.add(street, department, stratum, row["problems"])
    for rows in (done, problems, class_done, class_problems):
        yield from rows.rows()


def _publication_rows(first: dt.date, last: dt.date, today: dt.date) -> Iterable[TallyRow]:
    """Results due for publication in the year: met, missed, not yet due on `today` (one
    grouped query)."""
    published = Q(published_on__isnull=False)
    grouped = (
        Inspection.objects.filter(publish_due__gte=first, publish_due__lte=last)
        .exclude(status=IS.CANCELLED)
        .values("enterprise__division", "department_id")
        .annotate(
            met=Count("id", filter=published & Q(published_on__lte=F("publish_due"))),
            late=Count("id", filter=published & Q(published_on__gt=F("publish_due"))),
            open_past=Count("id", filter=Q(published_on__isnull=True, publish_due__lt=today)),
            open_due=Count("id", filter=Q(published_on__isnull=True, publish_due__gte=today)),
        )
        .order_by()
    )
    out = _Rows("inspections.publication", total_keys=("met", "missed"))
    for row in grouped:
        street = str(row["enterprise__division"] or "")
        department = int(row["department_id"])
        out.add(street, department, "met", row["met"])
        out.add(street, department, "missed", row["late"] + row["open_past"])
        out.add(street, department, "pending", row["open_due"])
    yield from out.rows()


def rows(
    *, year: int, first: dt.date, last: dt.date, on: dt.date | None = None, **_: Any
) -> Iterable[TallyRow]:
    """The year's inspection measures (module docstring).

    Rules: docs/domain.md §2 (plans by class, joint plans, publication within
    `inspections.rules.PUBLICATION_WORKING_DAYS` working days of the end of the check).
    """
    yield from _plan_rows(year)
    yield from _result_rows(first, last)
    yield from _publication_rows(first, last, min(on or last, last))
