"""The dashboard as one reader may see it, read from the tallies (`dashboard.models`): the
page, its API and the yearly report all read this one object, so their numbers are equal by
construction.

Scope (as `remediation.selectors.figures`): bureau staff and superusers read the district-wide
rows (department NULL); a partner department's staff read their department's own rows; anyone
else reads nothing (zeros). The view checks `dashboard.view_dashboard` first.

Measures with a `Measure.perm` (the risk classes, internal: docs/domain.md §1) are left out,
values and all, for a reader without that permission (`measures_for`).

Cost: a constant number of queries whatever the data: the reader's permissions (2, once per
user object, none for a superuser or when a view's own permission check has loaded them), the
reader's scope (1, none for a superuser), the figures (1: the year's rows of the scope summed
per measure and key), when the year was computed (1), the street choices (1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.utils.functional import Promise

from credit_portal.models import Department, User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from dashboard.measures import UNIT_LABELS, Measure, all_measures
from dashboard.models import Tally, TallyYear

YEAR_MIN, YEAR_MAX = 1900, 9999  # outside: nothing is stored; zeros without a query


@dataclass(frozen=True)
class Figure:
    """One figure as the page, the API and the report print it."""

    code: str
    label: Promise | str
    value: int
    unit: str
    section: int
    url: str | None
    seed: bool = False
    help: Promise | str = ""

    @property
    def unit_label(self) -> Promise | str:
        return UNIT_LABELS.get(self.unit, self.unit)


@dataclass(frozen=True)
class Dashboard:
    """A year's tallies for one reader and street ("" = all streets)."""

    year: int
    street: str
    streets: list[str]
    is_district: bool
    computed_at: dt.datetime | None
    measures: dict[str, Measure]
    values: dict[tuple[str, str], int] = field(default_factory=dict)

    def value(self, code: str, key: str = "") -> int:
        return self.values.get((code, key), 0)

    def figure(self, code: str) -> Figure:
        measure = self.measures[code]
        url = measure.list_url(self.year, self.street) if measure.list_url else None
        return Figure(
            code=code,
            label=measure.label,
            value=self.value(code),
            unit=measure.unit,
            section=measure.section,
            url=url,
            seed=measure.seed,
            help=measure.help,
        )

    def figures(self, *, section: int | None = None, seed_only: bool = False) -> list[Figure]:
        """The figures in display order (section, then the measure's order)."""
        return [
            self.figure(code)
            for code, m in self.measures.items()
            if (section is None or m.section == section) and (m.seed or not seed_only)
        ]

    def breakdown(self, code: str) -> dict[str, int]:
        """A breakdown's counts by key, in the measure's key order, zeros filled; keys found
        in the tallies but not declared follow, sorted."""
        measure = self.measures[code]
        out = {key: self.value(code, key) for key, _label in measure.keys}
        extra = sorted(k for (c, k) in self.values if c == code and k and k not in out)
        out.update({k: self.value(code, k) for k in extra})
        return out

    def labels(self, code: str) -> dict[str, Promise | str]:
        return dict(self.measures[code].keys)

    def matrix(self, code: str) -> dict[tuple[str, str], int]:
        """A from × to table: every pair of the measure's keys (the axis), zeros filled."""
        axis = [key for key, _label in self.measures[code].keys]
        return {(a, b): self.value(code, f"{a}>{b}") for a in axis for b in axis}


def _scope(user: User) -> tuple[bool, Q | None]:
    """(whole district, the filter of the rows the user reads; None: nothing)."""
    if not user.is_authenticated:
        return False, None
    if user.is_superuser or bureau_profiles(user=user).exists():
        return True, Q(department__isnull=True)
    departments = departments_of_jurisdiction(user=user)
    return False, Q(department__in=departments.values("pk"))


def measures_for(*, user: User) -> dict[str, Measure]:
    """The measures `user` may see: every declared one but those whose `Measure.perm` the
    user lacks (the risk classes are internal, docs/domain.md §1). The permissions are read
    once per user object (Django caches them on it; the view's own check has loaded them)."""
    return {code: m for code, m in all_measures().items() if not m.perm or user.has_perm(m.perm)}


def dashboard_for(*, user: User, year: int, street: str = "") -> Dashboard:
    """The dashboard of `year` for `user` (module docstring), for `street` ("" = all).

    Only the measures the user may see (`measures_for`) are in it, values included: the page,
    the API and the report, which all read this object, never show the others."""
    measures = measures_for(user=user)
    street = (street or "").strip()
    whole, scope = _scope(user)
    empty = Dashboard(
        year=year,
        street=street,
        streets=[],
        is_district=whole,
        computed_at=None,
        measures=measures,
    )
    if scope is None or not (YEAR_MIN <= year <= YEAR_MAX):
        return empty
    rows = Tally.objects.filter(scope, year=year)
    streets = sorted(rows.exclude(street="").order_by().values_list("street", flat=True).distinct())
    hidden = [code for code in all_measures() if code not in measures]
    if hidden:
        rows = rows.exclude(measure__in=hidden)
    if street:
        not_by_street = [code for code, m in measures.items() if not m.by_street]
        rows = rows.filter(Q(street=street) | Q(measure__in=not_by_street, street=""))
    values = {
        (r["measure"], r["key"]): int(r["total"] or 0)
        for r in rows.order_by().values("measure", "key").annotate(total=Sum("value"))
    }
    computed_at = TallyYear.objects.filter(year=year).values_list("computed_at", flat=True).first()
    return Dashboard(
        year=year,
        street=street,
        streets=streets,
        is_district=whole,
        computed_at=computed_at,
        measures=measures,
        values=values,
    )


def departments_read(*, user: User) -> list[Department]:
    """The departments whose shares a partner reader sees (empty for the district)."""
    whole, scope = _scope(user)
    if whole or scope is None:
        return []
    return list(departments_of_jurisdiction(user=user))
