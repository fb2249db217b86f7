from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk classification")

    def ready(self) -> None:
        from risk import audit_events, capabilities, demo, inbox, jobs

        audit_events.declare()
        capabilities.declare()
        jobs.declare()  # the daily jobs, the run's job kind, the ledger subscription
        demo.declare()  # the demo district's step (credit_portal.demo)
        inbox.declare_inbox_sources()  # the staff inbox (credit_portal.inbox)
