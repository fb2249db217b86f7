"""Builders for the tests of objections, the serious list and the repair of listings (issue 15,
engineer D): a listed directory case with its ledger fact as the directory's services write it
(made directly here, so that these tests do not depend on the deadline run), the filings and
corrections that cure a listing, and the people who act."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from credit_portal.dates import add_years
from credit_portal.models import Department, User
from enterprises.identity import id_digest, mask_id
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from remediation.models import DirectoryCase, DisclosureOrder
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user
from tests.remediation.factories_repairs import staff
from tests.remediation.factories_soft_actions import on_day  # noqa: F401 (re-exported)

BUREAU_NAME = settings.CREDIT_PORTAL["BUREAU_NAME"]
REP_ID = "510116198001011231"

OBJECTION_OFFICER_PERMS = (
    "enterprises.view_enterprise",
    "enterprises.view_creditrecord",
    "remediation.view_listingobjection",
    "remediation.decide_directorycase",
)
SERIOUS_READER_PERMS = ("enterprises.view_enterprise", "remediation.view_seriouslisting")


def today() -> dt.date:
    return timezone.localdate()


def bureau() -> Department:
    return DepartmentFactory()


def author() -> User:
    return User.objects.get_or_create(username="directory-clerk")[0]


def firm(**over: Any) -> Enterprise:
    """A company whose legal representative's identity number the register holds."""
    bureau()
    fields: dict[str, Any] = {
        "legal_rep_name": "李四",
        "legal_rep_id_masked": mask_id(REP_ID),
        "legal_rep_id_digest": id_digest(REP_ID),
    }
    fields.update(over)
    return EnterpriseFactory(**fields)


def listed_case(
    enterprise: Enterprise | None = None,
    *,
    reason: str = "1",
    report_year: int | None = 2023,
    listed_on: dt.date | None = None,
    individual: bool = False,
    department: Department | None = None,
    order: DisclosureOrder | None = None,
    serious_due: bool = True,
) -> DirectoryCase:
    """A listing (or an individual business's mark) in force, with its `abnormal_listing`
    fact (public from the listing day; source: the case)."""
    enterprise = enterprise or firm()
    department = department or bureau()
    day = listed_on or today() - dt.timedelta(days=10)
    case = DirectoryCase.objects.create(
        created_by=author(),
        enterprise=enterprise,
        department=department,
        individual_business=individual,
        reason=reason,
        report_year=report_year if reason == "1" else None,
        source=DirectoryCase.Source.DEADLINE_RUN if reason == "1" else DirectoryCase.Source.STAFF,
        state=DirectoryCase.State.LISTED,
        detected_on=day,
        listed_on=day,
        order=order,
        serious_due=add_years(day, 3) if serious_due and not individual else None,
        document_number=f"双市监异〔{day.year}〕{enterprise.pk}号",
    )
    record = credit_record_append(
        enterprise=enterprise,
        kind="abnormal_listing",
        occurred_on=day,
        summary="列入经营异常名录：未按规定期限公示年度报告",
        actor=None,
        is_public=True,
        authority=BUREAU_NAME,
        document_number=case.document_number,
        details={
            "reason_code": reason,
            "report_year": case.report_year,
            "individual_business": individual,
        },
        source=case,
    )
    case.listing_record = record
    case.save(update_fields=["listing_record"])
    return DirectoryCase.objects.select_related("enterprise", "listing_record").get(pk=case.pk)


def late(enterprise: Enterprise, year: int) -> CreditRecord:
    """The deadline job's `annual_report_late` fact of `year`."""
    return credit_record_append(
        enterprise=enterprise,
        kind="annual_report_late",
        occurred_on=dt.date(year + 1, 7, 1),
        summary=f"{year}年度年度报告未按时报送",
        actor=None,
        details={"year": year},
    )


def filed(enterprise: Enterprise, year: int, on: dt.date | None = None) -> CreditRecord:
    """A report of `year` filed (the annual-report area's `annual_report_filed` fact)."""
    return credit_record_append(
        enterprise=enterprise,
        kind="annual_report_filed",
        occurred_on=on or today(),
        summary=f"{year}年度报告",
        actor=None,
        is_public=True,
        details={"year": year, "late": True, "channel": "online", "form": "enterprise"},
    )


def member(enterprise: Enterprise, username: str = "firm-user") -> User:
    return enterprise_user(enterprise, username=username)


def objection_officer(username: str = "objection-officer", **kwargs: Any) -> User:
    return staff(*OBJECTION_OFFICER_PERMS, username=username, **kwargs)
