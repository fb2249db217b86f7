"""The staff inbox (issue 18 §5): what waits for one staff member across every capability,
due first, and the counts the navigation shows on every staff page.

The core imports no domain app; each app declares its sources from its `ready()` (the way it
declares its capabilities and ledger kinds), with `inbox_source_declare`. A source is one
query of the app's own rows that wait for the user, in the user's jurisdiction, reduced to a
common shape by `.values(...)`:

    item_id          int   the row the link opens
    due_on           date  when it is due (NOT NULL; the working-day deadline the app keeps)
    enterprise_name  str   the market entity concerned, or NULL
    step             str   what to do: a key of the source's `steps`

The queryset must be lazy: jurisdiction as subqueries (`departments_of_jurisdiction`,
`Exists(bureau_profiles(...))`), never an `.exists()` while building it, so that

- the page costs one query per source (the first `PAGE_LIMIT` by due date) plus one for the
  counts, whatever the number of items; and
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
from django.db.models import Exists, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from credit_portal.models import User
from credit_portal.permissions import CorePerm
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from credit_portal.workdays import working_days_between

# Rows read per source for the page and the API (the most urgent ones; the chip's count is the
# whole number, and the source's own list page has the rest).
PAGE_LIMIT = 50
SHAPE = ("item_id", "due_on", "enterprise_name", "step")

SourceFunc = Callable[..., QuerySet[Any]]


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


def _queryset(source: InboxSource, user: User, today: dt.date) -> QuerySet[Any]:
    """The source's queryset, built once per user object and day: the page's counts and its
    lists (and the navigation's badge) clone the same lazy queryset, never evaluated itself,
    so a second build (tens of milliseconds of Python for every source) is saved."""
    built: dict[tuple[str, dt.date], QuerySet[Any]] = user.__dict__.setdefault(
        "_inbox_querysets", {}
    )
    key = (source.key, today)
    if key not in built:
        built[key] = source.func(user=user, today=today)
    return built[key]


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


def _count_sql(qs: QuerySet[Any], today_param: Any, index: int) -> tuple[str, list[Any]] | None:
    """`SELECT index, COUNT(*), <overdue> FROM (<the source's SQL>)`, or None when the source
    is empty by construction (`.none()`)."""
    try:
        sql, params = qs.order_by().values("due_on").query.sql_with_params()
    except EmptyResultSet:
        return None
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
    parts: list[str] = []
    params: list[Any] = []
    today_param = connection.ops.adapt_datefield_value(today)
    for i, source in enumerate(sources):
        composed = _count_sql(_queryset(source, user, today), today_param, i)
        if composed is not None:
            parts.append(composed[0])
            params.extend(composed[1])
    found: dict[int, tuple[int, int]] = {}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
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


def inbox_items(
    *, user: User, today: dt.date | None = None, source: str = "", limit: int = PAGE_LIMIT
) -> list[InboxItem]:
    """What waits for `user`: the first `limit` of each source by due date (one query each),
    merged, the overdue first, then by due date (then by source and number)."""
    today = today or timezone.localdate()
    rows: list[InboxItem] = []
    for s in sources_for(user):
        if source and s.key != source:
            continue
        qs = _queryset(s, user, today)
        for row in qs.order_by("due_on", "item_id")[:limit]:
            due = row["due_on"]
            rows.append(
                InboxItem(
                    source=s.key,
                    source_label=s.label,
                    item_id=row["item_id"],
                    step=row["step"],
                    title=s.steps.get(row["step"], row["step"]),
                    due_on=due,
                    enterprise_name=row.get("enterprise_name"),
                    url=s.link(row),
                    working_days_left=working_days_between(today, due),
                    overdue=due < today,
                )
            )
    order = {s.key: i for i, s in enumerate(inbox_sources())}
    rows.sort(key=lambda r: (not r.overdue, r.due_on, order.get(r.source, 0), r.item_id))
    return rows
