"""What the public credit lookup shows: the public profile of a market entity, assembled once
for the HTML pages (`enterprises.views.public`) and the public API (`enterprises.api.public`).

Rules (企业信息公示暂行条例 art. 6-7; docs/domain.md §3-§5; docs/architecture.md "who uses it"):
- registration basics only: name, former names, credit code (and the old registration number),
  type, the legal representative's NAME, registered capital, registration date and authority,
  address, business scope, status with the suspension period;
- ledger facts only when public (`is_public`, or public by their kind), inside their publicity
  period, not closed (repaired, removed, corrected) and not dated after the day shown —
  `public_credit_records`; except listings (abnormal directory, serious list: kinds declared
  `history_public`), which stay once removed, with the removal's date and reason beside them
  (移出日期, 移出原因; docs/domain.md §3), unless the record that closed them hides them (a
  listing revoked as wrongful, a record corrected: `hides_closed`). An entity pending listing
  in the punishment buffer shows nothing (its deferral is never public);
- changes of registration as the publicity system shows them (变更信息: item, before, after,
  date; 企业信息公示暂行条例 art. 6), from the records of that kind, with only the licence
  items in `PUBLIC_CHANGE_ITEMS` (never an identity number);
- never: risk class or score, identity numbers (not even masked), contact details of persons,
  private records. The data classes below carry no such field, so neither the template nor the
  serializer can show one by mistake, and the queries do not even load those columns.
Deregistered and revoked entities are still shown, with their status.

Cost: a profile is one query on PostgreSQL (the entity by its unique code, its public records
aggregated to JSON in a subquery) and two elsewhere, compiled once per process and, on
PostgreSQL, prepared once per database session (`credit_portal.prepared.PreparedQuery`); a
page of search results is two (the keys of at most 1,001 matches, then the rows of the page),
whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from django.contrib.postgres.aggregates import JSONBAgg
from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONArray
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import get_language

from credit_portal.prepared import PreparedQuery, Slot
from enterprises.kinds import (
    Section,
    kind_codes,
    kind_summary,
    kinds_all,
    registration_item_label,
)
from enterprises.models import LEGAL_REP, LEGAL_REP_TITLES, CreditRecord, Enterprise
from enterprises.rules import CLOSED_STATUSES
from enterprises.selectors import enterprise_search, public_credit_records
from enterprises.uscc import (
    looks_like_uscc,
    normalize,
    regno15_problems,
    uscc_problems,
)

Status = Enterprise.Status
EntityType = Enterprise.EntityType

# The only columns the public lookup reads from the register.
PUBLIC_FIELDS = (
    "id",
    "uscc",
    "legacy_reg_no",
    "name",
    "former_names",
    "entity_type",
    "legal_rep_name",
    "registered_capital",
    "registered_on",
    "registration_authority",
    "address",
    "business_scope",
    "status",
    "suspended_from",
    "suspended_until",
    "status_changed_on",
)
_RECORD_FIELDS = (
    "kind",
    "occurred_on",
    "publicity_start",
    "publicity_end",
    "authority",
    "document_number",
    "summary",
    "details",
    # The record that closed it (a listing's removal, shown beside it; NULL when open).
    "closed_by__kind",
    "closed_by__occurred_on",
    "closed_by__summary",
    "closed_by__details",
)
_DATE_FIELDS = ("occurred_on", "publicity_start", "publicity_end", "closed_by__occurred_on")
# Public ledger kinds and the section that shows them; other public kinds (registration,
# status changes, ...) are already part of the basics or not a section of the publicity system.
# The sections of the publicity system (the public profile's), a subset of the kinds' sections.
PUBLIC_SECTIONS = (
    Section.REGISTRATION_CHANGES,
    Section.ABNORMAL_LISTINGS,
    Section.PENALTIES,
    Section.INSPECTION_RESULTS,
    Section.ANNUAL_REPORTS,
    Section.SERIOUS_LISTINGS,
)


def section_kinds() -> dict[str, str]:
    """{kind: public section} of the declared kinds shown in a section (each app declares its
    kinds' sections, `enterprises.kinds`)."""
    return {k.code: str(k.section) for k in kinds_all() if k.section in PUBLIC_SECTIONS}


# The licence items whose changes the publicity system shows (变更信息), in the order of the
# business licence; any other item a change record may hold (an identity number, a contact)
# stays out of the public profile and API.
PUBLIC_CHANGE_ITEMS = (
    "name",
    "entity_type",
    "legal_rep_name",
    "registered_capital",
    "address",
    "business_scope",
)

SEARCH_PAGE_SIZE = 20
SEARCH_RESULT_CAP = 1000  # the publicity system, too, asks for a narrower query beyond this


_ENTITY_TYPE_LABELS = dict(EntityType.choices)
_STATUS_LABELS = dict(Status.choices)


class _Labels:
    """The labels above in one language, as text. Translating a lazy label looks up the active
    language each time; the public profile prints three of them on every page, so they are
    translated once per language and process (translations change only with a deploy, which
    restarts the processes; `credit_portal.jinja2` compiles the template labels the same way)."""

    def __init__(self) -> None:
        self.entity_types = {k: str(v) for k, v in _ENTITY_TYPE_LABELS.items()}
        self.statuses = {k: str(v) for k, v in _STATUS_LABELS.items()}
        self.legal_rep = str(LEGAL_REP)
        self.legal_rep_titles = {k: str(v) for k, v in LEGAL_REP_TITLES.items()}


_labels_by_language: dict[str | None, _Labels] = {}


def _labels() -> _Labels:
    language = get_language()
    labels = _labels_by_language.get(language)
    if labels is None:
        labels = _labels_by_language[language] = _Labels()
    return labels


@dataclass(frozen=True)
class PublicEnterprise:
    """The registration basics of one market entity, as the public may see them."""

    uscc: str
    legacy_reg_no: str
    name: str
    former_names: list[str]
    entity_type: str
    entity_type_display: str
    legal_rep_title: str
    legal_rep_name: str
    registered_capital: Decimal | None  # CNY 10,000
    registered_on: dt.date
    registration_authority: str
    address: str
    business_scope: str
    status: str
    status_display: str
    suspended_from: dt.date | None
    suspended_until: dt.date | None
    status_changed_on: dt.date | None

    @property
    def registered_capital_text(self) -> str:
        """The amount in CNY 10,000 without trailing zeros, grouped: 1250.5000 -> "1,250.5"."""
        if self.registered_capital is None:
            return ""
        return f"{self.registered_capital.normalize():,f}"

    @property
    def status_badge(self) -> str:
        """CSS class of the status badge (portal.css)."""
        return {Status.OPERATING: "badge--ok", Status.SUSPENDED: "badge--warn"}.get(
            Status(self.status), "badge--muted"
        )

    @property
    def is_individual_business(self) -> bool:
        return self.entity_type == EntityType.INDIVIDUAL_BUSINESS

    @property
    def is_active(self) -> bool:
        return self.status in (Status.OPERATING, Status.SUSPENDED)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


def public_enterprise_from(row: Mapping[str, Any], *, on: dt.date) -> PublicEnterprise:
    """Map a register row (the `PUBLIC_FIELDS` columns, by name) to its public basics.

    Rules: a suspension whose filed period ended before `on` is over (docs/domain.md §7, as
    `enterprise_state_as_of` folds it), even before a job rewrites the cached status field.
    """
    status = row["status"]
    suspended_from, suspended_until = row["suspended_from"], row["suspended_until"]
    if status == Status.SUSPENDED and suspended_until is not None and suspended_until < on:
        status = Status.OPERATING
    if status != Status.SUSPENDED:
        suspended_from = suspended_until = None
    former = row["former_names"] if isinstance(row["former_names"], list) else []
    labels = _labels()
    return PublicEnterprise(
        uscc=row["uscc"],
        legacy_reg_no=row["legacy_reg_no"],
        name=row["name"],
        former_names=[str(n) for n in former if n],
        entity_type=row["entity_type"],
        entity_type_display=labels.entity_types.get(row["entity_type"], ""),
        legal_rep_title=labels.legal_rep_titles.get(row["entity_type"], labels.legal_rep),
        legal_rep_name=row["legal_rep_name"],
        registered_capital=row["registered_capital"],
        registered_on=row["registered_on"],
        registration_authority=row["registration_authority"],
        address=row["address"],
        business_scope=row["business_scope"],
        status=status,
        status_display=labels.statuses.get(status, ""),
        suspended_from=suspended_from,
        suspended_until=suspended_until,
        status_changed_on=row["status_changed_on"] if status != Status.OPERATING else None,
    )


@dataclass(frozen=True)
class PublicRecord:
    """One public ledger fact: a listing, a penalty, an inspection result or a filed report."""

    kind: str
    decided_on: dt.date
    authority: str
    document_number: str
    summary: str
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    year: int | None = None  # annual reports: the year reported on
    # A listing removed (its closing record, shown beside it): the day and the reason.
    removed_on: dt.date | None = None
    removal_reason: str = ""

    @property
    def in_force(self) -> bool:
        """Whether the listing (or any other record) still holds: not removed."""
        return self.removed_on is None


def _public_record_from(record: dict[str, Any], *, on: dt.date) -> PublicRecord:
    year: int | None = None
    if record["kind"] in kind_codes(section=Section.ANNUAL_REPORTS):
        # The report filed in year X covers year X-1 (docs/domain.md §4) unless the record says so.
        details = record["details"] if isinstance(record["details"], dict) else {}
        raw: Any = details.get("year")
        year = int(raw) if str(raw).isdigit() else record["occurred_on"].year - 1
    removed_on: dt.date | None = record.get("closed_by__occurred_on")
    removal_reason = ""
    if removed_on is not None and removed_on <= on:
        removal_reason = kind_summary(
            record["closed_by__kind"], record["closed_by__details"], record["closed_by__summary"]
        )
    else:
        removed_on = None  # a closing dated after the day shown does not count yet
    return PublicRecord(
        kind=record["kind"],
        decided_on=record["occurred_on"],
        authority=record["authority"],
        document_number=record["document_number"],
        summary=kind_summary(record["kind"], record["details"], record["summary"]),
        publicity_start=record["publicity_start"],
        publicity_end=record["publicity_end"],
        year=year,
        removed_on=removed_on,
        removal_reason=removal_reason,
    )


@dataclass(frozen=True)
class PublicChange:
    """One changed item of a change of registration, as the publicity system lists it."""

    item: str  # the field: name, entity_type, legal_rep_name, registered_capital, ...
    item_display: str
    before: str
    after: str
    changed_on: dt.date


def _change_value(item: str, value: Any) -> str:
    """A before or after value in words: an entity type by its label, empty as ""."""
    if value is None:
        return ""
    if item == "entity_type":
        return _labels().entity_types.get(str(value), str(value))
    return str(value)


def _public_changes(record: Mapping[str, Any], entity_type: str) -> list[PublicChange]:
    """The public items of one change-of-registration record (`PUBLIC_CHANGE_ITEMS`, in their
    order). The registered person is named by the entity type the record keeps (the type after
    the change), else by the entity's current type."""
    details = record["details"] if isinstance(record["details"], Mapping) else {}
    changes = details.get("changes")
    if not isinstance(changes, Mapping):
        return []
    named_as = str(details.get("entity_type") or entity_type)
    rows = []
    for item in PUBLIC_CHANGE_ITEMS:
        values = changes.get(item)
        if not isinstance(values, list | tuple):
            continue
        before, after = [*values, None, None][:2]
        rows.append(
            PublicChange(
                item=item,
                item_display=capfirst(registration_item_label(item, named_as) or item),
                before=_change_value(item, before),
                after=_change_value(item, after),
                changed_on=record["occurred_on"],
            )
        )
    return rows


@dataclass(frozen=True)
class PublicProfile:
    """Everything the public lookup shows about one market entity on one day, grouped like the
    national publicity system (国家企业信用信息公示系统)."""

    as_of: dt.date
    enterprise: PublicEnterprise
    registration_changes: list[PublicChange] = field(default_factory=list)
    abnormal_listings: list[PublicRecord] = field(default_factory=list)
    penalties: list[PublicRecord] = field(default_factory=list)
    inspection_results: list[PublicRecord] = field(default_factory=list)
    annual_reports: list[PublicRecord] = field(default_factory=list)
    serious_listings: list[PublicRecord] = field(default_factory=list)

    @property
    def abnormal_in_force(self) -> list[PublicRecord]:
        """The listings (an individual business's marks) not removed: the entity is in the
        directory (marked) today when there is one."""
        return [r for r in self.abnormal_listings if r.in_force]

    @property
    def serious_in_force(self) -> list[PublicRecord]:
        return [r for r in self.serious_listings if r.in_force]


_SENTINEL_DATE = dt.date(1901, 2, 3)
_SENTINEL_USCC = "~public-profile-uscc~"


def _public_records(enterprise: Enterprise | OuterRef, on: dt.date) -> QuerySet[CreditRecord]:
    return public_credit_records(enterprise=enterprise, on=on, listing_history=True).filter(
        kind__in=list(section_kinds())
    )


def _profile_in_one(uscc: str, on: dt.date) -> QuerySet[Enterprise]:
    """PostgreSQL: the entity and, in its last column, its public records as one JSON array of
    arrays (`_RECORD_FIELDS`, newest first; NULL when there is none): one round trip."""
    records = (
        _public_records(OuterRef("pk"), on)
        .order_by()
        .values("enterprise")
        .annotate(rows=JSONBAgg(JSONArray(*_RECORD_FIELDS), order_by=("-occurred_on", "-id")))
        .values("rows")
    )
    return (
        Enterprise.objects.filter(uscc=uscc)
        .order_by()  # the code is unique: no ORDER BY for the one row
        .values_list(*PUBLIC_FIELDS, Subquery(records))
    )


_PROFILE_IN_ONE = PreparedQuery(
    _profile_in_one, Slot("uscc", _SENTINEL_USCC), Slot("on", _SENTINEL_DATE, adapt="date")
)
_PROFILE_ENTERPRISE = PreparedQuery(
    lambda uscc: Enterprise.objects.filter(uscc=uscc).order_by().values_list(*PUBLIC_FIELDS),
    Slot("uscc", _SENTINEL_USCC),
)
_PROFILE_RECORDS = PreparedQuery(
    lambda enterprise_id, on: _public_records(Enterprise(pk=enterprise_id), on).values_list(
        *_RECORD_FIELDS
    ),
    Slot("enterprise_id", -918_273_645_546_372),
    Slot("on", _SENTINEL_DATE, adapt="date"),
)


def _record_from_json(values: list[Any]) -> dict[str, Any]:
    """A `_RECORD_FIELDS` row from the JSON array of `_profile_in_one` (dates are ISO text)."""
    record = dict(zip(_RECORD_FIELDS, values, strict=True))
    for name in _DATE_FIELDS:
        if record[name] is not None:
            record[name] = dt.date.fromisoformat(record[name])
    return record


def public_profile(*, uscc: str, on: dt.date) -> PublicProfile | None:
    """The public profile of the entity with this credit code as of `on`, or None when the code
    is malformed (no query is made) or unknown.

    Rules: see the module docstring; records come from `public_credit_records` (public, inside
    their publicity period, not closed, not dated after `on`; listings also once removed, with
    their removal), newest first.
    Queries: one on PostgreSQL (the records aggregated to JSON in a subquery), two elsewhere;
    prepared once per process, see `PreparedQuery`.
    """
    code = normalize(uscc)
    if not looks_like_uscc(code):
        return None
    records: list[dict[str, Any]]
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        found = _PROFILE_IN_ONE.rows(uscc=code, on=on)
        if not found:
            return None
        *columns, json_rows = found[0]
        enterprise = dict(zip(PUBLIC_FIELDS, columns, strict=True))
        records = [_record_from_json(values) for values in json_rows or ()]
    else:
        found = _PROFILE_ENTERPRISE.rows(uscc=code)
        if not found:
            return None
        enterprise = dict(zip(PUBLIC_FIELDS, found[0], strict=True))
        rows = _PROFILE_RECORDS.rows(enterprise_id=enterprise["id"], on=on)
        records = [dict(zip(_RECORD_FIELDS, row, strict=True)) for row in rows]
    kinds = section_kinds()
    changes_section = str(Section.REGISTRATION_CHANGES)
    changes: list[PublicChange] = []
    sections: dict[str, list[PublicRecord]] = {
        str(name): [] for name in PUBLIC_SECTIONS if name != Section.REGISTRATION_CHANGES
    }
    for record in records:
        section = kinds[record["kind"]]
        if section == changes_section:
            changes.extend(_public_changes(record, enterprise["entity_type"]))
        else:
            sections[section].append(_public_record_from(record, on=on))
    return PublicProfile(
        as_of=on,
        enterprise=public_enterprise_from(enterprise, on=on),
        registration_changes=changes,
        **sections,
    )


def public_search(*, text: str) -> QuerySet[Enterprise]:
    """Search the whole register (deregistered and revoked entities included) by credit code,
    old registration number, name (Chinese substring) or pinyin initials; public columns only.
    Page it with `PublicSearchPaginator`, which loads the public columns of one page only."""
    return enterprise_search(queryset=Enterprise.objects.all(), text=text)


def public_code_registered(*, uscc: str) -> bool:
    """Whether a market entity with this credit code (as stored: normalised) is in the
    register, so that a whole code typed into the search opens its profile (one query, on the
    code's unique index). Every entity has a public profile, deregistered ones too."""
    return Enterprise.objects.filter(uscc=uscc).exists()


def search_code_problems(text: str) -> list[str]:
    """What is wrong with a search text that is meant to be a credit code or an old
    registration number (ASCII letters and digits, 15 characters or more), for a friendly
    message when nothing is found. Empty for names and for valid codes."""
    code = normalize(text)
    if not (code.isascii() and code.isalnum() and len(code) >= 15 and not code.isalpha()):
        return []
    if code.isdigit() and len(code) == 15:
        return [p.message for p in regno15_problems(code)]
    return [p.message for p in uscc_problems(code)]


class CappedSearchResults:
    """The matches of a search, at most `cap` + 1 of them, newest registration first, as
    public-column dicts.

    Two queries whatever the data size: the keys of the first `cap` + 1 matches in any order
    (the database stops as soon as it has them and uses the name's trigram index, where an
    ORDER BY over a million rows would walk the registration-date index for rare words), then
    the rows of one page by primary key. Sorting at most a thousand keys costs nothing.
    """

    def __init__(self, queryset: QuerySet[Any, Any], cap: int) -> None:
        self._queryset, self._cap = queryset, cap
        self._keys: list[int] | None = None

    def _ordered_keys(self) -> list[int]:
        if self._keys is None:
            found = list(
                self._queryset.order_by().values_list("pk", "registered_on")[: self._cap + 1]
            )
            found.sort(key=lambda row: (-row[1].toordinal(), row[0]))
            self._keys = [row[0] for row in found]
        return self._keys

    def count(self) -> int:
        return len(self._ordered_keys())

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        keys = self._ordered_keys()[: self._cap][index]  # the extra key only signals more
        if not keys:
            return []
        rows = Enterprise.objects.filter(pk__in=keys).values(*PUBLIC_FIELDS)
        by_key = {row["id"]: row for row in rows}
        return [by_key[k] for k in keys if k in by_key]


class PublicSearchPaginator(Paginator):
    """Pages over `CappedSearchResults`: at most `SEARCH_RESULT_CAP` matches are shown, and
    `is_capped` says that there are more (the publicity system, too, asks for a narrower
    query)."""

    cap = SEARCH_RESULT_CAP

    def __init__(self, object_list: Any, per_page: int, *args: Any, **kwargs: Any) -> None:
        if isinstance(object_list, QuerySet):
            object_list = CappedSearchResults(object_list, self.cap)
        super().__init__(object_list, per_page, *args, **kwargs)

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        shown = min(self.count, self.cap)
        if shown == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, -(-shown // self.per_page))
