from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationConfig(AppConfig):
    name = "station"
    verbose_name = _("Credit station")

    def ready(self) -> None:
        from station import audit_events, capabilities, demo

        audit_events.declare()
        capabilities.declare()
        demo.declare()  # the demo's policy catalogue (credit_portal.demo, order 420)
