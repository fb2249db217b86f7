from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Random inspections")

    def ready(self) -> None:
        from inspections import kinds

        kinds.declare()
