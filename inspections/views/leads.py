"""Staff pages of leads (线索: reports, complaints, referrals; docs/domain.md §10), namespace
"inspections", under /inspections/:

- leads/                  the queue: by the nearest due day, the overdue first; filters (kind,
                          status, overdue, a number, credit code or name);
- leads/new/              enter a lead received by phone, letter, visit, or a referral;
- leads/<id>/             one lead: its clocks, what it is about, its history, and every step
                          as a form (for staff who handle leads);
- leads/<id>/act/         the steps (POST);
- leads/<id>/reporter/    the reporter's identity (POST, for handle_lead: each reading audited).

Access: a login, then the lead through jurisdiction (the handling department's staff and the
bureau: a 404 otherwise), then the codename (view_lead to read, handle_lead to act: a 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent, User
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize
from inspections import rules
from inspections.forms.leads import (
    NOTIFY_METHOD_CHOICES,
    LeadActionForm,
    LeadQueueFilterForm,
    StaffLeadForm,
)
from inspections.models import Inspection, InspectionItem, Lead
from inspections.permissions import InspectionPerm
from inspections.selectors.leads import (
    lead_awaits_notice,
    lead_can_extend,
    lead_clocks,
    lead_due,
    lead_for_user,
    lead_queue,
)
from inspections.services.leads import (
    Reporter,
    lead_accept,
    lead_assign,
    lead_create,
    lead_decide,
    lead_extend,
    lead_link_enterprise,
    lead_mediation_end,
    lead_notify,
    lead_refuse,
    lead_reporter_view,
    lead_violation_found,
)
from remediation.views.common import ObjectScopedView, request_user

PAGE_SIZE = 30
Status = Lead.Status
STATUS_TONES: dict[str, str] = {
    Status.RECEIVED: "",
    Status.VERIFYING: "",
    Status.MEDIATING: "",
    Status.REFUSED: "muted",
    Status.CLOSED: "ok",
}
RECEIPT_SESSION_KEY = "inspections_lead_receipt_staff"


def _limits() -> dict[str, int]:
    return {
        "verify": rules.REPORT_VERIFY_WORKING_DAYS,
        "extension": rules.REPORT_EXTENSION_WORKING_DAYS,
        "notify": rules.REPORT_NOTIFY_WORKING_DAYS,
        "accept": rules.COMPLAINT_ACCEPT_WORKING_DAYS,
        "mediation": rules.COMPLAINT_MEDIATION_WORKING_DAYS,
    }


def _events(lead: Lead) -> list[dict[str, Any]]:
    found = (
        AuditEvent.objects.filter(target_type=Lead._meta.label_lower, target_id=str(lead.pk))
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:50]
    )
    return [{"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in found]


def handler_choices(lead: Lead) -> list[User]:
    """Colleagues who may take the lead: active staff of its department (or the bureau) who
    handle leads."""
    candidates = (
        User.objects.filter(is_active=True)
        .filter(
            Q(staff_profile__department=lead.department)
            | Q(staff_profile__department__is_bureau=True)
        )
        .filter(
            Q(user_permissions__codename="handle_lead")
            | Q(groups__permissions__codename="handle_lead")
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )
    return list(candidates[:200])


def resolve_enterprise(
    *, code: str, name: str, queryset: Any
) -> tuple[Enterprise | None, str | None]:
    """The registered entity a lead names, from `queryset`: by its credit code (a code not
    found is a problem, returned as the message), else by its exact name when one entity bears
    it; (None, None) when neither finds one."""
    code = normalize(code or "")
    if code:
        found = queryset.filter(uscc=code).first()
        if found is None:
            return None, _("No registered entity has the credit code %(code)s.") % {"code": code}
        return found, None
    name = (name or "").strip()
    if name:
        matches = list(queryset.filter(name=name)[:2])
        if len(matches) == 1:
            return matches[0], None
    return None, None


# --------------------------------------------------------------------------- queue


class LeadQueueView(StaffPermissionMixin, View):
    permission_required = InspectionPerm.VIEW_LEAD

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        form = LeadQueueFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        queue = lead_queue(
            user=user,
            today=today,
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            overdue=bool(data.get("overdue")),
            search=data.get("q", ""),
        )
        page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            {
                "lead": lead,
                "due": lead_due(lead, today=today),
                "tone": STATUS_TONES.get(lead.status, ""),
            }
            for lead in page.object_list
        ]
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "inspections/leads/list.html",
            {
                "form": form,
                "rows": rows,
                "page_obj": page,
                "query": query.urlencode(),
                "filters_in_use": sum(1 for k in ("kind", "status", "overdue", "q") if data.get(k)),
                "overdue_count": lead_queue(user=user, today=today, overdue=True).count(),
                "can_handle": user.has_perm(InspectionPerm.HANDLE_LEAD),
                "any_provisional": any(r["due"] and r["due"].deadline.provisional for r in rows),
                "limits": _limits(),
                "today": today,
            },
        )


# --------------------------------------------------------------------------- new


class LeadNewView(StaffPermissionMixin, View):
    permission_required = (InspectionPerm.VIEW_LEAD, InspectionPerm.HANDLE_LEAD)

    def _form(self, request: HttpRequest, data: Any = None) -> StaffLeadForm:
        user = request_user(request)
        departments = departments_of_jurisdiction(user=user)
        initial = {"received_on": timezone.localdate(), "channel": Lead.Channel.PHONE}
        profile = getattr(user, "staff_profile", None)
        if profile is not None:
            initial["department"] = profile.department_id
        return StaffLeadForm(data, initial=initial, departments=departments)

    def _render(self, request: HttpRequest, form: StaffLeadForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "inspections/leads/new.html",
            {"form": form, "limits": _limits()},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._form(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        form = self._form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            enterprise, problem = resolve_enterprise(
                code=data["uscc"],
                name=data["subject_name"],
                queryset=enterprise_list_for_user(user=user),
            )
            if problem:
                form.add_error("uscc", problem)
            else:
                try:
                    lead, code = lead_create(
                        actor=user,
                        kind=data["kind"],
                        channel=data["channel"],
                        received_on=data["received_on"],
                        subject_name=data["subject_name"],
                        subject_address=data["subject_address"],
                        content=data["content"],
                        enterprise=enterprise,
                        anonymous=data["anonymous"],
                        reporter_name=data["reporter_name"],
                        reporter_phone=data["reporter_phone"],
                        reporter_email=data["reporter_email"],
                        referring_department=data["referring_department"],
                        referral_document=data["referral_document"],
                        department=data["department"],
                    )
                except ValidationError as exc:
                    form_errors_from(form, exc)
                else:
                    if code:
                        request.session[RECEIPT_SESSION_KEY] = {"number": lead.number, "code": code}
                        messages.success(
                            request,
                            _(
                                "Lead %(number)s is recorded. Give the reporter the receipt code "
                                "shown on its page now: it is shown once only."
                            )
                            % {"number": lead.number},
                        )
                    else:
                        messages.success(
                            request, _("Lead %(number)s is recorded.") % {"number": lead.number}
                        )
                    return redirect("inspections:lead_detail", pk=lead.pk)
        return self._render(request, form, status=400)


# --------------------------------------------------------------------------- one lead


class _LeadView(ObjectScopedView):
    permission_required: tuple[str, ...] = (InspectionPerm.VIEW_LEAD,)
    lead: Lead

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.lead = lead_for_user(user=request_user(request), pk=pk)


def _detail_context(
    request: HttpRequest, lead: Lead, *, form: LeadActionForm | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    user = request_user(request)
    clocks = lead_clocks(lead, today=today)
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    if receipt and receipt.get("number") != lead.number:
        receipt = None
    inspections = list(
        Inspection.objects.filter(lead=lead).select_related("department").order_by("id")
    )
    return {
        "lead": lead,
        "tone": STATUS_TONES.get(lead.status, ""),
        "due": lead_due(lead, today=today),
        "clocks": clocks,
        "any_provisional": any(c.deadline.provisional for c in clocks),
        "events": _events(lead),
        "can_handle": user.has_perm(InspectionPerm.HANDLE_LEAD),
        "can_extend": lead_can_extend(lead, today=today),
        "awaits_notice": lead_awaits_notice(lead),
        "is_complaint": lead.kind == Lead.Kind.COMPLAINT,
        "is_open": lead.status in (Status.RECEIVED, Status.VERIFYING, Status.MEDIATING),
        "handlers": handler_choices(lead),
        "items": list(
            InspectionItem.objects.filter(is_active=True)
            .select_related("department")
            .order_by("department__sort_order", "code")
        ),
        "decisions": Lead.Decision.choices,
        "outcomes": Lead.MediationOutcome.choices,
        "methods": NOTIFY_METHOD_CHOICES,
        "inspections": inspections,
        "form": form,
        "form_errors": [m for errors in (form.errors.values() if form else []) for m in errors],
        "receipt": receipt,
        "limits": _limits(),
        "today": today,
    }


class LeadDetailView(_LeadView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, "inspections/leads/detail.html", _detail_context(request, self.lead))


class LeadReporterView(_LeadView):
    """The reporter's identity (POST: the reading is an audit event, never a link to follow)."""

    permission_required = (InspectionPerm.VIEW_LEAD, InspectionPerm.HANDLE_LEAD)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            reporter: Reporter | None = lead_reporter_view(
                actor=request_user(request), lead=self.lead
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        context = _detail_context(request, self.lead)
        context["reporter"] = reporter
        return render(request, "inspections/leads/detail.html", context)


class LeadActView(_LeadView):
    """The steps (one service each)."""

    permission_required = (InspectionPerm.VIEW_LEAD, InspectionPerm.HANDLE_LEAD)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        lead = self.lead
        form = LeadActionForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            action, version = data["action"], data["version"]
            try:
                done = self._step(user, lead, action, version, data, form)
            except ConflictError as exc:
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"enterprise": "uscc"})
            else:
                if done is not None:
                    messages.success(request, done)
                    return redirect("inspections:lead_detail", pk=lead.pk)
        fresh = lead_for_user(user=user, pk=lead.pk)
        context = _detail_context(request, fresh, form=form)
        return render(request, "inspections/leads/detail.html", context, status=status)

    def _step(
        self,
        user: User,
        lead: Lead,
        action: str,
        version: int,
        data: dict[str, Any],
        form: LeadActionForm,
    ) -> str | None:
        if action == "assign":
            handler = User.objects.filter(pk=data.get("handler") or 0).first()
            if handler is None:
                form.add_error("handler", _("Choose a colleague."))
                return None
            lead_assign(actor=user, lead=lead, handler=handler, expected_version=version)
            return _("The lead is assigned to %(who)s.") % {"who": handler}
        if action == "link":
            enterprise, problem = resolve_enterprise(
                code=data["uscc"], name="", queryset=enterprise_list_for_user(user=user)
            )
            if enterprise is None:
                form.add_error("uscc", problem or _("Enter the entity's credit code."))
                return None
            lead_link_enterprise(
                actor=user, lead=lead, enterprise=enterprise, expected_version=version
            )
            return _("The lead is linked to %(name)s.") % {"name": enterprise.name}
        if action == "extend":
            lead_extend(actor=user, lead=lead, reason=data["reason"], expected_version=version)
            return _("The time to verify is extended.")
        if action == "decide":
            lead_decide(
                actor=user,
                lead=lead,
                decision=data["decision"],
                note=data["note"],
                items=data["items"] or [],
                expected_version=version,
            )
            return _("The decision is recorded.")
        if action == "notify":
            if data.get("notified_on") is None:
                form.add_error("notified_on", _("Give the day the reporter was told."))
                return None
            lead_notify(
                actor=user,
                lead=lead,
                notified_on=data["notified_on"],
                method=data["method"],
                note=data["note"],
                expected_version=version,
            )
            return _("Recorded: the reporter was told.")
        if action == "accept":
            lead_accept(actor=user, lead=lead, expected_version=version)
            return _("The complaint is accepted; mediation is under way.")
        if action == "refuse":
            lead_refuse(actor=user, lead=lead, reason=data["reason"], expected_version=version)
            return _("The complaint is refused.")
        if action == "end_mediation":
            lead_mediation_end(
                actor=user,
                lead=lead,
                outcome=data["outcome"],
                note=data["note"],
                expected_version=version,
            )
            return _("The mediation is ended.")
        lead_violation_found(
            actor=user,
            lead=lead,
            note=data["note"],
            items=data["items"] or [],
            expected_version=version,
        )
        return _("The violation is recorded and an inspection is triggered.")


staff_urlpatterns = [
    path("leads/", LeadQueueView.as_view(), name="lead_list"),
    path("leads/new/", LeadNewView.as_view(), name="lead_new"),
    path("leads/<int:pk>/", LeadDetailView.as_view(), name="lead_detail"),
    path("leads/<int:pk>/act/", LeadActView.as_view(), name="lead_act"),
    path("leads/<int:pk>/reporter/", LeadReporterView.as_view(), name="lead_reporter"),
]
public_urlpatterns: list = []
me_urlpatterns: list = []
