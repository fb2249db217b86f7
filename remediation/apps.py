from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "remediation"
    verbose_name = _("Enforcement and credit repair")

    def ready(self) -> None:
        from remediation import audit_events, capabilities, demo, inbox, jobs, kinds

        kinds.declare()
        audit_events.declare()
        capabilities.declare()
        jobs.declare()  # the daily jobs (credit_portal.daily)
        demo.declare()  # the demo district's step (credit_portal.demo)
        inbox.declare_inbox_sources()  # the staff inbox (credit_portal.inbox)
        from remediation import demo_directory

        demo_directory.declare()  # the directory's step, after annual_reports.demo
        # Late reports filed, premises changed: what they cure in the directory
        # (remediation.services.directory.directory_filings_apply).
        from enterprises.subscriptions import ledger_subscribe
        from remediation.services.directory import directory_ledger_changed

        ledger_subscribe("remediation.directory", directory_ledger_changed)
