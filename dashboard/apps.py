from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard and yearly report")

    def ready(self) -> None:
        from dashboard import audit_events, capabilities, demo, jobs

        jobs.declare()  # the daily job `dashboard.tallies` (order 900)
        demo.declare()  # the demo step "dashboard" (order 900)
        capabilities.declare()  # the login page's panel: dashboard:index
        audit_events.declare()  # dashboard.report_downloaded
