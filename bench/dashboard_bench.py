"""The dashboard and the staff inbox at full scale (issue 18 "Performance"): 1,000,000
enterprises, a few years of cases, p95 of the pages with no page or result cache, and the time
of the daily job that keeps the dashboard's aggregates (`dashboard.tallies.tallies_refresh`).

Command (PostgreSQL; the database is created and migrated when missing and filled once, a few
minutes at full scale; later runs reuse it):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_dashboard_bench \\
        .venv/bin/python bench/dashboard_bench.py --enterprises 1000000 --requests 200

Options: --enterprises N (default 1,000,000; a database holding another number is refused:
--rebuild drops it and builds again), --requests N per page (default 200), --year Y (default
last year: a whole year of cases), --skip-refresh (measure the pages on the tallies already
stored).

What it builds (deterministic, set-based SQL, no loop over enterprises):
1. The register and its ledger as `bench/classification_bench.py` builds them (its `build`:
   enterprises of every type over 12 streets and 8 departments, about two ledger facts per
   enterprise, the classification models), then one full classification run (`run_now`), so
   that the class distribution and its moves are read from a real run's summary.
2. A small district of real cases made through the test builders (tests/remediation/
   test_figures.py's `District` and tests/dashboard/test_tallies.py's cases: decisions of
   every leniency, letters, interviews, repairs, the punishment buffer, restorations,
   self-corrections; tests/inspections/factories_work.py's `world()`: plans, a draw, an
   inspection), then each kind of row replicated by INSERT ... SELECT over generate_series
   from those templates, with per-row enterprises (distinct), departments, dates spread over
   three years, leniencies, instruments, outcomes and states, at volumes per 1,000,000
   enterprises and year of (the seed's district has a fifth of that):
       penalty decisions 3,000; soft-enforcement letters 2,000 (a fifth of them interviews);
       repair applications 1,500; late-report cases 60,000 (a tenth deferred, with their
       deferral facts); inspections 30,000 (a tenth with problems); self-corrections 1,500.
3. Staff users: a bureau officer (district figures) and a partner department's officer (its
   share), both in every staff role (the inbox lists every source: the worst case) and with
   `dashboard.view_dashboard`.

What it times:
  (a) `tallies_refresh(year=Y)`: every measure of the year recounted set-based and stored
      (the daily job's work)                                           reported, no target set
  (b) GET /dashboard/?year=Y for the bureau officer, then for the partner's, and
      GET /dashboard/?year=Y&street=<a street>: --requests each after a warm-up, through
      Django's test client (middleware, session, permission, form, selectors, template,
      SVG charts): p50 / p95 / max in ms and the queries per request.   target p95 < 300 ms
  (c) GET /inbox/ (the staff inbox, issue 18 §5) for the bureau officer, the same way; when
      the inbox is not installed (URL name `inbox` missing) it prints "inbox: not installed"
      (HOOK: measured as soon as the page exists, nothing to change here).
                                                                        target p95 < 300 ms
  (d) the yearly report as PDF and as Word for the bureau officer, 5 downloads each (one
      click renders the document: reported, no target set)
Figures, 2026-12-07, 1,000,000 enterprises, idle machine (load 1.1-1.5), `--requests 200`:
(a) tallies_refresh 5.0-15.5 s a year (the first year cold), about 600 rows a year;
(b) dashboard p95 195.6 ms bureau, 101.2 ms partner, 173.8 ms one street (12-14 queries);
(c) inbox p95 338.0 ms for the bureau officer holding every staff role with 43,502 items
waiting (the count 67 ms and the 11 lists 60 ms of SQL, the rest the page), 148.3 ms for the
partner's officer (18 queries); (d) report PDF 0.49 s (143 kB), Word 0.14 s (42 kB).
The inbox, 2026-12-08, after it lists the 50 most urgent items of all sources together in one
statement (each source compiled once; the enterprise's name a subquery, so no join to the
register; the results to publish on their own partial index), load 1.5-1.6: (c) p95 103.9 ms
bureau (p50 81.7; 43,502 items; SQL: the counts 15.6 ms, the items 7.5 ms under EXPLAIN
ANALYZE), 133.8 ms partner (8 queries each).
No cache is in the way: the dashboard reads the tallies on every request (no page or result
cache exists), and the test client sends no conditional requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings.test")

import django  # noqa: E402

from bench.pgdb import ensure_database  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from credit_portal.models import Department, StaffProfile, User  # noqa: E402
from enterprises.models import CreditRecord, Enterprise  # noqa: E402

TARGET_MS = 300.0
PER_MILLION = {  # rows per year per 1,000,000 enterprises (module docstring)
    "penalties": 3_000,
    "letters": 2_000,
    "repairs": 1_500,
    "late_cases": 60_000,
    "inspections": 30_000,
    "self_corrections": 1_500,
}
YEARS_BACK = 3
MARK = "bench-dash"  # marks the replicated rows (numbers, sources)


def execute(sql: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def scalar(sql: str, params: Any = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND column_name <> 'id' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def replicate(table: str, template: int, *, source: str, overrides: dict[str, str]) -> int:
    """INSERT a copy of row `template` of `table` for each row of `source` (SQL yielding at
    least a column `g`, aliased s), columns in `overrides` (SQL over t = the template, s) set,
    the others copied."""
    cols = columns(table)
    unknown = set(overrides) - set(cols)
    if unknown:
        raise SystemExit(f"{table}: no columns {sorted(unknown)}")
    select = ", ".join(overrides.get(c, f't."{c}"') for c in cols)
    names = ", ".join(f'"{c}"' for c in cols)
    return execute(
        f"INSERT INTO {table} ({names}) SELECT {select} FROM {table} t, ({source}) s "  # noqa: S608 - the bench's own SQL
        f"WHERE t.id = {int(template)}"
    )


# --------------------------------------------------------------------------- the fixture


def register(enterprises: int) -> None:
    """The register, its ledger and a classification run (classification_bench's)."""
    from bench import classification_bench
    from risk.services.runs import run_now

    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "RISK_CLASSIFY_INDIVIDUAL_BUSINESSES": True}
    classification_bench.build(enterprises)
    started = time.perf_counter()
    run = run_now(reason="nightly")
    print(
        f"  classification run: {run.status}, {run.classified:,} classified "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )


def templates() -> dict[str, Any]:
    """A district of real cases through the tests' builders (module docstring, 2.)."""
    import time_machine

    from tests.dashboard import test_tallies
    from tests.inspections import factories_work

    moment = dt.datetime.combine(test_tallies.TODAY, dt.time(12), tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False), transaction.atomic():
        fixture = test_tallies.district  # a pytest fixture: its plain function
        build = getattr(fixture, "__wrapped__", None) or fixture._get_wrapped_function()
        district = build()
        world = factories_work.world()
    return {"district": district, "world": world}


def cases(enterprises: int, year: int) -> None:
    """Replicate each kind of case from its template (module docstring, 2.)."""
    from inspections.models import Inspection
    from remediation.models import (
        DirectoryCase,
        Interview,
        PenaltyDecision,
        RepairApplication,
        SoftAction,
    )

    scale = enterprises / 1_000_000
    first_id = scalar("SELECT min(id) FROM enterprises_enterprise")
    first_record = scalar("SELECT min(id) FROM enterprises_creditrecord")
    departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    depts = "(ARRAY[" + ",".join(str(d) for d in departments) + "])"
    years = YEARS_BACK
    start = dt.date(year - years + 1, 1, 1)
    days = (dt.date(year, 12, 31) - start).days + 1

    def n(kind: str) -> int:
        return max(10, int(PER_MILLION[kind] * scale * years))

    # An enterprise per row, distinct within a kind (a step prime to the register's size).
    ent = f"({first_id} + ((s.g * 7919) % {enterprises}))"
    day = f"(DATE '{start}' + ((s.g * 37) % {days}))"
    dept = f"{depts}[1 + (s.g % {len(departments)})]"

    def series(count: int) -> str:
        return f"SELECT g FROM generate_series(1, {int(count)}) g"  # noqa: S608

    def template(model: Any, **filters: Any) -> int:
        return int(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True)[0])

    with transaction.atomic():
        execute("SET LOCAL session_replication_role = replica")  # the ledger's append-only trigger
        leniencies = (
            "(ARRAY['lighter','lighter','lighter','mitigated','exempt','first_violation',"
            "'standard','standard'])"
        )
        rows = replicate(
            PenaltyDecision._meta.db_table,
            template(PenaltyDecision, status="recorded"),
            source=series(n("penalties")),
            overrides={
                "number": f"'{MARK}-P-' || s.g",
                "credit_record_id": "NULL",
                "enterprise_id": ent,
                "decided_on": day,
                "department_id": dept,
                "leniency": f"{leniencies}[1 + (s.g % 8)]",
                # A fifth not yet published: the inbox's "to publish" (20 WD after the decision).
                "publication_due": f"({day} + 28)",
                "published_on": f"CASE WHEN s.g % 5 = 0 THEN NULL ELSE ({day} + 10) END",
            },
        )
        print(f"  penalty decisions: {rows:,}", flush=True)
        instruments = "(ARRAY['suggestion','admonition','prompt','interview','suggestion'])"
        sa = SoftAction._meta.db_table
        rows = replicate(
            sa,
            template(SoftAction, served_on__isnull=False),
            source=series(n("letters")),
            overrides={
                "number": f"'{MARK}-S-' || s.g",
                "credit_record_id": "NULL",
                "reply_record_id": "NULL",
                "enterprise_id": ent,
                "served_on": day,
                "department_id": dept,
                "instrument": f"{instruments}[1 + (s.g % 5)]",
                # Rectification due 20 days after service: past ones wait in the inbox.
                "deadline": f"({day} + 20)",
            },
        )
        print(f"  soft-enforcement letters: {rows:,}", flush=True)
        rows = replicate(
            Interview._meta.db_table,
            template(Interview),
            source=f"SELECT id AS action, served_on, row_number() OVER (ORDER BY id) AS g "  # noqa: S608
            f"FROM {sa} WHERE number LIKE '{MARK}-S-%' AND instrument = 'interview'",
            overrides={"action_id": "s.action", "held_on": "s.served_on"},
        )
        print(f"  interviews: {rows:,}", flush=True)
        # A third still to accept or to decide: the inbox's repair applications.
        outcomes = "(ARRAY['approved','approved','refused','withdrawn','submitted','accepted'])"
        rows = replicate(
            RepairApplication._meta.db_table,
            template(RepairApplication, status="approved"),
            source=series(n("repairs")),
            overrides={
                "repair_record_id": "NULL",
                "enterprise_id": ent,
                "decided_on": day,
                "status": f"{outcomes}[1 + (s.g % 6)]",
                # One open application per record (a constraint): the open ones each another.
                "record_id": f"CASE WHEN s.g % 6 >= 4 THEN {first_record} + s.g "
                "ELSE t.record_id END",
                "acceptance_due": f"({day} + 3)",
                "decision_due": f"({day} + 21)",
            },
        )
        print(f"  repair applications: {rows:,}", flush=True)
        # Late-report cases: one per enterprise and report year; a tenth deferred, with its
        # own deferral fact (a one-to-one link).
        deferred = DirectoryCase.objects.filter(deferral_record__isnull=False).order_by("pk")[0]
        total = 0
        for offset in range(years):
            report_year = year - offset - 1
            per_year = n("late_cases") // years
            low, high = offset * per_year + 1, (offset + 1) * per_year
            cases_year = f"SELECT g FROM generate_series({low}, {high}) g"  # noqa: S608
            replicate(
                CreditRecord._meta.db_table,
                int(deferred.deferral_record_id or 0),
                source=cases_year + " WHERE g % 10 = 0",
                overrides={
                    "enterprise_id": ent,
                    "occurred_on": f"DATE '{report_year + 1}-07-01'",
                    "source_id": f"'{MARK}-D-' || s.g",
                    "closes_id": "NULL",
                },
            )
            states = "(ARRAY['listed','removed','closed_no_listing','listed','removed'])"
            total += replicate(
                DirectoryCase._meta.db_table,
                deferred.pk,
                source=f"SELECT s0.g, r.id AS deferral FROM ({cases_year}) s0 LEFT JOIN "  # noqa: S608
                f"enterprises_creditrecord r ON r.source_id = '{MARK}-D-' || s0.g",
                overrides={
                    "enterprise_id": ent,
                    "report_year": str(report_year),
                    "deferral_record_id": "s.deferral",
                    "listing_record_id": "NULL",
                    "removal_record_id": "NULL",
                    "order_id": "NULL",
                    "detected_on": f"DATE '{report_year + 1}-07-01'",
                    "state": f"{states}[1 + (s.g % 5)]",
                    "department_id": dept,
                },
            )
        print(f"  late-report cases: {total:,}", flush=True)
        rows = replicate(
            CreditRecord._meta.db_table,
            template(CreditRecord, kind="self_correction"),
            source=series(n("self_corrections")),
            overrides={
                "enterprise_id": ent,
                "occurred_on": day,
                "source_id": f"'{MARK}-C-' || s.g",
                "closes_id": "NULL",
            },
        )
        print(f"  self-corrections: {rows:,}", flush=True)
        inspection = Inspection.objects.order_by("pk")[0]
        rows = replicate(
            Inspection._meta.db_table,
            inspection.pk,
            source=series(n("inspections")),
            overrides={
                "enterprise_id": ent,
                "department_id": dept,
                # A drawn inspection (the draw's row is the template's; an enterprise once).
                "origin": "(ARRAY['random','random','random','control'])[1 + (s.g % 4)]",
                "status": "(ARRAY['published','published','reviewed','recorded','assigned'])"
                "[1 + (s.g % 5)]",
                "stratum": "(ARRAY['A','B','C','D','X','IB'])[1 + (s.g % 6)]",
                "due_by": day,
                "publish_due": f"({day} + 28)",
            },
        )
        print(f"  inspections: {rows:,}", flush=True)
    for table in (
        "remediation_penaltydecision",
        "remediation_softaction",
        "remediation_directorycase",
        "enterprises_creditrecord",
        "inspections_inspection",
    ):
        execute(f"VACUUM ANALYZE {table}")


def officers() -> tuple[User, User]:
    """A bureau officer and a partner department's officer in every staff role (the inbox
    shows every source: the worst case) with `dashboard.view_dashboard`."""
    from django.contrib.auth.models import Group

    from credit_portal.roles import Role

    perm = Permission.objects.get(content_type__app_label="dashboard", codename="view_dashboard")
    staff_roles = [str(r) for r in Role if r != Role.ENTERPRISE_USER]
    bureau = Department.objects.get(is_bureau=True)
    partner = Department.objects.filter(is_bureau=False).order_by("pk").first()
    users = []
    for username, department in (("bench-bureau", bureau), ("bench-partner", partner)):
        user, _created = User.objects.get_or_create(username=username)
        user.user_permissions.add(perm)
        user.groups.add(*Group.objects.filter(name__in=staff_roles))
        StaffProfile.objects.get_or_create(user=user, defaults={"department": department})
        users.append(User.objects.get(pk=user.pk))
    return users[0], users[1]


# --------------------------------------------------------------------------- measuring


def measure(label: str, user: User, url: str, requests: int) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    for _ in range(5):  # warm-up: imports, templates, the connection
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {url} answered {response.status_code}")
    times = []
    queries = 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
        assert response.status_code == 200  # noqa: S101
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    verdict = "ok" if p95 < TARGET_MS else "OVER TARGET"
    print(
        f"  {label:<34} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {times[-1]:7.1f} ms  {queries} queries  load {os.getloadavg()[0]:.1f}  [{verdict}]",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--year", type=int, default=timezone.localdate().year - 1)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-refresh", action="store_true")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    ensure_database(url, fresh=options.rebuild)
    call_command("migrate", verbosity=0)
    count = Enterprise.objects.count()
    built = scalar("SELECT count(*) FROM enterprises_enterprise WHERE name LIKE '测试企业%%'")
    if count and built != options.enterprises:
        raise SystemExit(f"the database holds {count:,} enterprises; use --rebuild")
    started = time.perf_counter()
    if not count:
        print(f"building the register ({options.enterprises:,} enterprises) ...", flush=True)
        register(options.enterprises)
    if not User.objects.filter(username="bureau").exists():  # the District's officer
        print("building the template cases ...", flush=True)
        templates()
    replicated = "SELECT count(*) FROM remediation_penaltydecision WHERE number LIKE %s"
    if not scalar(replicated, [f"{MARK}%"]):
        print("replicating the cases ...", flush=True)
        cases(options.enterprises, options.year)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    bureau, partner = officers()
    year = options.year

    from dashboard.models import Tally
    from dashboard.tallies import tallies_refresh

    print(f"\n{Enterprise.objects.count():,} enterprises; year {year}", flush=True)
    if not options.skip_refresh:
        for y in range(year - YEARS_BACK + 1, year + 1):
            started = time.perf_counter()
            counts = tallies_refresh(year=y, on=timezone.localdate())
            seconds = time.perf_counter() - started
            print(f"  (a) tallies_refresh({y}): {seconds:.2f} s, {counts.get('rows', 0):,} rows")
    print(f"  tallies stored: {Tally.objects.count():,} rows", flush=True)
    street = (
        Tally.objects.filter(year=year).exclude(street="").values_list("street", flat=True).first()
    )
    page = reverse("dashboard:index")
    print(
        f"\n(b) the dashboard, {options.requests} requests each (target p95 < {TARGET_MS:.0f} ms)"
    )
    measure("dashboard, bureau", bureau, f"{page}?year={year}", options.requests)
    measure("dashboard, partner department", partner, f"{page}?year={year}", options.requests)
    if street:
        measure(
            "dashboard, bureau, one street",
            bureau,
            f"{page}?year={year}&street={street}",
            options.requests,
        )
    print(f"\n(c) the staff inbox, {options.requests} requests")
    try:
        inbox = reverse("inbox")
    except NoReverseMatch:
        print("  inbox: not installed (URL name 'inbox' missing): HOOK, measured once it exists")
    else:
        measure("inbox, bureau", bureau, inbox, options.requests)
        measure("inbox, partner department", partner, inbox, options.requests)

    print("\n(d) the yearly report (dashboard.report), 5 downloads each")
    for form in ("pdf", "docx"):
        client = Client()
        client.force_login(bureau)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(reverse(f"dashboard:report_{form}", args=[year]))
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200  # noqa: S101
        print(
            f"  report {form:<4} median {statistics.median(times):7.1f} ms  "
            f"{len(response.content):,} bytes  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
