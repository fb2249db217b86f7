"""The public FAQ (issue 18 §4): answers published in the staff's wording.

Rules (issue 18 "Bad input"; `questions.rules.link_or_markup`):
- the published question and answer are the staff's wording, supplied or confirmed when
  publishing (never the asker's raw text unreviewed);
- a flagged question (links or markup in what the asker wrote) is published only with an
  explicit review (`reviewed=True`);
- the published question never holds a link or markup; the answer never holds markup (a link
  to an official site in the bureau's own answer is kept, shown as plain text).
Publishers: holders of `questions.publish_faq` in the bureau (supervisors, administrators).
A published entry's wording is edited in place (`faq_edit`) under the same rules: the version
read (a stale one is refused, naming both versions), the review of a flagged source confirmed
again, the before and after kept in the audit log (docs/domain.md §10 "Enquiries").
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import User
from questions import audit_events as events
from questions import rules
from questions.models import FaqEntry, Question, Topic
from questions.services.questions import _jurisdiction_problem, _locked, text_problems


def _publisher_problem(actor: User) -> None:
    _jurisdiction_problem(actor)
    if not actor.has_perm("questions.publish_faq"):
        raise ValidationError(_("Only staff who publish the FAQ may do this."), code="denied")


def _wording_problems(
    problems: dict[str, list[str]],
    *,
    question_text: str,
    answer: str,
    topic: str,
    order: int,
    flagged: bool,
    reviewed: bool,
) -> tuple[str, str]:
    """The rules of a published wording (see the module's rules), added to `problems`; the
    question and answer stripped."""
    if topic not in Topic.values:
        problems.setdefault("topic", []).append(_("Choose the topic the entry goes under."))
    question_text = text_problems(
        problems,
        "question_text",
        question_text,
        limit=rules.FAQ_QUESTION_MAX,
        required=_("Write the question as it is to be published."),
    )
    answer = text_problems(
        problems,
        "answer",
        answer,
        limit=rules.FAQ_ANSWER_MAX,
        required=_("Write the answer as it is to be published."),
    )
    if flagged and not reviewed:
        problems.setdefault("reviewed", []).append(
            _(
                "The question holds links or markup: review the wording, remove them, and "
                "confirm the review before it is published."
            )
        )
    if question_text and rules.link_or_markup(question_text):
        problems.setdefault("question_text", []).append(
            _(
                "The published question still holds a link or markup (a web address, <…> or "
                "&…;): remove it. The FAQ shows plain text only."
            )
        )
    if answer and "markup" in rules.link_or_markup(answer):
        problems.setdefault("answer", []).append(
            _("The published answer holds markup (<…> or &…;): remove it. Plain text only.")
        )
    if not 0 <= order <= 10000:
        problems.setdefault("order", []).append(_("An order from 0 to 10000."))
    return question_text, answer


@transaction.atomic
def faq_publish(
    *,
    actor: User,
    question_text: str,
    answer: str,
    topic: str = "",
    source: Question | None = None,
    expected_version: int | None = None,
    reviewed: bool = False,
    order: int = 100,
) -> FaqEntry:
    """Publish a question and its answer in the FAQ, in the wording given (see the module's
    rules). From a question (`source`): it is answered, the version read is current, its topic
    is the default. Side effects: the entry; the source's version goes up; an audit event."""
    _publisher_problem(actor)
    locked: Question | None = None
    if source is not None:
        if expected_version is None:
            raise ValidationError(_("Send the version of the question you read."), code="version")
        locked = _locked(source, expected_version)
        if locked.status != Question.Status.ANSWERED:
            raise ValidationError(
                _("Only an answered question is published in the FAQ."), code="status"
            )
        if FaqEntry.objects.filter(source=locked, unpublished_at__isnull=True).exists():
            raise ValidationError(
                _(
                    "This question is already in the FAQ. Edit that entry's wording instead, "
                    "or take it off first."
                ),
                code="published",
            )
        topic = topic or locked.topic
    problems: dict[str, list[str]] = {}
    question_text, answer = _wording_problems(
        problems,
        question_text=question_text,
        answer=answer,
        topic=topic,
        order=order,
        flagged=bool(locked is not None and locked.flagged),
        reviewed=reviewed,
    )
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    entry = FaqEntry.objects.create(
        question=question_text,
        answer=answer,
        topic=topic,
        order=order,
        source=locked,
        published_at=now,
        published_by=actor,
    )
    if locked is not None:
        locked.version += 1
        locked.save(update_fields=["version"])
    audit_event_record(
        actor=actor,
        event_type=events.FAQ_PUBLISHED,
        target=entry,
        extra={
            "number": locked.number if locked is not None else "",
            "step": "published",
            "topic": topic,
            "reviewed": bool(reviewed),
            "flagged": bool(locked and locked.flagged),
        },
    )
    return entry


@transaction.atomic
def faq_unpublish(*, actor: User, entry: FaqEntry, expected_version: int) -> FaqEntry:
    """Take an entry off the public FAQ (kept, with who and when).
    Side effects: unpublished_at/by; an audit event."""
    _publisher_problem(actor)
    locked = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.version != expected_version:
        raise ConflictError(
            _("Someone else changed this FAQ entry first. Nothing was written; read it again."),
            current_version=locked.version,
        )
    if locked.unpublished_at is not None:
        raise ValidationError(_("This entry is no longer published."), code="status")
    locked.unpublished_at = timezone.now()
    locked.unpublished_by = actor
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.FAQ_UNPUBLISHED,
        target=locked,
        extra={"step": "unpublished", "topic": locked.topic},
    )
    return locked


# The fields of an entry an edit may change (the wording as shown to the public, its place).
FAQ_EDIT_FIELDS = ("question", "answer", "topic", "order")


@transaction.atomic
def faq_edit(
    *,
    actor: User,
    entry: FaqEntry,
    expected_version: int,
    question_text: str,
    answer: str,
    topic: str | None = None,
    order: int | None = None,
    reviewed: bool = False,
) -> FaqEntry:
    """Edit a published entry in place: its question and answer as the public reads them (and
    its topic and order, unchanged when not given).

    Rules: a publisher of the bureau (`_publisher_problem`); the version read is current (a
    stale one is a `ConflictError` naming both versions: nothing is written); the entry is still
    published (an entry taken off stays as it was published); the wording follows the publishing
    rules (`_wording_problems`), so an entry from a flagged question is saved only with the
    review confirmed again. An edit that changes nothing writes nothing.
    Side effects: the entry's fields, its version + 1; an audit event with the fields changed and
    their values before and after."""
    _publisher_problem(actor)
    locked = (
        FaqEntry.objects.select_for_update(of=("self",)).select_related("source").get(pk=entry.pk)
    )
    if locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this FAQ entry meanwhile (it is now version %(current)d; "
                "you read version %(read)d). Nothing was saved: compare their wording with "
                "yours, then save again."
            )
            % {"current": locked.version, "read": expected_version},
            current_version=locked.version,
        )
    if locked.unpublished_at is not None:
        raise ValidationError(
            _("This entry is no longer published: publish the question again instead."),
            code="status",
        )
    topic = locked.topic if topic is None else topic
    order = locked.order if order is None else order
    problems: dict[str, list[str]] = {}
    question_text, answer = _wording_problems(
        problems,
        question_text=question_text,
        answer=answer,
        topic=topic,
        order=order,
        flagged=bool(locked.source is not None and locked.source.flagged),
        reviewed=reviewed,
    )
    if problems:
        raise ValidationError(problems)
    after = {"question": question_text, "answer": answer, "topic": topic, "order": order}
    changed = [f for f in FAQ_EDIT_FIELDS if getattr(locked, f) != after[f]]
    if not changed:
        return locked
    before = {f: getattr(locked, f) for f in changed}
    for field in changed:
        setattr(locked, field, after[field])
    locked.version += 1
    locked.save(update_fields=[*changed, "version"])
    audit_event_record(
        actor=actor,
        event_type=events.FAQ_EDITED,
        target=locked,
        extra={
            "number": locked.source.number if locked.source is not None else "",
            "step": "edited",
            "changed": changed,
            "before": before,
            "after": {f: after[f] for f in changed},
            "version": locked.version,
            "reviewed": bool(reviewed),
        },
    )
    return locked
