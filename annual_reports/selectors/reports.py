"""Reads of annual reports (年度报告, docs/domain.md §4): the years an entity has filed, one
year's versions and their comparison, what the enterprise has to do for each year, the staff
list by year with its counts, and the public parts of a report.

Jurisdiction: staff read the reports of the entities of their jurisdiction
(`enterprise_list_for_user`: the bureau the district, a partner department its own entities);
an enterprise user its own enterprise's (the pages and the API answer 404 for anything else).
Drafts are the enterprise's work in progress: staff and the public see submitted versions only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annual_reports import rules
from annual_reports.models import AnnualReport
from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors.register import enterprise_list_for_user

Status = AnnualReport.Status
Form = AnnualReport.Form
# The ledger kind of a listing deferred into the punishment buffer (remediation.kinds
# LISTING_DEFERRED; read by its code: the reports area does not import remediation).
LISTING_DEFERRED = "listing_deferred"

# The labels of the keys of the list items (annual_reports.rules.LIST_ITEMS), as the forms,
# the pages and the messages name them.
LIST_KEY_LABELS: dict[str, Any] = {
    "name": gettext_lazy("Name"),
    "uscc": gettext_lazy("Unified social credit code"),
    "shareholder": gettext_lazy("Shareholder"),
    "subscribed": gettext_lazy("Subscribed (CNY 10,000)"),
    "subscribed_on": gettext_lazy("Subscribed on"),
    "subscribed_form": gettext_lazy("Form of the subscribed contribution"),
    "paid": gettext_lazy("Paid in (CNY 10,000)"),
    "paid_on": gettext_lazy("Paid in on"),
    "paid_form": gettext_lazy("Form of the paid-in contribution"),
    "before": gettext_lazy("Share before (%)"),
    "after": gettext_lazy("Share after (%)"),
    "changed_on": gettext_lazy("Changed on"),
    "kind": gettext_lazy("Website or online shop"),
    "url": gettext_lazy("Address (URL)"),
    "valid_until": gettext_lazy("Valid until"),
}
WEBSITE_KINDS: dict[str, Any] = {
    "website": gettext_lazy("Website"),
    "shop": gettext_lazy("Online shop"),
}

# The items of each form, in order: (item number, heading, fields). The enterprise form follows
# 条例 art. 9 (docs/domain.md §4 table); the simplified individual-business form asks only what
# the government does not hold (促进个体工商户发展条例 art. 12).
ENTERPRISE_ITEMS: list[tuple[int, Any, tuple[str, ...]]] = [
    (
        1,
        gettext_lazy("How to reach the enterprise"),
        ("mailing_address", "postcode", "phone", "email"),
    ),
    (2, gettext_lazy("Operating status"), ("operating_status",)),
    (3, gettext_lazy("Investments in other enterprises"), ("investments",)),
    (4, gettext_lazy("Shareholders' contributions"), ("contributions",)),
    (5, gettext_lazy("Equity transfers"), ("equity_transfers",)),
    (6, gettext_lazy("Websites and online shops"), ("websites",)),
    (7, gettext_lazy("Headcount, assets, revenue and tax"), rules.ITEM_7_FIELDS),
]
INDIVIDUAL_ITEMS: list[tuple[int, Any, tuple[str, ...]]] = [
    (1, gettext_lazy("Contact and operation"), ("phone", "operating_status")),
    (2, gettext_lazy("Headcount, revenue and tax"), rules.INDIVIDUAL_FIGURES),
    (3, gettext_lazy("Websites and online shops"), ("websites",)),
    (4, gettext_lazy("Licences obtained or changed (optional)"), ("licences",)),
]
LIST_FIELDS = tuple(rules.LIST_ITEMS)
ENTERPRISE_FIELDS = (
    *(f for _n, _h, fields in ENTERPRISE_ITEMS for f in fields),
    "publish_financials",
)
INDIVIDUAL_FIELDS = (*(f for _n, _h, fields in INDIVIDUAL_ITEMS for f in fields), "publish")
# Every field a version carries that a correction copies and a comparison shows.
DATA_FIELDS = tuple(dict.fromkeys((*ENTERPRISE_FIELDS, *INDIVIDUAL_FIELDS)))


def report_form_for(enterprise: Enterprise) -> str:
    """The form an entity files: an individual business the simplified one, any other the
    enterprise form (docs/domain.md §4)."""
    if enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS:
        return Form.INDIVIDUAL
    return Form.ENTERPRISE


def form_fields(form: str) -> tuple[str, ...]:
    return INDIVIDUAL_FIELDS if form == Form.INDIVIDUAL else ENTERPRISE_FIELDS


def form_items(form: str) -> list[tuple[int, Any, tuple[str, ...]]]:
    return INDIVIDUAL_ITEMS if form == Form.INDIVIDUAL else ENTERPRISE_ITEMS


def needs_contributions(enterprise: Enterprise) -> bool:
    """Item 4 is a company's (limited-liability and joint-stock companies, 条例 art. 9 (4))."""
    return enterprise.entity_type == Enterprise.EntityType.COMPANY


def field_label(name: str) -> str:
    """A report field's label in the active language (the model's verbose name)."""
    return capfirst(str(getattr(AnnualReport._meta.get_field(name), "verbose_name", name)))


# --------------------------------------------------------------------------- the agreed reads


def filed_years(*, enterprise_ids: Any) -> dict[int, set[int]]:
    """For each of the enterprises, the years it has a submitted report for (one query)."""
    found: dict[int, set[int]] = {}
    rows = (
        AnnualReport.objects.filter(
            enterprise_id__in=list(enterprise_ids), status=Status.SUBMITTED, revision=1
        )
        .values_list("enterprise_id", "year")
        .distinct()
    )
    for enterprise_id, year in rows:
        found.setdefault(enterprise_id, set()).add(year)
    return found


def current_report(*, enterprise: Enterprise, year: int) -> AnnualReport | None:
    """The version in force of `enterprise`'s report for `year`, or None (not filed)."""
    return AnnualReport.objects.filter(enterprise=enterprise, year=year, is_current=True).first()


def report_draft(*, enterprise: Enterprise, year: int) -> AnnualReport | None:
    """The version being written for `year` (the original before it is filed, or a correction),
    or None."""
    return AnnualReport.objects.filter(
        enterprise=enterprise, year=year, status=Status.DRAFT
    ).first()


def report_versions(*, enterprise: Enterprise, year: int) -> list[AnnualReport]:
    """The submitted versions of `year`'s report, the original first."""
    return list(
        AnnualReport.objects.filter(
            enterprise=enterprise, year=year, status=Status.SUBMITTED
        ).order_by("revision")
    )


def pending_listing(*, enterprise: Enterprise, year: int) -> bool:
    """Whether `enterprise` is pending listing in the punishment buffer for not filing `year`'s
    report: the ledger holds a `listing_deferred` fact for that year (docs/domain.md §3
    "Deferred listing"; written by the deadline run). Such an entity may file while the
    entrance is closed (`rules.submission_open`)."""
    today = timezone.localdate()
    for details in CreditRecord.objects.filter(
        Q(details__year=year) | Q(details__year=str(year)),
        enterprise=enterprise,
        kind=LISTING_DEFERRED,
    ).values_list("details", flat=True):
        # Pending while its buffer deadline has not passed (the deferral fact names it).
        deadline = (details or {}).get("buffer_deadline")
        if not deadline or str(deadline) >= today.isoformat():
            return True
    return False


# What a new report takes from last year's (`report_prefill`).
LAST_YEAR_FIELDS = (
    "mailing_address",
    "postcode",
    "phone",
    "email",
    "investments",
    "contributions",
    "websites",
    "licences",
    "publish",
    "publish_financials",
)


def report_prefill(*, enterprise: Enterprise, year: int, last_year: bool = True) -> dict[str, Any]:
    """What a new report for `year` starts with (docs/domain.md §4: prefilled from the register
    and last year's report): the registered address as the mailing address, a suspended
    entity's status, and from the version in force of the year before, the contact details,
    websites, investments, contributions and licences, and the publicity choices. Figures are
    the year's own and are never carried over. Without `last_year`, the register's part only
    (no query)."""
    data: dict[str, Any] = {"mailing_address": enterprise.address}
    if enterprise.status == Enterprise.Status.SUSPENDED:
        data["operating_status"] = AnnualReport.OperatingStatus.SUSPENDED
    if not last_year:
        return data
    last = (
        AnnualReport.objects.filter(enterprise=enterprise, year=year - 1, is_current=True)
        .only(*LAST_YEAR_FIELDS)
        .first()
    )
    if last is not None:
        for name in ("mailing_address", "postcode", "phone", "email"):
            if getattr(last, name):
                data[name] = getattr(last, name)
        for name in ("investments", "contributions", "websites", "licences"):
            if getattr(last, name):
                data[name] = [dict(row) for row in getattr(last, name)]
        data["publish"] = last.publish
        data["publish_financials"] = last.publish_financials
    return data


# --------------------------------------------------------------------------- versions compared


@dataclass
class FieldRow:
    """One field across the versions of a report: its label, each version's value as text (a
    list item: one text per row), and whether it changed from the version before."""

    name: str
    label: str
    values: list[Any]
    changed: list[bool]
    versions: list[AnnualReport] = field(default_factory=list)

    @property
    def changed_anywhere(self) -> bool:
        return any(self.changed)

    @property
    def cells(self) -> list[dict[str, Any]]:
        """Each version's value with its version and whether it changed (for the templates)."""
        return [
            {"value": value, "changed": changed, "is_list": isinstance(value, list), "version": v}
            for value, changed, v in zip(self.values, self.changed, self.versions, strict=False)
        ]


def _money_text(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}"


def value_text(report: AnnualReport, name: str) -> Any:
    """A field's value as the pages show it: text, or a list of texts for a list item."""
    value = getattr(report, name)
    if name in rules.LIST_ITEMS:
        keys = rules.LIST_ITEMS[name]
        rows = []
        for row in value or []:
            parts = []
            for key in keys:
                item = (row or {}).get(key)
                if item in (None, ""):
                    continue
                if key == "kind":
                    item = WEBSITE_KINDS.get(str(item), item)
                # "label: value", with the reader's language's colon (全角 in Chinese).
                parts.append(
                    _("%(label)s: %(value)s")
                    % {"label": LIST_KEY_LABELS.get(key, key), "value": item}
                )
            rows.append(" · ".join(str(p) for p in parts))
        return rows
    if name in rules.MONEY_FIELDS:
        return _money_text(value)
    if name == "operating_status":
        return report.get_operating_status_display()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    return str(value)


def versions_compared(versions: list[AnnualReport], fields: tuple[str, ...]) -> list[FieldRow]:
    """The fields of `fields` across `versions` (oldest first), each value marked changed when
    it differs from the version before it (docs/domain.md §3 "Self-correction": both versions
    kept and shown)."""
    rows = []
    for name in fields:
        values = [value_text(v, name) for v in versions]
        raw = [getattr(v, name) for v in versions]
        changed = [i > 0 and raw[i] != raw[i - 1] for i in range(len(versions))]
        rows.append(
            FieldRow(
                name=name,
                label=field_label(name),
                values=values,
                changed=changed,
                versions=versions,
            )
        )
    return rows


# --------------------------------------------------------------------------- the enterprise's years


@dataclass
class YearRow:
    """One reporting year as the enterprise sees it: whether it is due, the window, what was
    filed, and what to do now with the dates."""

    year: int
    due: bool
    not_due_reason: str
    opens: dt.date
    deadline: dt.date
    reopens: dt.date
    current: AnnualReport | None = None
    original: AnnualReport | None = None
    draft: AnnualReport | None = None
    corrections: int = 0
    can_file: bool = False
    can_correct: bool = False
    correction_kind: str = ""
    invitation: Any = None
    todo: str = ""
    tone: str = "info"
    dates: list[tuple[str, dt.date]] = field(default_factory=list)


def invitation_open(*, enterprise: Enterprise, year: int, on: dt.date) -> Any:
    """The open invitation to self-correct `year`'s report on `on`
    (`annual_reports.services.invitations.invitation_open_for`), or None."""
    from annual_reports.services.invitations import invitation_open_for

    return invitation_open_for(enterprise=enterprise, year=year, on=on)


def _not_due_text(reason: str, enterprise: Enterprise, year: int) -> str:
    if reason == rules.NOT_REGISTERED_YET:
        return _(
            "Not due: registered in %(reg)s, the first report is for %(reg)s, filed in %(next)s."
        ) % {"reg": enterprise.registered_on.year, "next": enterprise.registered_on.year + 1}
    return _("Not due: the entity closed or moved out on %(day)s, before the deadline.") % {
        "day": enterprise.status_changed_on or "—"
    }


def report_year_rows(*, enterprise: Enterprise, today: dt.date, years: int = 5) -> list[YearRow]:
    """The enterprise's reporting years, newest first: the year whose window is next (not open
    yet), the last `years` years that were due, and any earlier year with a report; each with
    what was filed (filed on, late, channel, corrections) and what to do now with its dates
    (file, continue the draft, correct freely until 30 June or on an invitation, the entrance
    closed after 30 June except while pending listing)."""
    last_due = rules.reporting_year(today)
    # The years before the first one the portal holds reports for were filed on the national
    # publicity system before it: not shown as missing (uses index annrep_year_status_idx).
    held_from = AnnualReport.objects.aggregate(first=Min("year"))["first"] or last_due
    first = max(enterprise.registered_on.year, last_due - years + 1, held_from)
    reports = list(AnnualReport.objects.filter(enterprise=enterprise).order_by("year", "revision"))
    by_year: dict[int, list[AnnualReport]] = {}
    for r in reports:
        by_year.setdefault(r.year, []).append(r)
    wanted = set(range(first, last_due + 2)) | set(by_year)
    wanted = {y for y in wanted if y >= enterprise.registered_on.year or y in by_year}
    return [
        _year_row(enterprise, year, by_year.get(year, []), today)
        for year in sorted(wanted, reverse=True)
    ]


def report_year_row(*, enterprise: Enterprise, year: int, today: dt.date) -> YearRow:
    """One reporting year as `report_year_rows` shows it (one query for its versions)."""
    versions = list(
        AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("revision")
    )
    return _year_row(enterprise, year, versions, today)


def _year_row(
    enterprise: Enterprise, year: int, versions: list[AnnualReport], today: dt.date
) -> YearRow:
    due, why = rules.report_due(enterprise, year)
    deadline = rules.report_deadline(year)
    reopens = rules.entrance_closed_until(year) + dt.timedelta(days=1)
    row = YearRow(
        year=year,
        due=due,
        not_due_reason=why,
        opens=rules.window_opens(year),
        deadline=deadline,
        reopens=reopens,
    )
    submitted = [v for v in versions if v.status == Status.SUBMITTED]
    row.current = next((v for v in submitted if v.is_current), None)
    row.original = next((v for v in submitted if v.revision == 1), None)
    row.draft = next((v for v in versions if v.status == Status.DRAFT), None)
    row.corrections = max(0, len(submitted) - 1)
    row.dates = [(_("Window opens"), row.opens), (_("Deadline"), deadline)]
    if row.current is not None:
        original = row.original or row.current
        filed = original.filed_on
        row.tone = "warn" if original.late else "ok"
        row.todo = (_("Filed late on %(day)s.") if original.late else _("Filed on %(day)s.")) % {
            "day": filed
        }
        if today <= rules.free_correction_until(year):
            row.can_correct = True
            row.correction_kind = AnnualReport.Correction.FREE
            row.todo += " " + _("You may correct it until %(day)s; both versions stay visible.") % {
                "day": rules.free_correction_until(year)
            }
            row.dates.append((_("Corrections until"), rules.free_correction_until(year)))
        else:
            invitation = invitation_open(enterprise=enterprise, year=year, on=today)
            if invitation is not None:
                row.can_correct = True
                row.invitation = invitation
                row.correction_kind = AnnualReport.Correction.SELF_CORRECTION
                row.tone = "warn"
                row.todo += " " + _(
                    "A check invited you to correct it (self-correction) by %(day)s."
                ) % {"day": invitation.respond_by}
                row.dates.append((_("Correct by"), invitation.respond_by))
        if row.draft is not None:
            row.todo += " " + _("A correction is being written: finish and submit it.")
        return row
    if not due:
        row.tone = "muted"
        row.todo = _not_due_text(why, enterprise, year)
        return row
    closing = deadline < today < reopens
    pending = closing and pending_listing(enterprise=enterprise, year=year)
    ok, closed_why = rules.submission_open(today, year, pending_listing=pending)
    if not ok and closed_why == rules.WINDOW_NOT_OPEN:
        row.tone = "muted"
        row.todo = _("The window for %(y)s opens on %(day)s.") % {"y": year, "day": row.opens}
        return row
    if not ok:
        row.tone = "bad"
        row.todo = _(
            "Not filed by the deadline. The filing entrance is closed while listings are "
            "processed and reopens on %(day)s for late filing."
        ) % {"day": reopens}
        row.dates.append((_("Reopens"), reopens))
        return row
    row.can_file = True
    if today > deadline:
        row.tone = "bad"
        if enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS:
            row.todo = _(
                "Not filed by the deadline. File it now: filing it online restores the normal "
                "state the same day."
            )
        else:
            row.todo = _(
                "Not filed by the deadline. File it now: a listing for a late report is removed "
                "once every missing year is filed."
            )
    else:
        row.tone = "warn" if (deadline - today).days <= 30 else "info"
        row.todo = _("Due: file it by %(day)s.") % {"day": deadline}
    if row.draft is not None:
        row.todo += " " + _("A draft is saved: continue it.")
    return row


# --------------------------------------------------------------------------- staff


def reports_for_user(*, user: User) -> QuerySet[AnnualReport]:
    """The submitted versions of the entities of the user's jurisdiction; an enterprise user
    only its own (drafts included, its own work)."""
    qs = AnnualReport.objects.select_related("enterprise")
    if not user.is_authenticated:
        return qs.none()
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None and not user.is_superuser:
        return qs.filter(enterprise_id=membership.enterprise_id)
    return qs.filter(
        status=Status.SUBMITTED,
        enterprise__in=enterprise_list_for_user(user=user).values("pk"),
    )


def report_for_user(*, user: User, pk: int) -> AnnualReport:
    """One version the user may see; Http404 otherwise."""
    found = reports_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No annual report with this number is visible to you."))
    return found


def enterprise_for_user(*, user: User, uscc: str) -> Enterprise:
    """An entity of the user's jurisdiction by its credit code; Http404 otherwise."""
    found = enterprise_list_for_user(user=user).filter(uscc=uscc).first()
    if found is None:
        raise Http404(_("No market entity with this code is visible to you."))
    return found


STATES = ("filed", "not_filed", "late", "paper", "corrected")


def _due_for(qs: QuerySet[Enterprise], year: int) -> QuerySet[Enterprise]:
    """The entities of `qs` that had to report for `year` (`rules.report_due`, in SQL)."""
    closed = Q(status__in=rules.CLOSED_STATUSES) & (
        Q(status_changed_on__isnull=True) | Q(status_changed_on__lte=rules.report_deadline(year))
    )
    return qs.filter(registered_on__lte=dt.date(year, 12, 31)).exclude(closed)


def reports_by_year(
    *,
    user: User,
    year: int,
    state: str = "",
    division: str = "",
    entity_type: str = "",
    search: str = "",
) -> QuerySet[Enterprise]:
    """The entities of the user's jurisdiction that had to report for `year`, each annotated
    with its report: `report_id` and `revision` (the version in force), `filed_on`, `late` and
    `channel` (the original's: the day the report counts from), and `draft_exists`.

    Filters: `state` one of filed, not_filed, late, paper, corrected; a street or town
    (`division`); an entity type; a credit code or part of the name (`search`). Ordered by
    registration date and id (the register's index)."""
    base = _due_for(enterprise_list_for_user(user=user), year)
    current = AnnualReport.objects.filter(enterprise=OuterRef("pk"), year=year, is_current=True)
    original = AnnualReport.objects.filter(
        enterprise=OuterRef("pk"), year=year, revision=1, status=Status.SUBMITTED
    )
    qs = base.annotate(
        report_id=Subquery(current.values("pk")[:1]),
        revision=Subquery(current.values("revision")[:1]),
        filed_on=Subquery(original.values("filed_on")[:1]),
        late=Subquery(original.values("late")[:1]),
        channel=Subquery(original.values("channel")[:1]),
        draft_exists=Exists(
            AnnualReport.objects.filter(enterprise=OuterRef("pk"), year=year, status=Status.DRAFT)
        ),
    )
    if state == "filed":
        qs = qs.filter(Exists(original))
    elif state == "not_filed":
        qs = qs.exclude(Exists(original))
    elif state == "late":
        qs = qs.filter(Exists(original.filter(late=True)))
    elif state == "paper":
        qs = qs.filter(Exists(original.filter(channel=AnnualReport.Channel.PAPER)))
    elif state == "corrected":
        qs = qs.filter(
            Exists(
                AnnualReport.objects.filter(
                    enterprise=OuterRef("pk"), year=year, status=Status.SUBMITTED, revision__gt=1
                )
            )
        )
    if division:
        qs = qs.filter(division=division)
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(uscc=search.upper()) | Q(name__contains=search))
    return qs.order_by("registered_on", "id")


@dataclass(frozen=True)
class YearCounts:
    due: int
    filed: int
    not_filed: int
    late: int
    paper: int
    corrected: int
    corrections: int  # versions after the original (户次)


def year_counts(*, user: User, year: int, division: str = "", entity_type: str = "") -> YearCounts:
    """The counts of `year` over the entities of the user's jurisdiction that had to report
    (two queries): due, filed, not filed, late, on paper, corrected (entities), corrections
    (versions after the original: the seed counts self-corrections in 户次)."""
    base = _due_for(enterprise_list_for_user(user=user), year)
    if division:
        base = base.filter(division=division)
    if entity_type:
        base = base.filter(entity_type=entity_type)
    due = base.count()
    original = Q(revision=1)
    figures = AnnualReport.objects.filter(
        year=year, status=Status.SUBMITTED, enterprise__in=base.values("pk")
    ).aggregate(
        filed=Count("pk", filter=original),
        late=Count("pk", filter=original & Q(late=True)),
        paper=Count("pk", filter=original & Q(channel=AnnualReport.Channel.PAPER)),
        corrected=Count("enterprise", filter=Q(revision__gt=1), distinct=True),
        corrections=Count("pk", filter=Q(revision__gt=1)),
    )
    return YearCounts(
        due=due,
        filed=figures["filed"],
        not_filed=max(0, due - figures["filed"]),
        late=figures["late"],
        paper=figures["paper"],
        corrected=figures["corrected"],
        corrections=figures["corrections"],
    )


def divisions_for_user(*, user: User) -> list[str]:
    """The streets and towns of the entities of the user's jurisdiction (for a filter)."""
    return list(
        enterprise_list_for_user(user=user)
        .order_by("division")
        .values_list("division", flat=True)
        .distinct()
    )


# --------------------------------------------------------------------------- public


@dataclass(frozen=True)
class PublicVersion:
    """One version of a report as the public sees it (docs/domain.md §4 table "Public?"):
    items 1–6, item 7 only when the enterprise chose to publish it; an individual business's
    contact details are the operator's personal data and are not shown."""

    revision: int
    filed_on: dt.date | None
    correction: str
    correction_label: str
    channel_label: str
    financials: bool
    sections: list[tuple[Any, list[dict[str, Any]]]]


@dataclass(frozen=True)
class PublicReport:
    uscc: str
    name: str
    year: int
    individual: bool
    late: bool
    filed_on: dt.date | None
    versions: list[PublicVersion]


def _public_sections(
    report: AnnualReport, *, individual: bool, financials: bool
) -> list[tuple[Any, list[dict[str, Any]]]]:
    sections: list[tuple[Any, list[dict[str, Any]]]] = []
    if individual:
        items = [
            (gettext_lazy("Operation"), ("operating_status", "headcount")),
            (gettext_lazy("Websites and online shops"), ("websites",)),
            (gettext_lazy("Licences"), ("licences",)),
        ]
    else:
        items = [(heading, fields) for n, heading, fields in ENTERPRISE_ITEMS if n < 7]
        if financials:
            items.append((ENTERPRISE_ITEMS[6][1], ENTERPRISE_ITEMS[6][2]))
    for heading, fields in items:
        sections.append(
            (
                heading,
                [
                    {
                        "label": field_label(f),
                        "value": value_text(report, f),
                        "is_list": f in rules.LIST_ITEMS,
                    }
                    for f in fields
                ],
            )
        )
    return sections


def public_report(*, uscc: str, year: int) -> PublicReport | None:
    """The public parts of an entity's report for `year`, every submitted version with its
    date, or None when nothing is public: not filed, or an individual business that chose not
    to publish (细则 art. 63; the version in force decides). Two queries."""
    enterprise = (
        Enterprise.objects.filter(uscc=uscc).only("pk", "uscc", "name", "entity_type").first()
    )
    if enterprise is None:
        return None
    versions = report_versions(enterprise=enterprise, year=year)
    if not versions:
        return None
    individual = enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
    current = next((v for v in versions if v.is_current), versions[-1])
    # Item 7 is public only with the enterprise's consent (条例 art. 9 (7)); the version in
    # force carries its choice now: withdrawn, no version shows the figures any more.
    consent = current.publish_financials
    if individual:
        if not current.publish:
            return None
        versions = [v for v in versions if v.publish]
    original = versions[0]
    return PublicReport(
        uscc=enterprise.uscc,
        name=enterprise.name,
        year=year,
        individual=individual,
        late=original.late,
        filed_on=original.filed_on,
        versions=[
            PublicVersion(
                revision=v.revision,
                filed_on=v.filed_on,
                correction=v.correction,
                correction_label=str(v.get_correction_display()),
                channel_label=str(v.get_channel_display()),
                financials=consent and v.publish_financials,
                sections=_public_sections(
                    v, individual=individual, financials=consent and v.publish_financials
                ),
            )
            for v in reversed(versions)
        ],
    )
