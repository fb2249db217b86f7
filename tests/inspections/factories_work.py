"""Builders for the inspections-work tests (`test_work_*`): departments, staff in their roles,
inspectors, items, a plan, a draw written directly (the draw's own code is another area's), and
inspections as a draw's derivation leaves them (one per entity, checks per item, assignments).
Plain functions; rows are written directly, never through the draw."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from enterprises.models import Enterprise
from inspections.models import (
    Draw,
    Inspection,
    InspectionAssignment,
    InspectionCheck,
    InspectionItem,
    Inspector,
    Lead,
    SamplingPlan,
    Skill,
)
from tests.enterprises.factories import EnterpriseFactory, enterprise_user

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
_seq = itertools.count(1)


def at(day: dt.date, hour: int = 12) -> Any:
    """The clock at `hour`:00, Beijing time, on `day` (time_machine, not ticking)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI), tick=False)


def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


def partner(code: str = "health", name: str = "区卫生健康局") -> Department:
    return Department.objects.get_or_create(code=code, defaults={"name": name})[0]


def person(role: Role, username: str, department: Department | None = None) -> User:
    """A staff user in `role`, of `department` (the bureau by default)."""
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    user.groups.add(Group.objects.get(name=str(role)))
    StaffProfile.objects.create(user=user, department=department or bureau())
    return User.objects.get(pk=user.pk)


def inspector(username: str, department: Department | None = None, **over: Any) -> Inspector:
    """An inspector (the inspector role, a staff profile and a row of the library)."""
    department = department or bureau()
    user = person(Role.INSPECTOR, username, department)
    skills = over.pop("skills", [])
    row = Inspector.objects.create(user=user, department=department, **over)
    if skills:
        row.skills.set(skills)
    return row


def item(code: str, department: Department | None = None, **over: Any) -> InspectionItem:
    defaults: dict[str, Any] = {
        "name": f"检查事项{code}",
        "department": department or bureau(),
        "legal_basis": "《企业信息公示暂行条例》第十四条",
        "method": InspectionItem.Method.ON_SITE,
        "checklist": "1. 核查营业执照\n2. 核查公示信息",
    }
    defaults.update(over)
    return InspectionItem.objects.get_or_create(code=code, defaults=defaults)[0]


def plan(
    code: str, items: list[InspectionItem], departments: list[Department], **over: Any
) -> SamplingPlan:
    creator = over.pop("created_by", None) or User.objects.get_or_create(username="planner")[0]
    row = SamplingPlan.objects.create(
        code=code,
        name=over.pop("name", f"抽查计划{code}"),
        year=2025,
        lead_department=departments[0],
        starts_on=dt.date(2025, 3, 1),
        ends_on=dt.date(2025, 11, 30),
        created_by=creator,
        status=SamplingPlan.Status.APPROVED,
        **over,
    )
    row.items.set(items)
    row.departments.set(departments)
    return row


def draw(plans: list[SamplingPlan], number: str = "D2025-001") -> Draw:
    committer = User.objects.get_or_create(username="drawer")[0]
    digest = hashlib.sha256(number.encode()).hexdigest()
    row = Draw.objects.create(
        number=number,
        title="2025年第一批双随机抽查",
        year=2025,
        algorithm="draw/v1",
        status=Draw.Status.DERIVED,
        as_of=dt.date(2025, 3, 1),
        manifest={},
        commitment_hash=digest,
        pool_hash=digest,
        roster_hash=digest,
        seed_hash=digest,
        server_seed=digest,
        outside_source="上证指数收盘价",
        committed_by=committer,
        committed_at=timezone.now(),
    )
    row.plans.set(plans)
    return row


def company(**over: Any) -> Enterprise:
    row: Any = EnterpriseFactory(**over)
    return row


def drawn(
    enterprise: Enterprise,
    the_draw: Draw,
    plans: list[SamplingPlan],
    inspectors: list[Inspector],
    *,
    due_by: dt.date = dt.date(2025, 11, 30),
    stratum: str = "B",
) -> Inspection:
    """An inspection as a draw's derivation leaves it: one per entity, the lead department of
    the first plan, one check per item of each plan, the inspectors in order."""
    row = Inspection.objects.create(
        enterprise=enterprise,
        origin=Inspection.Origin.RANDOM,
        draw=the_draw,
        department=plans[0].lead_department,
        stratum=stratum,
        due_by=due_by,
    )
    for p in plans:
        for i in p.items.all():
            InspectionCheck.objects.get_or_create(inspection=row, item=i, defaults={"plan": p})
    for n, who in enumerate(inspectors, start=1):
        InspectionAssignment.objects.create(inspection=row, inspector=who, position=n)
    return row


def lead(enterprise: Enterprise | None, department: Department | None = None, **over: Any) -> Lead:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "number": f"L2025-{n:04d}",
        "kind": Lead.Kind.REPORT,
        "channel": Lead.Channel.WEB,
        "received_on": dt.date(2025, 6, 2),
        "enterprise": enterprise,
        "subject_name": enterprise.name if enterprise else "某店",
        "content": "无证经营",
        "department": department or bureau(),
        "status": Lead.Status.VERIFYING,
    }
    defaults.update(over)
    return Lead.objects.create(**defaults)


def all_ok(inspection: Inspection, **override: dict[str, str]) -> dict[int, dict[str, str]]:
    """Every check of the inspection "ok"; `override` by item code."""
    checks: dict[int, dict[str, str]] = {}
    for check in inspection.checks.select_related("item"):
        checks[check.pk] = override.get(check.item.code, {"result": "ok", "note": ""})
    return checks


def skill(code: str, name: str = "食品安全") -> Skill:
    return Skill.objects.get_or_create(code=code, defaults={"name": name})[0]


def firm_user(enterprise: Enterprise, username: str = "firm") -> User:
    return enterprise_user(enterprise, username=username)


def world() -> dict[str, Any]:
    """A bureau and a partner, two items each, a joint plan (bureau-led) and the partner's own
    plan, a draw, two bureau inspectors, a partner inspector, a supervisor of each, and a
    company drawn by the joint plan (inspected by two bureau inspectors and the partner's)."""
    amr = bureau()
    health = partner()
    i1 = item("gs-info", amr, name="企业公示信息抽查")
    i2 = item("gs-licence", amr, name="营业执照使用情况检查")
    i3 = item("hw-food", health, name="食品经营卫生检查")
    joint = plan("joint-1", [i1, i2, i3], [amr, health], name="市场主体联合抽查")
    own = plan("health-1", [i3], [health], name="卫生专项抽查")
    the_draw = draw([joint, own])
    a = inspector("insp_a", amr)
    b = inspector("insp_b", amr)
    h = inspector("insp_h", health)
    h2 = inspector("insp_h2", health)
    firm = company(name="成都市双流区蓉城贸易有限公司", address="双流区东升街道棠湖路8号")
    return {
        "amr": amr,
        "health": health,
        "items": [i1, i2, i3],
        "joint": joint,
        "own": own,
        "draw": the_draw,
        "a": a,
        "b": b,
        "h": h,
        "h2": h2,
        "firm": firm,
        "supervisor": person(Role.SUPERVISOR, "boss"),
        "health_supervisor": person(Role.SUPERVISOR, "hboss", health),
        "inspection": drawn(firm, the_draw, [joint], [a, h, b]),
    }
