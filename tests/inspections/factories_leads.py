"""Builders for the leads tests (`test_leads_*`): departments, staff who handle leads, items,
entities, and leads received through `lead_create` (the service itself: every lead a test uses
carries its number, clocks and receipt digest as the service writes them)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import time_machine
from django.contrib.auth.models import Group

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from enterprises.models import Enterprise
from inspections.models import InspectionItem, Lead
from inspections.services.leads import lead_create
from tests.enterprises.factories import EnterpriseFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Friday before the National Day holiday of 2025 (domain.md §0: 20 WD after it is 2025-10-30).
RECEIVED = dt.date(2025, 9, 26)
REPORTER = "王举报"
REPORTER_PHONE = "13912345678"
REPORTER_EMAIL = "wang.jubao@example.cn"


def on_day(day: dt.date, hour: int = 12) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI), tick=False)


def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


def partner(code: str = "health", name: str = "区卫生健康局") -> Department:
    return Department.objects.get_or_create(code=code, defaults={"name": name})[0]


def officer(
    username: str = "officer",
    department: Department | None = None,
    role: Role = Role.ENFORCEMENT_OFFICER,
) -> User:
    """Staff who handle leads (the enforcement officer's role: view_lead, handle_lead)."""
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    user.groups.add(Group.objects.get(name=str(role)))
    StaffProfile.objects.create(user=user, department=department or bureau())
    return User.objects.get(pk=user.pk)


def firm(**over: Any) -> Enterprise:
    bureau()
    return cast(Enterprise, EnterpriseFactory(**over))


def check_item(code: str = "lead-food", department: Department | None = None) -> InspectionItem:
    return InspectionItem.objects.get_or_create(
        code=code,
        defaults={
            "name": f"检查事项{code}",
            "department": department or bureau(),
            "legal_basis": "《市场监督管理投诉举报处理暂行办法》",
            "method": InspectionItem.Method.ON_SITE,
        },
    )[0]


def report(actor: User | None = None, **over: Any) -> tuple[Lead, str]:
    """A named report received by telephone on `RECEIVED` (call inside `on_day`)."""
    data: dict[str, Any] = {
        "actor": actor,
        "kind": Lead.Kind.REPORT,
        "channel": Lead.Channel.PHONE,
        "received_on": RECEIVED,
        "subject_name": "某某超市",
        "content": "该店销售过期食品，9月20日购买的牛奶已过保质期。",
        "reporter_name": REPORTER,
        "reporter_phone": REPORTER_PHONE,
        "reporter_email": REPORTER_EMAIL,
    }
    data.update(over)
    if data["actor"] is None:
        data["actor"] = officer("reporter-desk")
    return lead_create(**data)


def complaint(actor: User | None = None, **over: Any) -> tuple[Lead, str]:
    return report(actor, kind=Lead.Kind.COMPLAINT, **over)
