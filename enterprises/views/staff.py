"""Staff pages of the register: list (filters, search, sorting, pagination, XLSX export),
detail with the ledger timeline and the audit history, create, edit and status changes.

Thin views: they parse the input (filter set, forms), authorise, call one service and render.
Enterprise-scoped pages fetch the enterprise through `enterprise_list_for_user` *before* checking
a codename, so an enterprise outside a user's reach is a 404 everywhere and only a visible one
can answer 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Page
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_all, form_errors_from
from credit_portal.models import User
from credit_portal.permissions import CorePerm, StaffPermissionMixin
from enterprises.filters import (
    LIST_COUNT_CAP,
    CappedPaginator,
    EnterpriseFilter,
    can_view_risk,
)
from enterprises.forms import EnterpriseCreateForm, EnterpriseEditForm, StatusChangeForm
from enterprises.industries import DIVISION_CHOICES, DIVISIONS
from enterprises.kinds import STATUS_CHANGE
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.rules import (
    MAX_SUSPENSION_DAYS,
    STATUS_TRANSITIONS,
    SUSPENSION_EXTENSION_WINDOW_DAYS,
)
from enterprises.selectors import (
    audit_events_for,
    credit_records_for,
    enterprise_list_for_user,
    register_count,
)
from enterprises.selectors.letters import letters_for
from enterprises.services.export import enterprise_register_export
from enterprises.services.ledger import enterprise_state_as_of
from enterprises.services.register import enterprise_check, enterprise_create, enterprise_update
from enterprises.services.status import enterprise_status_change
from enterprises.uscc import normalize

PAGE_SIZES = (20, 50, 100)
DIVISION_SECTIONS = {division: entry[0] for division, entry in DIVISIONS.items()}
SECTION_LETTERS = set(DIVISION_SECTIONS.values())
DEFAULT_PAGE_SIZE = 50
RECORDS_SHOWN = 50
AUDIT_EVENTS_SHOWN = 30


def _user(request: HttpRequest) -> User:
    """The logged-in user (the views' mixins have let only authenticated users through)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101
    return user


def _query(params: QueryDict, **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _sort_columns(params: QueryDict, current: list[str], can_view_risk: bool) -> dict[str, Any]:
    """For each sortable column: the link that sorts by it and the direction in force."""
    first = current[0] if current else "-registered_on"
    columns = ["uscc", "name", "registered_on", *(["risk_score"] if can_view_risk else [])]
    result = {}
    for column in columns:
        if first == column:
            direction, target = "asc", f"-{column}"
        elif first == f"-{column}":
            direction, target = "desc", column
        else:
            direction = ""
            target = f"-{column}" if column in {"registered_on", "risk_score"} else column
        result[column] = {"url": _query(params, ordering=target, page=None), "dir": direction}
    return result


class EnterpriseListView(StaffPermissionMixin, View):
    """The register: filter bar, search, sortable columns, capped-count pagination."""

    permission_required = EnterprisePerm.VIEW

    def get(self, request: HttpRequest) -> HttpResponseBase:
        user = _user(request)
        visible = enterprise_list_for_user(user=user)
        if can_view_risk(user):
            # The class and score columns: one LEFT JOIN of the narrow risk table, no query
            # per row (`Enterprise.current_risk`).
            visible = visible.select_related("risk_current")
        register = EnterpriseFilter(request.GET, queryset=visible, request=request)
        valid = register.is_valid()
        try:
            per_page = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
        except ValueError:
            per_page = DEFAULT_PAGE_SIZE
        if per_page not in PAGE_SIZES:
            per_page = DEFAULT_PAGE_SIZE
        queryset = register.qs if valid else register.queryset.none()
        searching = bool(register.active_filters.get("q"))
        paginator = CappedPaginator(
            queryset,
            per_page,
            cap=LIST_COUNT_CAP,
            total_of=lambda found: register_count(
                user=user,
                narrow=register.filter_queryset,
                found=found,
                cap=LIST_COUNT_CAP,
                estimable=not searching,
            ),
        )
        requested = request.GET.get("page") or "1"
        try:
            page = paginator.page(requested)
            missing_page = None
        except InvalidPage:
            # A page past the end (an old link, a narrower filter) is a 404 that says so and
            # leads to the last page, as the API's 404: not the last page in its place, which
            # looked like the rows of page 12.
            page = Page([], 1, paginator)
            missing_page = {
                "number": requested,
                "pages": paginator.num_pages,
                "last_url": _query(request.GET, page=paginator.num_pages),
            }
        ordering = (register.form.cleaned_data.get("ordering") or []) if valid else []
        filter_fields = _filter_fields(register.form)
        context = {
            "filter": register,
            "form": register.form,
            "page_obj": page,
            "rows": _list_rows(page.object_list, with_risk=register.can_view_risk),
            "filter_fields": filter_fields,
            "filters_in_use": sum(1 for field in filter_fields if field["active"]),
            "paginator": paginator,
            "total": paginator.total,
            "missing_page": missing_page if valid else None,
            "page_size_links": [
                {
                    "size": size,
                    "url": _query(request.GET, page=None, page_size=size),
                    "current": size == per_page,
                }
                for size in PAGE_SIZES
            ],
            "per_page": per_page,
            "sort": _sort_columns(request.GET, ordering, register.can_view_risk),
            "can_view_risk": register.can_view_risk,
            "can_export": user.has_perm(EnterprisePerm.EXPORT),
            "can_add": user.has_perm(EnterprisePerm.ADD),
            "has_filters": bool(register.active_filters),
            "prev_url": _query(request.GET, page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_url": _query(request.GET, page=page.next_page_number())
            if page.has_next()
            else "",
            "export_query": _query(request.GET, page=None, page_size=None),
            "page_links": _page_links(request.GET, page),
            "division_sections": DIVISION_SECTIONS,  # static/js/industry.js
        }
        status = 400 if not valid else 404 if missing_page else 200
        return render(request, "enterprises/list.html", context, status=status)


def _filter_fields(form: Any) -> list[dict[str, Any]]:
    """The filter bar's controls. Selects are rendered here with `format_html` (escaped): the
    template-based widget renderer costs several milliseconds for the 97 industry divisions,
    on every list request."""
    fields = []
    for bound in form:
        if bound.name in {"q", "ordering"}:
            continue
        value = bound.value()
        value = (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )
        if bound.name in {"registered_from", "registered_to"}:
            control = format_html(
                '<input type="date" name="{}" id="{}" value="{}">',
                bound.html_name,
                bound.id_for_label,
                value,
            )
        else:
            choices = getattr(bound.field.widget, "choices", None) or bound.field.choices
            section = form["industry_section"].value() if bound.name == "industry_division" else ""
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (key, _option_attributes(str(key), value, section), label)
                    for key, label in _flat_choices(choices)
                ),
            )
            control = format_html(
                '<select name="{}" id="{}">{}</select>',
                bound.html_name,
                bound.id_for_label,
                options,
            )
        fields.append(
            {
                "label": bound.label,
                "id": bound.id_for_label,
                "control": control,
                "errors": bound.errors,
                "active": value != "",
            }
        )
    return fields


def _option_attributes(key: str, value: str, section: Any) -> str:
    """` selected` for the chosen option; for a division of another section than the one
    chosen, ` hidden disabled`: the list narrows to the section without JavaScript too (after
    "Apply"; static/js/industry.js does it as the section changes). A division chosen with
    another section stays shown and selected, beside the error that names the pair."""
    if key == value:
        return mark_safe(" selected")
    if section in SECTION_LETTERS and key and DIVISION_SECTIONS.get(key) != section:
        return mark_safe(" hidden disabled")
    return ""


def _flat_choices(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((getattr(key, "value", key), label))
    return flat


STATUS_BADGES = {
    Enterprise.Status.OPERATING: "ok",
    Enterprise.Status.SUSPENDED: "warn",
    Enterprise.Status.REVOKED: "bad",
    Enterprise.Status.DEREGISTERED: "muted",
    Enterprise.Status.MOVED_OUT: "muted",
    Enterprise.Status.CANCELLED: "bad",
}


def _list_rows(enterprises: Any, *, with_risk: bool) -> list[dict[str, Any]]:
    """The page's rows with their labels looked up once per request (a model's
    `get_FOO_display` rebuilds its choices dict on every call: 97 divisions × 50 rows).
    `with_risk`: the reader has `view_risk` and the rows were read with their current class
    (select_related), so that the class column costs no query per row."""
    types = {k: str(v) for k, v in Enterprise.EntityType.choices}
    statuses = {k: str(v) for k, v in Enterprise.Status.choices}
    risks = {k: str(v) for k, v in Enterprise.RiskClass.choices}
    divisions = {k: str(v) for k, v in DIVISION_CHOICES}  # labels in the request's language
    placeholder = "0" * 18
    detail = reverse("enterprises:detail", args=[placeholder])
    return [
        {
            "e": e,
            "url": detail.replace(placeholder, e.uscc),
            "type": types.get(e.entity_type, e.entity_type),
            "division": divisions.get(e.industry_division, e.industry_division),
            "status": statuses.get(e.status, e.status),
            "badge": STATUS_BADGES.get(e.status, "muted"),
            "risk": _risk_cell(e, risks) if with_risk else None,
        }
        for e in enterprises
    ]


def _risk_cell(enterprise: Enterprise, labels: dict[str, str]) -> dict[str, Any] | None:
    """The class column of a row (only rendered for `view_risk`; the list joins the current
    class only then): class, its label, score and whether an override sets it."""
    current = enterprise.current_risk
    if current is None:
        return None
    return {
        "risk_class": current.risk_class,
        "label": labels.get(current.risk_class, ""),
        "score": current.score,
        "overridden": current.override_id is not None,
    }


def _page_links(params: QueryDict, page: Any) -> list[dict[str, Any]]:
    """Page numbers around the current one (1 … 4 5 [6] 7 8 … 200)."""
    paginator = page.paginator
    links: list[dict[str, Any]] = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == paginator.ELLIPSIS:
            links.append({"ellipsis": True})
        else:
            links.append(
                {
                    "number": number,
                    "url": _query(params, page=number),
                    "current": number == page.number,
                }
            )
    return links


class EnterpriseExportView(StaffPermissionMixin, View):
    """The filtered register as an XLSX download (audited)."""

    permission_required = (EnterprisePerm.VIEW, EnterprisePerm.EXPORT)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        user = _user(request)
        register = EnterpriseFilter(
            request.GET, queryset=enterprise_list_for_user(user=user), request=request
        )
        back = reverse("enterprises:list") + _query(request.GET)
        if not register.is_valid():
            messages.error(request, _("Correct the filters before exporting."))
            return redirect(back)
        try:
            export = enterprise_register_export(
                actor=user,
                queryset=register.qs,
                filters=register.active_filters,
                include_risk=register.can_view_risk,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(back)
        return FileResponse(
            export.file,
            as_attachment=True,
            filename=export.filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


# The service names the section's errors; the form asks for the division only.
_FORM_ALIASES = {"industry_section": "industry_division"}


class EnterpriseCreateView(StaffPermissionMixin, View):
    permission_required = (EnterprisePerm.VIEW, EnterprisePerm.ADD)
    template_name = "enterprises/form.html"

    def _form(self, request: HttpRequest) -> EnterpriseCreateForm:
        can_override = request.user.has_perm(EnterprisePerm.OVERRIDE_USCC_CHECK)
        data = request.POST if request.method == "POST" else None
        return EnterpriseCreateForm(
            data,
            can_override=can_override,
            can_override_bar=request.user.has_perm("enterprises.override_representativebar"),
        )

    def _render(
        self, request: HttpRequest, form: EnterpriseCreateForm, status: int
    ) -> HttpResponse:
        context = {
            "form": form,
            "creating": True,
            "can_override": "allow_check_override" in form.fields,
            "division_sections": DIVISION_SECTIONS,  # static/js/industry.js
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._form(request), 200)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        if not form.is_valid():
            # Every error at once: the service's checks of the fields that passed, too.
            form_errors_all(
                form,
                lambda: enterprise_check(
                    actor=_user(request),
                    data=form.service_data(),
                    allow_check_override=form.override_requested(),
                    bar_override_reason=form.bar_override_given(),
                ),
                aliases=_FORM_ALIASES,
            )
            return self._render(request, form, 400)
        try:
            enterprise = enterprise_create(
                actor=_user(request),
                data=form.service_data(),
                allow_check_override=form.override_requested(),
                bar_override_reason=form.bar_override_given(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc, aliases=_FORM_ALIASES)
            return self._render(request, form, 400)
        messages.success(request, _("%(name)s has been registered.") % {"name": enterprise.name})
        return redirect("enterprises:detail", uscc=enterprise.uscc)


class EnterpriseScopedView(View):
    """Base of the pages about one enterprise: login, then the jurisdiction fetch (404), then
    the codenames (403)."""

    permission_required: tuple[str, ...] = (EnterprisePerm.VIEW,)
    # Read the current class and its override with the enterprise (for `view_risk` only).
    with_risk = False
    enterprise: Enterprise

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        visible = enterprise_list_for_user(user=_user(request))
        if self.with_risk and request.user.has_perm(EnterprisePerm.VIEW_RISK):
            visible = visible.select_related("risk_current__override")
        found = visible.filter(uscc=normalize(kwargs["uscc"])).first()
        if found is None:
            raise Http404(_("No market entity with this credit code is visible to you."))
        if not request.user.has_perms(self.permission_required):
            raise PermissionDenied
        self.enterprise = found
        return super().dispatch(request, *args, **kwargs)


class EnterpriseDetailView(EnterpriseScopedView):
    with_risk = True

    def get(self, request: HttpRequest, uscc: str) -> HttpResponse:
        user = request.user
        enterprise = self.enterprise
        can_view_records = user.has_perm(EnterprisePerm.VIEW_RECORDS)
        can_view_audit = user.has_perm(CorePerm.VIEW_AUDIT_LOG)
        records = (
            list(credit_records_for(enterprise=enterprise)[: RECORDS_SHOWN + 1])
            if can_view_records
            else []
        )
        events = (
            list(audit_events_for(enterprise=enterprise)[: AUDIT_EVENTS_SHOWN + 1])
            if can_view_audit
            else []
        )
        # Every letter with its reply status, whatever the number of records shown.
        letters = (
            letters_for(enterprise=enterprise, today=timezone.localdate())
            if can_view_records
            else []
        )
        context = {
            "enterprise": enterprise,
            "can_view_risk": can_view_risk(user),
            "risk": enterprise.current_risk if can_view_risk(user) else None,
            "can_change": user.has_perm(EnterprisePerm.CHANGE),
            "can_change_status": user.has_perm(EnterprisePerm.CHANGE_STATUS),
            "can_issue_code": user.has_perm(EnterprisePerm.ISSUE_ACTIVATION_CODE),
            "can_view_records": can_view_records,
            "can_view_audit": can_view_audit,
            "records": records[:RECORDS_SHOWN],
            "records_more": len(records) > RECORDS_SHOWN,
            "letters": letters,
            "events": _audit_items(events[:AUDIT_EVENTS_SHOWN], user),
            "events_more": len(events) > AUDIT_EVENTS_SHOWN,
            "records_shown": RECORDS_SHOWN,
            "events_shown": AUDIT_EVENTS_SHOWN,
            "records_api": reverse("enterprises-api:enterprise-records", args=[enterprise.uscc]),
        }
        return render(request, "enterprises/detail.html", context)


def _audit_items(events: list[Any], user: Any) -> list[dict[str, Any]]:
    """The audit history's rows: each event's type and summary in words, and for a change an
    import made, its job's page (for a user who may see import jobs; the number otherwise)."""
    can_import = user.has_perm(EnterprisePerm.IMPORT)
    placeholder = 918_273_645
    job_page = reverse("enterprises:import_detail", args=[placeholder])
    items = []
    for e in events:
        item = {"event": e, "label": event_label(e.event_type), **event_summary(e)}
        if item.get("import_job") and can_import:
            item["import_job_url"] = job_page.replace(str(placeholder), str(item["import_job"]))
        items.append(item)
    return items


class EnterpriseEditView(EnterpriseScopedView):
    permission_required = (EnterprisePerm.VIEW, EnterprisePerm.CHANGE)
    template_name = "enterprises/form.html"

    def _render(
        self, request: HttpRequest, form: EnterpriseEditForm, status: int, **extra: Any
    ) -> HttpResponse:
        context = {
            "form": form,
            "creating": False,
            "enterprise": self.enterprise,
            "can_override": "allow_check_override" in form.fields,
            "division_sections": DIVISION_SECTIONS,  # static/js/industry.js
            **extra,
        }
        return render(request, self.template_name, context, status=status)

    def _form(self, request: HttpRequest, data: Any = None) -> EnterpriseEditForm:
        return EnterpriseEditForm(
            data,
            enterprise=self.enterprise,
            can_override=request.user.has_perm(EnterprisePerm.OVERRIDE_USCC_CHECK),
            can_override_bar=request.user.has_perm("enterprises.override_representativebar"),
        )

    def get(self, request: HttpRequest, uscc: str) -> HttpResponse:
        return self._render(request, self._form(request), 200)

    def post(self, request: HttpRequest, uscc: str) -> HttpResponse:
        form = self._form(request, request.POST)
        if not form.is_valid():
            # Every error at once: the service's checks of the fields that passed, too.
            form_errors_all(
                form,
                lambda: enterprise_check(
                    actor=_user(request),
                    enterprise=self.enterprise,
                    data=form.service_data(),
                    allow_check_override=form.override_requested(),
                    bar_override_reason=form.bar_override_given(),
                ),
                aliases=_FORM_ALIASES,
            )
            return self._render(request, form, 400)
        try:
            enterprise = enterprise_update(
                actor=_user(request),
                enterprise=self.enterprise,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
                allow_check_override=form.override_requested(),
                correction=form.cleaned_data["correction"],
                bar_override_reason=form.bar_override_given(),
            )
        except ConflictError as exc:
            current = Enterprise.objects.select_related("department").get(pk=self.enterprise.pk)
            return self._conflict(request, form, current, exc)
        except ValidationError as exc:
            form_errors_from(form, exc, aliases=_FORM_ALIASES)
            return self._render(request, form, 400)
        messages.success(
            request, _("The changes to %(name)s are saved.") % {"name": enterprise.name}
        )
        return redirect("enterprises:detail", uscc=enterprise.uscc)

    def _conflict(
        self,
        request: HttpRequest,
        form: EnterpriseEditForm,
        current: Enterprise,
        exc: ConflictError,
    ) -> HttpResponse:
        """Someone saved first. Keep everything this user typed, show where the saved record
        now differs from it, and move the hidden version on: saving again is then a
        deliberate decision taken with both versions in view."""
        saved = EnterpriseEditForm(enterprise=current).initial
        differences = [
            {
                "label": form.fields[name].label,
                "saved": saved.get(name),
                "yours": form.cleaned_data.get(name),
            }
            for name in form.fields
            # Not stored: the version, the identity number (never shown back), the choices
            # about this save (override the check character, a correction of an entry error).
            if name
            not in {
                "version",
                "legal_rep_id",
                "allow_check_override",
                "correction",
                "bar_override_reason",
            }
            and _comparable(saved.get(name)) != _comparable(form.cleaned_data.get(name))
        ]
        data = request.POST.copy()
        data["version"] = str(current.version)
        self.enterprise = current
        fresh = self._form(request, data)
        fresh.is_valid()
        form_errors_from(fresh, exc)
        return self._render(request, fresh, 409, differences=differences, conflict=True)


def _comparable(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "code"):  # a Department
        return str(value.code)
    text = str(value).strip().replace("\r\n", "\n")
    if text.replace(".", "", 1).isdigit() and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class EnterpriseStatusView(EnterpriseScopedView):
    """Suspension (with end date) and its extension, resumption, deregistration, revocation."""

    permission_required = (EnterprisePerm.VIEW, EnterprisePerm.CHANGE_STATUS)

    def _render(self, request: HttpRequest, form: StatusChangeForm, status: int) -> HttpResponse:
        enterprise = self.enterprise
        today = timezone.localdate()
        state = enterprise_state_as_of(enterprise=enterprise, on=today)
        window_opens = None
        if state.suspended_until is not None:
            window_opens = state.suspended_until - dt.timedelta(
                days=SUSPENSION_EXTENSION_WINDOW_DAYS
            )
        used = state.suspension_days_used
        if state.suspended_from is not None:
            used += (today - state.suspended_from).days + 1
        context = {
            "enterprise": enterprise,
            "form": form,
            "state": state,
            "days_used": used,
            "days_left": max(MAX_SUSPENSION_DAYS - used, 0),
            "max_days": MAX_SUSPENSION_DAYS,
            "window_days": SUSPENSION_EXTENSION_WINDOW_DAYS,
            "window_opens": window_opens,
        }
        return render(request, "enterprises/status.html", context, status=status)

    def _possible(self) -> set[str]:
        """The changes offered: those allowed from the stored status or from today's (a
        suspension whose period ended counts as operating before the nightly job rewrites
        it), and resumption after a suspension that was the last status change (a resumption
        filed late is dated inside the suspension). The service judges the chosen change
        again, on its own date."""
        today = enterprise_state_as_of(enterprise=self.enterprise, on=timezone.localdate())
        possible = set(
            STATUS_TRANSITIONS[self.enterprise.status] | STATUS_TRANSITIONS[today.status]
        )
        last = (
            CreditRecord.objects.filter(enterprise=self.enterprise, kind=STATUS_CHANGE)
            .order_by("-occurred_on", "-id")
            .values_list("details__status", flat=True)
            .first()
        )
        if last == Enterprise.Status.SUSPENDED:
            possible.add(Enterprise.Status.OPERATING)
        return possible

    def get(self, request: HttpRequest, uscc: str) -> HttpResponse:
        return self._render(request, StatusChangeForm(possible=self._possible()), 200)

    def post(self, request: HttpRequest, uscc: str) -> HttpResponse:
        form = StatusChangeForm(request.POST, possible=self._possible())
        if not form.is_valid():
            return self._render(request, form, 400)
        data = form.cleaned_data
        try:
            enterprise_status_change(
                actor=_user(request),
                enterprise=self.enterprise,
                new_status=data["new_status"],
                effective_on=data["effective_on"],
                until=data["until"],
                note=data["note"],
                document_number=data["document_number"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, form, 400)
        messages.success(
            request,
            _("The status of %(name)s is now: %(status)s.")
            % {"name": self.enterprise.name, "status": self.enterprise.get_status_display()},
        )
        return redirect("enterprises:detail", uscc=self.enterprise.uscc)


_USCC = r"(?P<uscc>[0-9A-Za-z]{18})"

urlpatterns = [
    path("", EnterpriseListView.as_view(), name="list"),
    path("export.xlsx", EnterpriseExportView.as_view(), name="export"),
    path("new/", EnterpriseCreateView.as_view(), name="create"),
    re_path(rf"^{_USCC}/$", EnterpriseDetailView.as_view(), name="detail"),
    re_path(rf"^{_USCC}/edit/$", EnterpriseEditView.as_view(), name="edit"),
    re_path(rf"^{_USCC}/status/$", EnterpriseStatusView.as_view(), name="status"),
]
