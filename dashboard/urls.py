"""URL patterns of the dashboard: the staff page `/dashboard/` (`dashboard:index`) and its API
`/api/v1/dashboard/` (`dashboard:api`), in the namespace "dashboard"; the yearly report's
patterns are added beside them (dashboard.report)."""

from django.urls import path

from dashboard.api import DashboardApi
from dashboard.report import views as report
from dashboard.views.page import index

app_name = "dashboard"

urlpatterns: list = [
    path("dashboard/", index, name="index"),
    path("api/v1/dashboard/", DashboardApi.as_view(), name="api"),
    # The yearly work report (dashboard.report.views): PDF and Word, page and API.
    path(
        "dashboard/report/<int:year>.pdf", report.ReportView.as_view(form="pdf"), name="report_pdf"
    ),
    path(
        "dashboard/report/<int:year>.docx",
        report.ReportView.as_view(form="docx"),
        name="report_docx",
    ),
    path(
        "api/v1/dashboard/report/<int:year>.pdf",
        report.ReportPdfApi.as_view(),
        name="api_report_pdf",
    ),
    path(
        "api/v1/dashboard/report/<int:year>.docx",
        report.ReportDocxApi.as_view(),
        name="api_report_docx",
    ),
]
