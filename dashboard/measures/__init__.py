"""The dashboard's measures: what each counts, in which unit, and the modules that count them.

A measure module (one per domain area, listed in `MEASURE_MODULES`) exposes

- ``MEASURES: list[Measure]``: the codes it writes, with their labels, units and keys;
- ``rows(*, year, first, last, on=None, **_) -> Iterable[TallyRow]``: the year's counts,
  computed set-based (GROUP BY street and department in SQL; never a loop over enterprises);
  ``on`` is the day of the count (what is overdue "as of"), passed when the function takes it.

A `TallyRow` is ``(measure, street, department_id, key, value)``:

- ``street``: the enterprise's street (`Enterprise.division`); "" for a measure that is not by
  street (`Measure.by_street` False: plans, departments), whose rows always carry "".
- ``department_id``: None for the DISTRICT-WIDE row (distinct counts counted at district level,
  what the bureau reads); a department's id for that department's own share (what its staff
  read). A module writes both row sets.
- ``key``: "" for the measure's total (what `Dashboard.figure` shows); other keys for a
  breakdown (`Measure.keys`, e.g. outcomes or buckets) or a matrix ("FROM>TO").
- ``value``: a count in the measure's unit. Summing a measure over streets is valid (an
  enterprise has one street).

`dashboard.tallies.tallies_refresh` stores the rows (`dashboard.models.Tally`); the dashboard,
its API and the yearly report read them through `dashboard.selectors.dashboard_for`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A row: measure, street, department id (None: the district), key, value.
TallyRow = tuple[str, str, int | None, str, int]

# The modules that count; a module not (yet) present is skipped.
MEASURE_MODULES: list[str] = [
    "dashboard.measures.risk",
    "dashboard.measures.inspections",
    "dashboard.measures.remediation",
]

# The seed's units (docs/domain.md Appendix A, §10) and a few of the dashboard's own.
CASES, LETTERS, ENTERPRISES, ENTITY_TIMES = "件", "份", "户", "户次"
PLANS, DEPARTMENTS, INSPECTIONS, APPLICATIONS = "个", "个部门", "次", "件申请"
UNIT_LABELS: dict[str, Promise] = {
    CASES: _("cases"),
    LETTERS: _("letters"),
    ENTERPRISES: _("enterprises"),
    ENTITY_TIMES: _("entity-times"),
    PLANS: _("plans"),
    DEPARTMENTS: _("departments"),
    INSPECTIONS: _("inspections"),
    APPLICATIONS: _("applications"),
}

# The seed's three sections (its release's headings).
SECTION_CLASSIFIED = 1  # 分类施策、融合应用
SECTION_LENIENCY = 2  # 放管结合、宽严相济
SECTION_REWARDS = 3  # 奖惩结合、优化环境
SECTION_LABELS: dict[int, Promise] = {
    SECTION_CLASSIFIED: _("Classified measures, integrated use (分类施策、融合应用)"),
    SECTION_LENIENCY: _("Leniency with firmness (放管结合、宽严相济)"),
    SECTION_REWARDS: _("Rewards with discipline (奖惩结合、优化环境)"),
}


@dataclass(frozen=True)
class Measure:
    """One measure the dashboard shows.

    - ``kind``: "figure" (one number: key ""), "breakdown" (a total at key "" and one number
      per key of ``keys``), "matrix" (keys "FROM>TO"; ``keys`` lists the axis values).
    - ``seed``: a figure the seed reports (the report prints these).
    - ``list_url(year, street)``: the list behind the figure, or None.
    - ``order``: place within its section (smallest first).
    - ``perm``: a permission ("app.codename") a reader needs to see the measure at all, e.g.
      "enterprises.view_risk" for the risk classes, which are internal (docs/domain.md §1);
      `dashboard.selectors.dashboard_for` drops the measure for a reader without it, so the
      page, the API and the yearly report leave it out. "" = every dashboard reader.
    """

    code: str
    label: Promise | str
    unit: str
    section: int
    kind: Literal["figure", "breakdown", "matrix"] = "figure"
    seed: bool = False
    by_street: bool = True
    keys: tuple[tuple[str, Promise | str], ...] = ()
    list_url: Callable[[int, str], str | None] | None = None
    order: int = 0
    help: Promise | str = ""
    perm: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def unit_label(self) -> Promise | str:
        return UNIT_LABELS.get(self.unit, self.unit)


class MeasureModule(Protocol):
    MEASURES: list[Measure]

    def rows(
        self, *, year: int, first: dt.date, last: dt.date, on: dt.date | None = None
    ) -> Iterable[TallyRow]: ...


def measure_modules() -> list[ModuleType]:
    """The measure modules present (in `MEASURE_MODULES` order)."""
    found = []
    for path in MEASURE_MODULES:
        try:
            found.append(importlib.import_module(path))
        except ModuleNotFoundError as exc:
            if exc.name != path:  # the module exists but imports something missing: a bug
                raise
    return found


def all_measures() -> dict[str, Measure]:
    """Every declared measure by code, in section then declaration order."""
    measures: list[Measure] = []
    for module in measure_modules():
        measures.extend(module.MEASURES)
    codes = [m.code for m in measures]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise ValueError(f"measure codes declared twice: {sorted(duplicates)}")
    ordered = sorted(enumerate(measures), key=lambda im: (im[1].section, im[1].order, im[0]))
    return {m.code: m for _i, m in ordered}
