"""The seed's figures of the directory and of self-correction, from data
(`remediation.selectors.figures.seed_figures`): listings deferred (户), filed within the buffer
(户), individual businesses restored (户), self-corrections (户次) — each counted from rows, for
a year and the reader's jurisdiction, and what must not be counted (docs/domain.md §3, §10,
Appendix A)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from annual_reports.models import CorrectionInvitation
from credit_portal.models import Department, StaffProfile, User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from remediation.kinds import (
    ABNORMAL_LISTING,
    ABNORMAL_REMOVAL,
    LISTING_DEFERRED,
    REPAIR,
    SELF_CORRECTION,
)
from remediation.models import DirectoryCase
from remediation.selectors.figures import ENTERPRISES, ENTITY_TIMES, seed_figures
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = dt.date(2026, 3, 10)
State = DirectoryCase.State
Removal = DirectoryCase.Removal
IB = Enterprise.EntityType.INDIVIDUAL_BUSINESS


@pytest.fixture(autouse=True)
def _clock():
    moment = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


class District:
    """The bureau and a partner department, their staff, and the cases built below."""

    def __init__(self) -> None:
        self.amr = DepartmentFactory(code="amr", name="区市场监督管理局", is_bureau=True)
        self.eco = DepartmentFactory(code="eco", name="区生态环境局", is_bureau=False)
        self.bureau_user = self._staff("bureau", self.amr)
        self.partner_user = self._staff("partner", self.eco)

    def _staff(self, username: str, department: Department) -> User:
        user = User.objects.create_user(username=username, password="Secret-pass-123")
        StaffProfile.objects.create(user=user, department=department)
        return user

    def firm(self, *, individual: bool = False, department: Department | None = None) -> Enterprise:
        if individual:
            return EnterpriseFactory(entity_type=IB, department=department or self.amr)
        return EnterpriseFactory(department=department or self.amr)

    def case(self, firm: Enterprise, **fields: Any) -> DirectoryCase:
        values: dict[str, Any] = {
            "enterprise": firm,
            "department": self.amr,
            "individual_business": firm.entity_type == IB,
            "reason": DirectoryCase.Reason.LATE_REPORT,
            "report_year": YEAR - 1,
            "source": DirectoryCase.Source.DEADLINE_RUN,
            "state": State.LISTED,
            "detected_on": dt.date(YEAR, 7, 1),
            "created_by": self.bureau_user,
            **fields,
        }
        return DirectoryCase.objects.create(**values)

    def deferred(
        self, firm: Enterprise, *, state: str, on: dt.date = dt.date(YEAR, 7, 1), **fields: Any
    ) -> DirectoryCase:
        """A case that entered the buffer on `on`, now in `state`."""
        case = self.case(
            firm,
            state=state,
            detected_on=on,
            buffer_deadline=on + dt.timedelta(days=27),
            report_year=on.year - 1,
            **fields,
        )
        case.deferral_record = credit_record_append(
            enterprise=firm,
            kind=LISTING_DEFERRED,
            occurred_on=on,
            summary="暂缓列入经营异常名录（惩戒缓冲期）",
            actor=None,
            details={"reason_code": "1", "year": on.year - 1, "case": case.pk},
            source=case,
        )
        case.save()
        return case

    def mark(
        self, firm: Enterprise, *, reason: str = "1", on: dt.date = dt.date(YEAR, 7, 1)
    ) -> DirectoryCase:
        """An individual business marked (or an enterprise listed) on `on`, with its fact."""
        case = self.case(
            firm,
            reason=reason,
            report_year=on.year - 1 if reason == "1" else None,
            listed_on=on,
            detected_on=on,
        )
        case.listing_record = credit_record_append(
            enterprise=firm,
            kind=ABNORMAL_LISTING,
            occurred_on=on,
            summary="标记为经营异常状态",
            actor=None,
            is_public=True,
            details={"reason_code": reason, "individual_business": case.individual_business},
            source=case,
        )
        case.save()
        return case

    def lifted(
        self, case: DirectoryCase, *, on: dt.date, code: str = "1", kind: str = ABNORMAL_REMOVAL
    ) -> DirectoryCase:
        """The mark lifted on `on`: by a removal with `code`, or by a repair application."""
        case.removal_record = credit_record_append(
            enterprise=case.enterprise,
            kind=kind,
            occurred_on=on,
            summary="恢复正常记载状态",
            actor=None,
            is_public=kind == ABNORMAL_REMOVAL,
            details={"reason_code": code},
            source=case,
            closes=case.listing_record,
        )
        case.state = State.REMOVED
        case.removed_on = on
        case.removal_code = code
        case.save()
        return case

    def self_correction(
        self, firm: Enterprise, *, on: dt.date, department: Department | None
    ) -> CreditRecord:
        """A self-correction fact; invited by `department` (none: a disclosure corrected)."""
        invitation = None
        if department is not None:
            invitation = CorrectionInvitation.objects.create(
                enterprise=firm,
                year=on.year - 1,
                reason=CorrectionInvitation.Reason.GENERAL_STATUS,
                findings="抽查发现联系电话与实际不符",
                department=department,
                invited_on=on - dt.timedelta(days=3),
                respond_by=on + dt.timedelta(days=4),
                status=CorrectionInvitation.Status.USED,
                created_by=self.bureau_user,
            )
        details: dict[str, Any] = (
            {"what": "annual_report", "year": on.year - 1, "invitation": invitation.pk}
            if invitation is not None
            else {"what": "disclosure", "item": "contribution"}
        )
        return credit_record_append(
            enterprise=firm,
            kind=SELF_CORRECTION,
            occurred_on=on,
            summary="信息自我纠错",
            actor=None,
            details=details,
        )


@pytest.fixture
def district() -> District:
    d = District()
    # The buffer of the year: four enterprises deferred on 1 July; one filed within it.
    d.deferred(
        d.firm(),
        state=State.CLOSED_NO_LISTING,
        closed_on=dt.date(YEAR, 7, 20),
        cured_on=dt.date(YEAR, 7, 20),
    )
    d.deferred(d.firm(), state=State.PENDING)  # still open: deferred, not filed within
    d.deferred(d.firm(), state=State.LISTED, listed_on=dt.date(YEAR, 7, 29))
    # Closed because the entity ceased: deferred, but it never filed.
    d.deferred(d.firm(), state=State.CLOSED_NO_LISTING, closed_on=dt.date(YEAR, 7, 15))
    # Another year's buffer, and a listing that never entered one.
    d.deferred(
        d.firm(),
        state=State.CLOSED_NO_LISTING,
        on=dt.date(YEAR - 1, 7, 1),
        closed_on=dt.date(YEAR - 1, 7, 10),
        cured_on=dt.date(YEAR - 1, 7, 10),
    )
    d.mark(d.firm(), on=dt.date(YEAR, 7, 14))
    # The partner department's own buffer case (its cases count for it).
    d.deferred(
        d.firm(),
        state=State.CLOSED_NO_LISTING,
        department=d.eco,
        closed_on=dt.date(YEAR, 7, 9),
        cured_on=dt.date(YEAR, 7, 9),
    )

    # Individual businesses: two restored in the year by their own filing (one of them marked
    # the year before), ...
    d.lifted(d.mark(d.firm(individual=True)), on=dt.date(YEAR, 8, 3))
    d.lifted(d.mark(d.firm(individual=True), on=dt.date(YEAR - 1, 7, 1)), on=dt.date(YEAR, 2, 3))
    # ... not: restored in another year, lifted by a repair application, a reason-4 mark
    # lifted by a change of premises, an enterprise's listing removed, a mark still running.
    d.lifted(
        d.mark(d.firm(individual=True), on=dt.date(YEAR - 1, 7, 1)), on=dt.date(YEAR - 1, 9, 1)
    )
    d.lifted(d.mark(d.firm(individual=True)), on=dt.date(YEAR, 9, 9), kind=REPAIR)
    d.lifted(d.mark(d.firm(individual=True), reason="4"), on=dt.date(YEAR, 9, 10), code="4")
    d.lifted(d.mark(d.firm()), on=dt.date(YEAR, 9, 11))
    d.mark(d.firm(individual=True))

    # Self-corrections (户次): one firm twice, one invited by the partner (a firm it
    # supervises), a disclosure corrected; one of the year before.
    twice = d.firm()
    d.self_correction(twice, on=dt.date(YEAR, 8, 1), department=d.amr)
    d.self_correction(twice, on=dt.date(YEAR, 10, 1), department=d.amr)
    d.self_correction(d.firm(department=d.eco), on=dt.date(YEAR, 9, 1), department=d.eco)
    d.self_correction(d.firm(), on=dt.date(YEAR, 5, 5), department=None)
    d.self_correction(d.firm(), on=dt.date(YEAR - 1, 12, 31), department=d.amr)
    return d


def test_the_bureau_counts_each_figure_from_rows(district, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        figures = seed_figures(year=YEAR, user=district.bureau_user)

    assert figures.listings_deferred == 5  # four of the bureau, one of the partner
    assert figures.filed_within_buffer == 2  # not the pending, listed or ceased ones
    assert figures.ib_restored == 2
    assert figures.self_corrections == 4  # entity-times: the firm corrected twice counts twice
    units = {row.code: row.unit for row in figures.rows()}
    assert units["listings_deferred"] == units["filed_within_buffer"] == ENTERPRISES
    assert units["ib_restored"] == ENTERPRISES
    assert units["self_corrections"] == ENTITY_TIMES
    # The figures of the year before are their own.
    before = seed_figures(year=YEAR - 1, user=district.bureau_user)
    assert (before.listings_deferred, before.filed_within_buffer) == (1, 1)
    assert (before.ib_restored, before.self_corrections) == (1, 1)


def test_a_partner_department_counts_its_own_only(district):
    figures = seed_figures(year=YEAR, user=district.partner_user)

    assert (figures.listings_deferred, figures.filed_within_buffer) == (1, 1)
    assert figures.ib_restored == 0  # the bureau's marks
    assert figures.self_corrections == 1  # the one it invited; not the disclosure's


def test_a_correction_counts_for_the_inviting_department_while_it_supervises_the_entity(
    district,
):
    """Jurisdiction first (docs/domain.md Appendix A): once another department supervises the
    entity, the correction its partner invited counts for the partner no more (nor does its
    list show it); the district still counts it."""
    bureau_before = seed_figures(year=YEAR, user=district.bureau_user).self_corrections
    invited = Enterprise.objects.get(department=district.eco)
    invited.department = district.amr
    invited.save(update_fields=["department"])

    assert seed_figures(year=YEAR, user=district.partner_user).self_corrections == 0
    assert seed_figures(year=YEAR, user=district.bureau_user).self_corrections == bureau_before


def test_the_figures_move_with_the_rows(district):
    before = seed_figures(year=YEAR, user=district.bureau_user)
    pending = DirectoryCase.objects.get(state=State.PENDING)
    pending.state = State.CLOSED_NO_LISTING
    pending.closed_on = pending.cured_on = dt.date(YEAR, 7, 25)
    pending.save()
    district.lifted(district.mark(district.firm(individual=True)), on=dt.date(YEAR, 12, 31))

    after = seed_figures(year=YEAR, user=district.bureau_user)
    assert after.filed_within_buffer == before.filed_within_buffer + 1
    assert after.listings_deferred == before.listings_deferred
    assert after.ib_restored == before.ib_restored + 1


def test_an_enterprise_user_or_a_stranger_counts_nothing(district):
    firm_user = enterprise_user(district.firm())
    stranger = User.objects.create_user(username="stranger", password="Secret-pass-123")
    for user in (firm_user, stranger):
        figures = seed_figures(year=YEAR, user=user)
        assert all(row.value == 0 for row in figures.rows())
