"""The staff inbox (issue 18 §5): what waits for one staff member across every capability,
due first, and the counts the navigation shows on every staff page.

The core imports no domain app; each app declares its sources from its `ready()` (the way it
declares its capabilities and ledger kinds), with `inbox_source_declare`. A source is one
query of the app's own rows that wait for the user, in the user's jurisdiction, reduced to a
common shape by `.values(...)`:

    item_id          int   the row the link opens
    due_on           date  when it is due (NOT NULL; the working-day deadline the app keeps)
    enterprise_name  str   the market entity concerned, or NULL (`name_of`: a subquery, so
                           that neither the counts nor the ordering join the register)
    step             str   what to do: a key of the source's `steps`

The queryset must be lazy: jurisdiction as subqueries (`departments_of_jurisdiction`,
`Exists(bureau_profiles(...))`), never an `.exists()` while building it, so that

- the page costs two queries whatever the number of sources and items: one for the items
  (each source's first `PAGE_LIMIT` by due date, joined by `UNION ALL`, and the first
  `PAGE_LIMIT` of those: `inbox_items`) and one for the counts; and
- the navigation's count (every staff page) is ONE query for all sources together: a single
  statement `SELECT ... FROM (<source 1>) UNION ALL SELECT ... FROM (<source 2>) ...` composed
  from each queryset's SQL (`inbox_counts`).

Overdue: due before today. The page and the API read `inbox_items` and `inbox_counts`, so their
numbers are equal by construction; the navigation's badge reads `inbox_counts` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from credit_portal.models import User
from credit_portal.permissions import CorePerm
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from credit_portal.workdays import working_days_between

# Items the page and the API show (the most urgent ones, of all sources together or of one;
# the chip's count is the whole number, and the source's own list page has the rest).
PAGE_LIMIT = 50
SHAPE = ("item_id", "due_on", "enterprise_name", "step")

SourceFunc = Callable[..., QuerySet[Any]]
Compiled = tuple[str, list[Any]]  # an SQL statement and its parameters


@dataclass(frozen=True)
class InboxSource:
    key: str
    label: str | Promise
    func: SourceFunc  # (*, user, today) -> QuerySet of dicts with the keys of SHAPE
    order: int
    perm: str  # the codename the user needs for this source
    url_name: str  # reversed with args=[item_id], unless `url` is given
    steps: dict[str, str | Promise] = field(default_factory=dict)
    url: Callable[[dict[str, Any]], str] | None = None  # a row -> its link
    list_url_name: str = ""  # the source's own list page (all of them, filters)

    def link(self, row: dict[str, Any]) -> str:
        if self.url is not None:
            return self.url(row)
        try:
            return reverse(self.url_name, args=[row["item_id"]])
        except NoReverseMatch:
            return ""

    def list_url(self) -> str:
        if not self.list_url_name:
            return ""
        try:
            return reverse(self.list_url_name)
        except NoReverseMatch:
            return ""


_DECLARED: dict[str, InboxSource] = {}


def inbox_source_declare(
    key: str,
    *,
    label: str | Promise,
    func: SourceFunc,
    order: int,
    perm: str,
    url_name: str = "",
    steps: dict[str, str | Promise] | None = None,
    url: Callable[[dict[str, Any]], str] | None = None,
    list_url_name: str = "",
) -> None:
    """Declare a source of the staff inbox (from an app's `ready()`).

    Rules: one declaration per key; declaring a key again replaces it (a reloaded app). `func`
    is called as `func(user=..., today=...)` and returns a lazy queryset whose `.values()` has
    exactly the keys of `SHAPE` (module docstring); the user needs `perm` (and the staff
    portal) for the source to be read at all. Side effects: none beyond the registry.
    """
    if not url_name and url is None:
        raise ValueError(f"inbox source {key!r} needs url_name or url")
    _DECLARED[key] = InboxSource(
        key=key,
        label=label,
        func=func,
        order=order,
        perm=perm,
        url_name=url_name,
        steps=dict(steps or {}),
        url=url,
        list_url_name=list_url_name,
    )


def inbox_sources() -> list[InboxSource]:
    """Every declared source, in chip order."""
    return sorted(_DECLARED.values(), key=lambda s: (s.order, s.key))


def sources_for(user: User) -> list[InboxSource]:
    """The sources `user` may read: staff portal access and each source's own codename (the
    user's permissions are cached on the user, so this costs at most the one query that loads
    them, which the navigation has already made)."""
    if not user.is_authenticated or not user.has_perm(CorePerm.ACCESS_STAFF_PORTAL):
        return []
    return [s for s in inbox_sources() if user.has_perm(s.perm)]


def jurisdiction_q(user: User, department_field: str, *, bureau_sees_all: bool = True) -> Q:
    """Rows of the departments in `user`'s jurisdiction, lazily (no query while building it,
    unlike the `.exists()` some list selectors make): every row for a superuser; with
    `bureau_sees_all`, every row for the bureau's staff too (also rows without a department,
    such as a repair of a listing, which is the bureau's); otherwise the rows whose
    `department_field` is one of `departments_of_jurisdiction` (a partner: its own)."""
    if user.is_superuser:
        return Q()
    mine = Q(**{f"{department_field}__in": departments_of_jurisdiction(user=user).values("pk")})
    if bureau_sees_all:
        return Q(Exists(bureau_profiles(user=user))) | mine
    return mine


def name_of(model: type[Model], key: str, column: str = "name") -> Subquery:
    """`column` of the `model` row the source's field `key` points at (an enterprise's name),
    as a correlated subquery rather than a join: the counts, which read no name, never join
    the register (an INNER JOIN to a million rows PostgreSQL cannot drop), and a list looks
    the name up for the rows it returns only (PostgreSQL evaluates a subquery of the SELECT
    list after the ORDER BY ... LIMIT). NULL when `key` is NULL."""
    return Subquery(model._default_manager.filter(pk=OuterRef(key)).order_by().values(column))


def inbox_shape(qs: QuerySet[Any], *, due: Any, step: Any, name: Any) -> QuerySet[Any]:
    """A source's rows in `SHAPE`: `due` the due day (an expression, or None when the model's
    own `due_on` column is it: Django refuses an annotation named like a field), `step` what to
    do, `name` the enterprise's name (`name_of`)."""
    qs = qs.annotate(item_id=F("pk"), inbox_step=step, inbox_enterprise=name)
    columns = {"enterprise_name": F("inbox_enterprise"), "step": F("inbox_step")}
    if due is None:
        return qs.values("item_id", "due_on", **columns)
    return qs.annotate(inbox_due=due).values("item_id", due_on=F("inbox_due"), **columns)


def _source_sql(source: InboxSource, user: User, today: dt.date) -> Compiled | None:
    """The source's SQL in `SHAPE`, unordered, or None when the source is empty by
    construction (`.none()`): built and compiled once per user object and day, since the
    page's counts and its items (and the navigation's badge) wrap the same statement, and a
    build and a compilation cost milliseconds of Python for every source. The counts read
    `due_on` only: PostgreSQL flattens the statement and computes no other column."""
    compiled: dict[tuple[str, dt.date], Compiled | None] = user.__dict__.setdefault(
        "_inbox_sql", {}
    )
    key = (source.key, today)
    if key not in compiled:
        qs = source.func(user=user, today=today).order_by()
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:
            compiled[key] = None
        else:
            compiled[key] = (sql, list(params))
    return compiled[key]


def _union(
    sources: list[InboxSource],
    user: User,
    today: dt.date,
    branch: Callable[[Compiled, int], Compiled],
) -> Compiled | None:
    """`branch(<source i's SQL>, i) UNION ALL ...` over `sources` (those empty by construction
    left out), or None when there is none: the one statement of the counts, and the items'."""
    parts: list[str] = []
    params: list[Any] = []
    for i, source in enumerate(sources):
        source_sql = _source_sql(source, user, today)
        if source_sql is not None:
            sql, more = branch(source_sql, i)
            parts.append(sql)
            params.extend(more)
    return (" UNION ALL ".join(parts), params) if parts else None


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class SourceCount:
    key: str
    label: str | Promise
    total: int
    overdue: int
    list_url: str = ""


@dataclass(frozen=True)
class InboxCounts:
    total: int
    overdue: int
    by_source: list[SourceCount]

    def of(self, key: str) -> SourceCount | None:
        return next((s for s in self.by_source if s.key == key), None)


def _count_sql(source_sql: Compiled, today_param: Any, index: int) -> Compiled:
    """`SELECT index, COUNT(*), <overdue> FROM (<the source's SQL>)`."""
    sql, params = source_sql
    alias = f"inbox_s{index}"
    q = connection.ops.quote_name
    return (
        f"SELECT {index}, COUNT(*), COALESCE(SUM(CASE WHEN {alias}.{q('due_on')} < %s "  # noqa: S608
        f"THEN 1 ELSE 0 END), 0) FROM ({sql}) {alias}",
        [today_param, *params],
    )


def inbox_counts(*, user: User, today: dt.date | None = None) -> InboxCounts:
    """How many items wait for `user` in each source, and how many of them are overdue: ONE
    query for all sources (none for a user without any source)."""
    today = today or timezone.localdate()
    sources = sources_for(user)
    today_param = connection.ops.adapt_datefield_value(today)
    union = _union(sources, user, today, lambda sql, i: _count_sql(sql, today_param, i))
    found: dict[int, tuple[int, int]] = {}
    if union is not None:
        with connection.cursor() as cursor:
            cursor.execute(*union)
            for index, total, overdue in cursor.fetchall():
                found[int(index)] = (int(total or 0), int(overdue or 0))
    by_source = [
        SourceCount(
            key=s.key,
            label=s.label,
            total=found.get(i, (0, 0))[0],
            overdue=found.get(i, (0, 0))[1],
            list_url=s.list_url(),
        )
        for i, s in enumerate(sources)
    ]
    return InboxCounts(
        total=sum(s.total for s in by_source),
        overdue=sum(s.overdue for s in by_source),
        by_source=by_source,
    )


class NavBadge:
    """The navigation's inbox badge: its one query runs when a template first reads it, and
    the workbench's tile and the navigation share it (one query per page)."""

    def __init__(self, user: User) -> None:
        self._user = user

    @cached_property
    def counts(self) -> InboxCounts:
        # The inbox's own page has counted already (`remember_counts`): no second query.
        known = getattr(self._user, "_inbox_counts", None)
        return known if isinstance(known, InboxCounts) else inbox_counts(user=self._user)

    @property
    def total(self) -> int:
        return self.counts.total

    @property
    def overdue(self) -> int:
        return self.counts.overdue


def remember_counts(user: User, counts: InboxCounts) -> None:
    """Keep `counts` on this request's user, for the navigation's badge of the same page."""
    user._inbox_counts = counts  # type: ignore[attr-defined]


def nav_badge(user: User) -> NavBadge:
    return NavBadge(user)


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class InboxItem:
    source: str
    source_label: str | Promise
    item_id: int
    step: str
    title: str | Promise
    due_on: dt.date
    enterprise_name: str | None
    url: str
    working_days_left: int  # negative: overdue by that many working days
    overdue: bool  # due before today

    @property
    def when(self) -> str:
        """ "overdue by N working days", "due today", "in N working days"."""
        n = self.working_days_left
        if self.overdue:
            n = max(-n, 1)
            return ngettext("overdue by %(n)d working day", "overdue by %(n)d working days", n) % {
                "n": n
            }
        if n <= 0:
            return _("due today")
        return ngettext("in %(n)d working day", "in %(n)d working days", n) % {"n": n}


def _items_sql(source_sql: Compiled, index: int, limit: int) -> Compiled:
    """`SELECT index, <SHAPE> FROM (<the source's SQL>) ORDER BY due_on, item_id LIMIT limit`,
    as a derived table (a branch of the items' `UNION ALL`)."""
    sql, params = source_sql
    alias = f"inbox_i{index}"
    q = connection.ops.quote_name
    shape = ", ".join(f"{alias}.{q(column)}" for column in SHAPE)
    composed = (
        f"SELECT * FROM (SELECT {index} AS {q('inbox_source')}, {shape} FROM ({sql}) {alias} "  # noqa: S608
        f"ORDER BY {alias}.{q('due_on')}, {alias}.{q('item_id')} LIMIT %s) {alias}_first"
    )
    return composed, [*params, limit]


def _as_date(value: Any) -> dt.date:
    """A date read by the raw merge query (SQLite answers a string)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def inbox_items(
    *, user: User, today: dt.date | None = None, source: str = "", limit: int = PAGE_LIMIT
) -> list[InboxItem]:
    """What waits for `user`: the first `limit` items of all the sources together (or of
    `source` alone), the overdue first, then by due date (then by source and number).

    One query whatever the number of sources: each source's first `limit` by due date (its
    own `ORDER BY ... LIMIT`, so each reads no more than that on its index), joined by
    `UNION ALL`, and the first `limit` of those. Overdue means due before today, so "overdue
    first, then by due date" is the due date's order; ties go by the source's chip order.
    Only the rows shown become items (a working-day count and a link each).
    """
    today = today or timezone.localdate()
    chosen = [s for s in sources_for(user) if not source or s.key == source]
    union = _union(chosen, user, today, lambda sql, i: _items_sql(sql, i, limit))
    if union is None:
        return []
    q = connection.ops.quote_name
    merged = (
        f"SELECT * FROM ({union[0]}) {q('inbox_items')} "  # noqa: S608
        f"ORDER BY {q('due_on')}, {q('inbox_source')}, {q('item_id')} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(merged, [*union[1], limit])
        found = cursor.fetchall()
    items: list[InboxItem] = []
    for index, item_id, due_on, enterprise_name, step in found:
        s = chosen[int(index)]
        due = _as_date(due_on)
        row = {"item_id": item_id, "due_on": due, "enterprise_name": enterprise_name, "step": step}
        items.append(
            InboxItem(
                source=s.key,
                source_label=s.label,
                item_id=item_id,
                step=step,
                title=s.steps.get(step, step),
                due_on=due,
                enterprise_name=enterprise_name,
                url=s.link(row),
                working_days_left=working_days_between(today, due),
                overdue=due < today,
            )
        )
    return items
