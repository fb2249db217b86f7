"""The classification of the demo district (`risk.demo`, run by `seed_demo`): sixteen
indicators in the five families, the general, food and special-equipment models with their
versions, a year of monthly runs that replays reproduce, classes for every classified
enterprise and none for individual businesses."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from credit_portal.demo import demo_steps
from enterprises.models import Enterprise
from risk import rules
from risk.demo import (
    COMPLAINTS,
    INDICATORS,
    demo_year,
    knowledge_instant,
    risk_demo_build,
    run_dates,
)
from risk.models import (
    Assessment,
    ClassChangeTask,
    ClassificationRun,
    ClassOverride,
    CurrentClass,
    Indicator,
    ModelVersion,
    ScoringModel,
)
from risk.services.models import indicator_problems
from risk.services.runs import run_now

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 7)
ENTITIES = 600
FOOD = {"13", "14", "15", "62"}
EQUIPMENT = {"34", "35", "43"}


@pytest.fixture(autouse=True)
def _clock():
    # The clock ticks: the facts later steps record (the inspections step runs after this one)
    # come after the last run's knowledge instant, as they would, so a replay leaves them out.
    moment = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield


def seed_demo() -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--enterprises",
        str(ENTITIES),
        "--seed",
        "7",
        "--as-of",
        str(AS_OF),
        stdout=out,
    )
    return out.getvalue()


def test_the_step_is_registered_after_the_steps_that_write_the_ledger():
    steps = demo_steps()
    names = [s.name for s in steps]
    assert ("risk", "risk.demo.risk_demo_build") in [(s.name, s.func) for s in steps]
    # After the register's history and the year's cases; only the inspections step comes
    # later among the domain steps (it draws by class, so it needs the classes), then issue
    # 18's, which read what the others wrote.
    assert {"remediation", "directory", "annual_reports"} <= set(names[: names.index("risk")])
    assert names[names.index("risk") + 1 :] == [
        "inspections",
        "questions",
        "standing",
        "station",
        "dashboard",
    ]


def test_the_run_dates_and_their_knowledge():
    assert demo_year(AS_OF) == (dt.date(2025, 12, 1), dt.date(2026, 6, 1))
    assert run_dates(AS_OF) == [
        dt.date(2025, 12, 31),
        *(dt.date(2026, m, d) for m, d in [(1, 31), (2, 28), (3, 31), (4, 30), (5, 31)]),
        *(dt.date(2026, m, d) for m, d in [(6, 30), (7, 31), (8, 31), (9, 30), (10, 31)]),
        dt.date(2026, 11, 30),
        AS_OF,
    ]
    now = dt.datetime(2026, 12, 7, 4, tzinfo=dt.UTC)
    # The night after the date, 02:00 China time: the facts recorded at 10:00 that day known.
    assert knowledge_instant(dt.date(2026, 1, 31), now) == dt.datetime(
        2026, 1, 31, 18, tzinfo=dt.UTC
    )
    assert knowledge_instant(AS_OF, now) == now


def test_the_demo_classifies_the_district_with_a_year_of_history():
    out = seed_demo()
    assert "classification: indicators 16, versions 5, published 4, runs 13" in out
    # Indicators in the five families, each with its basis; the complaints one in the what-if
    # draft only; the inspections one counts problems found, never a clean result.
    assert Indicator.objects.count() == len(INDICATORS) == 16
    assert set(Indicator.objects.values_list("family", flat=True)) == set(Indicator.Family.values)
    assert all(i.basis.startswith("docs/domain.md §1") for i in Indicator.objects.all())
    assert not any(indicator_problems(i) for i in Indicator.objects.all())
    assert Indicator.objects.get(code="inspections_1y").kinds == ["inspection_finding"]
    complaints = Indicator.objects.get(code=COMPLAINTS)
    assert complaints.kinds == ["complaint"]
    assert set(
        ModelVersion.objects.filter(entries__indicator=complaints).values_list("status", flat=True)
    ) == {"draft"}
    for version in ModelVersion.objects.filter(status="published"):
        assert COMPLAINTS not in [i["code"] for i in version.definition["indicators"]]
    # The models and their versions.
    models = {m.code: m for m in ScoringModel.objects.all()}
    assert set(models) == {"general", "food", "special_equipment"}
    assert set(models["food"].industry_divisions) == FOOD
    assert set(models["special_equipment"].industry_divisions) == EQUIPMENT
    versions = Counter(
        (v.model.code, v.status) for v in ModelVersion.objects.select_related("model")
    )
    assert versions == {
        ("general", "published"): 2,
        ("general", "draft"): 1,
        ("food", "published"): 1,
        ("special_equipment", "published"): 1,
    }
    v1, v2 = ModelVersion.objects.filter(model__code="general", status="published").order_by(
        "number"
    )
    assert v1.published_at is not None and v1.published_at.date() == dt.date(2025, 12, 1)
    assert v2.published_at is not None and v2.published_at.date() == dt.date(2026, 6, 1)
    food = ModelVersion.objects.get(model__code="food")
    weights = {i["code"]: i["weight"] for i in food.definition["indicators"]}
    general = {i["code"]: i["weight"] for i in v1.definition["indicators"]}
    assert set(weights) == set(general)  # the general model's indicators, reweighed
    assert weights["penalties_3y"] > general["penalties_3y"]
    # Thirteen nightly runs, each done, with its knowledge instant.
    runs = list(ClassificationRun.objects.order_by("as_of"))
    assert [r.as_of for r in runs] == run_dates(AS_OF)
    assert {r.status for r in runs} == {"done"} and {r.reason for r in runs} == {"nightly"}
    assert runs[0].knowledge_at == knowledge_instant(runs[0].as_of, runs[-1].knowledge_at)
    assert all(r.summary.get("by_class") for r in runs)
    # The version in force: v1 until June, v2 from then on.
    early = Assessment.objects.filter(run=runs[5], version__model__code="general")
    late = Assessment.objects.filter(run=runs[6], version__model__code="general")
    assert early.exists() and {a.version_id for a in early} == {v1.pk}
    assert late.exists() and {a.version_id for a in late} == {v2.pk}  # reweighed: every score
    # The hard rules at work: the abnormal directory raises to C, new entities are B.
    assert {"abnormal", "new_entity"} <= set(Assessment.objects.values_list("hard_rule", flat=True))
    # Every classified enterprise has a class; individual businesses none.
    classified = set(
        Enterprise.objects.filter(
            entity_type__in=rules.classified_types(),
            registered_on__lte=AS_OF,
            status__in=rules.CLASSIFIED_STATUSES,
        ).values_list("pk", flat=True)
    )
    current = {
        c.enterprise_id: c
        for c in CurrentClass.objects.select_related("enterprise", "version__model")
    }
    assert classified and set(current) == classified
    individual = Enterprise.EntityType.INDIVIDUAL_BUSINESS
    assert Enterprise.objects.filter(entity_type=individual).exists()
    assert not CurrentClass.objects.filter(enterprise__entity_type=individual).exists()
    assert not Assessment.objects.filter(enterprise__entity_type=individual).exists()
    # Industry models for their divisions.
    for row in current.values():
        division = row.enterprise.industry_division
        expected = (
            "food"
            if division in FOOD
            else "special_equipment"
            if division in EQUIPMENT
            else "general"
        )
        assert row.version.model.code == expected, row.enterprise_id
    # Every class, some tasks (some acknowledged), two overrides: the pages have something.
    assert set(CurrentClass.objects.values_list("computed_class", flat=True)) == set(rules.CLASSES)
    assert ClassChangeTask.objects.filter(done_at__isnull=False).exists()
    assert ClassOverride.objects.filter(ended_on__isnull=True).count() == 2
    moved = [k for r in runs[1:] for k, n in r.transitions.items() if n and k[0] != k[-1]]
    assert moved  # classes moved during the year
    # A second build adds nothing.
    before = (
        Assessment.objects.count(),
        ClassificationRun.objects.count(),
        ModelVersion.objects.count(),
    )
    stream = io.StringIO()
    again = risk_demo_build(as_of=AS_OF, stdout=stream)
    assert not any(again.counts.values())
    assert stream.getvalue().strip() == "classification: already there"
    assert before == (
        Assessment.objects.count(),
        ClassificationRun.objects.count(),
        ModelVersion.objects.count(),
    )


def test_replays_of_the_demo_runs_reproduce_them():
    seed_demo()
    for run in ClassificationRun.objects.filter(reason="nightly").order_by("as_of")[::4]:
        replay = run_now(reason="replay", as_of=run.as_of, knowledge_at=run.knowledge_at)
        assert replay.status == "done", replay.message
        assert replay.mismatched == 0, run.as_of
        assert replay.matched == run.classified, run.as_of
