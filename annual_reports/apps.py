from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnualReportsConfig(AppConfig):
    name = "annual_reports"
    verbose_name = _("Annual reports")

    def ready(self) -> None:
        from annual_reports import kinds

        kinds.declare()
