"""The enterprise's side of the directory (issue 15, points 2-5): its cases with what to do and
by when, the credit pledge while pending listing, and the notice (告知书) as a page and as a
printable letter made when opened (read back with pypdf), its first opening recorded; one
wording each for a pending listing, a reason-1 listing, an individual business's mark and a
removal (restoration). Another enterprise's case is a 404."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from credit_portal.dates import chinese_date
from credit_portal.models import AuditEvent
from remediation.models import DirectoryCase
from remediation.services.directory_notices import (
    NOTICE_OPENED,
    case_notice_content,
    case_notice_document,
)
from tests.remediation.factories_directory_pages import (
    BUREAU_NAME,
    closed_case,
    company,
    listed_case,
    member,
    pending_case,
    reader,
    removed_case,
    shop,
    today,
)

pytestmark = pytest.mark.django_db
State = DirectoryCase.State

LISTINGS = reverse("me-remediation:listings")


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def url(name: str, case: DirectoryCase) -> str:
    return reverse(f"me-remediation:{name}", args=[case.pk])


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


# --------------------------------------------------------------------------- self-service


def test_the_enterprise_sees_its_pending_listing_with_the_deadline_and_what_to_do(client):
    case = pending_case(year=today().year - 1, buffer_deadline=days(12))
    ended = closed_case(case.enterprise, year=today().year - 2)
    client.force_login(member(case.enterprise))
    html = client.get(LISTINGS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    step = re.search(rf'data-case="{case.pk}".*?</li>', html, re.S).group(0)
    assert days(12).isoformat() in step or days(12).strftime("%-d %B %Y") in step
    assert "never listed" in step
    assert f'data-case="{ended.pk}"' in html  # among the ended ones
    page = client.get(url("listing_detail", case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="pledge-form"' in page
    assert 'data-testid="file-report"' in page or "annual-reports" in page


def test_a_listed_enterprise_reads_how_to_cure_and_object(client):
    case = listed_case(report_year=2024, listed_on=days(-5))
    client.force_login(member(case.enterprise))
    html = client.get(url("listing_detail", case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "File every missing year" in html and "without applying" in html
    objection = case.listed_on + dt.timedelta(days=30)
    assert f"until {objection.isoformat()}" in html
    other = listed_case(reason="4")
    client.force_login(member(other.enterprise, username="other-firm"))
    html = client.get(url("listing_detail", other), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "apply for removal through credit repair" in html
    assert reverse("me-remediation:repairs") in html


def test_another_enterprises_case_is_a_404_and_staff_get_403(client):
    mine = pending_case()
    theirs = listed_case()
    client.force_login(member(mine.enterprise))
    for name in ("listing_detail", "listing_notice", "listing_notice_pdf"):
        assert client.get(url(name, theirs)).status_code == 404, name
    response = client.post(url("listing_pledge", theirs), {"version": 1, "text": "x"})
    assert response.status_code == 404
    client.force_login(reader())
    assert client.get(LISTINGS).status_code == 403
    assert client.get(url("listing_detail", mine)).status_code == 403


def test_the_enterprise_gives_its_credit_pledge(client):
    case = pending_case()
    client.force_login(member(case.enterprise))
    response = client.post(
        url("listing_pledge", case),
        {"version": case.version, "text": "本单位承诺在缓冲期内补报年度报告。", "confirm": "on"},
    )
    assert response.status_code == 302 and response["Location"] == url("listing_detail", case)
    case.refresh_from_db()
    assert case.pledged_on == today() and "补报" in case.pledge_text
    # Without the confirmation nothing is written; a stale version is a message.
    response = client.post(
        url("listing_pledge", case),
        {"version": case.version, "text": "新的承诺"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Confirm that you give the pledge" in response.content.decode()
    response = client.post(
        url("listing_pledge", case),
        {"version": case.version - 1, "text": "新的承诺", "confirm": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Someone else acted on this case first" in response.content.decode()
    case.refresh_from_db()
    assert case.pledge_text != "新的承诺"


def test_no_pledge_once_listed(client):
    case = listed_case()
    client.force_login(member(case.enterprise))
    html = client.get(url("listing_detail", case)).content.decode()
    assert 'data-testid="pledge-form"' not in html
    response = client.post(
        url("listing_pledge", case),
        {"version": case.version, "text": "承诺", "confirm": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "no longer possible" in response.content.decode()


def test_the_home_page_shows_the_tile_and_the_pending_listing(client):
    case = pending_case(buffer_deadline=days(9))
    client.force_login(member(case.enterprise))
    html = client.get(reverse("me:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="tile-listings"' in html
    card = re.search(r'data-testid="pending-listing".*?</li>', html, re.S).group(0)
    assert days(9).isoformat() in card or days(9).strftime("%-d %B %Y") in card
    assert url("listing_detail", case) in card
    assert "No abnormal listing, no serious-list entry" not in html


def test_the_home_page_of_a_listed_enterprise_links_what_to_do(client):
    case = listed_case()
    client.force_login(member(case.enterprise))
    html = client.get(reverse("me:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="listed-todo"' in html


# --------------------------------------------------------------------------- the notice


def test_opening_the_notice_is_recorded_once(client):
    case = pending_case()
    client.force_login(member(case.enterprise))
    response = client.get(url("listing_notice", case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂缓列入经营异常名录告知书" in html
    assert chinese_date(case.buffer_deadline) in html
    case.refresh_from_db()
    first = case.notice_opened_at
    assert first is not None
    version = case.version
    client.get(url("listing_notice_pdf", case))
    case.refresh_from_db()
    assert case.notice_opened_at == first and case.version == version
    events = AuditEvent.objects.filter(event_type=NOTICE_OPENED, target_id=str(case.pk))
    assert events.count() == 1


def test_staff_printing_the_notice_is_not_an_opening(client):
    case = listed_case()
    client.force_login(reader())
    response = client.get(reverse("remediation:directory_notice", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "列入经营异常名录告知书" in pdf_text(response.content)
    case.refresh_from_db()
    assert case.notice_opened_at is None


def test_the_pending_listing_letter(client):
    year = today().year - 1
    case = pending_case(year=year, buffer_deadline=days(15))
    client.force_login(member(case.enterprise))
    response = client.get(url("listing_notice_pdf", case))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    text = pdf_text(response.content)
    for fact in (
        "暂缓列入经营异常名录告知书",
        case.enterprise.name,
        case.enterprise.uscc,
        f"{year}年度报告",
        chinese_date(dt.date(year + 1, 6, 30)),  # the report was due
        chinese_date(days(15)),  # the buffer deadline
        "不列入经营异常名录",
        BUREAU_NAME,
        chinese_date(case.detected_on),  # the letter's date
    ):
        assert fact in text, fact


def test_the_reason_1_listing_letter():
    case = listed_case(report_year=2024, listed_on=dt.date(2025, 7, 14))
    text = pdf_text(case_notice_document(case))
    for fact in (
        "列入经营异常名录告知书",
        case.document_number,
        "2024年度报告",
        "自2025年7月14日起",
        "全部未报年份",  # all missing years
        "无需另行申请",  # removed without applying
        "2025年8月13日",  # objection: 30 days from publication
        "2028年7月14日",  # three years
        "严重违法失信名单",
        "行政复议",
    ):
        assert fact in text, fact


def test_the_individual_business_mark_letter():
    case = listed_case(
        shop(legal_rep_name="王五"), report_year=2024, listed_on=dt.date(2025, 7, 14)
    )
    content = case_notice_content(case)
    assert content.title == "标记为经营异常状态告知书"
    text = pdf_text(case_notice_document(case))
    for fact in (
        "标记为经营异常状态",
        "你（户）",
        "经营者：王五",
        "当日即恢复正常记载状态",
        "零跑腿",
    ):
        assert fact in text, fact
    assert "列入经营异常名录" not in text


def test_the_removal_and_restoration_letters():
    removed = removed_case(listed_on=dt.date(2025, 7, 14))
    text = pdf_text(case_notice_document(removed))
    assert "移出经营异常名录告知书" in text
    assert "已补报未报年份的年度报告并公示" in text
    assert chinese_date(removed.removed_on) in text
    restored = removed_case(shop(), listed_on=dt.date(2025, 7, 14))
    content = case_notice_content(restored)
    assert content.title == "恢复正常记载状态告知书"
    assert "恢复" in "".join(content.paragraphs)


def test_the_closed_without_listing_letter():
    case = closed_case(company())
    content = case_notice_content(case)
    assert content.title == "暂缓列入经营异常名录结果告知书"
    assert "不将你单位列入经营异常名录" in "".join(content.paragraphs)
    assert pdf_text(case_notice_document(case)).startswith(BUREAU_NAME)
