"""Sampling plans through their services (issue 17 §1 and "Bad input"; docs/domain.md §2, §7):
each refusal with its own message under its field and nothing written, the draft's version,
approval (with the draw core's capacity check) and closing, each audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from inspections import audit_events as events
from inspections import rules
from inspections.models import PlanStratum, SamplingPlan
from inspections.services.plans import (
    StratumInput,
    plan_approve,
    plan_close,
    plan_save,
)
from tests.inspections.factories_plans import (
    STRATA,
    YEAR,
    bureau,
    enterprise,
    inspector,
    item,
    make_plan,
    partner,
    plan_data,
    planner,
    skill,
    staff,
)

pytestmark = pytest.mark.django_db


def _refused(actor: Any, data: dict[str, Any], strata: Any = None) -> dict[str, list[str]]:
    before = (SamplingPlan.objects.count(), PlanStratum.objects.count())
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        plan_save(actor=actor, data=data, strata=STRATA if strata is None else strata)
    # Nothing half-written.
    assert (SamplingPlan.objects.count(), PlanStratum.objects.count()) == before
    assert AuditEvent.objects.count() == events_before
    return {k: [str(m) for m in v] for k, v in caught.value.message_dict.items()}


def test_a_valid_plan_is_saved_with_its_strata_and_audited() -> None:
    actor = planner()
    health = partner()
    food = item("food-01", health, safety_sensitive=True)
    data = plan_data(
        code="2026-joint-01",
        departments=[bureau(), health],
        items=[food, item("reg-01")],
        industries=["62", "5"],
        streets=["东升街道"],
        entity_types=["company"],
    )
    enterprise()  # a firm in 东升街道, so the street is known
    plan = plan_save(actor=actor, data=data, strata=STRATA)
    assert plan.status == SamplingPlan.Status.DRAFT
    assert plan.industries == ["62", "05"]
    assert {d.code for d in plan.departments.all()} == {"amr", "health"}
    assert {s.stratum: (s.ratio, s.frequency) for s in plan.strata.all()} == {
        "A": (Decimal("1.00"), 1),
        "B": (Decimal("5.00"), 1),
        "C": (Decimal("10.00"), 1),
        "D": (Decimal("20.00"), 2),
    }
    event = AuditEvent.objects.get(event_type=events.PLAN_SAVED)
    assert event.actor == actor and event.extra["code"] == "2026-joint-01"
    assert event.extra["created"] is True


@pytest.mark.parametrize(
    ("strata", "needle"),
    [
        ([StratumInput("A", "1"), StratumInput("B", "150")], "between 0 and 100"),
        ([StratumInput("A", "1"), StratumInput("B", "-1")], "between 0 and 100"),
        ([StratumInput("A", "0"), StratumInput("B", "5")], "below the floor"),
        ([StratumInput("B", "5"), StratumInput("C", "8")], "Class A must be drawn too"),
        ([StratumInput("A", "1", 0)], "checks per year"),
        ([], "at least one stratum"),
        ([StratumInput("A", "1"), StratumInput("A", "2")], "twice"),
    ],
)
def test_bad_strata_are_refused_with_their_message(strata: Any, needle: str) -> None:
    errors = _refused(planner(), plan_data(), strata)
    assert list(errors) == ["strata"]
    assert any(needle in m for m in errors["strata"]), errors


def test_class_a_floor_comes_from_the_rules() -> None:
    floor = Decimal(rules.A_FLOOR_PERCENT)
    ok = make_plan(strata=[StratumInput("A", str(floor)), StratumInput("B", "5")])
    assert ok.strata.get(stratum="A").ratio == floor
    errors = _refused(planner(), plan_data(), [StratumInput("A", str(floor - Decimal("0.01")))])
    assert rules.A_FLOOR_PERCENT in errors["strata"][0]


def test_a_control_plan_draws_classes_a_and_b_only() -> None:
    data = plan_data(kind=SamplingPlan.Kind.CONTROL)
    errors = _refused(planner(), data, [StratumInput("A", "2"), StratumInput("C", "3")])
    assert "only classes A and B" in errors["strata"][0]
    ok = plan_save(
        actor=planner(),
        data=plan_data(kind=SamplingPlan.Kind.CONTROL),
        strata=[StratumInput("A", "2"), StratumInput("B", "2")],
    )
    assert ok.kind == SamplingPlan.Kind.CONTROL


def test_each_bad_field_has_its_own_message() -> None:
    actor = planner()
    health = partner()
    foreign_item = item("hx-01", health)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"items": []}, "items", "at least one inspection item"),
        ({"items": [foreign_item]}, "items", "not one of the plan's departments"),
        ({"departments": [health]}, "departments", "must be one of the plan's departments"),
        ({"starts_on": dt.date(YEAR - 1, 12, 1)}, "starts_on", "within that year"),
        ({"ends_on": dt.date(YEAR + 1, 1, 5)}, "ends_on", "within that year"),
        (
            {"starts_on": dt.date(YEAR, 6, 1), "ends_on": dt.date(YEAR, 3, 1)},
            "ends_on",
            "before it starts",
        ),
        ({"industries": ["62", "98", "x1"]}, "industries", "98, x1"),
        ({"streets": ["火星街道"]}, "streets", "火星街道"),
        ({"entity_types": ["company", "spaceship"]}, "entity_types", "spaceship"),
        ({"min_inspectors": 1}, "min_inspectors", "At least 2 inspectors"),
        ({"code": "bad code!"}, "code", "Latin letters"),
        ({"code": "new"}, "code", "names a page"),
        ({"name": ""}, "name", "Enter the plan's name"),
        ({"name": "计划\u200b"}, "name", "invisible"),
    ]
    for over, field, needle in cases:
        errors = _refused(actor, plan_data(**over))
        assert field in errors, (over, errors)
        assert any(needle in m for m in errors[field]), (over, errors)


def test_a_plan_code_is_unique() -> None:
    make_plan(code="p-1")
    errors = _refused(planner(), plan_data(code="p-1"))
    assert "Another plan has the code p-1." in errors["code"]


def test_a_partner_department_plans_for_itself_only() -> None:
    health = partner()
    officer = staff(health, role=None)
    errors = _refused(officer, plan_data())
    assert "not in your jurisdiction" in errors["lead_department"][0]


def test_a_draft_is_edited_with_the_version_read() -> None:
    actor = planner()
    plan = make_plan(actor)
    changed = plan_save(
        actor=actor, data={"name": "改过的名称"}, plan=plan, expected_version=plan.version
    )
    assert changed.version == plan.version + 1 and changed.name == "改过的名称"
    assert changed.strata.count() == 4  # strata None: kept
    with pytest.raises(ConflictError) as caught:
        plan_save(actor=actor, data={"name": "又一次"}, plan=plan, expected_version=plan.version)
    assert caught.value.current_version == changed.version
    assert SamplingPlan.objects.get(pk=plan.pk).name == "改过的名称"


def test_approval_checks_again_and_needs_inspectors(monkeypatch: pytest.MonkeyPatch) -> None:
    actor = planner()
    plan = make_plan(actor)
    # No inspector at all: the draw core's capacity check refuses, with the numbers.
    with pytest.raises(ValidationError) as caught:
        plan_approve(actor=actor, plan=plan, expected_version=plan.version)
    assert "min_inspectors" in caught.value.message_dict
    assert "needs 2 inspectors per firm, has 0 active" in caught.value.messages[0]
    assert SamplingPlan.objects.get(pk=plan.pk).status == SamplingPlan.Status.DRAFT
    inspector()
    inspector()
    approved = plan_approve(actor=actor, plan=plan, expected_version=plan.version)
    assert approved.status == SamplingPlan.Status.APPROVED
    assert approved.approved_by == actor and approved.approved_at is not None
    assert AuditEvent.objects.filter(event_type=events.PLAN_APPROVED).count() == 1
    with pytest.raises(ValidationError, match="only a draft is approved"):
        plan_approve(actor=actor, plan=approved, expected_version=approved.version)
    with pytest.raises(ValidationError, match="only a draft is edited"):
        plan_save(actor=actor, data={"name": "x"}, plan=approved, expected_version=approved.version)


def test_approval_refuses_an_item_made_inactive_since() -> None:
    actor = planner()
    inspector()
    inspector()
    plan = make_plan(actor)
    plan.items.update(is_active=False)
    with pytest.raises(ValidationError) as caught:
        plan_approve(actor=actor, plan=plan, expected_version=plan.version)
    assert "is not active" in caught.value.message_dict["items"][0]


def test_approval_needs_the_skill_of_an_item() -> None:
    actor = planner()
    inspector()
    inspector()
    plan = make_plan(actor, items=[item("food-9", required_skill=skill())])
    with pytest.raises(ValidationError, match="needs an inspector skilled in"):
        plan_approve(actor=actor, plan=plan, expected_version=plan.version)


def test_closing_a_plan() -> None:
    actor = planner()
    plan = make_plan(actor)
    closed = plan_close(actor=actor, plan=plan, expected_version=plan.version)
    assert closed.status == SamplingPlan.Status.CLOSED
    assert AuditEvent.objects.filter(event_type=events.PLAN_CLOSED).count() == 1
    with pytest.raises(ValidationError, match="closed already"):
        plan_close(actor=actor, plan=closed, expected_version=closed.version)
    with pytest.raises(ConflictError):
        plan_close(actor=actor, plan=closed, expected_version=1)
