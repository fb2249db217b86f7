"""Pages of sampling plans (issue 17 §1), under /inspections/ (namespace "inspections"):

- `plans/` (`plan_list`): the plans by year (the current year first), with filters (status,
  kind, department, joint, search); `view_samplingplan`.
- `plans/<code>/` (`plan_detail`): items, scope, departments, the strata table (ratio and
  checks per year per stratum), status, the draws of the plan, a link to its pool preview
  (`plan_pool`) and the approve / close buttons.
- `plans/new/` (`plan_create`), `plans/<code>/edit/` (`plan_edit`): the plan with its strata,
  while a draft (`add_` / `change_samplingplan`); `plans/<code>/approve/` (`plan_approve`,
  `approve_samplingplan`): POST with the version read; `plans/<code>/close/` (`plan_close`,
  `change_samplingplan`): a confirmation page (GET), then POST with the version read and the
  confirmation ticked.

A plan is fetched through `plans_for_user` first (another department's: a 404), then the
codenames are checked (a 403). Every write is a service of `inspections.services.plans`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import User
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from inspections.forms.plans import (
    PlanCloseForm,
    PlanFilterForm,
    PlanForm,
    StratumFormSet,
    VersionForm,
    plan_initial,
    strata_initial,
    strata_of,
)
from inspections.models import SamplingPlan
from inspections.permissions import InspectionPerm
from inspections.selectors.plans import (
    localized,
    plan_list_filter,
    plan_years,
    plans_for_user,
    plans_with_lists,
    scope_lines,
    strata_table,
)
from inspections.services.plans import plan_approve, plan_close, plan_save

PAGE_SIZE = 50
STATUS_TONES: dict[str, str] = {
    SamplingPlan.Status.DRAFT: "muted",
    SamplingPlan.Status.APPROVED: "ok",
    SamplingPlan.Status.CLOSED: "bad",
}


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login was checked first
    return user


def _url_or_empty(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


class PlanListView(StaffPermissionMixin, View):
    permission_required = (InspectionPerm.VIEW_PLAN,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        visible = plans_for_user(user=user)
        years = plan_years(visible)
        this_year = timezone.localdate().year
        params = request.GET.copy()
        if "year" not in params and years:
            params["year"] = str(this_year if this_year in years else years[0])
        form = PlanFilterForm(params, years=years)
        data = form.cleaned_data if form.is_valid() else {}
        queryset = plans_with_lists(plan_list_filter(visible, data)).order_by("-year", "code")
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        query = params.copy()
        query.pop("page", None)
        return render(
            request,
            "inspections/plans/list.html",
            {
                "form": form,
                "page_obj": page,
                "rows": [
                    {
                        "plan": p,
                        "name": localized(p.name, p.name_en),
                        "tone": STATUS_TONES.get(p.status, "muted"),
                        "departments": list(p.departments.all()),
                        "strata": list(p.strata.all()),
                        "items_n": len(p.items.all()),
                    }
                    for p in page
                ],
                "query": query.urlencode(),
                "can_add": user.has_perms((InspectionPerm.CHANGE_PLAN, InspectionPerm.ADD_PLAN)),
            },
        )


class PlanScopedView(View):
    """A page about one plan: login (a redirect), the plan through `plans_for_user` (a 404),
    then the codenames (a 403)."""

    permission_required: tuple[str, ...] = (InspectionPerm.VIEW_PLAN,)
    plan: SamplingPlan

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        found = plans_for_user(user=request_user(request)).filter(code=kwargs["code"]).first()
        if found is None:
            raise Http404(_("No sampling plan of your jurisdiction has this code."))
        if not request.user.has_perms(self.permission_required):
            raise PermissionDenied
        self.plan = found
        return super().dispatch(request, *args, **kwargs)


def _can_write(user: User, plan: SamplingPlan) -> bool:
    return departments_of_jurisdiction(user=user).filter(pk=plan.lead_department_id).exists()


class PlanDetailView(PlanScopedView):
    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        user = request_user(request)
        plan = plans_with_lists(SamplingPlan.objects.filter(pk=self.plan.pk)).get()
        writable = _can_write(user, plan)
        draft = plan.status == SamplingPlan.Status.DRAFT
        draws = (
            plan.draws.order_by("-committed_at")
            if user.has_perm(InspectionPerm.VIEW_DRAW)
            else None
        )
        return render(
            request,
            "inspections/plans/detail.html",
            {
                "plan": plan,
                "name": localized(plan.name, plan.name_en),
                "tone": STATUS_TONES.get(plan.status, "muted"),
                "departments": list(plan.departments.all()),
                "joint": len(plan.departments.all()) > 1,
                "items": [
                    {"item": i, "name": localized(i.name, i.name_en)} for i in plan.items.all()
                ],
                "scope": scope_lines(plan),
                "strata": strata_table(plan),
                "draws": draws,
                "pool_url": _url_or_empty("inspections:plan_pool", code=plan.code)
                if user.has_perm(InspectionPerm.VIEW_DRAW)
                else "",
                "version_form": VersionForm(initial={"version": plan.version}),
                "can_edit": draft and writable and user.has_perm(InspectionPerm.CHANGE_PLAN),
                "can_approve": draft and writable and user.has_perm(InspectionPerm.APPROVE_PLAN),
                "can_close": plan.status != SamplingPlan.Status.CLOSED
                and writable
                and user.has_perm(InspectionPerm.CHANGE_PLAN),
            },
        )


class _PlanFormMixin:
    def _editing(self) -> SamplingPlan | None:
        """The plan being edited (None: a new one)."""
        return getattr(self, "plan", None)

    def _forms(self, request: HttpRequest, data: Any = None) -> tuple[PlanForm, Any]:
        user = request_user(request)
        editing = self._editing()
        initial = plan_initial(editing) if editing is not None else None
        form = PlanForm(
            data,
            initial=initial
            or {"year": timezone.localdate().year, "min_inspectors": 2, "kind": "random"},
            lead_departments=departments_of_jurisdiction(user=user),
        )
        formset = StratumFormSet(data, initial=strata_initial(editing), prefix="strata")
        return form, formset

    def _render(
        self, request: HttpRequest, form: PlanForm, formset: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "inspections/plans/form.html",
            {
                "form": form,
                "formset": formset,
                "plan": self._editing(),
                "creating": self._editing() is None,
                "strata_rows": list(zip(formset.forms, strata_table_labels(), strict=False)),
            },
            status=status,
        )

    def _save(self, request: HttpRequest) -> HttpResponse:
        form, formset = self._forms(request, request.POST)
        if not (form.is_valid() & formset.is_valid()):
            return self._render(request, form, formset, 400)
        try:
            plan = plan_save(
                actor=request_user(request),
                data=form.service_data(),
                strata=strata_of(formset),
                plan=self._editing(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ConflictError as exc:
            data = request.POST.copy()
            data["version"] = str(exc.current_version)
            fresh, fresh_set = self._forms(request, data)
            fresh.is_valid()
            fresh_set.is_valid()
            fresh.add_error(None, exc.messages[0])
            return self._render(request, fresh, fresh_set, 409)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, form, formset, 400)
        messages.success(request, _("Plan %(code)s is saved.") % {"code": plan.code})
        return redirect("inspections:plan_detail", code=plan.code)


def strata_table_labels() -> list[str]:
    from inspections.models import Stratum

    return [str(label) for _value, label in Stratum.choices]


class PlanCreateView(StaffPermissionMixin, _PlanFormMixin, View):
    permission_required = (
        InspectionPerm.VIEW_PLAN,
        InspectionPerm.CHANGE_PLAN,
        InspectionPerm.ADD_PLAN,
    )

    def get(self, request: HttpRequest) -> HttpResponse:
        form, formset = self._forms(request)
        return self._render(request, form, formset)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._save(request)


class PlanEditView(_PlanFormMixin, PlanScopedView):
    permission_required = (InspectionPerm.VIEW_PLAN, InspectionPerm.CHANGE_PLAN)

    def _not_draft(self, request: HttpRequest) -> HttpResponse | None:
        if self.plan.status != SamplingPlan.Status.DRAFT:
            messages.error(
                request,
                _("Plan %(code)s is %(status)s: only a draft is edited.")
                % {"code": self.plan.code, "status": self.plan.get_status_display()},
            )
            return redirect("inspections:plan_detail", code=self.plan.code)
        return None

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        refused = self._not_draft(request)
        if refused is not None:
            return refused
        form, formset = self._forms(request)
        return self._render(request, form, formset)

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        refused = self._not_draft(request)
        if refused is not None:
            return refused
        return self._save(request)


class _PlanStepView(PlanScopedView):
    """A POST step with the version read; a refusal comes back as messages on the detail."""

    http_method_names = ["post"]

    def step(self, user: User, plan: SamplingPlan, version: int) -> SamplingPlan:
        raise NotImplementedError

    def done(self, plan: SamplingPlan) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        form = VersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The form was incomplete: reload the page and try again."))
            return redirect("inspections:plan_detail", code=code)
        try:
            plan = self.step(request_user(request), self.plan, form.cleaned_data["version"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("inspections:plan_detail", code=code)
        messages.success(request, self.done(plan))
        return redirect("inspections:plan_detail", code=plan.code)


class PlanApproveView(_PlanStepView):
    permission_required = (InspectionPerm.VIEW_PLAN, InspectionPerm.APPROVE_PLAN)

    def step(self, user: User, plan: SamplingPlan, version: int) -> SamplingPlan:
        return plan_approve(actor=user, plan=plan, expected_version=version)

    def done(self, plan: SamplingPlan) -> str:
        return _("Plan %(code)s is approved: it can be drawn.") % {"code": plan.code}


class PlanCloseView(PlanScopedView):
    """`plans/<code>/close/`: GET asks for the confirmation (what closing does, a box to
    tick), POST closes the plan only with the box ticked (else the page again, 400)."""

    permission_required = (InspectionPerm.VIEW_PLAN, InspectionPerm.CHANGE_PLAN)

    def _render(self, request: HttpRequest, form: PlanCloseForm, status: int = 200) -> HttpResponse:
        plan = self.plan
        return render(
            request,
            "inspections/plans/close.html",
            {
                "plan": plan,
                "name": localized(plan.name, plan.name_en),
                "form": form,
                "draws_n": plan.draws.count(),
            },
            status=status,
        )

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        if self.plan.status == SamplingPlan.Status.CLOSED:
            messages.info(request, _("Plan %(code)s is closed already.") % {"code": code})
            return redirect("inspections:plan_detail", code=code)
        return self._render(request, PlanCloseForm(initial={"version": self.plan.version}))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        form = PlanCloseForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        try:
            plan = plan_close(
                actor=request_user(request),
                plan=self.plan,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("inspections:plan_detail", code=code)
        messages.success(
            request, _("Plan %(code)s is closed: it is no longer drawn.") % {"code": plan.code}
        )
        return redirect("inspections:plan_detail", code=plan.code)


staff_urlpatterns = [
    path("plans/", PlanListView.as_view(), name="plan_list"),
    path("plans/new/", PlanCreateView.as_view(), name="plan_create"),
    path("plans/<slug:code>/", PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<slug:code>/edit/", PlanEditView.as_view(), name="plan_edit"),
    path("plans/<slug:code>/approve/", PlanApproveView.as_view(), name="plan_approve"),
    path("plans/<slug:code>/close/", PlanCloseView.as_view(), name="plan_close"),
]
public_urlpatterns: list = []
me_urlpatterns: list = []
