"""The annual-report deadline run (issue 15, "Performance"): the daily jobs of 1 July on a register
of 1,000,000 market entities of which 100,000 did not report.

Command (PostgreSQL; the database is created, migrated and filled with the demo district of
1,000,000 entities when it is missing or empty, about 4 minutes, then kept):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_deadline_bench \\
        .venv/bin/python bench/deadline_run_bench.py --rounds 3

Options: --enterprises N (default 1,000,000), --late N (default 100,000), --drain (also time the
ledger subscription's drain after the run: what the run's facts give the directory's handler).

The fixture (written once, directly, by INSERT ... SELECT, as a benchmark may; marked by the
reports' author `bench-filer`): for Y, the latest year whose window has ended by today, every
entity that had to report for Y (registered by 31 December of Y, not closed by 30 June of Y+1)
has a submitted `AnnualReport` filed between 5 January and 30 June of Y+1, with its
`annual_report_filed` fact, except --late of them, spread over the register (a multiplicative
hash of the id): those did not report. Their mix is the demo district's: individual businesses
(marked), enterprises eligible for the buffer (deferred) and enterprises listed in the 3 years
before (the demo's own listings: listed at once).

Each round, in a transaction rolled back at its end (so every round starts from the same data;
each chunk of a job is then a savepoint instead of a commit; a VACUUM ANALYZE, not counted,
clears the dead rows it leaves before the next):
1. run: `manage.py run_daily --date <1 July of Y+1> --only NAME` for each job of the directory
   in its order (annual_reports.deadline: the late facts; remediation.directory_deadline: the
   cases, each written pointing at its fact by a key reserved for it, the facts, audit events
   and the cached state, shown apart; remediation.directory_buffer;
   remediation.directory_filings; remediation.directory_closed_entities), end to end through
   the runner (run rows, leases): target <= 30 s for all of them;
2. rerun: the same with --force, which finds nothing to do: target <= 3 s.
No PDF is made: letters are made when first opened or printed. Prints each time, the medians,
the queries of each job (set-based: a handful per chunk, none per entity), the counts, and
whether each target is met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings.test")

import django  # noqa: E402

from bench.pgdb import ensure_database  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from annual_reports.jobs import latest_closed_year  # noqa: E402
from annual_reports.models import AnnualReport  # noqa: E402
from annual_reports.rules import CLOSED_STATUSES, report_deadline  # noqa: E402
from credit_portal.bulk import Sql, insert_select  # noqa: E402
from credit_portal.models import User  # noqa: E402
from enterprises.models import CreditRecord, Enterprise  # noqa: E402
from enterprises.subscriptions import ledger_changes_dispatch  # noqa: E402
from remediation.models import DirectoryCase  # noqa: E402

JOBS = (
    "annual_reports.deadline",
    "remediation.directory_deadline",
    "remediation.directory_buffer",
    "remediation.directory_filings",
    "remediation.directory_closed_entities",
)
TARGETS = {"run": 30.0, "rerun": 3.0}
AUTHOR = "bench-filer"


class Rollback(Exception):  # noqa: N818 - not an error: the way out of the transaction
    pass


def fill_register(enterprises: int) -> None:
    if Enterprise.objects.exists():
        print(f"register holds {Enterprise.objects.count():,} entities", flush=True)
        return
    print(f"seed_demo --enterprises {enterprises:,} (COPY; a few minutes) ...", flush=True)
    started = time.perf_counter()
    call_command("seed_demo", enterprises=enterprises, seed=15, stdout=io.StringIO())
    print(f"  district built in {time.perf_counter() - started:.0f} s", flush=True)


def fill_reports(year: int, late: int) -> None:
    """The reports of every entity due for `year` but `late` of them (module docstring), and
    their `annual_report_filed` facts, by INSERT ... SELECT."""
    author = User.objects.get_or_create(username=AUTHOR, defaults={"is_active": False})[0]
    deadline = report_deadline(year)
    enterprise = Enterprise._meta.db_table
    report = AnnualReport._meta.db_table
    record = CreditRecord._meta.db_table
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"""CREATE TEMPORARY TABLE bench_due ON COMMIT DROP AS
                SELECT e.id, e.entity_type,
                       row_number() OVER (ORDER BY (e.id * 2654435761) %% 4294967296) AS rn
                FROM {enterprise} e
                WHERE e.registered_on <= %s AND NOT (e.status IN ({closed})
                      AND (e.status_changed_on IS NULL OR e.status_changed_on <= %s))""",  # noqa: S608
                [dt.date(year, 12, 31), deadline],
            )
            cursor.execute("SELECT count(*) FROM bench_due")
            due = cursor.fetchone()[0]
        written = insert_select(
            AnnualReport,
            {
                "enterprise_id": Sql("d.id"),
                "year": year,
                "form": Sql(
                    "CASE WHEN d.entity_type = 'individual_business' THEN 'individual' "
                    "ELSE 'enterprise' END"
                ),
                "status": AnnualReport.Status.SUBMITTED,
                "revision": 1,
                "is_current": True,
                "channel": AnnualReport.Channel.ONLINE,
                "filed_on": Sql(
                    "CAST(%s AS date) + CAST(mod(d.id, 177) AS integer)", (dt.date(year + 1, 1, 5),)
                ),
                "late": False,
                "headcount": Sql("CAST(mod(d.id, 40) AS integer)"),
                "created_by_id": author.pk,
                "submitted_by_id": author.pk,
                "submitted_at": timezone.now(),
            },
            source="bench_due d WHERE d.rn > %s ORDER BY d.id",
            params=[late],
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {record} (enterprise_id, kind, occurred_on, is_public,
                    publicity_start, authority, document_number, summary, details, source_app,
                    source_model, source_id, recorded_at)
                SELECT a.enterprise_id, 'annual_report_filed', a.filed_on,
                       a.form = 'enterprise', CASE WHEN a.form = 'enterprise' THEN a.filed_on END,
                       '', '', %s || '年度年度报告',
                       jsonb_build_object('year', a.year, 'late', false, 'channel', 'online',
                                          'form', a.form),
                       'annual_reports', 'annualreport', CAST(a.id AS text), now()
                FROM {report} a WHERE a.year = %s AND a.created_by_id = %s ORDER BY a.id""",  # noqa: S608
                [str(year), year, author.pk],
            )
            facts = cursor.rowcount
    print(
        f"  {due:,} entities had to report for {year}; {written:,} reports and {facts:,} "
        f"filed facts written in {time.perf_counter() - started:.0f} s; {due - written:,} late",
        flush=True,
    )


def job_line(output: str, name: str) -> str:
    for line in output.splitlines():
        if name in line:
            return re.sub(r"\s+", " ", line.strip())
    return output.strip()


def run_jobs(day: dt.date, *extra: str) -> tuple[float, list[tuple[str, float, int, str]]]:
    rows = []
    total = 0.0
    for name in JOBS:
        out = io.StringIO()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call_command("run_daily", "--date", day.isoformat(), "--only", name, *extra, stdout=out)
            seconds = time.perf_counter() - started
        total += seconds
        # The register's cached state (`enterprises.state.state_refresh_sql`), written by the
        # ledger for every enterprise whose state the facts change: shown apart.
        refresh = sum(
            float(q["time"])
            for q in queries.captured_queries
            if q["sql"].startswith('UPDATE "enterprises_enterprise"')
        )
        line = job_line(out.getvalue(), name)
        if refresh >= 0.01:
            line = f"[cached state {refresh:.1f} s] {line}"
        rows.append((name, seconds, len(queries), line))
    return total, rows


def show(label: str, total: float, rows: list[tuple[str, float, int, str]]) -> None:
    print(f"  {label:<6} {total:7.2f} s", flush=True)
    for name, seconds, queries, line in rows:
        print(f"     {seconds:6.2f} s {queries:5d} queries  {name}: {line[:60]} … {line[-70:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--late", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--drain", action="store_true")
    args = parser.parse_args()
    ensure_database(os.environ.get("DATABASE_URL", ""))
    # The rounds run in a transaction rolled back at its end: a lease renewed from the runner's
    # thread (its own connection) could not see the round's run row. A lease longer than the
    # round is never renewed.
    settings.CREDIT_PORTAL["JOB_LEASE_SECONDS"] = 3600
    call_command("migrate", verbosity=0)
    fill_register(args.enterprises)
    year = latest_closed_year(timezone.localdate())
    day = report_deadline(year) + dt.timedelta(days=1)
    if not AnnualReport.objects.filter(year=year, created_by__username=AUTHOR).exists():
        print(f"writing the fixture: the reports for {year} ...", flush=True)
        fill_reports(year, args.late)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE {time.perf_counter() - started:.0f} s", flush=True)
    print(
        f"{Enterprise.objects.count():,} entities, {CreditRecord.objects.count():,} ledger "
        f"records, {AnnualReport.objects.filter(year=year).count():,} reports for {year}; "
        f"the run's date {day}",
        flush=True,
    )
    times: dict[str, list[float]] = {name: [] for name in TARGETS}
    for round_no in range(1, args.rounds + 1):
        load = os.getloadavg()[0]
        print(f"round {round_no} (load average {load:.2f} on {os.cpu_count()} CPUs)", flush=True)
        try:
            with transaction.atomic():
                run_total, run_rows = run_jobs(day)
                show("run", run_total, run_rows)
                cases = dict(
                    DirectoryCase.objects.filter(report_year=year)
                    .values_list("state")
                    .annotate(n=Count("pk"))
                    .values_list("state", "n")
                )
                marked = DirectoryCase.objects.filter(
                    report_year=year, individual_business=True
                ).count()
                print(f"     cases by state {cases}; of them individual businesses {marked:,}")
                rerun_total, rerun_rows = run_jobs(day, "--force")
                show("rerun", rerun_total, rerun_rows)
                if args.drain:
                    started = time.perf_counter()
                    drained = ledger_changes_dispatch()
                    print(f"  drain  {time.perf_counter() - started:7.2f} s  {drained}", flush=True)
                raise Rollback
        except Rollback:
            pass
        # The rolled-back round left dead rows in every table it wrote (a new version of 65,000
        # enterprise rows, say); the next round would scan them. Not counted.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE between rounds {time.perf_counter() - started:.0f} s", flush=True)
        if sum(cases.values()) != args.late:
            print(f"  note: {sum(cases.values()):,} cases for {args.late:,} late reports")
        for name, _seconds, _queries, line in rerun_rows:
            wrote = {k: v for k, v in re.findall(r"\((\w+)=(\d+)\)", line) if k != "year"}
            if any(v != "0" for v in wrote.values()):
                raise SystemExit(f"the rerun of {name} wrote something: {line}")
        times["run"].append(run_total)
        times["rerun"].append(rerun_total)
    print("median:")
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        verdict = "met" if median <= target else "NOT MET"
        print(f"  {name:<6} {median:6.2f} s  (target <= {target:g} s: {verdict})")


if __name__ == "__main__":
    main()
