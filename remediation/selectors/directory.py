"""Reads of the abnormal-operations directory (docs/domain.md §3): the cases a user may see,
an enterprise's cases, the pending listings by their buffer deadline, and the year's figures.

Jurisdiction (`cases_for_user`): who decided, acts (谁认定、谁修复). The bureau's staff (and
superusers) see every case; a partner department's staff only the cases their department
decided (`DirectoryCase.department`; the deadline run's cases are the bureau's); an enterprise
user its own enterprise's, the buffer's included (what it must do, and by when); anyone else
nothing (a 404 at the view). The write services check the case's department again
(`case_decided_within`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from credit_portal.models import User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.models import Enterprise
from enterprises.uscc import normalize
from remediation.kinds import REPAIR
from remediation.models import DirectoryCase
from remediation.selectors.figures import (
    BUFFER_OUTCOMES,
    buffer_entered_q,
    buffer_outcome_q,
    listings_deferred_q,
)

State = DirectoryCase.State
Reason = DirectoryCase.Reason
# A case still running: in the buffer, or listed (marked).
OPEN_STATES = (State.PENDING, State.LISTED)


def cases_for_user(*, user: User) -> QuerySet[DirectoryCase]:
    """The cases a user may see (module docstring: who decided, acts)."""
    qs = DirectoryCase.objects.select_related("enterprise", "department")
    if not user.is_authenticated:
        return qs.none()
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None and not user.is_superuser:
        return qs.filter(enterprise_id=membership.enterprise_id)
    if user.is_superuser or bureau_profiles(user=user).exists():
        return qs
    return qs.filter(department_id__in=departments_of_jurisdiction(user=user).values("pk"))


def case_for_user(*, user: User, pk: int) -> DirectoryCase:
    """One case the user may see; Http404 otherwise."""
    found = cases_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No directory case with this number is visible to you."))
    return found


def case_decided_within(*, user: User | None, case: DirectoryCase) -> bool:
    """Whether the department that decided `case` is within the staff user's jurisdiction (who
    decided, acts): the bureau's staff for every case, a partner department's for its own.
    One query."""
    if user is None or not user.is_authenticated:
        return False
    return departments_of_jurisdiction(user=user).filter(pk=case.department_id).exists()


def cases_for_enterprise(*, enterprise: Enterprise) -> QuerySet[DirectoryCase]:
    """Every case of one enterprise, the running ones first (in the buffer by its deadline,
    then the listings), then the ended ones, newest first."""
    rank = Case(
        When(state=State.PENDING, then=Value(0)),
        When(state=State.LISTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        DirectoryCase.objects.filter(enterprise=enterprise)
        .select_related("department")
        .annotate(open_rank=rank)
        .order_by("open_rank", "buffer_deadline", "-detected_on", "-id")
    )


def pending_listing(*, enterprise: Enterprise, year: int) -> DirectoryCase | None:
    """The entity's case in the punishment buffer for `year`'s missing report, if it is pending
    (annual reports: an entity pending listing may file while the entrance is closed)."""
    return DirectoryCase.objects.filter(
        enterprise=enterprise, reason=Reason.LATE_REPORT, report_year=year, state=State.PENDING
    ).first()


def pending_listings(*, user: User) -> QuerySet[DirectoryCase]:
    """The user's cases in the punishment buffer, by buffer deadline (the nearest first), then
    by number."""
    return cases_for_user(user=user).filter(state=State.PENDING).order_by("buffer_deadline", "id")


def open_listings_of(*, enterprise: Enterprise) -> QuerySet[DirectoryCase]:
    """The enterprise's running listings and marks (state listed)."""
    return DirectoryCase.objects.filter(enterprise=enterprise, state=State.LISTED).order_by(
        "listed_on", "id"
    )


def directory_figures(*, year: int, user: User | None = None) -> dict[str, int]:
    """The deadline run's figures for reporting year `year` (the seed's, docs/domain.md
    Appendix A), over the user's cases when a user is given, else all: one aggregate query.

    - deferred: cases that entered the buffer (a deferral was recorded);
    - filed_within_buffer: of those, closed without listing because the report was filed by
      the buffer deadline (`cured_on` set; a case closed because the entity ceased is not);
    - listed_after_buffer: of those, listed when the buffer deadline passed;
    - pending: still in the buffer;
    - listed: enterprises listed for the year (at once or after the buffer);
    - marked: individual businesses marked for the year;
    - restored: individual businesses' marks for the year lifted (by their own late filing);
    - removed: enterprises' listings for the year removed (any removal code).
    """
    qs = (cases_for_user(user=user) if user is not None else DirectoryCase.objects.all()).filter(
        reason=Reason.LATE_REPORT, report_year=year
    )
    deferred = Q(deferral_record__isnull=False)
    ib = Q(individual_business=True)
    counts = qs.aggregate(
        deferred=Count("pk", filter=deferred),
        filed_within_buffer=Count(
            "pk", filter=deferred & Q(state=State.CLOSED_NO_LISTING, cured_on__isnull=False)
        ),
        listed_after_buffer=Count("pk", filter=deferred & Q(listed_on__isnull=False)),
        pending=Count("pk", filter=Q(state=State.PENDING)),
        listed=Count("pk", filter=~ib & Q(listed_on__isnull=False)),
        marked=Count("pk", filter=ib & Q(listed_on__isnull=False)),
        restored=Count("pk", filter=ib & Q(state=State.REMOVED)),
        removed=Count("pk", filter=~ib & Q(state=State.REMOVED)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def ib_restorations_between(*, start: dt.date, end: dt.date) -> int:
    """How many individual businesses' marks were lifted between `start` and `end` (both
    included) because the missing report was filed or the premises changed (removal codes 1 and
    4): the seed's "restored automatically after filing online" (Appendix A)."""
    return DirectoryCase.objects.filter(
        individual_business=True,
        state=State.REMOVED,
        removal_code__in=[
            DirectoryCase.Removal.REPORTS_FILED,
            DirectoryCase.Removal.ADDRESS_CHANGED,
        ],
        removed_on__gte=start,
        removed_on__lte=end,
    ).count()


# --------------------------------------------------------------------------- the lists' years

# The `removal` filter's value for a removal decided on a credit repair application (any code).
REMOVED_ON_REPAIR = "repair"


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def cured_listings_q(first: dt.date, last: dt.date) -> Q:
    """Listed cases whose cause was cured between `first` and `last`, still listed or removed:
    the removals due within `REMOVAL_WORKING_DAYS` (the dashboard's `removal_deadline`)."""
    return Q(
        listed_on__isnull=False,
        cured_on__range=(first, last),
        state__in=[State.LISTED, State.REMOVED],
    )


def directory_year_filters(
    qs: QuerySet[DirectoryCase], data: dict[str, object]
) -> QuerySet[DirectoryCase]:
    """The directory list's filters by the year something happened (the page's and the API's;
    the dashboard's figures open the list with them, docs/domain.md Appendix A):

    - ``deferred_year``: the cases that entered the punishment buffer that year
      (`figures.listings_deferred_q`), whatever became of them;
    - ``buffer``: of those (without ``deferred_year``: of the cases that entered the buffer in
      any year, `figures.buffer_entered_q`), what became of the case
      (`figures.BUFFER_OUTCOMES`);
    - ``removed_year``: removed (or restored, revoked, moved) that year;
    - ``removal``: the removal code, on verification or by the daily job, or
      `REMOVED_ON_REPAIR` (decided on a credit repair application, whatever its code);
    - ``cured_year``: listed cases whose cause was cured that year (`cured_listings_q`).
    """
    if data.get("deferred_year"):
        qs = qs.filter(listings_deferred_q(*_year(int(str(data["deferred_year"])))))
    if data.get("buffer") in BUFFER_OUTCOMES:
        qs = qs.filter(buffer_entered_q() & buffer_outcome_q(str(data["buffer"])))
    if data.get("removed_year"):
        qs = qs.filter(removed_on__range=_year(int(str(data["removed_year"]))))
    removal = data.get("removal")
    if removal == REMOVED_ON_REPAIR:
        qs = qs.filter(removal_record__kind=REPAIR)
    elif removal:
        qs = qs.filter(removal_code=removal).exclude(removal_record__kind=REPAIR)
    if data.get("cured_year"):
        qs = qs.filter(cured_listings_q(*_year(int(str(data["cured_year"])))))
    return qs


def directory_cohort(data: dict[str, object]) -> bool:
    """Whether the filters ask what became of the cases that entered the buffer
    (``deferred_year`` or ``buffer``): then every state is listed, pending and closed without
    listing included (`directory_filter`'s callers)."""
    return bool(data.get("deferred_year") or data.get("buffer"))


def directory_search(qs: QuerySet[DirectoryCase], text: str) -> QuerySet[DirectoryCase]:
    """The cases of a credit code, or with `text` in the name or the document number."""
    text = (text or "").strip()
    if not text:
        return qs
    return qs.filter(
        Q(enterprise__uscc=normalize(text))
        | Q(enterprise__name__contains=text)
        | Q(document_number__contains=text)
    )


def directory_filter(
    qs: QuerySet[DirectoryCase], data: dict[str, object]
) -> QuerySet[DirectoryCase]:
    """The directory list's filters, one function for the page and the API (so a query string
    answers the same on both; validated by the page's form or the API's 400): the years of
    `directory_year_filters`, ``q`` (`directory_search`), ``reason``, ``year`` (the report
    year), ``kind`` (``enterprise`` listings or ``individual`` businesses' marks),
    ``division`` (the entity's street), ``cured`` (listed, the cause cured: removal due).
    Not ``state``: the page counts its state tabs under the other filters. Which states a list
    shows without one is the caller's: the API every state; the page neither the buffer's
    pending cases (a page of their own) nor those closed without listing, unless
    `directory_cohort`."""
    qs = directory_search(directory_year_filters(qs, data), str(data.get("q") or ""))
    if data.get("reason"):
        qs = qs.filter(reason=data["reason"])
    if data.get("year"):
        qs = qs.filter(report_year=int(str(data["year"])))
    if data.get("kind") == "enterprise":
        qs = qs.filter(individual_business=False)
    elif data.get("kind") == "individual":
        qs = qs.filter(individual_business=True)
    if data.get("division"):
        qs = qs.filter(enterprise__division=data["division"])
    if data.get("cured"):
        qs = qs.filter(state=State.LISTED, cured_on__isnull=False)
    return qs
