"""Inspections work, staff pages under /inspections/ (issue 17 §4, §6), phone-width first:

- `tasks/` (`inspections:tasks`): the task list. An inspector starts on their own tasks
  (through their assignments), due first, overdue marked, each with the entity, its address,
  the items grouped by plan and department (a joint visit: every plan's), the co-inspectors;
  other views: the department's, to review, to publish, all (filters: status, origin,
  overdue, credit code or name).
- `<id>/` (`inspections:inspection`): one inspection: items with their checklists, inspectors,
  the result, the follow-ups; the supervisor's review and publication.
- `<id>/record/` (`inspections:record`): the result form (an assigned inspector).
- `<id>/review/`, `<id>/publish/` (POST): a supervisor (`review_inspection`).
- `<id>/assign/` (`inspections:assign`): the inspectors of a triggered inspection, by hand
  (`handle_lead` or `review_inspection`).

Every page needs `view_inspection` and shows only what `inspections_for_user` lets the user
see (404 otherwise); each action its own codename (403), then the service's rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import User
from credit_portal.permissions import StaffPermissionMixin
from inspections import rules
from inspections.forms.inspections import (
    SCOPE_LABELS,
    AssignForm,
    RecordForm,
    ReviewForm,
    TaskFilterForm,
    VersionForm,
)
from inspections.models import Inspection
from inspections.permissions import InspectionPerm
from inspections.selectors.inspections import (
    SCOPE_MINE,
    SCOPES,
    assignments_of,
    check_groups,
    default_scope,
    inspection_for_user,
    is_inspector,
    rows_with_details,
    task_list,
    timing,
)
from inspections.services.inspections import (
    TO_RECORD,
    codes_text_zh,
    inspection_assign,
    inspection_publish,
    inspection_record,
    inspection_review,
    inspectors_available,
    is_assigned,
    within_jurisdiction,
)

PAGE_SIZE = 30
Status = Inspection.Status


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login was checked first
    return user


class WorkView(StaffPermissionMixin, View):
    """A page of the inspections work: login (a redirect), then `view_inspection` and the
    view's own codenames (a 403)."""

    extra_permissions: tuple[str, ...] = ()

    def get_permission_required(self) -> tuple[str, ...]:
        return (InspectionPerm.VIEW_INSPECTION, *self.extra_permissions)


def can_assign(user: User, inspection: Inspection) -> bool:
    return (
        inspection.origin == Inspection.Origin.TRIGGERED
        and inspection.status == Status.ASSIGNED
        and (user.has_perm(InspectionPerm.HANDLE_LEAD) or user.has_perm(InspectionPerm.REVIEW))
        and within_jurisdiction(user, inspection)
    )


def _actions(user: User, inspection: Inspection) -> dict[str, bool]:
    reviewer = user.has_perm(InspectionPerm.REVIEW) and within_jurisdiction(user, inspection)
    assigned = is_assigned(user, inspection)
    return {
        "can_record": (
            user.has_perm(InspectionPerm.RECORD) and assigned and inspection.status in TO_RECORD
        ),
        "can_review": (
            reviewer
            and inspection.status == Status.RECORDED
            and not assigned
            and inspection.recorded_by_id != user.pk
        ),
        "can_publish": reviewer and inspection.status == Status.REVIEWED,
        "can_assign": can_assign(user, inspection),
        "assigned": assigned,
    }


class TaskListView(WorkView):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        today = timezone.localdate()
        form = TaskFilterForm(request.GET or None)
        data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
        scope = data.get("scope") or default_scope(user)
        qs = task_list(
            user=user,
            scope=scope,
            today=today,
            status=data.get("status") or "",
            origin=data.get("origin") or "",
            overdue=bool(data.get("overdue")),
            search=data.get("q") or "",
            year=data.get("year"),
            division=data.get("division") or "",
            with_result=bool(data.get("with_result")),
            problems=bool(data.get("problems")),
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        details = rows_with_details(rows)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "inspections/work/tasks.html",
            {
                "form": form,
                "scope": scope,
                "scopes": [
                    (s, SCOPE_LABELS[s]) for s in SCOPES if s != SCOPE_MINE or is_inspector(user)
                ],
                "rows": [
                    {
                        "i": i,
                        "timing": timing(i, today),
                        "groups": details[i.pk]["groups"],
                        "inspectors": details[i.pk]["inspectors"],
                        "codes": codes_text_zh(i.result_codes or []),
                    }
                    for i in rows
                ],
                "page_obj": page,
                "query": query.urlencode(),
                "today": today,
            },
        )


def _detail(
    request: HttpRequest,
    inspection: Inspection,
    *,
    review_form: ReviewForm | None = None,
    publish_form: VersionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    actions = _actions(user, inspection)
    codes = list(inspection.result_codes or [])
    return render(
        request,
        "inspections/work/detail.html",
        {
            "i": inspection,
            "timing": timing(inspection, today),
            "groups": check_groups(inspection),
            "assignments": assignments_of(inspection),
            "codes": [(c, rules.RESULT_CODES.get(c, c)) for c in codes],
            "follow_up": inspection.follow_up or {},
            "review_form": review_form
            # No decision chosen beforehand: the supervisor picks approve or return (a new
            # user approved by default without reading: issue 17 leftovers).
            or ReviewForm(initial={"version": inspection.version}),
            "publish_form": publish_form or VersionForm(initial={"version": inspection.version}),
            "has_6": rules.UNREACHABLE in codes,
            "has_c": rules.FALSE_INFORMATION in codes,
            "working_days": rules.PUBLICATION_WORKING_DAYS,
            "today": today,
            **actions,
        },
        status=status,
    )


class InspectionDetailView(WorkView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, inspection_for_user(user=_user(request), pk=pk))


class RecordView(WorkView):
    extra_permissions = (InspectionPerm.RECORD,)

    def _page(
        self, request: HttpRequest, inspection: Inspection, form: RecordForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "inspections/work/record.html",
            {
                "i": inspection,
                "form": form,
                "rows": form.check_rows(),
                "assignments": assignments_of(inspection),
                "b_code": rules.ORDER_TO_DISCLOSE,
            },
            status=status,
        )

    def _checks(self, inspection: Inspection) -> list[Any]:
        return list(
            inspection.checks.select_related("item", "plan").order_by("plan__code", "item__code")
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        inspection = inspection_for_user(user=_user(request), pk=pk)
        initial: dict[str, Any] = {
            "version": inspection.version,
            "result_codes": inspection.result_codes,
            "findings": inspection.findings,
            "checked_from": inspection.checked_from,
            "check_ended_on": inspection.check_ended_on,
        }
        request_data = (inspection.follow_up or {}).get("order_request") or {}
        initial["disclose_items"] = request_data.get("items") or []
        initial["order_number"] = request_data.get("document_number") or ""
        checks = self._checks(inspection)
        for check in checks:
            if check.result != check.Result.PENDING:
                initial[f"check_{check.pk}"] = check.result
            initial[f"note_{check.pk}"] = check.note
        form = RecordForm(initial=initial, checks=checks)
        return self._page(request, inspection, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        form = RecordForm(request.POST, checks=self._checks(inspection))
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection_record(
                    actor=user,
                    inspection=inspection,
                    checks=form.checks_data(),
                    result_codes=data["result_codes"],
                    findings=data["findings"],
                    checked_from=data["checked_from"],
                    check_ended_on=data["check_ended_on"],
                    expected_version=data["version"],
                    disclose_items=data["disclose_items"],
                    order_number=data["order_number"],
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                return self._page(request, inspection, form, status=409)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Result recorded; it awaits the supervisor's review."))
                return redirect("inspections:inspection", pk=inspection.pk)
        return self._page(request, inspection, form, status=400)


class ReviewView(WorkView):
    extra_permissions = (InspectionPerm.REVIEW,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = inspection_review(
                    actor=user,
                    inspection=inspection,
                    decision=data["decision"],
                    expected_version=data["version"],
                    note=data["note"],
                    confirm_unreachable=data["confirm_unreachable"],
                    self_correction=data["self_correction"],
                    self_correction_reason=data["self_correction_reason"],
                    publish_now=data["publish_now"],
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                return _detail(request, inspection, review_form=form, status=409)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                if done.status == Status.RETURNED:
                    messages.success(request, _("Result returned to the inspectors."))
                elif done.status == Status.PUBLISHED:
                    messages.success(request, _("Result approved and published."))
                else:
                    messages.success(request, _("Result approved; publish it by its due day."))
                return redirect("inspections:inspection", pk=inspection.pk)
        return _detail(request, inspection, review_form=form, status=400)


class PublishView(WorkView):
    extra_permissions = (InspectionPerm.REVIEW,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                inspection_publish(
                    actor=user, inspection=inspection, expected_version=form.cleaned_data["version"]
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                return _detail(request, inspection, publish_form=form, status=409)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Result published on the public credit page."))
                return redirect("inspections:inspection", pk=inspection.pk)
        return _detail(request, inspection, publish_form=form, status=400)


class AssignView(WorkView):
    def _check(self, request: HttpRequest, pk: int) -> tuple[User, Inspection]:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        if not (user.has_perm(InspectionPerm.HANDLE_LEAD) or user.has_perm(InspectionPerm.REVIEW)):
            raise PermissionDenied
        return user, inspection

    def _page(
        self, request: HttpRequest, inspection: Inspection, form: AssignForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "inspections/work/assign.html",
            {
                "i": inspection,
                "form": form,
                "assignments": assignments_of(inspection),
                "groups": check_groups(inspection),
                "minimum": rules.MIN_INSPECTORS,
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        inspection = self._check(request, pk)[1]
        current = [a.inspector_id for a in assignments_of(inspection)]
        form = AssignForm(
            initial={"version": inspection.version, "inspectors": current},
            available=inspectors_available(inspection=inspection),
        )
        return self._page(request, inspection, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user, inspection = self._check(request, pk)
        form = AssignForm(request.POST, available=inspectors_available(inspection=inspection))
        if form.is_valid():
            chosen = list(form.cleaned_data["inspectors"])
            # Keep the order of the page (the lead department's first).
            position = {i.pk: n for n, i in enumerate(form.ordered)}
            chosen.sort(key=lambda i: position.get(i.pk, 0))
            try:
                inspection_assign(
                    actor=user,
                    inspection=inspection,
                    inspectors=chosen,
                    expected_version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                return self._page(request, inspection, form, status=409)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Inspectors assigned."))
                return redirect("inspections:inspection", pk=inspection.pk)
        return self._page(request, inspection, form, status=400)


staff_urlpatterns = [
    path("tasks/", TaskListView.as_view(), name="tasks"),
    path("<int:pk>/", InspectionDetailView.as_view(), name="inspection"),
    path("<int:pk>/record/", RecordView.as_view(), name="record"),
    path("<int:pk>/review/", ReviewView.as_view(), name="review"),
    path("<int:pk>/publish/", PublishView.as_view(), name="publish"),
    path("<int:pk>/assign/", AssignView.as_view(), name="assign"),
]
public_urlpatterns: list = []
me_urlpatterns: list = []
