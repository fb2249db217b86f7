"""Incremental runs (risk.engine, "incremental runs"): a nightly run after a done one computes
only the enterprises whose assessment could have changed, and leaves the register exactly as a
run computing everyone would: after every run of a random history (new and backdated facts,
closings, facts leaving their window, anniversaries, registrations, deregistrations, register
edits moving an enterprise to another model, overrides set and ended), every enterprise's
current row is what the engine computes for it, and the run's counts are a full run's."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from enterprises.models import Enterprise
from risk import engine
from risk.models import ClassificationRun, ClassOverride, CurrentClass
from risk.services.runs import run_now
from tests.enterprises.factories import EnterpriseFactory, Kind
from tests.risk.factories import INDICATORS, general_version, record, version_with

pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")
START = dt.date(2025, 3, 3)
NIGHTS = [0, 1, 6, 30, 31, 95, 180, 364, 365, 400]
FOOD = [
    {"code": "food_pen", "source": "ledger", "kinds": [Kind.PENALTY], "window_days": 365,
     "points_per_fact": 25, "max_points": 75},
    {"code": "food_age", "source": "register", "register_field": "age_years",
     "bands": [[0, 2, 10], [2, None, 0]]},
]  # fmt: skip


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CST)


def _history(rnd: random.Random, firms: list[Enterprise]) -> None:
    """Facts known before the first run, some about to leave their window."""
    for firm in firms:
        for _ in range(rnd.randint(0, 4)):
            kind = rnd.choice([Kind.PENALTY, Kind.SOFT_ENFORCEMENT, Kind.ABNORMAL_LISTING])
            day = START - dt.timedelta(days=rnd.choice([300, 360, 364, 700, 1090, 1094, 1200]))
            fact = record(firm, kind, day, recorded_at=at(day, 10))
            if kind == Kind.ABNORMAL_LISTING and rnd.random() < 0.5:
                removed = day + dt.timedelta(days=rnd.randint(10, 400))
                if removed < START:
                    record(
                        firm,
                        Kind.ABNORMAL_REMOVAL,
                        removed,
                        recorded_at=at(removed, 10),
                        closes=fact,
                    )


def _night(rnd: random.Random, firms: list[Enterprise], day: dt.date, officer: Any) -> None:
    """What the day brings, recorded now."""
    for firm in rnd.sample(firms, 4):
        kind = rnd.choice([Kind.PENALTY, Kind.SOFT_ENFORCEMENT, Kind.ABNORMAL_LISTING])
        record(firm, kind, day - dt.timedelta(days=rnd.choice([0, 0, 3, 200, 1000])))
    listings = [r for f in firms for r in f.credit_records.filter(kind=Kind.ABNORMAL_LISTING)]
    for listing in listings:
        if not hasattr(listing, "closed_by") and rnd.random() < 0.3:
            record(listing.enterprise, Kind.ABNORMAL_REMOVAL, day, closes=listing)
    edited = rnd.choice(firms)
    edited.industry_division = "62" if edited.industry_division != "62" else "52"
    edited.save()
    if rnd.random() < 0.4:
        record(rnd.choice(firms), Kind.STATUS_CHANGE, day, details={"status": "deregistered"})
    firm = rnd.choice(firms)
    opened = ClassOverride.objects.filter(enterprise=firm, ended_on__isnull=True).first()
    if opened is not None:
        ClassOverride.objects.filter(pk=opened.pk).update(ended_on=day)
    else:
        ClassOverride.objects.create(
            enterprise=firm,
            risk_class=rnd.choice("ABCD"),
            reason="test",
            starts_on=(starts := day + dt.timedelta(days=rnd.choice([0, 2]))),
            expires_on=starts + dt.timedelta(days=rnd.choice([0, 5, 60])),
            created_by=officer,
        )


def _as_computed(run: ClassificationRun, firms: list[Enterprise]) -> None:
    """Every enterprise's current row is what the engine computes for it now."""
    for firm in firms:
        evaluation = engine.evaluate(firm.pk, as_of=run.as_of, knowledge_at=run.knowledge_at)
        row = CurrentClass.objects.filter(enterprise_id=firm.pk).first()
        if evaluation is None:
            assert row is None, (run.as_of, firm.pk)
            continue
        assert row is not None, (run.as_of, firm.pk)
        got = (row.version_id, row.computed_class, row.score, row.values)
        expected = (
            evaluation.version.pk,
            evaluation.risk_class,
            evaluation.score,
            evaluation.values,
        )
        assert got == expected, (run.as_of, firm.pk)
        override = ClassOverride.objects.filter(
            enterprise_id=firm.pk,
            ended_on__isnull=True,
            starts_on__lte=run.as_of,
            expires_on__gte=run.as_of,
        ).first()
        assert row.risk_class == (override.risk_class if override else evaluation.risk_class)


def test_incremental_runs_leave_every_enterprise_as_a_full_run_would(user_with_perms: Any) -> None:
    rnd = random.Random(1616)
    officer = user_with_perms()
    with time_machine.travel(at(START - dt.timedelta(days=1), 9), tick=False) as clock:
        general_version(published_at=at(START - dt.timedelta(days=2000), 9))
        version_with(
            FOOD,
            model="food",
            divisions=["62"],
            hard_rules={"new_entity_days": 200},
            published_at=at(START - dt.timedelta(days=2000), 9),
        )
        firms = [
            EnterpriseFactory(
                registered_on=START
                - dt.timedelta(
                    days=rnd.choice([365, 366, 700, 729, 731, 1000]) + rnd.randint(-40, 40)
                ),
                industry_division=rnd.choice(["52", "62"]),
                industry_section="H",
            )
            for _ in range(30)
        ] + [EnterpriseFactory(registered_on=START + dt.timedelta(days=n)) for n in (3, 40, 200)]
        _history(rnd, firms)
        # New entities of the food model (200 days, no facts), no longer new during the history.
        firms += [
            EnterpriseFactory(registered_on=START - dt.timedelta(days=n), industry_division="62")
            for n in (170, 195, 199)
        ]
        incremental = 0
        for n in NIGHTS:
            day = START + dt.timedelta(days=n)
            clock.move_to(at(day, 1))
            if n:
                _night(rnd, firms, day, officer)
            clock.move_to(at(day, 2))
            run = run_now(reason="nightly", chunk_size=7)
            assert run.status == "done", run.message
            incremental += engine.run_since(run) is not None
            _as_computed(run, firms)
            # The counts are a full run's.
            rows = CurrentClass.objects.all()
            assert run.classified == rows.count()
            assert sum(run.summary["by_class"].values()) == rows.count()
            assert sum(n for key, n in run.transitions.items() if not key.endswith("-")) == (
                rows.count()
            )
            for risk_class in "ABCD":
                assert run.summary["by_class"].get(risk_class, 0) == (
                    rows.filter(risk_class=risk_class).count()
                )
        assert incremental == len(NIGHTS) - 1  # all but the first


def test_a_forced_run_or_another_version_computes_everyone() -> None:
    now = timezone.now()
    general_version(published_at=now - dt.timedelta(days=30))
    firms = [EnterpriseFactory(registered_on=timezone.localdate() - dt.timedelta(days=2000))]
    first = run_now(reason="nightly")
    assert engine.run_since(first) is None
    again = run_now(reason="manual")
    assert engine.run_since(again) == {
        "run": first.pk,
        "as_of": first.as_of.isoformat(),
        "knowledge_at": first.knowledge_at.isoformat(),
    }
    forced = run_now(reason="manual", force=True)
    assert engine.run_since(forced) is None and forced.assessments == 1
    general_version(
        weights={item["code"]: 20 for item in INDICATORS}, published_at=timezone.now(), number=2
    )
    record(firms[0], Kind.PENALTY, timezone.localdate())
    later = run_now(reason="manual")
    assert engine.run_since(later) is None
    assert CurrentClass.objects.get().score == Decimal("30.0")
