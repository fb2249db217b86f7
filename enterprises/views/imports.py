"""Staff pages for importing the register: upload, job progress, error report, template.

Thin views over `enterprises.services.imports`. Every page needs `EnterprisePerm.IMPORT`
(anonymous users go to the login page, others get a 403); a job outside
`import_jobs_for_user` is a 404. An upload that the background queue cannot take (Redis down)
is refused with a 503 and the reason on the form; nothing of it is kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from credit_portal.jobs import JobQueueUnavailable
from credit_portal.models import Department
from credit_portal.permissions import StaffPermissionMixin
from enterprises.models import ImportJob
from enterprises.permissions import EnterprisePerm
from enterprises.services.imports import (
    COLUMNS,
    EXTENSIONS,
    REQUIRED_COLUMNS,
    ZH_HEADER,
    entity_type_examples,
    import_job_create,
    import_jobs_for_user,
    import_limits,
    import_template_rows,
)
from enterprises.xlsx import sheet_write, workbook_bytes, workbook_new, xlsx_response

RECENT_JOBS = 20
ERRORS_ON_PAGE = 200
QUEUE_RETRY_AFTER = 120  # seconds: "try again in a few minutes"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or XLSX, with the headers in row 1."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and count what would change, write nothing"),
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        max_bytes, _max_rows = import_limits()
        if upload.size > max_bytes:
            raise ValidationError(
                _("The file is larger than %(mb)s MB; split it into smaller files.")
                % {"mb": max_bytes // (1024 * 1024)}
            )
        name = (upload.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise ValidationError(
                _("Only .csv and .xlsx files can be imported (this file is %(name)s).")
                % {"name": upload.name}
            )
        return upload


class _ImportPermission(StaffPermissionMixin, View):
    permission_required = EnterprisePerm.IMPORT

    def job(self, pk: int) -> ImportJob:
        return get_object_or_404(import_jobs_for_user(user=self.request.user), pk=pk)


class ImportView(_ImportPermission):
    template_name = "enterprises/import_upload.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(ImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_job_create(
                    upload=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            except JobQueueUnavailable as exc:
                form.add_error(None, exc.message)
                response = self.page(form, status=503)
                response["Retry-After"] = str(QUEUE_RETRY_AFTER)
                return response
            else:
                return redirect("enterprises:import_detail", pk=job.pk)
        return self.page(form, status=400)

    def page(self, form: ImportForm, status: int = 200) -> HttpResponse:
        max_bytes, max_rows = import_limits()
        jobs = list(import_jobs_for_user(user=self.request.user)[:RECENT_JOBS])
        context = {
            "form": form,
            "jobs": jobs,
            "required_headers": [ZH_HEADER[f] for f in REQUIRED_COLUMNS],
            "optional_headers": [zh for f, zh, _en, _n in COLUMNS if f not in REQUIRED_COLUMNS],
            "max_mb": max_bytes // (1024 * 1024),
            "max_rows": max_rows,
            "entity_types": entity_type_examples(),
        }
        return render(self.request, self.template_name, context, status=status)


class ImportDetailView(_ImportPermission):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.job(pk)
        context = {
            "job": job,
            "errors": job.errors[:ERRORS_ON_PAGE],
            "errors_on_page": ERRORS_ON_PAGE,
            "running": job.status in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
        }
        return render(request, "enterprises/import_detail.html", context)


class ImportProgressView(_ImportPermission):
    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        job = self.job(pk)
        return JsonResponse(
            {
                "status": job.status,
                "status_display": str(job.get_status_display()),
                "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
                "total_rows": job.total_rows,
                "processed_rows": job.processed_rows,
                "percent": 100 if job.status == ImportJob.Status.DONE else job.percent,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "error_rows": job.error_count,
                "message": job.message,
            }
        )


class ImportErrorsView(_ImportPermission):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.job(pk)
        rows = [
            [e.get("row"), e.get("uscc", ""), e.get("name", ""), e.get("column"), e.get("message")]
            for e in job.errors
        ]
        book = workbook_new()
        sheet_write(
            book,
            title=_("Errors"),
            headers=[
                _("Row"),
                _("Unified social credit code"),
                _("Name"),
                _("Column"),
                _("Message"),
            ],
            rows=rows,
            widths=[8, 22, 30, 22, 90],
        )
        return xlsx_response(workbook_bytes(book), f"import-{job.pk}-errors.xlsx")


class ImportTemplateView(_ImportPermission):
    def get(self, request: HttpRequest) -> HttpResponse:
        book = workbook_new()
        sheet_write(
            book,
            title="企业名单",
            headers=[zh for _f, zh, _en, _n in COLUMNS],
            rows=[],
            widths=[22, 30, 20, 16, 10, 10, 12, 26, 36, 14, 12, 22, 14, 40, 18, 18],
        )
        sheet_write(
            book,
            title=_("Columns"),
            headers=[_("Header (Chinese)"), _("Header (English)"), _("Required"), _("Format")],
            rows=import_template_rows(),
            widths=[20, 24, 8, 80],
        )
        sheet_write(
            book,
            title=_("Entity types"),
            headers=[_("Entity type"), _("Written as")],
            rows=entity_type_examples(),
            widths=[20, 60],
        )
        sheet_write(
            book,
            title=_("Departments"),
            headers=[_("Code"), _("Name")],
            rows=Department.objects.filter(is_active=True).values_list("code", "name"),
            widths=[14, 36],
        )
        return xlsx_response(workbook_bytes(book), "enterprise-import-template.xlsx")


urlpatterns = [
    path("import/", ImportView.as_view(), name="import"),
    path("import/template.xlsx", ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", ImportDetailView.as_view(), name="import_detail"),
    path("import/<int:pk>/progress/", ImportProgressView.as_view(), name="import_progress"),
    path("import/<int:pk>/errors.xlsx", ImportErrorsView.as_view(), name="import_errors"),
]
