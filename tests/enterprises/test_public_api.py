"""Public read-only API of the credit lookup: /api/v1/public/enterprises/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import User
from enterprises.services.ledger import credit_record_append
from enterprises.services.register import name_initials
from tests.enterprises.factories import (
    EnterpriseFactory,
    classify,
    make_uscc,
    public_profile_queries,
)

pytestmark = pytest.mark.django_db
from tests.enterprises.factories import Kind  # noqa: E402

LIST = reverse("enterprises-api:public-enterprise-list")


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def detail(uscc: str) -> str:
    return reverse("enterprises-api:public-enterprise-detail", kwargs={"uscc": uscc})


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def named(name: str, **fields):
    return EnterpriseFactory(name=name, name_initials=name_initials(name), **fields)


def test_search_needs_no_login_and_returns_basic_columns(api_client_for):
    target = named("成都蓉城餐饮管理有限公司", legal_rep_id_masked="5101**1234")
    classify(target, "D", 88)
    named("四川锦江建筑工程有限公司")
    response = api_client_for(None).get(LIST, {"q": "蓉城"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == {
        "uscc",
        "name",
        "former_names",
        "legal_rep_title",
        "legal_rep_name",
        "status",
        "status_display",
        "registered_on",
        "url",
        "page_url",
    }
    assert row["uscc"] == target.uscc
    assert row["url"].endswith(detail(target.uscc))
    assert row["page_url"].endswith(f"/credit/{target.uscc}/")


@pytest.mark.parametrize(
    ("field", "value"), [("uscc", None), ("legacy_reg_no", "510116000123451"), ("initials", "cdrc")]
)
def test_search_by_code_number_and_initials(api_client_for, field, value):
    target = named("成都蓉城餐饮管理有限公司", legacy_reg_no="510116000123451")
    named("四川锦江建筑工程有限公司")
    q = target.uscc if field == "uscc" else value
    body = api_client_for(None).get(LIST, {"q": q}).json()
    assert [r["uscc"] for r in body["results"]] == [target.uscc]


def test_search_needs_a_query(api_client_for):
    response = api_client_for(None).get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "q": ["Enter a credit code, an old registration number or a name."]
    }


def test_malformed_code_is_a_400_naming_the_expected_check_character(api_client_for):
    valid = make_uscc(7)
    wrong = valid[:17] + ("A" if valid[17] != "A" else "B")
    response = api_client_for(None).get(LIST, {"q": wrong}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]["q"] == [
        f"The check character (18th) should be {valid[17]}, not {wrong[17]}."
    ]


def test_search_is_paginated(api_client_for):
    for i in range(25):
        named(f"成都分页{i:02d}有限公司")
    client = api_client_for(None)
    first = client.get(LIST, {"q": "分页"}).json()
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["next"] is not None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert client.get(LIST, {"q": "分页", "page": 9}).status_code == 404


def test_search_query_count_is_constant(api_client_for, django_assert_num_queries):
    client = api_client_for(None)
    for size in (2, 25):
        for i in range(size):
            named(f"成都计数{size}测{i}有限公司")
        with django_assert_num_queries(2):
            body = client.get(LIST, {"q": f"计数{size}测"}).json()
        assert len(body["results"]) == min(size, 20)


def test_profile_returns_the_same_public_data_as_the_page(client, api_client_for):
    enterprise = named("成都蓉城餐饮管理有限公司")
    classify(enterprise, "D", 88)
    user = User.objects.create_user(username="u1", password="Secret-pass-123")
    enterprise.memberships.create(user=user, phone="13800138000", email="wang@example.cn")
    for kind, summary, public in (
        (Kind.ABNORMAL_LISTING, "未按时公示年度报告", True),
        (Kind.PENALTY, "罚款5000元", True),
        (Kind.INSPECTION_RESULT, "未发现问题", True),
        (Kind.SERIOUS_LISTING, "届满3年", True),
        (Kind.SOFT_ENFORCEMENT, "PRIVATE-interview", False),
    ):
        credit_record_append(
            enterprise=enterprise,
            kind=kind,
            occurred_on=days(-30),
            summary=summary,
            actor=None,
            is_public=public,
            authority="双流区市场监督管理局",
        )
    credit_record_append(
        enterprise=enterprise,
        kind=Kind.ANNUAL_REPORT_FILED,
        occurred_on=days(-20),
        summary="年度报告",
        actor=None,
        is_public=True,
        details={"year": 2024},
    )
    response = api_client_for(None).get(detail(enterprise.uscc))
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == timezone.localdate().isoformat()
    assert body["enterprise"]["uscc"] == enterprise.uscc
    assert body["enterprise"]["legal_rep_name"] == "张三"
    assert [r["summary"] for r in body["abnormal_listings"]] == ["未按时公示年度报告"]
    assert [r["summary"] for r in body["penalties"]] == ["罚款5000元"]
    assert [r["summary"] for r in body["inspection_results"]] == ["未发现问题"]
    assert [r["summary"] for r in body["serious_listings"]] == ["届满3年"]
    assert body["annual_reports"] == [
        {"year": 2024, "filed_on": days(-20).isoformat(), "published_on": days(-20).isoformat()}
    ]
    text = response.content.decode()
    for hidden in ("risk", "88", "1234", "masked", "13800138000", "wang@", "PRIVATE", "phone"):
        assert hidden not in text, hidden
    page = client.get(reverse("public:profile", kwargs={"uscc": enterprise.uscc}))
    for record in ("未按时公示年度报告", "罚款5000元", "未发现问题", "届满3年"):
        assert record in page.content.decode()


def test_profile_of_unknown_or_malformed_code_is_a_json_404(api_client_for):
    client = api_client_for(None)
    for code in (make_uscc(1), "bad-code"):
        response = client.get(detail(code), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response.json() == {
            "detail": "No market entity has this credit code.",
            "code": "not_found",
        }


@pytest.mark.parametrize("records", [1, 20])
def test_profile_query_count_is_constant(api_client_for, django_assert_num_queries, records):
    enterprise = EnterpriseFactory()
    for i in range(records):
        credit_record_append(
            enterprise=enterprise,
            kind=Kind.PENALTY,
            occurred_on=days(-i - 1),
            summary=f"p{i}",
            actor=None,
            is_public=True,
        )
    with django_assert_num_queries(public_profile_queries()):
        body = api_client_for(None).get(detail(enterprise.uscc)).json()
    assert len(body["penalties"]) == records


def test_api_ignores_credentials_and_works_for_staff_too(api_client_for, user_with_perms):
    enterprise = EnterpriseFactory()
    response = api_client_for(user_with_perms()).get(detail(enterprise.uscc))
    assert response.status_code == 200
    assert "risk_class" not in response.json()["enterprise"]


def test_schema_documents_the_public_endpoints(api_client_for, user_with_perms):
    schema = api_client_for(user_with_perms()).get("/api/schema/?format=json&lang=en").json()
    paths = schema["paths"]
    assert "/api/v1/public/enterprises/" in paths
    assert "/api/v1/public/enterprises/{uscc}/" in paths
    search = paths["/api/v1/public/enterprises/"]["get"]
    assert search.get("security", []) in ([], [{}])  # no authentication
    assert {p["name"] for p in search["parameters"]} >= {"q", "page", "page_size"}
    assert "429" in search["responses"]
    props = schema["components"]["schemas"]["PublicEnterprise"]["properties"]
    assert "units of CNY 10,000" in props["registered_capital"]["description"]
    assert "risk_class" not in props
