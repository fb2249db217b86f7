"""Public credit lookup: the profile page /credit/<USCC>/ shows what the law makes public and
nothing else."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import User
from enterprises.models import CreditRecord, EnterpriseMembership
from enterprises.services.ledger import credit_record_append
from enterprises.services.status import enterprise_status_change
from tests.enterprises.factories import (
    EnterpriseFactory,
    classify,
    make_uscc,
    public_profile_queries,
)

pytestmark = pytest.mark.django_db
from tests.enterprises.factories import Kind  # noqa: E402

AUTHORITY = "成都市双流区市场监督管理局"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def url(enterprise) -> str:
    return reverse("public:profile", kwargs={"uscc": enterprise.uscc})


def append(enterprise, kind, summary, *, on=-30, public=True, **kwargs) -> CreditRecord:
    return credit_record_append(
        enterprise=enterprise,
        kind=kind,
        occurred_on=days(on),
        summary=summary,
        actor=None,
        is_public=public,
        authority=kwargs.pop("authority", AUTHORITY),
        **kwargs,
    )


@pytest.fixture
def enterprise():
    e = EnterpriseFactory(
        name="成都蓉城餐饮管理有限公司",
        former_names=["成都老字号餐饮有限公司"],
        legal_rep_name="王小明",
        legal_rep_id_masked="5101**********123X",
        registered_capital=1250.5,
    )
    classify(e, "D", 87.5)
    return e


def test_profile_shows_every_public_section(client, enterprise):
    append(
        enterprise, Kind.ABNORMAL_LISTING, "未按时公示年度报告", on=-200, document_number="异〔1〕"
    )
    append(enterprise, Kind.PENALTY, "销售过期食品，罚款5000元", on=-90, publicity_end=days(900))
    append(enterprise, Kind.INSPECTION_RESULT, "双随机抽查：未发现问题", on=-60)
    append(enterprise, Kind.ANNUAL_REPORT_FILED, "年度报告", on=-20, details={"year": 2024})
    append(enterprise, Kind.SERIOUS_LISTING, "列入经营异常名录届满3年", on=-10)
    response = client.get(url(enterprise))
    html = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "基础信息",
        "营业执照信息",
        "列入经营异常名录信息",
        "行政处罚信息",
        "抽查检查结果信息",
        "年度报告信息",
        "列入严重违法失信名单信息",
    ):
        assert heading in html, heading
    for fact in (
        enterprise.uscc,
        "成都蓉城餐饮管理有限公司",
        "成都老字号餐饮有限公司",  # former name
        "王小明",
        "1,250.5",  # CNY 10,000
        "2020-05-01",
        AUTHORITY,
        "四川省成都市双流区东升街道棠湖路1号",
        "日用百货销售",
        "存续（在营）",
        "未按时公示年度报告",
        "异〔1〕",
        "销售过期食品，罚款5000元",
        days(900).isoformat(),
        "双随机抽查：未发现问题",
        "2024年度报告",
        "列入经营异常名录届满3年",
    ):
        assert fact in html, fact


def test_profile_hides_risk_identity_numbers_and_contact_details(client, enterprise):
    user = User.objects.create_user(username="filer", password="Secret-pass-123")
    EnterpriseMembership.objects.create(
        user=user, enterprise=enterprise, phone="13800138000", email="wang@example.cn"
    )
    for lang in ("zh-hans", "en"):
        html = client.get(url(enterprise), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert "123X" not in html
        assert "5101*" not in html
        assert "**" not in html
        assert "13800138000" not in html
        assert "wang@example.cn" not in html
        assert "87.5" not in html
        assert "风险" not in html
        assert "risk" not in html.lower()


def test_profile_hides_private_closed_expired_and_future_records(client, enterprise):
    append(enterprise, Kind.PENALTY, "PRIVATE-penalty", public=False)
    append(enterprise, Kind.SOFT_ENFORCEMENT, "PRIVATE-interview", public=False)
    repaired = append(enterprise, Kind.PENALTY, "REPAIRED-penalty", on=-300)
    append(enterprise, Kind.REPAIR, "repair", on=-5, public=False, closes=repaired)
    # A listing revoked as wrongful is hidden (a removed one stays, with its removal:
    # tests/enterprises/test_public_listings.py).
    revoked = append(enterprise, Kind.ABNORMAL_LISTING, "REVOKED-listing", on=-400)
    append(enterprise, "abnormal_revocation", "revocation", on=-100, closes=revoked)
    append(
        enterprise,
        Kind.PENALTY,
        "EXPIRED-penalty",
        on=-500,
        publicity_start=days(-500),
        publicity_end=days(-1),
    )
    append(
        enterprise,
        Kind.INSPECTION_RESULT,
        "NOT-YET-published",
        on=-3,
        publicity_start=days(5),
    )
    # A fact dated in the future (clock skew, bad import): the service refuses it, so write it
    # the way an import would, straight into the ledger.
    CreditRecord.objects.create(
        enterprise=enterprise,
        kind=Kind.PENALTY,
        occurred_on=days(3),
        is_public=True,
        publicity_start=days(3),
        summary="FUTURE-penalty",
    )
    append(enterprise, Kind.PENALTY, "CURRENT-penalty", publicity_end=days(30))
    html = client.get(url(enterprise)).content.decode()
    assert "CURRENT-penalty" in html
    for hidden in (
        "PRIVATE-penalty",
        "PRIVATE-interview",
        "REPAIRED-penalty",
        "REVOKED-listing",
        "EXPIRED-penalty",
        "NOT-YET-published",
        "FUTURE-penalty",
    ):
        assert hidden not in html, hidden
    assert "暂无列入经营异常名录信息。" in html


def test_deregistered_entity_is_still_shown_with_its_status(client):
    enterprise = EnterpriseFactory(name="成都旧城贸易有限公司")
    enterprise_status_change(
        actor=None, enterprise=enterprise, new_status="deregistered", effective_on=days(-10)
    )
    html = client.get(url(enterprise), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "成都旧城贸易有限公司" in html
    assert f"deregistered on {days(-10).isoformat()}" in html


def test_suspension_period_is_shown(client):
    enterprise = EnterpriseFactory(individual_business=True)
    enterprise_status_change(
        actor=None,
        enterprise=enterprise,
        new_status="suspended",
        effective_on=days(-10),
        until=days(200),
    )
    html = client.get(url(enterprise)).content.decode()
    assert "歇业" in html
    assert f"{days(-10).isoformat()} 至 {days(200).isoformat()}" in html
    assert "经营者" in html  # the title an individual business's licence prints
    assert "标记为经营异常状态信息" in html  # individual businesses are marked, not listed
    assert "暂无标记为经营异常状态信息。" in html


def test_unknown_or_malformed_code_is_a_404_page(client, django_assert_num_queries):
    EnterpriseFactory()
    unknown = reverse("public:profile", kwargs={"uscc": make_uscc(4242)})
    response = client.get(unknown)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    for bad in ("NOT-A-CODE", "91510116MA6CQ1AB7", "<script>", "9151011"):
        with django_assert_num_queries(0):
            response = client.get(reverse("public:profile", kwargs={"uscc": bad}))
        assert response.status_code == 404


def test_lower_case_code_redirects_to_the_canonical_address(client, enterprise):
    response = client.get(f"/credit/{enterprise.uscc.lower()}/")
    assert response.status_code == 301
    assert response["Location"] == url(enterprise)


def test_profile_in_both_languages(client, enterprise):
    chinese = client.get(url(enterprise)).content.decode()
    assert "基础信息" in chinese
    assert "法定代表人" in chinese
    assert "注册资本" in chinese
    english = client.get(url(enterprise), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Basic information" in english
    assert "Legal representative" in english
    assert "Registered capital (CNY 10,000)" in english
    assert "基础信息" not in english


def test_html_and_script_are_escaped_on_the_profile(client):
    enterprise = EnterpriseFactory(
        name="<script>alert('x')</script>公司", address='<img src=x onerror="alert(1)">'
    )
    append(enterprise, Kind.PENALTY, "<b>bold</b> penalty")
    html = client.get(url(enterprise)).content.decode()
    assert "<script>alert(" not in html
    # The title (Django: &#x27;) and the page body (Jinja2: &#39;) escape it alike.
    assert "<title>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;公司 · " in html
    heading = re.search(r'<h1 class="pub-head__name">(.*?)</h1>', html)
    assert heading and heading[1] == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;公司"
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; penalty" in html


@pytest.mark.parametrize("records", [1, 20])
def test_profile_query_count_is_constant(client, enterprise, django_assert_num_queries, records):
    append(enterprise, Kind.ABNORMAL_LISTING, "listing-0", on=-100)
    for i in range(records):
        kind = Kind.PENALTY if i % 2 else Kind.INSPECTION_RESULT
        append(enterprise, kind, f"record-{i}-", on=-i - 1)
    with django_assert_num_queries(public_profile_queries()):
        response = client.get(url(enterprise))
    assert response.status_code == 200
    assert response.content.decode().count("record-") == records


def test_a_suspension_whose_period_has_ended_shows_as_operating(client):
    """The cached status may lag until a job refreshes it; the public page follows the ledger's
    rule (docs/domain.md §7): the filed period has ended, so the entity operates again."""
    enterprise = EnterpriseFactory(
        status="suspended", suspended_from=days(-100), suspended_until=days(-1)
    )
    html = client.get(url(enterprise), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Operating" in html
    assert "Suspended" not in html
    assert "suspended from" not in html
