"""Builders for the tests of the directory's pages, API, notices and admin (issue 15, engineer
C): cases in each state with their ledger facts as the directory's services write them (made
directly here, so that these tests do not depend on the deadline run), and the people who act.
Listing and removal themselves go through the services (`directory_list`, `directory_remove`)
in the tests that exercise them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from credit_portal.dates import add_years
from credit_portal.models import Department, User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from remediation.models import DirectoryCase
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user
from tests.remediation.factories_repairs import staff

BUREAU_NAME = settings.CREDIT_PORTAL["BUREAU_NAME"]
State = DirectoryCase.State

READER_PERMS = (
    "enterprises.view_enterprise",
    "enterprises.view_creditrecord",
    "remediation.view_directorycase",
)
DECIDER_PERMS = (*READER_PERMS, "remediation.decide_directorycase")


def today() -> dt.date:
    return timezone.localdate()


def bureau() -> Department:
    return DepartmentFactory()


def partner() -> Department:
    return DepartmentFactory(code="eco", name="区生态环境局")


def author() -> User:
    return User.objects.get_or_create(username="directory-clerk")[0]


def reader(username: str = "dir-reader", department: Department | None = None) -> User:
    bureau()
    return staff(*READER_PERMS, username=username, department=department)


def decider(username: str = "dir-officer", department: Department | None = None) -> User:
    bureau()
    return staff(*DECIDER_PERMS, username=username, department=department)


def member(enterprise: Enterprise, username: str = "firm-user") -> User:
    return enterprise_user(enterprise, username=username)


def company(**over: Any) -> Enterprise:
    bureau()
    return EnterpriseFactory(**over)


def shop(**over: Any) -> Enterprise:
    bureau()
    return EnterpriseFactory(individual_business=True, **over)


def pending_case(
    enterprise: Enterprise | None = None,
    *,
    year: int | None = None,
    detected_on: dt.date | None = None,
    buffer_deadline: dt.date | None = None,
    reminders: list[dict[str, Any]] | None = None,
    pledged_on: dt.date | None = None,
) -> DirectoryCase:
    """A case in the punishment buffer, with its `listing_deferred` fact (not public)."""
    enterprise = enterprise or company()
    detected = detected_on or today() - dt.timedelta(days=5)
    year = year or detected.year - 1
    case = DirectoryCase.objects.create(
        created_by=author(),
        enterprise=enterprise,
        department=bureau(),
        individual_business=False,
        reason=DirectoryCase.Reason.LATE_REPORT,
        report_year=year,
        source=DirectoryCase.Source.DEADLINE_RUN,
        state=State.PENDING,
        detected_on=detected,
        buffer_deadline=buffer_deadline or today() + dt.timedelta(days=14),
        reminders=reminders or [],
        pledged_on=pledged_on,
        pledge_text="本单位承诺按期补报。" if pledged_on else "",
    )
    record = credit_record_append(
        enterprise=enterprise,
        kind="listing_deferred",
        occurred_on=detected,
        summary=f"暂缓列入经营异常名录（{year}年度报告未按时报送）",
        actor=None,
        is_public=False,
        details={
            "reason_code": "1",
            "year": year,
            "buffer_deadline": case.buffer_deadline.isoformat(),
        },
        source=case,
    )
    case.deferral_record = record
    case.save(update_fields=["deferral_record"])
    return DirectoryCase.objects.select_related("enterprise", "department").get(pk=case.pk)


def listed_case(
    enterprise: Enterprise | None = None,
    *,
    reason: str = "1",
    report_year: int | None = None,
    listed_on: dt.date | None = None,
    department: Department | None = None,
    cured_on: dt.date | None = None,
) -> DirectoryCase:
    """A listing (an individual business's mark when the entity is one) in force, with its
    `abnormal_listing` fact (public from the listing day; source: the case)."""
    enterprise = enterprise or company()
    individual = enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
    department = department or bureau()
    day = listed_on or today() - dt.timedelta(days=10)
    year = (report_year or day.year - 1) if reason == "1" else None
    case = DirectoryCase.objects.create(
        created_by=author(),
        enterprise=enterprise,
        department=department,
        individual_business=individual,
        reason=reason,
        report_year=year,
        source=DirectoryCase.Source.DEADLINE_RUN if reason == "1" else DirectoryCase.Source.STAFF,
        facts="" if reason == "1" else "两次实地核查，登记住所无人，电话无法接通。",
        state=State.LISTED,
        detected_on=day,
        listed_on=day,
        listing_due=day,
        cured_on=cured_on,
        serious_due=None if individual else add_years(day, 3),
        document_number=f"双市监异〔{day.year}〕{enterprise.pk}号",
    )
    prefix = "标记为经营异常状态：" if individual else "列入经营异常名录："
    text = "未按规定报送年度报告" if reason == "1" else "通过登记的住所或者经营场所无法联系"
    record = credit_record_append(
        enterprise=enterprise,
        kind="abnormal_listing",
        occurred_on=day,
        summary=prefix + text,
        actor=None,
        is_public=True,
        authority=department.name if not department.is_bureau else BUREAU_NAME,
        document_number=case.document_number,
        details={"reason_code": reason, "report_year": year, "individual_business": individual},
        source=case,
    )
    case.listing_record = record
    case.save(update_fields=["listing_record"])
    return DirectoryCase.objects.select_related("enterprise", "department").get(pk=case.pk)


def removed_case(enterprise: Enterprise | None = None, **kwargs: Any) -> DirectoryCase:
    """A listing removed (code 1: every report filed), with its `abnormal_removal` fact."""
    case = listed_case(enterprise, **kwargs)
    day = (case.listed_on or today()) + dt.timedelta(days=3)
    record = credit_record_append(
        enterprise=case.enterprise,
        kind="abnormal_removal",
        occurred_on=day,
        summary="移出经营异常名录：已补报未报年份的年度报告并公示",
        actor=None,
        is_public=True,
        authority=BUREAU_NAME,
        details={"reason_code": "1", "case": case.pk},
        source=case,
        closes=CreditRecord.objects.get(pk=case.listing_record_id),
    )
    DirectoryCase.objects.filter(pk=case.pk).update(
        state=State.REMOVED,
        removed_on=day,
        removal_code="1",
        removal_record=record,
        cured_on=day,
        version=case.version + 1,
    )
    return DirectoryCase.objects.select_related("enterprise", "department").get(pk=case.pk)


def closed_case(enterprise: Enterprise | None = None, *, year: int | None = None) -> DirectoryCase:
    """A buffer case closed without listing: the report was filed in time."""
    case = pending_case(enterprise, year=year, buffer_deadline=today() - dt.timedelta(days=2))
    day = today() - dt.timedelta(days=4)
    DirectoryCase.objects.filter(pk=case.pk).update(
        state=State.CLOSED_NO_LISTING, closed_on=day, cured_on=day, version=case.version + 1
    )
    return DirectoryCase.objects.select_related("enterprise", "department").get(pk=case.pk)


def filed(enterprise: Enterprise, year: int, on: dt.date | None = None) -> CreditRecord:
    """A report of `year` filed (the annual-report area's `annual_report_filed` fact)."""
    return credit_record_append(
        enterprise=enterprise,
        kind="annual_report_filed",
        occurred_on=on or today(),
        summary=f"{year}年度报告",
        actor=None,
        is_public=True,
        details={"year": year, "late": True},
    )
