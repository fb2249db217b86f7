"""Pages of annual reports (年度报告, docs/domain.md §4).

Staff (namespace "annual_reports", under /annual-reports/):
- ""                          the entities that had to report for a year, with filters (filed,
                              not filed, late, paper, corrected; street or town; entity type)
                              and the year's counts;
- <uscc>/<year>/              one entity's report for a year: every version side by side, the
                              changed fields highlighted, the ledger facts;
- paper/                      the entry of a paper report: the entity and year, then the form
                              with the day received and the file reference.

Enterprise (namespace "me-annual-reports", under /me/):
- annual-reports/             its years: due, filed on, late, corrections, what to do by when;
- annual-reports/<year>/      one year's report: every version, the changed fields marked;
- annual-reports/<year>/edit/ the form (items 1–7, or the one-screen simplified form of an
                              individual business with "submit and publish"): save the draft,
                              submit;
- annual-reports/<year>/correct/  start a correction (POST).

Public (namespace "public-annual-reports", under /credit/):
- <uscc>/annual-reports/<year>/   the public parts of a report, every version with its date;
                              rate-limited like the other public pages.

Access: staff pages need a login (a redirect), the codename `view_annualreport` (403) and the
entity in their jurisdiction (404); the paper entry also `enter_paper_annualreport`. Enterprise
pages need a membership (403) and show only the member's own enterprise; both roles (legal
representative and filer) may file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annual_reports import rules
from annual_reports.forms.reports import (
    PaperDetailsForm,
    PaperFindForm,
    ReportForm,
    ReportListFilterForm,
    report_initial,
)
from annual_reports.models import AnnualReport
from annual_reports.selectors.reports import (
    STATES,
    YearRow,
    divisions_for_user,
    enterprise_for_user,
    form_fields,
    public_report,
    report_draft,
    report_form_for,
    report_prefill,
    report_versions,
    report_year_row,
    report_year_rows,
    reports_by_year,
    versions_compared,
    year_counts,
)
from annual_reports.services.reports import (
    report_correction_start,
    report_draft_save,
    report_paper_enter,
    report_record_of,
    report_submit,
)
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.layout import render_in_layout
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.throttling import public_throttle
from enterprises.models import Enterprise
from enterprises.selectors.accounts import member_enterprise
from enterprises.uscc import normalize
from remediation.views.common import request_user

VIEW_PERM = "annual_reports.view_annualreport"
PAPER_PERM = "annual_reports.enter_paper_annualreport"
PAGE_SIZE = 30


def _year_or_404(year: int) -> int:
    if not 1990 <= year <= 2200:
        raise Http404
    return year


def _with_version(post: Any, version: int) -> Any:
    data = post.copy()
    data["version"] = str(version)
    return data


def _comparison(versions: list[AnnualReport], form_kind: str) -> dict[str, Any]:
    fields = tuple(f for f in form_fields(form_kind) if f not in ("publish", "publish_financials"))
    flags = ("publish",) if form_kind == AnnualReport.Form.INDIVIDUAL else ("publish_financials",)
    rows = versions_compared(versions, (*fields, *flags))
    return {
        "versions": versions,
        "rows": rows,
        "changed_count": sum(1 for r in rows if r.changed_anywhere),
    }


# --------------------------------------------------------------------------- staff


class ReportListView(StaffPermissionMixin, View):
    """The entities that had to report for a year, their reports, filters and counts."""

    permission_required = VIEW_PERM

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        divisions = divisions_for_user(user=user)
        default_year = rules.reporting_year(today)
        form = ReportListFilterForm(
            request.GET or None,
            today=today,
            divisions=divisions,
            initial={"year": default_year},
        )
        data = form.cleaned_data if form.is_valid() else {}
        year = data.get("year") or default_year
        state = data.get("state") or ""
        division = data.get("division") or ""
        entity_type = data.get("entity_type") or ""
        qs = reports_by_year(
            user=user,
            year=year,
            state=state if state in STATES else "",
            division=division,
            entity_type=entity_type,
            search=data.get("q", ""),
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        deadline = rules.report_deadline(year)
        return render(
            request,
            "annual_reports/reports/list.html",
            {
                "form": form,
                "year": year,
                "rows": list(page.object_list),
                "page_obj": page,
                "query": query.urlencode(),
                "counts": year_counts(
                    user=user, year=year, division=division, entity_type=entity_type
                ),
                "filters_in_use": sum(
                    1 for k in ("state", "division", "entity_type", "q") if data.get(k)
                ),
                "opens": rules.window_opens(year),
                "deadline": deadline,
                "reopens": rules.entrance_closed_until(year) + dt.timedelta(days=1),
                "overdue": today > deadline,
                "can_enter_paper": user.has_perm(PAPER_PERM),
                "today": today,
            },
        )


class ReportDetailView(StaffPermissionMixin, View):
    """One entity's report for a year: every version, the changed fields marked."""

    permission_required = VIEW_PERM

    def get(self, request: HttpRequest, uscc: str, year: int) -> HttpResponse:
        user = request_user(request)
        enterprise = enterprise_for_user(user=user, uscc=uscc)
        year = _year_or_404(year)
        versions = report_versions(enterprise=enterprise, year=year)
        due, why = rules.report_due(enterprise, year)
        draft = report_draft(enterprise=enterprise, year=year)
        return render(
            request,
            "annual_reports/reports/detail.html",
            {
                "enterprise": enterprise,
                "year": year,
                "due": due,
                "not_due_reason": why,
                "original": versions[0] if versions else None,
                "current": next((v for v in versions if v.is_current), None),
                "draft_in_progress": draft is not None,
                "records": [r for r in (report_record_of(v) for v in versions) if r is not None],
                "deadline": rules.report_deadline(year),
                "can_enter_paper": user.has_perm(PAPER_PERM) and not versions and due,
                **_comparison(versions, report_form_for(enterprise)),
            },
        )


class PaperEntryView(StaffPermissionMixin, View):
    """A paper report: find the entity and the year, then enter the report with the day the
    bureau received it (it counts from that day) and the file reference."""

    permission_required = (VIEW_PERM, PAPER_PERM)

    def _target(self, request: HttpRequest, data: Any) -> tuple[Any, Enterprise | None, int]:
        today = timezone.localdate()
        find = PaperFindForm(data, today=today)
        if not find.is_valid():
            return find, None, 0
        code = normalize(find.cleaned_data["uscc"])
        try:
            enterprise = enterprise_for_user(user=request_user(request), uscc=code)
        except Http404:
            find.add_error("uscc", _("No market entity with this code is in your jurisdiction."))
            return find, None, 0
        return find, enterprise, find.cleaned_data["year"]

    def _render(
        self, request: HttpRequest, context: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        return render(request, "annual_reports/reports/paper.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        bound = request.GET if "uscc" in request.GET else None
        find, enterprise, year = self._target(request, bound)
        context: dict[str, Any] = {"find": find, "enterprise": enterprise, "year": year}
        if enterprise is not None:
            kind = report_form_for(enterprise)
            context.update(
                form=ReportForm(
                    form_kind=kind,
                    initial=report_initial(None, report_prefill(enterprise=enterprise, year=year)),
                ),
                details=PaperDetailsForm(),
                due=rules.report_due(enterprise, year),
                deadline=rules.report_deadline(year),
                already=AnnualReport.objects.filter(
                    enterprise=enterprise, year=year, is_current=True
                ).first(),
            )
        return self._render(request, context, status=200 if bound is None or enterprise else 400)

    def post(self, request: HttpRequest) -> HttpResponse:
        find, enterprise, year = self._target(request, request.POST)
        if enterprise is None:
            return self._render(request, {"find": find}, status=400)
        kind = report_form_for(enterprise)
        form = ReportForm(request.POST, form_kind=kind)
        details = PaperDetailsForm(request.POST)
        status = 400
        if form.is_valid() and details.is_valid():
            try:
                report = report_paper_enter(
                    actor=request_user(request),
                    enterprise=enterprise,
                    year=year,
                    data=_paper_data(form, request.POST, kind),
                    received_on=details.cleaned_data["received_on"],
                    reference=details.cleaned_data["reference"],
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                _errors_on(form, details, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The paper report of %(name)s for %(year)s has been entered, filed on "
                        "%(day)s%(late)s."
                    )
                    % {
                        "name": enterprise.name,
                        "year": year,
                        "day": report.filed_on,
                        "late": _(" (late)") if report.late else "",
                    },
                )
                return redirect("annual_reports:detail", uscc=enterprise.uscc, year=year)
        return self._render(
            request,
            {
                "find": find,
                "enterprise": enterprise,
                "year": year,
                "form": form,
                "details": details,
                "due": rules.report_due(enterprise, year),
                "deadline": rules.report_deadline(year),
            },
            status=status,
        )


def _paper_data(form: ReportForm, post: Any, kind: str) -> dict[str, Any]:
    """The report as the paper says it; an individual business's choice to publish with it."""
    data = form.report_data()
    if kind == AnnualReport.Form.INDIVIDUAL:
        data["publish"] = post.get("publish") == "on"
    return data


def _errors_on(form: ReportForm, details: PaperDetailsForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        if name in ("received_on", "reference"):
            details.add_error(name, errors)
        elif name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)


# --------------------------------------------------------------------------- enterprise


def _me_context(request: HttpRequest, enterprise: Enterprise, **extra: Any) -> dict[str, Any]:
    return {
        "enterprise": enterprise,
        "membership": request_user(request).enterprise_membership,
        "individual": enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS,
        "today": timezone.localdate(),
        **extra,
    }


@login_required
@never_cache
def me_reports(request: HttpRequest) -> HttpResponse:
    """The enterprise's years: what is due, what was filed, what to do by when."""
    enterprise = member_enterprise(user=request_user(request))
    today = timezone.localdate()
    rows = report_year_rows(enterprise=enterprise, today=today)
    return render(
        request,
        "annual_reports/reports/me_list.html",
        _me_context(request, enterprise, rows=rows),
    )


def _year_row(enterprise: Enterprise, year: int) -> YearRow:
    return report_year_row(enterprise=enterprise, year=year, today=timezone.localdate())


@login_required
@never_cache
def me_report_year(request: HttpRequest, year: int) -> HttpResponse:
    """One year's report: every version with its date, the changed fields marked; correct it."""
    enterprise = member_enterprise(user=request_user(request))
    year = _year_or_404(year)
    versions = report_versions(enterprise=enterprise, year=year)
    if not versions:
        return redirect("me-annual-reports:edit", year=year)
    row = _year_row(enterprise, year)
    return render(
        request,
        "annual_reports/reports/me_year.html",
        _me_context(
            request,
            enterprise,
            year=year,
            row=row,
            current=row.current,
            original=row.original,
            **_comparison(versions, report_form_for(enterprise)),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def me_report_edit(request: HttpRequest, year: int) -> HttpResponse:
    """The report form of a year: the draft (or a new one, prefilled), saved or submitted."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    year = _year_or_404(year)
    draft = report_draft(enterprise=enterprise, year=year)
    row = _year_row(enterprise, year)
    if draft is None and row.current is not None:
        messages.info(
            request,
            _("The report for %(year)s has been filed: correct it instead of filing it again.")
            % {"year": year},
        )
        return redirect("me-annual-reports:year", year=year)
    kind = draft.form if draft is not None else report_form_for(enterprise)
    correction = draft is not None and draft.revision > 1
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        form = ReportForm(request.POST, form_kind=kind, correction=correction)
        if form.is_valid():
            data = form.report_data()
            if kind == AnnualReport.Form.INDIVIDUAL and action in ("submit", "submit_private"):
                data["publish"] = action == "submit"
            saved: AnnualReport | None = None
            try:
                saved = report_draft_save(
                    actor=user,
                    enterprise=enterprise,
                    year=year,
                    data=data,
                    expected_version=form.cleaned_data.get("version"),
                )
                if action in ("submit", "submit_private"):
                    filed = report_submit(actor=user, report=saved, expected_version=saved.version)
                    messages.success(request, _submitted_message(filed))
                    return redirect("me-annual-reports:year", year=year)
            except ConflictError as exc:
                form = _rebound(request, kind, correction, exc.current_version)
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                if saved is not None:
                    # The draft was saved; only the submission was refused: the form carries
                    # the version now stored.
                    form = _rebound(request, kind, correction, saved.version)
                form_errors_from(form, exc, aliases={"year": "__all__"})
                status = 400
            else:
                messages.success(request, _("The draft has been saved. Submit it when complete."))
                return redirect("me-annual-reports:edit", year=year)
        else:
            status = 400
        draft = report_draft(enterprise=enterprise, year=year)
    else:
        initial = report_initial(draft, report_prefill(enterprise=enterprise, year=year))
        form = ReportForm(form_kind=kind, initial=initial, correction=correction)
    return render(
        request,
        "annual_reports/reports/me_form.html",
        _me_context(
            request,
            enterprise,
            year=year,
            row=row,
            form=form,
            draft=draft,
            correction=correction,
            deadline=rules.report_deadline(year),
            reopens=row.reopens,
        ),
        status=status,
    )


def _rebound(request: HttpRequest, kind: str, correction: bool, version: int) -> ReportForm:
    form = ReportForm(_with_version(request.POST, version), form_kind=kind, correction=correction)
    form.is_valid()
    return form


def _submitted_message(report: AnnualReport) -> str:
    if report.revision > 1:
        return _(
            "Your correction of the %(year)s report has been submitted on %(day)s; both "
            "versions stay visible."
        ) % {"year": report.year, "day": report.filed_on}
    if report.form == AnnualReport.Form.INDIVIDUAL and not report.publish:
        text = _("Your %(year)s report has been filed on %(day)s. You chose not to publish it.")
    else:
        text = _("Your %(year)s report has been filed and published on %(day)s.")
    text = text % {"year": report.year, "day": report.filed_on}
    if report.late:
        text += " " + _("It was filed after the deadline.")
    return text


@login_required
@require_POST
def me_report_correct(request: HttpRequest, year: int) -> HttpResponse:
    """Start a correction of the year's report (free until 30 June, after it on an invitation)."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    year = _year_or_404(year)
    try:
        report_correction_start(actor=user, enterprise=enterprise, year=year)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("me-annual-reports:year", year=year)
    return redirect("me-annual-reports:edit", year=year)


# --------------------------------------------------------------------------- public


@require_safe
@public_throttle
def public_report_view(request: HttpRequest, uscc: str, year: int) -> HttpResponse:
    """The public parts of a report for a year, every version with its date (items 1–6; item 7
    only if the enterprise chose to publish it; an individual business's only if it published
    its report). No personal data: an individual business's contact details are not shown."""
    code = normalize(uscc)
    if code != uscc:
        return redirect("public-annual-reports:report", uscc=code, year=year, permanent=True)
    report = public_report(uscc=code, year=_year_or_404(year))
    if report is None:
        raise Http404("no public annual report")
    body = render_to_string(
        "annual_reports/reports/public.html", {"report": report}, request=request
    )
    title = _("%(year)s annual report") % {"year": year}
    return render_in_layout(
        request,
        title=f"{report.name} · {title}",
        head=format_html('<link rel="stylesheet" href="{}">', static("css/public.css")),
        body=mark_safe(body),  # a Django template, which escaped every value
    )


staff_urlpatterns = [
    path("", ReportListView.as_view(), name="list"),
    path("paper/", PaperEntryView.as_view(), name="paper"),
    path("<str:uscc>/<int:year>/", ReportDetailView.as_view(), name="detail"),
]
me_urlpatterns = [
    path("annual-reports/", me_reports, name="list"),
    path("annual-reports/<int:year>/", me_report_year, name="year"),
    path("annual-reports/<int:year>/edit/", me_report_edit, name="edit"),
    path("annual-reports/<int:year>/correct/", me_report_correct, name="correct"),
]
public_urlpatterns = [
    path("<str:uscc>/annual-reports/<int:year>/", public_report_view, name="report"),
]
