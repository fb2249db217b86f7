"""Staff pages of the policy catalogue (namespace "policies", under /station/policies/; issue 18
§3 "a catalogue administrators keep"; docs/domain.md §10 "Enquiries" is not this: the rules of
the conditions are `station.rules`):

- station/policies/            the measures (active first, then retired), filter and search;
- station/policies/new/        add a measure (add_policymeasure);
- station/policies/<id>/       one measure: its fields and conditions edited as a form (a fact,
                               an operator, a value per row), retired or reinstated, its history
                               (change_policymeasure to act, view_policymeasure to read).

Every write is `measure_save` (validated, versioned, audited). A save from a page read before
someone else's is refused (409) naming both versions, keeping what this user typed; the hidden
version moves on, so saving again is deliberate. A measure's issuing department is one of the
user's jurisdiction (`departments_of_jurisdiction`); a measure issued by a department outside
it is read, not changed (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from credit_portal.audit import event_label
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent, User
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from station import audit_events as events
from station.forms import (
    ConditionFormSet,
    MeasureForm,
    condition_rows_initial,
    conditions_from_rows,
)
from station.models import PolicyMeasure
from station.rules import CONDITION_TYPES, FACTS, OPERATORS, allowed_codes, condition_parts
from station.selectors.catalogue import measure_list, measure_may_change
from station.services import measure_save

VIEW = "station.view_policymeasure"
ADD = "station.add_policymeasure"
CHANGE = "station.change_policymeasure"
PAGE_SIZE = 50
ROWS_PREFIX = "cond"


def _user(request: HttpRequest) -> User:
    user: Any = request.user
    return user


def _code_lists() -> list[dict[str, Any]]:
    """The codes a list condition accepts, for the page's help."""
    return [
        {"fact": FACTS[fact].label, "codes": sorted(allowed_codes(type_code).items())}
        for fact, type_code in (
            ("entity_type", "entity_types"),
            ("industry_section", "industry_sections"),
            ("industry_division", "industry_divisions"),
        )
    ]


def _fact_help() -> list[dict[str, Any]]:
    return [
        {
            "label": fact.label,
            "operators": ", ".join(str(OPERATORS[o]) for o in fact.operators),
            "kind": CONDITION_TYPES[next(iter(fact.operators.values()))].value_kind,
        }
        for fact in FACTS.values()
    ]


class MeasureListView(StaffPermissionMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "")
        search = (request.GET.get("q", "") or "").strip()[:100]
        qs = measure_list(active={"active": True, "retired": False}.get(state), search=search)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "station/staff/list.html",
            {
                "page_obj": page,
                "state": state,
                "q": search,
                "can_add": _user(request).has_perm(ADD),
            },
        )


class _MeasureFormView(StaffPermissionMixin, View):
    """The add and edit pages: the measure's form and its condition rows."""

    measure: PolicyMeasure | None = None

    def _forms(self, request: HttpRequest, data: Any = None) -> tuple[MeasureForm, Any]:
        departments = departments_of_jurisdiction(user=_user(request))
        measure = self.measure
        initial: dict[str, Any] = {}
        rows: list[Any] = condition_rows_initial([])
        if measure is not None:
            initial = {
                field: getattr(measure, field)
                for field in (
                    "code",
                    "title",
                    "benefit",
                    "summary",
                    "how_to_apply",
                    "document_number",
                    "document_url",
                    "valid_from",
                    "valid_until",
                )
            }
            initial["department"] = measure.department_id
            initial["version"] = measure.version
            rows = condition_rows_initial(list(measure.conditions or []))
        form = MeasureForm(
            data, initial=initial, departments=departments, editing=measure is not None
        )
        formset = ConditionFormSet(data, initial=rows, prefix=ROWS_PREFIX)
        return form, formset

    def _render(
        self,
        request: HttpRequest,
        form: MeasureForm,
        formset: Any,
        *,
        status: int = 200,
        conflict: bool = False,
        differences: list[dict[str, Any]] | None = None,
    ) -> HttpResponse:
        measure = self.measure
        user = _user(request)
        return render(
            request,
            "station/staff/form.html",
            {
                "measure": measure,
                "form": form,
                "formset": formset,
                "conflict": conflict,
                "differences": differences or [],
                "can_change": measure is None or measure_may_change(user=user, measure=measure),
                "facts": _fact_help(),
                "code_lists": _code_lists(),
                "history": _history(measure) if measure is not None else [],
            },
            status=status,
        )

    def _save(self, request: HttpRequest) -> HttpResponse:
        form, formset = self._forms(request, request.POST)
        form_ok = form.is_valid()
        rows_ok = formset.is_valid()
        conditions = conditions_from_rows(formset) if rows_ok else None
        if not form_ok or conditions is None:
            return self._render(request, form, formset, status=400)
        data = {**form.service_data(), "conditions": conditions}
        try:
            saved = measure_save(
                actor=_user(request),
                data=data,
                measure=self.measure,
                expected_version=form.cleaned_data["version"] if self.measure else None,
            )
        except ConflictError as exc:
            return self._conflict(request, exc)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, form, formset, status=400)
        messages.success(request, _("The measure %(code)s is saved.") % {"code": saved.code})
        return redirect("policies:edit", pk=saved.pk)

    def _conflict(self, request: HttpRequest, exc: ConflictError) -> HttpResponse:
        assert self.measure is not None  # noqa: S101 - only a change conflicts
        self.measure = PolicyMeasure.objects.select_related("department").get(pk=self.measure.pk)
        data = request.POST.copy()
        data["version"] = str(self.measure.version)
        form, formset = self._forms(request, data)
        form.is_valid()
        formset.is_valid()
        form.add_error(None, exc)
        differences = _differences(self.measure, form, formset)
        return self._render(
            request, form, formset, status=409, conflict=True, differences=differences
        )


def _differences(measure: PolicyMeasure, form: MeasureForm, formset: Any) -> list[dict[str, Any]]:
    """Where the saved measure differs from what this user typed (a conflict's page)."""
    data = getattr(form, "cleaned_data", {}) or {}
    found = []
    for name, field in form.fields.items():
        if name == "version" or name not in data:
            continue
        saved = getattr(measure, name)
        yours = data[name]
        if (saved or "") != (yours or ""):
            found.append({"label": field.label, "saved": saved or "—", "yours": yours or "—"})
    yours_conditions = conditions_from_rows(formset) if formset.is_valid() else None
    if yours_conditions is not None and yours_conditions != list(measure.conditions or []):
        found.append(
            {
                "label": pgettext("policy", "Conditions"),
                "saved": _conditions_text(list(measure.conditions or [])),
                "yours": _conditions_text(yours_conditions),
            }
        )
    return found


def _conditions_text(conditions: list[Any]) -> str:
    parts = []
    for condition in conditions:
        fact, operator, value = condition_parts(condition)
        label = FACTS[fact].label if fact in FACTS else fact
        parts.append(" ".join(str(p) for p in (label, OPERATORS.get(operator, ""), value) if p))
    return "; ".join(parts)


def _history(measure: PolicyMeasure) -> list[dict[str, Any]]:
    rows = (
        AuditEvent.objects.filter(
            event_type=events.MEASURE_SAVED,
            target_type=PolicyMeasure._meta.label_lower,
            target_id=str(measure.pk),
        )
        .select_related("actor")
        .order_by("-id")[:50]
    )
    return [
        {
            "event": e,
            "label": event_label(e.event_type),
            "version": (e.extra or {}).get("version", ""),
            "changed": ", ".join((e.extra or {}).get("changed") or []),
            "created": bool((e.extra or {}).get("created")),
        }
        for e in rows
    ]


class MeasureCreateView(_MeasureFormView):
    permission_required = ADD

    def get(self, request: HttpRequest) -> HttpResponse:
        form, formset = self._forms(request)
        return self._render(request, form, formset)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._save(request)


class MeasureEditView(_MeasureFormView):
    permission_required = VIEW

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        found = PolicyMeasure.objects.select_related("department").filter(pk=kwargs["pk"]).first()
        if found is None:
            raise Http404(_("No such measure."))
        self.measure = found
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        form, formset = self._forms(request)
        return self._render(request, form, formset)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        measure = self.measure
        assert measure is not None  # noqa: S101 - set by dispatch
        if not measure_may_change(user=_user(request), measure=measure):
            raise PermissionDenied
        action = request.POST.get("action", "save")
        if action in ("retire", "reinstate"):
            return self._retire(request, measure, active=action == "reinstate")
        return self._save(request)

    def _retire(
        self, request: HttpRequest, measure: PolicyMeasure, *, active: bool
    ) -> HttpResponse:
        version = request.POST.get("version", "")
        if not version.isdigit():
            messages.error(request, _("Reload the page and try again."))
            return redirect("policies:edit", pk=measure.pk)
        try:
            measure_save(
                actor=_user(request),
                measure=measure,
                expected_version=int(version),
                data={"is_active": active},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The measure is offered again.")
                if active
                else _("The measure is retired: enterprises are no longer offered it."),
            )
        return redirect("policies:edit", pk=measure.pk)


staff_urlpatterns = [
    path("", MeasureListView.as_view(), name="list"),
    path("new/", MeasureCreateView.as_view(), name="new"),
    path("<int:pk>/", MeasureEditView.as_view(), name="edit"),
]
