"""Benchmark: import of the register from a 100,000-row CSV, end to end (parse, validate, write).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench \
        .venv/bin/python bench/import_bench.py --rows 100000

The script creates the database if it is missing (bench/pgdb.py), migrates it and creates the demo
departments and staff itself. Each run generates new credit codes (seeded by the number of
enterprises already present, or --seed), so every run measures 100,000 creations: enterprises, their
REGISTRATION ledger records and the audit events.

Options: --rows N, --chunk-size N, --encoding utf-8-sig|gb18030, --again (import the same
file a second time: the idempotent run, all rows unchanged), --dry-run-first (time a dry run
first: parse and validate only), --xlsx (also time a dry run of the same rows as XLSX).
Target (issue 3): 100,000 rows in at most 60 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "0")  # no query log in memory

import django  # noqa: E402

from bench.pgdb import ensure_database  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from credit_portal.demo import DEPARTMENTS, demo_accounts_build  # noqa: E402
from credit_portal.models import User  # noqa: E402
from enterprises.models import Enterprise  # noqa: E402
from enterprises.services.imports import enterprises_import  # noqa: E402
from enterprises.xlsx import rows_to_xlsx  # noqa: E402
from tests.enterprises.factories import make_uscc  # noqa: E402

HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "主体类型",
    "行业代码",
    "成立日期",
    "登记机关",
    "住所",
    "所属街道",
    "法定代表人",
    "法定代表人证件号",
    "注册资本(万元)",
    "经营范围",
    "管辖部门",
]
PLACES = ["成都", "双流", "蓉城", "天府", "锦江", "华阳", "东升", "九江", "西航港", "黄甲"]
WORDS = list("鑫瑞祥泰丰华宏达兴隆盛源鼎诚信和美佳康乐福润通顺安永金银海天星光明")
TRADES = ["商贸", "餐饮", "科技", "建材", "物流", "汽修", "食品", "文化传媒", "医药", "农业"]
STREETS = ["东升街道", "西航港街道", "九江街道", "黄甲街道", "公兴街道", "黄水镇", "彭镇"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚")
DIVISIONS = ["51", "52", "62", "61", "36", "47", "72", "80", "01", "13", "27", "70"]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(rnd: random.Random) -> str:
    first17 = f"510116{rnd.randint(1950, 2000)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
    first17 += f"{rnd.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]
    return first17 + check


def generate(path: Path, rows: int, seed: int, encoding: str) -> None:
    rnd = random.Random(seed)
    seen: set[str] = set()
    n = seed * 10_000_000
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            individual = rnd.random() < 0.6  # individual businesses are the majority
            code = ""
            while not code or code in seen:
                n += 1
                code = make_uscc(n, entity_digit="2" if individual else "1")
            seen.add(code)
            words = "".join(rnd.choice(WORDS) for _ in range(2))
            if individual:
                name = f"{rnd.choice(PLACES)}{words}{rnd.choice(TRADES)}店"
                entity_type = "个体工商户"
            else:
                name = f"成都{rnd.choice(PLACES)}{words}{rnd.choice(TRADES)}有限公司{i % 97 or ''}"
                entity_type = rnd.choice(["有限责任公司(自然人投资或控股)", "股份有限公司", "公司"])
            dept_code, dept_name, _en = rnd.choice(DEPARTMENTS)
            writer.writerow(
                [
                    code,
                    name,
                    entity_type,
                    rnd.choice(DIVISIONS),
                    f"{rnd.randint(1995, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                    "成都市双流区市场监督管理局",
                    f"四川省成都市双流区{rnd.choice(STREETS)}{rnd.randint(1, 999)}号",
                    rnd.choice(STREETS),
                    rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
                    resident_id(rnd),
                    str(rnd.choice([1, 3, 5, 10, 50, 100, 500, 1000])),
                    "日用百货销售；食品经营（销售预包装食品）",
                    dept_code if rnd.random() < 0.5 else dept_name,
                ]
            )


def timed_import(path: Path, actor: User, *, dry_run: bool, chunk_size: int) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        outcome = enterprises_import(
            file=handle, file_name=path.name, actor=actor, dry_run=dry_run, chunk_size=chunk_size
        )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    label = "dry run" if dry_run else "import"
    print(
        f"{label:8s} {outcome.total_rows:,} rows in {seconds:.1f} s = "
        f"{outcome.total_rows / seconds:,.0f} rows/s (created {outcome.created:,}, "
        f"updated {outcome.updated:,}, unchanged {outcome.unchanged:,}, "
        f"errors {outcome.error_rows:,}); Python CPU {cpu:.1f} s"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=2_000)
    parser.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "gb18030"])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--again", action="store_true", help="import the same file twice")
    parser.add_argument("--dry-run-first", action="store_true")
    parser.add_argument("--xlsx", action="store_true", help="also a dry run of an XLSX copy")
    args = parser.parse_args()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    demo_accounts_build()
    actor = User.objects.get(username="registrar")
    seed = args.seed if args.seed is not None else Enterprise.objects.count() + 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.csv"
        start = time.perf_counter()
        generate(path, args.rows, seed, args.encoding)
        size = path.stat().st_size / 1024 / 1024
        print(
            f"generated {args.rows:,} rows ({size:.1f} MB, {args.encoding}) in "
            f"{time.perf_counter() - start:.1f} s (not part of the import)"
        )
        if args.dry_run_first:
            timed_import(path, actor, dry_run=True, chunk_size=args.chunk_size)
        seconds = timed_import(path, actor, dry_run=False, chunk_size=args.chunk_size)
        if args.again:
            timed_import(path, actor, dry_run=False, chunk_size=args.chunk_size)
        if args.xlsx:
            with path.open(encoding=args.encoding, newline="") as handle:
                rows = list(csv.reader(handle))
            workbook = path.with_suffix(".xlsx")
            workbook.write_bytes(rows_to_xlsx(headers=rows[0], rows=rows[1:]))
            print(f"xlsx copy: {workbook.stat().st_size / 1024 / 1024:.1f} MB")
            timed_import(workbook, actor, dry_run=True, chunk_size=args.chunk_size)
    verdict = "OK" if seconds <= 60 * args.rows / 100_000 else "SLOWER THAN TARGET"
    print(f"total {seconds:.1f} s for {args.rows:,} rows (target 60 s per 100,000): {verdict}")


if __name__ == "__main__":
    main()
