"""Reads of the serious illegal and dishonest list (docs/domain.md §3 "The 3-year rule", §5): the
listings a user may see, the staff board (entries, term end, bar, the 3-year marks coming up in
the next 60 days, bars that cannot be matched), and an enterprise's own position.

Jurisdiction (`serious_for_user`): who decided, acts, as for the directory's cases: the bureau's
staff see every listing, a partner department's staff only its own department's, an
enterprise user its own enterprise's; anyone else nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from credit_portal.dates import add_years
from credit_portal.models import User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.models import Enterprise, RepresentativeBar
from enterprises.rules import SERIOUS_REPAIR_AFTER_YEARS
from remediation import rules
from remediation.models import DirectoryCase, SeriousListing
from remediation.selectors.directory import cases_for_user

State = SeriousListing.State


def serious_for_user(*, user: User) -> QuerySet[SeriousListing]:
    """The serious listings a user may see (module docstring)."""
    qs = SeriousListing.objects.select_related(
        "enterprise", "department", "case", "listing_record", "removal_record"
    )
    if not user.is_authenticated:
        return qs.none()
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None and not user.is_superuser:
        return qs.filter(enterprise_id=membership.enterprise_id)
    if user.is_superuser or bureau_profiles(user=user).exists():
        return qs
    return qs.filter(department_id__in=departments_of_jurisdiction(user=user).values("pk"))


def serious_one_for_user(*, user: User, pk: int) -> SeriousListing:
    found = serious_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No serious-list entry with this number is visible to you."))
    return found


def serious_list(*, user: User, state: str = "", search: str = "") -> QuerySet[SeriousListing]:
    """The staff list: listings in force first, by the day their term ends; then the ended
    ones, newest first. Filters: state, a credit code or part of the name."""
    qs = serious_for_user(user=user).annotate(
        open_rank=Case(
            When(state=State.LISTED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    if state:
        qs = qs.filter(state=state)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(enterprise__uscc__iexact=search) | Q(enterprise__name__contains=search))
    return qs.order_by("open_rank", "term_ends", "-listed_on", "-id")


def bars_of(entries: list[SeriousListing]) -> dict[int, RepresentativeBar]:
    """The bar each listing caused, by the listing's id (one query)."""
    return {
        int(bar.source_id): bar
        for bar in RepresentativeBar.objects.filter(
            source_app="remediation",
            source_model="seriouslisting",
            source_id__in=[str(e.pk) for e in entries],
        )
    }


def marks_coming(*, user: User, today: dt.date) -> QuerySet[DirectoryCase]:
    """The listings in force of the user's jurisdiction whose 3 years are complete within the
    next `SERIOUS_REMINDER_DAYS` days (or already: the daily move takes them), by that day."""
    return (
        cases_for_user(user=user)
        .filter(
            state=DirectoryCase.State.LISTED,
            individual_business=False,
            serious_due__isnull=False,
            serious_due__lte=today + dt.timedelta(days=rules.SERIOUS_REMINDER_DAYS),
        )
        .select_related("listing_record")
        .order_by("serious_due", "id")
    )


def bars_missing(*, user: User) -> QuerySet[RepresentativeBar]:
    """Bars recorded without an identity number (the register lacks the legal representative's):
    they match nobody, so the appointment elsewhere is not refused. For the staff page's
    warning; in the user's jurisdiction (the listed enterprise's department)."""
    qs = RepresentativeBar.objects.filter(id_digest="", lifted_on__isnull=True).select_related(
        "listed_enterprise"
    )
    if user.is_superuser or bureau_profiles(user=user).exists():
        return qs
    return qs.filter(listed_enterprise__department__in=departments_of_jurisdiction(user=user))


@dataclass(frozen=True)
class EnterpriseSeriousView:
    """What an enterprise reads of its own position: its serious listings (with when an early
    repair is possible), and its directory listings coming to their 3-year mark."""

    listings: list[SeriousListing]
    repair_from: dict[int, dt.date]
    marks: list[DirectoryCase]
    bars: dict[int, RepresentativeBar]


def enterprise_serious(*, enterprise: Enterprise) -> EnterpriseSeriousView:
    """The enterprise's serious listings (in force first) and its listings in force with their
    3-year mark and reminder."""
    listings = list(
        SeriousListing.objects.filter(enterprise=enterprise)
        .select_related("case", "listing_record")
        .order_by(
            Case(When(state=State.LISTED, then=Value(0)), default=Value(1)),
            "-listed_on",
            "-id",
        )
    )
    marks = list(
        DirectoryCase.objects.filter(
            enterprise=enterprise,
            state=DirectoryCase.State.LISTED,
            individual_business=False,
            listed_on__isnull=False,
        ).order_by("listed_on", "id")
    )
    for case in marks:
        if case.serious_due is None and case.listed_on is not None:
            case.serious_due = add_years(case.listed_on, rules.SERIOUS_AFTER_YEARS)
    return EnterpriseSeriousView(
        listings=listings,
        repair_from={e.pk: add_years(e.listed_on, SERIOUS_REPAIR_AFTER_YEARS) for e in listings},
        marks=marks,
        bars=bars_of(listings),
    )
