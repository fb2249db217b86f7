"""python manage.py seed_demo: build the demo district. Deterministic and idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from credit_portal.demo import demo_accounts_build
from credit_portal.models import Department


class Command(BaseCommand):
    help = "Build the demo district: departments, staff users for every role (and their logins)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds a district (used by dev.py serve).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Department.objects.exists():
            self.stdout.write("The database already holds a district; nothing to do.")
            logins = demo_accounts_build()  # idempotent: only reads when everything exists
        else:
            logins = demo_accounts_build()
        self.stdout.write(self.style.SUCCESS("Demo district ready. Logins (username / password):"))
        for login in logins:
            self.stdout.write(f"  {login.role:<20} {login.username:<16} {login.password}")
