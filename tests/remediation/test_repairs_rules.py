"""The eligibility of a penalty for early repair (docs/domain.md §5; SAMR Order 45 art. 14):
the waiting time by sector, the measures never repairable early, what is outside repair, and
each of the four conditions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from credit_portal.dates import add_months
from credit_portal.models import Department
from enterprises.services.ledger import credit_record_append
from remediation.rules import (
    abnormal_removal_eligibility,
    penalty_repair_eligibility,
    serious_removal_eligibility,
)
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    penalty_decision,
    penalty_record,
    today,
    violation_type,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); pages are Chinese first elsewhere."""
    with translation.override("en"):
        yield


def conditions(eligibility):
    return {c.code: c.met for c in eligibility.conditions}


@pytest.mark.parametrize(
    ("sector", "months_ago", "eligible"),
    [
        ("general", 7, True),
        ("general", 5, False),
        ("food", 7, False),
        ("drugs", 11, False),
        ("special_equipment", 13, True),
        ("food", 13, True),
    ],
)
def test_six_months_in_general_one_year_for_food_drugs_and_special_equipment(
    sector, months_ago, eligible
):
    published = add_months(today(), -months_ago)
    record = penalty_record(EnterpriseFactory(), published_on=published)
    penalty_decision(record, sector=sector)
    result = penalty_repair_eligibility(record=record, today=today())
    assert result.eligible is eligible, result.reasons
    months = 6 if sector == "general" else 12
    assert result.earliest_on == add_months(published, months)
    if not eligible:
        assert any("possible from" in r for r in result.reasons)


def test_the_earliest_day_itself_is_eligible_and_the_day_before_not():
    published = add_months(today(), -6)
    record = penalty_record(EnterpriseFactory(), published_on=published)
    assert penalty_repair_eligibility(record=record, today=today()).eligible
    before = today() - dt.timedelta(days=1)
    assert not penalty_repair_eligibility(record=record, today=before).eligible


def test_a_ledger_penalty_without_a_decision_takes_its_sector_from_details_or_industry():
    published = add_months(today(), -8)
    by_details = penalty_record(
        EnterpriseFactory(), published_on=published, details={"sector": "drugs"}
    )
    result = penalty_repair_eligibility(record=by_details, today=today())
    assert result.sector == "drugs"
    assert not result.eligible
    catering = EnterpriseFactory(industry_section="H", industry_division="62")
    by_industry = penalty_record(catering, published_on=published)
    assert penalty_repair_eligibility(record=by_industry, today=today()).sector == "food"
    retail = penalty_record(EnterpriseFactory(), published_on=published)
    assert penalty_repair_eligibility(record=retail, today=today()).eligible


@pytest.mark.parametrize(
    "measure",
    [
        "stop_business",
        "restrict_business",
        "ban",
        "qualification_downgrade",
        "licence_revocation",
        "business_licence_revocation",
    ],
)
def test_measures_that_are_never_repairable_early(measure):
    record = penalty_record(EnterpriseFactory(), published_on=add_months(today(), -20))
    penalty_decision(record, measures=("fine", measure))
    result = penalty_repair_eligibility(record=record, today=today())
    assert not result.eligible
    assert result.outside_repair
    assert result.earliest_on is None
    assert any("never repairable early" in r for r in result.reasons)


def test_a_fine_with_confiscation_is_repairable():
    record = penalty_record(EnterpriseFactory(), published_on=add_months(today(), -7))
    penalty_decision(record, measures=("fine", "confiscate_gains"))
    assert penalty_repair_eligibility(record=record, today=today()).eligible


def test_a_three_month_term_is_outside_repair():
    published = add_months(today(), -2)
    record = penalty_record(
        EnterpriseFactory(),
        published_on=published,
        publicity_end=add_months(published, 3) - dt.timedelta(days=1),
    )
    result = penalty_repair_eligibility(record=record, today=today())
    assert not result.eligible
    assert result.outside_repair
    assert any("ends by itself" in r for r in result.reasons)


def test_a_warning_alone_and_an_unpublished_penalty_are_outside_repair():
    enterprise = EnterpriseFactory()
    unpublished = credit_record_append(
        enterprise=enterprise,
        kind="penalty",
        occurred_on=add_months(today(), -9),
        summary="简易程序罚款",
        actor=None,
        is_public=False,
    )
    result = penalty_repair_eligibility(record=unpublished, today=today())
    assert result.outside_repair and "not published" in result.reasons[0]
    warned = penalty_record(enterprise, published_on=add_months(today(), -9), number="W-1")
    penalty_decision(warned, measures=("warning",))
    result = penalty_repair_eligibility(record=warned, today=today())
    assert result.outside_repair and "warning alone" in result.reasons[0]


def test_a_penalty_not_yet_published_cannot_be_repaired():
    enterprise = EnterpriseFactory()
    record = credit_record_append(
        enterprise=enterprise,
        kind="penalty",
        occurred_on=today() - dt.timedelta(days=3),
        summary="罚款",
        actor=None,
        is_public=True,
        publicity_start=today() + dt.timedelta(days=5),
        publicity_end=add_months(today(), 36),
    )
    result = penalty_repair_eligibility(record=record, today=today())
    assert not result.eligible
    assert any("not published yet" in r for r in result.reasons)


def test_the_declared_conditions_are_left_to_the_officer_and_the_checked_ones_met():
    record = penalty_record(EnterpriseFactory(), published_on=add_months(today(), -7))
    penalty_decision(record)
    result = penalty_repair_eligibility(record=record, today=today())
    assert conditions(result) == {
        "carried_out": None,
        "harm_removed": None,
        "no_new_penalty": True,
        "not_listed": True,
    }
    assert result.eligible


def test_a_new_penalty_of_the_same_type_since_the_decision_is_a_condition_not_met():
    enterprise = EnterpriseFactory()
    vtype = violation_type("labels", "general")
    old = penalty_record(enterprise, published_on=add_months(today(), -10), number="OLD-1")
    penalty_decision(old, vtype=vtype)
    new = penalty_record(enterprise, published_on=add_months(today(), -2), number="NEW-2")
    penalty_decision(new, vtype=vtype)
    result = penalty_repair_eligibility(record=old, today=today())
    assert conditions(result)["no_new_penalty"] is False
    assert not result.eligible
    assert any("NEW-2" in r for r in result.reasons)


def test_a_new_penalty_of_another_type_or_of_another_department_does_not_count():
    enterprise = EnterpriseFactory()
    old = penalty_record(enterprise, published_on=add_months(today(), -10), number="OLD-1")
    penalty_decision(old, vtype=violation_type("labels"))
    other_type = penalty_record(enterprise, published_on=add_months(today(), -2), number="X-2")
    penalty_decision(other_type, vtype=violation_type("pricing"))
    penalty_record(
        enterprise,
        published_on=add_months(today(), -1),
        number="环罚3",
        authority="区生态环境局",
        details={"violation_type": "labels"},
    )
    assert (
        conditions(penalty_repair_eligibility(record=old, today=today()))["no_new_penalty"] is True
    )


def test_a_later_ledger_penalty_of_unknown_type_is_left_to_the_officer():
    enterprise = EnterpriseFactory()
    old = penalty_record(enterprise, published_on=add_months(today(), -10), number="OLD-1")
    penalty_record(enterprise, published_on=add_months(today(), -1), number="LEDGER-9")
    result = penalty_repair_eligibility(record=old, today=today())
    assert conditions(result)["no_new_penalty"] is None
    assert result.eligible  # not refused: the officer checks it before approving


def test_ledger_penalties_of_the_same_type_in_details_count():
    enterprise = EnterpriseFactory()
    old = penalty_record(
        enterprise,
        published_on=add_months(today(), -10),
        number="OLD-1",
        details={"violation_type": "labels"},
    )
    penalty_record(
        enterprise,
        published_on=add_months(today(), -1),
        number="LEDGER-9",
        details={"violation_type": "labels"},
    )
    assert (
        conditions(penalty_repair_eligibility(record=old, today=today()))["no_new_penalty"] is False
    )


@pytest.mark.parametrize("listing", ["abnormal_listing", "serious_listing"])
def test_an_enterprise_in_the_directory_or_on_the_serious_list_is_not_eligible(listing):
    enterprise = EnterpriseFactory()
    record = penalty_record(enterprise, published_on=add_months(today(), -7))
    credit_record_append(
        enterprise=enterprise,
        kind=listing,
        occurred_on=today() - dt.timedelta(days=20),
        summary="列入",
        actor=None,
        is_public=True,
    )
    enterprise.refresh_from_db()
    record.enterprise = enterprise
    result = penalty_repair_eligibility(record=record, today=today())
    assert conditions(result)["not_listed"] is False
    assert not result.eligible


def test_another_departments_penalty_is_repaired_on_credit_china():
    enterprise = EnterpriseFactory()
    by_ledger = penalty_record(
        enterprise, published_on=add_months(today(), -7), authority="区卫生健康局", number="卫1"
    )
    result = penalty_repair_eligibility(record=by_ledger, today=today())
    assert result.elsewhere and not result.eligible
    assert "信用中国" in result.reasons[0] and "区卫生健康局" in result.reasons[0]
    health = Department.objects.create(code="health", name="区卫生健康局")
    by_decision = penalty_record(enterprise, published_on=add_months(today(), -7), number="卫2")
    penalty_decision(by_decision, department=health)
    assert penalty_repair_eligibility(record=by_decision, today=today()).elsewhere


def test_the_bureaus_longer_name_is_the_bureau():
    record = penalty_record(
        EnterpriseFactory(),
        published_on=add_months(today(), -7),
        authority="成都市双流区市场监督管理局",
    )
    assert penalty_repair_eligibility(record=record, today=today()).eligible


def test_directory_removal_any_time_and_serious_list_after_a_year():
    enterprise = EnterpriseFactory()
    listing = credit_record_append(
        enterprise=enterprise,
        kind="abnormal_listing",
        occurred_on=today() - dt.timedelta(days=3),
        summary="未年报",
        actor=None,
        is_public=True,
    )
    directory = abnormal_removal_eligibility(record=listing, today=today())
    assert directory.eligible
    assert [c.code for c in directory.conditions] == ["cause_cured"]
    serious = credit_record_append(
        enterprise=enterprise,
        kind="serious_listing",
        occurred_on=today() - dt.timedelta(days=200),
        summary="严重违法",
        actor=None,
        is_public=True,
    )
    early = serious_removal_eligibility(record=serious, today=today())
    assert not early.eligible
    assert early.earliest_on == add_months(serious.occurred_on, 12)
    later = serious_removal_eligibility(record=serious, today=add_months(serious.occurred_on, 12))
    assert later.eligible
