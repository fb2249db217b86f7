"""Questions (咨询; issue 18 §4, `questions.rules`): asked by anyone, answered by the bureau's
staff within `ANSWER_WORKING_DAYS` working days, closed (spam, a duplicate, another stated
reason), or moved into the inspections' leads when the message is in fact a report of a
violation (举报) or a consumer complaint (投诉), where its own legal clock runs from the day it
came in (`inspections.services.leads.lead_create`; docs/domain.md §10).

Who acts: the bureau answers questions (the fourth party of the channel). Staff whose
jurisdiction is the whole district (the bureau's, superusers) see and act on every question;
a partner department's staff and enterprise users on none. Each step locks the question,
compares the version read (a stale one is a `ConflictError`: nothing is written), validates,
writes and records its audit event in one transaction. The asker's name and contact never go
into an audit event.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.selectors import bureau_profiles
from credit_portal.text import character_label, invisible_characters, unstorable_character
from credit_portal.workdays import deadline_after
from enterprises.models import Enterprise
from inspections.models import Lead
from inspections.services.leads import PHONE_PATTERN, lead_create, receipt_code_new, receipt_digest
from questions import audit_events as events
from questions import rules
from questions.models import Party, Question, Topic
from questions.services.abuse import (
    client_digest,
    contact_digest,
    form_token_problem,
    limit_reached,
)
from questions.services.notices import answer_notice_queue, answer_notices_wake

Status = Question.Status
CloseReason = Question.CloseReason


class AskLimitError(ValidationError):
    """A question refused by an abuse limit: a 429 on the page and the API, with the wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="limit")
        self.retry_after = retry_after


# --------------------------------------------------------------------------- helpers


def text_problems(
    problems: dict[str, list[str]],
    field: str,
    value: str,
    *,
    limit: int,
    required: str | None = None,
    visible: bool = False,
    minimum: int = 0,
) -> str:
    """`value` stripped; its problems (missing, too short or long, characters the database
    cannot hold, invisible characters in a name) added to `problems[field]`."""
    value = (value or "").strip()
    if not value:
        if required:
            problems.setdefault(field, []).append(required)
        return value
    if len(value) > limit:
        problems.setdefault(field, []).append(
            _("At most %(n)d characters (this has %(m)d).") % {"n": limit, "m": len(value)}
        )
    elif minimum and len(value) < minimum:
        problems.setdefault(field, []).append(
            _("Say a little more: at least %(n)d characters.") % {"n": minimum}
        )
    bad = unstorable_character(value)
    if bad is not None:
        problems.setdefault(field, []).append(
            _("This text contains a character that cannot be stored (%(ch)s).")
            % {"ch": character_label(bad)}
        )
    elif visible:
        hidden = invisible_characters(value)
        if hidden:
            problems.setdefault(field, []).append(
                _("Remove the invisible characters: %(chars)s.")
                % {"chars": ", ".join(character_label(c) for c in hidden)}
            )
    return value


def answers_questions(actor: User | None) -> bool:
    """Whether the user's jurisdiction covers the questions: the bureau's staff, superusers."""
    if actor is None or not actor.is_authenticated:
        return False
    return bool(actor.is_superuser or bureau_profiles(user=actor).exists())


def _jurisdiction_problem(actor: User) -> None:
    if not answers_questions(actor):
        raise ValidationError(
            _("Questions are answered by the bureau's staff."), code="jurisdiction"
        )


def _locked(question: Question, expected_version: int) -> Question:
    locked = Question.objects.select_for_update().get(pk=question.pk)
    if locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else acted on this question first: it is now “%(status)s”. Nothing "
                "was written; read it again before you act."
            )
            % {"status": locked.get_status_display()},
            current_version=locked.version,
        )
    return locked


def _status_problem(question: Question, allowed: tuple[str, ...]) -> None:
    if question.status not in allowed:
        raise ValidationError(
            _("This question is “%(status)s”: that step is no longer possible.")
            % {"status": question.get_status_display()},
            code="status",
        )


def _saved(question: Question) -> Question:
    question.version += 1
    question.save()
    return question


def _audit(actor: User | None, event_type: str, question: Question, **extra: object) -> None:
    audit_event_record(
        actor=actor,
        event_type=event_type,
        target=question,
        enterprise=question.enterprise,
        extra={"number": question.number, **extra},
    )


def _next_seq(year: int) -> int:
    stem = rules.NUMBER_FORMAT.split("{seq")[0].format(year=year)
    seqs = [
        int(number[len(stem) :])
        for number in Question.objects.filter(number__startswith=stem).values_list(
            "number", flat=True
        )
        if number[len(stem) :].isdigit()
    ]
    return max(seqs, default=0) + 1


def _number_allocate(pk: int, year: int) -> str:
    """The next number of the year, written to the row (a unique index and a retry keep two
    questions asked at once apart)."""
    seq = _next_seq(year)
    for _attempt in range(rules.NUMBER_ATTEMPTS):
        number = rules.NUMBER_FORMAT.format(year=year, seq=seq)
        try:
            with transaction.atomic():
                Question.objects.filter(pk=pk).update(number=number)
        except IntegrityError:
            seq = max(_next_seq(year), seq + 1)
            continue
        return number
    raise ValidationError(
        _("No question number could be allocated just now; please try again."), code="busy"
    )


def _contact_problems(problems: dict[str, list[str]], phone: str, email: str) -> tuple[str, str]:
    phone = (phone or "").strip()
    email = (email or "").strip()
    if phone and (len(phone) > rules.PHONE_MAX or not PHONE_PATTERN.match(phone)):
        problems.setdefault("phone", []).append(
            _("Give a phone number the bureau can call (digits, for example 13800000000).")
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.setdefault("email", []).append(_("Enter a valid email address."))
    return phone, email


# --------------------------------------------------------------------------- ask


# The first key of the advisory lock that serialises one client's questions (two-key form, so
# that it cannot collide with another app's single-key locks).
_ASK_LOCK = 18_400


def _limits_lock(client: str) -> None:
    """Serialise the questions of one client address for the rest of the transaction, so that
    simultaneous posts cannot each count themselves under the limit (PostgreSQL; SQLite
    serialises writing transactions itself)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_ASK_LOCK, client])


@transaction.atomic
def question_ask(
    *,
    party: str,
    topic: str,
    text: str,
    enterprise_name: str = "",
    name: str = "",
    phone: str = "",
    email: str = "",
    client_address: str | None = None,
    form_token: str | None = None,
    honeypot: str = "",
    asked_at: dt.datetime | None = None,
) -> tuple[Question, str]:
    """Receive a question from anyone (no login); returns it and its receipt code, shown once and
    kept only as a digest (the asker reads the answer with it at /questions/status/).

    Rules:
    - party and topic from their lists; the text `TEXT_MIN`–`TEXT_MAX` characters; a name, a
      business's name without invisible characters; a phone or an email optional (to be told of
      the answer), well formed.
    - Abuse (captcha-free): the honeypot empty; from the HTML form (`form_token` given), served
      at least `MIN_FILL_SECONDS` before and signed by us; at most `PER_ADDRESS_PER_HOUR` and
      `PER_ADDRESS_PER_DAY` questions from the client address, `PER_CONTACT_PER_DAY` with the
      same contact (`AskLimitError`, a 429, with the wait).
    - Links or markup in the text or the names flag the question (`flagged`): it is shown
      escaped and its wording is published only after a review (`faq_publish`).
    Side effects: the question numbered 咨询〔year〕NNNN, due `ANSWER_WORKING_DAYS` WD after the
    day asked (provisional where the calendar is not known); the client address kept as a keyed
    digest only; an audit event (no name, contact or text).
    """
    asked_at = asked_at or timezone.now()
    problems: dict[str, list[str]] = {}
    if (honeypot or "").strip():
        raise ValidationError(
            _("This form could not be sent. Reload the page and write your question again."),
            code="honeypot",
        )
    if form_token is not None:
        found = form_token_problem(form_token)
        if found is not None:
            raise ValidationError(found[1], code=found[0])
    if party not in Party.values:
        problems.setdefault("party", []).append(_("Say who you are: choose one."))
    if topic not in Topic.values:
        problems.setdefault("topic", []).append(_("Choose what your question is about."))
    text = text_problems(
        problems,
        "text",
        text,
        limit=rules.TEXT_MAX,
        minimum=rules.TEXT_MIN,
        required=_("Write your question."),
    )
    enterprise_name = text_problems(
        problems, "enterprise_name", enterprise_name, limit=rules.ENTERPRISE_NAME_MAX, visible=True
    )
    name = text_problems(problems, "name", name, limit=rules.NAME_MAX, visible=True)
    phone, email = _contact_problems(problems, phone, email)
    if problems:
        raise ValidationError(problems)
    client = client_digest(client_address)
    contact = contact_digest(phone, email)
    _limits_lock(client)
    limited = limit_reached(client=client, contact=contact, now=asked_at)
    if limited is not None:
        raise AskLimitError(limited.message, retry_after=limited.retry_after)

    asked_on = timezone.localdate(asked_at)
    due = deadline_after(asked_on, rules.ANSWER_WORKING_DAYS)
    flags = rules.link_or_markup(" ".join((text, enterprise_name, name)))
    code = receipt_code_new()
    question = Question.objects.create(
        number=f"tmp-{secrets.token_hex(8)}",
        asked_at=asked_at,
        asked_on=asked_on,
        party=party,
        topic=topic,
        enterprise_name=enterprise_name,
        text=text,
        name=name,
        phone=phone,
        email=email,
        receipt_digest=receipt_digest(code),
        client_digest=client,
        contact_digest=contact,
        flagged=bool(flags),
        due_on=due.day,
        due_provisional=due.provisional,
    )
    question.number = _number_allocate(question.pk, asked_on.year)
    _audit(
        None,
        events.QUESTION_ASKED,
        question,
        party=party,
        topic=topic,
        due_on=due.day,
        provisional=due.provisional,
        flags=flags,
        contact=bool(contact),
    )
    return question, code


# --------------------------------------------------------------------------- staff steps


@transaction.atomic
def question_assign(
    *, actor: User, question: Question, handler: User, expected_version: int
) -> Question:
    """Give an open question to a colleague who answers questions (the bureau's).
    Side effects: handler; an audit event."""
    _jurisdiction_problem(actor)
    locked = _locked(question, expected_version)
    _status_problem(locked, (Status.NEW,))
    if not handler.is_active or not (
        handler.has_perm("questions.answer_question") and answers_questions(handler)
    ):
        raise ValidationError(
            {"handler": [_("Choose a colleague of the bureau who answers questions.")]}
        )
    before = locked.handler_id
    locked.handler = handler
    _saved(locked)
    _audit(
        actor,
        events.QUESTION_ASSIGNED,
        locked,
        step="assigned",
        handler=handler.pk,
        handler_before=before,
    )
    return locked


@transaction.atomic
def question_answer(
    *, actor: User, question: Question, answer: str, expected_version: int
) -> Question:
    """Answer a question, or correct the answer of an answered one. The asker reads it with
    the receipt code (/questions/status/); one who left an e-mail address is told once, by a
    job (`questions.services.notices`: the message carries the answer as it is when sent);
    one who left only a phone is called by the handler.
    Side effects: answer, answered_at/by, status answered (handler: the actor when none);
    the first answer queues the e-mail to the asker (`answer_notice_queue`); an audit event
    (late when past the due day)."""
    _jurisdiction_problem(actor)
    locked = _locked(question, expected_version)
    _status_problem(locked, (Status.NEW, Status.ANSWERED))
    problems: dict[str, list[str]] = {}
    answer = text_problems(
        problems, "answer", answer, limit=rules.ANSWER_MAX, required=_("Write the answer.")
    )
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    first = locked.status == Status.NEW
    locked.answer = answer
    locked.answered_at = now
    locked.answered_by = actor
    locked.status = Status.ANSWERED
    if locked.handler_id is None:
        locked.handler = actor
    _saved(locked)
    if first and answer_notice_queue(locked) is not None:
        answer_notices_wake(locked)
    _audit(
        actor,
        events.QUESTION_ANSWERED,
        locked,
        step="answered" if first else "answer_corrected",
        late=timezone.localdate(now) > locked.due_on,
    )
    return locked


@transaction.atomic
def question_close(
    *,
    actor: User,
    question: Question,
    reason: str,
    expected_version: int,
    note: str = "",
    duplicate_of: Question | None = None,
) -> Question:
    """Close an open question without an answer: spam or abuse, a duplicate of another question
    (named), or another reason (stated). Side effects: close_reason, close_note, duplicate_of,
    closed_at, status closed; an audit event."""
    _jurisdiction_problem(actor)
    locked = _locked(question, expected_version)
    _status_problem(locked, (Status.NEW,))
    problems: dict[str, list[str]] = {}
    if reason not in CloseReason.values:
        problems.setdefault("reason", []).append(_("Choose why the question is closed."))
    note = text_problems(
        problems,
        "note",
        note,
        limit=rules.REASON_MAX,
        required=_("Say why the question is closed.") if reason == CloseReason.OTHER else None,
    )
    if reason == CloseReason.DUPLICATE:
        if duplicate_of is None:
            problems.setdefault("duplicate_of", []).append(
                _("Give the number of the question this one repeats.")
            )
        elif duplicate_of.pk == locked.pk:
            problems.setdefault("duplicate_of", []).append(
                _("A question cannot be a duplicate of itself.")
            )
    elif duplicate_of is not None:
        problems.setdefault("duplicate_of", []).append(
            _("Only a duplicate names the question it repeats.")
        )
    if problems:
        raise ValidationError(problems)
    locked.status = Status.CLOSED
    locked.close_reason = reason
    locked.close_note = note
    locked.duplicate_of = duplicate_of if reason == CloseReason.DUPLICATE else None
    locked.closed_at = timezone.now()
    _saved(locked)
    _audit(
        actor,
        events.QUESTION_CLOSED,
        locked,
        step="closed",
        reason=reason,
        duplicate_of=duplicate_of.number if duplicate_of is not None else "",
    )
    return locked


@transaction.atomic
def question_link_enterprise(
    *, actor: User, question: Question, enterprise: Enterprise, expected_version: int
) -> Question:
    """Link a question to the registered entity it is about (the asker gave a free name).
    Side effects: enterprise; an audit event."""
    _jurisdiction_problem(actor)
    locked = _locked(question, expected_version)
    _status_problem(locked, (Status.NEW, Status.ANSWERED))
    before = locked.enterprise_id
    locked.enterprise = enterprise
    _saved(locked)
    _audit(
        actor,
        events.QUESTION_LINKED,
        locked,
        step="linked",
        uscc=enterprise.uscc,
        enterprise_before=before,
    )
    return locked


@transaction.atomic
def question_move_to_lead(
    *,
    actor: User,
    question: Question,
    kind: str,
    expected_version: int,
    subject_name: str = "",
    subject_address: str = "",
    enterprise: Enterprise | None = None,
    anonymous: bool | None = None,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    reporter_email: str | None = None,
    department: Department | None = None,
) -> tuple[Question, Lead, str]:
    """Move a message that is in fact a report of a violation (举报, `kind="report"`) or a
    consumer complaint (投诉, `kind="complaint"`) into the inspections' leads, where its own
    legal clock runs from the day the message came in (`received_on` = the day asked: 15 WD to
    verify a report, 7 WD to accept a complaint; docs/domain.md §10).

    Rules: an open question; the actor handles leads (`inspections.handle_lead`); the lead's
    rules are `lead_create`'s (channel "question"; whom it is about, by default the business the
    question names or its linked entity; a complaint needs the complainant's name and a phone
    or email; a report may be anonymous, and is by default when the asker gave no name). The
    asker's identity goes to the lead, where it is read only by handling staff (audited), and
    is cleared from the question.
    Side effects: the lead (its number, clock, receipt code: returned once); the question's
    lead, moved_at, status moved, its name, phone and email cleared; an audit event here and
    the lead's own.
    """
    _jurisdiction_problem(actor)
    if not actor.has_perm("inspections.handle_lead"):
        raise ValidationError(
            _("Only staff who handle leads move a question into the leads."), code="denied"
        )
    locked = _locked(question, expected_version)
    _status_problem(locked, (Status.NEW,))
    if kind not in (Lead.Kind.REPORT, Lead.Kind.COMPLAINT):
        raise ValidationError(
            {"kind": [_("Choose: a report of a violation (举报) or a consumer complaint (投诉).")]}
        )
    enterprise = enterprise or locked.enterprise
    name = locked.name if reporter_name is None else reporter_name
    phone = locked.phone if reporter_phone is None else reporter_phone
    email = locked.email if reporter_email is None else reporter_email
    if anonymous is None:
        anonymous = kind == Lead.Kind.REPORT and not (name or "").strip()
    if anonymous:
        name = phone = email = ""
    lead, code = lead_create(
        actor=actor,
        kind=kind,
        channel=Lead.Channel.QUESTION,
        received_on=locked.asked_on,
        subject_name=(subject_name or "").strip() or locked.enterprise_name,
        subject_address=subject_address,
        content=locked.text,
        enterprise=enterprise,
        anonymous=anonymous,
        reporter_name=name,
        reporter_phone=phone,
        reporter_email=email,
        department=department,
    )
    locked.lead = lead
    locked.moved_at = timezone.now()
    locked.status = Status.MOVED
    if enterprise is not None and locked.enterprise_id is None:
        locked.enterprise = enterprise
    locked.name = locked.phone = locked.email = ""
    _saved(locked)
    _audit(
        actor,
        events.QUESTION_MOVED,
        locked,
        step="moved",
        lead=lead.number,
        kind=kind,
        verify_due=lead.verify_due,
        accept_due=lead.accept_due,
    )
    return locked, lead, code
