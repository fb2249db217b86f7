from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Random inspections")

    def ready(self) -> None:
        from credit_portal.db import guarded_tables_declare
        from inspections import audit_events, capabilities, demo, inbox, jobs, kinds

        kinds.declare()
        audit_events.declare()
        capabilities.declare()
        jobs.declare()  # the daily jobs and the draw's job kind
        demo.declare()  # the demo district's step (credit_portal.demo)
        inbox.declare_inbox_sources()  # the staff inbox (credit_portal.inbox)
        # Draws are frozen by triggers once written (migration 0004_draws_append_only).
        guarded_tables_declare(
            "inspections_draw",
            "inspections_drawstratum",
            "inspections_drawfile",
            "inspections_exclusion",
            "inspections_selection",
        )
