"""The engine (risk.engine) through its SQL and the runs that apply it: the arithmetic and the
hard rules, windows and facts in force, the knowledge cutoff, who is classified, model
selection and the versions in force, writes only where something changed, the current class
of an entity that leaves, overrides, tasks on sensing, transitions and class counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from credit_portal.models import Department
from credit_portal.workdays import add_working_days
from enterprises.models import Enterprise
from risk import engine, rules
from risk.models import Assessment, ClassChangeTask, ClassOverride, CurrentClass
from risk.services.runs import run_now
from tests.enterprises.factories import EnterpriseFactory, Kind
from tests.risk.factories import INDICATORS, general_version, record, version_with

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def evaluate(enterprise: Enterprise, **kwargs: Any) -> engine.Evaluation | None:
    kwargs.setdefault("as_of", today())
    kwargs.setdefault("knowledge_at", timezone.now())
    return engine.evaluate(enterprise.pk, **kwargs)


def classify(**kwargs: Any) -> Any:
    run = run_now(reason=kwargs.pop("reason", "manual"), **kwargs)
    assert run.status == "done", run.message
    return run


def current(enterprise: Enterprise) -> CurrentClass | None:
    return CurrentClass.objects.filter(enterprise=enterprise).first()


def penalties(enterprise: Enterprise, *days_ago: int, known_since: bool = False) -> None:
    """Penalties decided so many days ago, recorded now (or, `known_since`, on their day)."""
    for days in days_ago:
        at = timezone.now() - days * DAY if known_since else None
        record(enterprise, Kind.PENALTY, today() - days * DAY, recorded_at=at)


# --------------------------------------------------------------------------- arithmetic


def test_score_is_capped_points_times_weight_and_its_band_gives_the_class() -> None:
    general_version(weights={"penalties_3y": 20, "soft_actions_1y": 10, "age": 10})
    enterprise = EnterpriseFactory(registered_on=today() - 10 * 365 * DAY)
    penalties(enterprise, 10, 100, 400, 700)  # 4 × 15 = 60, capped at 45, × 2.0 = 90 points
    record(enterprise, Kind.SOFT_ENFORCEMENT, today() - 5 * DAY)  # 5 points
    evaluation = evaluate(enterprise)
    assert evaluation is not None
    assert evaluation.values == [0, 4, 1]  # age (register points), penalties, soft actions
    assert (evaluation.score, evaluation.risk_class, evaluation.hard_rule) == (
        Decimal("95.0"),
        "D",
        "",
    )
    one = EnterpriseFactory(registered_on=today() - 10 * 365 * DAY)
    penalties(one, 3)
    evaluation = evaluate(one)
    assert evaluation is not None
    assert (evaluation.score, evaluation.risk_class) == (Decimal("30.0"), "B")  # 20 ≤ 30 < 50


def test_negative_points_lighten_but_a_score_is_never_below_zero() -> None:
    version_with(
        [
            {"code": "pen", "source": "ledger", "kinds": [Kind.PENALTY], "points_per_fact": 15},
            {
                "code": "fix",
                "source": "ledger",
                "kinds": [Kind.SELF_CORRECTION],
                "points_per_fact": -10,
                "max_points": 15,
            },
        ]
    )
    enterprise = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    penalties(enterprise, 20)
    for days in (1, 2, 3):
        record(enterprise, Kind.SELF_CORRECTION, today() - days * DAY)
    evaluation = evaluate(enterprise)
    assert evaluation is not None
    assert evaluation.values == [3, 1]
    assert evaluation.score == Decimal("0.0")  # 15 - min(30, 15) = 0
    record(enterprise, Kind.PENALTY, today())
    evaluation = evaluate(enterprise)
    assert evaluation is not None
    assert evaluation.score == Decimal("15.0")  # 30 - 15


def test_register_indicators_map_choices_and_bands() -> None:
    version_with(
        [
            {
                "code": "type",
                "source": "register",
                "register_field": "entity_type",
                "mapping": {"branch": 30},
            },
            {
                "code": "capital",
                "source": "register",
                "register_field": "registered_capital",
                "bands": [[0, 10, 40], [10, None, 0]],
            },
            {
                "code": "age",
                "source": "register",
                "register_field": "age_years",
                "bands": [[0, 3, 25], [3, None, 0]],
            },
        ]
    )
    old = today() - 4000 * DAY
    branch = EnterpriseFactory(entity_type="branch", registered_capital=5, registered_on=old)
    company = EnterpriseFactory(registered_capital=None, registered_on=old)
    young = EnterpriseFactory(
        registered_capital=10, registered_on=today().replace(year=today().year - 2)
    )
    got = {e.pk: evaluate(e) for e in (branch, company, young)}
    assert got[branch.pk] is not None and got[branch.pk].values == [0, 40, 30]  # type: ignore[union-attr]
    assert got[branch.pk].score == Decimal("70.0")  # type: ignore[union-attr]
    assert got[company.pk].values == [0, 0, 0]  # type: ignore[union-attr]  # no capital: no band
    assert got[company.pk].inputs["registered_capital"] is None  # type: ignore[union-attr]
    assert got[young.pk].values == [25, 0, 0]  # type: ignore[union-attr]
    assert got[young.pk].inputs["age_years"] == 2  # type: ignore[union-attr]


# --------------------------------------------------------------------------- hard rules


def test_hard_rules_serious_list_abnormal_directory_and_new_entity() -> None:
    general_version()
    old = today() - 3000 * DAY
    serious = EnterpriseFactory(registered_on=old)
    record(serious, Kind.SERIOUS_LISTING, today() - 30 * DAY)
    abnormal = EnterpriseFactory(registered_on=old)
    record(abnormal, Kind.ABNORMAL_LISTING, today() - 30 * DAY)  # 30 points: B, raised to C
    abnormal_high = EnterpriseFactory(registered_on=old)
    record(abnormal_high, Kind.ABNORMAL_LISTING, today() - 30 * DAY)
    penalties(abnormal_high, 1, 2, 3)  # 30 + 45 = 75 points: C already
    new = EnterpriseFactory(registered_on=today() - 100 * DAY)  # 10 points (age): A → B
    new_with_fact = EnterpriseFactory(registered_on=today() - 100 * DAY)
    record(new_with_fact, Kind.SOFT_ENFORCEMENT, today() - 3 * DAY)  # 15 points: A, has history
    got = {
        name: evaluate(e)
        for name, e in {
            "serious": serious,
            "abnormal": abnormal,
            "abnormal_high": abnormal_high,
            "new": new,
            "new_with_fact": new_with_fact,
        }.items()
    }
    found = {name: (e.risk_class, e.hard_rule) for name, e in got.items() if e is not None}
    assert found == {
        "serious": ("D", "serious"),
        "abnormal": ("C", "abnormal"),
        "abnormal_high": ("C", ""),
        "new": ("B", "new_entity"),
        "new_with_fact": ("A", ""),
    }
    assert got["serious"].inputs["serious"] is True  # type: ignore[union-attr]
    assert got["abnormal"].inputs["abnormal"] is True  # type: ignore[union-attr]


def test_hard_rules_turned_off_in_a_version_do_not_apply() -> None:
    version_with(
        INDICATORS,
        hard_rules={"serious_d": False, "abnormal_min_c": False, "new_entity_b": False},
    )
    serious = EnterpriseFactory(registered_on=today() - 100 * DAY)
    record(serious, Kind.SERIOUS_LISTING, today() - 30 * DAY)
    new = EnterpriseFactory(registered_on=today() - 100 * DAY)
    assert (evaluate(serious).risk_class, evaluate(serious).hard_rule) == ("A", "")  # type: ignore[union-attr]
    assert (evaluate(new).risk_class, evaluate(new).hard_rule) == ("A", "")  # type: ignore[union-attr]


# --------------------------------------------------------------------------- facts that count


def test_window_counts_facts_after_the_day_it_starts_and_ends_them_on_their_day() -> None:
    general_version()
    enterprise = EnterpriseFactory(registered_on=today() - 4000 * DAY)
    penalties(enterprise, 1095, 1094, 0)  # the 3-year window: 1094 days ago counts, 1095 not
    record(enterprise, Kind.PENALTY, today() + DAY, recorded_at=timezone.now())  # not yet
    evaluation = evaluate(enterprise)
    assert evaluation is not None and evaluation.values[2] == 2
    earlier = evaluate(enterprise, as_of=today() - DAY)
    assert earlier is not None and earlier.values[2] == 2  # 1095 days ago counted then, today's not


def test_a_fact_in_force_stops_counting_when_a_record_closes_it() -> None:
    general_version()
    enterprise = EnterpriseFactory(registered_on=today() - 4000 * DAY)
    listing = record(enterprise, Kind.ABNORMAL_LISTING, today() - 100 * DAY)
    record(enterprise, Kind.ABNORMAL_REMOVAL, today() - 10 * DAY, closes=listing)
    assert evaluate(enterprise).values[0] == 0  # type: ignore[union-attr]
    assert evaluate(enterprise).inputs["abnormal"] is False  # type: ignore[union-attr]
    # Before the removal's date it was in force.
    before = evaluate(enterprise, as_of=today() - 11 * DAY)
    assert before is not None and (before.values[0], before.inputs["abnormal"]) == (1, True)


def test_knowledge_cutoff_ignores_facts_recorded_later_and_a_later_run_counts_backdated_ones() -> (
    None
):
    general_version(published_at=timezone.now() - 30 * DAY)
    enterprise = EnterpriseFactory(registered_on=today() - 4000 * DAY)
    penalties(enterprise, 50, known_since=True)
    t1 = timezone.now() - 2 * DAY
    # Decided 20 days ago, recorded (backdated) only yesterday.
    record(enterprise, Kind.PENALTY, today() - 20 * DAY, recorded_at=timezone.now() - DAY)
    # A closing recorded after t1 does not close it for t1 either.
    listing = record(
        enterprise, Kind.ABNORMAL_LISTING, today() - 40 * DAY, recorded_at=timezone.now() - 40 * DAY
    )
    record(
        enterprise,
        Kind.ABNORMAL_REMOVAL,
        today() - 10 * DAY,
        closes=listing,
        recorded_at=timezone.now() - DAY,
    )
    then = evaluate(enterprise, knowledge_at=t1)
    now = evaluate(enterprise)
    assert then is not None and now is not None
    assert (then.values[0], then.values[2]) == (1, 1)
    assert (now.values[0], now.values[2]) == (0, 2)


# --------------------------------------------------------------------------- population


def test_who_is_classified_by_type_registration_date_and_status_on_the_day(settings: Any) -> None:
    general_version()
    old = today() - 3000 * DAY
    individual = EnterpriseFactory(individual_business=True, registered_on=old)
    future = EnterpriseFactory(registered_on=today() + 5 * DAY)
    deregistered = EnterpriseFactory(registered_on=old)
    record(deregistered, Kind.STATUS_CHANGE, today() - 10 * DAY, details={"status": "deregistered"})
    suspended = EnterpriseFactory(registered_on=old)
    record(
        suspended,
        Kind.STATUS_CHANGE,
        today() - 10 * DAY,
        details={
            "status": "suspended",
            "from": str(today() - 10 * DAY),
            "until": str(today() + 99 * DAY),
        },
    )
    # The register's cached status is not what counts: the ledger is.
    cached_only = EnterpriseFactory(registered_on=old, status="deregistered")
    assert evaluate(individual) is None
    assert evaluate(future) is None
    assert evaluate(deregistered) is None
    assert evaluate(deregistered, as_of=today() - 11 * DAY) is not None
    assert evaluate(suspended).inputs["status"] == "suspended"  # type: ignore[union-attr]
    assert evaluate(cached_only) is not None
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "RISK_CLASSIFY_INDIVIDUAL_BUSINESSES": True}
    assert evaluate(individual) is not None


def test_industry_model_applies_to_its_divisions_and_the_general_one_to_the_rest() -> None:
    general = general_version()
    food = version_with(
        [{"code": "pen_food", "source": "ledger", "kinds": [Kind.PENALTY], "points_per_fact": 40}],
        model="food",
        divisions=["14", "62"],
    )
    catering = EnterpriseFactory(
        industry_section="H", industry_division="62", registered_on=today() - 3000 * DAY
    )
    retail = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    penalties(catering, 5)
    penalties(retail, 5)
    got_food, got_general = evaluate(catering), evaluate(retail)
    assert got_food is not None and got_general is not None
    assert (got_food.version, got_food.values, got_food.risk_class) == (food, [1], "B")
    assert (got_general.version, got_general.risk_class) == (general, "A")
    # A what-if of the general version scores only the enterprises in its scope.
    assert evaluate(catering, version=general) is None
    assert evaluate(retail, version=general) is not None


def test_a_version_published_later_never_changes_a_past_assessment() -> None:
    now = timezone.now()
    v1 = general_version(published_at=now - 30 * DAY)
    enterprise = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    penalties(enterprise, 60, known_since=True)
    first = classify(as_of=today() - 10 * DAY, knowledge_at=now - 10 * DAY)
    v2 = general_version(
        weights={code["code"]: 30 for code in INDICATORS}, published_at=now - 5 * DAY, number=2
    )
    assert engine.versions_in_force(now - 10 * DAY) == [v1]
    assert engine.versions_in_force(now) == [v2]
    classify()
    assessments = list(Assessment.objects.filter(enterprise=enterprise).order_by("id"))
    assert [(a.run_id, a.version, a.score) for a in assessments] == [
        (first.pk, v1, Decimal("15.0")),
        (assessments[1].run_id, v2, Decimal("45.0")),
    ]
    assert current(enterprise).version == v2  # type: ignore[union-attr]
    # A replay at the first run's instant uses the old version and reproduces its assessment.
    replay = classify(reason="replay", as_of=first.as_of, knowledge_at=first.knowledge_at)
    assert (replay.matched, replay.mismatched) == (1, 0)
    assert Assessment.objects.count() == 2  # a replay writes none


# --------------------------------------------------------------------------- writes


def test_a_second_run_writes_nothing_and_force_writes_every_assessment_again() -> None:
    general_version()
    firms = [EnterpriseFactory(registered_on=today() - 3000 * DAY) for _ in range(3)]
    penalties(firms[0], 5)
    first = classify()
    assert (first.classified, first.assessments, first.changed_class) == (3, 3, 3)
    assert first.transitions == {"->A": 3}
    again = classify()
    assert (again.classified, again.assessments, again.changed_class, again.changed_score) == (
        3,
        0,
        0,
        0,
    )
    assert again.transitions == {"A>A": 3}
    forced = classify(force=True)
    assert forced.assessments == 3
    assert Assessment.objects.count() == 6
    latest = Assessment.objects.filter(enterprise=firms[0]).order_by("-id").first()
    assert latest is not None and (latest.previous_class, latest.previous_score) == (
        "A",
        Decimal("15.0"),
    )


def test_new_values_with_the_same_score_make_a_new_assessment() -> None:
    general_version()
    enterprise = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    penalties(enterprise, 5, 6, 7)
    classify()
    penalties(enterprise, 1)  # a 4th penalty: capped at 45, the score does not move
    run = classify()
    assert (run.assessments, run.changed_score) == (1, 0)
    values = list(
        Assessment.objects.filter(enterprise=enterprise)
        .order_by("id")
        .values_list("values", flat=True)
    )
    assert values == [[0, 0, 3, 0], [0, 0, 4, 0]]


def test_an_entity_that_is_no_longer_classified_leaves_the_current_class_table() -> None:
    general_version()
    staying = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    leaving = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    classify()
    record(leaving, Kind.STATUS_CHANGE, today(), details={"status": "deregistered"})
    run = classify()
    assert current(leaving) is None and current(staying) is not None
    assert run.transitions == {"A>A": 1, "A>-": 1}
    assert Assessment.objects.filter(enterprise=leaving).count() == 1  # its history stays


def test_new_facts_run_classifies_only_its_enterprises() -> None:
    general_version()
    listed, other = (EnterpriseFactory(registered_on=today() - 3000 * DAY) for _ in range(2))
    run = classify(reason="new_fact", enterprise_ids=[listed.pk])
    assert (run.classified, run.total_steps) == (1, 1)
    assert current(listed) is not None and current(other) is None
    assert run.summary == {}  # not the whole register: no class counts


# --------------------------------------------------------------------------- overrides, tasks


def _override(enterprise: Enterprise, risk_class: str, user: Any, **dates: Any) -> ClassOverride:
    return ClassOverride.objects.create(
        enterprise=enterprise,
        risk_class=risk_class,
        reason="test",
        starts_on=dates.get("starts_on", today() - DAY),
        expires_on=dates.get("expires_on", today() + 30 * DAY),
        created_by=user,
    )


def test_an_open_override_sets_the_class_in_effect(user_with_perms: Any) -> None:
    general_version()
    supervisor = user_with_perms()
    enterprise = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    classify()
    override = _override(enterprise, "C", supervisor)
    run = classify()
    row = current(enterprise)
    assert row is not None
    assert (row.risk_class, row.computed_class, row.override) == ("C", "A", override)
    assert run.assessments == 0  # the computed assessment did not change
    assert run.transitions == {"A>C": 1}
    ClassOverride.objects.filter(pk=override.pk).update(ended_on=today())
    classify()
    row = current(enterprise)
    assert row is not None and (row.risk_class, row.override) == ("A", None)
    # An override not yet started is not in effect.
    _override(enterprise, "D", supervisor, starts_on=today() + DAY)
    classify()
    assert current(enterprise).risk_class == "A"  # type: ignore[union-attr]


def test_sensing_gives_a_task_when_the_class_moves_up_into_c_or_d_or_down_from_d() -> None:
    general_version()
    station = Department.objects.create(code="station1", name="东升市场监管所")
    old = today() - 3000 * DAY
    up_c, up_b, up_d = (EnterpriseFactory(registered_on=old, department=station) for _ in range(3))
    down = EnterpriseFactory(registered_on=old)
    serious = record(down, Kind.SERIOUS_LISTING, today() - 40 * DAY)
    first = classify(as_of=today() - DAY)
    assert first.transitions == {"->A": 3, "->D": 1}
    assert not ClassChangeTask.objects.exists()  # a first classification gives none
    record(up_c, Kind.ABNORMAL_LISTING, today())  # A → C (hard rule)
    penalties(up_b, 0, 1)  # 30 points: A → B, no task
    record(up_d, Kind.SERIOUS_LISTING, today())  # A → D
    record(down, Kind.SERIOUS_REMOVAL, today(), closes=serious)  # D → A
    run = classify()
    tasks = {
        (t.enterprise_id, t.from_class, t.to_class, t.department_id, t.run_id, t.due_on)
        for t in ClassChangeTask.objects.all()
    }
    due = add_working_days(today(), rules.TASK_WORKING_DAYS)
    assert tasks == {
        (up_c.pk, "A", "C", station.pk, run.pk, due),
        (up_d.pk, "A", "D", station.pk, run.pk, due),
        (down.pk, "D", "A", down.department_id, run.pk, due),
    }
    assert run.transitions == {"A>C": 1, "A>B": 1, "A>D": 1, "D>A": 1}
    assert classify().transitions == {"C>C": 1, "B>B": 1, "D>D": 1, "A>A": 1}
    assert ClassChangeTask.objects.count() == 3  # no new task for a class that stays


def test_a_full_run_keeps_class_counts_by_street_industry_and_department() -> None:
    general_version()
    station = Department.objects.create(code="station1", name="东升市场监管所")
    old = today() - 3000 * DAY
    EnterpriseFactory(
        registered_on=old, division="黄甲街道", industry_section="H", department=station
    )
    second = EnterpriseFactory(registered_on=old)
    record(second, Kind.SERIOUS_LISTING, today() - 3 * DAY)
    EnterpriseFactory(registered_on=old)
    run = classify(chunk_size=1)  # three steps, added up
    bureau = str(second.department_id)
    assert run.total_steps == 3
    assert run.summary == {
        "scope": {"classified_types": list(rules.ENTERPRISE_TYPES)},
        "by_class": {"A": 2, "D": 1},
        "by_street": {"黄甲街道": {"A": 1}, "东升街道": {"A": 1, "D": 1}},
        "by_industry": {"H": {"A": 1}, "F": {"A": 1, "D": 1}},
        "by_department": {str(station.pk): {"A": 1}, bureau: {"A": 1, "D": 1}},
        "by_department_street": {
            str(station.pk): {"黄甲街道": {"A": 1}},
            bureau: {"东升街道": {"A": 1, "D": 1}},
        },
        "by_department_industry": {
            str(station.pk): {"H": {"A": 1}},
            bureau: {"F": {"A": 1, "D": 1}},
        },
        "transitions_by_department": {str(station.pk): {"->A": 1}, bureau: {"->A": 1, "->D": 1}},
    }


def test_a_what_if_of_a_draft_counts_what_it_would_change_and_writes_nothing() -> None:
    general_version()
    draft = version_with(INDICATORS, weights={"penalties_3y": 40}, number=2)
    draft.status = "draft"
    draft.published_at = None
    draft.save(update_fields=["status", "published_at"])
    firms = [EnterpriseFactory(registered_on=today() - 3000 * DAY) for _ in range(2)]
    penalties(firms[0], 3)  # 15 points: A; with the draft 60: C
    classify()
    assert engine.versions_in_force(timezone.now())[0].number == 1  # a draft is never in force
    what_if = classify(reason="what_if", version=draft)
    assert what_if.transitions == {"A>A": 1, "A>C": 1}
    assert (what_if.classified, what_if.changed_class, what_if.assessments) == (2, 1, 0)
    assert what_if.summary["by_class"] == {"A": 1, "C": 1}
    assert Assessment.objects.count() == 2
    assert current(firms[0]).computed_class == "A"  # type: ignore[union-attr]


@pytest.mark.parametrize("microsecond", [0, 250_000])
def test_a_fact_recorded_exactly_at_the_knowledge_instant_is_known(microsecond: int) -> None:
    """The ORM and the ledger's bulk appends store the instant differently on SQLite (with and
    without the offset): either way a fact recorded at T is known at T, not a microsecond
    before."""
    import time_machine

    from enterprises.services.ledger import CreditFact, credit_facts_append

    general_version(published_at=timezone.now() - 30 * DAY)
    firm = EnterpriseFactory(registered_on=today() - 3000 * DAY)
    moment = timezone.now().replace(microsecond=microsecond) - DAY
    day = timezone.localdate(moment)
    with time_machine.travel(moment, tick=False):
        record(firm, Kind.PENALTY, day - DAY, recorded_at=timezone.now())
        credit_facts_append(
            facts=[
                CreditFact(enterprise_id=firm.pk, kind=Kind.PENALTY, occurred_on=day, summary="x")
            ],
            actor=None,
        )
    penalty_counts = [
        evaluate(firm, as_of=day, knowledge_at=at).values[2]  # type: ignore[union-attr]
        for at in (moment, moment - dt.timedelta(microseconds=1))
    ]
    assert penalty_counts == [2, 0]
