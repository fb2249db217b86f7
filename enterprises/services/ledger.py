"""The credit ledger: the register's one way to write a credit fact, and the state facts imply.

Every app writes its facts here, never into `CreditRecord` directly:

- `credit_record_append`: one fact, with a clear error for every bad input (a form, an API
  call, a service that decides one case);
- `credit_facts_append`: many facts in one set-based call (a deadline job that lists 100,000
  enterprises, a job that ends 10,000 publicity terms);
- `credit_facts_append_derived`: many facts that the database derives from rows it holds,
  given as a SELECT (the registrations of the enterprises an import has just written): the
  same rules and rows without Python per fact, inserted straight from the SELECT.

All leave the same rows behind (tests/enterprises/test_credit_facts.py): the record; one
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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.bulk import Sql, copy_text, insert_select, new_key_sql
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, User
from enterprises.kinds import Effect, LedgerKind, Section, kind_codes, kind_get, kinds_all
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


def _dispatch_after_commit() -> None:
    """Drain the subscribers now (settings CREDIT_PORTAL["LEDGER_DISPATCH_ON_COMMIT"]: on where
    no task queue runs the minute's drain). A failing handler is logged and left for later,
    as in the drain job; the append has committed either way."""
    from enterprises.subscriptions import ledger_changes_dispatch

    ledger_changes_dispatch()


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
        )
        .exclude(source_id="")  # the unique index's predicate: it serves the lookup
        .exists()
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
    if settings.CREDIT_PORTAL.get("LEDGER_DISPATCH_ON_COMMIT"):
        transaction.on_commit(_dispatch_after_commit)
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
# Every row is written by the database, through two temporary tables: the facts staged, and
# the records written. Two ways in:
# - facts built in Python (`credit_facts_append`) are checked in Python and staged (COPY on
#   PostgreSQL); the enterprises whose state they can change are locked in id order (so that
#   single appends and other bulk calls wait rather than interleave), facts already in the
#   ledger dropped by their idempotency key, the closings checked in one query, and the
#   records inserted in the order given;
# - facts derived by the database (`credit_facts_append_derived`) go, on PostgreSQL, straight
#   from their SELECT into the ledger, with no staging and no lookup of their keys: the same
#   statement checks the records written against the same rules and the register and locks
#   the same enterprises, and the closings are then checked on the records written. A fact
#   that breaks a rule, or that the ledger's unique indexes refuse (recorded already, given
#   twice, a record closed already), rolls that statement back, and the call goes the first
#   way, which skips the recorded facts and refuses a bad one with its message. The lock
#   comes before the fold reads the ledger, which is all it guards.
# Then, from the records written: their audit events and pending rows, and one UPDATE that
# refreshes the cached state of the enterprises touched.
# The two tables are made once per database session and emptied by every commit (PostgreSQL),
# so a call does no catalog work.

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
# The idempotency key: the ledger's unique index on (source, kind), for a source that is set.
_ON_CONFLICT = (
    "ON CONFLICT (source_app, source_model, source_id, kind) WHERE NOT (source_id = '') "
    "DO NOTHING RETURNING id, enterprise_id, kind, occurred_on, closes_id, summary"
)


@dataclass(frozen=True)
class FactsAppended:
    """What a bulk append did: records written, facts skipped as already recorded (or given
    twice), enterprises whose cached state changed."""

    written: int
    skipped: int
    state_changed: int


def _changes_state(kind: LedgerKind) -> bool:
    """Whether a fact of this kind can change the cached state: every effect but NONE, except
    a closing kind that may close only kinds without effect (the end of a penalty's publicity
    term, a withdrawal, a reply to a letter: closing a penalty or a letter changes no status
    and no listing, so the thousands of them a daily job writes lock and refresh nothing)."""
    if kind.effect == Effect.NONE:
        return False
    if kind.effect != Effect.CLOSES or not kind.closes_kinds:
        return True
    closed = [kind_get(code) for code in kind.closes_kinds]
    return any(c is None or c.effect != Effect.NONE for c in closed)


def kinds_with_effect() -> list[str]:
    """The kinds whose facts can change the cached state (`_changes_state`)."""
    return sorted(k.code for k in kinds_all() if _changes_state(k))


def _has_effect(code: str) -> bool:
    kind = kind_get(code)
    return kind is not None and _changes_state(kind)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _quoted(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_TABLES_SQL: dict[str, list[str]] = {}


def _tables() -> None:
    """The two temporary tables, empty: made the first time a database session needs them and
    kept (PostgreSQL empties them at every commit: ON COMMIT DELETE ROWS), emptied here for a
    second call in the same transaction. One round trip on PostgreSQL."""
    statements = _TABLES_SQL.get(connection.vendor)
    if statements is None:
        fields = {f.attname: f for f in CreditRecord._meta.concrete_fields}
        types = {name: fields[name].db_type(connection) or "text" for name in _STAGED}
        # id: a key the caller reserved (`credit_facts_append_derived(..., with_ids=True)`),
        # else NULL (the ledger's own).
        stage = ", ".join(["seq integer"] + [f"{c} {types[c]}" for c in _STAGED] + ["id bigint"])
        written = (
            f"id bigint, enterprise_id {types['enterprise_id']}, kind {types['kind']}, "
            f"occurred_on {types['occurred_on']}, closes_id bigint, summary text"
        )
        keep = " ON COMMIT DELETE ROWS" if _pg() else ""
        statements = [
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ({stage}){keep}",
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_WRITTEN} ({written}){keep}",
            f"DELETE FROM {_STAGE}",  # noqa: S608
            f"DELETE FROM {_WRITTEN}",  # noqa: S608
        ]
        _TABLES_SQL[connection.vendor] = statements
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute("; ".join(statements))
        else:  # SQLite: one statement a call
            for statement in statements:
                cursor.execute(statement)


def _probe() -> str:
    """Ends an EXISTS over the register or the ledger so that it stays one index lookup per
    staged row: PostgreSQL otherwise turns it into a hash join over the whole table whenever
    its statistics are stale (during an import, every chunk), a cost that grows with the table.
    OFFSET 0 keeps the subquery as it is written."""
    return " OFFSET 0" if _pg() else ""


def _analyze(table: str) -> None:
    """Statistics for a temporary table the next statements join (PostgreSQL): it has none,
    and a guess of thousands of rows turns each index lookup into a scan of the whole register
    or ledger, which grows with every chunk of an import."""
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def _lock_sql(table: str) -> tuple[str, list[str]]:
    """SELECT, in id order and locking them (PostgreSQL), the enterprises of the facts in
    `table` whose kind can change the cached state: a single append then waits rather than
    folds beside this call; a penalty or a letter needs no lock. A row whose current version
    this transaction wrote (created it, or updated it after locking it; its xmin) is left out:
    no other transaction can lock it before this one ends (it cannot see a row created here,
    and waits on a row updated here), so a lock would change nothing but cost a write per row.
    SQLite locks the whole database for a write: nothing to lock there."""
    effectful = kinds_with_effect()
    ours = " AND e.xmin <> xid(pg_current_xact_id())" if _pg() else ""
    lock = " FOR UPDATE" if _pg() else ""
    # Uses index: enterprises_enterprise_pkey.
    return (
        f"SELECT e.id FROM {_quoted(Enterprise)} e WHERE e.id IN (SELECT enterprise_id "  # noqa: S608
        f"FROM {table} WHERE kind IN ({_marks(effectful)})){ours} ORDER BY e.id{lock}",
        effectful,
    )


def _lock_staged() -> bool:
    """Lock the enterprises of the staged facts that can change the cached state
    (`_lock_sql`); refuse facts about no enterprise of the register. Returns whether any fact
    can change the state."""
    effectful = kinds_with_effect()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT s.enterprise_id FROM {_STAGE} s WHERE NOT EXISTS ("  # noqa: S608
            f"SELECT 1 FROM {_quoted(Enterprise)} e WHERE e.id = s.enterprise_id{_probe()}) "
            "ORDER BY 1 LIMIT 10"
        )
        missing = [row[0] for row in cursor.fetchall()]
        if missing:
            raise ValidationError(
                {"enterprise": [_("No such market entity: %(ids)s.") % {"ids": missing}]}
            )
        cursor.execute(*_lock_sql(_STAGE))
        if cursor.fetchall():
            return True
        cursor.execute(
            f"SELECT 1 FROM {_STAGE} WHERE kind IN ({_marks(effectful)}) LIMIT 1",  # noqa: S608
            effectful,
        )
        return cursor.fetchone() is not None


def _drop_recorded() -> int:
    """Drop the staged facts whose (source, kind) the ledger holds already; return how many.
    Uses index: credit_record_once_per_source (partial: the subquery repeats its predicate),
    one lookup per staged fact (`_probe`)."""
    record = _quoted(CreditRecord)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_STAGE} WHERE source_id <> '' AND EXISTS (SELECT 1 FROM {record} r "  # noqa: S608
            f"WHERE r.source_app = {_STAGE}.source_app AND r.source_model = {_STAGE}.source_model "
            f"AND r.source_id = {_STAGE}.source_id AND r.kind = {_STAGE}.kind "
            # Written as the index's own predicate, NOT (source_id = ''): SQLite uses a partial
            # index only when the query repeats its WHERE term (PostgreSQL proves either form).
            f"AND NOT (r.source_id = ''){_probe()})"
        )
        return int(cursor.rowcount)


def _check_closings() -> None:
    """The closings still staged, checked against the records they close in one query."""
    record = _quoted(CreditRecord)
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


def _rules_broken(alias: str) -> tuple[str, list[Any]]:
    """The rules of `_fact_checked` over facts derived in SQL, as a condition true of a fact
    (aliased `alias`) that breaks one: a declared kind, not in the future, closing kinds (and
    only they) name a record, a status fact a known status."""
    declared = [k.code for k in kinds_all()]
    closing = kind_codes(effect=Effect.CLOSES)
    status = kind_codes(effect=Effect.STATUS)
    status_of = (
        f"({alias}.details ->> 'status')" if _pg() else f"json_extract({alias}.details, '$.status')"
    )
    return (
        f"({alias}.kind NOT IN ({_marks(declared)}) OR {alias}.occurred_on > %s "
        f"OR ({alias}.kind IN ({_marks(closing)})) <> ({alias}.closes_id IS NOT NULL) "
        f"OR ({alias}.kind IN ({_marks(status)}) AND COALESCE({status_of}, '') NOT IN "
        f"({_marks(Status.values)})))",
        [*declared, timezone.localdate(), *closing, *status, *Status.values],
    )


def _check_derived() -> None:
    """The staged facts derived in SQL, checked against `_rules_broken` in one query."""
    broken, params = _rules_broken("s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.seq FROM {_STAGE} s WHERE {broken} ORDER BY s.seq LIMIT 10",  # noqa: S608
            params,
        )
        bad = [row[0] for row in cursor.fetchall()]
    if bad:
        raise ValidationError({f"facts[{seq}]": [_("Not a valid credit fact.")] for seq in bad})


def _insert_records(actor_id: int | None) -> int:
    """Insert the staged facts in their order, each with its reserved key or a new one; the
    records written go to the second table. Returns how many were written."""
    record = _quoted(CreditRecord)
    columns = ", ".join(_STAGED)
    # SQLite gives a new key for a NULL one; PostgreSQL draws it after the sort, in seq order.
    key = f"COALESCE(id, {new_key_sql(CreditRecord, ordinal='0')})" if _pg() else "id"
    insert = (
        f"INSERT INTO {record} (id, {columns}, recorded_by_id, recorded_at) "  # noqa: S608
        f"SELECT {key}, {columns}, %s, %s FROM {_STAGE} WHERE true ORDER BY seq {_ON_CONFLICT}"
    )
    params = [actor_id, timezone.now()]
    with connection.cursor() as cursor:
        if _pg():
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
    day = "CAST(w.occurred_on AS TEXT)" if _pg() else "w.occurred_on"
    extra = "jsonb_build_object" if _pg() else "json_object"
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
    _tables()
    _stage(checked)
    appended = _append_staged(actor=actor, audited=audited)
    return replace(appended, skipped=len(facts) - appended.written)


def _stage(facts: Sequence[CreditFact]) -> None:
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
        if _pg():
            text = "".join("\t".join(map(copy_text, row)) + "\n" for row in rows)
            columns = ", ".join(("seq", *_STAGED))
            with connection.wrap_database_errors:
                cursor.cursor.copy_expert(
                    f"COPY {_STAGE} ({columns}) FROM STDIN", io.StringIO(text)
                )
        else:
            marks = ", ".join(["%s"] * (len(_STAGED) + 1))
            cursor.executemany(
                f"INSERT INTO {_STAGE} (seq, {', '.join(_STAGED)}) VALUES ({marks})",  # noqa: S608
                rows,
            )


class _Refused(Exception):  # noqa: N818 - not an error: the way back to the staged path
    """A derived fact breaks a rule: roll the unstaged insert back and take the staged path,
    which refuses the call with a message per fact."""


def credit_facts_append_derived(
    *,
    select: str,
    params: Sequence[Any] = (),
    actor: User | None,
    audited: bool = True,
    with_ids: bool = False,
) -> FactsAppended:
    """Append facts that the database derives from rows it holds (the registrations of the
    enterprises an import has just written), with no Python per fact: `select` returns the
    columns seq, then `_STAGED`'s, one row per fact in the order to write them. `with_ids`:
    it returns seq, then each record's key, then `_STAGED`'s: keys the caller reserved
    (`credit_portal.bulk.new_key_sql(CreditRecord, ...)`) so that rows it wrote first point at
    the records (a directory case at its listing) without an UPDATE afterwards.

    Rules and side effects: those of `credit_facts_append` (the rules checked in one query);
    a fact given twice, or recorded already, is skipped.
    Speed (PostgreSQL): new facts go straight into the ledger (an import's registrations: no
    more than the INSERT ... SELECT of the records alone, but for the state refresh); a call
    with a fact recorded already, given twice or bad is rolled back and staged (a rerun pays
    for its facts twice).
    """
    if _pg():
        try:
            with transaction.atomic():
                return _append_derived_unstaged(
                    select, params, actor=actor, audited=audited, with_ids=with_ids
                )
        except (_Refused, IntegrityError):
            pass  # rolled back: the staged path skips, or names the fact and its rule
    return _append_derived_staged(select, params, actor=actor, audited=audited, with_ids=with_ids)


def _selected(with_ids: bool) -> str:
    """The columns a derived facts' SELECT returns, by name."""
    return ", ".join(("seq", *(("id",) if with_ids else ()), *_STAGED))


@transaction.atomic
def _append_derived_staged(
    select: str, params: Sequence[Any], *, actor: User | None, audited: bool, with_ids: bool
) -> FactsAppended:
    """The derived facts staged first, then written as `credit_facts_append` writes its own."""
    _tables()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_STAGE} ({_selected(with_ids)}) {select}", params)
        staged = int(cursor.rowcount)
    _check_derived()
    appended = _append_staged(actor=actor, audited=audited)
    return replace(appended, skipped=staged - appended.written)


def _append_derived_unstaged(
    select: str, params: Sequence[Any], *, actor: User | None, audited: bool, with_ids: bool
) -> FactsAppended:
    """PostgreSQL: the derived facts inserted straight from `select`, in its order, with no
    staging and no lookup of their keys: a fact recorded already, or given twice, fails the
    ledger's unique index on (source, kind), as a closing of a record closed already (or twice)
    fails the one on `closes` (IntegrityError). The same statement keeps the records written
    in the second table, checks them against the rules and the register, and locks their
    enterprises as `_lock_staged` does (one lookup per enterprise serves both); the closings
    are then checked on the records written. Raises `_Refused` when any check fails."""
    _tables()
    record, enterprise = _quoted(CreditRecord), _quoted(Enterprise)
    written_columns = ", ".join((*(("id",) if with_ids else ()), *_STAGED))
    broken, broken_params = _rules_broken("s")
    effectful = kinds_with_effect()
    sql = (
        f"WITH ins AS (INSERT INTO {record} ({written_columns}, recorded_by_id, "  # noqa: S608
        f"recorded_at) SELECT {', '.join(f'd.{c}' for c in written_columns.split(', '))}, "
        f"%s, %s FROM ({select}) AS d ({_selected(with_ids)}) ORDER BY d.seq "
        "RETURNING id, enterprise_id, kind, occurred_on, closes_id, summary, details), "
        f"w AS (INSERT INTO {_WRITTEN} SELECT id, enterprise_id, kind, occurred_on, closes_id, "
        "summary FROM ins), "
        # Each enterprise once: whether a fact can change its state, whether the register has
        # it (ours NULL: it has not), and, for those whose state can change, whether this
        # transaction wrote its row (`_lock_sql`). Uses index: enterprises_enterprise_pkey, one
        # lookup per enterprise; index-only for the others (a late report, a deferral: the
        # register's row itself is not read, 100,000 random reads of it cost a second).
        "p AS MATERIALIZED (SELECT x.id, x.effect, CASE WHEN x.effect THEN ("
        f"SELECT e.xmin = xid(pg_current_xact_id()) FROM {enterprise} e WHERE e.id = x.id) "
        f"ELSE (SELECT false FROM {enterprise} e WHERE e.id = x.id) END AS ours "
        "FROM (SELECT enterprise_id AS id, "
        f"bool_or(kind IN ({_marks(effectful)})) AS effect FROM ins GROUP BY enterprise_id) x), "
        f"locked AS (SELECT e.id FROM {enterprise} e WHERE e.id IN (SELECT id FROM p "
        "WHERE effect AND NOT ours) ORDER BY e.id FOR UPDATE) "
        "SELECT (SELECT COUNT(*) FROM ins), EXISTS (SELECT 1 FROM p WHERE effect), "
        "EXISTS (SELECT 1 FROM ins WHERE closes_id IS NOT NULL), "
        f"EXISTS (SELECT 1 FROM ins s WHERE {broken}) OR EXISTS (SELECT 1 FROM p "
        "WHERE ours IS NULL), (SELECT COUNT(*) FROM locked)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_actor_id(actor), timezone.now(), *params, *effectful, *broken_params])
        written, stateful, closings, refused, _locked = cursor.fetchone()
    if refused:
        raise _Refused
    if closings:
        _check_closings_written()
    if stateful:
        _analyze(_WRITTEN)  # the fold's plan depends on it
    appended = _append_written(actor=actor, audited=audited, stateful=stateful)
    return replace(appended, written=written)


def _check_closings_written() -> None:
    """The closings among the records just written, checked against the records they close
    (none of which another record closes: the unique index on `closes` saw to that)."""
    record = _quoted(CreditRecord)
    with connection.cursor() as cursor:
        # A lateral lookup by key: the NOT IN inside a plain join's condition made the planner
        # hash-join the whole ledger (1.2 s a chunk on 1.7 M records, EXPLAIN ANALYZE); this
        # is one index lookup per closing written (bench/publicity_expiry_bench.py).
        cursor.execute(
            f"SELECT w.enterprise_id, w.kind, w.occurred_on, r.id, r.enterprise_id, r.kind, "  # noqa: S608
            f"r.occurred_on FROM {_WRITTEN} w LEFT JOIN LATERAL (SELECT c.id, c.enterprise_id, "
            f"c.kind, c.occurred_on FROM {record} c WHERE c.id = w.closes_id "
            f"AND w.closes_id NOT IN (SELECT id FROM {_WRITTEN}) OFFSET 0) r ON true "
            f"WHERE w.closes_id IS NOT NULL"
        )
        rows = cursor.fetchall()
    for enterprise_id, kind, occurred_on, pk, closed_enterprise, closed_kind, closed_on in rows:
        fact = CreditFact(enterprise_id, kind, occurred_on, "", closes_id=pk)
        closed = None
        if pk is not None:
            closed = CreditRecord(
                pk=pk, enterprise_id=closed_enterprise, kind=closed_kind, occurred_on=closed_on
            )
        if _closing_problem(fact, closed, False):
            raise _Refused


def _append_staged(*, actor: User | None, audited: bool) -> FactsAppended:
    """Write the staged facts (checked one by one already): lock, drop those recorded, check
    the closings, insert, then `_append_written`."""
    _analyze(_STAGE)
    stateful = _lock_staged()
    _drop_recorded()
    _check_closings()
    written = _insert_records(_actor_id(actor))
    appended = _append_written(actor=actor, audited=audited, stateful=stateful)
    return replace(appended, written=written)


def _append_written(*, actor: User | None, audited: bool, stateful: bool) -> FactsAppended:
    """After the records are written (in the second table), their enterprises locked: audit,
    queue for the subscribers, refresh the cached state (when a fact can change it)."""
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
        changed = state_refresh_sql(
            f"SELECT DISTINCT enterprise_id AS id FROM {_WRITTEN} "  # noqa: S608
            f"WHERE kind IN ({_marks(effectful)})",
            effectful,
        )
    return FactsAppended(written=0, skipped=0, state_changed=changed)
