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

The register is read once per call, one row per entity, by one SQL statement (PostgreSQL and
SQLite); a commitment of many plans spreads those rows over the plans by their scope in memory
(grouped by entity type, industry division and street), so 44 plans over 1,000,000 entities
read the register once, not 44 times.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
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
FETCH = 20_000


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
    """One plan's pool as of a date: the entities by stratum (the register's rows, shared by
    every plan: `row[0]` the enterprise id, `row[1]` the uscc) and the exclusions (enterprise
    id, uscc, name, stratum, rule, until, detail)."""

    plan: SamplingPlan
    pool: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    exclusions: list[tuple[int, str, str, str, str, dt.date | None, str]] = field(
        default_factory=list
    )

    def size(self, stratum: str) -> int:
        return len(self.pool.get(stratum, ()))


@dataclass(frozen=True)
class _PlanRule:
    """What the fan-out needs of a plan."""

    plan: SamplingPlan
    industries: frozenset[str]
    streets: frozenset[str]
    types: frozenset[str]
    strata: dict[str, PlanStratum]
    observes: bool  # no safety-sensitive item: new entities are out
    inspected: dict[int, int]  # enterprise id -> inspections under the plan (not cancelled)

    def covers(self, key: tuple[str, str, str]) -> bool:
        entity_type, division, street = key
        return (
            (not self.types or entity_type in self.types)
            and (not self.industries or division in self.industries)
            and (not self.streets or street in self.streets)
        )


def _q(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _json_year(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} ->> 'year')"
    return f"CAST(json_extract({column}, '$.year') AS TEXT)"


def _entity_sql(
    *, as_of: dt.date, plan: SamplingPlan | None, enterprise_ids: Sequence[int] | None
) -> tuple[str, list[Any]]:
    """One row per entity registered by `as_of` (in `plan`'s scope, or among
    `enterprise_ids`): id, uscc, name, type, industry division, street, stratum, the rule of
    the register (closed, suspended or ''), suspended from/until, registered on."""
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
        "SELECT e.id, e.uscc, e.name, e.entity_type, e.industry_division, e.division, "  # noqa: S608
        "CASE WHEN nr.enterprise_id IS NOT NULL THEN %s WHEN e.entity_type = %s THEN %s "
        "WHEN c.risk_class IS NOT NULL THEN c.risk_class ELSE %s END, "
        f"CASE WHEN e.status IN ({closed}) AND (e.status_changed_on IS NULL "
        "OR e.status_changed_on <= %s) THEN %s "
        "WHEN e.status = %s AND e.suspended_from <= %s AND (e.suspended_until IS NULL "
        "OR e.suspended_until >= %s) THEN %s ELSE '' END, "
        "e.status, e.suspended_from, e.suspended_until, e.registered_on "
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
        for column, values in (
            ("e.industry_division", plan.industries),
            ("e.division", plan.streets),
            ("e.entity_type", plan.entity_types),
        ):
            if values:
                sql += f" AND {column} IN ({', '.join(['%s'] * len(values))})"
                params += [str(v) for v in values]
    if enterprise_ids is not None:
        ids = [int(i) for i in enterprise_ids] or [0]
        sql += f" AND e.id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    return sql, params


def _entity_rows(
    *,
    as_of: dt.date,
    plan: SamplingPlan | None = None,
    enterprise_ids: Sequence[int] | None = None,
) -> Iterable[tuple[Any, ...]]:
    sql, params = _entity_sql(as_of=as_of, plan=plan, enterprise_ids=enterprise_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(FETCH)
            if not rows:
                return
            yield from rows


def _plan_rules(plans: Sequence[SamplingPlan]) -> list[_PlanRule]:
    ids = [p.pk for p in plans]
    strata: dict[int, dict[str, PlanStratum]] = defaultdict(dict)
    for row in PlanStratum.objects.filter(plan_id__in=ids):
        strata[row.plan_id][row.stratum] = row
    safety = set(
        SamplingPlan.objects.filter(pk__in=ids, items__safety_sensitive=True).values_list(
            "pk", flat=True
        )
    )
    inspected: dict[int, dict[int, int]] = defaultdict(dict)
    counted = (
        InspectionCheck.objects.filter(plan_id__in=ids)
        .exclude(inspection__status=Inspection.Status.CANCELLED)
        .values_list("plan_id", "inspection__enterprise_id")
        .annotate(n=Count("inspection_id", distinct=True))
    )
    for plan_id, enterprise_id, n in counted:
        inspected[plan_id][enterprise_id] = n
    return [
        _PlanRule(
            plan=p,
            industries=frozenset(str(v) for v in p.industries or ()),
            streets=frozenset(str(v) for v in p.streets or ()),
            types=frozenset(str(v) for v in p.entity_types or ()),
            strata=strata[p.pk],
            observes=p.pk not in safety,
            inspected=inspected[p.pk],
        )
        for p in plans
    ]


Excluded = tuple[str, "dt.date | None", str]  # rule, until, detail


def _register_rule(
    row: tuple[Any, ...], observed_from: dt.date, labels: dict[str, str]
) -> tuple[Excluded | None, Excluded | None]:
    """An entity's exclusion by the register (closed, suspended), whatever the plan, and its
    observation period (for plans with no safety-sensitive item); computed once per entity."""
    (_id, _uscc, _name, _type, _div, _street, _stratum, register_rule, status, s_from, s_until,
     registered) = row  # fmt: skip
    base: Excluded | None = None
    if register_rule == Rule.CLOSED:
        base = (Rule.CLOSED.value, None, labels[status])
    elif register_rule == Rule.SUSPENDED:
        base = (
            Rule.SUSPENDED.value,
            s_until,
            _("suspended from %(day)s") % {"day": s_from},
        )
    observation: Excluded | None = None
    if registered > observed_from:
        observation = (
            Rule.OBSERVATION.value,
            registered + dt.timedelta(days=rules.OBSERVATION_DAYS),
            _("registered on %(day)s") % {"day": registered},
        )
    return base, observation


def _decide(
    rule: _PlanRule,
    row: tuple[Any, ...],
    base: Excluded | None,
    observation: Excluded | None,
) -> Excluded | None:
    """The exclusion of one entity from one plan (rule, until, detail), or None: in the pool."""
    if base is not None:
        return base
    if observation is not None and rule.observes:
        return observation
    done = rule.inspected.get(row[0], 0)
    frequency = rule.strata[row[6]].frequency
    if done and done >= frequency:
        return (
            Rule.RECENT.value,
            dt.date(rule.plan.year + 1, 1, 1),
            _("inspected %(done)d time(s) under this plan; %(frequency)d a year")
            % {"done": done, "frequency": frequency},
        )
    return None


def _as_date(value: Any) -> Any:
    if isinstance(value, str):  # SQLite through a raw cursor
        return dt.date.fromisoformat(value)
    return value


def _normalised(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:9], _as_date(row[9]), _as_date(row[10]), _as_date(row[11]))


def plan_pools(
    *,
    plans: Sequence[SamplingPlan],
    as_of: dt.date,
    enterprise_ids: Sequence[int] | None = None,
) -> dict[int, PlanPool]:
    """Every plan's pool and exclusions as of `as_of` (module docstring), by plan id; the
    register read once. With `enterprise_ids`, only those entities (a recusal check)."""
    plan_rules = _plan_rules(plans)
    result = {r.plan.pk: PlanPool(plan=r.plan) for r in plan_rules}
    observed_from = as_of - dt.timedelta(days=rules.OBSERVATION_DAYS)
    one = len(plans) == 1 and enterprise_ids is None
    rows = _entity_rows(as_of=as_of, plan=plans[0] if one else None, enterprise_ids=enterprise_ids)
    labels = {str(s.value): str(s.label) for s in Enterprise.Status}
    sqlite = connection.vendor == "sqlite"
    # Entities by scope key, each with its register exclusion and observation (once each).
    groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for fetched in rows:
        row = _normalised(fetched) if sqlite else fetched
        groups[(row[3], row[4], row[5])].append((row, *_register_rule(row, observed_from, labels)))
    for key, members in groups.items():
        for rule in plan_rules:
            if not rule.covers(key):
                continue
            plan_pool = result[rule.plan.pk]
            pool, exclusions, strata = plan_pool.pool, plan_pool.exclusions, rule.strata
            for row, base, observation in members:
                stratum = row[6]
                if stratum not in strata:
                    continue
                excluded = _decide(rule, row, base, observation)
                if excluded is None:
                    entries = pool.get(stratum)
                    if entries is None:
                        entries = pool[stratum] = []
                    entries.append(row)
                else:
                    exclusions.append((row[0], row[1], row[2], stratum, *excluded))
    return result


def plan_targets(plan_pool: PlanPool) -> list[StratumCount]:
    """Each stratum the plan gives a ratio for: pool, excluded, ratio and target
    (`verify.stratum_target`: ceil(pool × ratio / 100))."""
    excluded = Counter(e[3] for e in plan_pool.exclusions)
    return [
        StratumCount(
            stratum=row.stratum,
            pool=plan_pool.size(row.stratum),
            excluded=excluded.get(row.stratum, 0),
            ratio=row.ratio,
            target=verify.stratum_target(plan_pool.size(row.stratum), verify.ratio_text(row.ratio)),
        )
        for row in sorted(plan_pool.plan.strata.all(), key=lambda r: r.stratum)
    ]


def pool_preview(*, plan: SamplingPlan, as_of: dt.date) -> PoolPreview:
    """What a draw of `plan` as of `as_of` would draw from: each stratum's pool, excluded
    count, ratio and target, and the excluded by rule (the planner's page, before drawing)."""
    plan_pool = plan_pools(plans=[plan], as_of=as_of)[plan.pk]
    by_rule = Counter(e[4] for e in plan_pool.exclusions)
    return PoolPreview(
        plan=plan,
        as_of=as_of,
        strata=plan_targets(plan_pool),
        excluded_by_rule={r.value: by_rule.get(r.value, 0) for r in Rule},
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
    plan_pool = plan_pools(plans=[plan], as_of=as_of)[plan.pk]
    rows = sorted(
        (e for e in plan_pool.exclusions if rule is None or e[4] == rule), key=lambda e: e[1]
    )
    return [
        ExcludedEntity(enterprise_id=e[0], uscc=e[1], name=e[2], rule=e[4], until=e[5], detail=e[6])
        for e in rows[offset : offset + limit]
    ]


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
