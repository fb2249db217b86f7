"""Builders for the draw-core tests (`test_draw_*`, `test_pool_*`): departments, a planner,
inspectors, items, approved plans with their strata, and firms in given strata and states.
Plain functions; the draw itself always goes through `inspections.services.draws`."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import Group

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from enterprises.models import CreditRecord, Enterprise
from inspections.models import (
    Draw,
    DrawJob,
    InspectionItem,
    Inspector,
    PlanStratum,
    SamplingPlan,
    Skill,
)
from inspections.services import draws
from tests.enterprises.factories import EnterpriseFactory

SEED = "0f" * 32  # a fixed server seed (tests only)
_seq = itertools.count(1)


def department(code: str, name: str, *, bureau: bool = False) -> Department:
    return Department.objects.get_or_create(
        code=code, defaults={"name": name, "is_bureau": bureau}
    )[0]


def staff(role: Role, username: str, dept: Department) -> User:
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    user.groups.add(Group.objects.get(name=str(role)))
    StaffProfile.objects.create(user=user, department=dept)
    return User.objects.get(pk=user.pk)


def inspector(dept: Department, *skills: Skill, active: bool = True) -> Inspector:
    n = next(_seq)
    user = staff(Role.INSPECTOR, f"insp{n}", dept)
    row = Inspector.objects.create(user=user, department=dept, is_active=active)
    row.skills.set(skills)
    return row


def item(code: str, dept: Department, **over: Any) -> InspectionItem:
    return InspectionItem.objects.create(
        code=code,
        name=f"事项{code}",
        department=dept,
        legal_basis="《企业信息公示暂行条例》第十四条",
        method=InspectionItem.Method.ON_SITE,
        **over,
    )


def plan(
    code: str,
    *,
    items: list[InspectionItem],
    departments: list[Department],
    strata: dict[str, str],
    planner: User,
    year: int = 2026,
    frequency: int = 1,
    **over: Any,
) -> SamplingPlan:
    row = SamplingPlan.objects.create(
        code=code,
        name=f"计划{code}",
        year=year,
        lead_department=departments[0],
        starts_on=dt.date(year, 1, 1),
        ends_on=over.pop("ends_on", dt.date(year, 11, 30)),
        created_by=planner,
        status=over.pop("status", SamplingPlan.Status.APPROVED),
        **over,
    )
    row.items.set(items)
    row.departments.set(departments)
    for stratum, ratio in strata.items():
        PlanStratum.objects.create(
            plan=row, stratum=stratum, ratio=Decimal(ratio), frequency=frequency
        )
    return row


def firm(dept: Department, **over: Any) -> Enterprise:
    return cast(Enterprise, EnterpriseFactory(department=dept, **over))


def classed(dept: Department, risk_class: str, **over: Any) -> Enterprise:
    """A firm whose class in effect is `risk_class` (`risk.CurrentClass`, written by hand)."""
    from risk.models import ClassificationRun, ModelVersion
    from tests.risk.factories import applied_run, classify_by_hand, general_version

    ent = firm(dept, **over)
    version = ModelVersion.objects.filter(model__code="general").first() or general_version()
    run = ClassificationRun.objects.filter(applies=True).first() or applied_run()
    classify_by_hand(ent, risk_class, version=version, run=run)
    return ent


def late_report(ent: Enterprise, year: int) -> CreditRecord:
    """An `annual_report_late` fact of `year`, written as the deadline job writes it."""
    return CreditRecord.objects.create(
        enterprise=ent,
        kind="annual_report_late",
        occurred_on=dt.date(year + 1, 7, 1),
        is_public=False,
        summary=f"未按规定期限报送{year}年度年度报告",
        details={"year": year},
        source_app="annual_reports",
        source_model="reportyear",
        source_id=f"{ent.pk}:{year}",
    )


@dataclass
class World:
    bureau: Department
    health: Department
    planner: User
    food: Skill
    general: InspectionItem
    food_item: InspectionItem
    p01: SamplingPlan
    p02: SamplingPlan
    inspectors: list[Inspector] = field(default_factory=list)
    firms: list[Enterprise] = field(default_factory=list)


def world(*, firms: int = 12, amr_inspectors: int = 4, health_inspectors: int = 2) -> World:
    """Two approved plans of 2026: P01 (the bureau, a general item; strata B 50 %, A 50 %, IB
    100 %, X 100 %) and P02 (joint: the bureau and health; the safety-sensitive food item
    needing the food skill; B 50 %); `firms` class-B companies (every P01 and P02 firm)."""
    bureau = department("amr", "区市场监督管理局", bureau=True)
    health = department("health", "区卫生健康局")
    planner = staff(Role.SUPERVISOR, "planner", bureau)
    food = Skill.objects.create(code="food", name="食品安全")
    general = item("reg-info", bureau)
    food_item = item("food-safety", health, safety_sensitive=True, required_skill=food)
    p01 = plan(
        "P01",
        items=[general],
        departments=[bureau],
        strata={"A": "50", "B": "50", "IB": "100", "X": "100"},
        planner=planner,
    )
    p02 = plan(
        "P02",
        items=[food_item, general],
        departments=[bureau, health],
        strata={"B": "50"},
        planner=planner,
    )
    w = World(bureau, health, planner, food, general, food_item, p01, p02)
    w.inspectors = [inspector(bureau) for _ in range(amr_inspectors)]
    w.inspectors += [inspector(health, food) for _ in range(health_inspectors)]
    w.firms = [classed(bureau, "B", registered_on=dt.date(2020, 1, 1)) for _ in range(firms)]
    return w


def commit(
    w: World,
    plans: list[SamplingPlan] | None = None,
    *,
    as_of: dt.date = dt.date(2026, 3, 1),
    **over: Any,
) -> Draw:
    """A draw committed through the services, its job run in process; fails the test if the
    job failed."""
    job = draws.draw_request_commit(
        actor=over.pop("actor", w.planner),
        plans=plans if plans is not None else [w.p01, w.p02],
        title=over.pop("title", "2026年第一批"),
        as_of=as_of,
        outside_source=over.pop("outside_source", "福利彩票3D 2026-03-12"),
        server_seed=over.pop("server_seed", SEED),
        **over,
    )
    done = draws.draw_job_run(job.pk)
    assert done is not None and done.status == DrawJob.Status.DONE, done and done.message
    assert done.draw is not None
    return done.draw


def derive(w: World, d: Draw, value: str = "4 7 1") -> Draw:
    d.refresh_from_db()
    d = draws.draw_record_outside(actor=w.planner, draw=d, value=value, expected_version=d.version)
    job = draws.draw_request_derive(actor=w.planner, draw=d)
    done = draws.draw_job_run(job.pk)
    assert done is not None and done.status == DrawJob.Status.DONE, done and done.message
    d.refresh_from_db()
    return d
