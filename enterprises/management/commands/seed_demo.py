"""python manage.py seed_demo: build the demo district. Deterministic; idempotent with --if-empty.

    python manage.py seed_demo                          # default size, seed 2026
    python manage.py seed_demo --enterprises 1000000 --seed 7
    python manage.py seed_demo --if-empty               # what `python3 dev.py serve` runs

Departments and staff users (one per role) are created when missing, every time. The register
and its ledger (`enterprises.demo`) are built only into an empty register: with market entities
present the command stops with a message, or with --if-empty says so and carries on. The same
--seed and --as-of give the same district. Default size 20,000 entities: 17-30 s on SQLite
(bulk_create) including the staff password hashes, so `dev.py serve` stays quick; 1,000,000 on
PostgreSQL (COPY) is the benchmark size (bench/seed_bench.py).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.demo import DemoLogin, demo_accounts_build, demo_steps_run
from credit_portal.models import Department
from credit_portal.roles import ROLE_LABELS, Role
from enterprises.demo import DEFAULT_CHUNK, DistrictExistsError, demo_district_seed
from enterprises.demo_accounts import demo_enterprise_logins
from enterprises.models import Enterprise

DEFAULT_SEED = 2026
DEFAULT_SIZE = 20_000
MAX_SIZE = 1_000_000


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise CommandError(f"Not a whole number: {value}") from None
    if n < 0:
        raise CommandError(f"Must not be negative: {value}")
    return n


class Command(BaseCommand):
    help = (
        "Build the demo district: departments, staff users for every role, a synthetic register "
        "of market entities with its credit ledger, and enterprise users (prints the logins)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing to the register when it already holds entities (dev.py serve).",
        )
        parser.add_argument(
            "--enterprises",
            type=_positive,
            default=None,
            help=(f"Number of market entities (default {DEFAULT_SIZE:,}; at most {MAX_SIZE:,})."),
        )
        parser.add_argument(
            "--seed",
            type=_positive,
            default=DEFAULT_SEED,
            help="Random seed (same seed, same data).",
        )
        parser.add_argument(
            "--as-of",
            default=None,
            help="The day the district is built as of, YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--chunk", type=_positive, default=DEFAULT_CHUNK, help="Rows per write (memory)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["enterprises"]
        if count is None:
            count = DEFAULT_SIZE
        if count > MAX_SIZE:
            raise CommandError(f"At most {MAX_SIZE:,} market entities.")
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of must be a date written YYYY-MM-DD.") from None
        logins = demo_accounts_build()
        existing = Enterprise.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(
                f"The register already holds {existing:,} market entities; not rebuilding it."
            )
        elif existing:
            raise CommandError(
                f"The register already holds {existing:,} market entities. seed_demo builds a "
                "district into an empty register: use a fresh database, or --if-empty to skip."
            )
        elif count:
            self._build(
                count=count,
                seed=options["seed"],
                as_of=as_of,
                chunk=options["chunk"] or DEFAULT_CHUNK,
            )
        self._print_logins(logins)

    def _print_logins(self, logins: list[DemoLogin]) -> None:
        """Each demo login with its role and where it works: the bureau (the whole district)
        or a partner department (the entities in its care), what it may change, and its
        Django-admin rights; each enterprise user with its enterprise. In the default
        language (settings.LANGUAGE_CODE); codenames and usernames as typed."""
        departments = {d.code: d for d in Department.objects.all()}
        writers = set(
            Group.objects.filter(
                permissions__content_type__app_label="enterprises",
                permissions__codename="change_enterprise",
            ).values_list("name", flat=True)
        )
        sites = {
            "department": _("Django admin: its department's accounts"),
            "all": _("Django admin: everything (superuser)"),
        }
        self.stdout.write(
            self.style.SUCCESS(_("Demo logins (username, password, role, where it works):"))
        )
        for login in logins:
            department = departments[login.department]
            notes = [
                _("%(department)s, the bureau: the whole district") % {"department": department}
                if department.is_bureau
                else _("%(department)s, a partner department: the entities in its care")
                % {"department": department},
                _("edits the register") if login.role in writers else _("reads the register"),
            ]
            if login.admin_site:
                notes.append(sites[login.admin_site])
            self._print_login(login, " · ".join(str(n) for n in notes))
        for login, enterprise in demo_enterprise_logins():
            self._print_login(login, enterprise)

    def _print_login(self, login: DemoLogin, where: str) -> None:
        label = ROLE_LABELS[Role(login.role)]
        self.stdout.write(
            f"  {login.username:<14} {login.password}  {login.role:<20} {label} · {where}"
        )

    def _build(self, *, count: int, seed: int, as_of: dt.date | None, chunk: int) -> None:
        started = time.perf_counter()
        self.stdout.write(f"Building a district of {count:,} market entities (seed {seed})…")

        def progress(done: int, total: int) -> None:
            elapsed = time.perf_counter() - started
            self.stdout.write(f"  {done:>9,} / {total:,}  {elapsed:6.1f} s")

        try:
            result = demo_district_seed(
                count=count, seed=seed, as_of=as_of, chunk=chunk, progress=progress
            )
        except DistrictExistsError as exc:  # a concurrent run filled it meanwhile
            raise CommandError(str(exc)) from None
        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"District ready in {total:.1f} s ({result.method}): {result.enterprises:,} "
                f"market entities, {result.records:,} ledger records."
            )
        )
        w = result.write_seconds
        self.stdout.write(
            f"  timing: waiting for generated rows {result.generate_seconds:.1f} s, write "
            f"enterprises {w['enterprise']:.1f} s, write records {w['creditrecord']:.1f} s, "
            f"indexes and keys {w.get('finish', 0):.1f} s"
        )
        self.stdout.write(
            f"  rate: enterprises {result.enterprises / total:,.0f}/s, ledger records "
            f"{result.records / total:,.0f}/s (overall)"
        )
        stats = result.stats
        types = ", ".join(
            f"{k.split(':', 1)[1]} {v:,}" for k, v in sorted(stats.items()) if k.startswith("type:")
        )
        statuses = ", ".join(
            f"{k.split(':', 1)[1]} {v:,}"
            for k, v in sorted(stats.items())
            if k.startswith("status:")
        )
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items()) if ":" not in k)
        self.stdout.write(f"  types: {types}")
        self.stdout.write(f"  status: {statuses}")
        self.stdout.write(f"  ledger: {kinds}")
        # The domain apps' cases, each app's own step (credit_portal.demo.demo_step_register).
        demo_steps_run(as_of=as_of or timezone.localdate(), seed=seed, stdout=self.stdout)
