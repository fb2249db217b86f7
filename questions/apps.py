from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = _("Questions answered online")

    def ready(self) -> None:
        from questions import audit_events, capabilities, demo, inbox, jobs

        audit_events.declare()
        capabilities.declare()
        jobs.declare()  # the daily count of open and overdue questions (order 400)
        demo.declare()  # the demo district's questions and FAQ (order 400)
        inbox.declare_inbox_sources()  # the staff inbox (credit_portal.inbox)
