from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprise register and credit records")

    def ready(self) -> None:
        from enterprises import audit_events, kinds

        audit_events.declare()
        kinds.declare()
