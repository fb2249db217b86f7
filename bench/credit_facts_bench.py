"""The ledger's bulk path against the plain SQL that writes the same rows, in the same run.

Command (PostgreSQL; the database is created, migrated and filled with the demo district when
it is missing or too small):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_facts_bench \
        .venv/bin/python bench/credit_facts_bench.py --facts 100000 --rounds 3

The call: 100,000 facts, of which half list an enterprise in the abnormal directory (each
changes its cached state), some enterprises get a penalty as well as a listing (two facts for
one enterprise) and 10,000 repeat a fact of the call (duplicates, skipped by their source).

The baseline writes the same ledger rows, audit rows and state changes with the fewest plain
statements, knowing in advance what to write: COPY the distinct facts into a temporary table,
one INSERT ... SELECT of the records (returning their keys), one INSERT ... SELECT of their
audit events, one UPDATE of the enterprises listed. Both run in a transaction that is rolled
back, alternately, so every round starts from the same data. Target: the bulk path takes at
most 1.5 times the baseline (issue 11).
"""

from __future__ import annotations

import argparse
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
from django.utils import timezone  # noqa: E402

from credit_portal.bulk import copy_text  # noqa: E402
from enterprises.models import CreditRecord, Enterprise  # noqa: E402
from enterprises.services.ledger import CreditFact, credit_facts_append  # noqa: E402

DAY = timezone.localdate()


class Rollback(Exception):  # noqa: N818 - not an error: the way out of the transaction
    pass


def facts_for(ids: list[int], total: int) -> tuple[list[CreditFact], int]:
    """`total` facts over `ids`: half listings, the rest penalties (a tenth of them for listed
    enterprises), then a tenth of the total repeated. Returns the facts and the distinct count."""
    duplicates = total // 10
    distinct = total - duplicates
    listings = total // 2
    penalties = distinct - listings
    facts = [
        CreditFact(
            pk,
            "abnormal_listing",
            DAY,
            "列入经营异常名录：未按规定报送年度报告",
            is_public=True,
            details={"reason": "annual_report_overdue"},
            source=("bench", "listing", str(pk)),
        )
        for pk in ids[:listings]
    ]
    # A fifth of the penalties go to enterprises listed above: two facts for one enterprise.
    shared = penalties // 5
    targets = ids[:shared] + ids[listings : listings + penalties - shared]
    facts += [
        CreditFact(
            pk,
            "penalty",
            DAY,
            "罚款人民币5,000元",
            is_public=True,
            source=("bench", "penalty", str(pk)),
        )
        for pk in targets
    ]
    facts += facts[:duplicates]
    return facts, distinct


def baseline(facts: list[CreditFact], listed: list[int]) -> None:
    """The same rows with plain statements (no checks, no idempotency, no state fold)."""
    seen: set[tuple[str, str, str, str]] = set()
    lines = []
    for f in facts:
        key = f.key()
        if key in seen:
            continue
        seen.add(key)
        row = (
            f.enterprise_id,
            f.kind,
            f.occurred_on,
            f.is_public,
            f.occurred_on,
            None,
            "",
            "",
            f.summary,
            '{"reason": "annual_report_overdue"}' if f.details else "{}",
            *f.source,
        )
        lines.append("\t".join(map(copy_text, row)) + "\n")
    columns = (
        "enterprise_id, kind, occurred_on, is_public, publicity_start, publicity_end, "
        "authority, document_number, summary, details, source_app, source_model, source_id"
    )
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE base_stage (enterprise_id bigint, kind varchar(24), occurred_on "
            "date, is_public bool, publicity_start date, publicity_end date, authority text, "
            "document_number text, summary text, details jsonb, source_app text, "
            "source_model text, source_id text) ON COMMIT DROP"
        )
        cur.cursor.copy_expert(
            f"COPY base_stage ({columns}) FROM STDIN", io.StringIO("".join(lines))
        )
        cur.execute(
            "CREATE TEMP TABLE base_written ON COMMIT DROP AS WITH ins AS ("  # noqa: S608
            f"INSERT INTO enterprises_creditrecord ({columns}, recorded_at) "
            f"SELECT {columns}, %s FROM base_stage RETURNING id, enterprise_id, kind, "
            "occurred_on, summary) SELECT * FROM ins",
            [now],
        )
        cur.execute(
            "INSERT INTO credit_portal_auditevent (occurred_at, event_type, enterprise_id, "
            "target_type, target_id, target_repr, extra, request_id) "
            "SELECT %s, 'enterprises.credit_record_appended', enterprise_id, "
            "'enterprises.creditrecord', id::text, occurred_on::text || ' ' || kind || ': ' || "
            "left(summary, 60), jsonb_build_object('kind', kind, 'occurred_on', "
            "occurred_on::text, 'closes', NULL), '' FROM base_written",
            [now],
        )
        cur.execute(
            "UPDATE enterprises_enterprise SET is_abnormal = true, version = version + 1, "
            "updated_at = %s WHERE id = ANY(%s)",
            [now, listed],
        )


def timed(label: str, work) -> float:
    start = time.perf_counter()
    try:
        with transaction.atomic():
            work()
            raise Rollback
    except Rollback:
        pass
    seconds = time.perf_counter() - start
    print(f"  {label:<10} {seconds:7.2f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    ensure_database(url)
    call_command("migrate", verbosity=0)
    needed = args.facts  # operating enterprises, not listed: one per distinct fact at most
    pool = Enterprise.objects.filter(status="operating", is_abnormal=False)
    if not Enterprise.objects.exists():
        print(f"Filling the demo district ({needed * 3 // 2:,} entities) ...", flush=True)
        call_command("seed_demo", enterprises=needed * 3 // 2, seed=11, verbosity=0)
    if pool.count() < needed:
        raise SystemExit(f"Fewer than {needed:,} operating entities: use a new database.")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    ids = list(pool.order_by("id").values_list("id", flat=True)[:needed])
    facts, distinct = facts_for(ids, args.facts)
    listed = [f.enterprise_id for f in facts if f.kind == "abnormal_listing"]
    listed = sorted(set(listed))
    print(
        f"{len(facts):,} facts ({distinct:,} distinct, {len(listed):,} change an enterprise's "
        f"state), {CreditRecord.objects.count():,} records in the ledger"
    )
    check: dict[str, int] = {}

    def service() -> None:
        result = credit_facts_append(facts=facts, actor=None)
        check.update(written=result.written, changed=result.state_changed)

    times: dict[str, list[float]] = {"bulk path": [], "plain SQL": []}
    for round_no in range(1, args.rounds + 1):
        print(f"round {round_no}")
        times["bulk path"].append(timed("bulk path", service))
        times["plain SQL"].append(timed("plain SQL", lambda: baseline(facts, listed)))
    if check != {"written": distinct, "changed": len(listed)}:
        raise SystemExit(f"The bulk path wrote {check}, not {distinct} records, {len(listed)}")
    bulk, plain = (statistics.median(times[k]) for k in ("bulk path", "plain SQL"))
    print(f"median: bulk path {bulk:.2f} s, plain SQL {plain:.2f} s, ratio {bulk / plain:.2f}")
    print(f"target: ratio at most 1.5 — {'met' if bulk <= 1.5 * plain else 'NOT MET'}")


if __name__ == "__main__":
    main()
