"""What the questions app puts in a staff member's inbox (credit_portal.inbox, issue 18 §5):
questions waiting for an answer, by the working-day day they are to be answered by
(`Question.due_on`), for the bureau's staff who answer them (`questions_for_user`), either not
taken yet by anyone or taken by this user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from credit_portal.inbox import inbox_source_declare
from credit_portal.models import User
from questions.models import Question
from questions.permissions import QuestionPerm
from questions.selectors import questions_for_user


def questions_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Open questions of the bureau, not taken by someone else."""
    qs = questions_for_user(user=user).filter(
        Q(handler__isnull=True) | Q(handler_id=user.pk), status=Question.Status.NEW
    )
    return qs.annotate(item_id=F("pk"), step=Value("answer", output_field=CharField())).values(
        "item_id", "due_on", "enterprise_name", "step"
    )


def declare_inbox_sources() -> None:
    inbox_source_declare(
        "questions.questions",
        label=_("Questions"),
        func=questions_waiting,
        order=400,
        perm=QuestionPerm.ANSWER,
        url_name="questions:detail",
        list_url_name="questions:list",
        steps={"answer": _("Answer the question")},
    )
