"""Pages of the list of items, the library of inspectors and recusals (issue 17 §1), under
/inspections/ (namespace "inspections"), and the public list of items with their checklists
(/items/, namespace "inspections-public", throttled like the public lookup).

- `items/` (`item_list`), `items/new/` (`item_create`), `items/<code>/` (`item_detail`),
  `items/<code>/edit/` (`item_edit`): `view_inspectionitem` to read,
  `change_inspectionitem` (and `add_` for a new one) to write, through
  `inspections.services.catalogue.item_save` with the version read.
- `inspectors/` (`inspector_list`), `inspectors/new/` (`inspector_create`),
  `inspectors/<id>/` (`inspector_detail`), `inspectors/<id>/edit/` (`inspector_edit`):
  `view_inspector`, `change_inspector` (and `add_`); the inspectors of the user's jurisdiction.
- `recusals/` (`recusal_list`, `view_recusal`: never public), `recusals/new/`
  (`recusal_create`, `add_recusal`: an inspector declares their own; staff who may change
  inspectors record any of their jurisdiction's), `recusals/<id>/end/` (`recusal_end`,
  `change_recusal`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_safe

from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import User
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from credit_portal.throttling import public_throttle
from enterprises.selectors import enterprise_list_for_user
from inspections.forms.catalogue import (
    InspectorCreateForm,
    InspectorEditForm,
    InspectorFilterForm,
    ItemFilterForm,
    ItemForm,
    RecusalEndForm,
    RecusalForm,
    item_initial,
)
from inspections.models import InspectionItem, Inspector, Recusal
from inspections.permissions import InspectionPerm
from inspections.selectors.plans import (
    inspector_list_filter,
    inspectors_for_user,
    items_list,
    localized,
    public_items,
    recusals_for_user,
)
from inspections.services.catalogue import item_save
from inspections.services.roster import inspector_save, recusal_end, recusal_record

PAGE_SIZE = 50


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login was checked first
    return user


class StaffView(StaffPermissionMixin, View):
    """Login (a redirect), then the view's codenames (a 403)."""

    permission_required: tuple[str, ...] = ()


def _paged(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def checklist_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --------------------------------------------------------------------------- items


class ItemListView(StaffView):
    permission_required = (InspectionPerm.VIEW_ITEM,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        form = ItemFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        active = {"yes": True, "no": False}.get(data.get("active") or "")
        queryset = items_list(
            q=data.get("q") or "", department=data.get("department"), active=active
        )
        page = _paged(request, queryset)
        return render(
            request,
            "inspections/catalogue/item_list.html",
            {
                "form": form,
                "page_obj": page,
                "rows": [{"item": i, "name": localized(i.name, i.name_en)} for i in page],
                "query": _query_without_page(request),
                "can_add": user.has_perms((InspectionPerm.CHANGE_ITEM, InspectionPerm.ADD_ITEM)),
                "here": "items",
            },
        )


def _item_or_404(code: str) -> InspectionItem:
    item = (
        InspectionItem.objects.select_related("department", "required_skill")
        .filter(code=code)
        .first()
    )
    if item is None:
        raise Http404(_("No inspection item has this code."))
    return item


class ItemDetailView(StaffView):
    permission_required = (InspectionPerm.VIEW_ITEM,)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        item = _item_or_404(code)
        user = request_user(request)
        plans = item.plans.select_related("lead_department").order_by("-year", "code")
        return render(
            request,
            "inspections/catalogue/item_detail.html",
            {
                "item": item,
                "name": localized(item.name, item.name_en),
                "checklist": checklist_lines(item.checklist),
                "plans": plans,
                "can_change": user.has_perm(InspectionPerm.CHANGE_ITEM)
                and departments_of_jurisdiction(user=user).filter(pk=item.department_id).exists(),
                "here": "items",
            },
        )


class _ItemFormView(StaffView):
    item: InspectionItem | None = None

    def _form(self, request: HttpRequest, data: Any = None, initial: Any = None) -> ItemForm:
        return ItemForm(
            data,
            initial=initial,
            departments=departments_of_jurisdiction(user=request_user(request)),
        )

    def _render(self, request: HttpRequest, form: ItemForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "inspections/catalogue/item_form.html",
            {"form": form, "item": self.item, "creating": self.item is None, "here": "items"},
            status=status,
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if "code" in kwargs:
            self.item = _item_or_404(kwargs["code"])
        form = self._form(request, request.POST)
        if not form.is_valid():
            return self._render(request, form, 400)
        try:
            item = item_save(
                actor=request_user(request),
                data=form.service_data(),
                item=self.item,
                expected_version=form.cleaned_data.get("version"),
            )
        except ConflictError as exc:
            data = request.POST.copy()
            data["version"] = str(exc.current_version)
            fresh = self._form(request, data)
            fresh.is_valid()
            fresh.add_error(None, exc.messages[0])
            return self._render(request, fresh, 409)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, form, 400)
        messages.success(request, _("Item %(code)s is saved.") % {"code": item.code})
        return redirect("inspections:item_detail", code=item.code)


class ItemCreateView(_ItemFormView):
    permission_required = (
        InspectionPerm.VIEW_ITEM,
        InspectionPerm.CHANGE_ITEM,
        InspectionPerm.ADD_ITEM,
    )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._form(request, initial={"is_active": True}))


class ItemEditView(_ItemFormView):
    permission_required = (InspectionPerm.VIEW_ITEM, InspectionPerm.CHANGE_ITEM)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        self.item = _item_or_404(code)
        return self._render(request, self._form(request, initial=item_initial(self.item)))


@require_safe
@public_throttle
def public_item_list(request: HttpRequest) -> HttpResponse:
    """The list of check items with their checklists, as published to firms (一单)."""
    groups: dict[int, dict[str, Any]] = {}
    for item in public_items():
        group = groups.setdefault(
            item.department_id, {"department": str(item.department), "items": []}
        )
        group["items"].append(
            {
                "item": item,
                "name": localized(item.name, item.name_en),
                "checklist": checklist_lines(item.checklist),
            }
        )
    return render(
        request, "inspections/catalogue/public_items.html", {"groups": list(groups.values())}
    )


# --------------------------------------------------------------------------- inspectors


class InspectorListView(StaffView):
    permission_required = (InspectionPerm.VIEW_INSPECTOR,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        departments = departments_of_jurisdiction(user=user)
        form = InspectorFilterForm(request.GET or None, departments=departments)
        data = form.cleaned_data if form.is_valid() else {}
        queryset = inspector_list_filter(inspectors_for_user(user=user), data)
        page = _paged(request, queryset)
        return render(
            request,
            "inspections/catalogue/inspector_list.html",
            {
                "form": form,
                "page_obj": page,
                "query": _query_without_page(request),
                "can_add": user.has_perms(
                    (InspectionPerm.CHANGE_INSPECTOR, InspectionPerm.ADD_INSPECTOR)
                ),
                "can_see_recusals": user.has_perm(InspectionPerm.VIEW_RECUSAL),
                "here": "inspectors",
            },
        )


def _inspector_or_404(request: HttpRequest, pk: int) -> Inspector:
    found = inspectors_for_user(user=request_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No inspector of your jurisdiction has this number."))
    return found


class InspectorDetailView(StaffView):
    permission_required = (InspectionPerm.VIEW_INSPECTOR,)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        inspector = _inspector_or_404(request, pk)
        user = request_user(request)
        recusals = None
        if user.has_perm(InspectionPerm.VIEW_RECUSAL):
            recusals = (
                Recusal.objects.filter(inspector=inspector)
                .select_related("enterprise", "created_by")
                .order_by("ended_on", "-valid_from")
            )
        return render(
            request,
            "inspections/catalogue/inspector_detail.html",
            {
                "inspector": inspector,
                "profile": getattr(inspector.user, "staff_profile", None),
                "recusals": recusals,
                "can_change": user.has_perm(InspectionPerm.CHANGE_INSPECTOR),
                "can_end": user.has_perm(InspectionPerm.CHANGE_RECUSAL),
                "here": "inspectors",
            },
        )


class InspectorCreateView(StaffView):
    permission_required = (
        InspectionPerm.VIEW_INSPECTOR,
        InspectionPerm.CHANGE_INSPECTOR,
        InspectionPerm.ADD_INSPECTOR,
    )

    def _render(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        return render(
            request,
            "inspections/catalogue/inspector_form.html",
            {"form": form, "creating": True, "here": "inspectors"},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, InspectorCreateForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InspectorCreateForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, 400)
        try:
            inspector = inspector_save(
                actor=request_user(request),
                user=form.cleaned_data["username"],
                skills=form.cleaned_data["skills"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc, aliases={"user": "username"})
            return self._render(request, form, 400)
        messages.success(
            request, _("%(user)s is in the library of inspectors.") % {"user": inspector.user}
        )
        return redirect("inspections:inspector_detail", pk=inspector.pk)


class InspectorEditView(StaffView):
    permission_required = (InspectionPerm.VIEW_INSPECTOR, InspectionPerm.CHANGE_INSPECTOR)

    def _render(
        self, request: HttpRequest, inspector: Inspector, form: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "inspections/catalogue/inspector_form.html",
            {"form": form, "inspector": inspector, "creating": False, "here": "inspectors"},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        inspector = _inspector_or_404(request, pk)
        form = InspectorEditForm(
            initial={
                "version": inspector.version,
                "skills": [s.code for s in inspector.skills.all()],
                "is_active": inspector.is_active,
                "note": inspector.note,
            }
        )
        return self._render(request, inspector, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        inspector = _inspector_or_404(request, pk)
        form = InspectorEditForm(request.POST)
        if not form.is_valid():
            return self._render(request, inspector, form, 400)
        try:
            inspector_save(
                actor=request_user(request),
                inspector=inspector,
                skills=form.cleaned_data["skills"],
                is_active=form.cleaned_data["is_active"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data.get("version"),
            )
        except ConflictError as exc:
            data = request.POST.copy()
            data["version"] = str(exc.current_version)
            fresh = InspectorEditForm(data)
            fresh.is_valid()
            fresh.add_error(None, exc.messages[0])
            return self._render(request, inspector, fresh, 409)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, inspector, form, 400)
        messages.success(request, _("Inspector %(user)s is saved.") % {"user": inspector.user})
        return redirect("inspections:inspector_detail", pk=inspector.pk)


# --------------------------------------------------------------------------- recusals


class RecusalListView(StaffView):
    permission_required = (InspectionPerm.VIEW_RECUSAL,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        show = request.GET.get("show", "open")
        queryset = recusals_for_user(user=user)
        if show != "all":
            queryset = queryset.filter(ended_on__isnull=True)
        page = _paged(request, queryset.order_by("-valid_from", "-pk"))
        return render(
            request,
            "inspections/catalogue/recusal_list.html",
            {
                "page_obj": page,
                "show": show,
                "query": _query_without_page(request),
                "can_add": user.has_perm(InspectionPerm.RECORD_RECUSAL),
                "can_end": user.has_perm(InspectionPerm.CHANGE_RECUSAL),
                "here": "recusals",
            },
        )


def _recusal_inspectors(user: User) -> Any:
    """Whom the user may record a recusal of: any inspector of their jurisdiction for staff who
    change inspectors; otherwise their own entry (an inspector declaring)."""
    if user.has_perm(InspectionPerm.CHANGE_INSPECTOR):
        return inspectors_for_user(user=user).filter(is_active=True)
    return Inspector.objects.filter(user=user).select_related("user", "department")


class RecusalCreateView(StaffView):
    permission_required = (InspectionPerm.RECORD_RECUSAL,)

    def _form(self, request: HttpRequest, data: Any = None) -> RecusalForm:
        user = request_user(request)
        form = RecusalForm(data, inspectors=_recusal_inspectors(user))
        if not user.has_perm(InspectionPerm.CHANGE_INSPECTOR):
            form.fields["origin"].choices = [  # type: ignore[attr-defined]
                (Recusal.Origin.DECLARED.value, Recusal.Origin.DECLARED.label)
            ]
        return form

    def _render(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        return render(
            request,
            "inspections/catalogue/recusal_form.html",
            {"form": form, "here": "recusals"},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        if not form.fields["inspector"].queryset.exists():  # type: ignore[attr-defined]
            messages.info(request, _("You are not in the library of inspectors."))
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        form = self._form(request, request.POST)
        if not form.is_valid():
            return self._render(request, form, 400)
        enterprise = (
            enterprise_list_for_user(user=user).filter(uscc=form.cleaned_data["uscc"]).first()
        )
        if enterprise is None:
            form.add_error("uscc", _("No market entity with this credit code is visible to you."))
            return self._render(request, form, 400)
        try:
            recusal_record(
                actor=user,
                inspector=form.cleaned_data["inspector"],
                enterprise=enterprise,
                origin=form.cleaned_data["origin"],
                reason=form.cleaned_data["reason"],
                valid_from=form.cleaned_data.get("valid_from"),
            )
        except ValidationError as exc:
            form_errors_from(form, exc, aliases={"enterprise": "uscc"})
            return self._render(request, form, 400)
        messages.success(
            request,
            _("The recusal is recorded: %(inspector)s will not be sent to %(enterprise)s.")
            % {"inspector": form.cleaned_data["inspector"], "enterprise": enterprise.name},
        )
        if user.has_perm(InspectionPerm.VIEW_RECUSAL):
            return redirect("inspections:recusal_list")
        return redirect("inspections:recusal_create")


class RecusalEndView(StaffView):
    permission_required = (InspectionPerm.VIEW_RECUSAL, InspectionPerm.CHANGE_RECUSAL)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        recusal = recusals_for_user(user=user).filter(pk=pk).first()
        if recusal is None:
            raise Http404(_("No recusal of your jurisdiction has this number."))
        form = RecusalEndForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the day as YYYY-MM-DD."))
            return redirect("inspections:recusal_list")
        try:
            recusal_end(actor=user, recusal=recusal, ended_on=form.cleaned_data.get("ended_on"))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The recusal of %(inspector)s for %(enterprise)s has ended.")
                % {"inspector": recusal.inspector, "enterprise": recusal.enterprise.name},
            )
        return redirect("inspections:recusal_list")


staff_urlpatterns = [
    path("items/", ItemListView.as_view(), name="item_list"),
    path("items/new/", ItemCreateView.as_view(), name="item_create"),
    path("items/<slug:code>/", ItemDetailView.as_view(), name="item_detail"),
    path("items/<slug:code>/edit/", ItemEditView.as_view(), name="item_edit"),
    path("inspectors/", InspectorListView.as_view(), name="inspector_list"),
    path("inspectors/new/", InspectorCreateView.as_view(), name="inspector_create"),
    path("inspectors/<int:pk>/", InspectorDetailView.as_view(), name="inspector_detail"),
    path("inspectors/<int:pk>/edit/", InspectorEditView.as_view(), name="inspector_edit"),
    path("recusals/", RecusalListView.as_view(), name="recusal_list"),
    path("recusals/new/", RecusalCreateView.as_view(), name="recusal_create"),
    path("recusals/<int:pk>/end/", RecusalEndView.as_view(), name="recusal_end"),
]
public_urlpatterns = [
    path("items/", public_item_list, name="items"),
]
me_urlpatterns: list = []
