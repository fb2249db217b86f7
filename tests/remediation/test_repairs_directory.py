"""Removal from the abnormal directory through the one repair application (docs/domain.md §3
"Removal", §5): the cause must be cured before one can apply — every missing annual report
filed, the ordered information disclosed, a correction submitted, the address changed (or,
declared and verified, reachable again) — and an application for an uncured listing is refused
with what is missing, nothing written; the decision is due within 5 WD of acceptance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from credit_portal.workdays import deadline_after
from enterprises.services.ledger import credit_record_append
from remediation.models import DirectoryCase, DisclosureOrder, RepairApplication
from remediation.rules import abnormal_removal_eligibility, listing_cause
from remediation.services.repairs import declared_conditions, repair_accept, repair_apply
from tests.remediation.factories_listings import (
    author,
    bureau,
    filed,
    firm,
    late,
    listed_case,
    member,
    today,
)
from tests.remediation.factories_repairs import apply_data, officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _eligibility(case: DirectoryCase):
    return abnormal_removal_eligibility(record=case.listing_record, today=today())


def _apply(case: DirectoryCase, user=None):
    user = user or member(case.enterprise)
    return repair_apply(
        actor=user,
        enterprise=case.enterprise,
        **apply_data(
            case.listing_record, kind="abnormal_removal", statement="已补报年度报告并公示。"
        ),
    )


# --------------------------------------------------------------------------- reason 1


def test_reason_1_needs_every_missing_year_filed():
    company = firm()
    late(company, 2023)
    late(company, 2024)
    case = listed_case(company, reason="1", report_year=2023)
    refused = _eligibility(case)
    assert not refused.eligible
    assert refused.reasons[0].startswith(
        "Not cured: the reports for 2023 and 2024 are still missing."
    )
    assert [(c.code, c.met) for c in refused.conditions] == [("reports_filed", False)]
    filed(company, 2023)
    assert (
        _eligibility(case).reasons[0].startswith("Not cured: the report for 2024 is still missing.")
    )
    filed(company, 2024)
    cured = _eligibility(case)
    assert cured.eligible and cured.reasons == ()
    assert [(c.code, c.met) for c in cured.conditions] == [("reports_filed", True)]
    assert listing_cause(record=case.listing_record, today=today()).removal_code == "1"


def test_an_application_for_an_uncured_listing_is_refused_and_nothing_is_written():
    company = firm()
    late(company, 2023)
    case = listed_case(company, reason="1", report_year=2023)
    with pytest.raises(ValidationError) as refused:
        _apply(case)
    assert "the report for 2023 is still missing" in " ".join(refused.value.message_dict["record"])
    assert not RepairApplication.objects.exists()


def test_the_self_service_form_shows_the_refusal(client):
    company = firm()
    late(company, 2023)
    case = listed_case(company, reason="1", report_year=2023)
    user = member(company)
    client.force_login(user)
    url = reverse("me-remediation:repair_apply", args=[case.listing_record_id])
    from tests.remediation.factories_repairs import pdf

    answer = client.post(
        url,
        {
            "applicant_name": "李四",
            "applicant_phone": "13800000000",
            "statement": "已补报",
            "pledge_accepted": "on",
            "evidence": pdf(),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    assert "the report for 2023 is still missing" in answer.content.decode()
    assert not RepairApplication.objects.exists()


def test_a_cured_reason_1_listing_is_applied_for_and_decided_within_5_working_days():
    company = firm()
    late(company, 2023)
    case = listed_case(company, reason="1", report_year=2023)
    filed(company, 2023)
    application = _apply(case)
    assert application.conditions["applied"]["conditions"][0]["met"] is True
    accepted = repair_accept(actor=officer(), application=application, expected_version=1)
    assert accepted.decision_due == deadline_after(today(), 5).day


# --------------------------------------------------------------------------- reason 2


def test_reason_2_needs_each_ordered_item_disclosed_after_the_listing():
    company = firm()
    order = DisclosureOrder.objects.create(
        created_by=author(),
        enterprise=company,
        department=bureau(),
        items=["contribution", "licence"],
        ordered_on=today() - dt.timedelta(days=40),
        due_on=today() - dt.timedelta(days=30),
        status=DisclosureOrder.Status.LISTED,
    )
    case = listed_case(company, reason="2", order=order)

    def disclose(item: str, on: dt.date) -> None:
        credit_record_append(
            enterprise=company,
            kind="immediate_disclosure",
            occurred_on=on,
            summary=item,
            actor=None,
            details={"item": item, "late": True, "revision": 1},
        )

    disclose("contribution", case.listed_on - dt.timedelta(days=1))  # before: does not count
    refused = _eligibility(case)
    assert not refused.eligible
    assert "Shareholders' subscribed and paid-in capital" in refused.reasons[0]
    disclose("contribution", today())
    refused = _eligibility(case)
    assert "Administrative licence" in refused.reasons[0]
    assert "paid-in capital" not in refused.reasons[0]
    disclose("licence", today())
    assert _eligibility(case).eligible


# --------------------------------------------------------------------------- reason 3


def test_reason_3_needs_a_correction_submitted_after_the_listing():
    company = firm()
    case = listed_case(company, reason="3")
    refused = _eligibility(case)
    assert not refused.eligible
    assert refused.reasons[0].startswith("Not cured: no correction")
    credit_record_append(
        enterprise=company,
        kind="annual_report_corrected",
        occurred_on=today(),
        summary="更正",
        actor=None,
        details={"year": 2024, "revision": 2, "correction": "free"},
    )
    cured = _eligibility(case)
    assert cured.eligible
    assert [(c.code, c.met) for c in cured.conditions] == [("corrected", True)]


# --------------------------------------------------------------------------- reason 4


def test_reason_4_address_changed_or_declared_reachable():
    company = firm()
    case = listed_case(company, reason="4")
    declared = _eligibility(case)
    assert declared.eligible
    assert [(c.code, c.met) for c in declared.conditions] == [("reachable", None)]
    assert [c.code for c in declared_conditions(declared)] == ["reachable"]
    assert listing_cause(record=case.listing_record, today=today()).removal_code == "5"
    credit_record_append(
        enterprise=company,
        kind="registration_change",
        occurred_on=today(),
        summary="变更住所",
        actor=None,
        is_public=True,
        details={"changes": {"address": ["旧址", "新址"]}, "entity_type": "company"},
    )
    moved = _eligibility(case)
    assert [(c.code, c.met) for c in moved.conditions] == [("address_changed", True)]
    assert listing_cause(record=case.listing_record, today=today()).removal_code == "4"
