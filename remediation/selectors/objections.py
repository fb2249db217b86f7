"""Reads of objections to listings (docs/domain.md §3 "Objections and errors"): the objections
a user may see, the staff queue (due first, the overdue at the top), what is due next, and the
listings an enterprise may still object to.

Jurisdiction (`objections_for_user`): who decided, acts, as for the directory's cases
(`remediation.selectors.directory.cases_for_user`): the bureau's staff see every objection, a
partner department's only those to its own listings, an enterprise user its own enterprise's;
anyone else nothing (a 404 at the view).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from credit_portal.models import User
from credit_portal.workdays import Deadline, is_provisional, working_days_between
from enterprises.models import Enterprise
from remediation.models import DirectoryCase, ListingObjection
from remediation.selectors.directory import cases_for_user
from remediation.selectors.repairs import Due
from remediation.services.objections import OPEN_STATUSES, ObjectionWindow, objection_window

Status = ListingObjection.Status


def objections_for_user(*, user: User) -> QuerySet[ListingObjection]:
    """The objections a user may see (module docstring)."""
    return ListingObjection.objects.select_related(
        "case", "case__department", "case__listing_record", "enterprise", "decided_by"
    ).filter(case__in=cases_for_user(user=user).values("pk"))


def objection_for_user(*, user: User, pk: int) -> ListingObjection:
    """One objection the user may see; Http404 otherwise."""
    found = objections_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No objection with this number is visible to you."))
    return found


def objection_queue(
    *,
    user: User,
    today: dt.date,
    status: str = "",
    overdue: bool = False,
    search: str = "",
) -> QuerySet[ListingObjection]:
    """The staff queue: open objections first, by the day their next step is due (the
    acceptance for one received, the verification for one accepted), so the overdue ones are
    at the top; then the decided ones, newest first. Filters: status, overdue only, a credit
    code or part of the enterprise's name."""
    qs = objections_for_user(user=user).annotate(
        open_rank=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        due_on=Case(
            When(status=Status.RECEIVED, then="acceptance_due"),
            When(status=Status.ACCEPTED, then="verification_due"),
            default=None,
        ),
    )
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q(today))
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(enterprise__uscc__iexact=search) | Q(enterprise__name__contains=search))
    return qs.order_by("open_rank", "due_on", "-received_on", "-id")


def overdue_q(today: dt.date) -> Q:
    """Open objections whose next step's due day has passed."""
    return Q(status=Status.RECEIVED, acceptance_due__lt=today) | Q(
        status=Status.ACCEPTED, verification_due__lt=today
    )


def objection_due(objection: ListingObjection, *, today: dt.date) -> Due | None:
    """The next step's due date: acceptance (received), verification and decision (accepted);
    None when decided or withdrawn."""
    if objection.status == Status.RECEIVED:
        label, day = _("Acceptance due"), objection.acceptance_due
    elif objection.status == Status.ACCEPTED and objection.verification_due:
        label, day = _("Verification due"), objection.verification_due
    else:
        return None
    provisional = objection.due_provisional or is_provisional(day)
    return Due(label, Deadline(day, provisional), working_days_between(today, day))


def objection_deadlines(objection: ListingObjection) -> dict[str, Deadline | None]:
    """The objection's due dates ("acceptance", "verification"), each marked provisional when
    counted across a year whose holiday schedule is not known."""

    def mark(day: dt.date | None, current: bool) -> Deadline | None:
        if day is None:
            return None
        return Deadline(day, (current and objection.due_provisional) or is_provisional(day))

    return {
        "acceptance": mark(objection.acceptance_due, objection.status == Status.RECEIVED),
        "verification": mark(objection.verification_due, objection.status == Status.ACCEPTED),
    }


def objectable_listings(
    *, enterprise: Enterprise, today: dt.date
) -> list[tuple[DirectoryCase, ObjectionWindow, ListingObjection | None]]:
    """The enterprise's listings (and marks) in force, each with its objection window and its
    latest objection (None: none yet): what its self-service offers to object to."""
    cases = list(
        DirectoryCase.objects.filter(enterprise=enterprise, state=DirectoryCase.State.LISTED)
        .select_related("listing_record", "department")
        .order_by("-listed_on", "-id")
    )
    latest: dict[int, ListingObjection] = {}
    for objection in ListingObjection.objects.filter(case__in=[c.pk for c in cases]).order_by(
        "received_on", "id"
    ):
        latest[objection.case_id] = objection
    found = []
    for case in cases:
        window = objection_window(case)
        if window is not None:
            found.append((case, window, latest.get(case.pk)))
    return found
