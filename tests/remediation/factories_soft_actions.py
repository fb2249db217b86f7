"""Builders for the soft-enforcement tests: departments, staff in their roles, enterprises and
their users, and documents brought to a state through the services themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Group

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from enterprises.models import Enterprise, EnterpriseMembership
from remediation.models import SoftAction
from remediation.services.soft_actions import (
    soft_action_approve,
    soft_action_create,
    soft_action_serve,
)
from tests.enterprises.factories import EnterpriseFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Friday before the 2025 National Day holiday: 10 working days after it is 2025-10-16 (Sunday
# 28 September and Saturday 11 October were working days; 1–8 October was the holiday).
FRIDAY = dt.date(2025, 9, 26)
TEN_WD_AFTER_FRIDAY = dt.date(2025, 10, 16)


def on_day(day: dt.date) -> Any:
    """The clock at noon, Beijing time, on `day`."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI), tick=False)


def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


def partner(code: str = "eco", name: str = "区生态环境局") -> Department:
    return Department.objects.get_or_create(code=code, defaults={"name": name})[0]


def staff(username: str, *roles: Role, department: Department | None = None) -> User:
    """A staff user of `department` (the bureau by default) holding these roles."""
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    for role in roles:
        user.groups.add(Group.objects.get(name=str(role)))
    StaffProfile.objects.create(user=user, department=department or bureau())
    return User.objects.get(pk=user.pk)


def officer(username: str = "officer", department: Department | None = None) -> User:
    """An enforcement officer: drafts, serves, records rectification; does not approve."""
    return staff(username, Role.ENFORCEMENT_OFFICER, department=department)


def supervisor(username: str = "chief", department: Department | None = None) -> User:
    """A supervisor: approves (and may do the rest)."""
    return staff(username, Role.SUPERVISOR, department=department)


def enterprise(**fields: Any) -> Enterprise:
    fields.setdefault("department", bureau())
    return EnterpriseFactory(**fields)


def member(of: Enterprise, username: str = "firm") -> User:
    """A user acting for `of` (an enterprise user)."""
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    user.groups.add(Group.objects.get(name=str(Role.ENTERPRISE_USER)))
    EnterpriseMembership.objects.create(user=user, enterprise=of)
    return User.objects.get(pk=user.pk)


def draft(
    actor: User,
    to: Enterprise | None,
    *,
    instrument: str = SoftAction.Instrument.ADMONITION,
    **over: Any,
) -> SoftAction:
    data: dict[str, Any] = {
        "instrument": instrument,
        "enterprise": to,
        "addressee_name": "" if to is not None else "某区人民政府办公室",
        "department": actor.staff_profile.department,
        "trigger": SoftAction.Trigger.INSPECTION,
        "reason": "经营场所未公示营业执照，食品经营许可证已过期。",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "facts": "2025年9月20日检查发现。",
        "required_actions": "立即停止超范围经营，补办许可证并公示营业执照。",
        "contact_person": "王科长",
        "contact_phone": "028-85831234",
    }
    data.update(over)
    return soft_action_create(actor=actor, **data)


def approved(drafter: User, approver: User, to: Enterprise | None, **over: Any) -> SoftAction:
    action = draft(drafter, to, **over)
    return soft_action_approve(actor=approver, action=action, expected_version=action.version)


def served(
    drafter: User,
    approver: User,
    to: Enterprise | None,
    *,
    served_on: dt.date | None = None,
    **over: Any,
) -> SoftAction:
    action = approved(drafter, approver, to, **over)
    return soft_action_serve(
        actor=drafter,
        action=action,
        served_on=served_on or action.issued_on,
        method=SoftAction.ServiceMethod.DIRECT,
        receipt_signed_by="张三",
        expected_version=action.version,
    )
