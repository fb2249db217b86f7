"""python manage.py db_roles: set up the application's database role (PostgreSQL, production).

    python manage.py migrate --noinput && python manage.py db_roles   # the migrate service

Run as the owner of the tables (the credentials that run the migrations), after every
``migrate``: it grants the application role data access to the tables that migration created
and takes UPDATE, DELETE and TRUNCATE back on the append-only ones (`credit_portal.db` says what
the role may do and why). The role is ``APP_DB_USER`` (default ``credit_app``) or ``--role``;
its password is ``APP_DB_PASSWORD``, read from the environment only (a command line shows in
``ps``): given, the role is created with it, or has it set again (so changing the variable and
rerunning changes the password); absent, the role must exist. Idempotent.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.db import APP_ROLE, RoleSetupError, app_role_setup


class Command(BaseCommand):
    help = (
        "Create the application's database role or bring it in line: data access only, no "
        "UPDATE, DELETE or TRUNCATE on the append-only tables (run as the owner, after migrate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role",
            default=os.environ.get("APP_DB_USER") or APP_ROLE,
            help=f"The application role (default: APP_DB_USER, else {APP_ROLE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = app_role_setup(
                role=options["role"], password=os.environ.get("APP_DB_PASSWORD") or None
            )
        except RoleSetupError as exc:
            raise CommandError(str(exc)) from exc
        what = "created" if done.created else "updated"
        password = ", password set" if done.password_set else ""
        self.stdout.write(
            f"Role {done.role} {what}{password}: data access to {done.tables} tables and "
            f"{done.sequences} sequences of {done.owner}, and to those {done.owner} creates "
            f"later; no UPDATE, DELETE or TRUNCATE on {', '.join(done.append_only)}."
        )
