"""The seed's figures from data (`remediation.selectors.figures.seed_figures`): what each counts,
for a year and the reader's jurisdiction, in the seed's units; the expired terms apart, never
as repairs (docs/domain.md Appendix A, §5, §10)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from credit_portal.models import Department, StaffProfile, User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from remediation.kinds import PENALTY, REPAIR
from remediation.models import (
    Interview,
    PenaltyDecision,
    RepairApplication,
    SoftAction,
    ViolationType,
)
from remediation.selectors.figures import CASES, ENTERPRISES, LETTERS, seed_figures
from remediation.services.publicity import publicity_expire
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = dt.date(2026, 3, 10)
Leniency = PenaltyDecision.Leniency
Instrument = SoftAction.Instrument


@pytest.fixture(autouse=True)
def _clock():
    moment = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


class District:
    """The bureau, one partner department, staff of each, and the cases of 2024–2025."""

    def __init__(self) -> None:
        self.amr = DepartmentFactory(code="amr", name="区市场监督管理局", is_bureau=True)
        self.eco = DepartmentFactory(code="eco", name="区生态环境局", is_bureau=False)
        self.bureau_user = self._staff("bureau", self.amr)
        self.partner_user = self._staff("partner", self.eco)
        self.officer = self.bureau_user
        self.vtype = ViolationType.objects.create(code="price_marking", name="不按规定明码标价")
        self.firms = EnterpriseFactory.create_batch(6, department=self.amr)
        self.n = 0

    def _staff(self, username: str, department: Department) -> User:
        user = User.objects.create_user(username=username, password="Secret-pass-123")
        StaffProfile.objects.create(user=user, department=department)
        return user

    def number(self) -> str:
        self.n += 1
        return f"双市监处罚〔2025〕{self.n}号"

    def decision(
        self,
        leniency: str,
        *,
        department: Department | None = None,
        decided: dt.date = dt.date(YEAR, 5, 6),
        status: str = PenaltyDecision.Status.RECORDED,
        firm: Enterprise | None = None,
        record: CreditRecord | None = None,
        **fields: Any,
    ) -> PenaltyDecision:
        firm = firm or self.firms[0]
        return PenaltyDecision.objects.create(
            number=self.number(),
            decided_on=decided,
            department=department or self.amr,
            party_kind="registered",
            enterprise=firm,
            party_name=firm.name,
            violation_type=self.vtype,
            violation_on=decided - dt.timedelta(days=60),
            discovered_on=decided - dt.timedelta(days=50),
            facts="……",
            legal_basis="……",
            leniency=leniency,
            status=status,
            credit_record=record,
            created_by=self.officer,
            **fields,
        )

    def letter(
        self,
        instrument: str,
        *,
        served: dt.date | None = dt.date(YEAR, 6, 2),
        department: Department | None = None,
        firm: Enterprise | None = None,
    ) -> SoftAction:
        firm = firm or self.firms[1]
        self.n += 1
        return SoftAction.objects.create(
            instrument=instrument,
            number=f"双市监文〔2025〕{self.n}号",
            enterprise=firm,
            addressee_name=firm.name,
            department=department or self.amr,
            reason="……",
            legal_basis="……",
            required_actions="……",
            status=SoftAction.Status.SERVED if served else SoftAction.Status.DRAFT,
            issued_on=served,
            served_on=served,
            created_by=self.officer,
        )

    def interview(self, firm: Enterprise, held: dt.date, department: Department | None = None):
        action = self.letter(
            Instrument.INTERVIEW,
            served=held - dt.timedelta(days=3),
            department=department,
            firm=firm,
        )
        Interview.objects.create(
            action=action,
            held_on=held,
            place="约谈室",
            attendees="法定代表人",
            minutes="……",
            commitments="……",
            recorded_by=self.officer,
        )

    def published_penalty(self, firm: Enterprise, *, start: dt.date, end: dt.date) -> CreditRecord:
        return credit_record_append(
            enterprise=firm,
            kind=PENALTY,
            occurred_on=start - dt.timedelta(days=5),
            summary="罚款人民币3,000元",
            actor=None,
            is_public=True,
            publicity_start=start,
            publicity_end=end,
        )

    def repair(
        self,
        firm: Enterprise,
        *,
        decided: dt.date,
        kind: str = RepairApplication.Kind.PENALTY_PUBLICITY,
        status: str = RepairApplication.Status.APPROVED,
        penalty: PenaltyDecision | None = None,
    ) -> RepairApplication:
        record = self.published_penalty(
            firm, start=decided - dt.timedelta(days=200), end=decided + dt.timedelta(days=900)
        )
        application = RepairApplication.objects.create(
            kind=kind,
            enterprise=firm,
            record=record,
            penalty=penalty,
            status=status,
            applicant_name="张三",
            applicant_phone="028-85800000",
            statement="……",
            submitted_by=self.officer,
            acceptance_due=decided - dt.timedelta(days=10),
            decided_on=decided,
        )
        if status == RepairApplication.Status.APPROVED:
            credit_record_append(
                enterprise=firm,
                kind=REPAIR,
                occurred_on=decided,
                summary="行政处罚信息提前停止公示（信用修复）",
                actor=None,
                closes=record,
                source=application,
            )
        return application


@pytest.fixture
def district() -> District:
    d = District()
    f = d.firms
    # Decisions: counted by leniency when recorded and decided in the year.
    d.decision(Leniency.LIGHTER)
    d.decision(Leniency.LIGHTER, firm=f[1])
    d.decision(Leniency.MITIGATED, department=d.eco)
    d.decision(Leniency.EXEMPT)
    d.decision(Leniency.FIRST_VIOLATION, department=d.eco)
    d.decision(Leniency.STANDARD)
    d.decision(Leniency.LIGHTER, status=PenaltyDecision.Status.DRAFT)  # not a decision
    d.decision(Leniency.LIGHTER, status=PenaltyDecision.Status.WITHDRAWN, withdrawal="void")
    d.decision(Leniency.LIGHTER, decided=dt.date(YEAR - 1, 12, 31))  # another year
    d.decision(Leniency.MITIGATED, decided=dt.date(YEAR + 1, 1, 1))
    # Letters: served in the year, by instrument.
    d.letter(Instrument.SUGGESTION)
    d.letter(Instrument.SUGGESTION, department=d.eco)
    d.letter(Instrument.ADMONITION)
    d.letter(Instrument.PROMPT)
    d.letter(Instrument.SUGGESTION, served=None)  # a draft
    d.letter(Instrument.ADMONITION, served=dt.date(YEAR - 1, 12, 30))
    # Interviews: distinct enterprises interviewed in the year (two of one firm count once).
    d.interview(f[2], dt.date(YEAR, 3, 3))
    d.interview(f[2], dt.date(YEAR, 9, 9))
    d.interview(f[3], dt.date(YEAR, 4, 4), department=d.eco)
    d.interview(f[4], dt.date(YEAR - 1, 4, 4))
    # Repairs: approved early stops of a penalty's publicity decided in the year, per firm.
    eco_penalty = d.decision(Leniency.STANDARD, department=d.eco, decided=dt.date(YEAR - 1, 1, 5))
    d.repair(f[3], decided=dt.date(YEAR, 7, 1))
    d.repair(f[3], decided=dt.date(YEAR, 8, 1))
    d.repair(f[4], decided=dt.date(YEAR, 8, 2), penalty=eco_penalty)
    d.repair(f[5], decided=dt.date(YEAR, 8, 3), status=RepairApplication.Status.REFUSED)
    d.repair(f[5], decided=dt.date(YEAR, 8, 4), kind=RepairApplication.Kind.ABNORMAL_REMOVAL)
    d.repair(f[5], decided=dt.date(YEAR - 1, 8, 4))
    # Terms that ran out: two in the year (one of a decision of the partner), one the year after.
    d.published_penalty(f[0], start=dt.date(YEAR, 1, 2), end=dt.date(YEAR, 4, 1))
    eco_record = d.published_penalty(f[1], start=dt.date(YEAR, 2, 2), end=dt.date(YEAR, 5, 1))
    d.decision(
        Leniency.STANDARD, department=d.eco, decided=dt.date(YEAR - 1, 6, 1), record=eco_record
    )
    d.published_penalty(f[2], start=dt.date(YEAR, 10, 1), end=dt.date(YEAR, 12, 31))
    publicity_expire(on=TODAY)
    return d


def test_the_bureau_counts_the_whole_district_in_the_seeds_units(
    district, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        figures = seed_figures(year=YEAR, user=district.bureau_user)

    assert (figures.lighter, figures.mitigated, figures.exempted, figures.first_violation) == (
        2,
        1,
        1,
        1,
    )
    assert figures.standard == 1
    assert (figures.suggestions, figures.admonitions, figures.prompts) == (2, 1, 1)
    assert figures.interviews == 2  # enterprises, not interviews
    assert figures.penalty_repairs == 2  # enterprises: f[3] twice, f[4]
    assert figures.expired_terms == 2
    units = {row.code: row.unit for row in figures.rows()}
    assert units["lighter"] == units["first_violation"] == units["expired_terms"] == CASES
    assert units["suggestions"] == units["admonitions"] == units["prompts"] == LETTERS
    assert units["interviews"] == units["penalty_repairs"] == ENTERPRISES
    assert [row.code for row in figures.rows()][:4] == [
        "suggestions",
        "admonitions",
        "prompts",
        "interviews",
    ]


def test_a_partner_department_counts_its_own_cases_only(district):
    figures = seed_figures(year=YEAR, user=district.partner_user)

    assert (figures.lighter, figures.mitigated, figures.exempted, figures.first_violation) == (
        0,
        1,
        0,
        1,
    )
    assert (figures.suggestions, figures.admonitions, figures.prompts) == (1, 0, 0)
    assert figures.interviews == 1
    assert figures.penalty_repairs == 1  # the repair of its own decision
    assert figures.expired_terms == 1  # the term of its own decision


def test_expired_terms_are_never_counted_as_repairs(district):
    before = seed_figures(year=YEAR, user=district.bureau_user)
    firm = district.firms[0]
    district.published_penalty(firm, start=dt.date(YEAR, 3, 1), end=dt.date(YEAR, 5, 31))

    assert publicity_expire(on=TODAY) == 1

    after = seed_figures(year=YEAR, user=district.bureau_user)
    assert after.expired_terms == before.expired_terms + 1
    assert after.penalty_repairs == before.penalty_repairs


def test_an_enterprise_user_or_a_stranger_counts_nothing(district):
    firm_user = enterprise_user(district.firms[0])
    stranger = User.objects.create_user(username="stranger", password="Secret-pass-123")
    for user in (firm_user, stranger):
        figures = seed_figures(year=YEAR, user=user)
        assert all(row.value == 0 for row in figures.rows())


def test_a_superuser_counts_everything(district):
    admin = User.objects.create_superuser(username="root", password="Secret-pass-123")
    assert seed_figures(year=YEAR, user=admin) == seed_figures(year=YEAR, user=district.bureau_user)
