"""Annual reports through their services (docs/domain.md §3, §4, §10): drafts prefilled and
saved, submission with its ledger fact, the bad input of issue 15 (a second report, a year not
due, impossible figures, a correction after 30 June without an invitation, two submissions at
once), the window and the closed entrance (except while pending listing), corrections with
both versions kept, paper reports counted from the day received."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from annual_reports.models import AnnualReport, CorrectionInvitation
from annual_reports.selectors.reports import current_report, filed_years, report_versions
from annual_reports.services.reports import (
    report_correction_start,
    report_draft_save,
    report_paper_enter,
    report_submit,
)
from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent, Department
from enterprises.models import CreditRecord, Enterprise
from tests.annual_reports.factories import (
    IN_WINDOW,
    YEAR,
    at,
    company,
    deferred,
    enterprise_data,
    file_report,
    member,
    officer,
    shop,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}


def _filed_facts(enterprise):
    return list(CreditRecord.objects.filter(enterprise=enterprise, kind="annual_report_filed"))


# --------------------------------------------------------------------------- drafts and submission


def test_a_draft_is_prefilled_from_the_register_and_last_years_report():
    firm = company()
    user = member(firm)
    file_report(firm, year=2024, on=dt.date(2025, 4, 1), phone="13900000000")
    with at(IN_WINDOW):
        draft = report_draft_save(actor=user, enterprise=firm, year=YEAR, data={})
    assert draft.status == AnnualReport.Status.DRAFT
    assert draft.mailing_address == enterprise_data()["mailing_address"]
    assert draft.phone == "13900000000"
    assert draft.contributions[0]["shareholder"] == "张三"
    assert draft.total_revenue is None  # figures are the year's own
    assert AuditEvent.objects.filter(event_type="annual_reports.report_draft_saved").count() == 2


def test_submitting_files_the_report_today_with_its_public_ledger_fact():
    firm = company()
    user = member(firm)
    with at(IN_WINDOW, hour=23, minute=59):
        draft = report_draft_save(actor=user, enterprise=firm, year=YEAR, data=enterprise_data())
        report = report_submit(actor=user, report=draft, expected_version=draft.version)
    assert (report.status, report.is_current, report.filed_on, report.late) == (
        "submitted",
        True,
        IN_WINDOW,
        False,
    )
    (fact,) = _filed_facts(firm)
    assert report.credit_record_id == fact.pk
    assert fact.occurred_on == IN_WINDOW
    assert fact.is_public is True
    assert fact.details == {"year": YEAR, "late": False, "channel": "online", "form": "enterprise"}
    assert (fact.source_app, fact.source_model, fact.source_id) == (
        "annual_reports",
        "annualreport",
        str(report.pk),
    )
    assert filed_years(enterprise_ids=[firm.pk]) == {firm.pk: {YEAR}}
    assert current_report(enterprise=firm, year=YEAR) == report
    assert AuditEvent.objects.filter(
        event_type="annual_reports.report_submitted", enterprise_id=firm.pk
    ).exists()


def test_an_individual_business_publishes_or_not():
    published, private = shop(), shop()
    file_report(published, publish=True)
    file_report(private, publish=False)
    assert _filed_facts(published)[0].is_public is True
    assert _filed_facts(private)[0].is_public is False
    assert _filed_facts(private)[0].details["form"] == "individual"


def test_the_simplified_form_needs_only_what_the_government_does_not_hold():
    firm = shop()
    user = member(firm)
    with at(IN_WINDOW):
        draft = report_draft_save(
            actor=user, enterprise=firm, year=YEAR, data={"operating_status": "operating"}
        )
        with pytest.raises(ValidationError) as caught:
            report_submit(actor=user, report=draft, expected_version=draft.version)
    assert set(_messages(caught.value)) == {"phone", "headcount", "total_revenue", "tax_paid"}
    assert _filed_facts(firm) == []


def test_the_enterprise_form_needs_items_1_2_and_7_and_a_company_item_4():
    firm = company()
    user = member(firm)
    data = enterprise_data(contributions=[], total_assets=None, email="")
    with at(IN_WINDOW):
        draft = report_draft_save(actor=user, enterprise=firm, year=YEAR, data=data)
        with pytest.raises(ValidationError) as caught:
            report_submit(actor=user, report=draft, expected_version=draft.version)
    problems = _messages(caught.value)
    assert set(problems) == {"contributions", "total_assets", "email"}
    assert "add at least one shareholder" in problems["contributions"][0]
    # A partnership has no item 4.
    partnership = company(entity_type=Enterprise.EntityType.PARTNERSHIP)
    report = file_report(partnership, contributions=[])
    assert report.status == "submitted"


def test_suspended_entities_still_report():
    firm = company(
        status=Enterprise.Status.SUSPENDED,
        suspended_from=dt.date(2025, 2, 1),
        suspended_until=dt.date(2027, 2, 1),
        status_changed_on=dt.date(2025, 2, 1),
    )
    with at(IN_WINDOW):
        draft = report_draft_save(actor=member(firm), enterprise=firm, year=YEAR, data={})
    assert draft.operating_status == "suspended"  # prefilled from the register
    assert file_report(company(status=Enterprise.Status.OPERATING)).status == "submitted"


# --------------------------------------------------------------------------- bad input


def test_a_second_report_for_the_same_year_is_refused():
    firm = company()
    file_report(firm)
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_draft_save(actor=member(firm), enterprise=firm, year=YEAR, data=enterprise_data())
    assert "already been filed: correct it instead" in _messages(caught.value)["year"][0]
    assert caught.value.error_dict["year"][0].code == "filed"
    assert AnnualReport.objects.filter(enterprise=firm).count() == 1


def test_a_year_not_yet_due_is_refused():
    firm = company()
    user = member(firm)
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_draft_save(actor=user, enterprise=firm, year=2026, data=enterprise_data())
    assert "not due yet: it can be filed from 2027-01-01" in _messages(caught.value)["year"][0]
    young = company(registered_on=dt.date(2026, 1, 5))
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_draft_save(actor=user, enterprise=young, year=YEAR, data=enterprise_data())
    assert "registered in 2026" in _messages(caught.value)["year"][0]
    closed = company(status=Enterprise.Status.DEREGISTERED, status_changed_on=dt.date(2026, 2, 1))
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_draft_save(actor=user, enterprise=closed, year=YEAR, data=enterprise_data())
    assert "deregistered, revoked or moved out" in _messages(caught.value)["year"][0]
    assert not AnnualReport.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("headcount", -1, "Headcount cannot be negative."),
        ("headcount", "2.5", "must be a whole number"),
        ("headcount", 99_000_000, "is not possible"),
        ("total_assets", Decimal("-0.01"), "cannot be negative"),
        ("total_liabilities", "-5", "cannot be negative"),
        ("guarantees", "-1", "cannot be negative"),
        ("total_revenue", "-100", "cannot be negative"),
        ("main_revenue", "-1", "cannot be negative"),
        ("tax_paid", "-3", "cannot be negative"),
        ("total_assets", "123456789012.00", "amounts are in CNY 10,000"),
        ("total_assets", "1.234", "at most two decimals"),
        ("total_assets", "abc", "must be a number"),
        ("main_revenue", "900", "cannot be more than the total revenue"),
        ("email", "not-an-email", "valid e-mail address"),
        ("postcode", "61020", "six digits"),
        ("phone", "12345", "mobile number"),
        ("mailing_address", "棠湖路\u200b1号", "invisible"),
    ],
)
def test_impossible_figures_and_malformed_contacts_are_refused(field, value, message):
    firm = company()
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_draft_save(
            actor=member(firm), enterprise=firm, year=YEAR, data=enterprise_data(**{field: value})
        )
    assert message in " ".join(_messages(caught.value)[field])
    assert not AnnualReport.objects.exists()  # nothing half-written


def test_profit_and_owners_equity_may_be_negative():
    report = file_report(company(), total_profit="-50", net_profit="-52.5", owners_equity="-10")
    assert (report.total_profit, report.net_profit, report.owners_equity) == (
        Decimal("-50.00"),
        Decimal("-52.50"),
        Decimal("-10.00"),
    )


def test_list_rows_are_checked_row_by_row():
    firm = company()
    rows = [
        {"shareholder": "张三", "subscribed": "100", "paid": "120"},
        {"subscribed": "-5"},
    ]
    websites = [{"kind": "blog", "name": "x", "url": "not a url"}]
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_draft_save(
            actor=member(firm),
            enterprise=firm,
            year=YEAR,
            data=enterprise_data(contributions=rows, websites=websites),
        )
    problems = _messages(caught.value)
    assert problems["contributions"] == [
        "Row 1: the paid-in contribution is more than the subscribed one.",
        "Row 2: Subscribed (CNY 10,000) cannot be negative; give the shareholder.",
    ]
    assert "must be one of: website, shop" in problems["websites"][0]
    assert "Row 1" in problems["websites"][0] and "not a web address" in problems["websites"][0]


def test_a_stale_draft_version_is_a_conflict():
    firm = company()
    user = member(firm)
    with at(IN_WINDOW):
        draft = report_draft_save(actor=user, enterprise=firm, year=YEAR, data={})
        report_draft_save(
            actor=user,
            enterprise=firm,
            year=YEAR,
            data={"phone": "13800000001"},
            expected_version=draft.version,
        )
        with pytest.raises(ConflictError):
            report_draft_save(
                actor=user,
                enterprise=firm,
                year=YEAR,
                data={"phone": "13800000002"},
                expected_version=draft.version,
            )
        # A second "new" draft while one exists is a conflict too (two tabs).
        with pytest.raises(ConflictError):
            report_draft_save(actor=user, enterprise=firm, year=YEAR, data={})
    assert AnnualReport.objects.get(pk=draft.pk).phone == "13800000001"


def test_a_second_submission_of_the_same_version_is_a_conflict_and_writes_nothing():
    firm = company()
    user = member(firm)
    with at(IN_WINDOW):
        draft = report_draft_save(actor=user, enterprise=firm, year=YEAR, data=enterprise_data())
        report_submit(actor=user, report=draft, expected_version=draft.version)
        with pytest.raises(ConflictError):
            report_submit(actor=user, report=draft, expected_version=draft.version)
    assert len(_filed_facts(firm)) == 1
    assert AuditEvent.objects.filter(event_type="annual_reports.report_submitted").count() == 1


# --------------------------------------------------------------------------- the calendar


def test_filed_after_30_june_is_late():
    report = file_report(company(), on=dt.date(2026, 7, 20))
    assert report.late is True
    assert _filed_facts(report.enterprise)[0].details["late"] is True


def test_the_entrance_is_closed_from_1_to_14_july_except_while_pending_listing():
    firm, buffered = company(), company()
    deferred(buffered)
    for day in (dt.date(2026, 7, 1), dt.date(2026, 7, 14)):
        with at(day):
            draft = report_draft_save(
                actor=member(firm, f"u{day.day}"),
                enterprise=firm,
                year=YEAR,
                data=enterprise_data(),
                expected_version=getattr(
                    AnnualReport.objects.filter(enterprise=firm).first(), "version", None
                ),
            )
            with pytest.raises(ValidationError) as caught:
                report_submit(actor=draft.created_by, report=draft, expected_version=draft.version)
        assert "reopens on 2026-07-15" in _messages(caught.value)["year"][0]
    report = file_report(buffered, on=dt.date(2026, 7, 3))
    assert (report.filed_on, report.late) == (dt.date(2026, 7, 3), True)
    draft = AnnualReport.objects.get(enterprise=firm)
    with at(dt.date(2026, 7, 15)):
        reopened = report_submit(
            actor=draft.created_by, report=draft, expected_version=draft.version
        )
    assert reopened.late is True


def test_a_pending_listing_of_another_year_does_not_open_the_entrance():
    firm = company()
    deferred(firm, year=2024, on=dt.date(2025, 7, 1))
    with at(dt.date(2026, 7, 2)):
        draft = report_draft_save(
            actor=member(firm), enterprise=firm, year=YEAR, data=enterprise_data()
        )
        with pytest.raises(ValidationError):
            report_submit(actor=draft.created_by, report=draft, expected_version=draft.version)


# --------------------------------------------------------------------------- corrections


def _correct(firm, on, **changes):
    user = member(firm, f"corrector-{on}")
    with at(on):
        draft = report_correction_start(actor=user, enterprise=firm, year=YEAR)
        draft = report_draft_save(
            actor=user, enterprise=firm, year=YEAR, data=changes, expected_version=draft.version
        )
        return report_submit(actor=user, report=draft, expected_version=draft.version)


def test_a_correction_before_30_june_keeps_both_versions():
    firm = company()
    original = file_report(firm)
    corrected = _correct(firm, dt.date(2026, 6, 30), phone="13811112222")
    original.refresh_from_db()
    assert (original.is_current, corrected.is_current) == (False, True)
    assert corrected.correction == "free"
    assert corrected.correction_of_id == original.pk
    assert (original.phone, corrected.phone) == ("028-85000000", "13811112222")
    assert [v.revision for v in report_versions(enterprise=firm, year=YEAR)] == [1, 2]
    fact = CreditRecord.objects.get(enterprise=firm, kind="annual_report_corrected")
    assert fact.details == {"year": YEAR, "revision": 2, "correction": "free"}
    assert fact.is_public is False
    assert len(_filed_facts(firm)) == 1  # the filing is not repeated


def test_a_correction_after_30_june_without_an_invitation_is_refused():
    firm = company()
    file_report(firm)
    with at(dt.date(2026, 7, 1)), pytest.raises(ValidationError) as caught:
        report_correction_start(actor=member(firm), enterprise=firm, year=YEAR)
    assert (
        "Corrections after 30 June need an invitation after a check"
        in (_messages(caught.value)["year"][0])
    )
    assert AnnualReport.objects.filter(enterprise=firm).count() == 1


def test_a_free_correction_not_submitted_by_30_june_is_refused_after_it():
    firm = company()
    file_report(firm)
    user = member(firm)
    with at(dt.date(2026, 6, 30)):
        draft = report_correction_start(actor=user, enterprise=firm, year=YEAR)
    with at(dt.date(2026, 7, 1)), pytest.raises(ValidationError) as caught:
        report_submit(actor=user, report=draft, expected_version=draft.version)
    assert "need an invitation" in _messages(caught.value)["year"][0]
    assert current_report(enterprise=firm, year=YEAR).revision == 1


def test_an_invited_correction_after_30_june_is_a_self_correction():
    from annual_reports.services.invitations import invitation_create

    firm = company(
        department=Department.objects.get_or_create(
            code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
        )[0]
    )
    file_report(firm)
    inspector = officer()
    with at(dt.date(2026, 9, 1)):
        invitation = invitation_create(
            actor=inspector,
            enterprise=firm,
            year=YEAR,
            reason=CorrectionInvitation.Reason.GENERAL_STATUS,
            findings="电话号码错误",
        )
    corrected = _correct(firm, dt.date(2026, 9, 2), phone="13822223333")
    assert corrected.correction == "self_correction"
    assert corrected.invitation_id == invitation.pk
    invitation.refresh_from_db()
    assert invitation.status == CorrectionInvitation.Status.USED
    facts = {r.kind: r for r in CreditRecord.objects.filter(enterprise=firm)}
    assert facts["annual_report_corrected"].details["correction"] == "self_correction"
    assert facts["self_correction"].details == {
        "what": "annual_report",
        "year": YEAR,
        "invitation": invitation.pk,
    }
    # The invitation is spent: another correction needs another one.
    with at(dt.date(2026, 9, 3)), pytest.raises(ValidationError):
        report_correction_start(actor=member(firm, "again"), enterprise=firm, year=YEAR)


# --------------------------------------------------------------------------- paper


def test_a_paper_report_counts_from_the_day_received():
    clerk = officer()
    on_time, late = company(), company()
    with at(dt.date(2026, 7, 20)):
        first = report_paper_enter(
            actor=clerk,
            enterprise=on_time,
            year=YEAR,
            data=enterprise_data(),
            received_on=dt.date(2026, 6, 29),
            reference="纸质-2026-001",
        )
        second = report_paper_enter(
            actor=clerk,
            enterprise=late,
            year=YEAR,
            data=enterprise_data(),
            received_on=dt.date(2026, 7, 2),
        )
    assert (first.filed_on, first.late, first.channel, first.paper_reference) == (
        dt.date(2026, 6, 29),
        False,
        "paper",
        "纸质-2026-001",
    )
    assert (second.filed_on, second.late) == (dt.date(2026, 7, 2), True)
    fact = _filed_facts(on_time)[0]
    assert (fact.occurred_on, fact.details["channel"], fact.details["late"]) == (
        dt.date(2026, 6, 29),
        "paper",
        False,
    )


def test_a_paper_report_checks_the_day_received_and_the_year():
    clerk = officer()
    firm = company()
    with at(IN_WINDOW):
        for received, message in (
            (IN_WINDOW + dt.timedelta(days=1), "cannot be in the future"),
            (dt.date(2025, 12, 31), "before its window opened"),
        ):
            with pytest.raises(ValidationError) as caught:
                report_paper_enter(
                    actor=clerk,
                    enterprise=firm,
                    year=YEAR,
                    data=enterprise_data(),
                    received_on=received,
                )
            assert message in _messages(caught.value)["received_on"][0]
    file_report(firm)
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_paper_enter(
            actor=clerk, enterprise=firm, year=YEAR, data=enterprise_data(), received_on=IN_WINDOW
        )
    assert "correct it instead" in _messages(caught.value)["year"][0]


def test_a_paper_report_replaces_an_online_draft_and_needs_the_permission():
    firm = company()
    with at(IN_WINDOW):
        draft = report_draft_save(actor=member(firm), enterprise=firm, year=YEAR, data={})
        with pytest.raises(PermissionDenied):
            report_paper_enter(
                actor=staff("enterprises.view_enterprise", username="reader"),
                enterprise=firm,
                year=YEAR,
                data=enterprise_data(),
                received_on=IN_WINDOW,
            )
        report = report_paper_enter(
            actor=officer(),
            enterprise=firm,
            year=YEAR,
            data=enterprise_data(),
            received_on=IN_WINDOW,
        )
    assert report.pk == draft.pk
    assert (report.channel, report.status) == ("paper", "submitted")
    stored = AnnualReport.objects.get(pk=report.pk)
    assert (stored.channel, stored.total_assets, stored.phone) == (
        "paper",
        Decimal("350.50"),
        "028-85000000",
    )


def test_a_paper_report_outside_the_jurisdiction_is_refused():
    eco = Department.objects.create(code="eco", name="区生态环境局")
    partner = officer(username="eco-clerk", department=eco)
    firm = company()
    with at(IN_WINDOW), pytest.raises(ValidationError) as caught:
        report_paper_enter(
            actor=partner,
            enterprise=firm,
            year=YEAR,
            data=enterprise_data(),
            received_on=IN_WINDOW,
        )
    assert "outside your jurisdiction" in _messages(caught.value)["enterprise"][0]
