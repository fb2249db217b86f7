from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprise register and credit records")

    def ready(self) -> None:
        from credit_portal.jobs import job_kind_register
        from enterprises import audit_events, capabilities, kinds
        from enterprises.models import ImportJob

        audit_events.declare()
        kinds.declare()
        capabilities.declare()
        # Swept every minute for lost wake-ups and dead workers (credit_portal.jobs).
        job_kind_register(
            model=ImportJob,
            task="enterprises.tasks.import_job_run_task",
            cleanup="enterprises.services.imports.jobs.import_jobs_finished_cleanup",
        )
