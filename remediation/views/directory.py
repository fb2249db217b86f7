"""Pages of the abnormal-operations directory and its punishment buffer (经营异常名录, 惩戒缓冲;
docs/domain.md §3).

Staff (namespace "remediation", under /remediation/):
- directory/pending/             the buffer: cases pending listing by buffer deadline (overdue
                                 first), reminders sent, pledges; filters and counts;
- directory/                     the directory: listed, removed, revoked, moved to the serious
                                 list (closed without listing on demand); filters (reason,
                                 state, report year, IB marks or enterprise listings, street),
                                 counts per state, the cured listings whose removal is due first;
- directory/new/                 list an entity for reasons 2-4 (an individual business is
                                 marked): search it, the reason, the facts, the day verified;
- directory/<id>/                one case: its timeline (detected, deferred, reminders, pledge,
                                 listed, removal, objections, serious list), its dues, its ledger
                                 records and audit history; the removal form;
- directory/<id>/remove/         removal after verification (POST);
- directory/<id>/notice.pdf      the case's notice as a letter, to print and serve.

Enterprise (namespace "me-remediation", under /me/):
- listings/                      its cases: pending listing, listed (marked), ended; what to do
                                 with the dates;
- listings/<id>/                 one case: what happens, by when, how to cure it; the credit
                                 pledge form while pending;
- listings/<id>/pledge/          the pledge (POST);
- listings/<id>/notice/          the notice (告知书) as a page; notice.pdf as a letter (the first
                                 opening of either is recorded).

Access: staff pages need a login (a redirect), then the case through the jurisdiction selector
(`cases_for_user`, who decided, acts: a 404 outside it), then the codenames (403):
`view_directorycase`, and `decide_directorycase` to list or remove. Enterprise pages need a
membership (403) and show only the member's enterprise's cases (404 for any other).
Writes go through `remediation.services.directory`; a stale version is a message and the page
read again (PRG), a refusal the form again with the service's message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.workdays import (
    Deadline,
    add_working_days,
    is_provisional,
    working_days_between,
)
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import enterprise_list_for_user, enterprise_search
from enterprises.selectors.accounts import member_enterprise
from enterprises.uscc import normalize
from remediation import rules
from remediation.forms.directory import (
    DIRECTORY_STATES,
    DirectoryFilterForm,
    DirectoryListForm,
    DirectoryRemoveForm,
    PendingFilterForm,
    PledgeForm,
    pledge_text_default,
)
from remediation.models import DirectoryCase, DisclosureOrder
from remediation.permissions import RemediationPerm
from remediation.selectors.directory import (
    case_decided_within,
    case_for_user,
    cases_for_enterprise,
    cases_for_user,
    directory_cohort,
    directory_filter,
    directory_search,
)
from remediation.services.directory_notices import (
    case_notice_content,
    case_notice_document,
    case_notice_filename,
    case_notice_opened,
    objection_deadline,
)
from remediation.views.common import ObjectScopedView, page_links, query_string, request_user

PAGE_SIZE = 30
State = DirectoryCase.State
Reason = DirectoryCase.Reason
Removal = DirectoryCase.Removal

STATE_TONES: dict[str, str] = {
    State.PENDING: "warn",
    State.CLOSED_NO_LISTING: "ok",
    State.LISTED: "bad",
    State.REMOVED: "ok",
    State.REVOKED: "muted",
    State.MOVED_SERIOUS: "bad",
}
# How many working days before the buffer deadline a pending case counts as "due soon".
DUE_SOON_WORKING_DAYS = 3


def _removal_working_days() -> int:
    return int(str(rules.directory_setting("REMOVAL_WORKING_DAYS", rules.REMOVAL_WORKING_DAYS)))


def _url(name: str, *args: Any) -> str:
    """The address of another area's page, or "" while that area has none."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _first_url(*candidates: tuple[str, tuple[Any, ...]]) -> str:
    for name, args in candidates:
        url = _url(name, *args)
        if url:
            return url
    return ""


@dataclass(frozen=True)
class Due:
    """A day a case is due by (the buffer's end, the removal, the listing, the 3 years) and how
    many working days are left (negative: overdue by that many)."""

    label: str
    deadline: Deadline
    working_days_left: int

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.working_days_left


def _due(label: str, day: dt.date | None, today: dt.date) -> Due | None:
    if day is None:
        return None
    return Due(label, Deadline(day, is_provisional(day)), working_days_between(today, day))


def removal_due_on(case: DirectoryCase) -> dt.date | None:
    """The day a cured listing is to be removed by: 5 WD after the cure (docs/domain.md §3)."""
    if case.state != State.LISTED or case.cured_on is None:
        return None
    return add_working_days(case.cured_on, _removal_working_days())


def _last_overdue_cure(today: dt.date) -> dt.date:
    """The latest cure day whose removal is overdue today (its 5 WD ended before today)."""
    day = today - dt.timedelta(days=1)
    while add_working_days(day, _removal_working_days()) >= today:
        day -= dt.timedelta(days=1)
    return day


def case_due(case: DirectoryCase, today: dt.date) -> Due | None:
    """The case's next due day: the buffer's deadline (pending), the removal of a cured
    listing, the listing itself (found, not yet listed); None for an ended case."""
    if case.state == State.PENDING:
        return _due(_("Buffer ends"), case.buffer_deadline, today)
    if case.state == State.LISTED:
        if case.cured_on is not None:
            return _due(_("Removal due"), removal_due_on(case), today)
        if case.listed_on is None:
            return _due(_("To be listed by"), case.listing_due, today)
    return None


def _divisions(cases: QuerySet[DirectoryCase]) -> list[str]:
    """The streets of the cases a user may see, for the filter (one query)."""
    found = (
        cases.order_by()
        .exclude(enterprise__division="")
        .values_list("enterprise__division", flat=True)
        .distinct()
    )
    return sorted(found[:200])


def _paging(request: HttpRequest, page: Any) -> dict[str, Any]:
    """The page's links for `enterprises/_staff_pagination.html`."""
    return {
        "page_obj": page,
        "page_links": page_links(request.GET, page),
        "prev_url": query_string(request.GET, page=page.previous_page_number())
        if page.has_previous()
        else "",
        "next_url": query_string(request.GET, page=page.next_page_number())
        if page.has_next()
        else "",
    }


def _reminders(case: DirectoryCase) -> list[dict[str, Any]]:
    """The reminders sent, oldest first (`DirectoryCase.reminders`: {"on", "due", "channel",
    "working_days_before"}); the days as dates."""
    rows = []
    for item in case.reminders or []:
        if not isinstance(item, dict):
            continue
        row = dict(item)
        for key in ("on", "due"):
            try:
                row[key] = dt.date.fromisoformat(str(row.get(key)))
            except ValueError:
                row[key] = None
        rows.append(row)
    return sorted(rows, key=lambda r: r.get("on") or dt.date.min)


# --------------------------------------------------------------------------- staff: lists


class DirectoryPendingView(StaffPermissionMixin, View):
    """The buffer: pending listings by their deadline, the overdue ones first."""

    permission_required = RemediationPerm.VIEW_DIRECTORY

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        base = cases_for_user(user=user).filter(state=State.PENDING)
        form = PendingFilterForm(request.GET or None, divisions=_divisions(base))
        data = form.cleaned_data if form.is_valid() else {}
        qs = directory_search(base, data.get("q", ""))
        if data.get("year"):
            qs = qs.filter(report_year=data["year"])
        if data.get("division"):
            qs = qs.filter(enterprise__division=data["division"])
        if data.get("pledged") == "yes":
            qs = qs.filter(pledged_on__isnull=False)
        elif data.get("pledged") == "no":
            qs = qs.filter(pledged_on__isnull=True)
        if data.get("overdue"):
            qs = qs.filter(buffer_deadline__lt=today)
        qs = qs.order_by("buffer_deadline", "enterprise__uscc", "id")
        soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
        counts = base.aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(buffer_deadline__lt=today)),
            soon=Count("pk", filter=Q(buffer_deadline__gte=today, buffer_deadline__lte=soon)),
            pledged=Count("pk", filter=Q(pledged_on__isnull=False)),
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = []
        for case in page.object_list:
            reminders = _reminders(case)
            rows.append(
                {
                    "case": case,
                    "due": case_due(case, today),
                    "reminders": reminders,
                    "last_reminder": reminders[-1] if reminders else None,
                }
            )
        return render(
            request,
            "remediation/directory/pending.html",
            {
                "form": form,
                "rows": rows,
                **_paging(request, page),
                "counts": counts,
                "filters_in_use": sum(1 for k in PendingFilterForm.FILTERS if data.get(k)),
                "overdue_url": query_string(request.GET, overdue="on", page=None),
                "any_provisional": any(r["due"] and r["due"].deadline.provisional for r in rows),
                "can_decide": user.has_perm(RemediationPerm.DECIDE_DIRECTORY),
                "reminder_days": rules.BUFFER_REMINDER_WORKING_DAYS,
                "today": today,
            },
        )


class DirectoryListView(StaffPermissionMixin, View):
    """The directory: listings and marks, with their removal; filters and counts per state."""

    permission_required = RemediationPerm.VIEW_DIRECTORY

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        base = cases_for_user(user=user).exclude(state=State.PENDING)
        # The streets of every case (a cohort's pending ones too), as the API accepts.
        form = DirectoryFilterForm(
            request.GET or None, divisions=_divisions(cases_for_user(user=user))
        )
        data = form.cleaned_data if form.is_valid() else {}
        # What became of the cases that entered the buffer (`deferred_year`, `buffer`) includes
        # the cases still pending and those closed without listing; the filters are the API's.
        cohort = directory_cohort(data)
        qs = directory_filter(cases_for_user(user=user) if cohort else base, data)
        # The counts per state under every filter but the state's (the state tabs).
        by_state = {
            row["state"]: row["n"] for row in qs.order_by().values("state").annotate(n=Count("pk"))
        }
        state = data.get("state", "")
        if state:
            qs = qs.filter(state=state)
        elif not cohort:
            qs = qs.exclude(state=State.CLOSED_NO_LISTING)
        qs = qs.annotate(
            due_rank=Case(
                When(state=State.LISTED, cured_on__isnull=False, then=Value(0)),
                When(state=State.LISTED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("due_rank", "cured_on", "-listed_on", "-detected_on", "-id")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            {"case": c, "tone": STATE_TONES.get(c.state, ""), "due": case_due(c, today)}
            for c in page.object_list
        ]
        tabs = [
            {
                "state": s.value,
                "label": s.label,
                "count": by_state.get(s.value, 0),
                "url": query_string(request.GET, state=s.value, page=None),
                "current": state == s.value,
            }
            for s in DIRECTORY_STATES
        ]
        overdue_removals = (
            cases_for_user(user=user)
            .filter(state=State.LISTED, cured_on__lte=_last_overdue_cure(today))
            .count()
        )
        return render(
            request,
            "remediation/directory/list.html",
            {
                "form": form,
                "rows": rows,
                **_paging(request, page),
                "tabs": tabs,
                "all_url": query_string(request.GET, state=None, page=None),
                "all_count": sum(
                    n for s, n in by_state.items() if cohort or s != State.CLOSED_NO_LISTING
                ),
                "state": state,
                "filters_in_use": sum(1 for k in DirectoryFilterForm.FILTERS if data.get(k)),
                "overdue_removals": overdue_removals,
                "cured_url": query_string(request.GET, cured="on", state=None, page=None),
                "any_provisional": any(r["due"] and r["due"].deadline.provisional for r in rows),
                "can_decide": user.has_perm(RemediationPerm.DECIDE_DIRECTORY),
                "removal_days": _removal_working_days(),
                "today": today,
            },
        )


# --------------------------------------------------------------------------- staff: one case


class _CaseView(ObjectScopedView):
    """Login, then the case through jurisdiction (404), then the codenames (403)."""

    permission_required: tuple[str, ...] = (RemediationPerm.VIEW_DIRECTORY,)
    case: DirectoryCase

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.case = case_for_user(user=request_user(request), pk=pk)


def _objections(case: DirectoryCase) -> list[dict[str, Any]]:
    """The objections to the listing (the objections area's), each with its staff page."""
    return [
        {"objection": objection, "url": _url("remediation:objection_detail", objection.pk)}
        for objection in case.objections.all().order_by("received_on", "id")
    ]


def _serious(case: DirectoryCase) -> Any:
    try:
        return case.serious_listing
    except DirectoryCase.serious_listing.RelatedObjectDoesNotExist:
        return None


def _timeline(case: DirectoryCase, objections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What happened to the case, in date order: each step's day, what, and its details."""
    steps: list[dict[str, Any]] = [
        {
            "on": case.detected_on,
            "what": _("Found"),
            "detail": case.get_source_display(),
            "tone": "",
        }
    ]
    if case.deferral_record_id or case.buffer_deadline:
        steps.append(
            {
                "on": case.deferral_record.occurred_on
                if case.deferral_record
                else case.detected_on,
                "what": _("Listing deferred (punishment buffer)"),
                "detail": _("until %(day)s") % {"day": case.buffer_deadline}
                if case.buffer_deadline
                else "",
                "tone": "warn",
            }
        )
    steps.extend(
        {
            "on": reminder["on"],
            "what": _("Reminder sent"),
            "detail": _("%(n)s working days before the buffer ends")
            % {"n": reminder.get("working_days_before", "—")},
            "tone": "",
        }
        for reminder in _reminders(case)
        if reminder.get("on")
    )
    if case.pledged_on:
        steps.append(
            {"on": case.pledged_on, "what": _("Credit pledge given"), "detail": "", "tone": "ok"}
        )
    if case.closed_on:
        steps.append(
            {
                "on": case.closed_on,
                "what": _("Closed without listing"),
                "detail": _("report filed within the buffer") if case.cured_on else "",
                "tone": "ok",
            }
        )
    if case.listed_on:
        record = case.listing_record
        parts = [p for p in (case.document_number, record.authority if record else "") if p]
        steps.append(
            {
                "on": case.listed_on,
                "what": _("Marked as abnormal") if case.individual_business else _("Listed"),
                "detail": " · ".join(parts),
                "tone": "bad",
            }
        )
    for row in objections:
        objection = row["objection"]
        steps.append(
            {
                "on": objection.received_on,
                "what": _("Objection received"),
                "detail": objection.get_status_display(),
                "tone": "warn",
                "url": row["url"],
            }
        )
    if case.cured_on and case.state != State.CLOSED_NO_LISTING:
        steps.append({"on": case.cured_on, "what": _("Cause cured"), "detail": "", "tone": "ok"})
    if case.removed_on:
        what = {
            State.REVOKED: _("Revoked as wrongful"),
            State.MOVED_SERIOUS: _("Moved to the serious list"),
        }.get(
            State(case.state),
            _("Normal status restored") if case.individual_business else _("Removed"),
        )
        detail = case.get_removal_code_display() if case.removal_code else ""
        if case.removal_code:
            detail = f"{case.removal_code} · {detail}"
        steps.append(
            {
                "on": case.removed_on,
                "what": what,
                "detail": detail,
                "tone": "muted" if case.state == State.REVOKED else "ok",
            }
        )
    steps.sort(key=lambda s: s["on"] or dt.date.min)
    return steps


def _case_records(case: DirectoryCase, objections: list[dict[str, Any]]) -> list[CreditRecord]:
    """The ledger records of the case: its deferral, listing and removal, and the revocation
    of an objection upheld, oldest first."""
    ids = {case.deferral_record_id, case.listing_record_id, case.removal_record_id}
    ids |= {row["objection"].revocation_record_id for row in objections}
    serious = _serious(case)
    if serious is not None:
        ids |= {serious.listing_record_id, serious.removal_record_id}
    ids.discard(None)
    return list(
        CreditRecord.objects.filter(pk__in=ids)
        .select_related("closes", "closed_by", "recorded_by")
        .order_by("occurred_on", "id")
    )


def _case_events(case: DirectoryCase) -> list[dict[str, Any]]:
    events = (
        AuditEvent.objects.filter(
            target_type=DirectoryCase._meta.label_lower, target_id=str(case.pk)
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:50]
    )
    return [{"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in events]


def _detail_context(
    request: HttpRequest, case: DirectoryCase, form: DirectoryRemoveForm | None = None
) -> dict[str, Any]:
    user = request_user(request)
    today = timezone.localdate()
    objections = _objections(case)
    can_view_records = user.has_perm(EnterprisePerm.VIEW_RECORDS)
    can_decide = user.has_perm(RemediationPerm.DECIDE_DIRECTORY) and case_decided_within(
        user=user, case=case
    )
    due = case_due(case, today)
    # The days the case's parties read (not the officer's due: never "overdue").
    objection = objection_deadline(case) if case.state == State.LISTED else None
    serious_due = (
        case.serious_due if case.state == State.LISTED and not case.individual_business else None
    )
    key_dates = [
        (label, day)
        for label, day in (
            (
                _("Objection possible until"),
                objection if objection and objection >= today else None,
            ),
            (_("Three years complete on"), serious_due),
        )
        if day is not None
    ]
    return {
        "case": case,
        "tone": STATE_TONES.get(case.state, ""),
        "due": due,
        "key_dates": key_dates,
        "timeline": _timeline(case, objections),
        "objections": objections,
        "serious": _serious(case),
        "serious_url": _url("remediation:serious_detail", _serious(case).pk)
        if _serious(case) is not None
        else "",
        "reminders": _reminders(case),
        "records": _case_records(case, objections) if can_view_records else [],
        "can_view_records": can_view_records,
        "events": _case_events(case),
        "can_decide": can_decide,
        "form": form or DirectoryRemoveForm(initial={"version": case.version}, reason=case.reason),
        "removal_days": _removal_working_days(),
        "order_url": _url("remediation:order_detail", case.order_id) if case.order_id else "",
        "any_provisional": bool(due and due.deadline.provisional),
        "today": today,
    }


class DirectoryDetailView(_CaseView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(
            request, "remediation/directory/detail.html", _detail_context(request, self.case)
        )


class DirectoryRemoveView(_CaseView):
    """Removal after verification (codes 1-5 and 7), through `directory_remove`."""

    permission_required = (RemediationPerm.VIEW_DIRECTORY, RemediationPerm.DECIDE_DIRECTORY)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from remediation.services.directory import directory_remove

        form = DirectoryRemoveForm(request.POST, reason=self.case.reason)
        if form.is_valid():
            data = form.cleaned_data
            try:
                directory_remove(
                    actor=request_user(request),
                    case=self.case,
                    code=data["code"],
                    reasons=data["reasons"],
                    expected_version=data["version"],
                )
            except ConflictError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("remediation:directory_detail", pk=pk)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("The normal status has been restored; the public profile shows it.")
                    if self.case.individual_business
                    else _(
                        "The entity has been removed from the directory; the public profile "
                        "shows the removal beside the listing."
                    ),
                )
                return redirect("remediation:directory_detail", pk=pk)
        case = case_for_user(user=request_user(request), pk=pk)
        context = _detail_context(request, case, form)
        return render(request, "remediation/directory/detail.html", context, status=400)


class DirectoryNoticeView(_CaseView):
    """The case's notice as a PDF letter, for staff to print and serve (made now)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from credit_portal.documents import pdf_response

        return pdf_response(
            case_notice_document(self.case), filename=case_notice_filename(self.case)
        )


class DirectoryNewView(StaffPermissionMixin, View):
    """List an entity for reasons 2-4 (an individual business is marked): find it by name or
    code in the user's jurisdiction, then the reason, the facts and the day verified."""

    permission_required = (RemediationPerm.VIEW_DIRECTORY, RemediationPerm.DECIDE_DIRECTORY)
    template_name = "remediation/directory/new.html"

    def _candidates(self, request: HttpRequest) -> tuple[str, list[Enterprise]]:
        text = (request.GET.get("q") or "").strip()[:100]
        if not text:
            return "", []
        found = enterprise_search(
            queryset=enterprise_list_for_user(user=request_user(request)), text=text, staff=True
        )
        return text, list(found.order_by("name")[:10])

    def _render(
        self, request: HttpRequest, form: DirectoryListForm, status: int = 200
    ) -> HttpResponse:
        text, candidates = self._candidates(request)
        code = normalize(str(form["enterprise_uscc"].value() or ""))
        chosen = (
            enterprise_list_for_user(user=request_user(request)).filter(uscc=code).first()
            if code
            else None
        )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "q": text,
                "candidates": candidates,
                "chosen": chosen,
                "limit_days": rules.LISTING_AFTER_VERIFICATION_WORKING_DAYS,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = DirectoryListForm(initial={"enterprise_uscc": request.GET.get("uscc", "")})
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        from remediation.services.directory import directory_list

        user = request_user(request)
        form = DirectoryListForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            enterprise = (
                enterprise_list_for_user(user=user)
                .filter(uscc=normalize(data["enterprise_uscc"]))
                .first()
            )
            order = None
            if enterprise is None:
                form.add_error(
                    "enterprise_uscc",
                    _("No market entity with this credit code is in your jurisdiction."),
                )
            elif data.get("order"):
                order = DisclosureOrder.objects.filter(
                    pk=data["order"], enterprise=enterprise
                ).first()
                if order is None:
                    form.add_error(
                        "order", _("No order to disclose with this number concerns this entity.")
                    )
            if enterprise is not None and not form.errors:
                try:
                    case = directory_list(
                        actor=user,
                        enterprise=enterprise,
                        reason=data["reason"],
                        facts=data["facts"],
                        verified_on=data["verified_on"],
                        source=data["source"],
                        order=order,
                    )
                except ValidationError as exc:
                    form_errors_from(form, exc, aliases={"enterprise": "enterprise_uscc"})
                else:
                    messages.success(
                        request,
                        _("The individual business has been marked as abnormal.")
                        if case.individual_business
                        else _("The entity has been listed in the abnormal operations directory."),
                    )
                    return redirect("remediation:directory_detail", pk=case.pk)
        return self._render(request, form, status=400)


# --------------------------------------------------------------------------- enterprise


def _own_case(request: HttpRequest, pk: int) -> DirectoryCase:
    """One of the member's enterprise's cases; 404 for any other (403 without a membership)."""
    enterprise = member_enterprise(user=request_user(request))
    case = cases_for_enterprise(enterprise=enterprise).filter(pk=pk).first()
    if case is None:
        raise Http404(_("No such case of your enterprise."))
    case.enterprise = enterprise
    return case


def _todo(case: DirectoryCase, today: dt.date) -> dict[str, Any]:
    """What the enterprise reads about its case: the links and days it needs."""
    year = case.report_year
    report_url = ""
    if year:
        report_url = _first_url(
            ("me-annual-reports:edit", (year,)),
            ("me-annual-reports:year", (year,)),
            ("me-annual-reports:list", ()),
        )
    objection = objection_deadline(case)
    return {
        "report_url": report_url or _url("me-annual-reports:list"),
        "repairs_url": _url("me-remediation:repairs"),
        "objection_url": _first_url(
            ("me-remediation:objection_file", (case.pk,)),
            ("me-remediation:objection_new", (case.pk,)),
            ("me-remediation:objections", ()),
        ),
        "objection_until": objection,
        "objection_open": objection is not None and today <= objection,
        "auto_removal": bool(rules.directory_setting("AUTO_REMOVAL", rules.AUTO_REMOVAL)),
        "removal_days": _removal_working_days(),
        "removal_due": removal_due_on(case),
    }


@login_required
def me_listings(request: HttpRequest) -> HttpResponse:
    """The enterprise's cases: pending listing, listed (marked), ended, with what to do."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    today = timezone.localdate()
    cases = list(cases_for_enterprise(enterprise=enterprise))
    rows: list[dict[str, Any]] = [
        {
            "case": c,
            "tone": STATE_TONES.get(c.state, ""),
            "due": case_due(c, today),
            "todo": _todo(c, today),
        }
        for c in cases
    ]
    return render(
        request,
        "remediation/directory/me_list.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "running": [r for r in rows if r["case"].state in (State.PENDING, State.LISTED)],
            "ended": [r for r in rows if r["case"].state not in (State.PENDING, State.LISTED)],
            "any_provisional": any(r["due"] and r["due"].deadline.provisional for r in rows),
            "today": today,
        },
    )


def _me_detail_context(
    request: HttpRequest, case: DirectoryCase, form: PledgeForm | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    user = request_user(request)
    if form is None and case.state == State.PENDING:
        form = PledgeForm(
            initial={
                "version": case.version,
                "text": case.pledge_text
                or pledge_text_default(enterprise_name=case.enterprise.name, year=case.report_year),
            }
        )
    return {
        "enterprise": case.enterprise,
        "membership": user.enterprise_membership,
        "case": case,
        "tone": STATE_TONES.get(case.state, ""),
        "due": case_due(case, today),
        "todo": _todo(case, today),
        "reminders": _reminders(case),
        "form": form,
        "objections": [
            {"objection": o, "url": _url("me-remediation:objection_detail", o.pk)}
            for o in case.objections.all().order_by("-received_on", "-id")
        ],
        "today": today,
    }


@login_required
@never_cache
def me_listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _own_case(request, pk)
    return render(
        request, "remediation/directory/me_detail.html", _me_detail_context(request, case)
    )


@login_required
@require_POST
def me_listing_pledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The credit pledge while pending listing, through `buffer_pledge` (PRG)."""
    from remediation.services.directory import buffer_pledge

    case = _own_case(request, pk)
    form = PledgeForm(request.POST)
    if form.is_valid():
        try:
            buffer_pledge(
                actor=request_user(request),
                case=case,
                text=form.cleaned_data["text"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("me-remediation:listing_detail", pk=pk)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _("Your credit pledge has been recorded. File the report by %(day)s.")
                % {"day": case.buffer_deadline},
            )
            return redirect("me-remediation:listing_detail", pk=pk)
    context = _me_detail_context(request, case, form)
    return render(request, "remediation/directory/me_detail.html", context, status=400)


def _opened(request: HttpRequest, case: DirectoryCase) -> None:
    try:
        case_notice_opened(actor=request_user(request), case=case)
    except ValidationError as exc:  # pragma: no cover - `_own_case` let only its user through
        raise PermissionDenied from exc


@login_required
@never_cache
def me_listing_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice (告知书) as a page; its first opening is recorded."""
    case = _own_case(request, pk)
    _opened(request, case)
    return render(
        request,
        "remediation/directory/me_notice.html",
        {
            "enterprise": case.enterprise,
            "membership": request_user(request).enterprise_membership,
            "case": case,
            "notice": case_notice_content(case),
        },
    )


@login_required
@never_cache
def me_listing_notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as a printable letter, made now; its first opening is recorded."""
    from credit_portal.documents import pdf_response

    case = _own_case(request, pk)
    _opened(request, case)
    return pdf_response(case_notice_document(case), filename=case_notice_filename(case))


staff_urlpatterns = [
    path("directory/", DirectoryListView.as_view(), name="directory_list"),
    path("directory/pending/", DirectoryPendingView.as_view(), name="directory_pending"),
    path("directory/new/", DirectoryNewView.as_view(), name="directory_new"),
    path("directory/<int:pk>/", DirectoryDetailView.as_view(), name="directory_detail"),
    path("directory/<int:pk>/remove/", DirectoryRemoveView.as_view(), name="directory_remove"),
    path("directory/<int:pk>/notice.pdf", DirectoryNoticeView.as_view(), name="directory_notice"),
]
me_urlpatterns = [
    path("listings/", me_listings, name="listings"),
    path("listings/<int:pk>/", me_listing_detail, name="listing_detail"),
    path("listings/<int:pk>/pledge/", me_listing_pledge, name="listing_pledge"),
    path("listings/<int:pk>/notice/", me_listing_notice, name="listing_notice"),
    path("listings/<int:pk>/notice.pdf", me_listing_notice_pdf, name="listing_notice_pdf"),
]
