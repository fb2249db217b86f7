"""The public profile's listings (issue 15, docs/domain.md §3): a listing in the abnormal
directory or on the serious list stays public once removed, with the removal's date and reason
beside it (移出日期, 移出原因); a listing revoked as wrongful (or corrected as entered wrongly)
is not shown at all; a listing pending in the punishment buffer never appears; an individual
business is "marked" (△), not listed. The page and the public API show the same."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from enterprises.models import CreditRecord
from enterprises.services.ledger import credit_record_append
from tests.enterprises.factories import EnterpriseFactory, Kind, public_profile_queries

pytestmark = pytest.mark.django_db

AUTHORITY = "成都市双流区市场监督管理局"
REVOCATION = "abnormal_revocation"
DEFERRED = "listing_deferred"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def page(client, enterprise, lang: str = "zh-hans") -> str:
    response = client.get(
        reverse("public:profile", kwargs={"uscc": enterprise.uscc}), HTTP_ACCEPT_LANGUAGE=lang
    )
    assert response.status_code == 200
    return response.content.decode()


def api(client, enterprise) -> dict:
    response = client.get(
        reverse("enterprises-api:public-enterprise-detail", kwargs={"uscc": enterprise.uscc})
    )
    assert response.status_code == 200
    return response.json()


def append(enterprise, kind, summary, *, on, public=True, **kwargs) -> CreditRecord:
    return credit_record_append(
        enterprise=enterprise,
        kind=kind,
        occurred_on=days(on),
        summary=summary,
        actor=None,
        is_public=public,
        authority=AUTHORITY,
        **kwargs,
    )


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}".*?</section>', html, re.S)
    assert found, anchor
    return found.group(0)


def test_a_removed_listing_stays_with_its_removal_beside_it(client):
    company = EnterpriseFactory()
    old = append(
        company,
        Kind.ABNORMAL_LISTING,
        "未按规定报送2023年度年度报告",
        on=-400,
        document_number="双市监异〔2024〕7号",
        details={"reason_code": "1", "report_year": 2023},
    )
    append(
        company,
        Kind.ABNORMAL_REMOVAL,
        "已补报2023年度年度报告并公示",
        on=-300,
        details={"reason_code": "1"},
        closes=old,
    )
    html = section(page(client, company, "en"), "abnormal")
    row = re.search(r"<tr class=\"pub-removed\">.*?</tr>", html, re.S)
    assert row, html
    text = row.group(0)
    for fact in (
        "未按规定报送2023年度年度报告",
        days(-400).isoformat(),
        "双市监异〔2024〕7号",
        AUTHORITY,
        days(-300).isoformat(),  # 移出日期
        "已补报2023年度年度报告并公示",  # 移出原因
    ):
        assert fact in text, fact
    assert "Date removed" in html and "Reason for removal" in html
    # Removed: no longer "in the directory" in the header, the tab's count not red.
    whole = page(client, company, "en")
    assert "In the abnormal directory</span>" not in whole
    assert "pub-count--hot" not in whole

    # The API says the same.
    body = api(client, company)
    assert body["abnormal_listings"] == [
        {
            "decided_on": days(-400).isoformat(),
            "authority": AUTHORITY,
            "document_number": "双市监异〔2024〕7号",
            "summary": "未按规定报送2023年度年度报告",
            "publicity_start": days(-400).isoformat(),
            "publicity_end": None,
            "in_force": False,
            "removed_on": days(-300).isoformat(),
            "removal_reason": "已补报2023年度年度报告并公示",
        }
    ]


def test_a_listing_in_force_is_marked_in_the_header_beside_a_removed_one(client):
    company = EnterpriseFactory()
    old = append(company, Kind.ABNORMAL_LISTING, "OLD-listing", on=-800)
    append(company, Kind.ABNORMAL_REMOVAL, "OLD-removal", on=-700, closes=old)
    append(company, Kind.ABNORMAL_LISTING, "NEW-listing", on=-20)
    html = page(client, company)
    assert "列入经营异常名录</span>" in html  # the header's badge
    abnormal = section(html, "abnormal")
    assert abnormal.index("NEW-listing") < abnormal.index("OLD-listing")  # newest first
    assert abnormal.count("pub-removed") == 1
    body = api(client, company)
    assert [(r["summary"], r["in_force"]) for r in body["abnormal_listings"]] == [
        ("NEW-listing", True),
        ("OLD-listing", False),
    ]
    assert body["abnormal_listings"][0]["removed_on"] is None
    assert body["abnormal_listings"][0]["removal_reason"] == ""


def test_a_revoked_or_corrected_listing_is_not_shown_at_all(client):
    company = EnterpriseFactory()
    wrongful = append(company, Kind.ABNORMAL_LISTING, "WRONGFUL-listing", on=-100)
    append(company, REVOCATION, "REVOCATION-upheld", on=-60, closes=wrongful)
    typo = append(company, Kind.SERIOUS_LISTING, "MISTYPED-serious", on=-90)
    append(company, Kind.CORRECTION, "CORRECTION-entry", on=-80, closes=typo)
    html = page(client, company)
    for hidden in ("WRONGFUL-listing", "REVOCATION-upheld", "MISTYPED-serious", "CORRECTION"):
        assert hidden not in html, hidden
    assert "暂无列入经营异常名录信息。" in html
    assert "暂无列入严重违法失信名单信息。" in html
    body = api(client, company)
    assert body["abnormal_listings"] == [] and body["serious_listings"] == []


def test_a_pending_listing_never_appears(client):
    """The punishment buffer: the deferral is a fact of the ledger, never public, and the
    entity is not listed while it waits."""
    company = EnterpriseFactory()
    append(
        company,
        DEFERRED,
        "DEFERRED-pending-listing",
        on=-5,
        public=False,
        details={"reason_code": "1", "year": 2025, "buffer_deadline": days(10).isoformat()},
    )
    html = page(client, company)
    assert "DEFERRED" not in html
    assert "暂无列入经营异常名录信息。" in html
    assert api(client, company)["abnormal_listings"] == []


def test_a_removed_serious_listing_stays_with_its_removal(client):
    company = EnterpriseFactory()
    serious = append(company, Kind.SERIOUS_LISTING, "SERIOUS-three-years", on=-1200)
    append(company, Kind.SERIOUS_REMOVAL, "SERIOUS-term-ended", on=-100, closes=serious)
    html = page(client, company)
    part = section(html, "serious")
    assert "SERIOUS-three-years" in part and "SERIOUS-term-ended" in part
    assert days(-100).isoformat() in part
    assert "列入严重违法失信名单</span>" not in html  # not in force: no header badge
    body = api(client, company)
    assert body["serious_listings"][0]["removed_on"] == days(-100).isoformat()
    assert body["serious_listings"][0]["removal_reason"] == "SERIOUS-term-ended"


def test_a_listing_removed_by_a_credit_repair_shows_the_repair(client):
    company = EnterpriseFactory()
    listing = append(company, Kind.ABNORMAL_LISTING, "LISTED-unreachable", on=-200)
    repair = "移出经营异常名录（信用修复）"
    append(company, Kind.REPAIR, repair, on=-10, public=False, closes=listing)
    part = section(page(client, company), "abnormal")
    assert "LISTED-unreachable" in part
    assert repair in part
    assert days(-10).isoformat() in part


def test_other_closed_records_are_still_hidden(client):
    company = EnterpriseFactory()
    penalty = append(company, Kind.PENALTY, "REPAIRED-penalty", on=-300)
    append(company, Kind.REPAIR, "repair", on=-5, public=False, closes=penalty)
    html = page(client, company)
    assert "REPAIRED-penalty" not in html


def test_an_individual_business_is_marked_with_the_triangle(client):
    shop = EnterpriseFactory(individual_business=True)
    old = append(
        shop,
        Kind.ABNORMAL_LISTING,
        "未按规定报送年度报告",
        on=-300,
        details={"reason_code": "1", "individual_business": True},
    )
    append(shop, Kind.ABNORMAL_REMOVAL, "补报年度报告，恢复正常记载状态", on=-250, closes=old)
    append(
        shop,
        Kind.ABNORMAL_LISTING,
        "通过登记的经营场所无法联系",
        on=-30,
        details={"reason_code": "4", "individual_business": True},
    )
    html = page(client, shop)
    assert "标记为经营异常状态信息" in html  # the section's heading
    assert "列入经营异常名录信息" not in html
    head = re.search(r'<div class="pub-head__status">.*?</div>', html, re.S).group(0)
    assert "△" in head and "标记为经营异常状态" in head and "列入经营异常名录" not in head
    part = section(html, "abnormal")
    assert part.count('class="pub-mark"') == 2  # one △ per mark
    assert "补报年度报告，恢复正常记载状态" in part
    english = section(page(client, shop, "en"), "abnormal")
    assert "Date restored" in english and "Reason for restoring" in english
    assert "Date removed" not in english


def test_a_company_is_listed_not_marked(client):
    company = EnterpriseFactory()
    append(company, Kind.ABNORMAL_LISTING, "LISTED", on=-30)
    html = page(client, company)
    assert "列入经营异常名录信息" in html
    assert "△" not in html


@pytest.mark.parametrize("removed", [0, 6])
def test_listings_with_removals_cost_the_same_queries(client, django_assert_num_queries, removed):
    company = EnterpriseFactory()
    for i in range(removed):
        listing = append(company, Kind.ABNORMAL_LISTING, f"listing-{i}-", on=-500 + i * 10)
        append(company, Kind.ABNORMAL_REMOVAL, f"removal-{i}-", on=-495 + i * 10, closes=listing)
    append(company, Kind.ABNORMAL_LISTING, "listing-now-", on=-3)
    url = reverse("public:profile", kwargs={"uscc": company.uscc})
    with django_assert_num_queries(public_profile_queries()):
        response = client.get(url)
    html = response.content.decode()
    assert html.count("listing-") == removed + 1
    assert html.count("removal-") == removed
