"""The 3-year rule and the serious list through their services and daily jobs (docs/domain.md
§3 "The 3-year rule", §5): the reminder in the 60 days before the mark, the move within 10 WD
(removal code 6, the serious listing and its fact, the legal representative's bar; a missing
identity number recorded and warned), idempotence, what is not moved, the end of the term, the
early repair after a year with the original obligations checked, and the bar lifted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from credit_portal.daily import daily_job_get
from credit_portal.workdays import add_working_days
from enterprises.identity import id_digest
from enterprises.models import CreditRecord, Enterprise, RepresentativeBar
from enterprises.services.bars import representative_bars_active
from enterprises.services.register import enterprise_create
from remediation.jobs import serious_expire_job, serious_move_job
from remediation.kinds import ABNORMAL_REMOVAL, SERIOUS_LISTING, SERIOUS_REMOVAL
from remediation.models import (
    DirectoryCase,
    PenaltyDecision,
    PenaltyMeasure,
    RepairApplication,
    SeriousListing,
)
from remediation.rules import serious_removal_eligibility
from remediation.services.repairs import (
    declared_conditions,
    repair_accept,
    repair_apply,
    repair_decide,
)
from remediation.services.serious import serious_expire, serious_move_due
from tests.enterprises.factories import register_data
from tests.remediation.factories_listings import (
    REP_ID,
    SERIOUS_READER_PERMS,
    filed,
    firm,
    late,
    listed_case,
    member,
    on_day,
)
from tests.remediation.factories_repairs import apply_data, officer, penalty_decision, staff

pytestmark = pytest.mark.django_db

LISTED = dt.date(2022, 9, 1)
MARK = dt.date(2025, 9, 1)  # a Monday
TENTH_WD = dt.date(2025, 9, 15)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _listed(**kwargs):
    with on_day(LISTED):
        company = kwargs.pop("company", None) or firm()
        late(company, 2021)
        return listed_case(company, report_year=2021, listed_on=LISTED, **kwargs)


def _run(day: dt.date) -> dict[str, int]:
    with on_day(day):
        return serious_move_due(on=day)


# --------------------------------------------------------------------------- the reminder


def test_the_reminder_comes_in_the_60_days_before_the_mark(client):
    case = _listed()
    assert case.serious_due == MARK
    assert _run(MARK - dt.timedelta(days=61))["reminded"] == 0
    counts = _run(MARK - dt.timedelta(days=60))
    assert (counts["reminded"], counts["moved"]) == (1, 0)
    case.refresh_from_db()
    assert case.serious_reminded_on == MARK - dt.timedelta(days=60)
    assert case.state == DirectoryCase.State.LISTED
    assert _run(MARK - dt.timedelta(days=30))["reminded"] == 0  # once
    # Self-service shows it.
    client.force_login(member(case.enterprise))
    with on_day(MARK - dt.timedelta(days=30)):
        page = client.get(reverse("me-remediation:serious"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="reminded"' in html
    assert "three years complete on 2025-09-01" in html


def test_a_listing_written_without_its_mark_gets_one():
    case = _listed(serious_due=False)
    assert case.serious_due is None
    counts = _run(MARK - dt.timedelta(days=100))
    assert counts["serious_due_set"] == 1
    case.refresh_from_db()
    assert case.serious_due == MARK


# --------------------------------------------------------------------------- the move


def test_on_the_mark_the_listing_moves_to_the_serious_list():
    case = _listed()
    counts = _run(MARK)
    assert (counts["moved"], counts["bars_missing"]) == (1, 0)
    case.refresh_from_db()
    assert (case.state, case.removal_code, case.removed_on) == (
        DirectoryCase.State.MOVED_SERIOUS,
        "6",
        MARK,
    )
    removal = case.removal_record
    assert (removal.kind, removal.closes_id, removal.occurred_on, removal.is_public) == (
        ABNORMAL_REMOVAL,
        case.listing_record_id,
        MARK,
        True,
    )
    assert removal.details["reason_code"] == "6"
    serious = SeriousListing.objects.get(case=case)
    assert (serious.listed_on, serious.term_ends, serious.bar_until) == (
        MARK,
        dt.date(2028, 9, 1),
        dt.date(2028, 9, 1),
    )
    assert serious.reason == SeriousListing.Reason.ABNORMAL_THREE_YEARS
    assert serious.document_number == f"双市监严〔2025〕{serious.pk}号"
    fact = serious.listing_record
    assert (fact.kind, fact.occurred_on, fact.is_public, fact.source_model) == (
        SERIOUS_LISTING,
        MARK,
        True,
        "seriouslisting",
    )
    assert fact.details["reason"] == "abnormal_three_years"
    enterprise = Enterprise.objects.get(pk=case.enterprise_id)
    assert enterprise.on_serious_list and not enterprise.is_abnormal
    bar = RepresentativeBar.objects.get()
    assert (bar.id_digest, bar.barred_from, bar.barred_until, bar.listed_enterprise_id) == (
        id_digest(REP_ID),
        MARK,
        dt.date(2028, 9, 1),
        enterprise.pk,
    )
    # Idempotent.
    again = _run(MARK + dt.timedelta(days=1))
    assert again["moved"] == 0
    assert SeriousListing.objects.count() == 1
    assert CreditRecord.objects.filter(kind=SERIOUS_LISTING).count() == 1


def test_a_late_run_dates_the_move_no_later_than_the_10th_working_day():
    case = _listed()
    assert add_working_days(MARK, 10) == TENTH_WD
    assert _run(dt.date(2025, 10, 20))["moved"] == 1
    serious = SeriousListing.objects.get(case=case)
    assert serious.listed_on == TENTH_WD
    assert serious.listing_record.occurred_on == TENTH_WD
    case.refresh_from_db()
    assert case.removed_on == TENTH_WD


def test_marks_closed_entities_and_cured_listings_are_not_moved():
    shop = firm(entity_type=Enterprise.EntityType.INDIVIDUAL_BUSINESS)
    mark = _listed(company=shop, individual=True)
    closed = _listed()
    # Deregistered since (its listing is removed with code 7 by the directory's own job).
    Enterprise.objects.filter(pk=closed.enterprise_id).update(status=Enterprise.Status.DEREGISTERED)
    removed = _listed()
    DirectoryCase.objects.filter(pk=removed.pk).update(state=DirectoryCase.State.REMOVED)
    assert _run(MARK + dt.timedelta(days=1))["moved"] == 0
    for case in (mark, closed, removed):
        case.refresh_from_db()
        assert case.state != DirectoryCase.State.MOVED_SERIOUS
    assert not SeriousListing.objects.exists()


def test_a_representative_without_an_identity_number_is_recorded_missing_and_warned(client):
    company = firm(legal_rep_id_digest="", legal_rep_id_masked="", legal_rep_name="赵六")
    _listed(company=company)
    counts = _run(MARK)
    assert (counts["moved"], counts["bars_missing"]) == (1, 1)
    bar = RepresentativeBar.objects.get()
    assert bar.id_digest == "" and bar.name == "赵六"
    reader = staff(*SERIOUS_READER_PERMS, username="serious-reader")
    client.force_login(reader)
    with on_day(MARK):
        page = client.get(reverse("remediation:serious_list"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="bars-missing"' in html and "赵六" in html


def test_the_barred_representative_is_refused_elsewhere():
    _listed()
    _run(MARK)
    with on_day(MARK + dt.timedelta(days=10)), pytest.raises(ValidationError) as refused:
        enterprise_create(actor=None, data=register_data(777, legal_rep_id=REP_ID))
    assert "barred" in " ".join(refused.value.message_dict["legal_rep_id"])


def test_the_jobs_are_registered_in_order():
    move, expiry = (
        daily_job_get("remediation.serious_move"),
        daily_job_get("remediation.serious_expiry"),
    )
    assert (move.order, expiry.order) == (170, 175)
    case = _listed()
    with on_day(MARK):
        assert serious_move_job(on=MARK, force=False)["moved"] == 1
        assert serious_expire_job(on=MARK, force=False) == {"expired": 0}
    case.refresh_from_db()
    assert case.state == DirectoryCase.State.MOVED_SERIOUS


# --------------------------------------------------------------------------- the term's end


def test_the_term_ends_with_a_serious_removal():
    case = _listed()
    _run(MARK)
    end = dt.date(2028, 9, 1)
    with on_day(end - dt.timedelta(days=1)):
        assert serious_expire(on=end - dt.timedelta(days=1)) == 0
    with on_day(end + dt.timedelta(days=3)):
        assert serious_expire(on=end + dt.timedelta(days=3)) == 1
        assert serious_expire(on=end + dt.timedelta(days=3)) == 0
    serious = SeriousListing.objects.get(case=case)
    assert (serious.state, serious.removed_on) == (SeriousListing.State.EXPIRED, end)
    removal = serious.removal_record
    assert (removal.kind, removal.occurred_on, removal.closes_id) == (
        SERIOUS_REMOVAL,
        end,
        serious.listing_record_id,
    )
    assert removal.details["reason"] == "expired"
    assert not Enterprise.objects.get(pk=case.enterprise_id).on_serious_list


# --------------------------------------------------------------------------- early repair


def test_early_repair_after_a_year_needs_the_original_obligations():
    case = _listed()
    _run(MARK)
    serious = SeriousListing.objects.get(case=case)
    record = serious.listing_record
    early = serious_removal_eligibility(record=record, today=MARK + dt.timedelta(days=100))
    assert not early.eligible
    assert early.earliest_on == dt.date(2026, 9, 1)
    year_on = dt.date(2026, 9, 1)
    refused = serious_removal_eligibility(record=record, today=year_on)
    assert not refused.eligible
    assert any("the report for 2021 is still missing" in r for r in refused.reasons)
    codes = {c.code: c.met for c in refused.conditions}
    assert codes == {"obligations_met": False, "no_new_penalty": True, "no_restriction": True}
    with on_day(year_on):
        filed(case.enterprise, 2021)
    cured = serious_removal_eligibility(record=record, today=year_on)
    assert cured.eligible, cured.reasons
    assert declared_conditions(cured) == []


def test_a_running_restriction_refuses_the_early_repair():
    case = _listed()
    _run(MARK)
    with on_day(MARK):
        filed(case.enterprise, 2021)
        decision = penalty_decision(
            None, enterprise=case.enterprise, measures=(), decided_on=MARK, number="罚〔2025〕7号"
        )
    PenaltyMeasure.objects.create(decision=decision, kind="restrict_business", months=24)
    assert decision.status == PenaltyDecision.Status.RECORDED
    record = SeriousListing.objects.get(case=case).listing_record
    refused = serious_removal_eligibility(record=record, today=dt.date(2026, 9, 2))
    assert not refused.eligible
    assert any("statutory restriction is still running" in r for r in refused.reasons)


def test_an_approved_repair_ends_the_listing_and_lifts_the_bar():
    case = _listed()
    _run(MARK)
    serious = SeriousListing.objects.get(case=case)
    day = dt.date(2026, 9, 7)
    with on_day(day):
        filed(case.enterprise, 2021)
        user = member(case.enterprise)
        application = repair_apply(
            actor=user,
            enterprise=case.enterprise,
            **apply_data(
                serious.listing_record, kind="serious_removal", statement="已补报2021年度年报。"
            ),
        )
        clerk = officer()
        application = repair_accept(actor=clerk, application=application, expected_version=1)
        application = repair_decide(
            actor=clerk,
            application=application,
            approve=True,
            reasons="",
            verified=[],
            expected_version=2,
        )
    assert application.status == RepairApplication.Status.APPROVED
    serious.refresh_from_db()
    assert (serious.state, serious.removed_on, serious.removal_record_id) == (
        SeriousListing.State.REPAIRED,
        day,
        application.repair_record_id,
    )
    assert not Enterprise.objects.get(pk=case.enterprise_id).on_serious_list
    assert RepresentativeBar.objects.get().lifted_on == day
    assert representative_bars_active(id_digest=id_digest(REP_ID), on=day) == []


def test_an_approved_directory_removal_removes_the_case():
    with on_day(dt.date(2025, 7, 14)):
        company = firm()
        late(company, 2024)
        case = listed_case(company, report_year=2024, listed_on=dt.date(2025, 7, 14))
    day = dt.date(2025, 8, 4)
    with on_day(day):
        filed(company, 2024)
        application = repair_apply(
            actor=member(company),
            enterprise=company,
            **apply_data(
                case.listing_record, kind="abnormal_removal", statement="已补报2024年度年报。"
            ),
        )
        clerk = officer()
        application = repair_accept(actor=clerk, application=application, expected_version=1)
        repair_decide(
            actor=clerk,
            application=application,
            approve=True,
            reasons="",
            verified=[],
            expected_version=2,
        )
    case.refresh_from_db()
    assert (case.state, case.removal_code, case.removed_on) == (
        DirectoryCase.State.REMOVED,
        "1",
        day,
    )
    assert not Enterprise.objects.get(pk=company.pk).is_abnormal
