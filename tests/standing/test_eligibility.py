"""Eligibility for a letter of good standing: each fault kind, built through the ledger and the
status service, refuses the letter with a plain sentence saying when it ends; what is not a
fault (a pending listing, a closed listing, an expired or private penalty, a suspension) does
not."""

from __future__ import annotations

import datetime as dt

import pytest

from standing.selectors import standing_of
from standing.services import standing_problems
from tests.standing import factories as f

pytestmark = pytest.mark.django_db


def test_a_firm_without_faults_is_eligible_and_the_letter_states_what_was_checked() -> None:
    firm = f.good_firm()
    standing = standing_of(enterprise=firm, on=f.today())
    assert standing.eligible
    assert standing_problems(enterprise=firm, on=f.today()) == []
    keys = [s["key"] for s in standing.statements]
    assert keys == ["status", "abnormal", "serious", "penalty", "annual_report"]
    assert "存续" in standing.statements[0]["text"]


def test_abnormal_listing_in_force_is_a_fault_until_removed() -> None:
    firm = f.good_firm()
    listing = f.abnormal(firm)
    problems = standing_problems(enterprise=firm, on=f.today())
    assert len(problems) == 1
    assert "abnormal operations directory since" in problems[0]
    assert "removes it" in problems[0]
    f.abnormal_removed(listing)
    assert standing_problems(enterprise=firm, on=f.today()) == []


def test_individual_business_mark_is_a_fault() -> None:
    firm = f.good_firm(individual_business=True)
    f.abnormal(firm, individual=True)
    (problem,) = standing_problems(enterprise=firm, on=f.today())
    assert problem.startswith("Marked as operating abnormally since")


def test_serious_list_is_a_fault_with_its_end_and_repair_dates() -> None:
    firm = f.good_firm()
    f.serious(firm)
    (problem,) = standing_problems(enterprise=firm, on=f.today())
    assert "serious illegal and dishonest list" in problem
    assert "ends on" in problem and "credit repair" in problem


def test_penalty_in_publicity_is_a_fault_until_its_term_ends() -> None:
    firm = f.good_firm()
    record = f.penalty(firm)
    (problem,) = standing_problems(enterprise=firm, on=f.today())
    assert "administrative penalty" in problem and "in publicity until" in problem
    assert "双市监罚〔2026〕7号" in problem
    after = record.publicity_end + dt.timedelta(days=1)
    assert standing_problems(enterprise=firm, on=after) == []


def test_a_penalty_not_public_is_not_a_fault() -> None:
    firm = f.good_firm()
    f.penalty(firm, public=False)
    assert standing_problems(enterprise=firm, on=f.today()) == []


@pytest.mark.parametrize("status", ["revoked", "deregistered"])
def test_closed_status_is_a_fault(status: str) -> None:
    firm = f.good_firm()
    f.status(firm, status)
    problems = standing_problems(enterprise=firm, on=f.today())
    assert any("registration status" in p for p in problems)


def test_a_suspension_is_not_a_fault_and_the_letter_states_it() -> None:
    firm = f.good_firm()
    f.status(firm, "suspended", until=f.today() + dt.timedelta(days=200))
    standing = standing_of(enterprise=firm, on=f.today())
    assert standing.eligible
    assert "歇业" in standing.statements[0]["text"]


def test_missing_annual_report_is_a_fault_until_filed() -> None:
    f.DepartmentFactory()
    firm = f.EnterpriseFactory()
    (problem,) = standing_problems(enterprise=firm, on=f.today())
    assert "annual report for" in problem and "has not been filed" in problem
    f.report_filed(firm)
    assert standing_problems(enterprise=firm, on=f.today()) == []


def test_a_firm_registered_this_year_owes_no_report_yet() -> None:
    f.DepartmentFactory()
    firm = f.EnterpriseFactory(registered_on=f.today().replace(month=1, day=1))
    standing = standing_of(enterprise=firm, on=f.today())
    assert standing.eligible
    assert standing.statements[-1]["key"] == "annual_report_not_due"


def test_a_pending_listing_is_not_a_fault_of_itself_but_its_missing_report_is() -> None:
    f.DepartmentFactory()
    firm = f.EnterpriseFactory()
    f.deferred(firm)
    problems = standing_problems(enterprise=firm, on=f.today())
    assert len(problems) == 1 and "has not been filed" in problems[0]
    assert not any("buffer" in p or "pending" in p for p in problems)
    f.report_filed(firm)
    assert standing_problems(enterprise=firm, on=f.today()) == []


def test_every_fault_is_listed() -> None:
    firm = f.good_firm()
    f.abnormal(firm)
    f.serious(firm)
    f.penalty(firm)
    assert len(standing_problems(enterprise=firm, on=f.today())) == 3


def test_a_past_day_replays_the_ledger() -> None:
    firm = f.good_firm()
    f.abnormal(firm, days_ago=2)
    assert standing_problems(enterprise=firm, on=f.today() - dt.timedelta(days=3)) == []
    assert standing_problems(enterprise=firm, on=f.today())
