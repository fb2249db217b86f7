"""The end of a penalty's publicity term (届满停止公示): a ledger fact of its own, written by the
daily job (SAMR Order 45 art. 13; docs/domain.md §5 "Automatic expiry", §10).

Rules
- Every `penalty` record that is public, whose term has run out (`publicity_end`, its last
  public day, before the day of the run) and that no record closes (not repaired, withdrawn or
  expired already) gets a `publicity_expired` fact that closes it.
- The fact carries the date the law fixes: the day after the last public day, the first day
  the record is no longer shown (`rules.PUBLICITY_EXPIRED_AFTER_DAYS`), whatever day the job
  runs (a backlog run on the 20th still dates a term that ended on the 1st the 2nd).
- It is not public, names the term (`details`: publicity_start, publicity_end and the term
  code its decision gave it, `PenaltyDecision.publicity_term`, when it has one) and its
  source is the record itself (remediation, publicity_expiry, record id): a rerun, or two runs
  at once, add nothing.
- It is not a repair and is never counted as one (`remediation.selectors.figures` counts it
  apart; docs/domain.md §5 "What counts as repair", §10).

Effects: the record leaves the public profile, the public API and the enterprise's "public
now" (the closing rule of `public_credit_records` / `CreditRecord.is_public_on`); the ledger
writes one audit event per fact, the `LedgerChange` rows, and refreshes the enterprises'
cached state by its SQL fold.

Cost: set-based. One query lists the records due (their ids, 8 bytes each); then, per chunk of
`rules.PUBLICITY_EXPIRY_CHUNK` records in its own transaction, `credit_facts_append_derived`
inserts the facts straight from a SELECT of those records by key (checked again), with the
ledger's few statements: no query per record, nothing per record in Python but its id. A killed
run has committed its finished chunks; running again lists what is left. Measured by
bench/publicity_expiry_bench.py (1,000,000 entities, 300,000 published penalties).
"""

from __future__ import annotations

import datetime as dt
import json
from array import array
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.models import User
from enterprises.models import CreditRecord
from enterprises.services.ledger import credit_facts_append_derived
from remediation import rules
from remediation.kinds import PENALTY, PUBLICITY_EXPIRED

# The fact's stored summary: the publicity system's words for a term that ran out (the ledger
# keeps the text as written; the kind's label names it in the reader's language).
EXPIRED_SUMMARY = "公示期满，停止公示"
# The fact's source key: (app, what, the closed record's id).
SOURCE_APP, SOURCE_MODEL = "remediation", "publicity_expiry"
# Attempts at one chunk: a record closed by another transaction between the selection and the
# insert (a repair approved at that moment) refuses the chunk; the next attempt selects anew.
_ATTEMPTS = 3


def _due_sql(*, ids: bool) -> str:
    """The records whose term ran out before the day (param 3) and that nothing closes:
    `penalty` (param 1), public (param 2); with `ids`, only those of a list (param 4: an array
    on PostgreSQL, a JSON list on SQLite), else all of them, by id.

    Plan (PostgreSQL, measured by bench/publicity_expiry_bench.py): all of them is one bitmap
    scan of the kind index (credit_kind_date_idx) and an anti-join on the unique index of
    `closes_id`; it has no LIMIT on purpose: with one, the planner walks the primary key through
    the whole ledger. A chunk's records are then looked up by their keys."""
    record = connection.ops.quote_name(CreditRecord._meta.db_table)
    listed = ""
    if ids:
        listed = (
            " AND r.id = ANY(%s)"
            if connection.vendor == "postgresql"
            else " AND r.id IN (SELECT value FROM json_each(%s))"
        )
    return (
        f"FROM {record} r WHERE r.kind = %s AND r.is_public = %s AND r.publicity_end < %s"  # noqa: S608
        f"{listed} AND NOT EXISTS (SELECT 1 FROM {record} c WHERE c.closes_id = r.id)"
    )


def _expiry_select(*, on: dt.date, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """The SELECT `credit_facts_append_derived` inserts from: seq, then the staged columns
    (enterprise_id, kind, occurred_on, is_public, publicity_start, publicity_end, authority,
    document_number, summary, details, source_app, source_model, source_id, closes_id), one
    row per record of `ids` whose term has run out by `on` and that nothing closes (checked
    again: another transaction may have closed one since it was listed), by id."""
    after = int(rules.PUBLICITY_EXPIRED_AFTER_DAYS)
    if connection.vendor == "postgresql":
        # Never before the record's own date (the ledger refuses a closing dated earlier).
        expired_on = f"GREATEST(r.publicity_end + {after}, r.occurred_on)"
        details = (
            "jsonb_build_object('publicity_start', CAST(r.publicity_start AS text), "
            "'publicity_end', CAST(r.publicity_end AS text), 'term', r.details -> 'term')"
        )
        listed: Any = list(ids)
    else:  # SQLite: dates are ISO text
        expired_on = f"MAX(date(r.publicity_end, '+{after} day'), r.occurred_on)"
        details = (
            "json_object('publicity_start', r.publicity_start, 'publicity_end', "
            "r.publicity_end, 'term', json_extract(r.details, '$.term'))"
        )
        listed = json.dumps(list(ids))
    # The term is the one its decision gave (details["term"], `PenaltyDecision.publicity_term`):
    # none for a record written without a decision (the demo's history, an import).
    select = (
        "SELECT CAST(ROW_NUMBER() OVER (ORDER BY r.id) AS integer), r.enterprise_id, %s, "
        f"{expired_on}, %s, CAST(NULL AS date), CAST(NULL AS date), r.authority, "
        "r.document_number, "
        "%s || CASE WHEN r.document_number <> '' THEN '：' || r.document_number ELSE '' END, "
        f"{details}, %s, %s, CAST(r.id AS text), r.id {_due_sql(ids=True)} ORDER BY r.id"
    )
    params: list[Any] = [
        PUBLICITY_EXPIRED,
        False,
        EXPIRED_SUMMARY,
        SOURCE_APP,
        SOURCE_MODEL,
        PENALTY,
        True,
        on,
        listed,
    ]
    return select, params


def publicity_due(*, on: dt.date) -> array[int]:
    """The ids of the records whose term ran out before `on` and that nothing closes, in
    order: one query (`_due_sql`), kept as 8 bytes an id (a backlog of 1,000,000 terms: 8 MB)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.id {_due_sql(ids=False)} ORDER BY r.id", [PENALTY, True, on])
        return array("q", (row[0] for row in cursor.fetchall()))


def publicity_expire(
    *, on: dt.date, actor: User | None = None, chunk: int = rules.PUBLICITY_EXPIRY_CHUNK
) -> int:
    """End the publicity of every penalty record whose term ran out before `on`; returns how
    many facts were written.

    Rules: see the module docstring; `on` may not be after today (the facts would be dated in
    the future). Idempotent: a second run, or a run beside another, writes nothing more.
    Side effects, per chunk of `chunk` records in its own transaction: the `publicity_expired`
    facts, their audit events (actor None: the system), the ledger's pending change rows and
    the cached state of their enterprises.
    Queries: one to list the records due, then the ledger's few per chunk.
    """
    today = timezone.localdate()
    if on > today:
        raise ValidationError(
            _("Publicity terms can be ended up to today (%(today)s), not on %(day)s.")
            % {"today": today.isoformat(), "day": on.isoformat()},
            code="future",
        )
    if chunk < 1:
        raise ValueError("chunk must be positive")
    due = publicity_due(on=on)
    total = 0
    for start in range(0, len(due), chunk):
        total += _expire_chunk(on, due[start : start + chunk], actor)
    return total


def _expire_chunk(on: dt.date, ids: Sequence[int], actor: User | None) -> int:
    """One chunk in its own transaction. A chunk refused because one of its records was closed
    by another transaction meanwhile (a repair approved at that moment, or another run of this
    job) is tried again: the new selection leaves that record out."""
    select, params = _expiry_select(on=on, ids=ids)
    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                appended = credit_facts_append_derived(select=select, params=params, actor=actor)
            return appended.written
        except ValidationError:
            if attempt == _ATTEMPTS - 1:
                raise
    return 0  # pragma: no cover - the loop returns or raises
