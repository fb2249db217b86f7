"""Builders for the standing tests: an enterprise with its facts appended through the register's
real services (the ledger append, the status service), as remediation's tests build theirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from annual_reports.kinds import ANNUAL_REPORT_FILED
from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from enterprises.services.status import enterprise_status_change
from remediation.kinds import (
    ABNORMAL_LISTING,
    ABNORMAL_REMOVAL,
    ABNORMAL_REVOCATION,
    LISTING_DEFERRED,
    PENALTY,
    PENALTY_WITHDRAWAL,
    REPAIR,
    SERIOUS_LISTING,
)
from standing.selectors.standing import last_due_report_year
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user


def today() -> dt.date:
    return timezone.localdate()


def clerk() -> User:
    return User.objects.get_or_create(username="standing-clerk")[0]


def report_filed(enterprise: Enterprise, year: int | None = None) -> CreditRecord:
    year = year or last_due_report_year(today())
    return credit_record_append(
        enterprise=enterprise,
        kind=ANNUAL_REPORT_FILED,
        occurred_on=dt.date(year + 1, 5, 10),
        summary=f"{year}年度报告",
        actor=clerk(),
        is_public=True,
        publicity_start=dt.date(year + 1, 5, 10),
        details={"year": year, "late": False},
    )


def good_firm(**over: Any) -> Enterprise:
    """A company with no fault: registered in 2020, last year's report filed."""
    DepartmentFactory()
    enterprise = EnterpriseFactory(**over)
    report_filed(enterprise)
    return enterprise


def member(enterprise: Enterprise, username: str = "firm") -> User:
    return enterprise_user(enterprise, username=username)


def abnormal(
    enterprise: Enterprise, *, days_ago: int = 5, individual: bool = False, public: bool = True
) -> CreditRecord:
    day = today() - dt.timedelta(days=days_ago)
    return credit_record_append(
        enterprise=enterprise,
        kind=ABNORMAL_LISTING,
        occurred_on=day,
        summary="未按时公示年度报告",
        actor=clerk(),
        is_public=public,
        publicity_start=day if public else None,
        details={"reason_code": "1", "individual_business": individual},
    )


def abnormal_removed(listing: CreditRecord) -> CreditRecord:
    return credit_record_append(
        enterprise=listing.enterprise,
        kind=ABNORMAL_REMOVAL,
        occurred_on=today(),
        summary="补报年度报告，移出",
        actor=clerk(),
        closes=listing,
    )


def closed_by(record: CreditRecord, kind: str, summary: str) -> CreditRecord:
    """A record of `kind` closing `record` today (a removal, a revocation, a withdrawal, a
    repair)."""
    return credit_record_append(
        enterprise=record.enterprise,
        kind=kind,
        occurred_on=today(),
        summary=summary,
        actor=clerk(),
        closes=record,
    )


def abnormal_revoked(listing: CreditRecord) -> CreditRecord:
    """The listing revoked as wrongful (an objection upheld): hidden from the public."""
    return closed_by(listing, ABNORMAL_REVOCATION, "异议成立，撤销列入")


def penalty_withdrawn(decision: CreditRecord) -> CreditRecord:
    return closed_by(decision, PENALTY_WITHDRAWAL, "处罚决定被撤销，撤下公示")


def penalty_repaired(decision: CreditRecord) -> CreditRecord:
    return closed_by(decision, REPAIR, "信用修复，提前停止公示")


def serious(enterprise: Enterprise, *, days_ago: int = 30) -> CreditRecord:
    day = today() - dt.timedelta(days=days_ago)
    return credit_record_append(
        enterprise=enterprise,
        kind=SERIOUS_LISTING,
        occurred_on=day,
        summary="列入严重违法失信名单",
        actor=clerk(),
        is_public=True,
        publicity_start=day,
    )


def penalty(
    enterprise: Enterprise, *, days_ago: int = 20, months: int = 3, public: bool = True
) -> CreditRecord:
    day = today() - dt.timedelta(days=days_ago)
    return credit_record_append(
        enterprise=enterprise,
        kind=PENALTY,
        occurred_on=day,
        summary="罚款人民币五千元",
        actor=clerk(),
        is_public=public,
        publicity_start=day if public else None,
        publicity_end=day + dt.timedelta(days=30 * months) if public else None,
        document_number="双市监罚〔2026〕7号",
    )


def deferred(enterprise: Enterprise) -> CreditRecord:
    year = last_due_report_year(today())
    return credit_record_append(
        enterprise=enterprise,
        kind=LISTING_DEFERRED,
        occurred_on=today() - dt.timedelta(days=1),
        summary="暂缓列入",
        actor=clerk(),
        details={"year": year, "buffer_deadline": (today() + dt.timedelta(days=10)).isoformat()},
    )


def status(enterprise: Enterprise, new_status: str, **kw: Any) -> CreditRecord:
    return enterprise_status_change(
        actor=clerk(),
        enterprise=enterprise,
        new_status=new_status,
        effective_on=kw.pop("effective_on", today() - dt.timedelta(days=3)),
        **kw,
    )
