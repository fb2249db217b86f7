"""python manage.py refresh_enterprise_states: end filed suspensions whose period is over."""

from typing import Any

from django.core.management.base import BaseCommand

from enterprises.services.status import enterprise_states_refresh


class Command(BaseCommand):
    help = "Bring cached enterprise states in line with the ledger (expired suspensions)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = enterprise_states_refresh()
        self.stdout.write(f"{changed} enterprise(s) changed.")
