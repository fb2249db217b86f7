"""Telling the asker (docs/domain.md §10 "Enquiries"; `questions.rules` NOTICE_*): an asker who
left an e-mail address gets one message when the answer is given, with the answer and the
address of the page where the receipt code shows it. Never the receipt code (kept only as a
digest), the asker's name or phone, who answered, or anything of a lead.

An outbox (`AnswerNotice`, one row per question): the row is written in the transaction of the
first answer (`answer_notice_queue`), so an answer rolled back tells nobody; the messages go out
from a job (`answer_notices_send`: beat every minute, `manage.py send_answer_notices`, and in
the embedded install, which has no beat, right after the answer commits: that question's
message only), through Django's e-mail backend.

Never twice: each row is claimed in its own committed transaction (status "sending", the
attempt counted) before its message is handed to the mail server, and marked sent after. A
worker killed in between leaves the claim; a run finding a claim older than
`NOTICE_CLAIM_SECONDS` marks it "uncertain" (the message may have left) and does not send it
again. The message goes on a connection opened first (`_deliver`). A failure to connect, or an
outright refusal (sender or recipient refused, DATA answered 4xx/5xx), means the server
accepted nothing: the row goes back to be tried by a later run, up to `NOTICE_MAX_ATTEMPTS`,
then "failed". Any other error while sending (a timeout or a dropped connection once the
message went, a backend's unknown error) may come after the server accepted it: "uncertain",
never sent again. An error closing the connection afterwards changes nothing. Two runs at once
claim different rows (row locks, SKIP LOCKED on PostgreSQL). Each message carries a Message-ID
made from the row, so a mail system that sees it twice can tell.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from questions import audit_events as events
from questions import rules
from questions.models import AnswerNotice, Question

logger = logging.getLogger(__name__)
Notice = AnswerNotice.Status


def answer_notice_queue(question: Question) -> AnswerNotice | None:
    """Queue the message for an answered question whose asker left an e-mail address, once (a
    question already queued is left as it is). Call inside the answering transaction."""
    if not question.email or question.status != Question.Status.ANSWERED:
        return None
    notice, _created = AnswerNotice.objects.get_or_create(
        question=question, defaults={"created_at": timezone.now()}
    )
    return notice


def answer_notices_wake(question: Question) -> None:
    """After the answer commits, send this question's message at once where there is no beat
    (the embedded install: `CREDIT_PORTAL["QUESTION_NOTICES_ON_COMMIT"]`), in the answering
    request: one message, bounded by `EMAIL_TIMEOUT`. Retries and the rest wait for the next
    `manage.py send_answer_notices`. Elsewhere beat sends within the minute."""
    if not settings.CREDIT_PORTAL.get("QUESTION_NOTICES_ON_COMMIT"):
        return
    question_id = question.pk

    def send() -> None:
        try:
            answer_notices_send(question_id=question_id)
        except Exception:  # the answer is saved: the next run sends what this one could not
            logger.exception("questions: sending answer notices after commit failed")

    transaction.on_commit(send)


def _portal_address(path: str) -> str:
    base = str(settings.CREDIT_PORTAL.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + path


def _message_id(notice: AnswerNotice) -> str:
    base = str(settings.CREDIT_PORTAL.get("PUBLIC_BASE_URL") or "")
    host = urlsplit(base).hostname or "credit-portal.invalid"
    return f"<answer-notice-{notice.pk}@{host}>"


def answer_notice_message(notice: AnswerNotice) -> EmailMessage:
    """The message of a notice, in the portal's language: plain text (nothing to escape)."""
    question = notice.question
    conf = settings.CREDIT_PORTAL
    with translation.override(settings.LANGUAGE_CODE):
        bureau = (
            conf["BUREAU_NAME"]
            if settings.LANGUAGE_CODE.startswith("zh")
            else (conf.get("BUREAU_NAME_EN") or conf["BUREAU_NAME"])
        )
        subject = _("Your question %(number)s has been answered") % {"number": question.number}
        body = "\n\n".join(
            [
                _("Your question %(number)s, asked on %(day)s, has been answered by %(bureau)s.")
                % {
                    "number": question.number,
                    "day": question.asked_on.isoformat(),
                    "bureau": bureau,
                },
                _("The answer:") + "\n" + question.answer,
                _(
                    "You can read it at any time with the receipt code you were given when you "
                    "asked (it is not sent by e-mail): %(url)s"
                )
                % {"url": _portal_address(reverse("questions-public:status"))},
                _(
                    "This message was sent because you left this address with your question. "
                    "Do not reply to it; to ask again: %(url)s"
                )
                % {"url": _portal_address(reverse("questions-public:new"))},
            ]
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[question.email],
        headers={"Message-ID": _message_id(notice), "Auto-Submitted": "auto-generated"},
    )
    return message


def _claim(started: dt.datetime, question_id: int | None = None) -> AnswerNotice | None:
    """Claim the oldest notice waiting (not tried during this run; of `question_id` only when
    given), committed before sending."""
    waiting = Q(status=Notice.PENDING)
    if question_id is not None:
        waiting &= Q(question_id=question_id)
    with transaction.atomic():
        notice = (
            AnswerNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(waiting)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=started))
            .order_by("created_at", "id")
            .first()
        )
        if notice is None:
            return None
        notice.status = Notice.SENDING
        notice.claimed_at = timezone.now()
        notice.attempts += 1
        notice.save(update_fields=["status", "claimed_at", "attempts"])
    return AnswerNotice.objects.select_related("question").get(pk=notice.pk)


def _finish(notice: AnswerNotice, status: str, *, error: str = "") -> None:
    with transaction.atomic():
        row = AnswerNotice.objects.select_for_update().get(pk=notice.pk)
        if row.status != Notice.SENDING or row.claimed_at != notice.claimed_at:
            return  # taken over meanwhile (marked uncertain): leave it
        row.status = status
        row.last_error = error[:300]
        if status == Notice.SENT:
            row.sent_at = timezone.now()
        row.save(update_fields=["status", "last_error", "sent_at"])
        if status == Notice.SENT:
            audit_event_record(
                actor=None,
                event_type=events.ANSWER_NOTICE_SENT,
                target=row.question,
                enterprise=row.question.enterprise,
                extra={"number": row.question.number, "step": "told_by_email"},
            )


def _interrupted(started: dt.datetime) -> int:
    """Claims older than `NOTICE_CLAIM_SECONDS`: their worker died while sending. Marked
    uncertain, never sent again."""
    cutoff = started - dt.timedelta(seconds=rules.NOTICE_CLAIM_SECONDS)
    return AnswerNotice.objects.filter(status=Notice.SENDING, claimed_at__lt=cutoff).update(
        status=Notice.UNCERTAIN, last_error="interrupted while sending"
    )


def _refused(exc: Exception) -> bool:
    """An outright refusal: the server answered no before taking the message, so nothing was
    accepted and trying again later cannot double it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return True
    return isinstance(exc, smtplib.SMTPDataError) and 400 <= exc.smtp_code < 600


def _deliver(message: EmailMessage) -> tuple[str, Exception | None]:
    """Hand `message` to the mail server: (`sent` | `retry` | `uncertain`, the error). The
    connection is opened first, so a failure there is known to precede the message."""
    connection = get_connection(fail_silently=False)
    try:
        try:
            connection.open()
        except Exception as exc:  # not connected: nothing was handed over
            return "retry", exc
        try:
            # Opened here, so `send_messages` leaves the connection open (no QUIT inside it).
            connection.send_messages([message])
        except Exception as exc:
            return ("retry" if _refused(exc) else "uncertain"), exc
        return "sent", None
    finally:
        try:
            connection.close()  # also a connection left half-open by a failed login
        except Exception:  # the outcome is decided: a failed QUIT changes nothing
            logger.warning("questions: closing the mail connection failed", exc_info=True)


def answer_notices_send(
    *, limit: int = rules.NOTICE_BATCH, question_id: int | None = None
) -> dict[str, int]:
    """Send the messages waiting (module docstring), or only `question_id`'s. Idempotent: a
    second run finds nothing to send. Returns the counts of the run."""
    started = timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0, "uncertain": 0}
    counts["uncertain"] = _interrupted(started)
    for _i in range(1 if question_id is not None else limit):
        notice = _claim(started, question_id)
        if notice is None:
            break
        question = notice.question
        if not question.email or question.status != Question.Status.ANSWERED or not question.answer:
            _finish(notice, Notice.CANCELLED)
            counts["cancelled"] += 1
            continue
        outcome, exc = _deliver(answer_notice_message(notice))
        if exc is None:
            _finish(notice, Notice.SENT)
            counts["sent"] += 1
            continue
        # Why, without the address (a refusal often names the recipient).
        error = f"{type(exc).__name__}: {exc}".replace(question.email, "<address>")
        if outcome == "uncertain":  # may have been accepted: never sent again
            _finish(notice, Notice.UNCERTAIN, error=error)
            counts["uncertain"] += 1
            continue
        final = notice.attempts >= rules.NOTICE_MAX_ATTEMPTS
        _finish(notice, Notice.FAILED if final else Notice.PENDING, error=error)
        counts["failed" if final else "retry"] += 1
    return counts
