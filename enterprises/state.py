"""The state rule: what the credit ledger says an enterprise's state is on a given day.

One rule, written twice in this one module and tested to agree (tests/enterprises/test_state.py):

- `state_fold`, in Python, over one enterprise's records: the as-of replay
  (`enterprises.services.ledger.enterprise_state_as_of`), the self-service page and the demo
  district, which folds the records it generates before writing them;
- `state_refresh_sql`, the same fold in SQL over a set of enterprises, which brings the cached
  state on `Enterprise` in line with the ledger after an append (single or bulk) and in the
  nightly refresh, writing only the enterprises whose state changes.

The rule, by the effect each kind declares (`enterprises.kinds`; docs/domain.md §3, §7):

- status: the status in the details of the latest STATUS record (by date, then by id), or
  operating when there is none. A suspension carries its whole filed period in `from` and
  `until` (an extension repeats the original start); once `until` has passed, the entity is
  operating again (市场主体登记管理条例实施细则 art. 40-43);
- abnormal / serious list: a record of an ABNORMAL (SERIOUS) kind that no record closes;
- records dated after the day, and closings dated after it, do not count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection
from django.utils import timezone

from enterprises.kinds import Effect, kind_codes, kind_get
from enterprises.models import Enterprise

Status = Enterprise.Status
# The cached fields the fold decides, in this order (audit extras name them in this order).
STATE_FIELDS = ("status", "suspended_from", "suspended_until", "is_abnormal", "on_serious_list")


class Fact(Protocol):
    """What the fold reads of a record (a CreditRecord, or a row the demo generates)."""

    @property
    def pk(self) -> Any: ...
    @property
    def kind(self) -> str: ...
    @property
    def occurred_on(self) -> dt.date: ...
    @property
    def details(self) -> dict[str, Any]: ...
    @property
    def closes_id(self) -> Any: ...


@dataclass
class EnterpriseState:
    """What the ledger says about an enterprise on a given day."""

    on: dt.date
    status: str = Status.OPERATING
    suspended_from: dt.date | None = None
    suspended_until: dt.date | None = None
    abnormal_listings: list[Any] = field(default_factory=list)
    serious_listings: list[Any] = field(default_factory=list)
    suspension_days_used: int = 0
    # Penalties the publicity system shows on the day (filled by the as-of replay).
    penalties_in_publicity: list[Any] = field(default_factory=list)
    # Records closed by a record dated on or before the day (their pks).
    closed: set[Any] = field(default_factory=set)

    @property
    def is_abnormal(self) -> bool:
        return bool(self.abnormal_listings)

    @property
    def on_serious_list(self) -> bool:
        return bool(self.serious_listings)

    def cached(self) -> dict[str, Any]:
        """The values of `Enterprise`'s cached state fields."""
        return {name: getattr(self, name) for name in STATE_FIELDS}


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _end_suspension(state: EnterpriseState, day: dt.date) -> None:
    """A suspension whose filed period ended before `day` has become operating again."""
    if state.status == Status.SUSPENDED and state.suspended_until and state.suspended_until < day:
        start = state.suspended_from or state.suspended_until
        state.suspension_days_used += (state.suspended_until - start).days + 1
        state.status, state.suspended_from, state.suspended_until = Status.OPERATING, None, None


def state_fold(records: Iterable[Fact], on: dt.date) -> EnterpriseState:
    """Fold one enterprise's records (ordered by date, then id) into its state on `on`.
    Records dated after `on` are ignored. Also counts the suspension days used so far
    (at most 3 years in total, docs/domain.md §7)."""
    state = EnterpriseState(on=on)
    past = [r for r in records if r.occurred_on <= on]
    state.closed = {r.closes_id for r in past if r.closes_id is not None}
    for r in past:
        kind = kind_get(r.kind)
        if kind is None or kind.effect != Effect.STATUS:
            continue
        _end_suspension(state, r.occurred_on)
        new_status = (r.details or {}).get("status", state.status)
        ended = new_status != Status.SUSPENDED  # resumed, deregistered or revoked
        if ended and state.status == Status.SUSPENDED and state.suspended_from is not None:
            state.suspension_days_used += (r.occurred_on - state.suspended_from).days
        if new_status == Status.SUSPENDED:
            state.suspended_from = _date(r.details.get("from"))
            state.suspended_until = _date(r.details.get("until"))
        else:
            state.suspended_from = state.suspended_until = None
        state.status = new_status
    _end_suspension(state, on)
    effects = {r.pk: getattr(kind_get(r.kind), "effect", None) for r in past}
    open_records = [r for r in past if r.pk not in state.closed]
    state.abnormal_listings = [r for r in open_records if effects[r.pk] == Effect.ABNORMAL]
    state.serious_listings = [r for r in open_records if effects[r.pk] == Effect.SERIOUS]
    return state


# --- The same fold in SQL -----------------------------------------------------------------


def _in_list(codes: Sequence[str]) -> tuple[str, list[str]]:
    """`IN (...)` over kind codes; a kind nobody declared matches nothing."""
    codes = list(codes) or [""]
    return "(" + ", ".join(["%s"] * len(codes)) + ")", codes


def _json_text(column: str, key: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _as_date(expression: str) -> str:
    return f"CAST({expression} AS date)" if connection.vendor == "postgresql" else expression


def state_fold_sql(ids_sql: str, ids_params: Sequence[Any], on: dt.date) -> tuple[str, list[Any]]:
    """SELECT id, status, suspended_from, suspended_until, is_abnormal, on_serious_list: the
    state on `on` of the enterprises whose ids `ids_sql` selects (as a column named id).

    The records of those enterprises up to the day are read once (a closing record belongs to
    the enterprise of the record it closes, so they hold every closing that counts); the latest
    status record and the open listings are found among them. Written as joins over two
    materialised CTEs rather than per-enterprise subqueries, so that the plan does not depend on
    the statistics of a table just bulk-loaded.
    Uses index: credit_ent_date_idx (the records of each enterprise up to the day).
    """
    record = connection.ops.quote_name("enterprises_creditrecord")
    status_in, status_codes = _in_list(kind_codes(effect=Effect.STATUS))
    abnormal_in, abnormal_codes = _in_list(kind_codes(effect=Effect.ABNORMAL))
    serious_in, serious_codes = _in_list(kind_codes(effect=Effect.SERIOUS))
    st, sf, su = (
        _json_text("l.d", "status"),
        _json_text("l.d", "from"),
        _json_text("l.d", "until"),
    )
    expired = f"{st} = 'suspended' AND {_as_date(su)} < %s"
    # Each enterprise's records through the ledger's enterprise index, whatever the statistics
    # say (a table just bulk-loaded has none that fit): a lateral join on PostgreSQL (OFFSET 0
    # keeps the planner from flattening it into a hash join over the whole ledger), a plain
    # join where the planner (SQLite) starts from the small side anyway.
    if connection.vendor == "postgresql":
        records = (
            f"t CROSS JOIN LATERAL (SELECT * FROM {record} r1 WHERE r1.enterprise_id = t.id "  # noqa: S608
            "AND r1.occurred_on <= %s OFFSET 0) r"
        )
    else:
        records = f"t JOIN {record} r ON r.enterprise_id = t.id AND r.occurred_on <= %s"
    sql = (
        f"WITH t AS MATERIALIZED ({ids_sql}), "  # noqa: S608
        "recs AS MATERIALIZED (SELECT r.id, r.enterprise_id, r.kind, r.occurred_on, r.details, "
        f"r.closes_id FROM {records}), "
        # The latest status record of each enterprise.
        "l AS (SELECT enterprise_id, d FROM (SELECT enterprise_id, details AS d, ROW_NUMBER() "
        "OVER (PARTITION BY enterprise_id ORDER BY occurred_on DESC, id DESC) AS n FROM recs "
        f"WHERE kind IN {status_in}) s WHERE n = 1), "
        # The listings no record closes, by list.
        f"o AS (SELECT a.enterprise_id, MAX(CASE WHEN a.kind IN {abnormal_in} THEN 1 ELSE 0 END) "
        f"AS abn, MAX(CASE WHEN a.kind IN {serious_in} THEN 1 ELSE 0 END) AS ser FROM recs a "
        f"WHERE (a.kind IN {abnormal_in} OR a.kind IN {serious_in}) AND NOT EXISTS ("
        "SELECT 1 FROM recs c WHERE c.closes_id = a.id) GROUP BY a.enterprise_id) "
        "SELECT t.id, "
        f"CASE WHEN {expired} THEN 'operating' ELSE COALESCE({st}, 'operating') END AS status, "
        f"CASE WHEN {expired} THEN NULL WHEN {st} = 'suspended' THEN {_as_date(sf)} END "
        "AS suspended_from, "
        f"CASE WHEN {expired} THEN NULL WHEN {st} = 'suspended' THEN {_as_date(su)} END "
        "AS suspended_until, "
        "COALESCE(o.abn, 0) = 1 AS is_abnormal, COALESCE(o.ser, 0) = 1 AS on_serious_list "
        "FROM t LEFT JOIN l ON l.enterprise_id = t.id LEFT JOIN o ON o.enterprise_id = t.id"
    )
    params: list[Any] = [
        *ids_params,
        on,
        *status_codes,
        *abnormal_codes,
        *serious_codes,
        *abnormal_codes,
        *serious_codes,
        on,
        on,
        on,
    ]
    return sql, params


def state_refresh_sql(
    ids_sql: str, ids_params: Sequence[Any] = (), *, on: dt.date | None = None
) -> int:
    """Write the ledger's state of `on` (today) into the cached fields of the enterprises that
    `ids_sql` selects, in one UPDATE; only those whose state changes are written (their version
    goes up by one). Returns how many were written. Runs inside the caller's transaction,
    which holds the rows' locks (an append) or needs none (the state only moves with time)."""
    on = on or timezone.localdate()
    fold, params = state_fold_sql(ids_sql, ids_params, on)
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    differ = " OR ".join(f"e.{name} {differs} f.{name}" for name in STATE_FIELDS)
    assignments = ", ".join(f"{name} = f.{name}" for name in STATE_FIELDS)
    # The rows in id order (the table's order): each page of the register and of its primary
    # key is written once, in sequence, rather than at random (about a tenth fewer pages
    # dirtied and written to the WAL for the deadline run's 16,000 rows a chunk, and as much
    # less time: bench/deadline_run_bench.py).
    sql = (
        f"UPDATE {table} AS e SET {assignments}, version = e.version + 1, "  # noqa: S608
        f"updated_at = %s FROM ({fold} ORDER BY 1) f WHERE e.id = f.id AND ({differ})"
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, [timezone.now(), *params])
            return int(cursor.rowcount)
        # The plan's cost (an index lookup per enterprise) passes the threshold of PostgreSQL's
        # JIT compiler, which then spends more (some 30 ms) than the statement itself: off
        # for this statement only.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [timezone.now(), *params])
        changed = int(cursor.rowcount)
        cursor.execute("RESET jit")  # an error rolls the SET LOCAL back with the statement
        return changed
