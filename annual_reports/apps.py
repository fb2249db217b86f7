from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnualReportsConfig(AppConfig):
    name = "annual_reports"
    verbose_name = _("Annual reports")

    def ready(self) -> None:
        from annual_reports import audit_events, jobs, kinds

        kinds.declare()
        audit_events.declare()
        jobs.declare()  # the daily jobs (credit_portal.daily)
        from annual_reports import demo

        demo.declare()  # the demo district's step (credit_portal.demo)
        from annual_reports import inbox

        inbox.declare_inbox_sources()  # the staff inbox (credit_portal.inbox)
