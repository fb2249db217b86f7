"""Annual reports submitted by distinct enterprises at once (issue 15, "Performance": the last
days of June). Target: at least 150 accepted reports a second with p99 below 300 ms.

Command (PostgreSQL; the database is created and migrated when it is missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_annual_bench \\
        .venv/bin/python bench/annual_report_submit_bench.py --reports 3000 --workers 8

Options: --reports N (default 3,000), --workers W (processes, default 8), --year Y (the year
reported on, default last year), --on D (the day the reports are submitted, default 29 June
of Y+1: inside the window, so every report is on time; the clock of the workers is moved there
with time-machine).

What it does
1. Creates N new companies for the run (valid credit codes, registered before Y, one bureau
   department; COPY-free bulk insert, so each run files for fresh entities: a year is filed
   once per entity and the ledger is append-only), and one filer per worker.
2. Starts W worker processes, each with its own database connection, which wait for one
   another, then each files its share of the N reports exactly as the self-service page does:
   `report_draft_save` (a new draft prefilled from the register, then a complete enterprise
   report: items 1–7 with one shareholder) and `report_submit` (the checks, the version in
   force, the `annual_report_filed` ledger fact with its pending change rows, the audit
   events), two transactions per report.
3. Prints reports per second (N over the wall-clock time from the common start to the last
   report), the latency of one report (draft and submission) at p50, p95 and p99, the queries
   of one report, the CPU time of one report in the workers and in their PostgreSQL backends
   (from /proc: what bounds the rate on an idle machine, whatever else runs at the time), and
   checks that N reports and N ledger facts were written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings.test")

import django  # noqa: E402

from bench.pgdb import ensure_database  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from annual_reports.models import AnnualReport  # noqa: E402
from annual_reports.services.reports import report_draft_save, report_submit  # noqa: E402
from credit_portal.models import Department, User  # noqa: E402
from enterprises.models import CreditRecord, Enterprise  # noqa: E402
from enterprises.services.register import name_initials  # noqa: E402
from enterprises.uscc import CHARSET, orgcode_check_char, uscc_check_char  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
TARGET_RATE, TARGET_P99_MS = 150.0, 300.0
_ORG_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(rnd: random.Random) -> str:
    """A valid 18-character code (GB 32100 check characters), random."""
    while True:
        body = "MA" + "".join(rnd.choice(_ORG_BODY) for _ in range(6))
        org = body + orgcode_check_char(body)
        if all(c in CHARSET for c in org):
            first17 = "91510116" + org
            return first17 + uscc_check_char(first17)


def report_data(n: int) -> dict[str, Any]:
    """A complete enterprise report (items 1–7; a company's item 4), every field given, as the
    self-service form sends it."""
    return {
        "mailing_address": f"四川省成都市双流区东升街道棠湖路{n % 900 + 1}号",
        "postcode": "610200",
        "phone": f"138{n % 100_000_000:08d}",
        "email": f"office{n}@example.cn",
        "operating_status": "operating",
        "contributions": [
            {"shareholder": "张三", "subscribed": "100", "paid": "60", "paid_on": "2021-03-01"}
        ],
        "investments": [],
        "equity_transfers": [],
        "websites": [{"kind": "website", "name": "官网", "url": f"https://firm{n}.example.cn"}],
        "publish_financials": n % 3 == 0,
        "headcount": 5 + n % 40,
        "total_assets": Decimal("350.50"),
        "total_liabilities": Decimal("120.00"),
        "guarantees": Decimal("0"),
        "owners_equity": Decimal("230.50"),
        "total_revenue": Decimal("800.00"),
        "main_revenue": Decimal("760.00"),
        "total_profit": Decimal("-15.20"),
        "net_profit": Decimal("-15.20"),
        "tax_paid": Decimal("24.10"),
    }


def prepare(count: int, year: int, workers: int) -> tuple[list[int], list[int]]:
    """`count` new companies registered before `year` and one filer per worker."""
    bureau = Department.objects.filter(is_bureau=True).first() or Department.objects.create(
        code="amr", name="区市场监督管理局", is_bureau=True
    )
    taken = set(Enterprise.objects.values_list("uscc", flat=True))
    rnd = random.Random(f"{time.time_ns()}")
    codes: list[str] = []
    while len(codes) < count:
        code = credit_code(rnd)
        if code not in taken:
            taken.add(code)
            codes.append(code)
    run = time.strftime("%H%M%S")
    rows = [
        Enterprise(
            uscc=code,
            name=f"成都年报测试{run}第{n}有限公司",
            name_initials=name_initials(f"成都年报测试第{n}有限公司"),
            entity_type=Enterprise.EntityType.COMPANY,
            industry_section="F",
            industry_division="52",
            registered_on=dt.date(year - 3, 5, 1),
            registration_authority="成都市双流区市场监督管理局",
            address="四川省成都市双流区东升街道棠湖路1号",
            division="东升街道",
            legal_rep_name="张三",
            registered_capital=100,
            department=bureau,
        )
        for n, code in enumerate(codes)
    ]
    Enterprise.objects.bulk_create(rows, batch_size=2000)
    ids = list(Enterprise.objects.filter(uscc__in=codes).values_list("id", flat=True))
    filers = [User.objects.get_or_create(username=f"bench-filer-{w}")[0].pk for w in range(workers)]
    return sorted(ids), filers


def file_one(enterprise: Enterprise, actor: User, year: int, n: int) -> None:
    draft = report_draft_save(actor=actor, enterprise=enterprise, year=year, data=report_data(n))
    report_submit(actor=actor, report=draft, expected_version=draft.version)


def backend_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a PostgreSQL backend on this machine, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker(args: tuple[list[int], int, int, str, Any]) -> tuple[list[float], float, float]:
    """File the reports of `ids` (after the common start): the latency of each in ms, and the
    CPU seconds the worker and its PostgreSQL backend spent on them."""
    ids, filer, year, on, barrier = args
    import time_machine

    connections.close_all()  # a connection of its own, not the parent's
    actor = User.objects.get(pk=filer)
    enterprises = list(Enterprise.objects.filter(pk__in=ids).order_by("id"))
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    moment = dt.datetime.combine(dt.date.fromisoformat(on), dt.time(15), tzinfo=SHANGHAI)
    latencies: list[float] = []
    with time_machine.travel(moment, tick=True):
        barrier.wait()
        cpu, pg_cpu = time.process_time(), backend_cpu_seconds(backend)
        for n, enterprise in enumerate(enterprises):
            start = time.perf_counter()
            file_one(enterprise, actor, year, enterprise.pk + n)
            latencies.append((time.perf_counter() - start) * 1000)
        cpu, pg_cpu = time.process_time() - cpu, backend_cpu_seconds(backend) - pg_cpu
    connections.close_all()
    return latencies, cpu, pg_cpu


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--year", type=int, default=timezone.localdate().year - 1)
    parser.add_argument("--on", default="")
    args = parser.parse_args()
    on = args.on or f"{args.year + 1}-06-29"
    url = os.environ.get("DATABASE_URL", "")
    ensure_database(url)
    call_command("migrate", verbosity=0)
    print(f"preparing {args.reports:,} companies (+1 to count the queries) ...", flush=True)
    ids, filers = prepare(args.reports + 1, args.year, args.workers)
    probe, ids = ids[0], ids[1:]
    # The queries of one report, measured once, outside the timed run.
    import time_machine

    moment = dt.datetime.combine(dt.date.fromisoformat(on), dt.time(15), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=True), CaptureQueriesContext(connection) as queries:
        file_one(Enterprise.objects.get(pk=probe), User.objects.get(pk=filers[0]), args.year, 0)
    with connection.cursor() as cur:
        cur.execute("ANALYZE annual_reports_annualreport")
    connections.close_all()

    shares = [ids[w :: args.workers] for w in range(args.workers)]
    ctx = mp.get_context("fork")
    barrier = ctx.Manager().Barrier(args.workers + 1)
    print(
        f"{args.reports:,} reports for {args.year}, submitted on {on} by {args.workers} "
        f"workers ...",
        flush=True,
    )
    with ctx.Pool(args.workers) as pool:
        pending = pool.map_async(
            worker, [(share, filers[w], args.year, on, barrier) for w, share in enumerate(shares)]
        )
        barrier.wait()
        started = time.perf_counter()
        results = pending.get()
        wall = time.perf_counter() - started
    latencies = [ms for share, _cpu, _pg in results for ms in share]
    python_ms = sum(cpu for _l, cpu, _pg in results) * 1000 / len(latencies)
    postgres_ms = sum(pg for _l, _cpu, pg in results) * 1000 / len(latencies)
    filed = AnnualReport.objects.filter(
        enterprise_id__in=ids, year=args.year, status=AnnualReport.Status.SUBMITTED
    ).count()
    facts = CreditRecord.objects.filter(enterprise_id__in=ids, kind="annual_report_filed").count()
    rate = len(latencies) / wall
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    print(f"queries per report: {len(queries.captured_queries)} (draft and submission)")
    print(f"filed: {filed:,} reports, {facts:,} ledger facts, in {wall:.2f} s")
    print(f"throughput: {rate:.1f} reports/s")
    print(
        f"latency per report: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms "
        f"(mean {statistics.fmean(latencies):.1f} ms)"
    )
    cores = os.cpu_count() or 1
    print(
        f"CPU per report: workers {python_ms:.1f} ms, PostgreSQL {postgres_ms:.1f} ms; "
        f"on {cores} idle cores at most {cores * 1000 / (python_ms + postgres_ms):.0f} reports/s "
        f"(load average now {os.getloadavg()[0]:.1f}: other work shares the cores)"
    )
    met = rate >= TARGET_RATE and p99 < TARGET_P99_MS
    print(
        f"target: >= {TARGET_RATE:.0f} reports/s and p99 < {TARGET_P99_MS:.0f} ms — "
        f"{'met' if met else 'NOT MET'}"
    )
    if filed != args.reports or facts != args.reports:
        raise SystemExit(f"expected {args.reports} reports and facts, found {filed} and {facts}")


if __name__ == "__main__":
    main()
