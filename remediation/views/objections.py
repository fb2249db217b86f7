"""Pages of objections to listings (异议, docs/domain.md §3 "Objections and errors").

Staff (namespace "remediation", under /remediation/):
- objections/             the queue: due first, overdue on top; filters;
- objections/new/         record a paper objection (?case=<case id>; or ?uscc=<credit code> to
                          choose among the entity's listings in force);
- objections/<id>/        one objection: the listing, grounds, due dates, history; the
                          officer's steps (accept, do not accept, uphold, reject);
- objections/<id>/act/    the steps (POST).

Enterprise (namespace "me-remediation", under /me/):
- objections/                   its listings in force with the window to object, and its
                                objections with their status, due dates and reasons;
- objections/new/<case id>/     the objection form for one listing ("objection_new");
- objections/<id>/              one of its objections; withdraw.

Access: staff pages need a login, then the object through jurisdiction (404: who decided,
acts), then the codename (403); enterprise pages need a membership (403) and show only the
member's enterprise (404 for anything else).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent
from credit_portal.permissions import StaffPermissionMixin
from enterprises.selectors.accounts import member_enterprise
from enterprises.uscc import normalize
from remediation import rules
from remediation.forms.objections import (
    ObjectionActionForm,
    ObjectionFileForm,
    ObjectionPaperForm,
    ObjectionQueueFilterForm,
    ObjectionWithdrawForm,
)
from remediation.models import DirectoryCase, ListingObjection
from remediation.permissions import RemediationPerm
from remediation.selectors.directory import cases_for_user
from remediation.selectors.objections import (
    objectable_listings,
    objection_deadlines,
    objection_due,
    objection_for_user,
    objection_queue,
    objections_for_user,
)
from remediation.services.objections import (
    OPEN_STATUSES,
    objection_accept,
    objection_decide,
    objection_file,
    objection_not_accept,
    objection_window,
    objection_withdraw,
)
from remediation.views.common import ObjectScopedView, request_user

PAGE_SIZE = 30
Status = ListingObjection.Status
STATUS_TONES: dict[str, str] = {
    Status.RECEIVED: "",
    Status.ACCEPTED: "",
    Status.NOT_ACCEPTED: "muted",
    Status.UPHELD: "ok",
    Status.REJECTED: "bad",
    Status.WITHDRAWN: "muted",
}


def _limits() -> dict[str, int]:
    return {
        "days": rules.OBJECTION_DAYS,
        "acceptance": rules.OBJECTION_ACCEPTANCE_WORKING_DAYS,
        "verification": rules.OBJECTION_VERIFICATION_WORKING_DAYS,
    }


def _events(objection: ListingObjection) -> list[dict[str, Any]]:
    found = AuditEvent.objects.filter(
        target_type=ListingObjection._meta.label_lower, target_id=str(objection.pk)
    ).order_by("-occurred_at", "-id")[:50]
    return [{"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in found]


# --------------------------------------------------------------------------- staff


class ObjectionQueueView(StaffPermissionMixin, View):
    """The queue of objections, due first."""

    permission_required = RemediationPerm.VIEW_OBJECTION

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        form = ObjectionQueueFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        queue = objection_queue(
            user=user,
            today=today,
            status=data.get("status", ""),
            overdue=bool(data.get("overdue")),
            search=data.get("q", ""),
        )
        page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            {"o": o, "due": objection_due(o, today=today), "tone": STATUS_TONES.get(o.status, "")}
            for o in page.object_list
        ]
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "remediation/objections/list.html",
            {
                "form": form,
                "rows": rows,
                "page_obj": page,
                "query": query.urlencode(),
                "filters_in_use": sum(1 for k in ("status", "overdue", "q") if data.get(k)),
                "open_count": objections_for_user(user=user)
                .filter(status__in=OPEN_STATUSES)
                .count(),
                "overdue_count": objection_queue(user=user, today=today, overdue=True).count(),
                "can_decide": user.has_perm(RemediationPerm.DECIDE_OBJECTION),
                "any_provisional": any(r["due"] and r["due"].deadline.provisional for r in rows),
                "limits": _limits(),
                "today": today,
            },
        )


class ObjectionPaperView(StaffPermissionMixin, View):
    """A paper objection entered by staff, with the day the bureau received it."""

    permission_required = (RemediationPerm.VIEW_OBJECTION, RemediationPerm.DECIDE_OBJECTION)
    template_name = "remediation/objections/paper.html"

    def _case(self, request: HttpRequest, raw: Any) -> DirectoryCase | None:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            return None
        return (
            cases_for_user(user=request_user(request))
            .select_related("listing_record")
            .filter(pk=pk)
            .first()
        )

    def _render(
        self, request: HttpRequest, form: Any, case: DirectoryCase | None, status: int = 200
    ) -> HttpResponse:
        today = timezone.localdate()
        uscc = normalize(request.GET.get("uscc", ""))
        choices = []
        if case is None and uscc:
            choices = list(
                cases_for_user(user=request_user(request))
                .filter(enterprise__uscc=uscc, state=DirectoryCase.State.LISTED)
                .select_related("listing_record")
                .order_by("-listed_on", "-id")
            )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "case": case,
                "window": objection_window(case) if case is not None else None,
                "uscc": uscc,
                "choices": [(c, objection_window(c)) for c in choices],
                "limits": _limits(),
                "today": today,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        case = self._case(request, request.GET.get("case"))
        if request.GET.get("case") and case is None:
            raise Http404(_("No directory case with this number is visible to you."))
        form = ObjectionPaperForm(
            initial={"case": case.pk if case else None, "received_on": timezone.localdate()}
        )
        return self._render(request, form, case)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ObjectionPaperForm(request.POST)
        case = self._case(request, request.POST.get("case"))
        if case is None:
            raise Http404(_("No directory case with this number is visible to you."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                objection = objection_file(
                    actor=request_user(request),
                    case=case,
                    grounds=data["grounds"],
                    received_on=data["received_on"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                )
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"case": "__all__"})
            else:
                messages.success(
                    request,
                    _("Objection no. %(id)d is recorded; its acceptance is due by %(day)s.")
                    % {"id": objection.pk, "day": objection.acceptance_due},
                )
                return redirect("remediation:objection_detail", pk=objection.pk)
        return self._render(request, form, case, status=400)


class _ObjectionView(ObjectScopedView):
    permission_required: tuple[str, ...] = (RemediationPerm.VIEW_OBJECTION,)
    objection: ListingObjection

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.objection = objection_for_user(user=request_user(request), pk=pk)


def _action_form(objection: ListingObjection, data: Any = None) -> ObjectionActionForm:
    if data is not None:
        return ObjectionActionForm(data)
    return ObjectionActionForm(initial={"version": objection.version})


def _detail_context(request: HttpRequest, objection: ListingObjection) -> dict[str, Any]:
    today = timezone.localdate()
    user = request_user(request)
    due = objection_due(objection, today=today)
    deadlines = objection_deadlines(objection)
    return {
        "o": objection,
        "case": objection.case,
        "record": objection.case.listing_record,
        "window": objection_window(objection.case),
        "tone": STATUS_TONES.get(objection.status, ""),
        "due": due,
        "deadlines": deadlines,
        "any_provisional": any(d.provisional for d in deadlines.values() if d is not None),
        "events": _events(objection),
        "can_decide": user.has_perm(RemediationPerm.DECIDE_OBJECTION),
        "limits": _limits(),
        "today": today,
    }


class ObjectionDetailView(_ObjectionView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        context = _detail_context(request, self.objection)
        context["form"] = _action_form(self.objection)
        return render(request, "remediation/objections/detail.html", context)


class ObjectionActView(_ObjectionView):
    """The officer's step: accept, do not accept, uphold, reject (one service each)."""

    permission_required = (RemediationPerm.VIEW_OBJECTION, RemediationPerm.DECIDE_OBJECTION)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = _action_form(self.objection, request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            user, obj, version = request_user(request), self.objection, data["version"]
            action = data["action"]
            try:
                if action == "accept":
                    objection_accept(actor=user, objection=obj, expected_version=version)
                    done = _("The objection is accepted; verify it by the date shown.")
                elif action == "not_accept":
                    objection_not_accept(
                        actor=user, objection=obj, reasons=data["reasons"], expected_version=version
                    )
                    done = _("The objection is not accepted; the enterprise sees why.")
                else:
                    upheld = action == "uphold"
                    objection_decide(
                        actor=user,
                        objection=obj,
                        upheld=upheld,
                        reasons=data["reasons"],
                        expected_version=version,
                    )
                    done = (
                        _("The objection is upheld: the listing is revoked and no longer public.")
                        if upheld
                        else _("The objection is rejected: the listing stands.")
                    )
            except ConflictError as exc:
                fresh = request.POST.copy()
                fresh["version"] = str(exc.current_version)
                form = _action_form(obj, fresh)
                form.is_valid()
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"upheld": "__all__"})
            else:
                messages.success(request, done)
                return redirect("remediation:objection_detail", pk=obj.pk)
        objection = objection_for_user(user=request_user(request), pk=self.objection.pk)
        context = _detail_context(request, objection)
        context["form"] = form
        return render(request, "remediation/objections/detail.html", context, status=status)


# --------------------------------------------------------------------------- enterprise


@login_required
def me_objections(request: HttpRequest) -> HttpResponse:
    """The enterprise's listings in force with the window to object, and its objections."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    today = timezone.localdate()
    objections = list(
        ListingObjection.objects.filter(enterprise=enterprise)
        .select_related("case")
        .order_by("-received_on", "-id")
    )
    dues = [objection_due(o, today=today) for o in objections]
    rows = [
        {"o": o, "due": due, "tone": STATUS_TONES.get(o.status, "")}
        for o, due in zip(objections, dues, strict=True)
    ]
    listings = [
        {
            "case": case,
            "window": window,
            "open": window.open_on(today),
            "latest": latest,
            "latest_open": latest is not None and latest.status in OPEN_STATUSES,
        }
        for case, window, latest in objectable_listings(enterprise=enterprise, today=today)
    ]
    return render(
        request,
        "remediation/objections/me_list.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "listings": listings,
            "objections": rows,
            "any_provisional": any(d is not None and d.deadline.provisional for d in dues),
            "limits": _limits(),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def me_objection_new(request: HttpRequest, case_pk: int) -> HttpResponse:
    """The objection form for one of the enterprise's listings (or its mark)."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    today = timezone.localdate()
    case = (
        DirectoryCase.objects.select_related("listing_record", "department")
        .filter(pk=case_pk, enterprise=enterprise)
        .exclude(listed_on__isnull=True)
        .first()
    )
    if case is None:
        raise Http404(_("No listing of your enterprise with this number."))
    window = objection_window(case)
    status = 200
    if request.method == "POST":
        form = ObjectionFileForm(request.POST)
        if form.is_valid():
            try:
                objection = objection_file(
                    actor=user,
                    case=case,
                    grounds=form.cleaned_data["grounds"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                )
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"case": "__all__", "received_on": "__all__"})
            else:
                messages.success(
                    request,
                    _(
                        "Your objection no. %(id)d has been received. The bureau decides whether "
                        "to accept it by %(day)s."
                    )
                    % {"id": objection.pk, "day": objection.acceptance_due},
                )
                return redirect("me-remediation:objection_detail", pk=objection.pk)
        status = 400
    else:
        form = ObjectionFileForm(
            initial={
                "contact_name": enterprise.legal_rep_name,
                "contact_phone": getattr(user.enterprise_membership, "phone", ""),
            }
        )
    return render(
        request,
        "remediation/objections/me_new.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "case": case,
            "record": case.listing_record,
            "window": window,
            "open": window is not None and window.open_on(today) and case.state == "listed",
            "form": form,
            "limits": _limits(),
            "today": today,
        },
        status=status,
    )


def _own_objection(request: HttpRequest, pk: int) -> ListingObjection:
    enterprise = member_enterprise(user=request_user(request))
    found = (
        ListingObjection.objects.select_related("case", "case__listing_record", "enterprise")
        .filter(pk=pk, enterprise=enterprise)
        .first()
    )
    if found is None:
        raise Http404(_("No objection of your enterprise with this number."))
    return found


@login_required
@never_cache
def me_objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objection = _own_objection(request, pk)
    today = timezone.localdate()
    deadlines = objection_deadlines(objection)
    return render(
        request,
        "remediation/objections/me_detail.html",
        {
            "enterprise": objection.enterprise,
            "membership": request_user(request).enterprise_membership,
            "o": objection,
            "case": objection.case,
            "window": objection_window(objection.case),
            "tone": STATUS_TONES.get(objection.status, ""),
            "due": objection_due(objection, today=today),
            "deadlines": deadlines,
            "any_provisional": any(d.provisional for d in deadlines.values() if d is not None),
            "withdraw_form": ObjectionWithdrawForm(initial={"version": objection.version}),
            "can_withdraw": objection.status in OPEN_STATUSES,
            "limits": _limits(),
            "today": today,
        },
    )


@login_required
@require_POST
def me_objection_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    objection = _own_objection(request, pk)
    form = ObjectionWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; try again."))
        return redirect("me-remediation:objection_detail", pk=pk)
    try:
        objection_withdraw(
            actor=request_user(request),
            objection=objection,
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your objection has been withdrawn."))
    return redirect("me-remediation:objection_detail", pk=pk)


staff_urlpatterns = [
    path("objections/", ObjectionQueueView.as_view(), name="objection_list"),
    path("objections/new/", ObjectionPaperView.as_view(), name="objection_new"),
    path("objections/<int:pk>/", ObjectionDetailView.as_view(), name="objection_detail"),
    path("objections/<int:pk>/act/", ObjectionActView.as_view(), name="objection_act"),
]
me_urlpatterns = [
    path("objections/", me_objections, name="objections"),
    path("objections/new/<int:case_pk>/", me_objection_new, name="objection_new"),
    path("objections/<int:pk>/", me_objection_detail, name="objection_detail"),
    path("objections/<int:pk>/withdraw/", me_objection_withdraw, name="objection_withdraw"),
]
