"""The credit ledger: the register's one way to write a credit fact, and the state facts imply.

Every app writes its facts here, never into `CreditRecord` directly:

- `credit_record_append`: one fact, with a clear error for every bad input (a form, an API
  call, a service that decides one case);
- `credit_facts_append`: many facts in one set-based call (a deadline job that lists 100,000
  enterprises, a job that ends 10,000 publicity terms);
- `credit_facts_append_derived`: many facts that the database derives from rows it holds,
  given as a SELECT (the registrations of the enterprises an import has just written): the
  same path without Python per fact.

Both leave the same rows behind (tests/enterprises/test_credit_facts.py): the record; one
audit event per record (`enterprises.credit_record_appended`), unless the caller's own event
records the facts (a registration is recorded by `enterprise_created`); a row per subscriber
and enterprise in the pending table `LedgerChange`, which the subscribers drain
(`enterprises.subscriptions`); and the cached state on `Enterprise` brought in line with the
ledger by the one fold in SQL (`enterprises.state.state_refresh_sql`), writing only enterprises
whose state changes.

Invariants
- A record is never changed or deleted (ORM guard + PostgreSQL trigger).
- A removal, repair or correction is a new record whose `closes` points at the older record;
  a record can be closed once (one-to-one), only by a record of the same enterprise, and a
  closing kind may close only the kinds it declares (`enterprises.kinds`).
- A source object gives at most one record of each kind: (source object, kind) is the
  idempotency key, so a job rerun after a crash adds nothing (the single path refuses the
  duplicate with a message, the bulk path skips it and counts it).
- Writers of one enterprise are serialised by its row lock, taken before the ledger is read.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.bulk import Sql, copy_text, insert_select
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, User
from enterprises.kinds import Effect, Section, kind_codes, kind_get, kinds_all
from enterprises.models import CreditRecord, Enterprise, LedgerChange
from enterprises.state import EnterpriseState, state_fold, state_refresh_sql
from enterprises.subscriptions import subscriber_names

Status = Enterprise.Status
APPENDED = "enterprises.credit_record_appended"


def enterprise_state_as_of(*, enterprise: Enterprise, on: dt.date) -> EnterpriseState:
    """Replay the ledger up to and including `on` (records dated later, and closings dated
    later, are ignored), so the state of any past day can be shown and explained."""
    records = list(
        CreditRecord.objects.filter(enterprise=enterprise, occurred_on__lte=on).order_by(
            "occurred_on", "id"
        )
    )
    state = state_fold(records, on)
    penalties = set(kind_codes(section=Section.PENALTIES))
    state.penalties_in_publicity = [
        r
        for r in records
        if r.kind in penalties and r.is_public_on(on, closed=r.pk in state.closed)
    ]
    return state


@dataclass(frozen=True)
class CreditFact:
    """One credit fact to append. `source` is the domain object it comes from, as
    (app label, model name, primary key) — `CreditFact.source_of(obj)`; with `kind` it is the
    fact's idempotency key. `closes_id` names the older record a closing kind closes."""

    enterprise_id: int
    kind: str
    occurred_on: dt.date
    summary: str
    is_public: bool = False
    publicity_start: dt.date | None = None
    publicity_end: dt.date | None = None
    authority: str = ""
    document_number: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    source: tuple[str, str, str] | None = None
    closes_id: int | None = None

    @staticmethod
    def source_of(obj: models.Model) -> tuple[str, str, str]:
        return (obj._meta.app_label, obj._meta.model_name or "", str(obj.pk))

    def key(self) -> tuple[str, str, str, str] | None:
        return (*self.source, self.kind) if self.source else None


def _fact_checked(fact: CreditFact, today: dt.date) -> CreditFact:
    """The checks that need no database, as `ValidationError`s with field keys; returns the
    fact with its publicity start filled in (a public fact is public from its date)."""
    kind = kind_get(fact.kind)
    if fact.occurred_on > today:
        raise ValidationError({"occurred_on": [_("The date cannot be in the future.")]})
    if kind is None:
        raise ValidationError({"kind": [_("Unknown kind of credit record.")]})
    if (kind.effect == Effect.CLOSES) != (fact.closes_id is not None):
        raise ValidationError(
            {
                "closes": [
                    _(
                        "Removals, repairs and corrections must name the record they close; "
                        "other records close nothing."
                    )
                ]
            }
        )
    if kind.effect == Effect.STATUS and (fact.details or {}).get("status") not in Status.values:
        raise ValidationError({"details": [_("A status change must name a known status.")]})
    start = fact.publicity_start
    if fact.is_public and start is None:
        start = fact.occurred_on
    if start and fact.publicity_end and fact.publicity_end < start:
        raise ValidationError({"publicity_end": [_("The publicity period ends before it starts.")]})
    if fact.source is not None and not all(fact.source):
        raise ValidationError({"source": [_("A source names its app, model and key.")]})
    return fact if start == fact.publicity_start else replace(fact, publicity_start=start)


def _closing_problem(fact: CreditFact, closed: CreditRecord | None, already: bool) -> str | None:
    """Why `fact` cannot close the record `closed` (None when it can)."""
    if closed is None or closed.enterprise_id != fact.enterprise_id:
        return _("That record belongs to another market entity.")
    if already:
        return _("That record has already been closed.")
    kind = kind_get(fact.kind)
    if kind is not None and kind.closes_kinds and closed.kind not in kind.closes_kinds:
        return _("A removal must close a listing of the same list.")
    if fact.occurred_on < closed.occurred_on:
        return _("A record cannot be closed before the date it happened.")
    return None


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def credit_record_append(
    *,
    enterprise: Enterprise,
    kind: str,
    occurred_on: dt.date,
    summary: str,
    actor: User | None,
    is_public: bool = False,
    publicity_start: dt.date | None = None,
    publicity_end: dt.date | None = None,
    authority: str = "",
    document_number: str = "",
    details: dict[str, Any] | None = None,
    source: models.Model | None = None,
    closes: CreditRecord | None = None,
    audited: bool = True,
) -> CreditRecord:
    """Append one credit fact given field by field: `credit_fact_append` of that fact."""
    fact = CreditFact(
        enterprise_id=enterprise.pk,
        kind=kind,
        occurred_on=occurred_on,
        summary=summary,
        is_public=is_public,
        publicity_start=publicity_start,
        publicity_end=publicity_end,
        authority=authority,
        document_number=document_number,
        details=details or {},
        source=CreditFact.source_of(source) if source is not None else None,
        closes_id=closes.pk if closes is not None else None,
    )
    record = credit_fact_append(fact=fact, actor=actor, audited=audited)
    enterprise.refresh_from_db()
    return record


@transaction.atomic
def credit_fact_append(
    *, fact: CreditFact, actor: User | None, audited: bool = True
) -> CreditRecord:
    """Append one credit fact and bring the enterprise's current state in line with it.

    Rules: the date is not in the future; the kind is declared (`enterprises.kinds`); closing
    kinds must close an open record of the same enterprise, of a kind they may close, dated no
    later; a status fact names a known status; a public record's publicity starts on its date
    unless given; a source object gives at most one record of each kind.
    Side effects: the enterprise's cached state (SQL fold); a `LedgerChange` row per
    subscriber; one audit
    event, unless `audited=False` (the caller's own event records the fact).
    """
    locked = Enterprise.objects.select_for_update().get(pk=fact.enterprise_id)
    fact = _fact_checked(fact, timezone.localdate())
    closes = None
    if fact.closes_id is not None:
        closes = CreditRecord.objects.filter(pk=fact.closes_id).first()
        problem = _closing_problem(
            fact, closes, CreditRecord.objects.filter(closes_id=fact.closes_id).exists()
        )
        if problem:
            late = closes is not None and fact.occurred_on < closes.occurred_on
            raise ValidationError({"occurred_on" if late else "closes": [problem]})
    key = fact.key()
    if (
        key is not None
        and CreditRecord.objects.filter(
            source_app=key[0], source_model=key[1], source_id=key[2], kind=key[3]
        ).exists()
    ):
        raise ValidationError(_("This fact has already been recorded."), code="duplicate")
    record = CreditRecord(
        enterprise=locked,
        kind=fact.kind,
        occurred_on=fact.occurred_on,
        summary=fact.summary,
        is_public=fact.is_public,
        publicity_start=fact.publicity_start,
        publicity_end=fact.publicity_end,
        authority=fact.authority,
        document_number=fact.document_number,
        details=fact.details,
        closes=closes,
        recorded_by_id=_actor_id(actor),
        source_app=key[0] if key else "",
        source_model=key[1] if key else "",
        source_id=key[2] if key else "",
    )
    record.save()
    LedgerChange.objects.bulk_create(
        [LedgerChange(subscriber=name, enterprise_id=locked.pk) for name in subscriber_names()]
    )
    if _has_effect(fact.kind):  # a penalty or a letter changes no cached state
        state_refresh_sql("SELECT %s AS id", [locked.pk])
    if audited:
        audit_event_record(
            actor=actor,
            event_type=APPENDED,
            target=record,
            enterprise=locked,
            extra={"kind": fact.kind, "occurred_on": fact.occurred_on, "closes": fact.closes_id},
        )
    return record


# --- Many facts in one call ---------------------------------------------------------------
#
# The facts go into a temporary table (COPY on PostgreSQL), and from there every row is
# written by the database: the enterprises are locked in id order (so that single appends and
# other bulk calls wait rather than interleave), facts already in the ledger are dropped by
# their idempotency key, the closings are checked in one query, the records are inserted in
# the order given, then their audit events and pending rows are derived from the records
# written, and one UPDATE refreshes the cached state of the enterprises touched.

# The staged columns: CreditRecord's, but for the key and the columns the call sets itself.
_STAGED = (
    "enterprise_id",
    "kind",
    "occurred_on",
    "is_public",
    "publicity_start",
    "publicity_end",
    "authority",
    "document_number",
    "summary",
    "details",
    "source_app",
    "source_model",
    "source_id",
    "closes_id",
)
_STAGE, _WRITTEN = "cp_fact_stage", "cp_fact_written"


@dataclass(frozen=True)
class FactsAppended:
    """What a bulk append did: records written, facts skipped as already recorded (or given
    twice), enterprises whose cached state changed."""

    written: int
    skipped: int
    state_changed: int


def kinds_with_effect() -> list[str]:
    """The kinds whose facts can change the cached state (every effect but NONE)."""
    return sorted(k.code for k in kinds_all() if k.effect != Effect.NONE)


def _has_effect(code: str) -> bool:
    kind = kind_get(code)
    return kind is not None and kind.effect != Effect.NONE


def _column_types() -> dict[str, str]:
    fields = {f.attname: f for f in CreditRecord._meta.concrete_fields}
    return {name: fields[name].db_type(connection) or "text" for name in _STAGED}


def _probe() -> str:
    """Ends an EXISTS over the register or the ledger so that it stays one index lookup per
    staged row: PostgreSQL otherwise turns it into a hash join over the whole table whenever
    its statistics are stale (during an import, every chunk), a cost that grows with the table.
    OFFSET 0 keeps the subquery as it is written."""
    return " OFFSET 0" if connection.vendor == "postgresql" else ""


def _analyze(table: str) -> None:
    """Statistics for a temporary table the next statements join (PostgreSQL): it has none,
    and a guess of thousands of rows turns each index lookup into a scan of the whole register
    or ledger, which grows with every chunk of an import."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def _temp_table(name: str, columns: str) -> None:
    on_commit = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns}){on_commit}")


def _stage(facts: Sequence[CreditFact]) -> None:
    types = _column_types()
    _temp_table(_STAGE, ", ".join(["seq integer"] + [f"{c} {types[c]}" for c in _STAGED]))
    rows = [
        (
            seq,
            f.enterprise_id,
            f.kind,
            f.occurred_on,
            f.is_public,
            f.publicity_start,
            f.publicity_end,
            f.authority,
            f.document_number,
            f.summary,
            json.dumps(f.details, ensure_ascii=False),
            *(f.source or ("", "", "")),
            f.closes_id,
        )
        for seq, f in enumerate(facts)
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = "".join("\t".join(map(copy_text, row)) + "\n" for row in rows)
            columns = ", ".join(("seq", *_STAGED))
            with connection.wrap_database_errors:
                cursor.cursor.copy_expert(
                    f"COPY {_STAGE} ({columns}) FROM STDIN", io.StringIO(text)
                )
        else:
            marks = ", ".join(["%s"] * (len(_STAGED) + 1))
            cursor.executemany(f"INSERT INTO {_STAGE} VALUES ({marks})", rows)  # noqa: S608


def _lock_staged() -> bool:
    """Lock, in id order, the enterprises of the staged facts that can change the cached state
    (a single append then waits rather than folds beside this call; a penalty or a letter needs
    no lock); refuse facts about no enterprise of the register. Returns whether any fact can
    change the state. SQLite locks the whole database for a write: nothing to lock there."""
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    effectful = kinds_with_effect()
    kinds_in = ", ".join(["%s"] * len(effectful))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT s.enterprise_id FROM {_STAGE} s WHERE NOT EXISTS ("  # noqa: S608
            f"SELECT 1 FROM {table} e WHERE e.id = s.enterprise_id{_probe()}) ORDER BY 1 LIMIT 10"
        )
        missing = [row[0] for row in cursor.fetchall()]
        if missing:
            raise ValidationError(
                {"enterprise": [_("No such market entity: %(ids)s.") % {"ids": missing}]}
            )
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        # Uses index: enterprises_enterprise_pkey.
        cursor.execute(
            f"SELECT e.id FROM {table} e WHERE e.id IN (SELECT enterprise_id FROM {_STAGE} "  # noqa: S608
            f"WHERE kind IN ({kinds_in})) ORDER BY e.id{lock}",
            effectful,
        )
        return bool(cursor.fetchall())


def _drop_recorded() -> int:
    """Drop the staged facts whose (source, kind) the ledger holds already; return how many.
    Uses index: credit_source_idx, one lookup per staged fact (`_probe`)."""
    record = connection.ops.quote_name(CreditRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_STAGE} WHERE source_id <> '' AND EXISTS (SELECT 1 FROM {record} r "  # noqa: S608
            f"WHERE r.source_app = {_STAGE}.source_app AND r.source_model = {_STAGE}.source_model "
            f"AND r.source_id = {_STAGE}.source_id AND r.kind = {_STAGE}.kind{_probe()})"
        )
        return int(cursor.rowcount)


def _check_closings() -> None:
    """The closings still staged, checked against the records they close in one query."""
    record = connection.ops.quote_name(CreditRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.seq, s.enterprise_id, s.kind, s.occurred_on, r.id, r.enterprise_id, "  # noqa: S608
            f"r.kind, r.occurred_on, EXISTS (SELECT 1 FROM {record} c WHERE c.closes_id = r.id) "
            f"FROM {_STAGE} s LEFT JOIN {record} r ON r.id = s.closes_id "
            "WHERE s.closes_id IS NOT NULL ORDER BY s.seq"
        )
        rows = cursor.fetchall()
    closing: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for (
        seq,
        enterprise_id,
        kind,
        occurred_on,
        pk,
        closed_enterprise,
        closed_kind,
        closed_on,
        already,
    ) in rows:
        fact = CreditFact(enterprise_id, kind, _day(occurred_on), "", closes_id=pk)
        closed = None
        if pk is not None:
            closed = CreditRecord(
                pk=pk,
                enterprise_id=closed_enterprise,
                kind=closed_kind,
                occurred_on=_day(closed_on),
            )
        twice = closing.setdefault(pk, seq) != seq
        problem = _closing_problem(fact, closed, bool(already) or twice)
        if problem:
            errors.setdefault(f"facts[{seq}]", []).append(problem)
    if errors:
        raise ValidationError(errors)


def _day(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values)) or "NULL"


def _check_derived() -> None:
    """The rules of `_fact_checked` over facts derived in SQL, in one query: a declared kind,
    not in the future, closing kinds (and only they) name a record, a status fact a status."""
    declared = [k.code for k in kinds_all()]
    closing = kind_codes(effect=Effect.CLOSES)
    status = kind_codes(effect=Effect.STATUS)
    status_of = (
        "(s.details ->> 'status')"
        if connection.vendor == "postgresql"
        else "json_extract(s.details, '$.status')"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.seq FROM {_STAGE} s WHERE s.kind NOT IN ({_marks(declared)}) "  # noqa: S608
            f"OR s.occurred_on > %s "
            f"OR (s.kind IN ({_marks(closing)})) <> (s.closes_id IS NOT NULL) "
            f"OR (s.kind IN ({_marks(status)}) AND COALESCE({status_of}, '') NOT IN "
            f"({_marks(Status.values)})) ORDER BY s.seq LIMIT 10",
            [*declared, timezone.localdate(), *closing, *status, *Status.values],
        )
        bad = [row[0] for row in cursor.fetchall()]
    if bad:
        raise ValidationError({f"facts[{seq}]": [_("Not a valid credit fact.")] for seq in bad})


def _insert_records(actor_id: int | None) -> int:
    """Insert the staged facts in their order; the records written go to the second table.
    Returns how many were written."""
    record = connection.ops.quote_name(CreditRecord._meta.db_table)
    columns = ", ".join(_STAGED)
    insert = (
        f"INSERT INTO {record} ({columns}, recorded_by_id, recorded_at) "  # noqa: S608
        f"SELECT {columns}, %s, %s FROM {_STAGE} WHERE true ORDER BY seq "
        "ON CONFLICT (source_app, source_model, source_id, kind) WHERE NOT (source_id = '') "
        "DO NOTHING RETURNING id, enterprise_id, kind, occurred_on, closes_id, summary"
    )
    types = _column_types()
    _temp_table(
        _WRITTEN,
        f"id bigint, enterprise_id {types['enterprise_id']}, kind {types['kind']}, "
        f"occurred_on {types['occurred_on']}, closes_id bigint, summary text",
    )
    params = [actor_id, timezone.now()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH ins AS ({insert}) INSERT INTO {_WRITTEN} SELECT * FROM ins",  # noqa: S608
                params,
            )
            written = int(cursor.rowcount)
            _analyze(_WRITTEN)
            return written
        else:  # SQLite: no INSERT inside WITH
            cursor.execute(insert, params)
            written = cursor.fetchall()
            if written:
                cursor.executemany(
                    f"INSERT INTO {_WRITTEN} VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
                    written,
                )
            return len(written)


def _audit_written(actor: User | None) -> None:
    """One `credit_record_appended` event per record written, made by the database: the same
    row `audit_event_record` writes for a single append (the record as its target)."""
    labels = [(k.code, str(k.label)) for k in kinds_all()]
    label = Sql(
        "CASE w.kind " + " ".join("WHEN %s THEN %s" for _label in labels) + " ELSE w.kind END",
        tuple(p for pair in labels for p in pair),
    )
    day = "CAST(w.occurred_on AS TEXT)" if connection.vendor == "postgresql" else "w.occurred_on"
    extra = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    insert_select(
        AuditEvent,
        {
            "actor_id": _actor_id(actor),
            "event_type": APPENDED,
            "enterprise_id": Sql("w.enterprise_id"),
            "target_type": CreditRecord._meta.label_lower,
            "target_id": Sql("CAST(w.id AS TEXT)"),
            # str(CreditRecord): date, kind, the summary's first 60 characters.
            "target_repr": Sql(
                f"SUBSTR({day} || ' ' || ({label.expression}) || ': ' || "
                "SUBSTR(w.summary, 1, 60), 1, 200)",
                label.params,
            ),
            "extra": Sql(f"{extra}('kind', w.kind, 'occurred_on', {day}, 'closes', w.closes_id)"),
            "request_id": current_request_id() or "",
            "ip_address": current_client_ip() or None,
        },
        source=f"{_WRITTEN} w ORDER BY w.id",
    )


@transaction.atomic
def credit_facts_append(
    *, facts: Sequence[CreditFact], actor: User | None, audited: bool = True
) -> FactsAppended:
    """Append many credit facts in one set-based call and bring the cached state in line.

    Rules: those of `credit_record_append`, fact by fact; a fact whose (source, kind) the
    ledger holds already, or that the call gives twice, is skipped (a rerun adds nothing); any
    other bad fact refuses the whole call, naming it (`facts[i]`), before anything is written.
    Side effects, all written by the database: the records in the order given; one audit event
    per record unless `audited=False`; a `LedgerChange` row per subscriber and enterprise; the
    cached state of the enterprises whose state changes (their version up by one).
    """
    today = timezone.localdate()
    checked: list[CreditFact] = []
    seen: set[tuple[str, str, str, str]] = set()
    for index, fact in enumerate(facts):
        try:
            fact = _fact_checked(fact, today)
        except ValidationError as exc:
            raise ValidationError({f"facts[{index}]": exc.messages}) from exc
        key = fact.key()
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        checked.append(fact)
    if not checked:
        return FactsAppended(written=0, skipped=len(facts), state_changed=0)
    _stage(checked)
    appended = _append_staged(actor=actor, audited=audited)
    return replace(appended, skipped=len(facts) - appended.written)


@transaction.atomic
def credit_facts_append_derived(
    *, select: str, params: Sequence[Any] = (), actor: User | None, audited: bool = True
) -> FactsAppended:
    """Append facts that the database derives from rows it holds (the registrations of the
    enterprises an import has just written), with no Python per fact: `select` returns the
    columns seq, then `_STAGED`'s, one row per fact in the order to write them.

    Rules and side effects: those of `credit_facts_append` (the rules checked in one query);
    a fact given twice, or recorded already, is skipped.
    """
    types = _column_types()
    _temp_table(_STAGE, ", ".join(["seq integer"] + [f"{c} {types[c]}" for c in _STAGED]))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_STAGE} (seq, {', '.join(_STAGED)}) {select}",
            params,
        )
        staged = int(cursor.rowcount)
    _check_derived()
    appended = _append_staged(actor=actor, audited=audited)
    return replace(appended, skipped=staged - appended.written)


def _append_staged(*, actor: User | None, audited: bool) -> FactsAppended:
    """Write the staged facts (checked one by one already): lock, drop those recorded, check
    the closings, insert, audit, queue for the subscribers, refresh the cached state."""
    _analyze(_STAGE)
    stateful = _lock_staged()
    _drop_recorded()
    _check_closings()
    written = _insert_records(_actor_id(actor))
    if audited:
        _audit_written(actor)
    for name in subscriber_names():
        insert_select(
            LedgerChange,
            {"subscriber": name, "enterprise_id": Sql("w.enterprise_id")},
            source=f"(SELECT DISTINCT enterprise_id FROM {_WRITTEN}) w ORDER BY w.enterprise_id",  # noqa: S608
        )
    changed = 0
    if stateful:
        effectful = kinds_with_effect()
        kinds_in = ", ".join(["%s"] * len(effectful))
        changed = state_refresh_sql(
            f"SELECT DISTINCT enterprise_id AS id FROM {_WRITTEN} "  # noqa: S608
            f"WHERE kind IN ({kinds_in})",
            effectful,
        )
    # The two tables go with the commit on PostgreSQL; on SQLite at the next call.
    return FactsAppended(written=written, skipped=0, state_changed=changed)
