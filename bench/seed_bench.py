"""Benchmark: seed_demo with 1,000,000 market entities on a fresh PostgreSQL database.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_seed_bench
    .venv/bin/python bench/seed_bench.py
    # options: --enterprises N (default 1000000), --seed S, --keep (do not drop the database after)

Drops and re-creates the database named in DATABASE_URL (default cp_seed_bench: never point it
at a database you care about), migrates it, then times `manage.py seed_demo --enterprises N` in
a subprocess (Django start-up included) and prints the wall time, the command's own phase
timings, and the rows and rows/s per table. Target (issue 3): at most 5 minutes for 1,000,000.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.pgdb import drop_database, ensure_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cp_seed_bench"
TARGET_SECONDS = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        print("DATABASE_URL must point at PostgreSQL for this benchmark.")
        return 2
    dbname = urlparse(url).path.lstrip("/")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings.local",
    }
    env.pop("REDIS_URL", None)
    py = str(ROOT / ".venv" / "bin" / "python")

    ensure_database(url, fresh=True)
    print(f"fresh database {dbname}; migrating…", flush=True)
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    print(f"seed_demo --enterprises {args.enterprises:,} --seed {args.seed}", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(
        [py, "manage.py", "seed_demo", "--enterprises", str(args.enterprises), "--seed",
         str(args.seed)],
        cwd=ROOT, env=env, check=False, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-5000:])
        return proc.returncode
    wall = time.perf_counter() - started
    for line in proc.stdout.splitlines():
        if line.startswith(("District ready", "  timing", "  rate", "  types", "  status")):
            print(line)

    conn = psycopg2.connect(url)
    rows = {}
    with conn.cursor() as cur:
        for table in (
            "enterprises_enterprise",
            "enterprises_creditrecord",
            "credit_portal_auditevent",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            rows[table] = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
    conn.close()
    print()
    verdict = "OK" if wall <= TARGET_SECONDS else "TOO SLOW"
    print(f"wall time: {wall:.1f} s (target {TARGET_SECONDS} s) -> {verdict}")
    print(f"{'table':<28}{'rows':>12}{'rows/s':>12}")
    for table, n in rows.items():
        print(f"{table:<28}{n:>12,}{n / wall:>12,.0f}")
    total = rows["enterprises_enterprise"] + rows["enterprises_creditrecord"]
    print(f"{'all rows':<28}{total:>12,}{total / wall:>12,.0f}")
    print(f"database size: {size}")
    if not args.keep:
        drop_database(url)
    return 0 if wall <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
