"""Builders for the tests of immediate disclosures, invitations to self-correct and orders to
disclose: companies and their users, officers with this area's codenames, complete contents of
each item, disclosures made through the services, a filed annual report (a row: the reports'
own services are another area's), and the clock."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone

from annual_reports.models import AnnualReport, ImmediateDisclosure
from annual_reports.services.disclosures import (
    disclosure_correction_start,
    disclosure_draft_save,
    disclosure_submit,
)
from credit_portal.models import Department, StaffProfile, User
from enterprises.models import Enterprise
from tests.enterprises.factories import EnterpriseFactory, enterprise_user

SHANGHAI = ZoneInfo("Asia/Shanghai")

DISCLOSURE_PERMS = (
    "enterprises.view_enterprise",
    "annual_reports.view_immediatedisclosure",
)
INVITATION_PERMS = (
    "enterprises.view_enterprise",
    "annual_reports.view_correctioninvitation",
    "annual_reports.add_correctioninvitation",
    "annual_reports.change_correctioninvitation",
)
ORDER_PERMS = (
    "enterprises.view_enterprise",
    "remediation.view_disclosureorder",
    "remediation.add_disclosureorder",
    "remediation.change_disclosureorder",
)


def at(day: dt.date, hour: int = 12) -> Any:
    """The clock at `hour`:00, Beijing time, on `day` (time_machine, not ticking)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI), tick=False)


def today() -> dt.date:
    return timezone.localdate()


def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


def partner() -> Department:
    return Department.objects.get_or_create(code="eco", defaults={"name": "区生态环境局"})[0]


def company(**over: Any) -> Enterprise:
    over.setdefault("registered_on", dt.date(2020, 5, 1))
    return EnterpriseFactory(**over)


def member(enterprise: Enterprise, username: str = "firm") -> User:
    return enterprise_user(enterprise, username=username)


def staff(*codenames: str, username: str, department: Department | None = None) -> User:
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    for full in codenames:
        app_label, codename = full.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    StaffProfile.objects.create(user=user, department=department or bureau())
    return User.objects.get(pk=user.pk)


def contribution(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": "张三",
        "subscribed": "100",
        "subscribed_form": "currency",
        "subscribed_on": "2030-12-31",
        "paid": "40",
        "paid_form": "currency",
        "paid_on": "2025-09-20",
    }
    row.update(over)
    return {"shareholders": [row]}


def licence(**over: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "name": "食品经营许可证",
        "number": "JY15101160012345",
        "authority": "成都市双流区市场监督管理局",
        "valid_from": "2025-09-01",
        "valid_until": "2030-08-31",
    }
    content.update(over)
    return content


def equity(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"shareholder": "李四", "before": "30", "after": "20"}
    row.update(over)
    return {"changes": [row]}


def ip_pledge(**over: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "ip_kind": "trademark",
        "ip_name": "“蓉城”商标",
        "certificate_number": "第12345678号",
        "pledgor": "成都市双流区测试企业有限公司",
        "pledgee": "某某银行股份有限公司成都分行",
        "registered_on": "2025-09-10",
        "pledge_until": "",
    }
    content.update(over)
    return content


CONTENT = {
    "contribution": contribution,
    "licence": licence,
    "equity_change": equity,
    "ip_pledge": ip_pledge,
}


def disclose(
    enterprise: Enterprise,
    user: User,
    *,
    item: str = "licence",
    changed_on: dt.date = dt.date(2025, 9, 26),
    content: dict[str, Any] | None = None,
) -> ImmediateDisclosure:
    """A disclosure drafted and submitted today (move the clock first)."""
    draft = disclosure_draft_save(
        actor=user,
        enterprise=enterprise,
        item=item,
        changed_on=changed_on,
        content=content if content is not None else CONTENT[item](),
    )
    return disclosure_submit(actor=user, disclosure=draft, expected_version=draft.version)


def correct(
    disclosure: ImmediateDisclosure,
    user: User,
    *,
    content: dict[str, Any],
    reason: str = "许可证有效期填写错误，予以更正。",
) -> ImmediateDisclosure:
    """A correction of the version in force, submitted today."""
    draft = disclosure_correction_start(actor=user, disclosure=disclosure)
    draft = disclosure_draft_save(
        actor=user,
        enterprise=disclosure.enterprise,
        item=draft.item,
        changed_on=draft.changed_on,
        content=content,
        draft=draft,
        correction_reason=reason,
        expected_version=draft.version,
    )
    return disclosure_submit(actor=user, disclosure=draft, expected_version=draft.version)


def filed_report(enterprise: Enterprise, year: int, filed_on: dt.date) -> AnnualReport:
    """A submitted annual report row for `year` (the reports' services are another area's)."""
    creator = User.objects.get_or_create(username=f"filer-{enterprise.pk}")[0]
    return AnnualReport.objects.create(
        enterprise=enterprise,
        year=year,
        form=AnnualReport.Form.ENTERPRISE,
        status=AnnualReport.Status.SUBMITTED,
        is_current=True,
        filed_on=filed_on,
        created_by=creator,
        submitted_by=creator,
    )


def run_daily(day: dt.date, only: str) -> str:
    """One daily job for `day`, through the operators' command."""
    out = io.StringIO()
    call_command("run_daily", "--date", day.isoformat(), "--only", only, stdout=out)
    return out.getvalue()
