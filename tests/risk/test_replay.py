"""A year of history replayed exactly (issue 16 §4): monthly nightly runs while facts are
appended between them (penalties, listings and removals, soft actions, a backdated penalty, a
serious listing, a deregistration, new registrations, a version and an industry model
published mid-year); then a replay of each run, as of its date with what it knew, reproduces
every stored assessment in force then (same version, class, score and values), and a fact
changed behind the runs' back is reported as not reproduced."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from enterprises.models import CreditRecord, Enterprise
from risk.models import Assessment, ClassificationRun
from risk.services.runs import run_now
from tests.enterprises.factories import EnterpriseFactory, Kind
from tests.risk.factories import INDICATORS, general_version, record, version_with

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 6)
FOOD = [
    {"code": "food_pen", "source": "ledger", "kinds": [Kind.PENALTY], "window_days": 365,
     "points_per_fact": 25, "max_points": 75},
    {"code": "food_soft", "source": "ledger", "kinds": [Kind.SOFT_ENFORCEMENT],
     "window_days": 180, "points_per_fact": 10},
]  # fmt: skip


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _month_of_facts(rnd: random.Random, firms: list[Enterprise], day: dt.date, month: int) -> None:
    """What the bureau records in a month (module docstring), recorded now."""

    def fact(firm: Enterprise, kind: str, occurred: dt.date, **more: Any) -> None:
        record(firm, kind, occurred, recorded_at=timezone.now(), **more)

    for firm in rnd.sample(firms, 6):
        kind = rnd.choice(
            [Kind.PENALTY, Kind.PENALTY, Kind.SOFT_ENFORCEMENT, Kind.ABNORMAL_LISTING]
        )
        if firm.registered_on <= day:
            fact(firm, kind, day - dt.timedelta(days=rnd.randint(0, 20)))
    # Removals of some listings in force.
    for listing in CreditRecord.objects.filter(kind=Kind.ABNORMAL_LISTING, closed_by__isnull=True):
        if rnd.random() < 0.4:
            fact(listing.enterprise, Kind.ABNORMAL_REMOVAL, day, closes=listing)
    if month == 3:  # decided in January, recorded only now: later runs count it, earlier not
        fact(firms[0], Kind.PENALTY, START + dt.timedelta(days=10))
    if month == 5:
        fact(firms[1], Kind.SERIOUS_LISTING, day)
    if month == 8:
        fact(firms[2], Kind.STATUS_CHANGE, day, details={"status": "deregistered"})


def test_a_year_of_history_is_replayed_exactly() -> None:
    rnd = random.Random(16)
    with time_machine.travel(at(START, 9), tick=False) as clock:
        general_version(published_at=at(START, 8))
        firms = [
            EnterpriseFactory(
                registered_on=START - dt.timedelta(days=rnd.randint(30, 3000)),
                industry_section=rnd.choice(["F", "H"]),
                industry_division=rnd.choice(["52", "62"]),
            )
            for _ in range(14)
        ]
        # Two registered during the year: new entities when first classified.
        firms += [
            EnterpriseFactory(registered_on=START + dt.timedelta(days=40)),
            EnterpriseFactory(registered_on=START + dt.timedelta(days=200)),
        ]
        runs: list[ClassificationRun] = []
        for month in range(13):
            day = START + dt.timedelta(days=30 * month)
            clock.move_to(at(day, 1))
            if month:
                _month_of_facts(rnd, firms, day, month)
            if month == 6:  # a new version and an industry model, published mid-year
                general_version(
                    weights={item["code"]: 20 for item in INDICATORS},
                    published_at=at(day, 1),
                    number=2,
                )
                version_with(FOOD, model="food", divisions=["62"], published_at=at(day, 1))
            clock.move_to(at(day, 2))
            run = run_now(reason="nightly")
            assert run.status == "done", run.message
            runs.append(run)
        clock.move_to(at(START + dt.timedelta(days=400), 12))
        written = Assessment.objects.count()
        assert written > 40  # the history moved
        assert {
            a.version.model.code for a in Assessment.objects.select_related("version__model")
        } == {
            "general",
            "food",
        }
        for run in runs:
            replay = run_now(reason="replay", as_of=run.as_of, knowledge_at=run.knowledge_at)
            assert replay.status == "done", replay.message
            assert (replay.classified, replay.matched, replay.mismatched) == (
                run.classified,
                run.classified,
                0,
            ), run.as_of
            assert replay.transitions == {f"{c}>{c}": n for c, n in _classes_of(run).items()}, (
                run.as_of
            )
        assert Assessment.objects.count() == written  # replays write nothing
        # A fact changed behind the runs' back (written as if known at the time) is found.
        target = runs[4]
        firm = Enterprise.objects.get(pk=firms[5].pk)
        record(
            firm,
            Kind.PENALTY,
            target.as_of - dt.timedelta(days=3),
            recorded_at=target.knowledge_at - dt.timedelta(hours=5),
        )
        replay = run_now(reason="replay", as_of=target.as_of, knowledge_at=target.knowledge_at)
        assert (replay.matched, replay.mismatched) == (target.classified - 1, 1)
        earlier = runs[3]
        replay = run_now(reason="replay", as_of=earlier.as_of, knowledge_at=earlier.knowledge_at)
        assert replay.mismatched == 0  # dated after that run's day: not part of its history


def _classes_of(run: ClassificationRun) -> dict[str, int]:
    """The computed classes in force after `run`: its own counts give the classes in effect;
    no override was set, so they are the computed ones."""
    counts: dict[str, int] = {}
    for key, n in run.transitions.items():
        after = key.split(">")[1]
        if after != "-":
            counts[after] = counts.get(after, 0) + n
    return counts


def test_a_replay_as_of_a_day_uses_the_end_of_that_day_for_what_was_known() -> None:
    with time_machine.travel(at(START, 9), tick=False) as clock:
        general_version(published_at=at(START - dt.timedelta(days=10), 8))
        firm = EnterpriseFactory(registered_on=START - dt.timedelta(days=2000))
        clock.move_to(at(START + dt.timedelta(days=1), 23))
        record(firm, Kind.PENALTY, START)  # recorded the next day: unknown at the end of START
        clock.move_to(at(START + dt.timedelta(days=5), 9))
        replay: Any = run_now(reason="replay", as_of=START)
        assert replay.knowledge_at == at(START + dt.timedelta(days=1), 0) - dt.timedelta(
            microseconds=1
        )
        assert replay.transitions == {"->A": 1}
        assert (replay.matched, replay.mismatched) == (0, 1)  # nothing was stored then
