"""The classification engine: set-based SQL generated from published versions' frozen
definitions (`ModelVersion.definition`), one id window (or a list of ids) at a time
(docs/domain.md §1; issue 16 §3-§6; the rule in words: `risk.explain`, which tests hold it to).

One step of a run (`run_step`), inside the caller's transaction:

1. `_compute_sql` selects, for the window, every enterprise classified on the run's date D with
   what was known at its instant T: the population (entity type in `rules.classified_types()`,
   registered by D, status on D from the latest STATUS-effect record known at T, operating if
   none, in `rules.CLASSIFIED_STATUSES`), its model (the industry model whose divisions hold
   its division, else the general one; the version of each model in force at T), every ledger
   indicator's count in one pass over the window's records known at T up to D (conditional
   aggregation; the closing record through `closes_id`, unique), the register indicators as
   CASE expressions, the score, the band, the hard rules and the values (JSON text). Dates are
   computed in Python and passed as parameters (whole years: the registration date against
   the day so many years back), so one SQL text runs on PostgreSQL and SQLite; the vendor
   switches are the JSON builders, LEAST/GREATEST, date parts, `IS DISTINCT FROM` and how a
   level is kept from being copied into the next (a fenced subquery, a materialised CTE).
2. `_step_select` puts each computed row beside what it is compared with: the current class
   (its values included: a change of values alone is a new assessment), an open override; for
   a replay, the stored assessment in force at T. For an applying run, a full join keeps the
   enterprises of the window that are no longer classified.
3. One pass over those rows gives the step's counts (from × to, by department and street and
   by department and industry) and, on PostgreSQL, writes into a temporary table only the rows
   that something is written for (a data-modifying CTE; SQLite: the whole step in the table).
4. An applying run (nightly, new facts, manual) then writes from that table: an assessment for
   each enterprise whose computed class, score, version or values changed (or is new, or
   `force`), with its inputs as JSON; the upsert of `risk_currentclass` (the class in effect is
   an open override's while one is in force on D); the deletion of the current class of those
   no longer classified; a task for the responsible department when the class in effect moves
   up into C or D or down from D (not on a first classification). A replay or a what-if writes
   nothing but its counts (a replay: assessments reproduced or not).

No ORM and no query per enterprise on this path; `evaluate` runs the same SQL for one id.
Measured at full scale by bench/classification_bench.py (1,000,000 enterprises).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from credit_portal.workdays import add_working_days
from enterprises.kinds import Effect, kind_codes
from risk import rules
from risk.models import ClassificationRun, ModelVersion

_A, _B, _C, _D = rules.CLASSES
STEP_TABLE = "risk_step"


# --------------------------------------------------------------------------- versions


def versions_in_force(at: dt.datetime) -> list[ModelVersion]:
    """The version of each model in force at `at`: its latest version published by then
    (drafts never; a version published later never changes an earlier assessment). Industry
    models first, by code, then the general one."""
    latest: dict[int, ModelVersion] = {}
    candidates = (
        ModelVersion.objects.filter(published_at__lte=at)
        .exclude(status=ModelVersion.Status.DRAFT)
        .select_related("model")
        .order_by("model_id", "-published_at", "-number")
    )
    for version in candidates:
        latest.setdefault(version.model_id, version)
    return sorted(latest.values(), key=lambda v: (v.model.is_general, v.model.code))


def _plan(at: dt.datetime, version: ModelVersion | None) -> list[ModelVersion]:
    """The versions a computation uses: those in force at `at`, the given version replacing
    its model's (a what-if of a draft, whose definition is built for the occasion and not
    saved; a replay under a chosen version)."""
    versions = [
        v for v in versions_in_force(at) if version is None or v.model_id != version.model_id
    ]
    if version is not None:
        if version.status == ModelVersion.Status.DRAFT:
            from risk.services.models import definition_build

            version = copy.copy(version)
            version.definition = definition_build(version)
        versions.append(version)
        versions.sort(key=lambda v: (v.model.is_general, v.model.code))
    return [v for v in versions if v.definition]


# --------------------------------------------------------------------------- SQL pieces


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _values_text(items: Sequence[str]) -> str:
    """An assessment's values as JSON text. On PostgreSQL the text jsonb prints ("[0, 2, 1]"),
    built by concatenation: a tenth of the cost of jsonb_build_array, and compared with the
    stored values as text (`_values_equal`); cast to jsonb only for the rows written."""
    if not _pg():
        return "json_array(" + ", ".join(items) + ")"
    if not items:
        return "'[]'"
    return "'[' || " + " || ', ' || ".join(items) + " || ']'"


def _values_equal(stored: str, computed: str) -> str:
    if _pg():
        return f"(CAST({stored} AS text) = {computed})"
    return f"(json({stored}) = json({computed}))"


def _values_json(column: str) -> str:
    return f"CAST({column} AS jsonb)" if _pg() else column


def _json_object(pairs: Sequence[tuple[str, str]]) -> str:
    body = ", ".join(f"'{k}', {v}" for k, v in pairs)
    return ("jsonb_build_object" if _pg() else "json_object") + f"({body})"


def _json_bool(expression: str) -> str:
    if _pg():
        return f"({expression})"
    return f"json(CASE WHEN {expression} THEN 'true' ELSE 'false' END)"


def _json_text(column: str, key: str) -> str:
    return f"({column} ->> '{key}')" if _pg() else f"json_extract({column}, '$.{key}')"


def _distinct(a: str, b: str) -> str:
    return f"({a} IS DISTINCT FROM {b})" if _pg() else f"({a} IS NOT {b})"


def _year(column: str) -> str:
    if _pg():
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(strftime('%%Y', {column}) AS integer)"


def _month_day(column: str) -> str:
    return f"to_char({column}, 'MMDD')" if _pg() else f"strftime('%%m%%d', {column})"


def _capital_text(column: str) -> str:
    """Registered capital as text without trailing zeros ("100", "12.5"), as
    `explain.capital_text` writes it."""
    text = f"CAST({column} AS text)"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL WHEN {text} LIKE '%%.%%' "
        f"THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END"
    )


def _day(value: dt.date) -> Any:
    return value if _pg() else connection.ops.adapt_datefield_value(value)


def _instant(value: dt.datetime) -> Any:
    """An instant to compare with stored ones. SQLite keeps them as text in UTC, written
    either by the ORM ("2026-12-07 10:00:00.123456") or as a raw parameter, which sqlite3
    prints with the offset ("…+00:00", the ledger's bulk appends); with the offset added, the
    text compares right with both, an instant stored exactly at T included."""
    if _pg():
        return value
    return f"{connection.ops.adapt_datetimefield_value(value)}+00:00"


def _minus_days(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=days)


class _Params:
    """Named parameters for generated SQL (pyformat, as both backends take them)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any, stem: str = "p") -> str:
        name = f"{stem}{len(self.values)}"
        self.values[name] = value
        return f"%({name})s"

    def in_list(self, values: Iterable[Any]) -> str:
        names = [self.add(v) for v in values]
        return "(" + ", ".join(names or ["NULL"]) + ")"


@dataclass(frozen=True)
class _Count:
    """A ledger count the window needs (indicators sharing kinds, window and in-force share it)."""

    kinds: tuple[str, ...]
    window_days: int
    in_force_only: bool


def _count_of(item: Mapping[str, Any]) -> _Count:
    return _Count(
        tuple(sorted(item["kinds"])), int(item["window_days"] or 0), bool(item["in_force_only"])
    )


def _register_key(item: Mapping[str, Any]) -> str:
    return json.dumps(
        [item["register_field"], item.get("mapping") or {}, item.get("bands") or []],
        sort_keys=True,
    )


def _least(*items: str) -> str:
    return ("LEAST" if _pg() else "min") + "(" + ", ".join(items) + ")"


def _greatest(*items: str) -> str:
    return ("GREATEST" if _pg() else "max") + "(" + ", ".join(items) + ")"


def _fence() -> str:
    """Keeps PostgreSQL from pulling a subquery up into its parent, which would copy its
    expressions into every place the parent names them (a score into each band's test)."""
    return " OFFSET 0" if _pg() else ""


def _capped(expression: str, cap: int) -> str:
    if cap <= 0:
        return expression
    return _least(_greatest(expression, str(-cap)), str(cap))


def _years_back(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (29 February: the 28th in a common year)."""
    year = day.year - years
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def _contribution(item: Mapping[str, Any], column: str) -> str:
    """An indicator's contribution in tenths, `capped(value × points) × weight`, in as few
    operations as the row needs (it is evaluated for every enterprise): the weight is never
    negative, so the cap can be weighted; a count is never negative, so a ledger indicator is
    capped on the side of its points' sign only; "" when it cannot contribute."""
    weight, cap = int(item["weight"]), int(item["max_points"] or 0)
    if weight == 0:
        return ""
    if item["source"] == "ledger":
        points = int(item["points_per_fact"])
        if points == 0:
            return ""
        raw = f"{column} * {points * weight}"
        if cap == 0:
            return raw
        return _least(raw, str(cap * weight)) if points > 0 else _greatest(raw, str(-cap * weight))
    return f"{_capped(column, cap)} * {weight}"


def _register_expression(
    item: Mapping[str, Any], p: _Params, as_of: dt.date, alias: str = "b."
) -> str:
    """The points of a register indicator: a CASE over the field. Whole years since
    registration compare the registration date with the day so many years back (age ≥ k ⇔
    registered on or before the day k years back), so no date arithmetic runs per row."""
    field = item["register_field"]
    if rules.REGISTER_FIELDS[field] == "choice":
        mapping = item.get("mapping") or {}
        if not mapping:
            return "0"
        whens = " ".join(
            f"WHEN {p.add(str(key))} THEN {int(points)}" for key, points in sorted(mapping.items())
        )
        return f"(CASE {alias}{field} {whens} ELSE 0 END)"
    whens_list = []
    for low, high, points in item.get("bands") or []:
        if field == "age_years":
            tests = ["1 = 1"]
            if low is not None:
                tests.append(f"{alias}registered_on <= {p.add(_day(_years_back(as_of, int(low))))}")
            if high is not None:
                tests.append(f"{alias}registered_on > {p.add(_day(_years_back(as_of, int(high))))}")
        else:
            tests = [f"{alias}{field} IS NOT NULL"]
            if low is not None:
                tests.append(f"{alias}{field} >= {int(low)}")
            if high is not None:
                tests.append(f"{alias}{field} < {int(high)}")
        whens_list.append(f"WHEN {' AND '.join(tests)} THEN {int(points)}")
    if not whens_list:
        return "0"
    return f"(CASE {' '.join(whens_list)} ELSE 0 END)"


def _inputs_sql(as_of: dt.date, p: _Params, alias: str = "") -> str:
    """The JSON of an assessment's inputs from a computed row's columns (`alias` and a dot);
    built only for the rows written."""
    a = alias
    age = (
        f"({p.add(as_of.year, 'y')} - {_year(a + 'registered_on')} - CASE WHEN "
        f"{_month_day(a + 'registered_on')} > {p.add(as_of.strftime('%m%d'), 'md')} "
        "THEN 1 ELSE 0 END)"
    )
    return _json_object(
        [
            ("entity_type", f"{a}entity_type"),
            ("industry_section", f"{a}industry_section"),
            ("industry_division", f"{a}industry_division"),
            ("division", f"{a}division"),
            ("department_id", f"{a}department_id"),
            ("registered_on", f"{a}registered_on"),
            ("age_years", age),
            ("registered_capital", _capital_text(f"{a}registered_capital")),
            ("status", f"{a}status"),
            ("serious", _json_bool(f"{a}ser = 1")),
            ("abnormal", _json_bool(f"{a}abn = 1")),
        ]
    )


def _ids_condition(
    column: str, ids: Sequence[int] | tuple[int, int], p: _Params, *, window: bool
) -> str:
    """The step's enterprises: an id window (a range of the primary key), or a list passed as
    one parameter (an array on PostgreSQL, a JSON list on SQLite)."""
    if window:
        low, high = ids
        return f"{column} BETWEEN {p.add(int(low), 'lo')} AND {p.add(int(high), 'hi')}"
    listed = [int(i) for i in ids]
    if _pg():
        return f"{column} = ANY({p.add(listed, 'ids')})"
    listed_json = p.add(json.dumps(listed), "ids")
    return f"{column} IN (SELECT value FROM json_each({listed_json}))"  # noqa: S608


def _compute_sql(
    versions: Sequence[ModelVersion],
    *,
    ids: Sequence[int] | tuple[int, int],
    window: bool,
    as_of: dt.date,
    knowledge_at: dt.datetime,
    scope: ModelVersion | None,
    p: _Params,
) -> str:
    """SELECT id, version_id, score (tenths), risk_class, hard_rule, band_class, vals (JSON text),
    department_id, division, industry_section and the register inputs (entity_type,
    industry_division, registered_on, registered_capital, status, ser, abn): the enterprises of
    the window classified on `as_of` with what was known at `knowledge_at` (module
    docstring). The inputs' JSON is `_inputs_sql`, built only for the rows written."""
    definitions = [(v.pk, v.definition) for v in versions]
    record = "enterprises_creditrecord"
    day, instant = p.add(_day(as_of), "d"), p.add(_instant(knowledge_at), "t")

    counts: dict[_Count, str] = {}
    registers: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for _pk, definition in definitions:
        for item in definition["indicators"]:
            if item["source"] == "ledger":
                counts.setdefault(_count_of(item), f"c{len(counts)}")
            else:
                key = _register_key(item)
                if key not in registers:
                    registers[key] = (f"g{len(registers)}", item)

    status_kinds = kind_codes(effect=Effect.STATUS)
    serious_kinds = kind_codes(effect=Effect.SERIOUS)
    abnormal_kinds = kind_codes(effect=Effect.ABNORMAL)
    wanted = sorted(
        {*status_kinds, *serious_kinds, *abnormal_kinds, *(k for c in counts for k in c.kinds)}
    )

    in_force = sorted(
        {*serious_kinds, *abnormal_kinds, *(k for c in counts if c.in_force_only for k in c.kinds)}
    )
    aggregates = []
    for count, name in counts.items():
        tests = [f"r.kind IN {p.in_list(count.kinds)}"]
        if count.window_days:
            tests.append(f"r.occurred_on > {p.add(_day(_minus_days(as_of, count.window_days)))}")
        if count.in_force_only:
            tests.append("r.closed = 0")
        aggregates.append(f"SUM(CASE WHEN {' AND '.join(tests)} THEN 1 ELSE 0 END) AS {name}")
    for name, kinds in (("ser", serious_kinds), ("abn", abnormal_kinds)):
        aggregates.append(
            f"MAX(CASE WHEN r.kind IN {p.in_list(kinds)} AND r.closed = 0 THEN 1 ELSE 0 END) "
            f"AS {name}"
        )

    # The model of each enterprise: an industry model by its division, else the general one.
    selection = []
    general = None
    for pk, definition in definitions:
        if definition["is_general"]:
            general = general or pk
        elif definition["industry_divisions"]:
            divisions = p.in_list(definition["industry_divisions"])
            selection.append(f"WHEN industry_division IN {divisions} THEN {int(pk)}")
    otherwise = str(int(general)) if general is not None else "NULL"
    version_case = f"CASE {' '.join(selection)} ELSE {otherwise} END" if selection else otherwise

    st = _json_text("d", "status")
    until = _json_text("d", "until")
    if _pg():
        until = f"CAST({until} AS date)"
    status = (
        f"CASE WHEN {st} = 'suspended' AND {until} < {day} THEN 'operating' "
        f"ELSE COALESCE({st}, 'operating') END"
    )
    count_columns = "".join(f", COALESCE(a.{name}, 0) AS {name}" for name in counts.values())
    # Register points: those of the register's own columns once per enterprise in `e`; those
    # of the status (known after the ledger is read) in q1, where the score needs their CASE.
    early = {n: i for n, i in registers.values() if i["register_field"] != "status"}
    late = {n: i for n, i in registers.values() if i["register_field"] == "status"}
    early_columns = "".join(
        f", {_register_expression(item, p, as_of, '')} AS {name}" for name, item in early.items()
    )
    register_sql = {name: _register_expression(item, p, as_of) for name, item in late.items()}
    register_columns = "".join(f", {sql} AS {name}" for name, sql in register_sql.items())

    # Per version: the score (tenths), the band, the class after the hard rules, the values.
    score_cases, band_cases, class_cases, rule_cases, value_cases = [], [], [], [], []
    for pk, definition in definitions:
        terms, values, ledger_zero = [], [], []
        for item in definition["indicators"]:
            if item["source"] == "ledger":
                column = counts[_count_of(item)]
                ledger_zero.append(f"{column} = 0")
            else:
                column = registers[_register_key(item)][0]
            values.append(column)
            # The score is computed beside the register points: their CASE, not their column.
            source = register_sql.get(column, column)
            term = _contribution(item, source)
            if term:
                terms.append(term)
        when = f"WHEN {int(pk)} THEN"
        score_cases.append(f"{when} {' + '.join(terms) or '0'}")
        band_tests = " ".join(
            f"WHEN score < {int(band['to'])} THEN '{band['class']}'"
            for band in definition["bands"]
            if band["to"] is not None
        )
        band = f"(CASE {band_tests} ELSE '{definition['bands'][-1]['class']}' END)"
        band_cases.append(f"{when} {band}")
        hard = definition["rules"]
        new_entity = (
            f"registered_on > {p.add(_day(_minus_days(as_of, int(hard['new_entity_days']))))}"
            + "".join(f" AND {test}" for test in ledger_zero)
        )
        class_whens, rule_whens = [], []
        if hard["serious_d"]:
            class_whens.append(f"WHEN ser = 1 THEN '{_D}'")
            rule_whens.append("WHEN ser = 1 THEN 'serious'")
        # (the band: a CASE over the score column, cheap to repeat)
        if hard["abnormal_min_c"]:
            class_whens.append(
                f"WHEN abn = 1 THEN CASE WHEN {band} IN ('{_A}', '{_B}') THEN '{_C}' "
                f"ELSE {band} END"
            )
            rule_whens.append(
                f"WHEN abn = 1 THEN CASE WHEN {band} IN ('{_A}', '{_B}') THEN 'abnormal' "
                "ELSE '' END"
            )
        if hard["new_entity_b"]:
            class_whens.append(f"WHEN {new_entity} THEN '{_B}'")
            rule_whens.append(
                f"WHEN {new_entity} THEN CASE WHEN {band} <> '{_B}' THEN 'new_entity' ELSE '' END"
            )
        class_cases.append(
            f"{when} CASE {' '.join(class_whens)} ELSE {band} END"
            if class_whens
            else f"{when} {band}"
        )
        rule_cases.append(
            f"{when} CASE {' '.join(rule_whens)} ELSE '' END" if rule_whens else f"{when} ''"
        )
        value_cases.append(f"{when} {_values_text(values)}")

    def by_version(cases: list[str], otherwise: str = "NULL") -> str:
        return f"CASE version_id {' '.join(cases)} ELSE {otherwise} END" if cases else otherwise

    # PostgreSQL: the two reads materialised, the score level a fenced subquery (computed once
    # per row, without a copy). SQLite: every level a materialised CTE (its planner would
    # otherwise copy each level's expressions into the next).
    pg = _pg()
    read = "MATERIALIZED "
    level = "" if pg else "MATERIALIZED "
    scope_test = f" AND version_id = {int(scope.pk)}" if scope is not None else ""
    classified = p.in_list(rules.CLASSIFIED_STATUSES)
    q1 = (
        f"SELECT b.*{register_columns}, {_greatest(by_version(score_cases, '0'), '0')} AS score "  # noqa: S608
        f"FROM b WHERE b.status IN {classified} AND b.version_id IS NOT NULL{scope_test}"
    )
    final = (
        f"SELECT id, version_id, score, {by_version(class_cases)} AS risk_class, "
        f"{by_version(rule_cases, chr(39) * 2)} AS hard_rule, "
        f"{by_version(band_cases)} AS band_class, "
        f"{by_version(value_cases)} AS vals, department_id, division, industry_section, "
        "entity_type, industry_division, registered_on, registered_capital, status, ser, abn "
    )
    if pg:
        levels, final = "", f"{final}FROM ({q1}{_fence()}) q1"
    else:
        levels, final = f", q1 AS {level}({q1})", f"{final}FROM q1"
    return (
        # The window's enterprises that may be classified (the columns the rule reads).
        # Its model is chosen here, once per enterprise.
        f"WITH e AS {read}(SELECT id, entity_type, industry_section, industry_division, "  # noqa: S608
        "division, department_id, registered_on, registered_capital, "
        f"{version_case} AS version_id{early_columns} "
        f"FROM enterprises_enterprise WHERE {_ids_condition('id', ids, p, window=window)} "
        f"AND entity_type IN {p.in_list(rules.classified_types())} AND registered_on <= {day}), "
        # Their records known at T up to D, each with whether a record known at T dated by D
        # closes it. Uses index: credit_ent_date_idx (enterprise, occurred_on); the closing
        # record: the unique index on closes_id. Only the kinds read in force look for their
        # closing record (CASE evaluates lazily; a scalar subquery is probed through the
        # index per row, where an EXISTS may be planned as a hash of every closing record in
        # the ledger), and only status records carry their details.
        f"r AS {read}(SELECT r.id, r.enterprise_id, r.kind, r.occurred_on, "
        f"CASE WHEN r.kind IN {p.in_list(status_kinds)} THEN r.details END AS details, "
        f"CASE WHEN r.kind IN {p.in_list(in_force)} AND (SELECT c.id FROM {record} c "
        f"WHERE c.closes_id = r.id AND c.recorded_at <= {instant} AND c.occurred_on <= {day}) "
        f"IS NOT NULL THEN 1 ELSE 0 END AS closed FROM {record} r "
        f"WHERE {_ids_condition('r.enterprise_id', ids, p, window=window)} "
        f"AND r.occurred_on <= {day} AND r.recorded_at <= {instant} "
        f"AND r.kind IN {p.in_list(wanted)}), "
        # The status from the latest status record (with a status) of each enterprise.
        f"st AS (SELECT enterprise_id, {status} AS status FROM (SELECT enterprise_id, "
        "details AS d, "
        "ROW_NUMBER() OVER (PARTITION BY enterprise_id ORDER BY occurred_on DESC, id DESC) AS n "
        f"FROM r WHERE kind IN {p.in_list(status_kinds)} AND {_json_text('details', 'status')} "
        "IS NOT NULL) x WHERE n = 1), "
        # Every ledger count in one pass over the records.
        f"a AS {level}(SELECT enterprise_id, {', '.join(aggregates)} FROM r "
        "GROUP BY enterprise_id), "
        # Each enterprise with what the rule reads; then the classified ones with their
        # register points and score (q1, computed once per row); the band, class, hard rule
        # and values from those columns.
        f"b AS {level}(SELECT e.id, e.entity_type, e.industry_section, e.industry_division, "
        "e.division, e.department_id, e.registered_on, e.registered_capital, "
        "COALESCE(st.status, 'operating') AS status, "
        f"COALESCE(a.ser, 0) AS ser, COALESCE(a.abn, 0) AS abn{count_columns}, e.version_id"
        f"{''.join(f', e.{name}' for name in early)} "
        f"FROM e LEFT JOIN st ON st.enterprise_id = e.id LEFT JOIN a ON a.enterprise_id = e.id)"
        f"{levels} {final}"
    )


# --------------------------------------------------------------------------- one enterprise


@dataclass(frozen=True)
class Evaluation:
    """One enterprise's computed assessment (the class before any override)."""

    enterprise_id: int
    version: ModelVersion
    as_of: dt.date
    score: Decimal
    risk_class: str
    hard_rule: str
    values: list[int]
    inputs: dict[str, Any]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def evaluate(
    enterprise_id: int,
    *,
    as_of: dt.date,
    knowledge_at: dt.datetime,
    version: ModelVersion | None = None,
) -> Evaluation | None:
    """The assessment the engine computes for one enterprise on `as_of` with what was known
    at `knowledge_at` (the versions in force then, or `version` for the enterprises in its
    scope): the runs' SQL on a one-id list. None when it is not classified."""
    versions = _plan(knowledge_at, version)
    if not versions:
        return None
    p = _Params()
    compute = _compute_sql(
        versions,
        ids=[enterprise_id],
        window=False,
        as_of=as_of,
        knowledge_at=knowledge_at,
        scope=version,
        p=p,
    )
    sql = f"SELECT x.*, {_inputs_sql(as_of, p, 'x.')} AS inputs FROM ({compute}) x"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, p.values)
        row = cursor.fetchone()
    if row is None:
        return None
    by_pk = {v.pk: v for v in versions}
    return Evaluation(
        enterprise_id=int(row[0]),
        version=by_pk[int(row[1])],
        as_of=as_of,
        score=(Decimal(int(row[2])) / 10).quantize(Decimal("0.1")),
        risk_class=str(row[3]),
        hard_rule=str(row[4] or ""),
        values=[int(v) for v in _json(row[6])],
        inputs=dict(_json(row[-1])),
    )


# --------------------------------------------------------------------------- a run's step


@dataclass
class StepResult:
    """What one step did (added to the run's counters by `risk.services.runs`)."""

    classified: int = 0
    changed_class: int = 0
    changed_score: int = 0
    assessments: int = 0
    matched: int = 0
    mismatched: int = 0
    left: int = 0
    tasks: int = 0
    transitions: dict[str, int] = field(default_factory=dict)
    # Class counts of the step: (department_id, street or section, class) -> n.
    by_department_street: dict[tuple[int, str, str], int] = field(default_factory=dict)
    by_department_industry: dict[tuple[int, str, str], int] = field(default_factory=dict)
    transitions_by_department: dict[tuple[int, str], int] = field(default_factory=dict)


@dataclass(frozen=True)
class RunContext:
    """What every step of a run shares, computed once per run and process."""

    versions: list[ModelVersion]
    due_on: dt.date
    now: dt.datetime


def run_context(run: ClassificationRun) -> RunContext:
    """The versions a run uses and its tasks' due date, computed once per run object (the
    service passes the same object to every step it executes)."""
    context = run.__dict__.get("_risk_context")
    if context is None:
        context = RunContext(
            versions=_plan(run.knowledge_at, run.version),
            due_on=add_working_days(run.as_of, rules.TASK_WORKING_DAYS),
            now=timezone.now(),
        )
        run.__dict__["_risk_context"] = context
    return context


def step_ids(run: ClassificationRun, step: int) -> tuple[Sequence[int] | tuple[int, int], bool]:
    """The ids of a step: a slice of the run's list, or an id window."""
    size = max(1, run.chunk_size)
    if run.enterprise_ids:
        return list(run.enterprise_ids[step * size : (step + 1) * size]), False
    if run.enterprise_id is not None:
        return [run.enterprise_id], False
    low = run.id_from + step * size
    return (low, min(run.id_to, low + size - 1)), True


def _task_pairs() -> list[str]:
    """The moves of the class in effect that give the department a task (issue 16 §8): up into
    C or D from a lower class, or down from D."""
    order = rules.CLASSES
    pairs = []
    for old in order:
        for new in order:
            up = new in rules.TASK_CLASSES_UP and order.index(new) > order.index(old)
            down = old == order[-1] and new != old
            if up or down:
                pairs.append(f"{old}>{new}")
    return pairs


def _work_mem() -> str:
    return str(rules.setting("RISK_WORK_MEM", rules.RUN_WORK_MEM))


def _execute(sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _fetch(sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


# The overrides' lock (docs/architecture.md, Classification, "Overrides"): an applying step
# reads the open overrides and then writes its window's current rows, so it holds this
# advisory lock shared for its transaction, and the override services take it exclusive
# (`overrides_lock`): an override set or ended while a step runs waits for that step's commit
# and is then seen by the next step, never undone. Steps share it with one another. Two-key
# form, first key "risk" in ASCII, so that it cannot collide with other advisory locks.
OVERRIDES_LOCK = (0x7269736B, 1)


def overrides_lock(*, shared: bool) -> None:
    """Take the overrides' lock for the current transaction (PostgreSQL; SQLite writes are
    serialised by the database itself, IMMEDIATE transactions)."""
    if not _pg():
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    _execute(f"SELECT {function}(%s, %s)", OVERRIDES_LOCK)


def run_step(run: ClassificationRun, *, step: int) -> StepResult:
    """Compute one step of `run` and, for an applying run, write it (module docstring).

    Rules: inside the caller's transaction (with the lease's renewal); deterministic (the same
    run and step give the same ids), so a step rolled back is done again exactly.
    Side effects (applying runs): assessments, `risk_currentclass`, tasks; a temporary table
    created and dropped within the step.
    """
    context = run_context(run)
    result = StepResult()
    if run.applies:
        overrides_lock(shared=True)
    ids, window = step_ids(run, step)
    since = run_since(run) if run.applies and window else None
    if since is not None:
        # An incremental step: the window's enterprises whose class could have changed since
        # the base run; the others are counted from their current rows.
        span = ids
        ids, window = _candidates(run, since, span, context), False
        if ids:
            _compute_step(run, context, result, ids, window)
        _count_window(result, span)
        return result
    if not window and not ids:
        return result
    _compute_step(run, context, result, ids, window)
    return result


def _compute_step(
    run: ClassificationRun,
    context: RunContext,
    result: StepResult,
    ids: Sequence[int] | tuple[int, int],
    window: bool,
) -> None:
    """Compute the step's enterprises, count them and, for an applying run, write them."""
    p = _Params()
    if context.versions:
        compute = _compute_sql(
            context.versions,
            ids=ids,
            window=window,
            as_of=run.as_of,
            knowledge_at=run.knowledge_at,
            scope=run.version,
            p=p,
        )
    else:
        # No model is in force: nobody is classified (the columns of `_compute_sql`).
        compute = (
            "SELECT CAST(0 AS bigint) AS id, CAST(0 AS bigint) AS version_id, 0 AS score, "
            "CAST('' AS varchar(1)) AS risk_class, CAST('' AS varchar(10)) AS hard_rule, "
            "CAST('' AS varchar(1)) AS band_class, CAST(NULL AS text) AS vals, "
            "CAST(0 AS bigint) AS department_id, CAST('' AS varchar(64)) AS division, "
            "CAST('' AS varchar(1)) AS industry_section, CAST('' AS varchar(24)) AS entity_type, "
            "CAST('' AS varchar(2)) AS industry_division, CAST(NULL AS date) AS registered_on, "
            "CAST(NULL AS numeric) AS registered_capital, CAST('' AS text) AS status, "
            "0 AS ser, 0 AS abn WHERE 1 = 0"
        )
    if _pg():
        # JIT compiling the step's expressions costs more than it saves on a window; the hash
        # aggregate of the window's records must not spill to disk.
        _execute("SET LOCAL jit = off")
        _execute("SELECT set_config('work_mem', %s, true)", [_work_mem()])
    # Dropped at the end of the step; a step that fails rolls its creation back.
    _execute(f"DROP TABLE IF EXISTS {STEP_TABLE}")
    select = _step_select(run, compute, p, ids, window)
    if _pg():
        # One pass: the counts of every row, and into the step's table only the rows that
        # something is written for (none when nothing changed; none for a replay or what-if).
        _execute(f"CREATE TEMPORARY TABLE {STEP_TABLE} AS {select} WITH NO DATA", p.values)
        keep = _kept_test(run)
        rows = _fetch(
            f"WITH step AS MATERIALIZED ({select}), "  # noqa: S608
            f"kept AS (INSERT INTO {STEP_TABLE} SELECT * FROM step WHERE {keep}) "
            f"{_count_sql(run, 'step')}",
            p.values,
        )
    else:
        _execute(f"CREATE TEMPORARY TABLE {STEP_TABLE} AS {select}", p.values)
        rows = _fetch(_count_sql(run, STEP_TABLE))
    _count_rows(run, result, rows)
    if run.applies:
        _write_step(run, context, result)
    _execute(f"DROP TABLE {STEP_TABLE}")


def _step_select(
    run: ClassificationRun,
    compute: str,
    p: _Params,
    ids: Sequence[int] | tuple[int, int],
    window: bool,
) -> str:
    """The step's rows: the computed ones beside what they are compared with (the current
    class and its values, an open override; for a replay, the stored assessment in force at
    T: the latest of a run that knew no more). The compared rows are read for the step's ids
    at once (a range of the primary key), not probed one enterprise at a time."""
    day = p.add(_day(run.as_of), "od")
    if run.reason == ClassificationRun.Reason.REPLAY:
        t = p.add(_instant(run.knowledge_at), "tk")
        stored = (
            "sa.id AS sa_id, sa.version_id AS sa_version, sa.risk_class AS sa_class, "
            "CAST(ROUND(sa.score * 10) AS integer) AS sa_score, "
            f"CASE WHEN {_values_equal('sa.' + chr(34) + 'values' + chr(34), 'x.vals')} THEN 1 "
            "ELSE 0 END AS same_values "
        )
        # Uses index: risk_assess_ent_idx (enterprise, -id) over the step's ids: on
        # PostgreSQL one ordered pass (DISTINCT ON), elsewhere the latest id of each, grouped.
        known = f"SELECT ru.id FROM risk_classificationrun ru WHERE ru.knowledge_at <= {t}"  # noqa: S608
        where = (
            f"{_ids_condition('a.enterprise_id', ids, p, window=window)} AND a.run_id IN ({known})"
        )
        if _pg():
            latest = (
                "SELECT DISTINCT ON (a.enterprise_id) a.id, a.enterprise_id, a.version_id, "  # noqa: S608
                f'a.risk_class, a.score, a."values" FROM risk_assessment a WHERE {where} '
                "ORDER BY a.enterprise_id, a.id DESC"
            )
        else:
            latest = (
                'SELECT id, enterprise_id, version_id, risk_class, score, "values" '  # noqa: S608
                "FROM risk_assessment WHERE id IN (SELECT MAX(a.id) FROM risk_assessment a "
                f"WHERE {where} GROUP BY a.enterprise_id)"
            )
        compared = f"LEFT JOIN ({latest}{_fence()}) sa ON sa.enterprise_id = x.id "
    else:
        stored = (
            "CAST(NULL AS bigint) AS sa_id, CAST(NULL AS bigint) AS sa_version, "
            "CAST(NULL AS varchar(1)) AS sa_class, CAST(NULL AS integer) AS sa_score, "
            f"CASE WHEN {_values_equal('cc.' + chr(34) + 'values' + chr(34), 'x.vals')} THEN 1 "
            "ELSE 0 END AS same_values "
        )
        compared = ""
    # The current rows of the step's ids, read as one range (hashed, not probed per row); an
    # applying run keeps those no longer classified too (a full join: id is null), to delete.
    current = (
        "(SELECT enterprise_id, risk_class, computed_class, score, version_id, override_id, "  # noqa: S608
        f'"values" FROM risk_currentclass WHERE '
        f"{_ids_condition('enterprise_id', ids, p, window=window)}{_fence()})"
    )
    join = "FULL JOIN" if run.applies else "LEFT JOIN"
    leavers = ""
    if not _pg():
        # SQLite joins a subquery by scanning it for every row of the other side (a step of
        # the demo district took seconds per thousand rows); the table itself is probed by its
        # primary key, and a full join's second pass keeps the window's current rows that
        # nothing computed (no longer classified) by the WHERE below.
        current = "risk_currentclass"
        if run.applies:
            leavers = (
                "WHERE x.id IS NOT NULL OR "
                f"{_ids_condition('cc.enterprise_id', ids, p, window=window)}"
            )
    return (
        "SELECT x.*, cc.enterprise_id AS had, cc.risk_class AS old_class, "
        "cc.computed_class AS old_computed, CAST(ROUND(cc.score * 10) AS integer) AS old_score, "
        "cc.version_id AS old_version, cc.override_id AS old_override, o.id AS ov_id, "
        f"COALESCE(o.risk_class, x.risk_class) AS new_class, {stored}"
        f"FROM ({compute}) x {join} {current} cc ON cc.enterprise_id = x.id "
        "LEFT JOIN risk_classoverride o ON o.enterprise_id = x.id AND o.ended_on IS NULL "
        f"AND o.starts_on <= {day} AND o.expires_on >= {day} {compared}{leavers}"
    )


def _kept_test(run: ClassificationRun) -> str:
    """The rows of an applying step that something is written for: no longer classified, a new
    assessment, or a change of the class in effect or of its override."""
    if not run.applies:
        return "1 = 0"
    return (
        f"(id IS NULL OR {_changed_test(run.force)} OR {_distinct('new_class', 'old_class')} "
        f"OR {_distinct('ov_id', 'old_override')})"
    )


def _changed_test(force: bool, s: str = "") -> str:
    """An assessment is written: a first one, forced, or the computed class, score, version or
    values differ from the current row (`s`: the step table's alias and a dot)."""
    if force:
        return "1 = 1"
    return (
        f"({s}had IS NULL OR {s}risk_class <> {s}old_computed OR {s}score <> {s}old_score "
        f"OR {s}version_id <> {s}old_version OR {s}same_values = 0)"
    )


def _count_sql(run: ClassificationRun, source: str) -> str:
    """The step's counts grouped (`_count_rows`): the class in effect for an applying run; the
    stored assessment's class → the replayed one for a replay; the current computed class →
    the tried one for a what-if."""
    if run.applies:
        before, after, old_score = "old_class", "new_class", "old_score"
    elif run.reason == ClassificationRun.Reason.REPLAY:
        before, after, old_score = "sa_class", "risk_class", "sa_score"
    else:
        before, after, old_score = "old_computed", "risk_class", "old_score"
    return (
        f"SELECT department_id, division, industry_section, {before}, {after}, "  # noqa: S608
        f"SUM(CASE WHEN {before} IS NULL OR {before} <> {after} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {old_score} IS NULL OR {old_score} <> score THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN sa_id IS NOT NULL AND sa_version = version_id AND sa_class = risk_class "
        "AND sa_score = score AND same_values = 1 THEN 1 ELSE 0 END), COUNT(*) "
        f"FROM {source} GROUP BY department_id, division, industry_section, {before}, {after}"
    )


def _count_rows(run: ClassificationRun, result: StepResult, rows: list[tuple[Any, ...]]) -> None:
    """Add the grouped counts to the step's result: classified, changes, transitions, class
    counts by department and street and by department and industry, reproduced or not."""
    replay = run.reason == ClassificationRun.Reason.REPLAY

    def bump(counts: dict[Any, int], key: Any, n: int) -> None:
        counts[key] = counts.get(key, 0) + n

    for department, street, section, old, new, class_changed, score_changed, same, n in rows:
        n = int(n)
        if new is None:  # no longer classified (an applying run's full join)
            bump(result.transitions, f"{old}>-", n)
            result.left += n
            continue
        key = f"{old}>{new}" if old else f"->{new}"
        result.classified += n
        result.changed_class += int(class_changed)
        result.changed_score += int(score_changed)
        bump(result.transitions, key, n)
        bump(result.transitions_by_department, (int(department), key), n)
        bump(result.by_department_street, (int(department), str(street), str(new)), n)
        bump(result.by_department_industry, (int(department), str(section), str(new)), n)
        if replay:
            result.matched += int(same)
            result.mismatched += n - int(same)


def _write_step(run: ClassificationRun, context: RunContext, result: StepResult) -> None:
    """An applying step's writes (module docstring)."""
    p = _Params()
    run_id, now, day = (
        p.add(run.pk, "run"),
        p.add(_instant(context.now), "now"),
        p.add(_day(run.as_of), "d"),
    )
    changed = _changed_test(run.force)
    score = "CAST(score AS numeric) / 10" if _pg() else "score / 10.0"
    result.assessments = _execute(
        "INSERT INTO risk_assessment (enterprise_id, run_id, version_id, as_of, score, "  # noqa: S608
        'risk_class, hard_rule, previous_class, previous_score, "values", inputs, created_at) '
        f"SELECT id, {run_id}, version_id, {day}, {score}, risk_class, hard_rule, "
        "COALESCE(old_computed, ''), "
        f"{'CAST(old_score AS numeric) / 10' if _pg() else 'old_score / 10.0'}, "
        f"{_values_json('vals')}, "
        f"{_inputs_sql(run.as_of, p)}, {now} FROM {STEP_TABLE} WHERE id IS NOT NULL AND {changed} "
        "ORDER BY id",
        p.values,
    )
    # The current class: written where the assessment is new, or the class in effect or its
    # override changed (an override set, ended or expired).
    _execute(
        "INSERT INTO risk_currentclass (enterprise_id, risk_class, computed_class, score, "  # noqa: S608
        'version_id, as_of, assessed_at, override_id, "values") '
        f"SELECT id, new_class, risk_class, {score}, version_id, {day}, {now}, ov_id, "
        f"{_values_json('vals')} "
        f"FROM {STEP_TABLE} WHERE id IS NOT NULL AND {changed} "
        "ON CONFLICT (enterprise_id) DO UPDATE SET risk_class = excluded.risk_class, "
        "computed_class = excluded.computed_class, score = excluded.score, "
        "version_id = excluded.version_id, as_of = excluded.as_of, "
        "assessed_at = excluded.assessed_at, override_id = excluded.override_id, "
        '"values" = excluded."values"',
        p.values,
    )
    if not run.force:
        _execute(
            "UPDATE risk_currentclass SET risk_class = s.new_class, override_id = s.ov_id "  # noqa: S608
            f"FROM {STEP_TABLE} s WHERE s.id IS NOT NULL "
            f"AND risk_currentclass.enterprise_id = s.id AND NOT {_changed_test(False, 's.')} "
            f"AND ({_distinct('s.new_class', 's.old_class')} "
            f"OR {_distinct('s.ov_id', 's.old_override')})"
        )
    # Sensing (issue 16 §8): a task for the department when the class in effect moves up into
    # C or D, or down from D; not on a first classification.
    p2 = _Params()
    pairs = p2.in_list(_task_pairs())
    result.tasks = _execute(
        "INSERT INTO risk_classchangetask (enterprise_id, department_id, run_id, from_class, "  # noqa: S608
        "to_class, created_at, due_on, note) "
        f"SELECT id, department_id, {p2.add(run.pk)}, old_class, new_class, "
        f"{p2.add(_instant(context.now))}, {p2.add(_day(context.due_on))}, '' FROM {STEP_TABLE} "
        f"WHERE id IS NOT NULL AND had IS NOT NULL AND old_class || '>' || new_class IN {pairs} "
        "ORDER BY id",
        p2.values,
    )
    # The enterprises of the window no longer classified leave the current-class table.
    _execute(
        "DELETE FROM risk_currentclass WHERE enterprise_id IN "  # noqa: S608
        f"(SELECT had FROM {STEP_TABLE} WHERE id IS NULL)"
    )


# --------------------------------------------------------------------------- incremental runs
#
# A nightly or manual run of the whole register after a done one (its base, (D0, T0)) computes,
# in each id window, only the enterprises whose assessment could differ from the base's: a
# record recorded after T0 (a new fact, a closing, a status change, a backdated fact), a record
# dated after D0 (the day moving past a fact), a fact leaving an indicator's window between D0
# and D, the register row changed after T0 (entity type, industry, capital, registration date),
# a registration, an age band or the new-entity period crossed between D0 and D, an override.
# The others keep their current row, which is the base's assessment or a later one of a
# new-facts run (every appended fact reaches the ledger subscription, whose run reclassifies
# its enterprise soon after). The window's class counts are read from the current rows, so the
# run's counts are those of a full run. The base is refused, and the run computes every
# enterprise, when it was run under other versions or another population, or when a version
# scores the status (a filed suspension ends by the calendar, with no record), or with `force`.

# A full applying run keeps in `summary["scope"]` the entity types it classified and, when it
# is incremental, its base (`since`: the run, its date and instant).
SCOPE = "scope"


def run_scope(*, since: dict[str, Any] | None) -> dict[str, Any]:
    """The `scope` entry of a full applying run's summary."""
    scope: dict[str, Any] = {"classified_types": list(rules.classified_types())}
    if since is not None:
        scope["since"] = since
    return scope


def run_since(run: ClassificationRun) -> dict[str, Any] | None:
    """The base of an incremental run, None for any other."""
    since = ((run.summary or {}).get(SCOPE) or {}).get("since")
    return since if isinstance(since, dict) else None


def incremental_base(*, as_of: dt.date, knowledge_at: dt.datetime) -> dict[str, Any] | None:
    """The base of an incremental run (section comment): the latest done nightly or manual run
    of the whole register with no later date or instant, under the same versions and
    population; None when there is none (the run then computes every enterprise).
    Setting CREDIT_PORTAL["RISK_INCREMENTAL"] (on by default) turns it off."""
    if not rules.setting("RISK_INCREMENTAL", True):
        return None
    Reason = ClassificationRun.Reason  # noqa: N806
    base = (
        ClassificationRun.objects.filter(
            applies=True,
            status=ClassificationRun.Status.DONE,
            enterprise__isnull=True,
            reason__in=[Reason.NIGHTLY, Reason.MANUAL],
            as_of__lte=as_of,
            knowledge_at__lte=knowledge_at,
        )
        .order_by("-knowledge_at", "-pk")
        .first()
    )
    scope = (base.summary or {}).get(SCOPE) or {} if base is not None else {}
    if base is None or scope.get("classified_types") != list(rules.classified_types()):
        return None
    versions = versions_in_force(knowledge_at)
    if [v.pk for v in versions] != [v.pk for v in versions_in_force(base.knowledge_at)]:
        return None
    for version in versions:
        for item in version.definition.get("indicators", []):
            if item["source"] == "register" and item["register_field"] == "status":
                return None
    return {
        "run": base.pk,
        "as_of": base.as_of.isoformat(),
        "knowledge_at": base.knowledge_at.isoformat(),
    }


def _candidates(
    run: ClassificationRun,
    since: Mapping[str, Any],
    span: Sequence[int] | tuple[int, int],
    context: RunContext,
) -> list[int]:
    """The enterprises of the window whose assessment could differ from the base's (section
    comment), sorted. Uses index: credit_ent_date_idx, the enterprise and override tables'
    primary keys and enterprise indexes, over the window."""
    base_day = dt.date.fromisoformat(since["as_of"])
    base_at = dt.datetime.fromisoformat(since["knowledge_at"])
    day, at = run.as_of, run.knowledge_at
    p = _Params()
    d0, d1 = p.add(_day(base_day)), p.add(_day(day))
    t0, t1 = p.add(_instant(base_at)), p.add(_instant(at))
    records = [
        f"(r.recorded_at > {t0} AND r.recorded_at <= {t1})",
        f"(r.occurred_on > {d0} AND r.occurred_on <= {d1})",
    ]
    windows: set[_Count] = set()
    boundaries: set[tuple[dt.date, dt.date]] = {(base_day, day)}
    for version in context.versions:
        definition = version.definition
        for item in definition["indicators"]:
            if item["source"] == "ledger" and int(item["window_days"] or 0):
                windows.add(_count_of(item))
            elif item["source"] == "register" and item["register_field"] == "age_years":
                for low, high, _points in item.get("bands") or []:
                    for years in (low, high):
                        if years:
                            boundaries.add(
                                (_years_back(base_day, int(years)), _years_back(day, int(years)))
                            )
        if definition["rules"]["new_entity_b"]:
            days = int(definition["rules"]["new_entity_days"])
            boundaries.add((_minus_days(base_day, days), _minus_days(day, days)))
    for count in sorted(windows, key=lambda c: (c.kinds, c.window_days, c.in_force_only)):
        low = p.add(_day(_minus_days(base_day, count.window_days)))
        high = p.add(_day(_minus_days(day, count.window_days)))
        records.append(
            f"(r.kind IN {p.in_list(count.kinds)} AND r.occurred_on > {low} "
            f"AND r.occurred_on <= {high})"
        )
    registers = [f"e.updated_at > {t0}"] + [
        f"(e.registered_on > {p.add(_day(low))} AND e.registered_on <= {p.add(_day(high))})"
        for low, high in sorted(boundaries)
        if high > low
    ]
    sql = (
        "SELECT r.enterprise_id FROM enterprises_creditrecord r "  # noqa: S608
        f"WHERE {_ids_condition('r.enterprise_id', span, p, window=True)} "
        f"AND ({' OR '.join(records)}) "
        "UNION SELECT e.id FROM enterprises_enterprise e "
        f"WHERE {_ids_condition('e.id', span, p, window=True)} AND ({' OR '.join(registers)}) "
        "UNION SELECT o.enterprise_id FROM risk_classoverride o "
        f"WHERE {_ids_condition('o.enterprise_id', span, p, window=True)} "
        f"AND (o.ended_on IS NULL OR o.ended_on >= {d0} OR o.created_at > {t0})"
    )
    return sorted(int(row[0]) for row in _fetch(sql, p.values))


def _count_window(result: StepResult, span: Sequence[int] | tuple[int, int]) -> None:
    """An incremental step's counts of the whole window, from the current rows after its
    writes: classified, class counts by department and street and by department and industry;
    the enterprises not computed stayed in their class (k>k in the transitions)."""
    p = _Params()
    rows = _fetch(
        "SELECT e.department_id, e.division, e.industry_section, c.risk_class, COUNT(*) "  # noqa: S608
        "FROM risk_currentclass c JOIN enterprises_enterprise e ON e.id = c.enterprise_id "
        f"WHERE {_ids_condition('c.enterprise_id', span, p, window=True)} "
        "GROUP BY e.department_id, e.division, e.industry_section, c.risk_class",
        p.values,
    )
    computed: dict[tuple[int, str], int] = {}
    for (department, _street, risk_class), n in result.by_department_street.items():
        computed[(department, risk_class)] = computed.get((department, risk_class), 0) + n
    totals: dict[tuple[int, str], int] = {}
    result.by_department_street, result.by_department_industry = {}, {}
    result.classified = 0
    for department, street, section, risk_class, n in rows:
        department, n = int(department), int(n)
        result.classified += n
        key = (department, str(risk_class))
        totals[key] = totals.get(key, 0) + n
        for target, place in (
            (result.by_department_street, str(street)),
            (result.by_department_industry, str(section)),
        ):
            cell = (department, place, str(risk_class))
            target[cell] = target.get(cell, 0) + n
    for (department, risk_class), n in totals.items():
        stayed = n - computed.get((department, risk_class), 0)
        if stayed:
            move = f"{risk_class}>{risk_class}"
            result.transitions[move] = result.transitions.get(move, 0) + stayed
            cell2 = (department, move)
            result.transitions_by_department[cell2] = (
                result.transitions_by_department.get(cell2, 0) + stayed
            )


# --------------------------------------------------------------------------- the run's counts


def summary_add(summary: dict[str, Any], result: StepResult) -> dict[str, Any]:
    """Add a step's class counts to a run's `summary` (JSON: string keys)."""
    out: dict[str, Any] = copy.deepcopy(dict(summary))

    def bump(path: Sequence[str], n: int) -> None:
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = node.get(path[-1], 0) + n

    for (department, street, risk_class), n in result.by_department_street.items():
        bump(("by_class", risk_class), n)
        bump(("by_street", street, risk_class), n)
        bump(("by_department", str(department), risk_class), n)
        bump(("by_department_street", str(department), street, risk_class), n)
    for (department, section, risk_class), n in result.by_department_industry.items():
        bump(("by_industry", section, risk_class), n)
        bump(("by_department_industry", str(department), section, risk_class), n)
    for (department, key), n in result.transitions_by_department.items():
        bump(("transitions_by_department", str(department), key), n)
    return out


def transitions_add(transitions: Mapping[str, int], more: Mapping[str, int]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int, transitions)
    for key, n in more.items():
        total[key] += n
    return dict(total)


def enterprise_id_range() -> tuple[int, int] | None:
    """The lowest and highest enterprise id (a full run's windows); None for an empty register."""
    from enterprises.models import Enterprise

    bounds = Enterprise.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return None
    return int(bounds["low"]), int(bounds["high"])
