"""The dashboard's classification measures (issue 18 §1; docs/domain.md §1, Appendix A "A, B,
C, D"): the class distribution of the year and its movement between runs.

What is counted, and from what
- ``risk.classes`` (户, by street): the class distribution of the year, read from the counts the
  year's **last full applying run** kept on its row (`ClassificationRun.summary`:
  ``by_street`` for the district, ``by_department_street`` for each department's share;
  `risk.selectors.distribution.summary_runs`), never recounted from the register. Keys A-D,
  and ``X`` (not classified): the operating or suspended entities with no current class
  (outside the classified entity types, or registered after the run). ``X`` is counted from the
  register (one grouped query) only when that run is the latest full run of all, i.e. the
  current classes are that run's; for an earlier year it is not known and not written. The
  total (key "") is A+B+C+D+X.
- ``risk.moves`` (户, not by street): the from-class × to-class table of that last run against
  the classes in effect just before it (`ClassificationRun.transitions`; a department's share
  from ``summary["transitions_by_department"]``). Keys "FROM>TO" over A-D and "-" (first
  classified, or no longer classified; the district's table only knows who left); the total
  (key "") is the number of entities whose class moved (neither the diagonal nor "-").
- ``risk.moves_year`` (户次, by street): every class change of the year's applying runs, from
  the assessments they wrote (`Assessment.previous_class` → `risk_class`, computed classes; a
  first assessment is not a move), grouped by the entity's street and department in SQL over
  the runs' own assessments (the run foreign key's index). Keys "FROM>TO", total the number
  of changes. An entity that moved twice counts twice (户次). This is the movement "summed over
  the year's runs"; ``risk.moves`` is the last run's.

- ``risk.trend`` (户, not by street): the class counts at the end of each month, from the last
  full applying run of each month of the year (its ``summary["by_class"]``, a department's
  ``summary["by_department"]``): keys "MM>C" (month 01-12, class A-D); the total (key "") is
  the number of months with such a run. One query reading two JSON keys of at most 366 runs.

A run "of the year" is one whose ``as_of`` falls in [first, last]. Every measure writes the
district-wide rows (department NULL) and each department's own rows (what its staff read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Exists, F, OuterRef
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from dashboard.measures import (
    ENTERPRISES,
    ENTITY_TIMES,
    SECTION_CLASSIFIED,
    Measure,
    TallyRow,
)
from enterprises.models import Enterprise
from risk import rules
from risk.models import Assessment, ClassificationRun, CurrentClass
from risk.selectors.distribution import NEW, summary_runs

CLASSES = rules.CLASSES
NOT_CLASSIFIED = "X"
CLASS_KEYS = (*CLASSES, NOT_CLASSIFIED)
MOVE_AXIS = (*CLASSES, NEW)
# The classes are internal (docs/domain.md §1, "Risk classes stay internal"): every measure
# here is shown only to readers who may see them.
VIEW_RISK = "enterprises.view_risk"


def _distribution_url(year: int, street: str) -> str:
    return reverse("risk:distribution")


def _register_url(year: int, street: str, key: str = "") -> str:
    """The register filtered by class (the register has no street filter: the street is not
    carried)."""
    url = reverse("enterprises:list")
    if key in CLASSES:
        return f"{url}?{urlencode({'risk_class': key})}"
    return url


def _runs_url(year: int, street: str) -> str:
    return reverse("risk:runs")


MEASURES: list[Measure] = [
    Measure(
        code="risk.classes",
        label=_("Enterprises by risk class"),
        unit=ENTERPRISES,
        section=SECTION_CLASSIFIED,
        perm=VIEW_RISK,
        kind="breakdown",
        keys=(
            ("A", _("Class A (low risk)")),
            ("B", _("Class B (general risk)")),
            ("C", _("Class C (relatively high risk)")),
            ("D", _("Class D (high risk)")),
            (NOT_CLASSIFIED, _("Not classified")),
        ),
        list_url=_distribution_url,
        order=10,
        help=_("From the year's last full classification run."),
        extra={"key_url": _register_url},
    ),
    Measure(
        code="risk.moves",
        label=_("Class moves in the year's last run"),
        unit=ENTERPRISES,
        section=SECTION_CLASSIFIED,
        perm=VIEW_RISK,
        kind="matrix",
        by_street=False,
        keys=tuple((c, c) for c in MOVE_AXIS),
        list_url=_runs_url,
        order=20,
        help=_(
            "Rows: the class before the run; columns: the class after it. “-”: first "
            "classified, or no longer classified."
        ),
    ),
    Measure(
        code="risk.moves_year",
        label=_("Class changes over the year"),
        unit=ENTITY_TIMES,
        section=SECTION_CLASSIFIED,
        perm=VIEW_RISK,
        kind="matrix",
        keys=tuple((c, c) for c in CLASSES),
        list_url=_runs_url,
        order=30,
        help=_("Every change of computed class written by the year's runs."),
    ),
]


MONTHS = tuple(f"{m:02d}" for m in range(1, 13))
TREND_KEYS = tuple((f"{m}>{c}", f"{m} {c}") for m in MONTHS for c in CLASSES)

MEASURES.append(
    Measure(
        code="risk.trend",
        label=_("Risk classes month by month"),
        unit=ENTERPRISES,
        section=SECTION_CLASSIFIED,
        perm=VIEW_RISK,
        kind="breakdown",
        by_street=False,
        keys=TREND_KEYS,
        list_url=_runs_url,
        order=40,
        help=_("Class counts after the last full run of each month."),
        extra={"chart": "trend"},
    )
)


def _trend_rows(first: dt.date, last: dt.date) -> Iterable[TallyRow]:
    """`risk.trend`: each month's last full run's class counts (district and departments)."""
    month_end: dict[str, tuple[Any, Any]] = {}
    runs = (
        summary_runs()
        .filter(as_of__gte=first, as_of__lte=last)
        .order_by("as_of", "id")
        .values_list("as_of", "summary__by_class", "summary__by_department")
    )
    for as_of, by_class, by_department in runs:
        month_end[f"{as_of.month:02d}"] = (by_class, by_department)
    if not month_end:
        return
    cells: dict[tuple[int | None, str], int] = {}
    for month, (by_class, by_department) in month_end.items():
        for c, n in _class_counts(by_class).items():
            cells[(None, f"{month}>{c}")] = n
        for pk, counts in (by_department or {}).items():
            for c, n in _class_counts(counts).items():
                cells[(int(pk), f"{month}>{c}")] = n
    departments = {d for d, _k in cells}
    for (department, key), n in sorted(cells.items(), key=lambda c: (c[0][0] or 0, c[0][1])):
        if n:
            yield ("risk.trend", "", department, key, n)
    for department in sorted(departments, key=lambda d: d or 0):
        yield ("risk.trend", "", department, "", len(month_end))


def _year_runs(first: dt.date, last: dt.date) -> list[ClassificationRun]:
    return list(summary_runs().filter(as_of__gte=first, as_of__lte=last)[:1])


def _class_counts(value: Any) -> dict[str, int]:
    value = value if isinstance(value, Mapping) else {}
    return {c: int(value.get(c, 0) or 0) for c in CLASSES}


def _class_rows(
    counts: Mapping[str, Any], department_id: int | None, not_classified: Mapping[str, int]
) -> Iterable[TallyRow]:
    """One street's rows of `risk.classes` (the streets of `counts` and of `not_classified`)."""
    for street in sorted({*counts.keys(), *not_classified.keys()}):
        by_class = _class_counts(counts.get(street))
        x = int(not_classified.get(street, 0))
        for c, n in by_class.items():
            if n:
                yield ("risk.classes", street, department_id, c, n)
        if x:
            yield ("risk.classes", street, department_id, NOT_CLASSIFIED, x)
        total = sum(by_class.values()) + x
        if total:
            yield ("risk.classes", street, department_id, "", total)


def _not_classified() -> dict[int, dict[str, int]]:
    """{department: {street: n}} of the operating or suspended entities with no current class
    (one grouped query)."""
    rows = (
        Enterprise.objects.filter(status__in=rules.CLASSIFIED_STATUSES)
        .filter(~Exists(CurrentClass.objects.filter(enterprise_id=OuterRef("pk"))))
        .values("department_id", "division")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        out.setdefault(int(row["department_id"]), {})[str(row["division"] or "")] = int(row["n"])
    return out


def _move_rows(
    measure: str, street: str, department_id: int | None, cells: Mapping[str, Any]
) -> Iterable[TallyRow]:
    moved = 0
    for key, n in sorted(cells.items()):
        n = int(n or 0)
        if not n:
            continue
        from_class, _sep, to_class = str(key).partition(">")
        from_class = from_class or NEW
        to_class = to_class or NEW
        yield (measure, street, department_id, f"{from_class}>{to_class}", n)
        if NEW not in (from_class, to_class) and from_class != to_class:
            moved += n
    if moved:
        yield (measure, street, department_id, "", moved)


def _last_run_rows(run: ClassificationRun) -> Iterable[TallyRow]:
    summary = run.summary or {}
    latest = summary_runs().values_list("pk", flat=True).first()
    not_classified = _not_classified() if latest == run.pk else {}
    district_x: dict[str, int] = {}
    for by_street in not_classified.values():
        for street, n in by_street.items():
            district_x[street] = district_x.get(street, 0) + n
    yield from _class_rows(summary.get("by_street") or {}, None, district_x)
    per_department = summary.get("by_department_street") or {}
    for pk in sorted({*(int(k) for k in per_department), *not_classified}):
        yield from _class_rows(per_department.get(str(pk)) or {}, pk, not_classified.get(pk, {}))
    yield from _move_rows("risk.moves", "", None, run.transitions or {})
    for pk, cells in sorted((summary.get("transitions_by_department") or {}).items()):
        yield from _move_rows("risk.moves", "", int(pk), cells or {})


def _year_changes(first: dt.date, last: dt.date) -> Iterable[TallyRow]:
    """`risk.moves_year`: the year's applying runs' assessments that changed the computed
    class, grouped by street, department and move (one query)."""
    runs = ClassificationRun.objects.filter(applies=True, as_of__gte=first, as_of__lte=last).values(
        "pk"
    )
    rows = (
        Assessment.objects.filter(run_id__in=runs)
        .exclude(previous_class="")
        .exclude(previous_class=F("risk_class"))
        .values("enterprise__division", "enterprise__department_id", "previous_class", "risk_class")
        .annotate(n=Count("id"))
        .order_by()
    )
    district: dict[tuple[str, str], int] = {}
    totals: dict[tuple[str, int | None], int] = {}
    for row in rows:
        street = str(row["enterprise__division"] or "")
        department: int | None = int(row["enterprise__department_id"])
        key = f"{row['previous_class']}>{row['risk_class']}"
        n = int(row["n"])
        yield ("risk.moves_year", street, department, key, n)
        district[(street, key)] = district.get((street, key), 0) + n
        totals[(street, department)] = totals.get((street, department), 0) + n
        totals[(street, None)] = totals.get((street, None), 0) + n
    for (street, key), n in sorted(district.items()):
        yield ("risk.moves_year", street, None, key, n)
    for (street, department), n in totals.items():
        yield ("risk.moves_year", street, department, "", n)


def rows(*, year: int, first: dt.date, last: dt.date, **_: Any) -> Iterable[TallyRow]:
    """The year's classification measures (module docstring).

    Rules: docs/domain.md §1 (classes A-D; counts kept by full runs, issue 16 §8: the
    dashboard reads them, never recounts the register's classes).
    """
    runs = _year_runs(first, last)
    if runs:
        yield from _last_run_rows(runs[0])
    yield from _year_changes(first, last)
    yield from _trend_rows(first, last)
