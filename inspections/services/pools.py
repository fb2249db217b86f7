"""The pools of sampling plans as of a date: which market entities a plan may draw, in which
stratum, and which are left out, by which rule and until when (issue 17 §2; docs/domain.md
§2 "Double random, one public", §7 "Exclusions from random-check pools").

Rules, in this order (the first that applies is the entity's rule for the plan):

- In the register on the day: registered on or before `as_of`; in the plan's scope (定向:
  `industries` are industry divisions, `streets` are the register's `division`, `entity_types`
  the register's types; an empty list means every value, 不定向).
- `closed`: deregistered, revoked (吊销; a cancellation 撤销 is recorded as a revocation) or
  moved out (迁出) on or before `as_of` (`rules.CLOSED_STATUSES`); no end.
- `suspended`: a filed suspension (歇业) running on `as_of` (from ≤ as_of ≤ until); until its
  filed end (the register keeps the total within 3 years, §7; resuming ends it).
- `observation`: registered less than `rules.OBSERVATION_DAYS` before `as_of` (§7, the seed
  district's one-year observation period), only for plans with no safety-sensitive item
  (safety-sensitive items keep new entities); until the end of the period.
- `recent`: inspected under the same plan (an inspection with a check of the plan, not
  cancelled) as often as the plan's frequency for the entity's stratum; until 1 January of the
  next year (plans are yearly).
- Leads override every exclusion: triggered inspections never go through a pool.

Strata (`inspections.models.Stratum`), in this order: `NR` when the entity's last annual report
is missing (an `annual_report_late` ledger fact dated within the 366 days up to `as_of`, not
closed by another record, with no `annual_report_filed` fact of the same year by `as_of`),
`IB` for individual businesses (not classified, §1), the class in effect (`risk.CurrentClass`,
read by SQL: this app imports nothing of `risk` or `annual_reports`), `X` when there is none.
An entity whose stratum the plan gives no ratio for is outside the plan (neither pooled nor
excluded).

The rules are SQL, one statement each (PostgreSQL and SQLite; `FrozenPools`): the register is
read once per call into a temporary table (one row per entity with its stratum and its rule of
the register), each plan's scope is the set of (entity type, industry division, street) keys
it covers, and every (plan, entity) pair gets its rule in the database. The previews read the
pairs of one plan; the commitment never reads them into Python: the database counts them and
joins `pool.tsv` and `exclusions.tsv` in their published order (44 plans over 1,000,000
entities: about 3,400,000 pooled pairs, 540,000 exclusions).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from enterprises.models import CreditRecord, Enterprise
from inspections import rules, verify
from inspections.models import (
    Exclusion,
    Inspection,
    InspectionCheck,
    Inspector,
    PlanStratum,
    Recusal,
    SamplingPlan,
    Stratum,
)

Rule = Exclusion.Rule
LATE_KIND = "annual_report_late"  # annual_reports.kinds.ANNUAL_REPORT_LATE (not imported)
FILED_KIND = "annual_report_filed"  # annual_reports.kinds.ANNUAL_REPORT_FILED
NR_WINDOW_DAYS = 366  # one deadline's late facts (1 July each year) are within any 366 days


@dataclass(frozen=True)
class StratumCount:
    stratum: str
    pool: int
    excluded: int
    ratio: Decimal
    target: int

    @property
    def label(self) -> str:
        return str(Stratum(self.stratum).label)


@dataclass(frozen=True)
class PoolPreview:
    plan: SamplingPlan
    as_of: dt.date
    strata: list[StratumCount]
    excluded_by_rule: dict[str, int]

    @property
    def pool(self) -> int:
        return sum(s.pool for s in self.strata)

    @property
    def excluded(self) -> int:
        return sum(self.excluded_by_rule.values())

    @property
    def target(self) -> int:
        return sum(s.target for s in self.strata)


@dataclass(frozen=True)
class ExcludedEntity:
    enterprise_id: int
    uscc: str
    name: str
    rule: str
    until: dt.date | None
    detail: str

    @property
    def rule_label(self) -> str:
        return str(Rule(self.rule).label)


@dataclass
class PlanPool:
    """One plan's pool as of a date: the entities by stratum (`(enterprise id, uscc)`) and the
    exclusions (enterprise id, uscc, name, stratum, rule, until, detail)."""

    plan: SamplingPlan
    pool: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    exclusions: list[tuple[int, str, str, str, str, dt.date | None, str]] = field(
        default_factory=list
    )

    def size(self, stratum: str) -> int:
        return len(self.pool.get(stratum, ()))


def _q(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _json_year(column: str) -> str:
    if _pg():
        return f"({column} ->> 'year')"
    return f"CAST(json_extract({column}, '$.year') AS TEXT)"


def _date_text(column: str) -> str:
    """A date column as its ISO text (str(date)); SQLite keeps dates as that text."""
    return f"to_char({column}, 'YYYY-MM-DD')" if _pg() else column


def _days_after(column: str, days: int) -> str:
    return f"({column} + {int(days)})" if _pg() else f"date({column}, '+{int(days)} days')"


def _bytewise(column: str) -> str:
    """Ordered by its bytes, as Python sorts text (SQLite's default BINARY collation)."""
    return f'{column} COLLATE "C"' if _pg() else column


def _scope_sql(plan: SamplingPlan, alias: str) -> tuple[str, list[str]]:
    """The plan's scope (定向) as conditions on `alias`'s register columns ('' for 不定向)."""
    sql, params = "", []
    for column, values in (
        ("industry_division", plan.industries),
        ("division", plan.streets),
        ("entity_type", plan.entity_types),
    ):
        if values:
            sql += f" AND {alias}.{column} IN ({', '.join(['%s'] * len(values))})"
            params += [str(v) for v in values]
    return sql, params


def _entity_sql(
    *, as_of: dt.date, plan: SamplingPlan | None, enterprise_ids: Sequence[int] | None
) -> tuple[str, list[Any]]:
    """One row per entity registered by `as_of` (in `plan`'s scope, or among
    `enterprise_ids`): id, uscc, name, entity_type, industry_division, division, stratum,
    register_rule (closed, suspended or ''), status, suspended_from, suspended_until,
    registered_on."""
    from risk.models import CurrentClass  # the table only; its app's code is never called

    record = _q(CreditRecord)
    closed = ", ".join(["%s"] * len(rules.CLOSED_STATUSES))
    nr = (
        f"SELECT DISTINCT r.enterprise_id FROM {record} r WHERE r.kind = %s "  # noqa: S608
        "AND r.occurred_on <= %s AND r.occurred_on > %s "
        f"AND NOT EXISTS (SELECT 1 FROM {record} x WHERE x.closes_id = r.id "
        "AND x.occurred_on <= %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {record} f WHERE f.enterprise_id = r.enterprise_id "
        f"AND f.kind = %s AND f.occurred_on <= %s "
        f"AND {_json_year('f.details')} = {_json_year('r.details')})"
    )
    params: list[Any] = [
        LATE_KIND,
        as_of,
        as_of - dt.timedelta(days=NR_WINDOW_DAYS),
        as_of,
        FILED_KIND,
        as_of,
    ]
    sql = (
        "SELECT e.id AS id, e.uscc AS uscc, e.name AS name, e.entity_type AS entity_type, "  # noqa: S608
        "e.industry_division AS industry_division, e.division AS division, "
        "CASE WHEN nr.enterprise_id IS NOT NULL THEN %s WHEN e.entity_type = %s THEN %s "
        "WHEN c.risk_class IS NOT NULL THEN c.risk_class ELSE %s END AS stratum, "
        f"CASE WHEN e.status IN ({closed}) AND (e.status_changed_on IS NULL "
        "OR e.status_changed_on <= %s) THEN %s "
        "WHEN e.status = %s AND e.suspended_from <= %s AND (e.suspended_until IS NULL "
        "OR e.suspended_until >= %s) THEN %s ELSE '' END AS register_rule, "
        "e.status AS status, e.suspended_from AS suspended_from, "
        "e.suspended_until AS suspended_until, e.registered_on AS registered_on "
        f"FROM {_q(Enterprise)} e "
        f"LEFT JOIN {_q(CurrentClass)} c ON c.enterprise_id = e.id "
        f"LEFT JOIN ({nr}) nr ON nr.enterprise_id = e.id "
        "WHERE e.registered_on <= %s"
    )
    params = [
        Stratum.NO_REPORT.value,
        Enterprise.EntityType.INDIVIDUAL_BUSINESS.value,
        Stratum.INDIVIDUAL.value,
        Stratum.UNCLASSIFIED.value,
        *rules.CLOSED_STATUSES,
        as_of,
        Rule.CLOSED.value,
        Enterprise.Status.SUSPENDED.value,
        as_of,
        as_of,
        Rule.SUSPENDED.value,
        *params,
        as_of,
    ]
    if plan is not None:
        scope, scope_params = _scope_sql(plan, "e")
        sql += scope
        params += scope_params
    if enterprise_ids is not None:
        ids = [int(i) for i in enterprise_ids] or [0]
        sql += f" AND e.id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    return sql, params


# The temporary tables of one computation of pools (this connection only; dropped after).
REGISTER = "cp_draw_register"  # the register as of the day: one row per entity (_entity_sql)
KEYS = "cp_draw_keys"  # entities counted by entity type, industry division, street, stratum
SCOPE = "cp_draw_scope"  # (plan, entity type, industry division, street) in the plan's scope
STRATA = "cp_draw_strata"  # each plan's strata: label, frequency, observation, next 1 January
INSPECTED = "cp_draw_inspected"  # (plan, entity): inspections under the plan, not cancelled
EXCLUDED = "cp_draw_excluded"  # every exclusion, with its rule, until and detail
TEMPORARY = (EXCLUDED, INSPECTED, STRATA, SCOPE, KEYS, REGISTER)
INSERT_BATCH = 200  # rows per INSERT ... VALUES (4-7 parameters each, under SQLite's limit)
# Stand in for the numbers of a translated detail until the database puts each row's in.
DAY, DONE, FREQUENCY = "@@day@@", 900000001, 900000002


def _execute(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall()) if cursor.description else []


def _insert_values(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        _execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
            + ", ".join([one] * len(batch)),
            [value for row in batch for value in row],
        )


def _drop_temporary() -> None:
    for table in TEMPORARY:
        _execute(f"DROP TABLE IF EXISTS {table}")


class FrozenPools:
    """The pools of some plans as of a day, held by the database in temporary tables of this
    connection (`frozen_pools`): every rule of the module docstring is one SQL statement
    (`_pairs`), read by the previews row by row and by the commitment as whole files, so
    that the register's million rows never pass through Python."""

    def __init__(self, plans: Sequence[SamplingPlan], as_of: dt.date) -> None:
        self.plans = list(plans)
        self.as_of = as_of
        self.observed_from = as_of - dt.timedelta(days=rules.OBSERVATION_DAYS)

    # -- the pairs (plan, entity) -------------------------------------------------------

    def _pairs(self, where: str = "", params: Sequence[Any] = ()) -> tuple[str, list[Any]]:
        """One row per plan and entity of its scope in a stratum it gives a ratio for:
        plan_id, code, label, enterprise_id, uscc, name, stratum, status, suspended_from,
        suspended_until, registered_on, frequency, next_year, n (inspections under the plan)
        and the rule that leaves it out ('' when in the pool; the first that applies)."""
        sql = (
            "SELECT s.plan_id AS plan_id, s.code AS code, s.label AS label, "  # noqa: S608
            "r.id AS enterprise_id, r.uscc AS uscc, r.name AS name, r.stratum AS stratum, "
            "r.status AS status, r.suspended_from AS suspended_from, "
            "r.suspended_until AS suspended_until, r.registered_on AS registered_on, "
            "s.frequency AS frequency, s.next_year AS next_year, i.n AS n, "
            "CASE WHEN r.register_rule <> '' THEN r.register_rule "
            "WHEN s.observes = 1 AND r.registered_on > %s THEN %s "
            "WHEN i.n >= s.frequency THEN %s ELSE '' END AS rule "
            f"FROM {REGISTER} r "
            f"JOIN {SCOPE} k ON k.entity_type = r.entity_type "
            "AND k.industry_division = r.industry_division AND k.division = r.division "
            f"JOIN {STRATA} s ON s.plan_id = k.plan_id AND s.stratum = r.stratum "
            f"LEFT JOIN {INSPECTED} i ON i.plan_id = s.plan_id AND i.enterprise_id = r.id " + where
        )
        return sql, [self.observed_from, Rule.OBSERVATION.value, Rule.RECENT.value, *params]

    def _exclusions_sql(self) -> tuple[str, list[Any]]:
        """The excluded pairs with their until and detail (in the active language)."""
        pairs, pairs_params = self._pairs(
            "WHERE r.register_rule <> '' OR r.registered_on > %s "  # noqa: S608
            f"OR r.id IN (SELECT enterprise_id FROM {INSPECTED})",
            [self.observed_from],
        )
        statuses = list(Enterprise.Status)
        closed = " ".join(["WHEN %s THEN %s"] * len(statuses))
        sql = (
            "SELECT plan_id, code, enterprise_id, uscc, name, stratum, rule, "  # noqa: S608
            "CASE rule WHEN %s THEN suspended_until "
            f"WHEN %s THEN {_days_after('registered_on', rules.OBSERVATION_DAYS)} "
            "WHEN %s THEN next_year END AS until, "
            f"CASE rule WHEN %s THEN CASE status {closed} ELSE status END "
            f"WHEN %s THEN replace(%s, %s, {_date_text('suspended_from')}) "
            f"WHEN %s THEN replace(%s, %s, {_date_text('registered_on')}) "
            "ELSE replace(replace(%s, %s, CAST(n AS TEXT)), %s, CAST(frequency AS TEXT)) "
            f"END AS detail FROM ({pairs}) x WHERE rule <> ''"
        )
        params: list[Any] = [
            Rule.SUSPENDED.value,
            Rule.OBSERVATION.value,
            Rule.RECENT.value,
            Rule.CLOSED.value,
            *[v for s in statuses for v in (s.value, str(s.label))],
            Rule.SUSPENDED.value,
            _("suspended from %(day)s") % {"day": DAY},
            DAY,
            Rule.OBSERVATION.value,
            _("registered on %(day)s") % {"day": DAY},
            DAY,
            _("inspected %(done)d time(s) under this plan; %(frequency)d a year")
            % {"done": DONE, "frequency": FREQUENCY},
            str(DONE),
            str(FREQUENCY),
            *pairs_params,
        ]
        return sql, params

    # -- reading ------------------------------------------------------------------------

    def plan_pools(self) -> dict[int, PlanPool]:
        """Every plan's pool and exclusions, read row by row (a preview, a recusal check)."""
        result = {p.pk: PlanPool(plan=p) for p in self.plans}
        pairs, params = self._pairs("", [])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT plan_id, enterprise_id, uscc, stratum FROM ({pairs}) x "  # noqa: S608
                "WHERE rule = ''",
                params,
            )
            for plan_id, enterprise_id, uscc, stratum in cursor.fetchall():
                result[plan_id].pool.setdefault(stratum, []).append((enterprise_id, uscc))
            sql, params = self._exclusions_sql()
            cursor.execute(sql, params)
            for (
                plan_id,
                _c,
                enterprise_id,
                uscc,
                name,
                stratum,
                rule,
                until,
                detail,
            ) in cursor.fetchall():
                result[plan_id].exclusions.append(
                    (enterprise_id, uscc, name, stratum, rule, _as_date(until), detail)
                )
        return result

    def counts(self) -> dict[int, list[StratumCount]]:
        """Each plan's strata with pool, excluded, ratio and target (`stratum_counts`), from
        the entities counted by scope key and the exclusions (no pass over the pool)."""
        excluded = self.excluded_by(("plan_id", "stratum"))
        totals: Counter[tuple[int, str]] = Counter()
        for plan_id, stratum, n in _execute(
            f"SELECT k.plan_id, g.stratum, SUM(g.n) FROM {SCOPE} k JOIN {KEYS} g "  # noqa: S608
            "ON g.entity_type = k.entity_type AND g.industry_division = k.industry_division "
            "AND g.division = k.division GROUP BY k.plan_id, g.stratum"
        ):
            totals[(plan_id, stratum)] = int(n)
        return {
            plan.pk: stratum_counts(
                plan,
                pool={
                    s.stratum: totals[(plan.pk, s.stratum)] - excluded[(plan.pk, s.stratum)]
                    for s in plan.strata.all()
                },
                excluded={s.stratum: excluded[(plan.pk, s.stratum)] for s in plan.strata.all()},
            )
            for plan in self.plans
        }

    def excluded_by(self, columns: Sequence[str]) -> Counter[tuple[Any, ...]]:
        """The exclusions counted by `columns` (of plan_id, stratum, rule); kept in a table of
        their own the first time."""
        self._keep_exclusions()
        rows = _execute(
            f"SELECT {', '.join(columns)}, COUNT(*) FROM {EXCLUDED} "  # noqa: S608
            f"GROUP BY {', '.join(columns)}"
        )
        return Counter({tuple(row[:-1]): int(row[-1]) for row in rows})

    def _keep_exclusions(self) -> None:
        if getattr(self, "_excluded_kept", False):
            return
        sql, params = self._exclusions_sql()
        _execute(f"CREATE TEMPORARY TABLE {EXCLUDED} AS {sql}", params)
        self._excluded_kept = True

    def exclusions_page(self, *, rule: str | None, limit: int, offset: int) -> list[ExcludedEntity]:
        """A page of the (one) plan's exclusions by credit code."""
        self._keep_exclusions()
        sql = (
            f"SELECT enterprise_id, uscc, name, rule, until, detail FROM {EXCLUDED} "  # noqa: S608
            + ("WHERE rule = %s " if rule else "")
            + f"ORDER BY {_bytewise('uscc')} LIMIT %s OFFSET %s"
        )
        rows = _execute(sql, [*([rule] if rule else []), int(limit), int(offset)])
        return [
            ExcludedEntity(enterprise_id=e, uscc=u, name=n, rule=r, until=_as_date(until), detail=d)
            for e, u, n, r, until, d in rows
        ]

    def pooled(self, enterprises_sql: str, params: Sequence[Any]) -> dict[int, str]:
        """{enterprise id: uscc} of the entities among those `enterprises_sql` selects that
        are in the pool of at least one of the plans."""
        pairs, pairs_params = self._pairs(f"WHERE r.id IN ({enterprises_sql})", params)
        return dict(
            _execute(
                f"SELECT DISTINCT enterprise_id, uscc FROM ({pairs}) x "  # noqa: S608
                "WHERE rule = ''",
                pairs_params,
            )
        )

    # -- the commitment's files ---------------------------------------------------------

    def pool_text(self) -> Iterator[str]:
        """`pool.tsv` (`verify.pool_lines`: plan, label, uscc; sorted), in pieces."""
        pairs, params = self._pairs("", [])
        return self._text(
            f"({pairs}) x", params, ["code", "label", "uscc"], group=2, where="rule = ''"
        )

    def exclusions_text(self) -> Iterator[str]:
        """`exclusions.tsv` (plan, uscc, rule, until or '-'; by plan and uscc), in pieces."""
        self._keep_exclusions()
        until = f"COALESCE({_date_text('until')}, '{verify.NONE}')"
        return self._text(EXCLUDED, [], ["code", "uscc", "rule", until], group=1)

    def _text(
        self, source: str, params: list[Any], columns: list[str], *, group: int, where: str = ""
    ) -> Iterator[str]:
        """The lines `columns` TAB-joined, ordered by every column bytewise, in pieces: on
        PostgreSQL one piece per value of the first `group` columns, each joined by the
        database (so that no row passes through Python), elsewhere one per row."""
        where = f" WHERE {where}" if where else ""
        keys, rest = columns[:group], columns[group:]
        if _pg():
            line = " || %s || ".join(columns) + " || %s"
            sql = (
                f"SELECT string_agg({line}, '' ORDER BY "  # noqa: S608
                f"{', '.join(_bytewise(c) for c in rest)}) FROM {source}{where} "
                f"GROUP BY {', '.join(keys)} ORDER BY {', '.join(_bytewise(k) for k in keys)}"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, ["\t"] * (len(columns) - 1) + ["\n"] + params)
                for (text,) in cursor:
                    yield text
            return
        sql = f"SELECT {', '.join(columns)} FROM {source}{where} ORDER BY {', '.join(columns)}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                yield "\t".join(row) + "\n"

    def exclusions_insert(self, *, draw_id: int) -> int:
        """The `Exclusion` rows of a draw, made by the database; returns how many."""
        self._keep_exclusions()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_q(Exclusion)} (draw_id, plan_id, enterprise_id, rule, until, "  # noqa: S608
                f"detail) SELECT %s, plan_id, enterprise_id, rule, until, substr(detail, 1, 200) "
                f"FROM {EXCLUDED}",
                [draw_id],
            )
            return int(cursor.rowcount)


def _plans_setup(
    frozen: FrozenPools,
    *,
    enterprise_ids: Sequence[int] | None,
    labels: dict[tuple[str, str], str] | None,
) -> None:
    plans, as_of = frozen.plans, frozen.as_of
    one = len(plans) == 1 and enterprise_ids is None
    sql, params = _entity_sql(
        as_of=as_of, plan=plans[0] if one else None, enterprise_ids=enterprise_ids
    )
    _execute(f"CREATE TEMPORARY TABLE {REGISTER} AS {sql}", params)
    _execute(
        f"CREATE TEMPORARY TABLE {KEYS} AS SELECT entity_type, industry_division, "  # noqa: S608
        f"division, stratum, COUNT(*) AS n FROM {REGISTER} "
        "GROUP BY entity_type, industry_division, division, stratum"
    )
    _execute(
        f"CREATE TEMPORARY TABLE {SCOPE} (plan_id integer, entity_type varchar(24), "
        "industry_division varchar(2), division varchar(64))"
    )
    for plan in plans:
        scope, scope_params = _scope_sql(plan, "g")
        _execute(
            f"INSERT INTO {SCOPE} (plan_id, entity_type, industry_division, division) "  # noqa: S608
            f"SELECT DISTINCT %s, g.entity_type, g.industry_division, g.division FROM {KEYS} g "
            f"WHERE 1 = 1{scope}",
            [plan.pk, *scope_params],
        )
    ids = [p.pk for p in plans]
    safety = set(
        SamplingPlan.objects.filter(pk__in=ids, items__safety_sensitive=True).values_list(
            "pk", flat=True
        )
    )
    codes = {p.pk: p.code for p in plans}
    years = {p.pk: p.year for p in plans}
    _execute(
        f"CREATE TEMPORARY TABLE {STRATA} (plan_id integer, code varchar(32), label varchar(8), "
        "stratum varchar(2), frequency integer, observes integer, next_year date)"
    )
    _insert_values(
        STRATA,
        ["plan_id", "code", "label", "stratum", "frequency", "observes", "next_year"],
        [
            (
                row.plan_id,
                codes[row.plan_id],
                labels[(codes[row.plan_id], row.stratum)] if labels else row.stratum,
                row.stratum,
                row.frequency,
                0 if row.plan_id in safety else 1,
                dt.date(years[row.plan_id] + 1, 1, 1),
            )
            for row in PlanStratum.objects.filter(plan_id__in=ids).order_by("plan_id", "stratum")
        ],
    )
    _execute(
        f"CREATE TEMPORARY TABLE {INSPECTED} (plan_id integer, enterprise_id integer, n integer)"
    )
    counted = (
        InspectionCheck.objects.filter(plan_id__in=ids)
        .exclude(inspection__status=Inspection.Status.CANCELLED)
        .values_list("plan_id", "inspection__enterprise_id")
        .annotate(n=Count("inspection_id", distinct=True))
        .order_by()
    )
    sql, inspected_params = counted.query.sql_with_params()
    _execute(f"INSERT INTO {INSPECTED} (plan_id, enterprise_id, n) {sql}", inspected_params)
    if _pg():
        for table in (REGISTER, SCOPE, STRATA, INSPECTED):
            _execute(f"ANALYZE {table}")


@contextmanager
def frozen_pools(
    *,
    plans: Sequence[SamplingPlan],
    as_of: dt.date,
    enterprise_ids: Sequence[int] | None = None,
    labels: dict[tuple[str, str], str] | None = None,
) -> Iterator[FrozenPools]:
    """The pools of `plans` as of `as_of` (module docstring; with `enterprise_ids`, only
    those entities; `labels`, (plan code, stratum) -> public label, for the files), held in
    temporary tables for the `with` block. The register is read once, whatever the number of
    plans. Dropped at the end of the block (after an error, the transaction's rollback or the
    next block drops them)."""
    _drop_temporary()
    frozen = FrozenPools(plans, as_of)
    _plans_setup(frozen, enterprise_ids=enterprise_ids, labels=labels)
    yield frozen
    _drop_temporary()


def _as_date(value: Any) -> Any:
    if isinstance(value, str):  # SQLite through a raw cursor
        return dt.date.fromisoformat(value)
    return value


def plan_pools(
    *,
    plans: Sequence[SamplingPlan],
    as_of: dt.date,
    enterprise_ids: Sequence[int] | None = None,
) -> dict[int, PlanPool]:
    """Every plan's pool and exclusions as of `as_of` (module docstring), by plan id; the
    register read once. With `enterprise_ids`, only those entities (a recusal check)."""
    with frozen_pools(plans=plans, as_of=as_of, enterprise_ids=enterprise_ids) as frozen:
        return frozen.plan_pools()


def stratum_counts(
    plan: SamplingPlan, *, pool: Mapping[str, int], excluded: Mapping[str, int]
) -> list[StratumCount]:
    """Each stratum the plan gives a ratio for: pool, excluded, ratio and target
    (`verify.stratum_target`: ceil(pool × ratio / 100))."""
    return [
        StratumCount(
            stratum=row.stratum,
            pool=pool.get(row.stratum, 0),
            excluded=excluded.get(row.stratum, 0),
            ratio=row.ratio,
            target=verify.stratum_target(pool.get(row.stratum, 0), verify.ratio_text(row.ratio)),
        )
        for row in sorted(plan.strata.all(), key=lambda r: r.stratum)
    ]


def plan_targets(plan_pool: PlanPool) -> list[StratumCount]:
    """`stratum_counts` of a pool read row by row."""
    return stratum_counts(
        plan_pool.plan,
        pool={s: len(rows) for s, rows in plan_pool.pool.items()},
        excluded=Counter(e[3] for e in plan_pool.exclusions),
    )


def pool_preview(*, plan: SamplingPlan, as_of: dt.date) -> PoolPreview:
    """What a draw of `plan` as of `as_of` would draw from: each stratum's pool, excluded
    count, ratio and target, and the excluded by rule (the planner's page, before drawing);
    counted by the database."""
    with frozen_pools(plans=[plan], as_of=as_of) as frozen:
        by_rule = frozen.excluded_by(("rule",))
        strata = frozen.counts()[plan.pk]
    return PoolPreview(
        plan=plan,
        as_of=as_of,
        strata=strata,
        excluded_by_rule={r.value: by_rule.get((r.value,), 0) for r in Rule},
    )


def pool_exclusions(
    *,
    plan: SamplingPlan,
    as_of: dt.date,
    rule: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ExcludedEntity]:
    """The entities `plan` leaves out as of `as_of` (of one `rule` if given), by credit code,
    a page of `limit` from `offset`."""
    with frozen_pools(plans=[plan], as_of=as_of) as frozen:
        return frozen.exclusions_page(rule=rule, limit=limit, offset=offset)


# --------------------------------------------------------------------------- inspectors


def plan_roster(plan: SamplingPlan) -> list[Inspector]:
    """The active inspectors of the plan's departments."""
    return list(
        Inspector.objects.filter(
            is_active=True, department__in=plan.departments.all()
        ).prefetch_related("skills")
    )


def plans_capacity_problems(
    *,
    plans: Sequence[SamplingPlan],
    as_of: dt.date,
    pools: dict[int, PlanPool] | None = None,
) -> list[str]:
    """The "not enough inspectors" problems of drawing `plans` as of `as_of`, each with its
    numbers (empty: none). Per plan: active inspectors of its departments at least the
    inspectors per firm (its minimum, and one per department of a joint plan); every
    department with an active inspector; every required skill held by one of them; and no
    firm of its pool whose recusals leave fewer than that (a recusal that empties the pool of
    inspectors for a firm). `pools` (from `plan_pools`) spares the recusal check a query."""
    problems: list[str] = []
    recusal_rows = list(
        Recusal.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=as_of),
            valid_from__lte=as_of,
            inspector__is_active=True,
        ).values_list("inspector_id", "enterprise_id")
    )
    recused_firms = sorted({e for _i, e in recusal_rows})
    if pools is None and recused_firms:
        pools = plan_pools(plans=plans, as_of=as_of, enterprise_ids=recused_firms)
    for plan in plans:
        roster = plan_roster(plan)
        departments = list(plan.departments.all())
        needed = max(plan.min_inspectors, rules.MIN_INSPECTORS, len(departments))
        if len(roster) < needed:
            problems.append(
                _("Plan %(plan)s needs %(needed)d inspectors per firm, has %(has)d active.")
                % {"plan": plan.code, "needed": needed, "has": len(roster)}
            )
        staffed = {i.department_id for i in roster}
        problems.extend(
            _("Plan %(plan)s: department %(department)s has no active inspector.")
            % {"plan": plan.code, "department": department}
            for department in departments
            if department.pk not in staffed
        )
        held = {s.pk for i in roster for s in i.skills.all()}
        for item in plan.items.filter(required_skill__isnull=False).select_related(
            "required_skill"
        ):
            skill = item.required_skill
            if skill is not None and skill.pk not in held:
                problems.append(
                    _(
                        "Plan %(plan)s: item %(item)s needs an inspector skilled in %(skill)s; "
                        "none of its %(has)d active inspectors is."
                    )
                    % {"plan": plan.code, "item": item.code, "skill": skill, "has": len(roster)}
                )
        if not recused_firms or pools is None or len(roster) < needed:
            continue
        members = {i.pk for i in roster}
        by_firm: dict[int, int] = Counter(e for i, e in recusal_rows if i in members)
        pooled = {row[0]: row[1] for rows in pools[plan.pk].pool.values() for row in rows}
        for firm, recused in sorted(by_firm.items()):
            if firm in pooled and len(roster) - recused < needed:
                problems.append(
                    _(
                        "Plan %(plan)s: firm %(uscc)s needs %(needed)d inspectors, has "
                        "%(has)d once %(recused)d recusal(s) are taken out."
                    )
                    % {
                        "plan": plan.code,
                        "uscc": pooled[firm],
                        "needed": needed,
                        "has": len(roster) - recused,
                        "recused": recused,
                    }
                )
    return problems
