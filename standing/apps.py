from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandingConfig(AppConfig):
    name = "standing"
    verbose_name = _("Letters of good standing")

    def ready(self) -> None:
        from credit_portal.db import guarded_tables_declare
        from standing import audit_events, capabilities, checks, demo

        audit_events.declare()
        capabilities.declare()
        demo.declare()  # the demo district's step (credit_portal.demo), order 410
        checks.declare()  # check --deploy: the public address letters print (standing.E001)
        # Append-only apart from revocation (migration 0003_letters_guard).
        guarded_tables_declare("standing_standingletter")
