"""The end of penalties' publicity terms (issue 14, "Performance"): the daily job on a register of
1,000,000 market entities with 300,000 published penalties.

Command (PostgreSQL; the database is created, migrated and filled with the demo district of
1,000,000 entities when it is missing or empty, about 5 minutes, then kept):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_h14e_bench \\
        .venv/bin/python bench/publicity_expiry_bench.py --rounds 3

Options: --enterprises N (default 1,000,000), --explain (the plans of the list of records due
and of one chunk's SELECT, under EXPLAIN ANALYZE, rolled back), --chunk N (rows per
transaction; default `remediation.rules.PUBLICITY_EXPIRY_CHUNK`).

The fixture (written once, directly, by INSERT ... SELECT, as a benchmark may; marked by its
source `bench/expiry-penalty`): 300,000 published `penalty` records of operating entities,
spread over the register, on top of the demo district's own ledger (whose ended terms the demo
closed already). With D the fixture's day (today when it was written; a later run measures
against the same D, a past date being allowed to the job):
- 100,000 whose term ended between D-101 and D-2: a backlog, ended by a run for D-1;
- 10,000 whose last public day is D-1: they reach the end of their term on the job's date D;
- 190,000 still running after D.

The database is vacuumed first (the rolled-back rounds of earlier runs leave dead rows). Each
round, in a transaction rolled back at its end (so every round starts from the same data; each
chunk of the job is then a savepoint instead of a commit):
1. backlog: `publicity_expire(on=D-1)` ends the 100,000 (target <= 10 s);
2. daily: `manage.py run_daily --date D --only remediation.publicity_expiry`, end to end
   through the runner (its run row, lease, the job): ends the 10,000 (target <= 2 s);
3. rerun: the same with --force, which finds nothing (target <= 1 s).
Prints each time, the medians, the queries of each step (set-based: a handful per chunk,
none per record) and whether each target is met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from enterprises.models import CreditRecord, Enterprise  # noqa: E402
from remediation import rules  # noqa: E402
from remediation.kinds import PENALTY, PUBLICITY_EXPIRED  # noqa: E402
from remediation.services import publicity  # noqa: E402

MARK = ("bench", "expiry-penalty")
TOTAL, BACKLOG, DAILY = 300_000, 100_000, 10_000
TARGETS = {"backlog": 10.0, "daily": 2.0, "rerun": 1.0}
JOB = "remediation.publicity_expiry"


class Rollback(Exception):  # noqa: N818 - not an error: the way out of the transaction
    pass


def fill_register(enterprises: int) -> None:
    if Enterprise.objects.exists():
        print(f"register holds {Enterprise.objects.count():,} entities", flush=True)
        return
    print(f"seed_demo --enterprises {enterprises:,} (COPY; a few minutes) ...", flush=True)
    started = time.perf_counter()
    call_command("seed_demo", enterprises=enterprises, seed=14, stdout=io.StringIO())
    print(f"  district built in {time.perf_counter() - started:.0f} s", flush=True)


def fixture_day() -> dt.date | None:
    row = (
        CreditRecord.objects.filter(source_app=MARK[0], source_model=MARK[1], kind=PENALTY)
        .values_list("details", flat=True)
        .first()
    )
    return dt.date.fromisoformat(row["bench_day"]) if row else None


def fill_penalties(day: dt.date) -> None:
    """The 300,000 penalties (module docstring), by one INSERT ... SELECT over the operating
    entities in a scattered order (a multiplicative hash of the row number)."""
    record = CreditRecord._meta.db_table
    enterprise = Enterprise._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {enterprise} WHERE status = 'operating'"  # noqa: S608
        )
        operating = cursor.fetchone()[0]
        cursor.execute(
            f"""
            WITH e AS MATERIALIZED (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn
                FROM {enterprise} WHERE status = 'operating'
            ), g AS (
                SELECT n,
                       CASE WHEN mod(n, 30) < 10 THEN 'backlog'
                            WHEN mod(n, 30) = 10 THEN 'daily'
                            ELSE 'running' END AS grp
                FROM generate_series(0, %(total)s - 1) AS n
            ), p AS (
                SELECT g.n, g.grp,
                       CASE g.grp
                         WHEN 'backlog' THEN %(day)s::date - 2 - mod(g.n, 100)::int
                         WHEN 'daily' THEN %(day)s::date - 1
                         ELSE %(day)s::date + 1 + mod(g.n, 1000)::int END AS last_day
                FROM g
            )
            INSERT INTO {record} (enterprise_id, kind, occurred_on, is_public, publicity_start,
                publicity_end, authority, document_number, summary, details, source_app,
                source_model, source_id, recorded_at)
            SELECT e.id, %(kind)s, LEAST(p.last_day - 95, %(day)s::date - 40), true,
                   LEAST(p.last_day - 89, %(day)s::date - 30), p.last_day,
                   '成都市双流区市场监督管理局', '双市监处罚〔BENCH〕' || p.n || '号',
                   '违反《中华人民共和国价格法》第十三条，罚款人民币3,000元',
                   jsonb_build_object('term', '3m', 'bench_day', %(day)s::text, 'group', p.grp),
                   %(app)s, %(model)s, p.n::text, now()
            FROM p JOIN e ON e.rn = mod(p.n::bigint * 7919, %(operating)s)
            ORDER BY p.n
            """,  # noqa: S608
            {
                "total": TOTAL,
                "day": day,
                "kind": PENALTY,
                "app": MARK[0],
                "model": MARK[1],
                "operating": operating,
            },
        )
        written = cursor.rowcount
    print(f"  {written:,} penalties written in {time.perf_counter() - started:.1f} s", flush=True)


def timed(label: str, work) -> tuple[float, int, object]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    print(f"  {label:<8} {seconds:7.2f} s  {len(queries):4d} queries  {result}", flush=True)
    return seconds, len(queries), result


def run_daily(day: dt.date, *extra: str) -> str:
    out = io.StringIO()
    call_command("run_daily", "--date", day.isoformat(), "--only", JOB, *extra, stdout=out)
    return out.getvalue().strip()


def shorten(line: str, width: int = 160) -> str:
    """A plan line without its list of 10,000 keys."""
    return line if len(line) <= width else line[: width - 1] + "…"


def explain(day: dt.date, chunk: int) -> None:
    """The plans of the list of records due and of the first chunk's SELECT."""
    due = publicity.publicity_due(on=day)
    select, params = publicity._expiry_select(on=day, ids=due[:chunk])
    statements = [
        (f"SELECT r.id {publicity._due_sql(ids=False)} ORDER BY r.id", [PENALTY, True, day]),
        (select, params),
    ]
    with connection.cursor() as cursor:
        for sql, sql_params in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
            print("\n".join(shorten(row[0]) for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=rules.PUBLICITY_EXPIRY_CHUNK)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    ensure_database(url)
    call_command("migrate", verbosity=0)
    fill_register(args.enterprises)
    day = fixture_day()
    if day is None:
        day = timezone.localdate()
        print(f"writing the fixture for {day} ...", flush=True)
        fill_penalties(day)
    # The rounds of earlier runs were rolled back: their rows are dead and bloat the tables.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE {time.perf_counter() - started:.0f} s", flush=True)
    print(
        f"{Enterprise.objects.count():,} entities, "
        f"{CreditRecord.objects.count():,} ledger records, "
        f"{CreditRecord.objects.filter(kind=PENALTY).count():,} penalties; job's date {day}",
        flush=True,
    )
    if args.explain:
        for on in (day - dt.timedelta(days=1), day):
            try:
                with transaction.atomic():
                    print(f"-- EXPLAIN ANALYZE: the records due on {on}, then its first chunk")
                    explain(on, args.chunk)
                    raise Rollback
            except Rollback:
                pass

    times: dict[str, list[float]] = {name: [] for name in TARGETS}
    for round_no in range(1, args.rounds + 1):
        print(f"round {round_no}", flush=True)
        try:
            with transaction.atomic():
                backlog = timed(
                    "backlog",
                    lambda: publicity.publicity_expire(
                        on=day - dt.timedelta(days=1), chunk=args.chunk
                    ),
                )
                daily = timed("daily", lambda: run_daily(day))
                rerun = timed("rerun", lambda: run_daily(day, "--force"))
                expired = CreditRecord.objects.filter(
                    kind=PUBLICITY_EXPIRED, source_model="publicity_expiry"
                ).count()
                raise Rollback
        except Rollback:
            pass
        if backlog[2] < BACKLOG or f"expired={DAILY}" not in str(daily[2]):
            raise SystemExit(f"unexpected counts: backlog {backlog[2]}, daily {daily[2]}")
        if "expired=0" not in str(rerun[2]):
            raise SystemExit(f"the rerun wrote something: {rerun[2]}")
        print(f"  ({expired:,} expiry facts in the ledger before the rollback)")
        for name, measured in zip(TARGETS, (backlog, daily, rerun), strict=True):
            times[name].append(measured[0])
    print("median:")
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        verdict = "met" if median <= target else "NOT MET"
        print(f"  {name:<8} {median:6.2f} s  (target <= {target:g} s: {verdict})")


if __name__ == "__main__":
    main()
