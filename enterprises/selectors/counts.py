"""How many market entities a list of the register holds, as exactly as it is cheap to know.

One selector, `register_count`, for every place that says how many entities a scope holds:
the register list and its API (through `enterprises.filters.CappedPaginator`) and the figures
of the staff workbench, so that the same filters give the same number everywhere.

The rule (measured with bench/staff_list_bench.py on 1,000,000 entities):

1. Matches are counted exactly up to `COUNT_EXACT_UP_TO` (10,000) with a LIMIT: the list's
   probe of at most 10,001 ids does it while it finds the page (a selective filter, a rare
   search term, a small department, any register below 10,000 entities).
2. Beyond that, a register of at most `COUNT_EXACT_TABLE_ROWS` rows (100,000, the planner's
   own figure for the table) is counted exactly: one scan of a small table, a few ms.
3. Beyond that, the figure is the planner's estimate (its statistics of the columns
   filtered on), rounded to two significant digits and shown as an estimate ("约 870,000 户").
   Counting exactly is what it would save: 130-300 ms for the whole register or a large
   filter, 110-260 ms even for a department's 47,000 entities (heap pages all over the
   table), on every request. A search (`q`) has no estimate worth showing (the planner guesses
   a LIKE from a sample of 100 names), nor has a filter the planner puts at 10,000 rows or
   fewer though more match: those say "more than 10,000".

The planner cannot see through the jurisdiction's subquery (`enterprise_list_for_user`
writes it as one, to spare a round trip): it put the whole register of a bureau officer at
three quarters of its size. The estimate is therefore made on the same filters with the
user's departments read first and written as literal ids, whose frequencies the planner
knows, or with no department condition at all when they are every department (a list of all
25 it put at 86 %).

SQLite (the embedded demo, 20,000 entities by default) counts exactly: it has no estimate, and
a count of its register costs a few ms.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.db import connections
from django.db.models import QuerySet

from credit_portal.models import User
from enterprises.models import Enterprise
from enterprises.selectors.register import enterprise_list_for_user

COUNT_EXACT_UP_TO = 10_000  # lists count (and page) their matches exactly up to here
COUNT_EXACT_TABLE_ROWS = 100_000  # a register this small is counted exactly, whatever the filter

Narrow = Callable[[QuerySet[Enterprise]], QuerySet[Enterprise]]


class Accuracy(StrEnum):
    EXACT = "exact"
    ESTIMATE = "estimate"  # the planner's estimate, rounded to two significant digits
    AT_LEAST = "at_least"  # more than `value` match; no estimate worth giving


@dataclass(frozen=True)
class RegisterCount:
    value: int
    accuracy: Accuracy = Accuracy.EXACT

    @property
    def exact(self) -> bool:
        return self.accuracy == Accuracy.EXACT

    @property
    def estimated(self) -> bool:
        return self.accuracy == Accuracy.ESTIMATE

    @property
    def at_least(self) -> bool:
        return self.accuracy == Accuracy.AT_LEAST


def register_count(
    *,
    user: User,
    narrow: Narrow | None = None,
    found: int | None = None,
    cap: int | None = None,
    estimable: bool = True,
) -> RegisterCount:
    """How many entities of the register `user` may see match `narrow` (a function that
    applies filters to a queryset: the list's `EnterpriseFilter.filter_queryset`, or none for
    the whole register).

    Rules: the module docstring (exact up to `cap`, exact in a register of at most
    `COUNT_EXACT_TABLE_ROWS` rows, else the planner's rounded estimate, or "more than `cap`"
    when the estimate is not above `cap` or the caller says there is none worth giving:
    `estimable=False`, for a search). `cap`: `COUNT_EXACT_UP_TO` unless the caller pages
    another number. `found`: the matches the caller has already counted up to `cap` + 1 (the
    list's probe), not counted again.
    """
    cap = COUNT_EXACT_UP_TO if cap is None else cap
    narrowed = narrow or _unchanged
    queryset = narrowed(enterprise_list_for_user(user=user)).select_related(None).order_by()
    if found is None:
        found = queryset[: cap + 1].count()  # SELECT count(*) FROM (... LIMIT cap + 1)
    if found <= cap:
        return RegisterCount(found)
    if connections[queryset.db].vendor != "postgresql":
        return RegisterCount(queryset.count())
    if _planned_rows(Enterprise.objects.all()) <= COUNT_EXACT_TABLE_ROWS:
        return RegisterCount(queryset.count())
    if estimable:
        listed = enterprise_list_for_user(user=user, departments_listed=True)
        planned = _planned_rows(narrowed(listed).select_related(None).order_by())
        if planned > cap:
            return RegisterCount(_two_significant_digits(planned), Accuracy.ESTIMATE)
    return RegisterCount(cap, Accuracy.AT_LEAST)


def _unchanged(queryset: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    return queryset


def _planned_rows(queryset: QuerySet[Enterprise]) -> int:
    """The planner's estimate of the rows `queryset` returns (PostgreSQL's EXPLAIN: no row is
    read; for a table never analysed, its guess from the table's size on disk). Without an
    ordering: planning the register's ORDER BY slowed the next page query by 15 ms (measured,
    1M rows), and the number of rows does not depend on it."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    if isinstance(plan, list):  # as PostgreSQL gives it; some drivers leave the list out
        plan = plan[0]
    return int(plan["Plan"]["Plan Rows"])


def _two_significant_digits(n: int) -> int:
    """874,338 -> 870,000: an estimate that does not look like a count."""
    digits = len(str(n))
    return n if digits <= 2 else int(round(n, 2 - digits))
