"""The class distribution as the staff dashboard shows it (issue 16 §8): overall, by industry
section and by street, its trend over the runs, and a run's from-class × to-class table.

It reads the counts each full applying run keeps (`ClassificationRun.summary`,
`ClassificationRun.transitions`; written by its last step), never recounting the register.
Jurisdiction: a partner department's staff see their own department's counts only
(`summary["by_department"]`, and, where the run keeps them, `by_department_street`,
`by_department_industry`, `transitions_by_department`). Where a run does not keep a
department's street and industry counts, they are counted for that department alone from the
current classes (a department's share of the register, through the enterprise's department
index); the district-wide from × to table is not shown to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, QuerySet, Subquery
from django.utils.translation import get_language

from credit_portal.models import Department, User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.industries import SECTIONS, section_label
from enterprises.permissions import EnterprisePerm
from risk import rules
from risk.models import ClassificationRun, CurrentClass

NEW = "-"  # the from side of a first classification, the to side of one no longer classified


@dataclass
class ClassCounts:
    """Counts by class of one group (the district, a street, an industry section)."""

    key: str
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shares(self) -> list[tuple[str, int, float]]:
        """(class, count, percent of the group) in class order, for the bars."""
        total = self.total
        return [
            (c, self.counts.get(c, 0), (100.0 * self.counts.get(c, 0) / total) if total else 0.0)
            for c in rules.CLASSES
        ]

    @property
    def high_share(self) -> float:
        """Percent of the group in C or D."""
        total = self.total
        high = sum(self.counts.get(c, 0) for c in rules.TASK_CLASSES_UP)
        return 100.0 * high / total if total else 0.0


@dataclass
class TrendPoint:
    run: ClassificationRun
    counts: ClassCounts


@dataclass
class Transitions:
    """A run's from-class × to-class counts: rows are the class before (and "-": first
    classified), columns the class after (and "-": no longer classified)."""

    cells: dict[str, int]
    rows: list[str] = field(default_factory=lambda: [*rules.CLASSES, NEW])
    columns: list[str] = field(default_factory=lambda: [*rules.CLASSES, NEW])

    def count(self, from_class: str, to_class: str) -> int:
        return int(self.cells.get(f"{from_class}>{to_class}", 0))

    @property
    def table(self) -> list[tuple[str, list[tuple[str, int, str]]]]:
        """Rows of (from, [(to, count, kind)]): kind is "same" (the diagonal), "up" (a higher
        class), "down", or "edge" (first classified, or left)."""
        out = []
        for f in self.rows:
            cells = []
            for t in self.columns:
                if f == NEW and t == NEW:
                    cells.append((t, 0, "none"))
                    continue
                if NEW in (f, t):
                    kind = "edge"
                elif f == t:
                    kind = "same"
                else:
                    kind = "up" if t > f else "down"
                cells.append((t, self.count(f, t), kind))
            out.append((f, cells))
        return out

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.cells.values())

    @property
    def changed(self) -> int:
        """Enterprises whose class moved (neither the diagonal nor first or left)."""
        moved = 0
        for key, n in self.cells.items():
            from_class, _, to_class = key.partition(">")
            if NEW not in (from_class, to_class) and from_class != to_class:
                moved += int(n)
        return moved

    @property
    def first(self) -> int:
        """Enterprises classified for the first time (the "-" row). The run's `changed_class`
        counts them with the moves; the pages show them apart, as the table does."""
        return sum(int(n) for key, n in self.cells.items() if key.startswith(f"{NEW}>"))

    @property
    def left(self) -> int:
        """Enterprises no longer classified (the "-" column)."""
        return sum(int(n) for key, n in self.cells.items() if key.endswith(f">{NEW}"))


@dataclass
class Distribution:
    run: ClassificationRun | None
    overall: ClassCounts
    by_street: list[ClassCounts]
    by_industry: list[ClassCounts]
    trend: list[TrendPoint]
    transitions: Transitions | None
    departments: list[Department] | None  # None: the whole district
    recounted: bool = False  # street and industry counted now (the run keeps no such counts)


def _counts(value: Mapping[str, Any] | None) -> dict[str, int]:
    value = value or {}
    return {c: int(value.get(c, 0) or 0) for c in rules.CLASSES}


def _add(into: dict[str, int], value: Mapping[str, Any] | None) -> None:
    for c, n in _counts(value).items():
        into[c] = into.get(c, 0) + n


def _merge(groups: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """{group: counts} summed over several departments' {group: counts}."""
    out: dict[str, dict[str, int]] = {}
    for group in groups:
        for key, value in (group or {}).items():
            _add(out.setdefault(str(key), {}), value)
    return out


def department_scope(user: User) -> list[Department] | None:
    """Whose counts the user may read: None when the user sees the whole district (a
    superuser, the bureau's staff), else the departments whose enterprises the user may see
    (empty: none)."""
    if not user.is_authenticated or not user.has_perm(EnterprisePerm.VIEW):
        return []
    if user.is_superuser or bureau_profiles(user=user).exists():
        return None
    return list(departments_of_jurisdiction(user=user))


def summary_runs() -> QuerySet[ClassificationRun]:
    """The finished full applying runs that kept their counts, the newest first."""
    return (
        ClassificationRun.objects.filter(
            applies=True,
            status=ClassificationRun.Status.DONE,
            enterprise__isnull=True,
        )
        .exclude(summary={})
        .order_by("-as_of", "-id")
    )


def daily_runs(limit: int) -> list[ClassificationRun]:
    """The runs the trend shows, oldest last: one point per day, the last full applying run
    of each date it classified as of (a manual run beside the nightly one, or several on one
    day, would crowd the chart with near-equal points: issue 16 leftovers), the `limit`
    latest days."""
    last_of_day = summary_runs().order_by().values("as_of").annotate(last=Max("id")).values("last")
    return list(summary_runs().filter(pk__in=Subquery(last_of_day))[:limit])


def _scoped(summary: Mapping[str, Any], ids: list[str] | None) -> dict[str, int]:
    if ids is None:
        return _counts(summary.get("by_class"))
    by_department = summary.get("by_department") or {}
    total: dict[str, int] = {}
    for pk in ids:
        _add(total, by_department.get(pk))
    return _counts(total)


def _groups(
    rows: Mapping[str, Mapping[str, Any]], label: Any, *, order_by_key: bool = False
) -> list[ClassCounts]:
    groups = [ClassCounts(key=k, label=label(k), counts=_counts(v)) for k, v in rows.items()]
    groups = [g for g in groups if g.total]
    if order_by_key:
        return sorted(groups, key=lambda g: g.key)
    return sorted(groups, key=lambda g: (-g.total, g.key))


def _section(key: str) -> str:
    if key in SECTIONS:
        return f"{key} {section_label(key, get_language() or 'zh-hans')}"
    return key or "—"


def _street(key: str) -> str:
    return key or "—"


def _recount(departments: list[Department], column: str) -> dict[str, dict[str, int]]:
    """The current classes of the departments' enterprises by `column`: a partner
    department's fallback, when the run kept no counts by department and street or industry."""
    rows = (
        CurrentClass.objects.filter(enterprise__department__in=departments)
        .values_list(f"enterprise__{column}", "risk_class")
        .annotate(n=Count("enterprise_id"))
        .order_by()
    )
    out: dict[str, dict[str, int]] = {}
    for key, risk_class, n in rows:
        out.setdefault(str(key or ""), {})[risk_class] = n
    return out


def distribution(
    *, user: User, run: ClassificationRun | None = None, trend_runs: int = 30
) -> Distribution:
    """The class distribution a user may see, from `run`'s counts (default: the latest full
    applying run that kept them), and the trend over the last `trend_runs` days
    (`daily_runs`: the last such run of each day).

    Rules: issue 16 §8 (the dashboard reads the runs' counts, never recounts); jurisdiction
    as the register's (a partner department sees its own department's counts only); a user
    who may see no department sees nothing.
    """
    departments = department_scope(user)
    ids = None if departments is None else [str(d.pk) for d in departments]
    runs = daily_runs(trend_runs)
    if run is None:
        run = runs[0] if runs else None
    empty = ClassCounts(key="", label="", counts=_counts(None))
    if run is None or not run.summary or ids == []:
        return Distribution(
            run=run,
            overall=empty,
            by_street=[],
            by_industry=[],
            trend=[],
            transitions=None,
            departments=departments,
        )
    summary = run.summary
    recounted = False
    transitions: Transitions | None
    if ids is None:
        streets = summary.get("by_street") or {}
        industries = summary.get("by_industry") or {}
        transitions = Transitions(cells=dict(run.transitions or {}))
    else:
        by_street = summary.get("by_department_street")
        by_industry = summary.get("by_department_industry")
        if by_street is not None and by_industry is not None:
            streets = _merge(by_street.get(pk) or {} for pk in ids)
            industries = _merge(by_industry.get(pk) or {} for pk in ids)
        else:
            streets = _recount(departments or [], "division")
            industries = _recount(departments or [], "industry_section")
            recounted = True
        by_department_moves = summary.get("transitions_by_department")
        if by_department_moves is not None:
            transitions = Transitions(cells=merge_cells(by_department_moves.get(pk) for pk in ids))
        else:
            transitions = None
    trend = [
        TrendPoint(
            run=r,
            counts=ClassCounts(key=str(r.pk), label=str(r.as_of), counts=_scoped(r.summary, ids)),
        )
        for r in reversed(runs)
    ]
    return Distribution(
        run=run,
        overall=ClassCounts(key="", label="", counts=_scoped(summary, ids)),
        by_street=_groups(streets, _street),
        by_industry=_groups(industries, _section, order_by_key=True),
        trend=trend,
        transitions=transitions,
        departments=departments,
        recounted=recounted,
    )


def merge_cells(groups: Iterable[Mapping[str, Any] | None]) -> dict[str, int]:
    out: dict[str, int] = {}
    for group in groups:
        for key, n in (group or {}).items():
            out[key] = out.get(key, 0) + int(n or 0)
    return out
