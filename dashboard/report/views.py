"""The yearly work report in one click (issue 18 §2): `/dashboard/report/<year>.pdf`
(`dashboard:report_pdf`) and `/dashboard/report/<year>.docx` (`dashboard:report_docx`), with
`?street=` for one street's figures; the same for API clients, with a token, at
`/api/v1/dashboard/report/<year>.pdf|.docx` (`dashboard:api_report_pdf`, `…_docx`).

Both read `dashboard.selectors.dashboard_for` (the page's own object: the same numbers) through
`dashboard.report.content.report_for`. Needs `dashboard.view_dashboard` (a page: anonymous →
the login page, without it → 403; the API: 401/403 in the core's format). A year outside the
dashboard's range (`dashboard.forms`: 2000 to next year) is a 404; a year with no figures is a
report of zeros. Every download is an audit event (`dashboard.report_downloaded`).

The file's name is Chinese ("2026年信用监管工作情况.pdf", RFC 6266 with RFC 5987's
`filename*` and an ASCII fallback): the PDF opens in the browser, the Word file is saved.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from django.views import View
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from credit_portal.models import User
from credit_portal.permissions import StaffPermissionMixin, require_perms
from dashboard.forms import FIRST_YEAR, last_year
from dashboard.report.content import report_for
from dashboard.report.docx import report_docx
from dashboard.report.pdf import report_pdf
from dashboard.report.services import report_download_record

VIEW_DASHBOARD = "dashboard.view_dashboard"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_response(
    content: bytes, *, filename: str, fallback: str, content_type: str, inline: bool = False
) -> HttpResponse:
    """A file under a name that may be Chinese (RFC 6266 with RFC 5987's filename*) and an
    ASCII `fallback` for old clients; never sniffed as anything else."""
    name = re.sub(r"[\x00-\x1f\x7f/\\\"]+", "_", Path(filename).name).strip() or fallback
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def report_response(*, user: User, year: int, street: str, form: str) -> HttpResponse:
    """The report of `year` (and `street`) for `user` as `form` ("pdf" or "docx"): the PDF to
    read in the browser, the Word file to save."""
    if not FIRST_YEAR <= year <= last_year():
        raise Http404("No report for this year.")
    report = report_for(user=user, year=year, street=(street or "").strip()[:64])
    report_download_record(actor=user, report=report, form=form)
    fallback = f"work-report-{year}.{form}"
    if form == "pdf":
        return file_response(
            report_pdf(report),
            filename=report.filename("pdf"),
            fallback=fallback,
            content_type="application/pdf",
            inline=True,
        )
    return file_response(
        report_docx(report),
        filename=report.filename("docx"),
        fallback=fallback,
        content_type=DOCX_TYPE,
    )


class ReportView(StaffPermissionMixin, View):
    permission_required = (VIEW_DASHBOARD,)
    form = "pdf"

    def get(self, request: HttpRequest, year: int) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - the permission mixin ran first
        return report_response(
            user=user, year=year, street=request.GET.get("street", ""), form=self.form
        )


_STREET = OpenApiParameter(
    "street", str, description=gettext_lazy("One street's figures (empty: every street).")
)


class ReportPdfApi(APIView):
    """The yearly work report of `year` as PDF (Chinese), the dashboard's figures."""

    permission_classes = [require_perms(VIEW_DASHBOARD)]
    form = "pdf"

    @extend_schema(
        operation_id="dashboard_report_pdf",
        parameters=[_STREET],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, year: int) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - the permission class ran first
        return report_response(
            user=user, year=year, street=request.query_params.get("street", ""), form=self.form
        )


class ReportDocxApi(ReportPdfApi):
    """The yearly work report of `year` as a Word file (.docx) to edit."""

    form = "docx"

    @extend_schema(
        operation_id="dashboard_report_docx",
        parameters=[_STREET],
        responses={(200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, year: int) -> HttpResponse:
        return super().get(request, year)
