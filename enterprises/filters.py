"""The one filter set of the register, shared by the staff list page, its XLSX export and the
staff API, plus the paginator that keeps those lists fast on a million rows.

Risk data is staff-only and, within staff, needs `view_risk`: for users without it the
`risk_class` filter and the `risk_score` ordering do not exist. A request that sends them anyway
is not refused (that would only confirm what the user may not see); the parameters are ignored,
and the page shows no control for them. The class and score are read through the one-to-one
relation to `risk.CurrentClass` (`risk_current`, issue 16): the register imports nothing of
the `risk` app; an entity never classified has no row (no class, no score: sorted last).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import F, OrderBy, QuerySet
from django.db.models.functions import Collate
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.widgets import BooleanWidget

from credit_portal.models import Department
from enterprises.industries import DIVISION_CHOICES, SECTION_CHOICES, section_of
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import RegisterCount, enterprise_search
from enterprises.selectors.counts import COUNT_EXACT_UP_TO, Accuracy

RISK_CLASS = "risk_current__risk_class"  # in effect: an override's, while one is open
RISK_SCORE = "risk_current__score"
# Model field -> parameter (django-filter's order). Every ordering ends with the primary key
# so that pages never overlap or skip rows when many enterprises share a value (a date, a name).
ORDERING_FIELDS = {
    "name": "name",
    "registered_on": "registered_on",
    "uscc": "uscc",
    RISK_SCORE: "risk_score",
}
RISK_ONLY_ORDERING = {"risk_score"}
NAME_COLLATION = "zh-Hans-x-icu"  # ICU, Simplified Chinese: names in pinyin order
DEFAULT_ORDERING = ["-registered_on", "id"]  # Uses index: ent_registered_idx (registered_on, id)
RISK_ONLY_PARAMS = {"risk_class"}
LIST_COUNT_CAP = COUNT_EXACT_UP_TO  # lists count and page their first 10,000 matches
# Orderings whose order Python reproduces exactly (dates, numbers; risk scores NULLS LAST):
# `CappedPaginator` then picks a page's ids itself. Text is left to the database's collation.
_PYTHON_SORTABLE = {"registered_on", RISK_SCORE, "id", "pk"}
# A first ordering key NULLS LAST whose rows split in two (`CappedPaginator`): the score, and
# the relation whose absence makes it null (an entity never classified has no row).
_NULLS_LAST_SPLIT = {RISK_SCORE: "risk_current"}


def can_view_risk(user: Any) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.has_perm(EnterprisePerm.VIEW_RISK)
    )


class RegisterOrderingFilter(filters.OrderingFilter):
    """`ordering=name`, `-registered_on`, `uscc,-name`...; always ends with the id tiebreaker.

    Risk scores sort unscored enterprises last in both directions (they are not "lowest risk").
    """

    def filter(self, qs: QuerySet[Enterprise], value: list[str] | None) -> QuerySet[Enterprise]:
        params = [p for p in (value or []) if p]
        if not params:
            return qs.order_by(*DEFAULT_ORDERING)
        ordering: list[str | OrderBy] = []
        seen: set[str] = set()
        for param in params:
            name = self.get_ordering_value(param)
            field = name.lstrip("-")
            if field in seen:
                continue
            seen.add(field)
            if field == RISK_SCORE:
                expr = F(field)
                ordering.append(
                    expr.desc(nulls_last=True)
                    if name.startswith("-")
                    else expr.asc(nulls_last=True)
                )
            elif field == "name" and connections[qs.db].vendor == "postgresql":
                # Pinyin order (Uses index: ent_name_pinyin_idx, migration 0006).
                pinyin = Collate(F("name"), NAME_COLLATION)
                ordering.append(pinyin.desc() if name.startswith("-") else pinyin.asc())
            elif field == "name":
                # SQLite (the demo) has no ICU collation: the pinyin initials, then the name in
                # code-point order. The same as ICU's pinyin order where the initials differ
                # (阿里, 北京, 成都, 张三); close otherwise (北京 BJ before 白云 BY, where ICU
                # puts bai before bei; Latin letters and digits are not in the initials).
                ordering.extend(
                    ["-name_initials", name] if name[0] == "-" else ["name_initials", name]
                )
            else:
                ordering.append(name)
        last = params[0].startswith("-")
        ordering.append("-id" if last and "id" not in seen else "id")
        return qs.order_by(*ordering)


class YesNoAllWidget(BooleanWidget):
    """`true` / `false` / empty, shown as Yes / No / All."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]


class _RegisterFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and start > end:
            raise forms.ValidationError(
                _("The registration date range ends before it starts."), code="date_range"
            )
        section, division = data.get("industry_section"), data.get("industry_division")
        if section and division and section_of(division) != section:
            # Both filters at once can match nothing: say so rather than list no entity.
            self.add_error(
                "industry_division",
                _("Division %(d)s belongs to section %(s)s, not %(g)s.")
                % {"d": division, "s": section_of(division), "g": section},
            )
        return data


class EnterpriseFilter(filters.FilterSet):
    """Filters of the register list (HTML page, export and API use the same parameters)."""

    q = filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_(
            "Credit code or its last 4 or more characters, old registration number, name, "
            "former name, pinyin initials, legal representative or address."
        ),
        max_length=100,
    )
    entity_type = filters.ChoiceFilter(
        choices=Enterprise.EntityType.choices, label=_("Entity type"), empty_label=_("All types")
    )
    industry_section = filters.ChoiceFilter(
        method="filter_section",
        choices=SECTION_CHOICES,
        label=_("Industry section"),
        empty_label=_("All sections"),
    )
    industry_division = filters.ChoiceFilter(
        choices=DIVISION_CHOICES, label=_("Industry division"), empty_label=_("All divisions")
    )
    status = filters.ChoiceFilter(
        choices=Enterprise.Status.choices, label=_("Status"), empty_label=_("All statuses")
    )
    department = filters.ModelChoiceFilter(
        queryset=Department.objects.all(),
        to_field_name="code",
        label=_("Responsible department"),
        empty_label=_("All departments"),
    )
    risk_class = filters.ChoiceFilter(
        field_name=RISK_CLASS,
        choices=Enterprise.RiskClass.choices,
        label=_("Risk class"),
        empty_label=_("All classes"),
    )
    is_abnormal = filters.BooleanFilter(label=_("In the abnormal directory"), widget=YesNoAllWidget)
    on_serious_list = filters.BooleanFilter(
        label=_("On the serious illegal list"), widget=YesNoAllWidget
    )
    registered_from = filters.DateFilter(
        field_name="registered_on", lookup_expr="gte", label=_("Registered from")
    )
    registered_to = filters.DateFilter(
        field_name="registered_on", lookup_expr="lte", label=_("Registered until")
    )
    ordering = RegisterOrderingFilter(
        fields=ORDERING_FIELDS,
        label=_("Sort by"),
        field_labels={
            "name": _("Name"),
            "registered_on": _("Registration date"),
            "uscc": _("Credit code"),
            RISK_SCORE: _("Risk score"),
        },
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []
        form = _RegisterFilterForm

    def __init__(self, data: Any = None, *args: Any, request: Any = None, **kwargs: Any) -> None:
        user = getattr(request, "user", None)
        self.can_view_risk = can_view_risk(user)
        if data is not None and not self.can_view_risk:
            data = _without_risk_params(data)
        super().__init__(data, *args, request=request, **kwargs)
        if not self.can_view_risk:
            del self.filters["risk_class"]
            ordering = RegisterOrderingFilter(
                fields={k: v for k, v in ORDERING_FIELDS.items() if v not in RISK_ONLY_ORDERING},
                label=_("Sort by"),
            )
            ordering.model, ordering.parent = self.queryset.model, self
            self.filters["ordering"] = ordering

    def filter_section(
        self, queryset: QuerySet[Enterprise], name: str, value: str
    ) -> QuerySet[Enterprise]:
        """The section, unless a division is chosen too: the division implies its section (the
        form refuses a pair that disagrees), and both conditions made the planner multiply their
        frequencies (1M rows: 36,700 estimated for 196,000 restaurants), then pick a plan meant
        for a rare match (a hash of the class filter's rows, probed with every restaurant)."""
        if self.form.cleaned_data.get("industry_division"):
            return queryset
        return queryset.filter(industry_section=value)

    def filter_search(
        self, queryset: QuerySet[Enterprise], name: str, value: str
    ) -> QuerySet[Enterprise]:
        return enterprise_search(queryset=queryset, text=value, staff=True)

    @property
    def active_filters(self) -> dict[str, Any]:
        """The filters in force (valid, non-empty, not the ordering): for the audit of an
        export, the "clear filters" link and the count estimate."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {
            k: (v.code if isinstance(v, Department) else v)
            for k, v in self.form.cleaned_data.items()
            if k != "ordering" and v not in (None, "", [])
        }


def _without_risk_params(data: Any) -> Any:
    """A copy of the query without risk-only parameters or orderings."""
    cleaned = data.copy()
    for key in RISK_ONLY_PARAMS:
        cleaned.pop(key, None)
    raw = data.get("ordering")
    if raw:
        kept = [p for p in str(raw).split(",") if p.strip().lstrip("-") not in RISK_ONLY_ORDERING]
        if kept:
            cleaned["ordering"] = ",".join(kept)
        else:
            cleaned.pop("ordering", None)
    return cleaned


class CappedPaginator(Paginator):
    """A Django paginator for lists of up to a million rows: pages the first `cap` matches,
    and never lets PostgreSQL walk an ordering index in search of a few rare matches.

    One probe query reads the ids of at most `cap` + 1 matches, unordered (the cheapest plan:
    an index on the filter, a trigram bitmap, or one scan of the table):
    - more than `cap` ids: the matches are dense. The list offers the first `cap` rows (pages
      of the ordinary ORDER BY ... LIMIT query, which finds a page quickly by walking the
      ordering index); `count` is `cap` and `count_capped` true. How many match in all,
      `total`, comes from `total_of` (the view's `register_count`, exact where that is cheap,
      else an estimate: `enterprises.selectors.counts`), at most two or three small queries.
    - at most `cap` ids: that is the exact count, and the page is read by primary key among
      those ids (for date and number orderings, the probe also reads the sort values and
      Python picks the page's ids, so only `per_page` rows are read by key). Without this, a
      rare match (a two-character search term that no trigram index serves, a rare filter
      combination) lets the planner walk the whole `registered_on` index expecting to meet
      50 matches early: seconds instead of one scan.
    Either way: two queries per page, whatever the number of rows.
    """

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        cap: int = LIST_COUNT_CAP,
        total_of: Callable[[int], RegisterCount] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.total_of = total_of
        self.count_capped = False

    @cached_property
    def _sort_plan(self) -> list[tuple[str, bool]] | None:
        """The list's ordering as [(field, descending)] when Python can sort the probe's rows
        exactly as PostgreSQL would (`_PYTHON_SORTABLE`), else None."""
        queryset = cast(QuerySet[Any], self.object_list)
        plan: list[tuple[str, bool]] = []
        for item in queryset.query.order_by:
            if isinstance(item, str):
                field, descending = item.lstrip("-"), item.startswith("-")
            elif isinstance(item, OrderBy) and isinstance(item.expression, F):
                if not item.nulls_last:
                    return None
                field, descending = item.expression.name, item.descending
            else:
                return None  # e.g. names under the pinyin collation
            if field not in _PYTHON_SORTABLE:
                return None
            plan.append(("pk" if field == "id" else field, descending))
        return plan or None

    @cached_property
    def _probe(self) -> list[tuple[Any, ...]]:
        """(pk, sort values...) of at most `cap` + 1 matches, unordered."""
        queryset = cast(QuerySet[Any], self.object_list)
        fields = [f for f, _ in self._sort_plan or [] if f != "pk"]
        return list(queryset.order_by().values_list("pk", *fields)[: self.cap + 1])

    @cached_property
    def _ids(self) -> list[Any]:
        return [row[0] for row in self._probe]

    def _page_ids_sorted_here(self, bottom: int, top: int) -> list[Any]:
        """The ids of one page, the probe's rows sorted in Python: the page query then reads
        `per_page` rows by primary key instead of sorting up to `cap` rows in the database
        (10,000 rows by key cost 300 ms on 1M rows; a Python sort of them a few ms)."""
        plan = self._sort_plan or []
        columns = ["pk", *[f for f, _ in plan if f != "pk"]]
        rows = list(self._probe)
        for field, descending in reversed(plan):  # stable sorts, last key first
            i = columns.index(field)
            present = [r for r in rows if r[i] is not None]
            present.sort(key=lambda r: r[i], reverse=descending)
            rows = present + [r for r in rows if r[i] is None]  # NULLS LAST either way
        return [r[0] for r in rows[bottom:top]]

    @cached_property
    def count(self) -> int:
        """The rows paged: every match, or the first `cap` (`count_capped`)."""
        found = len(self._ids)
        if found > self.cap:
            self.count_capped = True
            return self.cap
        return found

    @cached_property
    def total(self) -> RegisterCount:
        """How many rows match in all: exact up to `cap`, beyond it what `total_of` says
        (given the probe's count), else "more than `cap`"."""
        paged = self.count  # runs the probe
        if not self.count_capped:
            return RegisterCount(paged)
        if self.total_of is None:
            return RegisterCount(self.cap, Accuracy.AT_LEAST)
        return self.total_of(len(self._ids))

    @cached_property
    def _split(self) -> tuple[str, str, bool] | None:
        """(field, relation, descending) when the list is sorted first by a nulls-last key of
        `_NULLS_LAST_SPLIT` (the risk score), else None."""
        queryset = cast(QuerySet[Any], self.object_list)
        order = queryset.query.order_by
        first = order[0] if order else None
        if (
            isinstance(first, OrderBy)
            and isinstance(first.expression, F)
            and first.nulls_last
            and first.expression.name in _NULLS_LAST_SPLIT
        ):
            name = first.expression.name
            return name, _NULLS_LAST_SPLIT[name], first.descending
        return None

    def _probe_all_valued(self, field: str) -> bool:
        """Whether the probe (which read the sort values: `_sort_plan`) found more than `cap`
        matches, each with a value: then more than `cap` classified rows match (a class
        filter, a register classified throughout), known without another query."""
        columns = [f for f, _desc in self._sort_plan or [] if f != "pk"]
        if field not in columns or len(self._probe) <= self.cap:
            return False
        i = 1 + columns.index(field)
        return all(row[i] is not None for row in self._probe)

    def _page_split(self, bottom: int, top: int) -> list[Any]:
        """A page above the cap of a list sorted by the risk score: the classified matches in
        score order, then the never-classified ones in the order of the other keys.

        One ORDER BY over the LEFT JOIN cannot walk an index (on 1M rows: a join and a sort of
        everything on every page). Apart, each part has its own: the classified rows walk the
        score index (`risk_current_score_idx`, (score, enterprise) DESC: forward for a
        descending sort, backward for an ascending one; the segment holds no NULL, so the
        default null placement of each direction is the index's; with a class filter, the
        class's range of `risk_current_class_idx`, (class, score, enterprise): the score index
        would walk every other class first, class and score being correlated) and meet the
        entity by primary key; the others are an anti-join in the list's order. A probe of at most
        `cap` + 1 classified ids decides: more, and every row offered is classified (one
        ordered query, dense matches); fewer, and they are sorted by primary key among those
        ids (no walk of the score index in search of rare classified matches: an individual
        businesses filter has none), the rest of the page from the never-classified."""
        assert self._split is not None  # noqa: S101 - the caller checked
        field, relation, descending = self._split
        queryset = cast(QuerySet[Any], self.object_list)
        rest = list(queryset.query.order_by[1:])
        key = F(field).desc() if descending else F(field).asc()
        classified = queryset.filter(**{f"{relation}__isnull": False}).order_by(key, *rest)
        if self._probe_all_valued(field):
            return list(classified[bottom:top])  # more than `cap` classified: no second probe
        ids = list(classified.order_by().values_list("pk", flat=True)[: self.cap + 1])
        if len(ids) > self.cap:
            return list(classified[bottom:top])
        rows: list[Any] = []
        if bottom < len(ids):
            by_id = queryset.model._default_manager.filter(pk__in=ids)
            by_id.query.select_related = queryset.query.select_related
            rows = list(by_id.order_by(key, *rest)[bottom:top])
        if top > len(ids):
            never = queryset.filter(**{f"{relation}__isnull": True}).order_by(*rest)
            rows += list(never[max(0, bottom - len(ids)) : top - len(ids)])
        return rows

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        queryset = cast(QuerySet[Any], self.object_list)
        if self.count_capped and self._split is not None:
            return Page(self._page_split(bottom, top), number, self)
        if not self.count_capped:
            # A fresh query by primary key, with the list's joins and ordering but not its
            # filters (the ids carry them): the planner sees at most `cap` rows to sort, or
            # only the page's rows when Python could pick them from the probe.
            ids = self._ids
            if self._sort_plan:
                ids, bottom, top = self._page_ids_sorted_here(bottom, top), 0, top - bottom
            by_id = queryset.model._default_manager.filter(pk__in=ids)
            by_id.query.select_related = queryset.query.select_related
            queryset = (
                by_id.order_by(*queryset.query.order_by) if queryset.query.order_by else by_id
            )
        return Page(list(queryset[bottom:top]), number, self)
