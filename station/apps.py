from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationConfig(AppConfig):
    name = "station"
    verbose_name = _("Credit station")

    def ready(self) -> None:
        pass
