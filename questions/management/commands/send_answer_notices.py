"""python manage.py send_answer_notices: send the e-mails telling askers that the answer is
given (`questions.services.notices`; beat does it every minute)."""

from typing import Any

from django.core.management.base import BaseCommand

from questions.services.notices import answer_notices_send


class Command(BaseCommand):
    help = "Send the e-mails that tell askers their question is answered (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = answer_notices_send()
        self.stdout.write(", ".join(f"{name}: {n}" for name, n in counts.items()))
