"""The questions app's daily job (`credit_portal.daily`, band 400–409): open questions
overdue and due soon, counted for the run's summary (`questions.selectors.questions_clock_job`;
reads only)."""

from __future__ import annotations


def declare() -> None:
    """Called from `QuestionsConfig.ready()`."""
    from django.utils.translation import gettext_lazy as _

    from credit_portal.daily import daily_job_register

    daily_job_register(
        "questions.clock",
        func="questions.selectors.questions_clock_job",
        order=400,
        label=_("Questions waiting for an answer, overdue and due soon"),
        count_labels={
            "open": _("questions waiting for an answer"),
            "overdue": _("questions overdue"),
            "due_soon": _("questions due soon"),
            "flagged": _("open questions with links or markup"),
        },
    )
