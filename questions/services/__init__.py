"""Writes of the questions app (one module per area; this package re-exports them)."""

from questions.services.faq import faq_edit, faq_publish, faq_unpublish
from questions.services.questions import (
    AskLimitError,
    question_answer,
    question_ask,
    question_assign,
    question_close,
    question_link_enterprise,
    question_move_to_lead,
)

__all__ = [
    "AskLimitError",
    "faq_edit",
    "faq_publish",
    "faq_unpublish",
    "question_answer",
    "question_ask",
    "question_assign",
    "question_close",
    "question_link_enterprise",
    "question_move_to_lead",
]
