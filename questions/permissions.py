"""Permission codenames of the questions app, as the views, the API and the roles name them
(granted in migration 0002)."""

from enum import StrEnum


class QuestionPerm(StrEnum):
    VIEW = "questions.view_question"
    ANSWER = "questions.answer_question"
    VIEW_FAQ = "questions.view_faqentry"
    PUBLISH_FAQ = "questions.publish_faq"
