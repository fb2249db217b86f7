"""The annual-report pages through the test client: the enterprise's years and forms (the
one-screen simplified form with "submit and publish", drafts, corrections with both versions
shown), the staff list with its filters and counts, the paper entry, the public report page
(item 7 only when chosen, an individual business's only when published, rate-limited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from annual_reports.models import AnnualReport
from credit_portal.models import Department
from enterprises.models import CreditRecord
from tests.annual_reports.factories import (
    IN_WINDOW,
    YEAR,
    at,
    company,
    enterprise_data,
    file_report,
    member,
    officer,
    shop,
    staff,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LIST = reverse("me-annual-reports:list")


def _edit(year: int = YEAR) -> str:
    return reverse("me-annual-reports:edit", args=[year])


def _post_data(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A report's data as the form posts it: the fields, and the rows of each list item."""
    post: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, list):
            post[f"{name}-count"] = str(len(value) + 2)
            for n, row in enumerate(value):
                for key, item in row.items():
                    post[f"{name}-{n}-{key}"] = str(item)
        elif value is not None:
            post[name] = str(value)
    post.update(extra)
    return post


@pytest.fixture
def firm_client(client):
    firm = company()
    client.force_login(member(firm))
    return firm, client


# --------------------------------------------------------------------------- enterprise


def test_the_years_list_says_what_is_due_and_what_was_filed(firm_client):
    firm, client = firm_client
    file_report(firm, year=2024, on=dt.date(2025, 7, 20))
    with at(IN_WINDOW):
        response = client.get(LIST, **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-year="2025"' in html and 'data-year="2024"' in html
    assert "Due: file it by" in html
    assert "filed late" in html  # 2024, filed in July
    assert reverse("me-annual-reports:edit", args=[2025]) in html
    assert 'data-year="2026"' in html  # next year's window, not open yet
    assert "The window for 2026 opens on" in html


def test_the_self_service_home_links_to_the_reports(firm_client):
    _firm, client = firm_client
    html = client.get(reverse("me:home"), **EN).content.decode()
    assert LIST in html
    assert "Online filing opens soon" not in html


def test_staff_and_anonymous_users_do_not_reach_the_enterprise_pages(client):
    assert client.get(LIST).status_code == 302
    client.force_login(officer())
    assert client.get(LIST).status_code == 403


def test_an_individual_business_files_on_one_screen_and_publishes(client):
    firm = shop()
    client.force_login(member(firm))
    with at(IN_WINDOW):
        page = client.get(_edit(), **EN)
        html = page.content.decode()
        assert page.status_code == 200
        assert "Submit and publish (提交并公示)" in html
        assert "Submit without publishing" in html
        assert 'name="total_assets"' not in html  # nothing the government holds, no item 7
        response = client.post(
            _edit(),
            _post_data(
                {
                    "phone": "13800000000",
                    "operating_status": "operating",
                    "headcount": 2,
                    "total_revenue": "36",
                    "tax_paid": "0.5",
                },
                action="submit",
            ),
            **EN,
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("me-annual-reports:year", args=[YEAR])
    report = AnnualReport.objects.get(enterprise=firm)
    assert (report.status, report.publish) == ("submitted", True)
    assert CreditRecord.objects.get(enterprise=firm, kind="annual_report_filed").is_public


def test_an_individual_business_may_submit_without_publishing(client):
    firm = shop()
    client.force_login(member(firm))
    with at(IN_WINDOW):
        client.post(
            _edit(),
            _post_data(
                {"phone": "13800000000", "headcount": 1, "total_revenue": "10", "tax_paid": "0"},
                action="submit_private",
            ),
        )
    fact = CreditRecord.objects.get(enterprise=firm, kind="annual_report_filed")
    assert fact.is_public is False
    assert AnnualReport.objects.get(enterprise=firm).publish is False


def test_the_enterprise_form_saves_a_draft_then_submits(firm_client):
    firm, client = firm_client
    data = enterprise_data()
    with at(IN_WINDOW):
        page = client.get(_edit(), **EN).content.decode()
        assert "Item 7" in page and "Publish item 7" in page
        saved = client.post(_edit(), _post_data({"phone": "13800000000"}, action="save"), **EN)
        assert saved.status_code == 302
        draft = AnnualReport.objects.get(enterprise=firm)
        assert draft.status == "draft" and draft.phone == "13800000000"
        response = client.post(
            _edit(), _post_data(data, action="submit", version=draft.version), **EN
        )
    assert response.status_code == 302
    report = AnnualReport.objects.get(enterprise=firm)
    assert report.status == "submitted"
    assert report.contributions[0]["shareholder"] == "张三"


def test_impossible_figures_come_back_on_the_form(firm_client):
    firm, client = firm_client
    with at(IN_WINDOW):
        response = client.post(
            _edit(),
            _post_data(enterprise_data(headcount=-3, main_revenue="900"), action="submit"),
            **EN,
        )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Headcount cannot be negative." in html
    assert not AnnualReport.objects.filter(enterprise=firm).exists()


def test_an_incomplete_report_is_kept_as_a_draft_with_what_it_lacks(firm_client):
    firm, client = firm_client
    with at(IN_WINDOW):
        response = client.post(
            _edit(), _post_data(enterprise_data(tax_paid=None), action="submit"), **EN
        )
    assert response.status_code == 400
    assert "Required to submit: Tax paid (CNY 10,000)." in response.content.decode()
    draft = AnnualReport.objects.get(enterprise=firm)
    assert draft.status == "draft"
    assert f'name="version" value="{draft.version}"' in response.content.decode()


def test_a_stale_form_is_a_409(firm_client):
    firm, client = firm_client
    with at(IN_WINDOW):
        client.post(_edit(), _post_data({"phone": "13800000000"}, action="save"))
        stale = _post_data(enterprise_data(), action="submit", version="1")
        client.post(_edit(), _post_data({"phone": "13800000001"}, action="save", version="1"))
        response = client.post(_edit(), stale, **EN)
    assert response.status_code == 409
    assert "changed by someone else first" in response.content.decode()
    assert AnnualReport.objects.get(enterprise=firm).status == "draft"


def test_the_entrance_closed_in_july_says_when_it_reopens(firm_client):
    firm, client = firm_client
    with at(dt.date(2026, 7, 3)):
        page = client.get(_edit(), **EN).content.decode()
        assert "reopens on 2026-07-15" in page
        response = client.post(_edit(), _post_data(enterprise_data(), action="submit"), **EN)
    assert response.status_code == 400
    assert "The filing entrance is closed after 30 June" in response.content.decode()
    assert not AnnualReport.objects.filter(enterprise=firm, status="submitted").exists()


def test_a_correction_shows_both_versions_with_the_changes_marked(firm_client):
    firm, client = firm_client
    original = file_report(firm)
    with at(dt.date(2026, 5, 2)):
        assert client.post(reverse("me-annual-reports:correct", args=[YEAR])).status_code == 302
        draft = AnnualReport.objects.get(enterprise=firm, status="draft")
        form = client.get(_edit(), **EN).content.decode()
        assert "Correct the 2025 annual report" in form
        assert "What was corrected and why" in form
        client.post(
            _edit(),
            _post_data(
                enterprise_data(phone="13822223333"),
                action="submit",
                version=draft.version,
                correction_reason="电话号码填写错误",
            ),
        )
        page = client.get(reverse("me-annual-reports:year", args=[YEAR]), **EN)
    html = page.content.decode()
    assert "Original" in html and "Version 2 (correction)" in html
    assert f"filed on {original.filed_on:%Y-%m-%d}" in html and "corrected on 2026-05-02" in html
    assert "<mark>13822223333</mark>" in html and "028-85000000" in html
    assert "1 field changed across the versions" in html
    assert "电话号码填写错误" in html


def test_a_correction_after_30_june_without_an_invitation_is_refused_with_the_reason(firm_client):
    firm, client = firm_client
    file_report(firm)
    with at(dt.date(2026, 8, 1)):
        response = client.post(reverse("me-annual-reports:correct", args=[YEAR]), follow=True, **EN)
    assert "Corrections after 30 June need an invitation after a check" in (
        response.content.decode()
    )
    assert AnnualReport.objects.filter(enterprise=firm).count() == 1


def test_a_filed_year_is_not_filed_again_from_the_form(firm_client):
    firm, client = firm_client
    file_report(firm)
    with at(IN_WINDOW):
        response = client.get(_edit(), **EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("me-annual-reports:year", args=[YEAR])


# --------------------------------------------------------------------------- staff


def test_the_staff_list_filters_and_counts(client):
    filed, late, missing = company(), company(), company()
    paper = company(division="九江街道")
    file_report(filed)
    file_report(late, on=dt.date(2026, 7, 20))
    from annual_reports.services.reports import report_paper_enter

    clerk = officer()
    with at(dt.date(2026, 7, 20)):
        report_paper_enter(
            actor=clerk,
            enterprise=paper,
            year=YEAR,
            data=enterprise_data(),
            received_on=dt.date(2026, 6, 20),
        )
    company(registered_on=dt.date(2026, 2, 1))  # not due for 2025
    client.force_login(clerk)
    url = reverse("annual_reports:list")
    with at(dt.date(2026, 8, 1)):
        response = client.get(url, {"year": YEAR}, **EN)
        html = response.content.decode()
        assert response.status_code == 200
        counts = response.context["counts"]
        assert (counts.due, counts.filed, counts.not_filed, counts.late, counts.paper) == (
            4,
            3,
            1,
            1,
            1,
        )

        def names(**params):
            rows = client.get(url, {"year": YEAR, **params}).context["rows"]
            return {e.pk for e in rows}

        assert names(state="not_filed") == {missing.pk}
        assert names(state="late") == {late.pk}
        assert names(state="paper") == {paper.pk}
        assert names(division="九江街道") == {paper.pk}
        assert names(entity_type="individual_business") == set()
        assert reverse("annual_reports:detail", args=[filed.uscc, YEAR]) in html


def test_the_staff_pages_need_the_permission_and_the_jurisdiction(client):
    eco = Department.objects.create(code="eco", name="区生态环境局")
    firm = company()
    file_report(firm)
    client.force_login(staff("enterprises.view_enterprise", username="reader"))
    assert client.get(reverse("annual_reports:list")).status_code == 403
    client.force_login(officer(username="eco", department=eco))
    assert client.get(reverse("annual_reports:detail", args=[firm.uscc, YEAR])).status_code == 404
    assert client.get(reverse("annual_reports:list")).context["counts"].due == 0


def test_the_staff_detail_shows_every_version(client):
    firm = company()
    file_report(firm)
    from annual_reports.services.reports import (
        report_correction_start,
        report_draft_save,
        report_submit,
    )

    user = member(firm)
    with at(dt.date(2026, 6, 1)):
        draft = report_correction_start(actor=user, enterprise=firm, year=YEAR)
        draft = report_draft_save(
            actor=user,
            enterprise=firm,
            year=YEAR,
            data={"total_assets": "400"},
            expected_version=draft.version,
        )
        report_submit(actor=user, report=draft, expected_version=draft.version)
    client.force_login(officer())
    html = client.get(
        reverse("annual_reports:detail", args=[firm.uscc, YEAR]), **EN
    ).content.decode()
    assert "Version 2 (correction)" in html
    assert "<mark>400.00</mark>" in html and "350.50" in html
    assert "Annual report corrected" in html or "annual_report_corrected" in html


def test_a_clerk_enters_a_paper_report_counted_from_the_day_received(client):
    firm = company()
    client.force_login(officer())
    url = reverse("annual_reports:paper")
    with at(dt.date(2026, 7, 20)):
        found = client.get(url, {"uscc": firm.uscc, "year": YEAR}, **EN)
        assert found.status_code == 200 and firm.name in found.content.decode()
        response = client.post(
            url,
            _post_data(
                enterprise_data(),
                uscc=firm.uscc,
                year=str(YEAR),
                received_on="2026-06-28",
                reference="纸-001",
            ),
            **EN,
        )
    assert response.status_code == 302
    report = AnnualReport.objects.get(enterprise=firm)
    assert (report.channel, report.filed_on, report.late) == ("paper", dt.date(2026, 6, 28), False)
    with at(dt.date(2026, 7, 20)):
        again = client.post(
            url,
            _post_data(enterprise_data(), uscc=firm.uscc, year=str(YEAR), received_on="2026-07-01"),
            **EN,
        )
    assert again.status_code == 400
    assert "correct it instead" in again.content.decode()


def test_the_paper_entry_needs_its_permission(client):
    client.force_login(
        staff("enterprises.view_enterprise", "annual_reports.view_annualreport", username="reader")
    )
    assert client.get(reverse("annual_reports:paper")).status_code == 403


# --------------------------------------------------------------------------- public


def _public(firm, year=YEAR) -> str:
    return reverse("public-annual-reports:report", args=[firm.uscc, year])


def test_the_public_page_shows_items_1_to_6_and_item_7_only_when_chosen(client):
    hidden, shown = company(), company()
    file_report(hidden)
    file_report(shown, publish_financials=True)
    html = client.get(_public(hidden), **EN).content.decode()
    assert "Investments in other enterprises" in html and "张三" in html  # item 4
    assert "office@example.cn" in html  # item 1 is public for an enterprise
    assert "350.50" not in html and "Total assets" not in html
    assert "Item 7 (headcount, assets, revenue, profit and tax) is not published" in html
    html = client.get(_public(shown), **EN).content.decode()
    assert "350.50" in html and "-15.20" in html


def test_the_public_page_hides_an_unpublished_individual_business_report(client):
    private, published = shop(), shop()
    file_report(private, publish=False)
    file_report(published, publish=True)
    assert client.get(_public(private)).status_code == 404
    html = client.get(_public(published), **EN).content.decode()
    assert "13800000000" not in html  # the operator's phone: personal data
    assert "Operating status" in html


def test_the_public_page_shows_every_version_with_its_date(client):
    firm = company()
    file_report(firm)
    from annual_reports.services.reports import (
        report_correction_start,
        report_draft_save,
        report_submit,
    )

    user = member(firm)
    with at(dt.date(2026, 6, 2)):
        draft = report_correction_start(actor=user, enterprise=firm, year=YEAR)
        draft = report_draft_save(
            actor=user,
            enterprise=firm,
            year=YEAR,
            data={"phone": "13833334444"},
            expected_version=draft.version,
        )
        report_submit(actor=user, report=draft, expected_version=draft.version)
    html = client.get(_public(firm), **EN).content.decode()
    assert "corrected on 2026-06-02" in html and "filed on 2026-03-10" in html
    assert "13833334444" in html and "028-85000000" in html
    assert client.get(_public(firm, 2024)).status_code == 404


def test_the_public_profile_links_each_filed_year(client):
    firm = company()
    file_report(firm)
    html = client.get(reverse("public:profile", args=[firm.uscc])).content.decode()
    assert _public(firm) in html


def test_the_public_page_is_rate_limited_with_the_other_public_pages(client):
    firm = company()
    file_report(firm)
    cache.clear()
    for _ in range(60):
        assert client.get(reverse("public:search"), REMOTE_ADDR="10.9.0.1").status_code == 200
    response = client.get(_public(firm), REMOTE_ADDR="10.9.0.1")
    assert response.status_code == 429
    assert client.get(_public(firm), REMOTE_ADDR="10.9.0.2").status_code == 200
