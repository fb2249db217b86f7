"""Builders for the catalogue, roster and plan tests (`test_catalogue_*`, `test_plans_*`):
departments, staff with codenames or roles (and badge numbers), skills, items, inspectors,
valid plan input and plans written through `inspections.services.plans`. Plain functions."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from enterprises.models import Enterprise
from inspections.models import InspectionItem, Inspector, SamplingPlan, Skill
from inspections.services.plans import StratumInput, plan_save
from tests.enterprises.factories import EnterpriseFactory

YEAR = timezone.localdate().year
_seq = itertools.count(1)


def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


def partner(code: str = "health", name: str = "区卫生健康局") -> Department:
    return Department.objects.get_or_create(code=code, defaults={"name": name})[0]


def staff(
    dept: Department,
    *codenames: str,
    role: Role | None = None,
    badge: str = "",
    username: str | None = None,
) -> User:
    """A staff member of `dept` with these codenames (app_label.codename) and/or role."""
    user = User.objects.create_user(
        username=username or f"staff{next(_seq)}", password="Secret-pass-123"
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=str(role)))
    for full in codenames:
        app_label, codename = full.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    StaffProfile.objects.create(user=user, department=dept, badge_number=badge)
    return User.objects.get(pk=user.pk)


def planner(dept: Department | None = None) -> User:
    return staff(dept or bureau(), role=Role.SUPERVISOR)


def skill(code: str = "food", name: str = "食品安全") -> Skill:
    return Skill.objects.get_or_create(code=code, defaults={"name": name})[0]


def item(code: str, dept: Department | None = None, **over: Any) -> InspectionItem:
    fields: dict[str, Any] = {
        "name": f"事项{code}",
        "department": dept or bureau(),
        "legal_basis": "《企业信息公示暂行条例》第十四条",
        "method": InspectionItem.Method.ON_SITE,
        "checklist": "营业执照悬挂\n年度报告已公示",
    }
    fields.update(over)
    return InspectionItem.objects.create(code=code, **fields)


def inspector(dept: Department | None = None, *skills: Skill, active: bool = True) -> Inspector:
    dept = dept or bureau()
    user = staff(dept, role=Role.INSPECTOR, badge=f"B{next(_seq):05d}")
    row = Inspector.objects.create(user=user, department=dept, is_active=active)
    row.skills.set(skills)
    return row


def enterprise(dept: Department | None = None, **over: Any) -> Enterprise:
    made = EnterpriseFactory(department=dept or bureau(), **over)
    assert isinstance(made, Enterprise)
    return made


def plan_data(**over: Any) -> dict[str, Any]:
    """Valid input of `plan_save` (a bureau plan of this year with one item); `over` replaces
    fields. The item and the department are made when not given."""
    lead = over.pop("lead_department", None) or bureau()
    data: dict[str, Any] = {
        "code": f"plan-{next(_seq)}",
        "name": "双随机抽查计划",
        "name_en": "Random check plan",
        "year": YEAR,
        "kind": SamplingPlan.Kind.RANDOM,
        "lead_department": lead,
        "departments": [lead],
        "items": None,
        "industries": [],
        "streets": [],
        "entity_types": [],
        "starts_on": dt.date(YEAR, 1, 1),
        "ends_on": dt.date(YEAR, 12, 31),
        "min_inspectors": 2,
        "note": "",
    }
    data.update(over)
    if data["items"] is None:
        data["items"] = [item(f"it-{next(_seq)}", lead)]
    return data


STRATA = [
    StratumInput("A", "1.00", 1),
    StratumInput("B", "5", 1),
    StratumInput("C", "10", 1),
    StratumInput("D", "20", 2),
]


def make_plan(actor: User | None = None, *, strata: Any = None, **over: Any) -> SamplingPlan:
    """A draft plan written through the service."""
    actor = actor or planner()
    return plan_save(actor=actor, data=plan_data(**over), strata=strata or STRATA)
