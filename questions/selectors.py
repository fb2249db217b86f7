"""Reads of the questions app: the questions a user may see (the bureau answers them), the
staff queue (open questions by due day, the overdue first, then the rest newest first), a
question found by its receipt code, the public FAQ grouped by topic, and the daily counts.

Jurisdiction (`questions_for_user`): the bureau's staff and superusers see every question; a
partner department's staff, enterprise users and anyone else none. The asker's name and
contact are on the question for the staff; the public reads only status, dates and answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from credit_portal.models import StaffProfile, User
from credit_portal.workdays import add_working_days, working_days_between
from inspections.services.leads import receipt_digest
from questions import rules
from questions.models import FaqEntry, Question, Topic

Status = Question.Status


def questions_for_user(*, user: User) -> QuerySet[Question]:
    """The questions a user may see (module docstring). Lazy: no query until read."""
    qs = Question.objects.select_related("enterprise", "handler", "answered_by", "lead")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    bureau = StaffProfile.objects.filter(user_id=user.pk, department__is_bureau=True)
    return qs.filter(Exists(bureau))


def question_for_user(*, user: User, pk: int) -> Question:
    found = questions_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No question with this number is visible to you."))
    return found


def question_queue(
    *,
    user: User,
    status: str = "",
    topic: str = "",
    party: str = "",
    flagged: bool | None = None,
    search: str = "",
) -> QuerySet[Question]:
    """The staff queue: open questions first, by the day the answer is due (the overdue on top),
    then the others, newest first. Filters: status, topic, party, flagged, a number or words of
    the text or the business's name."""
    qs = questions_for_user(user=user).annotate(
        open_rank=Case(
            When(status=Status.NEW, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    if status:
        qs = qs.filter(status=status)
    if topic:
        qs = qs.filter(topic=topic)
    if party:
        qs = qs.filter(party=party)
    if flagged is not None:
        qs = qs.filter(flagged=flagged)
    search = (search or "").strip()[: rules.SEARCH_MAX]
    if search:
        qs = qs.filter(
            Q(number=search) | Q(text__icontains=search) | Q(enterprise_name__icontains=search)
        )
    return qs.order_by(
        "open_rank",
        Case(When(status=Status.NEW, then="due_on"), default=Value(None)).asc(nulls_last=True),
        "-asked_at",
        "-id",
    )


def overdue_count(*, user: User, today: dt.date) -> int:
    return questions_for_user(user=user).filter(status=Status.NEW, due_on__lt=today).count()


def question_by_receipt(code: str) -> Question | None:
    """The question a receipt code belongs to, or None (only the digest is stored)."""
    if not (code or "").strip():
        return None
    return (
        Question.objects.select_related("lead").filter(receipt_digest=receipt_digest(code)).first()
    )


@dataclass(frozen=True)
class Due:
    """When the answer is due, whether provisional, and working days left (negative: overdue
    by that many)."""

    day: dt.date
    provisional: bool
    working_days_left: int

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.working_days_left

    @property
    def soon(self) -> bool:
        return 0 <= self.working_days_left <= rules.DUE_SOON_WORKING_DAYS


def question_due(question: Question, *, today: dt.date) -> Due | None:
    """The answer's due day for an open question; None when nothing is due."""
    if question.status != Status.NEW:
        return None
    return Due(
        day=question.due_on,
        provisional=question.due_provisional,
        working_days_left=working_days_between(today, question.due_on),
    )


# --------------------------------------------------------------------------- the FAQ


@dataclass(frozen=True)
class FaqGroup:
    topic: str
    label: str
    entries: list[FaqEntry]


def faq_published(*, topic: str = "", search: str = "") -> QuerySet[FaqEntry]:
    """Published entries (by topic, order, newest), filtered by topic and words."""
    qs = FaqEntry.objects.filter(unpublished_at__isnull=True).only(
        "id", "question", "answer", "topic", "order", "published_at"
    )
    if topic in Topic.values:
        qs = qs.filter(topic=topic)
    for word in (search or "").strip()[: rules.SEARCH_MAX].split()[:5]:
        qs = qs.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return qs.order_by("topic", "order", "-published_at", "id")


def faq_grouped(*, topic: str = "", search: str = "") -> list[FaqGroup]:
    """The published FAQ grouped by topic, in the topics' order (one query)."""
    by_topic: dict[str, list[FaqEntry]] = {}
    for entry in faq_published(topic=topic, search=search):
        by_topic.setdefault(entry.topic, []).append(entry)
    return [
        FaqGroup(value, str(label), by_topic[value])
        for value, label in Topic.choices
        if value in by_topic
    ]


# --------------------------------------------------------------------------- the daily job


def questions_clock_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """`questions.clock` (order 400): open questions overdue and due soon. Reads only."""
    soon_until = add_working_days(on, rules.DUE_SOON_WORKING_DAYS)
    open_ = Question.objects.filter(status=Status.NEW)
    return {
        "open": open_.count(),
        "overdue": open_.filter(due_on__lt=on).count(),
        "due_soon": open_.filter(due_on__gte=on, due_on__lte=soon_until).count(),
        "flagged": open_.filter(flagged=True).count(),
    }


# --------------------------------------------------------------------------- the FAQ, for staff


def faq_entries_for_user(
    *, user: User, published: bool | None = None, topic: str = "", search: str = ""
) -> QuerySet[FaqEntry]:
    """The FAQ entries staff keep (published first, then taken off; by topic and order): every
    entry for those who answer questions (the bureau's staff, superusers: the questions'
    jurisdiction), none for anyone else. Filters: published or not, topic, words."""
    qs = FaqEntry.objects.select_related("source", "published_by", "unpublished_by")
    if not user.is_authenticated:
        return qs.none()
    if not user.is_superuser:
        bureau = StaffProfile.objects.filter(user_id=user.pk, department__is_bureau=True)
        qs = qs.filter(Exists(bureau))
    if published is not None:
        qs = qs.filter(unpublished_at__isnull=published)
    if topic in Topic.values:
        qs = qs.filter(topic=topic)
    for word in (search or "").strip()[: rules.SEARCH_MAX].split()[:5]:
        qs = qs.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return qs.annotate(
        off=Case(
            When(unpublished_at__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("off", "topic", "order", "-published_at", "-id")


def faq_entry_for_user(*, user: User, pk: int) -> FaqEntry:
    found = faq_entries_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No FAQ entry with this number is visible to you."))
    return found
