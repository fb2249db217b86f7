from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditPortalConfig(AppConfig):
    name = "credit_portal"
    verbose_name = _("Accounts and audit")

    def ready(self) -> None:
        from credit_portal import workdays  # noqa: F401 (its signal receivers: the calendar cache)
        from credit_portal.capabilities import capability_declare
        from credit_portal.jobs import job_kind_register
        from credit_portal.models import DailyRun

        # The runs of the daily jobs: swept every minute for lost wake-ups and dead workers.
        job_kind_register(model=DailyRun, task="credit_portal.tasks.daily_run_task")

        # The login page's panel (credit_portal.capabilities): the core's own part.
        capability_declare(
            "api",
            _("A REST API for other systems, documented with its OpenAPI schema"),
            url_name="api-docs",
            order=60,
        )


class AxesConfig(AxesAppConfig):
    """django-axes (login lockouts) as installed here: its own config, with a name the admin
    can show in the user's language (axes has none to translate)."""

    verbose_name = _("Login lockouts")
