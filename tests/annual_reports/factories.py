"""Builders for the annual-report tests: entities, the people who act (an enterprise's filer,
an officer), complete reports of either form, and a clock on a day of the reporting calendar.
Reports are filed through the services (`annual_reports.services.reports`), as the pages do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Permission

from annual_reports.models import AnnualReport
from annual_reports.services.reports import report_draft_save, report_submit
from credit_portal.models import Department, StaffProfile, User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from tests.enterprises.factories import EnterpriseFactory, enterprise_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2025  # the year reported on in most tests: window 2026-01-01 – 2026-06-30
IN_WINDOW = dt.date(2026, 3, 10)
OFFICER_PERMS = (
    "enterprises.view_enterprise",
    "annual_reports.view_annualreport",
    "annual_reports.enter_paper_annualreport",
)


def at(day: dt.date, hour: int = 12, minute: int = 0) -> Any:
    """The clock at `hour`:`minute`, Beijing time, on `day` (time_machine, not ticking)."""
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


def company(**over: Any) -> Enterprise:
    over.setdefault("registered_on", dt.date(2020, 5, 1))
    return EnterpriseFactory(**over)


def shop(**over: Any) -> Enterprise:
    over.setdefault("registered_on", dt.date(2021, 3, 1))
    return EnterpriseFactory(individual_business=True, **over)


def member(enterprise: Enterprise, username: str = "filer") -> User:
    return enterprise_user(enterprise, username=username)


def staff(*codenames: str, username: str, department: Department | None = None) -> User:
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    for full in codenames:
        app_label, codename = full.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    StaffProfile.objects.create(
        user=user,
        department=department
        or Department.objects.get_or_create(
            code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
        )[0],
    )
    return User.objects.get(pk=user.pk)


def officer(username: str = "officer", department: Department | None = None) -> User:
    return staff(*OFFICER_PERMS, username=username, department=department)


def enterprise_data(**over: Any) -> dict[str, Any]:
    """A complete enterprise report (items 1–7, one shareholder: a company's item 4)."""
    data: dict[str, Any] = {
        "mailing_address": "四川省成都市双流区东升街道棠湖路1号",
        "postcode": "610200",
        "phone": "028-85000000",
        "email": "office@example.cn",
        "operating_status": "operating",
        "contributions": [
            {
                "shareholder": "张三",
                "subscribed": "100",
                "subscribed_on": "2020-05-01",
                "subscribed_form": "货币",
                "paid": "100",
                "paid_on": "2020-06-01",
                "paid_form": "货币",
            }
        ],
        "websites": [{"kind": "shop", "name": "蓉城旗舰店", "url": "https://shop.example.cn"}],
        "headcount": 12,
        "total_assets": Decimal("350.50"),
        "total_liabilities": Decimal("120.00"),
        "guarantees": Decimal("0"),
        "owners_equity": Decimal("230.50"),
        "total_revenue": Decimal("800.00"),
        "main_revenue": Decimal("760.00"),
        "total_profit": Decimal("-15.20"),
        "net_profit": Decimal("-15.20"),
        "tax_paid": Decimal("24.10"),
    }
    data.update(over)
    return data


def individual_data(**over: Any) -> dict[str, Any]:
    """A complete simplified individual-business report."""
    data: dict[str, Any] = {
        "phone": "13800000000",
        "operating_status": "operating",
        "headcount": 2,
        "total_revenue": Decimal("36.00"),
        "tax_paid": Decimal("0.50"),
        "websites": [],
    }
    data.update(over)
    return data


def data_for(enterprise: Enterprise, **over: Any) -> dict[str, Any]:
    if enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS:
        return individual_data(**over)
    return enterprise_data(**over)


def file_report(
    enterprise: Enterprise,
    *,
    year: int = YEAR,
    on: dt.date = IN_WINDOW,
    actor: User | None = None,
    **over: Any,
) -> AnnualReport:
    """A report drafted and submitted online on `on` (clock moved there)."""
    actor = actor or User.objects.get_or_create(username=f"filer-{enterprise.pk}")[0]
    with at(on):
        draft = report_draft_save(
            actor=actor, enterprise=enterprise, year=year, data=data_for(enterprise, **over)
        )
        return report_submit(actor=actor, report=draft, expected_version=draft.version)


def deferred(enterprise: Enterprise, year: int = YEAR, on: dt.date | None = None) -> CreditRecord:
    """The ledger fact of a listing deferred into the punishment buffer for `year` (what the
    deadline run writes for an entity pending listing)."""
    day = on or dt.date(year + 1, 7, 1)
    with at(day):
        return credit_record_append(
            enterprise=enterprise,
            kind="listing_deferred",
            occurred_on=day,
            summary=f"暂缓列入经营异常名录（{year}年度报告）",
            actor=None,
            details={"reason_code": "1", "year": year, "buffer_deadline": "2026-07-28"},
        )
