"""Reads of immediate disclosures, invitations to self-correct and self-corrections
(docs/domain.md §3, §4, §10), for the pages, the API and the admin.

Jurisdiction
- Disclosures are the company's own information: staff holding `view_immediatedisclosure` see
  the disclosed versions of the entities their department supervises (the bureau's staff:
  the district; `departments_of_jurisdiction`), never a draft; an enterprise user sees its own
  company's, drafts included; anyone else nothing (a 404 at the view).
- Invitations belong to the department that issued them: the bureau's staff (holding
  `view_correctioninvitation`) see every one, a partner department's its own; an enterprise
  user sees its own enterprise's.
- Self-corrections (`self_correction` ledger facts): staff see those of the entities their
  department supervises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from annual_reports.models import CorrectionInvitation, ImmediateDisclosure
from annual_reports.services.disclosures import (
    CONTRIBUTION_ROW_FIELDS,
    EQUITY_ROW_FIELDS,
    IP_PLEDGE_FIELDS,
    LICENCE_FIELDS,
    SELF_CORRECTION,
    form_label,
    ip_kind_label,
)
from credit_portal.models import User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from credit_portal.workdays import Deadline, is_provisional
from enterprises.models import CreditRecord, Enterprise

Item = ImmediateDisclosure.Item
Status = ImmediateDisclosure.Status


class DisclosurePerm(StrEnum):
    """The codenames the disclosure and invitation pages, API and admin check."""

    VIEW_DISCLOSURE = "annual_reports.view_immediatedisclosure"
    VIEW_INVITATION = "annual_reports.view_correctioninvitation"
    ADD_INVITATION = "annual_reports.add_correctioninvitation"
    CHANGE_INVITATION = "annual_reports.change_correctioninvitation"
    VIEW_REPORT = "annual_reports.view_annualreport"


# Who may read the self-corrections page: any one of these.
SELF_CORRECTION_READERS = (
    DisclosurePerm.VIEW_DISCLOSURE,
    DisclosurePerm.VIEW_INVITATION,
    DisclosurePerm.VIEW_REPORT,
)


def _member_enterprise_id(user: User) -> int | None:
    membership = getattr(user, "enterprise_membership", None)
    return membership.enterprise_id if membership is not None else None


def _supervised(user: User) -> Q:
    """The entities of the user's jurisdiction, as a condition on `enterprise`."""
    return Q(enterprise__department_id__in=departments_of_jurisdiction(user=user).values("pk"))


# --------------------------------------------------------------------------- disclosures


def disclosures_for_user(*, user: User) -> QuerySet[ImmediateDisclosure]:
    """The disclosure rows a user may see (module docstring)."""
    qs = ImmediateDisclosure.objects.select_related("enterprise", "correction_of")
    if not user.is_authenticated:
        return qs.none()
    member_of = _member_enterprise_id(user)
    if member_of is not None and not user.is_superuser:
        return qs.filter(enterprise_id=member_of)
    if user.is_superuser:
        return qs.exclude(status=Status.DRAFT)
    if not user.has_perm(DisclosurePerm.VIEW_DISCLOSURE):
        return qs.none()
    return qs.exclude(status=Status.DRAFT).filter(_supervised(user))


def disclosure_for_user(*, user: User, pk: int) -> ImmediateDisclosure:
    """One disclosure row the user may see; Http404 otherwise."""
    found = disclosures_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No disclosure with this number is visible to you."))
    return found


def disclosure_staff_list(
    *,
    user: User,
    item: str = "",
    late: bool = False,
    corrected: bool = False,
    year: int | None = None,
    search: str = "",
) -> QuerySet[ImmediateDisclosure]:
    """The staff list: the versions in force, latest disclosed first. Filters: item, late only,
    corrected only (revision > 1), the year disclosed, a credit code or part of a name."""
    qs = disclosures_for_user(user=user).filter(status=Status.SUBMITTED, is_current=True)
    if item:
        qs = qs.filter(item=item)
    if late:
        qs = qs.filter(pk__in=_late_chain_ids(user))
    if corrected:
        qs = qs.filter(revision__gt=1)
    if year:
        qs = qs.filter(filed_on__year=year)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(enterprise__uscc__iexact=search) | Q(enterprise__name__contains=search))
    return qs.order_by("-filed_on", "-id")


def _late_chain_ids(user: User) -> QuerySet[ImmediateDisclosure]:
    """The versions in force of chains whose original was disclosed late. A chain's lateness
    is its original's (a correction is never late); the rows in force are found by walking
    forward at most a few corrections with one query per depth (chains are short)."""
    roots = disclosures_for_user(user=user).filter(
        status=Status.SUBMITTED, correction_of__isnull=True, late=True
    )
    ids = set(roots.values_list("pk", flat=True))
    frontier = set(ids)
    for _depth in range(50):
        nxt = set(
            ImmediateDisclosure.objects.filter(
                correction_of_id__in=frontier, status=Status.SUBMITTED
            ).values_list("pk", flat=True)
        )
        if not nxt:
            break
        ids |= nxt
        frontier = nxt
    return ImmediateDisclosure.objects.filter(pk__in=ids, is_current=True)


def late_chains_among(rows: Iterable[ImmediateDisclosure]) -> set[int]:
    """The ids of `rows` whose chain's original was disclosed late (a correction is never late
    itself): the originals' flags, read by walking up `correction_of` from the rows given, one
    query per level (chains are short). For a page of a list."""
    rows = list(rows)
    late = {r.pk for r in rows if r.correction_of_id is None and r.late}
    # row pk -> the ancestor to read next
    looking = {r.pk: r.correction_of_id for r in rows if r.correction_of_id is not None}
    for _depth in range(50):
        if not looking:
            break
        found = {
            pk: (parent, was_late)
            for pk, parent, was_late in ImmediateDisclosure.objects.filter(
                pk__in=set(looking.values())
            ).values_list("pk", "correction_of_id", "late")
        }
        nxt: dict[int, int] = {}
        for row_pk, ancestor in looking.items():
            if ancestor not in found:
                continue
            parent, was_late = found[ancestor]
            if parent is None:
                if was_late:
                    late.add(row_pk)
            else:
                nxt[row_pk] = parent
        looking = nxt
    return late


@dataclass
class Chain:
    """One disclosure with its versions: the original (revision 1) and its corrections, oldest
    first, submitted ones only; the draft being written (a new disclosure's or a correction's),
    if any. `late` is the original's (a correction is never late)."""

    versions: list[ImmediateDisclosure] = field(default_factory=list)
    draft: ImmediateDisclosure | None = None

    @property
    def root(self) -> ImmediateDisclosure:
        return self.versions[0] if self.versions else self.draft  # type: ignore[return-value]

    @property
    def current(self) -> ImmediateDisclosure | None:
        return next((v for v in reversed(self.versions) if v.is_current), None)

    @property
    def shown(self) -> ImmediateDisclosure:
        """The version to describe the chain by: in force, else the draft."""
        return self.current or self.root

    @property
    def item(self) -> str:
        return self.root.item

    @property
    def late(self) -> bool:
        return bool(self.versions and self.versions[0].late)

    @property
    def corrections(self) -> int:
        return max(len(self.versions) - 1, 0)

    @property
    def due(self) -> Deadline:
        root = self.root
        return Deadline(root.due_on, root.due_provisional or is_provisional(root.due_on))

    def overdue_on(self, today: dt.date) -> bool:
        """A new disclosure not yet disclosed whose due day has passed."""
        return not self.versions and self.root.due_on < today


def chains_of(rows: Iterable[ImmediateDisclosure]) -> list[Chain]:
    """The rows grouped into chains by `correction_of`, each chain's versions by revision;
    chains with a draft first, then by the day the original was disclosed, newest first."""
    rows = sorted(rows, key=lambda r: (r.revision, r.pk))
    chain_of: dict[int, Chain] = {}
    chains: list[Chain] = []
    for row in rows:
        chain = chain_of.get(row.correction_of_id) if row.correction_of_id else None
        if chain is None:
            chain = Chain()
            chains.append(chain)
        chain_of[row.pk] = chain
        if row.status == Status.DRAFT:
            chain.draft = row
        else:
            chain.versions.append(row)

    chains.sort(key=lambda c: (c.root.filed_on or c.root.changed_on, c.root.pk), reverse=True)
    chains.sort(key=lambda c: c.draft is None)  # stable: drafts first, each part newest first
    return chains


def enterprise_chains(*, enterprise: Enterprise, drafts: bool = True) -> list[Chain]:
    """Every disclosure of the enterprise as chains (one query)."""
    rows = ImmediateDisclosure.objects.filter(enterprise=enterprise).select_related("created_by")
    if not drafts:
        rows = rows.exclude(status=Status.DRAFT)
    return chains_of(rows)


def chain_for(disclosure: ImmediateDisclosure, *, drafts: bool = True) -> Chain:
    """The chain a row belongs to (one query for the enterprise's rows of its item)."""
    rows = ImmediateDisclosure.objects.filter(
        enterprise_id=disclosure.enterprise_id, item=disclosure.item
    ).select_related("created_by")
    if not drafts:
        rows = rows.exclude(status=Status.DRAFT)
    for chain in chains_of(rows):
        members = [*chain.versions, *([chain.draft] if chain.draft else [])]
        if any(m.pk == disclosure.pk for m in members):
            return chain
    raise Http404(_("No disclosure with this number is visible to you."))


@dataclass(frozen=True)
class ItemSummary:
    """One item's disclosures for the self-service page: its label, its chains."""

    item: str
    label: str
    chains: list[Chain]


def chains_by_item(chains: list[Chain]) -> list[ItemSummary]:
    return [
        ItemSummary(item=code, label=str(label), chains=[c for c in chains if c.item == code])
        for code, label in Item.choices
    ]


# --------------------------------------------------------------------------- content as text


@dataclass(frozen=True)
class ContentRow:
    """A row of a disclosure's content as pages show it: a label per value."""

    cells: list[tuple[str, str]]


def content_rows(item: str, content: dict[str, Any]) -> list[ContentRow]:
    """The content in the reader's language, one row per shareholder or change, or one row of
    a licence's or a pledge's fields; empty values shown as —."""
    content = content or {}

    def v(value: Any) -> str:
        return "—" if value in (None, "") else str(value)

    if item == Item.CONTRIBUTION:
        labels = {
            "name": _("Shareholder"),
            "subscribed": _("Subscribed (CNY 10,000)"),
            "subscribed_form": _("Form"),
            "subscribed_on": _("Due on"),
            "paid": _("Paid in (CNY 10,000)"),
            "paid_form": _("Form"),
            "paid_on": _("Paid on"),
        }
        rows = []
        for r in content.get("shareholders") or []:
            cells = []
            for key in CONTRIBUTION_ROW_FIELDS:
                value = r.get(key)
                if key.endswith("_form") and value:
                    value = form_label(value)
                cells.append((labels[key], v(value)))
            rows.append(ContentRow(cells))
        return rows
    if item == Item.EQUITY_CHANGE:
        labels = {
            "shareholder": _("Shareholder"),
            "before": _("Share before (%)"),
            "after": _("Share after (%)"),
        }
        return [
            ContentRow([(labels[k], v(r.get(k))) for k in EQUITY_ROW_FIELDS])
            for r in content.get("changes") or []
        ]
    if item == Item.LICENCE:
        labels = {
            "name": _("Licence"),
            "number": _("Number"),
            "authority": _("Issued by"),
            "valid_from": _("Valid from"),
            "valid_until": _("Valid until"),
        }
        cells = [(labels[k], v(content.get(k))) for k in LICENCE_FIELDS]
        if not content.get("valid_until"):
            cells[-1] = (labels["valid_until"], _("without end"))
        return [ContentRow(cells)]
    if item == Item.IP_PLEDGE:
        labels = {
            "ip_kind": _("Kind of right"),
            "ip_name": _("Right pledged"),
            "certificate_number": _("Certificate or registration number"),
            "pledgor": _("Pledgor"),
            "pledgee": _("Pledgee"),
            "registered_on": _("Pledge registered on"),
            "pledge_until": _("Pledge until"),
        }
        cells = []
        for key in IP_PLEDGE_FIELDS:
            value = content.get(key)
            if key == "ip_kind" and value:
                value = ip_kind_label(value)
            cells.append((labels[key], v(value)))
        return [ContentRow(cells)]
    return []


def content_headers(item: str, content: dict[str, Any]) -> list[str]:
    rows = content_rows(item, content)
    return [label for label, _value in rows[0].cells] if rows else []


def content_changed_keys(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return (old or {}) != (new or {})


# --------------------------------------------------------------------------- invitations


def invitations_for_user(*, user: User) -> QuerySet[CorrectionInvitation]:
    """The invitations a user may see (module docstring)."""
    qs = CorrectionInvitation.objects.select_related("enterprise", "department", "created_by")
    if not user.is_authenticated:
        return qs.none()
    member_of = _member_enterprise_id(user)
    if member_of is not None and not user.is_superuser:
        return qs.filter(enterprise_id=member_of)
    if user.is_superuser:
        return qs
    if not user.has_perm(DisclosurePerm.VIEW_INVITATION):
        return qs.none()
    if bureau_profiles(user=user).exists():
        return qs
    return qs.filter(department_id__in=departments_of_jurisdiction(user=user).values("pk"))


def invitation_for_user(*, user: User, pk: int) -> CorrectionInvitation:
    found = invitations_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No invitation with this number is visible to you."))
    return found


def invitation_list(
    *,
    user: User,
    status: str = "",
    year: int | None = None,
    search: str = "",
) -> QuerySet[CorrectionInvitation]:
    """Open invitations first by the day to correct by, then the others newest first."""
    from django.db.models import Case, IntegerField, Value, When

    qs = invitations_for_user(user=user).annotate(
        open_rank=Case(
            When(status=CorrectionInvitation.Status.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(enterprise__uscc__iexact=search) | Q(enterprise__name__contains=search))
    return qs.order_by("open_rank", "respond_by", "-invited_on", "-id")


def invitations_open_of(*, enterprise: Enterprise, on: dt.date) -> list[CorrectionInvitation]:
    """The enterprise's invitations that allow a correction on `on` (self-service)."""
    return list(
        CorrectionInvitation.objects.filter(
            enterprise=enterprise,
            status=CorrectionInvitation.Status.OPEN,
            invited_on__lte=on,
            respond_by__gte=on,
        ).order_by("respond_by", "year")
    )


# --------------------------------------------------------------------------- self-corrections


def self_corrections_for_user(
    *,
    user: User,
    year: int | None = None,
    what: str = "",
    search: str = "",
    division: str = "",
    counted: bool = False,
) -> QuerySet[CreditRecord]:
    """The `self_correction` facts of the entities in the user's jurisdiction, newest first.
    Filters: the year they happened, what was corrected ("annual_report", "disclosure"), the
    entity's street (`division`), a credit code or part of a name.

    `counted`: of those, the corrections counted for the user's departments (the dashboard's
    `self_corrections`, docs/domain.md Appendix A): those answering their own invitations, and
    for the bureau those without an invitation
    (`remediation.selectors.figures.self_corrections_counted_for_q`). It narrows the
    jurisdiction, never widens it: a correction a department invited for an entity another
    department now supervises is not listed for it."""
    from remediation.selectors.figures import self_corrections_counted_for_q

    qs = CreditRecord.objects.filter(kind=SELF_CORRECTION).select_related("enterprise")
    if not user.is_authenticated or not (
        user.is_superuser or any(user.has_perm(p) for p in SELF_CORRECTION_READERS)
    ):
        return qs.none()
    if not user.is_superuser:
        qs = qs.filter(_supervised(user))
        if counted:
            qs = qs.filter(self_corrections_counted_for_q(departments_of_jurisdiction(user=user)))
    if year:
        qs = qs.filter(occurred_on__year=year)
    if what:
        qs = qs.filter(details__what=what)
    if division:
        qs = qs.filter(enterprise__division=division)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(enterprise__uscc__iexact=search) | Q(enterprise__name__contains=search))
    return qs.order_by("-occurred_on", "-id")


@dataclass(frozen=True)
class SelfCorrectionCount:
    """Self-corrections counted per correction (户次), and the entities that corrected (户)."""

    corrections: int
    enterprises: int
    by_what: dict[str, int]


def self_correction_count(records: QuerySet[CreditRecord]) -> SelfCorrectionCount:
    """The counts of `records` (already filtered): two aggregate queries."""
    totals = records.aggregate(
        corrections=Count("pk"), enterprises=Count("enterprise_id", distinct=True)
    )
    by_what = {
        str(row["details__what"] or ""): row["n"]
        for row in records.order_by().values("details__what").annotate(n=Count("pk"))
    }
    return SelfCorrectionCount(
        corrections=int(totals["corrections"] or 0),
        enterprises=int(totals["enterprises"] or 0),
        by_what=by_what,
    )


# --------------------------------------------------------------------------- public


@dataclass(frozen=True)
class PublicVersion:
    """A disclosed version as the public sees it: no draft, no author, no identity number
    (never asked for: `disclosure_content_clean` refuses one in a name)."""

    revision: int
    changed_on: dt.date
    filed_on: dt.date | None
    late: bool
    is_current: bool
    correction_reason: str
    rows: list[ContentRow]


@dataclass(frozen=True)
class PublicDisclosure:
    item: str
    label: str
    current: PublicVersion
    earlier: list[PublicVersion]


def public_disclosures(*, enterprise: Enterprise) -> list[PublicDisclosure]:
    """The enterprise's disclosed information for the public page: per chain, the version in
    force and the versions it replaced (both kept and both shown, 条例 art. 12), by item, the
    latest disclosed first. One query."""
    rows = ImmediateDisclosure.objects.filter(enterprise=enterprise, status=Status.SUBMITTED).only(
        "pk",
        "item",
        "revision",
        "changed_on",
        "filed_on",
        "late",
        "is_current",
        "correction_of_id",
        "correction_reason",
        "content",
        "due_on",
        "due_provisional",
    )
    labels = dict(Item.choices)
    result = []
    for chain in chains_of(rows):
        current = chain.current
        if current is None:
            continue

        def version(row: ImmediateDisclosure, chain: Chain = chain) -> PublicVersion:
            return PublicVersion(
                revision=row.revision,
                changed_on=row.changed_on,
                filed_on=row.filed_on,
                late=chain.late and row.revision == 1,
                is_current=row.is_current,
                correction_reason=row.correction_reason,
                rows=content_rows(row.item, row.content),
            )

        result.append(
            PublicDisclosure(
                item=chain.item,
                label=str(labels.get(chain.item, chain.item)),
                current=version(current),
                earlier=[version(r) for r in reversed(chain.versions) if not r.is_current],
            )
        )
    order = {code: n for n, code in enumerate(Item.values)}
    result.sort(key=lambda d: order.get(d.item, 99))
    return result
