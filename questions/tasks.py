"""Tasks of the questions app (thin shells; the work is the services')."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=300)
def answer_notices_send_task() -> dict[str, int]:
    """Every minute (beat): the e-mails telling askers that the answer is given
    (`questions.services.notices.answer_notices_send`). Idempotent: the outbox rows are the
    truth; a message already sent, or whose sending was interrupted, is not sent again."""
    from questions.services.notices import answer_notices_send

    return answer_notices_send()
