"""The audit event types of the questions app (credit_portal.audit), declared from
`QuestionsConfig.ready()`. An event names the question by its number and says what the step
changed; never the asker's name, phone or email, nor the client address."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from credit_portal.audit import AuditEventType, audit_event_types_declare

QUESTION_ASKED = "questions.question_asked"
QUESTION_ASSIGNED = "questions.question_assigned"
QUESTION_ANSWERED = "questions.question_answered"
QUESTION_CLOSED = "questions.question_closed"
QUESTION_LINKED = "questions.question_linked"
QUESTION_MOVED = "questions.question_moved_to_lead"
FAQ_PUBLISHED = "questions.faq_published"
FAQ_UNPUBLISHED = "questions.faq_unpublished"
FAQ_EDITED = "questions.faq_edited"
ANSWER_NOTICE_SENT = "questions.answer_notice_sent"
CONTACT_VIEWED = "questions.contact_viewed"
DEMO_BUILT = "questions.demo_built"


def _summary(event: Any) -> dict[str, Any]:
    extra = event.extra or {}
    parts = [str(extra[k]) for k in ("number", "step", "lead") if extra.get(k)]
    return {"summary": " · ".join(parts)}


def declare() -> None:
    audit_event_types_declare(
        AuditEventType(QUESTION_ASKED, _("Question received"), _summary),
        AuditEventType(QUESTION_ASSIGNED, _("Question assigned"), _summary),
        AuditEventType(QUESTION_ANSWERED, _("Question answered"), _summary),
        AuditEventType(QUESTION_CLOSED, _("Question closed"), _summary),
        AuditEventType(QUESTION_LINKED, _("Question linked to a market entity"), _summary),
        AuditEventType(QUESTION_MOVED, _("Question moved to the leads"), _summary),
        AuditEventType(FAQ_PUBLISHED, _("FAQ entry published"), _summary),
        AuditEventType(FAQ_UNPUBLISHED, _("FAQ entry unpublished"), _summary),
        AuditEventType(FAQ_EDITED, _("FAQ entry edited"), _summary),
        AuditEventType(ANSWER_NOTICE_SENT, _("Asker told of the answer by email"), _summary),
        AuditEventType(CONTACT_VIEWED, _("Asker's contact viewed"), _summary),
        AuditEventType(DEMO_BUILT, _("Demo questions built"), _summary),
    )
