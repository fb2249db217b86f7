"""Wake the background jobs whose wake-up was lost or whose worker died.

    python manage.py jobs_sweep

The operator's twin of `credit_portal.tasks.jobs_sweep_task` (beat runs it every minute): of
every registered job kind, the pending jobs not woken lately and the running jobs whose lease
expired are woken again (`credit_portal.jobs`). Without Redis, the woken jobs run here, in
process. Exits with status 1 when the background queue is unavailable.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from credit_portal.jobs import JobQueueUnavailable, jobs_sweep


class Command(BaseCommand):
    help = "Wake background jobs whose wake-up was lost or whose worker died."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            woken = jobs_sweep()
        except JobQueueUnavailable as exc:
            raise CommandError(exc.message) from exc
        for kind, count in woken.items():
            self.stdout.write(_("%(kind)s: %(n)d jobs woken") % {"kind": kind, "n": count})
