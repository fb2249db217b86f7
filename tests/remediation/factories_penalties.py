"""Helpers of the penalty tests: the clock, the catalogue, users, valid drafts and decisions.

The clock stands at noon of 2025-10-15 (Beijing) unless a test moves it: a year whose holiday
schedule `chinese-calendar` knows, so working-day deadlines are exact (20 WD after 2025-09-26,
the default decision date, is 2025-10-30: docs/domain.md §0).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Group, Permission
from django.test import Client
from rest_framework.test import APIClient

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from enterprises.models import Enterprise, EnterpriseMembership
from remediation.catalogue import catalogue_load
from remediation.models import LeniencyListItem, PenaltyDecision, ViolationType
from remediation.services.penalties import penalty_draft_save, penalty_record
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 10, 15)
DECIDED = dt.date(2025, 9, 26)
PUBLICATION_DUE = dt.date(2025, 10, 30)  # 20 WD after DECIDED (docs/domain.md §0)
# A valid resident identity number (GB 11643 check digit) and a second one.
PERSON_ID = "11010519491231002X"
PERSON_ID_2 = "510104198001010014"

_numbers = itertools.count(1)


def at(day: dt.date) -> Any:
    """The clock at noon, Beijing time, on `day`."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI), tick=False)


def catalogue() -> dict[str, ViolationType]:
    """The seed catalogue, by code."""
    catalogue_load()
    return {t.code: t for t in ViolationType.objects.all()}


def list_item(code: str, kind: str = LeniencyListItem.ListKind.FIRST_VIOLATION) -> LeniencyListItem:
    return LeniencyListItem.objects.get(violation_type__code=code, list_kind=kind)


def staff(
    role: Role = Role.ENFORCEMENT_OFFICER,
    *,
    username: str | None = None,
    department: Department | None = None,
    audit: bool = True,
) -> User:
    """A staff user of `department` (the bureau by default) with a role (and the audit log)."""
    department = department or DepartmentFactory(code="amr")
    user = User.objects.create_user(
        username=username or f"{role}-{next(_numbers)}", password="Secret-pass-123"
    )
    user.groups.add(Group.objects.get(name=str(role)))
    if audit:
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="credit_portal", codename="view_auditevent"
            )
        )
    StaffProfile.objects.create(user=user, department=department)
    return User.objects.get(pk=user.pk)


def member(enterprise: Enterprise, username: str | None = None) -> User:
    """A user of `enterprise` (the enterprise-user role)."""
    user = User.objects.create_user(
        username=username or f"firm-{next(_numbers)}", password="Secret-pass-123"
    )
    user.groups.add(Group.objects.get(name=str(Role.ENTERPRISE_USER)))
    EnterpriseMembership.objects.create(user=user, enterprise=enterprise)
    return User.objects.get(pk=user.pk)


def fine(amount: int | str | Decimal) -> dict[str, Any]:
    return {"kind": "fine", "amount": Decimal(str(amount)), "months": None, "description": ""}


def measure(kind: str, amount: Any = None, months: int | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "amount": None if amount is None else Decimal(str(amount)),
        "months": months,
        "description": "",
    }


def draft_data(enterprise: Enterprise | None = None, **over: Any) -> dict[str, Any]:
    """Valid data of a draft about `enterprise` (a price-marking violation, range CNY 0 to
    5,000, decided on 2025-09-26)."""
    data: dict[str, Any] = {
        "number": f"双市监处罚〔2025〕{next(_numbers)}号",
        "decided_on": DECIDED,
        "department": "amr",
        "procedure": "ordinary",
        "party_kind": "registered",
        "enterprise_uscc": enterprise.uscc if enterprise is not None else "",
        "violation_type": "price_marking",
        "violation_on": dt.date(2025, 8, 1),
        "discovered_on": dt.date(2025, 9, 1),
        "facts": "当事人经营场所内商品未按规定明码标价。",
        "legal_basis": "《中华人民共和国价格法》第十三条、《价格违法行为行政处罚规定》第十三条",
        "leniency": "standard",
    }
    data.update(over)
    return data


def make_draft(
    actor: User,
    enterprise: Enterprise | None = None,
    *,
    measures: list[dict[str, Any]] | None = None,
    **over: Any,
) -> PenaltyDecision:
    return penalty_draft_save(
        actor=actor,
        data=draft_data(enterprise, **over),
        measures=[fine(1000)] if measures is None else measures,
    )


def make_recorded(
    actor: User,
    enterprise: Enterprise | None = None,
    *,
    measures: list[dict[str, Any]] | None = None,
    **over: Any,
) -> PenaltyDecision:
    draft = make_draft(actor, enterprise, measures=measures, **over)
    return penalty_record(actor=actor, decision=draft, expected_version=draft.version)


def first_violation_data(enterprise: Enterprise | None = None, **over: Any) -> dict[str, Any]:
    """A valid 首违不罚 draft: unlicensed sale of bulk food, list item 1."""
    values: dict[str, Any] = {
        "violation_type": "food_bulk_unlicensed",
        "leniency": "first_violation",
        "leniency_grounds": ["art33_first"],
        "leniency_facts": "初次违法，涉案散装食品货值120元，当场停止销售并于次日取得许可。",
        "leniency_item": list_item("food_bulk_unlicensed").pk,
        "corrected_on": dt.date(2025, 9, 2),
        "facts": "当事人未取得食品经营许可销售散装食品。",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
    }
    values.update(over)
    return draft_data(enterprise, **values)


def enterprise(**fields: Any) -> Enterprise:
    return EnterpriseFactory(**fields)


def client_for(user: User | None) -> Client:
    """A page client in English (the assertions read English), logged in as `user`."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def api(user: User | None) -> APIClient:
    """An API client in English, authenticated as `user` (None: anonymous)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client
