"""The Celery app. The whole periodic schedule lives here, in one commented place.

django-celery-beat's DatabaseScheduler copies `beat_schedule` into the database on start, where
administrators can pause entries or change their timing in the admin.

Timers are rows, never messages: a reminder or a deadline is a row with a due date that a
periodic job below finds; no task is sent with `eta` or `countdown`, and there are no chords
(`credit_portal.jobs` says why).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings.local")

app = Celery("credit_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs. Every job is idempotent and also a management command
# (docs/architecture.md "Jobs").
app.conf.beat_schedule = {
    # 市场主体登记管理条例实施细则 art. 40-43: a suspension ends when its filed period ends.
    "enterprise-states-refresh": {
        "task": "enterprises.tasks.enterprise_states_refresh_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # Appended credit facts reach their subscribers (classification) from the ledger's own
    # queue table, so that nothing is lost while the broker is down (enterprises.subscriptions).
    "ledger-changes-dispatch": {
        "task": "enterprises.tasks.ledger_changes_dispatch_task",
        "schedule": 60.0,
    },
    # The date-driven jobs of the apps (deadline runs, ends of terms and listings, buffer expiry,
    # reclassification), in their declared order, for the day that has just begun; each handles
    # everything due by that day, so a night missed is caught up by the next (credit_portal.daily;
    # the operator's twin: manage.py run_daily). Runs are rows, woken one after the other.
    "run-daily": {
        "task": "credit_portal.tasks.run_daily_task",
        "schedule": crontab(hour=1, minute=30),
    },
    # Jobs are rows; a lost wake-up or a killed worker is made good within minutes: pending
    # jobs not woken lately and running jobs whose lease expired are woken again
    # (credit_portal.jobs). Also what picks the waiting jobs up when the broker is back.
    "jobs-sweep": {
        "task": "credit_portal.tasks.jobs_sweep_task",
        "schedule": 60.0,
    },
    # Askers who left an e-mail address are told that the answer is given: the outbox rows
    # (questions.AnswerNotice) are the truth, never sent twice (questions.services.notices).
    "question-answer-notices": {
        "task": "questions.tasks.answer_notices_send_task",
        "schedule": 60.0,
    },
    # Keeps the broker and result backend honest: the health page reports the last beat.
    "heartbeat": {
        "task": "credit_portal.tasks.heartbeat_task",
        "schedule": 300.0,
    },
}
