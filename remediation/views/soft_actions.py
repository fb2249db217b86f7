"""Pages of soft enforcement (柔性执法, docs/domain.md §9).

Staff, under /remediation/letters/ (namespace "remediation"):
- the list with its queue (overdue rectification first, then documents awaiting approval and
  service), filters (queue, instrument, status, department, overdue, search) and pagination;
- one document: its fields, timeline, interview, visits, ledger records, audit history, and
  the next steps as forms (approve, record service, record the interview, record
  rectification, record a visit, escalate, cancel); its PDF and the proof of service's;
- the draft's create and edit forms.

The enterprise, under /me/letters/ (namespace "me-remediation"): its documents with the day it
opened each, the deadline, the status and what to do; one document (opening it, or its PDF,
is recorded, and counts as service under the consent to electronic service: APL art. 61); the
consent page.

Why only a person's own navigation opens a document (`is_user_navigation`): an opening under
consent is the document's service, from which its deadline runs, and a GET can reach the page
without anyone reading it: a script's fetch, an image or frame planted on another site riding
on the session cookie, a link preview. So the opening (and the service it may be) is recorded
only for a top-level navigation the user made: `Sec-Fetch-User: ?1` (the browser says a user
activated it), or `Sec-Fetch-Mode: navigate` from the portal itself or typed or bookmarked
(`Sec-Fetch-Site` same-origin or none). A request without these Fetch Metadata headers (an old
browser; the test client) counts, as before: the login and the session cookie's SameSite still
keep a forged cross-site request out. Any other GET shows the page and records nothing; these
pages are never cached, so the person's own opening reaches the server again.

Access: every staff page fetches the document through `soft_actions_for_user` first (a
document outside the user's reach is a 404), then checks the codenames (403). The /me/ pages
are for enterprise users only (403 for others) and show only the enterprise's own documents
(404 for any other).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import User
from credit_portal.permissions import CorePerm, StaffPermissionMixin
from credit_portal.workdays import Deadline
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import enterprise_list_for_user
from enterprises.selectors.accounts import member_enterprise
from enterprises.selectors.letters import LetterView
from enterprises.uscc import normalize
from remediation import rules
from remediation.forms.soft_actions import (
    CancelForm,
    EscalateForm,
    InterviewForm,
    RectifyForm,
    ServeForm,
    SoftActionFilterForm,
    SoftActionForm,
    VersionForm,
    VisitForm,
)
from remediation.models import SoftAction
from remediation.permissions import RemediationPerm
from remediation.selectors.soft_actions import (
    STATUS_TONES,
    awaits_attendance,
    consent_for,
    consents_of,
    is_overdue,
    letters_of_enterprise,
    letters_without_document,
    next_step_for_enterprise,
    proof_of_service_document,
    soft_action_document,
    soft_action_history,
    soft_action_interview,
    soft_action_queue_counts,
    soft_action_records,
    soft_action_timeline,
    soft_actions_filtered,
    soft_actions_for_user,
    soft_actions_queued,
)
from remediation.services.soft_actions import (
    electronic_service_consent_give,
    electronic_service_consent_withdraw,
    follow_up_visit_record,
    interview_record,
    soft_action_approve,
    soft_action_cancel,
    soft_action_create,
    soft_action_escalate,
    soft_action_opened_online,
    soft_action_rectified,
    soft_action_serve,
    soft_action_update,
)
from remediation.views.common import ObjectScopedView, page_links, query_string, request_user

Status = SoftAction.Status
PAGE_SIZE = 25
HISTORY_SHOWN = 50


def _deadline(action: SoftAction) -> Deadline | None:
    if action.deadline is None:
        return None
    return Deadline(action.deadline, action.deadline_provisional)


def _pdf(document: Any, filename: str) -> HttpResponse:
    from credit_portal.documents import pdf_response, render_pdf

    return pdf_response(render_pdf(document), filename=filename, inline=True)


def _filename(action: SoftAction, what: str) -> str:
    return f"{rules.SOFT_ACTION_TITLES[action.instrument]}-{action.number or action.pk}-{what}.pdf"


# --- The list -----------------------------------------------------------------------------


class SoftActionListView(StaffPermissionMixin, View):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        form = SoftActionFilterForm(request.GET or None, user=user)
        valid = form.is_valid() if form.is_bound else True
        filters = form.cleaned_data if form.is_bound and valid else {}
        visible = soft_actions_for_user(user=user)
        queryset = soft_actions_filtered(
            soft_actions_queued(visible, today=today), filters=filters, today=today
        )
        if not valid:
            queryset = queryset.none()
        paginator = Paginator(queryset, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        counts = soft_action_queue_counts(user=user, today=today)
        current_queue = filters.get("queue", "")
        tabs: list[dict[str, Any]] = [
            {"key": "", "label": _("All"), "count": None},
            {"key": "overdue", "label": _("Rectification overdue"), "count": counts.overdue},
            {"key": "approval", "label": _("Awaiting approval"), "count": counts.approval},
            {"key": "service", "label": _("Awaiting service"), "count": counts.service},
            {"key": "due", "label": _("Rectification due"), "count": counts.due},
        ]
        for tab in tabs:
            tab["url"] = query_string(request.GET, queue=tab["key"] or None, page=None)
            tab["current"] = tab["key"] == current_queue
        in_use = sum(
            1
            for name in ("instrument", "status", "department", "year", "division", "overdue", "q")
            if filters.get(name)
        )
        rows = [self._row(a, today) for a in page.object_list]
        context = {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "any_provisional": any(r["deadline"] and r["deadline"].provisional for r in rows),
            "tabs": tabs,
            "filters_in_use": in_use,
            "has_filters": bool(in_use or current_queue),
            "total": paginator.count,
            "can_add": user.has_perm(RemediationPerm.ADD_SOFT_ACTION),
            "prev_url": query_string(request.GET, page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_url": query_string(request.GET, page=page.next_page_number())
            if page.has_next()
            else "",
            "page_links": page_links(request.GET, page),
            "today": today,
        }
        return render(
            request, "remediation/soft_actions/list.html", context, status=200 if valid else 400
        )

    @staticmethod
    def _row(action: SoftAction, today: dt.date) -> dict[str, Any]:
        overdue = is_overdue(action, today)
        return {
            "a": action,
            "url": reverse("remediation:soft_action_detail", args=[action.pk]),
            "tone": "bad" if overdue else STATUS_TONES.get(action.status, ""),
            "status": _("Overdue") if overdue and action.status == Status.SERVED else None,
            "overdue": overdue,
            "deadline": _deadline(action),
        }


# --- Create and edit ----------------------------------------------------------------------


def _service_data(form: SoftActionForm, user: User) -> dict[str, Any] | None:
    """The form's data for the service, with the enterprise found by its credit code in the
    user's jurisdiction; None (and an error on the form) when the code finds none."""
    data = dict(form.cleaned_data)
    code = normalize(data.pop("enterprise_uscc", "") or "")
    data.pop("version", None)
    enterprise: Enterprise | None = None
    if code:
        enterprise = enterprise_list_for_user(user=user).filter(uscc=code).first()
        if enterprise is None:
            form.add_error(
                "enterprise_uscc",
                _("No market entity with this credit code is in your jurisdiction."),
            )
            return None
    data["enterprise"] = enterprise
    return data


class SoftActionCreateView(StaffPermissionMixin, View):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.ADD_SOFT_ACTION)
    template_name = "remediation/soft_actions/form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {
            "enterprise_uscc": request.GET.get("uscc", ""),
            "instrument": request.GET.get("instrument", SoftAction.Instrument.ADMONITION),
            "trigger": SoftAction.Trigger.INSPECTION,
        }
        form = SoftActionForm(initial=initial, user=request_user(request))
        return render(request, self.template_name, {"form": form, "creating": True})

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        form = SoftActionForm(request.POST, user=user)
        valid = form.is_valid()
        data = _service_data(form, user)  # every error at once: the credit code's too
        if valid and data is not None:
            try:
                action = soft_action_create(actor=user, **data)
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"enterprise": "enterprise_uscc"})
            else:
                messages.success(request, _("The draft is saved. Another officer approves it."))
                return redirect("remediation:soft_action_detail", pk=action.pk)
        return render(request, self.template_name, {"form": form, "creating": True}, status=400)


class _ActionView(ObjectScopedView):
    """A page about one document: login, the jurisdiction fetch (404), the codenames (403)."""

    permission_required: tuple[str, ...] = (RemediationPerm.VIEW_SOFT_ACTION,)
    action: SoftAction

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.action = get_object_or_404(soft_actions_for_user(user=request_user(request)), pk=pk)


class SoftActionEditView(_ActionView):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.CHANGE_SOFT_ACTION)
    template_name = "remediation/soft_actions/form.html"

    def _render(self, request: HttpRequest, form: SoftActionForm, status: int = 200) -> Any:
        context = {"form": form, "creating": False, "action": self.action}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.action.status != Status.DRAFT:
            messages.error(request, _("Only a draft can be changed."))
            return redirect("remediation:soft_action_detail", pk=pk)
        form = SoftActionForm(
            initial=SoftActionForm.initial_from(self.action), user=request_user(request)
        )
        return self._render(request, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        form = SoftActionForm(request.POST, user=user)
        valid = form.is_valid()
        data = _service_data(form, user)
        if valid and data is not None:
            try:
                soft_action_update(
                    actor=user,
                    action=self.action,
                    data=data,
                    expected_version=form.cleaned_data.get("version") or 0,
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                return self._render(request, form, 409)
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"enterprise": "enterprise_uscc"})
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("remediation:soft_action_detail", pk=pk)
        return self._render(request, form, 400)


# --- One document -------------------------------------------------------------------------


def _case_link(action: SoftAction) -> str:
    """Where an escalated matter becomes a case (the penalty pages), if they exist."""
    try:
        url = reverse("remediation:penalty_create")
    except NoReverseMatch:
        return ""
    return f"{url}?uscc={action.enterprise.uscc}" if action.enterprise else url


def _step_forms(action: SoftAction, today: dt.date) -> dict[str, Form]:
    version = {"version": action.version}
    return {
        "approve_form": VersionForm(initial=version),
        "serve_form": ServeForm(
            initial={**version, "served_on": today, "method": SoftAction.ServiceMethod.DIRECT}
        ),
        "rectify_form": RectifyForm(initial={**version, "rectified_on": today}),
        "interview_form": InterviewForm(initial={**version, "held_on": today}),
        "visit_form": VisitForm(initial={"visited_on": today}),
        "escalate_form": EscalateForm(initial=version),
        "cancel_form": CancelForm(initial=version),
    }


def _detail(
    request: HttpRequest,
    action: SoftAction,
    *,
    forms: dict[str, Form] | None = None,
    status: int = 200,
    open_step: str = "",
) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    interview = soft_action_interview(action)
    has = user.has_perm
    serve = has(RemediationPerm.SERVE_SOFT_ACTION)
    served = action.served_on is not None
    can = {
        "edit": has(RemediationPerm.CHANGE_SOFT_ACTION) and action.status == Status.DRAFT,
        "approve": has(RemediationPerm.APPROVE_SOFT_ACTION) and action.status == Status.DRAFT,
        "serve": serve and action.status == Status.APPROVED,
        # An interview notice: served, or overdue for want of a record (held or recorded late).
        "interview": serve
        and action.instrument == SoftAction.Instrument.INTERVIEW
        and action.status in (Status.SERVED, Status.OVERDUE)
        and interview is None,
        "rectify": serve
        and action.status in (Status.SERVED, Status.OVERDUE)
        and (action.instrument != SoftAction.Instrument.INTERVIEW or interview is not None),
        "visit": serve and served,
        "escalate": serve and action.status == Status.OVERDUE,
        "cancel": (action.status == Status.DRAFT and has(RemediationPerm.CHANGE_SOFT_ACTION))
        or (action.status == Status.APPROVED and has(RemediationPerm.APPROVE_SOFT_ACTION)),
    }
    own_draft = rules.SOFT_ACTION_APPROVER_DIFFERS and action.created_by_id == user.pk
    # A refused step whose form is no longer offered (served meanwhile): its errors go on top.
    refused = (forms or {}).get(open_step)
    step_errors = (
        [str(m) for errors in refused.errors.values() for m in errors]
        if refused is not None and not can.get(open_step.removesuffix("_form"))
        else []
    )
    can_view_audit = has(CorePerm.VIEW_AUDIT_LOG)
    events = list(soft_action_history(action)[:HISTORY_SHOWN]) if can_view_audit else []
    context = {
        "action": action,
        "today": today,
        "deadline": _deadline(action),
        "any_provisional": action.deadline is not None and action.deadline_provisional,
        "overdue": is_overdue(action, today),
        "tone": STATUS_TONES.get(action.status, ""),
        "title": rules.SOFT_ACTION_TITLES[action.instrument],
        "timeline": soft_action_timeline(action),
        "interview": interview,
        # An interview notice without its record: the deadline is the day to attend by.
        "attending": action.instrument == SoftAction.Instrument.INTERVIEW and interview is None,
        "attend_days": rules.INTERVIEW_ATTEND_WORKING_DAYS,
        "visits": list(action.visits.select_related("visited_by")),
        "records": soft_action_records(action) if has(EnterprisePerm.VIEW_RECORDS) else [],
        "can_view_records": has(EnterprisePerm.VIEW_RECORDS),
        "can_view_audit": can_view_audit,
        "events": [
            {"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in events
        ],
        "can": can,
        "any_step": any(can.values()),
        "own_draft": own_draft,
        "consent": consent_for(enterprise_id=action.enterprise_id)
        if action.enterprise_id
        else None,
        "case_link": _case_link(action)
        if action.status in (Status.OVERDUE, Status.ESCALATED)
        else "",
        "open_step": open_step,
        "step_errors": step_errors,
        **_step_forms(action, today),
        **(forms or {}),
    }
    return render(request, "remediation/soft_actions/detail.html", context, status=status)


class SoftActionDetailView(_ActionView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, self.action)


class _StepView(_ActionView):
    """One step of the workflow, posted from the detail page: on success back to it with a
    message; on a refusal the detail page again, with the form and its errors (400, or 409
    for a stale version)."""

    http_method_names = ["post"]
    form_class: type[Form] = VersionForm
    form_key = ""

    def done(self) -> str:
        raise NotImplementedError

    def perform(self, user: User, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form_class(request.POST)
        status = 400
        if form.is_valid():
            try:
                self.perform(request_user(request), form.cleaned_data)
            except ConflictError as exc:
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc, aliases=self.aliases())
            else:
                messages.success(request, self.done())
                return redirect("remediation:soft_action_detail", pk=pk)
        self.action.refresh_from_db()
        return _detail(
            request,
            self.action,
            forms={self.form_key: form},
            status=status,
            open_step=self.form_key,
        )

    def aliases(self) -> dict[str, str]:
        return {}


class SoftActionApproveView(_StepView):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.APPROVE_SOFT_ACTION)
    form_key = "approve_form"

    def done(self) -> str:
        return _("The document is approved and numbered.")

    def perform(self, user: User, data: dict[str, Any]) -> None:
        soft_action_approve(actor=user, action=self.action, expected_version=data["version"])


class SoftActionServeView(_StepView):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.SERVE_SOFT_ACTION)
    form_class = ServeForm
    form_key = "serve_form"

    def done(self) -> str:
        return _("The service is recorded.")

    def perform(self, user: User, data: dict[str, Any]) -> None:
        soft_action_serve(
            actor=user,
            action=self.action,
            served_on=data["served_on"],
            method=data["method"],
            receipt_signed_by=data["receipt_signed_by"],
            expected_version=data["version"],
        )


class SoftActionRectifyView(_StepView):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.SERVE_SOFT_ACTION)
    form_class = RectifyForm
    form_key = "rectify_form"

    def done(self) -> str:
        return _("The rectification is recorded.")

    def perform(self, user: User, data: dict[str, Any]) -> None:
        soft_action_rectified(
            actor=user,
            action=self.action,
            rectified_on=data["rectified_on"],
            report=data["report"],
            expected_version=data["version"],
        )


class SoftActionInterviewView(_StepView):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.SERVE_SOFT_ACTION)
    form_class = InterviewForm
    form_key = "interview_form"

    def done(self) -> str:
        return _("The interview is recorded.")

    def perform(self, user: User, data: dict[str, Any]) -> None:
        interview_record(
            actor=user,
            action=self.action,
            held_on=data["held_on"],
            place=data["place"],
            attendees=data["attendees"],
            minutes=data["minutes"],
            commitments=data["commitments"],
            commitments_due=data["commitments_due"],
            expected_version=data["version"],
        )


class SoftActionVisitView(_StepView):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.SERVE_SOFT_ACTION)
    form_class = VisitForm
    form_key = "visit_form"

    def done(self) -> str:
        return _("The follow-up visit is recorded.")

    def perform(self, user: User, data: dict[str, Any]) -> None:
        follow_up_visit_record(
            actor=user,
            action=self.action,
            visited_on=data["visited_on"],
            outcome=data["outcome"],
            notes=data["notes"],
        )


class SoftActionEscalateView(_StepView):
    permission_required = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.SERVE_SOFT_ACTION)
    form_class = EscalateForm
    form_key = "escalate_form"

    def done(self) -> str:
        return _("The matter is escalated. Open the case from the penalty pages.")

    def perform(self, user: User, data: dict[str, Any]) -> None:
        soft_action_escalate(
            actor=user, action=self.action, note=data["note"], expected_version=data["version"]
        )


class SoftActionCancelView(_StepView):
    form_class = CancelForm
    form_key = "cancel_form"

    def done(self) -> str:
        return _("The document is cancelled.")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        # A draft is its author's to cancel (change); an approved document, the approver's.
        needed = (
            RemediationPerm.APPROVE_SOFT_ACTION
            if self.action.status == Status.APPROVED
            else RemediationPerm.CHANGE_SOFT_ACTION
        )
        if not request.user.has_perm(needed):
            raise PermissionDenied
        return super().post(request, pk)

    def perform(self, user: User, data: dict[str, Any]) -> None:
        soft_action_cancel(
            actor=user, action=self.action, reason=data["reason"], expected_version=data["version"]
        )


class SoftActionPdfView(_ActionView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _pdf(soft_action_document(self.action), _filename(self.action, "document"))


class SoftActionProofPdfView(_ActionView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _pdf(proof_of_service_document(self.action), _filename(self.action, "送达回证"))


# --- The enterprise's pages ---------------------------------------------------------------


def _member_action(request: HttpRequest, pk: int) -> tuple[Enterprise, SoftAction]:
    """The enterprise of the member (403 for anyone else) and its document (404 for any other
    document, another enterprise's or one it may not see yet)."""
    enterprise = member_enterprise(user=request_user(request))
    action = get_object_or_404(
        SoftAction.objects.select_related("enterprise", "department").filter(
            enterprise=enterprise, status__in=sorted(rules.SOFT_ACTION_VISIBLE_TO_ENTERPRISE)
        ),
        pk=pk,
    )
    return enterprise, action


def _me_row(action: SoftAction, today: dt.date, consent: bool) -> dict[str, Any]:
    return {
        "a": action,
        "title": rules.SOFT_ACTION_TITLES[action.instrument],
        "deadline": _deadline(action),
        "overdue": is_overdue(action, today),
        "tone": "bad" if is_overdue(action, today) else STATUS_TONES.get(action.status, ""),
        "step": next_step_for_enterprise(action, today=today, consent=consent),
        "attending": awaits_attendance(action),
    }


def _earlier_row(letter: LetterView) -> dict[str, Any]:
    """A letter of the ledger's history without a document here: its deadline with the mark
    the fact holds (`details["deadline_provisional"]`)."""
    details = letter.record.details if isinstance(letter.record.details, dict) else {}
    return {
        "letter": letter,
        "title": details.get("instrument_label") or letter.record.get_kind_display(),
        "deadline": (
            Deadline(letter.reply_by, bool(details.get("deadline_provisional")))
            if letter.reply_by is not None
            else None
        ),
    }


@login_required
def me_letters(request: HttpRequest) -> HttpResponse:
    """The enterprise's documents, then the letters its credit records hold without a document
    here (the history before the portal: `earlier_letters`, each with the status
    `enterprises.selectors.letters` derives), so that every letter /me/ lists is found here."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    today = timezone.localdate()
    consent = consent_for(enterprise_id=enterprise.pk)
    actions = list(letters_of_enterprise(user=user).filter(enterprise=enterprise))
    rows = [_me_row(a, today, consent is not None) for a in actions]
    earlier = [
        _earlier_row(v) for v in letters_without_document(enterprise=enterprise, today=today)
    ]
    provisional = any(r["deadline"] and r["deadline"].provisional for r in rows) or any(
        r["deadline"] and r["deadline"].provisional for r in earlier
    )
    return render(
        request,
        "me/remediation/letters.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "rows": rows,
            "earlier_letters": earlier,
            "any_provisional": provisional,
            "consent": consent,
            "today": today,
        },
    )


_NAVIGATION_SITES = frozenset({"same-origin", "none"})


def is_user_navigation(request: HttpRequest) -> bool:
    """Whether the request is a top-level navigation its user made (module docstring: only
    that opens a document): `Sec-Fetch-User: ?1`, or `Sec-Fetch-Mode: navigate` with
    `Sec-Fetch-Site` same-origin or none; True without any Fetch Metadata header."""
    headers = request.headers
    mode = headers.get("Sec-Fetch-Mode")
    site = headers.get("Sec-Fetch-Site")
    user = headers.get("Sec-Fetch-User")
    if mode is None and site is None and user is None:
        return True  # an old browser, or the test client
    if user == "?1":
        return True
    return mode == "navigate" and site in _NAVIGATION_SITES


@login_required
@never_cache
def me_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """One document; opening it is recorded (and is its service under consent), when the
    user navigated to it (`is_user_navigation`)."""
    user = request_user(request)
    enterprise, action = _member_action(request, pk)
    served_before = action.served_on is not None
    if is_user_navigation(request):
        action = soft_action_opened_online(user=user, action=action)
    if not served_before and action.served_on is not None:
        messages.info(
            request,
            _(
                "This document is served on your enterprise today by this opening (consent to "
                "electronic service)."
            ),
        )
    today = timezone.localdate()
    consent = consent_for(enterprise_id=enterprise.pk)
    return render(
        request,
        "me/remediation/letters_detail.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "row": _me_row(action, today, consent is not None),
            "any_provisional": action.deadline is not None and action.deadline_provisional,
            "action": action,
            "interview": soft_action_interview(action),
            "consent": consent,
        },
    )


@login_required
@never_cache
def me_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The document's PDF; downloading it is an opening too (`is_user_navigation`)."""
    _enterprise, action = _member_action(request, pk)
    if is_user_navigation(request):
        action = soft_action_opened_online(user=request_user(request), action=action)
    return _pdf(soft_action_document(action), _filename(action, "document"))


@login_required
@require_http_methods(["GET", "POST"])
def me_consent(request: HttpRequest) -> HttpResponse:
    """The consent to electronic service: what it means, give or withdraw it, its history."""
    from remediation.forms.soft_actions import ConsentForm

    user = request_user(request)
    enterprise = member_enterprise(user=user)
    form = ConsentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if form.cleaned_data["action"] == "give":
                    electronic_service_consent_give(user=user)
                    messages.success(request, _("Consent to electronic service is given."))
                else:
                    electronic_service_consent_withdraw(user=user)
                    messages.success(request, _("Consent to electronic service is withdrawn."))
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                return redirect("me-remediation:letters_consent")
    return render(
        request,
        "me/remediation/letters_consent.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "form": form,
            "consent": consent_for(enterprise_id=enterprise.pk),
            "history": list(consents_of(enterprise_id=enterprise.pk)[:20]),
            "article": rules.ELECTRONIC_SERVICE_ARTICLE,
        },
        status=status,
    )


staff_urlpatterns = [
    path("letters/", SoftActionListView.as_view(), name="soft_action_list"),
    path("letters/new/", SoftActionCreateView.as_view(), name="soft_action_create"),
    path("letters/<int:pk>/", SoftActionDetailView.as_view(), name="soft_action_detail"),
    path("letters/<int:pk>/edit/", SoftActionEditView.as_view(), name="soft_action_edit"),
    path("letters/<int:pk>/approve/", SoftActionApproveView.as_view(), name="soft_action_approve"),
    path("letters/<int:pk>/serve/", SoftActionServeView.as_view(), name="soft_action_serve"),
    path("letters/<int:pk>/rectify/", SoftActionRectifyView.as_view(), name="soft_action_rectify"),
    path(
        "letters/<int:pk>/interview/",
        SoftActionInterviewView.as_view(),
        name="soft_action_interview",
    ),
    path("letters/<int:pk>/visit/", SoftActionVisitView.as_view(), name="soft_action_visit"),
    path(
        "letters/<int:pk>/escalate/", SoftActionEscalateView.as_view(), name="soft_action_escalate"
    ),
    path("letters/<int:pk>/cancel/", SoftActionCancelView.as_view(), name="soft_action_cancel"),
    path("letters/<int:pk>/document.pdf", SoftActionPdfView.as_view(), name="soft_action_pdf"),
    path(
        "letters/<int:pk>/proof-of-service.pdf",
        SoftActionProofPdfView.as_view(),
        name="soft_action_proof_pdf",
    ),
]

me_urlpatterns = [
    path("letters/", me_letters, name="letters"),
    path("letters/consent/", me_consent, name="letters_consent"),
    path("letters/<int:pk>/", me_letter, name="letter"),
    path("letters/<int:pk>/document.pdf", me_letter_pdf, name="letter_pdf"),
]
