"""The rule is written twice (`risk.engine` in SQL, `risk.explain` in Python): on many random
enterprises with random facts (kinds, dates, closings, instants recorded, status changes), the
SQL assessment equals the Python one, on both vendors (docs in risk.explain)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.utils import timezone

from enterprises.models import CreditRecord, Enterprise
from risk import engine, explain
from tests.enterprises.factories import EnterpriseFactory, Kind
from tests.risk.factories import record, version_with

pytestmark = pytest.mark.django_db

GENERAL = [
    {"code": "abn", "source": "ledger", "kinds": [Kind.ABNORMAL_LISTING], "in_force_only": True,
     "points_per_fact": 30, "max_points": 30},
    {"code": "pen", "source": "ledger", "kinds": [Kind.PENALTY], "window_days": 1095,
     "points_per_fact": 15, "max_points": 45},
    {"code": "soft", "source": "ledger", "kinds": [Kind.SOFT_ENFORCEMENT], "window_days": 365,
     "points_per_fact": 5},
    {"code": "lighter", "source": "ledger", "kinds": [Kind.REPAIR, Kind.SELF_CORRECTION],
     "window_days": 730, "points_per_fact": -5, "max_points": 10},
    {"code": "type", "source": "register", "register_field": "entity_type",
     "mapping": {"branch": 3, "partnership": 5}, "family": "basic", "nature": "static"},
    {"code": "state", "source": "register", "register_field": "status",
     "mapping": {"suspended": 20}, "family": "basic"},
    {"code": "age", "source": "register", "register_field": "age_years",
     "bands": [[0, 1, 10], [1, 3, 5], [3, None, 0]], "family": "basic", "nature": "static"},
    {"code": "capital", "source": "register", "register_field": "registered_capital",
     "bands": [[0, 10, 8], [10, 1000, 2], [1000, None, 0]], "family": "basic"},
    {"code": "section", "source": "register", "register_field": "industry_section",
     "mapping": {"C": 4, "F": -2}, "family": "basic"},
]  # fmt: skip
FOOD = [
    {"code": "pen", "source": "ledger", "kinds": [Kind.PENALTY], "window_days": 1095,
     "points_per_fact": 15, "max_points": 45},
    {"code": "inspections", "source": "ledger", "kinds": [Kind.INSPECTION_RESULT],
     "window_days": 365, "points_per_fact": 10, "max_points": 40},
    {"code": "ser_all", "source": "ledger", "kinds": [Kind.SERIOUS_LISTING], "points_per_fact": 50},
]  # fmt: skip
CLOSERS = {
    Kind.ABNORMAL_LISTING: Kind.ABNORMAL_REMOVAL,
    Kind.SERIOUS_LISTING: Kind.SERIOUS_REMOVAL,
    Kind.PENALTY: Kind.REPAIR,
    Kind.SOFT_ENFORCEMENT: Kind.CORRECTION,
}
FACT_KINDS = [
    Kind.PENALTY,
    Kind.PENALTY,
    Kind.ABNORMAL_LISTING,
    Kind.SERIOUS_LISTING,
    Kind.SOFT_ENFORCEMENT,
    Kind.SELF_CORRECTION,
    Kind.SELF_CORRECTION,
    Kind.SELF_CORRECTION,
    Kind.INSPECTION_RESULT,
    Kind.STATUS_CHANGE,
    Kind.REGISTRATION,
]
TYPES = [t.value for t in Enterprise.EntityType]
STATUSES = ["operating", "suspended", "deregistered", "revoked", "moved_out"]


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _random_enterprise(rnd: random.Random, today: dt.date) -> Enterprise:
    registered = today - dt.timedelta(days=rnd.randint(-20, 6 * 365))
    if rnd.random() < 0.05:
        registered = dt.date(2024, 2, 29)
    capital = rnd.choice([None, 0, 5, "9.9999", 10, 250, "999.5", 1000, 50000])
    return EnterpriseFactory(
        entity_type=rnd.choice(TYPES),
        industry_section=rnd.choice(["C", "F", "H"]),
        industry_division=rnd.choice(["14", "15", "52", "62"]),
        registered_on=registered,
        registered_capital=capital,
        division=rnd.choice(["东升街道", "西航港街道", "黄甲街道"]),
    )


def _random_facts(rnd: random.Random, enterprise: Enterprise, today: dt.date) -> None:
    for _ in range(rnd.randint(0, 9)):
        kind = rnd.choice(FACT_KINDS)
        occurred = today - dt.timedelta(days=rnd.randint(-15, 5 * 365))
        recorded = _moment(occurred) + dt.timedelta(days=rnd.choice([0, 0, 1, 30, 90]))
        details: dict[str, Any] = {}
        if kind == Kind.STATUS_CHANGE:
            status = rnd.choice(STATUSES)
            details = {"status": status}
            if status == "suspended":
                until = occurred + dt.timedelta(days=rnd.randint(10, 400))
                details.update({"from": occurred.isoformat(), "until": until.isoformat()})
        elif kind == Kind.REGISTRATION:
            details = {"entity_type": enterprise.entity_type}
        fact = record(enterprise, kind, occurred, recorded_at=recorded, details=details)
        if kind in CLOSERS and rnd.random() < 0.5:
            closed_on = occurred + dt.timedelta(days=rnd.randint(0, 500))
            record(
                enterprise,
                CLOSERS[kind],
                closed_on,
                recorded_at=_moment(closed_on) + dt.timedelta(days=rnd.choice([0, 2, 40])),
                closes=fact,
            )


def _python(enterprise: Enterprise, definitions: list[Any], as_of: dt.date, at: dt.datetime) -> Any:
    records = list(CreditRecord.objects.filter(enterprise=enterprise))
    return explain.assess(enterprise, records, definitions, as_of=as_of, knowledge_at=at)


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_and_python_agree_on_random_enterprises(seed: int) -> None:
    rnd = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    year_ago = now - dt.timedelta(days=365)
    weights = {item["code"]: rnd.randint(0, 30) for item in GENERAL}
    first = version_with(GENERAL, weights=weights, published_at=now - dt.timedelta(days=800))
    version_with(
        GENERAL,
        weights={code: rnd.randint(0, 30) for code in weights},
        published_at=now - dt.timedelta(days=100),
        hard_rules={"new_entity_days": 200},
    )
    version_with(
        FOOD,
        model="food",
        divisions=["14", "15"],
        weights={"pen": 20, "inspections": 15, "ser_all": 10},
        bands=[("A", 0, 150), ("B", 150, 400), ("C", 400, 900), ("D", 900, None)],
        hard_rules={"new_entity_b": False, "abnormal_min_c": False},
        published_at=now - dt.timedelta(days=500),
    )
    enterprises = [_random_enterprise(rnd, today) for _ in range(45)]
    for enterprise in enterprises:
        _random_facts(rnd, enterprise, today)
    checked = classified = 0
    for as_of, at in [
        (today, now),
        (today - dt.timedelta(days=200), now),
        (today - dt.timedelta(days=200), year_ago + dt.timedelta(days=165)),
        (year_ago.date(), year_ago),
    ]:
        definitions = [v.definition for v in engine.versions_in_force(at)]
        for enterprise in enterprises:
            sql = engine.evaluate(enterprise.pk, as_of=as_of, knowledge_at=at)
            python = _python(enterprise, definitions, as_of, at)
            checked += 1
            if python is None:
                assert sql is None, (enterprise.pk, as_of, at)
                continue
            classified += 1
            assert sql is not None, (enterprise.pk, as_of, at)
            got = (sql.version.pk, sql.values, sql.inputs, sql.score, sql.risk_class, sql.hard_rule)
            expected = (
                python.definition["version_id"],
                python.values,
                python.inputs,
                python.score,
                python.risk_class,
                python.hard_rule,
            )
            assert got == expected, (enterprise.pk, as_of, at)
            # The arithmetic of a stored assessment (values and inputs) gives it back.
            assert explain.score_of(python.definition, sql.values, sql.inputs, as_of=as_of) == (
                sql.score,
                sql.risk_class,
                sql.hard_rule,
            )
    assert checked == 180
    assert 60 < classified < 170  # the random register holds both kinds
    # A version chosen for a what-if scores the enterprises in its scope only.
    for enterprise in enterprises[:10]:
        sql = engine.evaluate(enterprise.pk, as_of=today, knowledge_at=now, version=first)
        python = _python(enterprise, [first.definition], today, now)
        in_scope = enterprise.industry_division not in ("14", "15")
        if python is None or not in_scope:
            assert sql is None
        else:
            assert sql is not None
            assert (sql.values, sql.score, sql.risk_class) == (
                python.values,
                python.score,
                python.risk_class,
            )
