from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "remediation"
    verbose_name = _("Enforcement and credit repair")

    def ready(self) -> None:
        from remediation import audit_events, capabilities, demo, jobs, kinds

        kinds.declare()
        audit_events.declare()
        capabilities.declare()
        jobs.declare()  # the daily jobs (credit_portal.daily)
        demo.declare()  # the demo district's step (credit_portal.demo)
