"""One word for one thing (issue 13): the responsible department (管辖部门) has one name on every
page, in Chinese and English; an individual business's registered person is its operator (经营者)
wherever it is named; summaries the system writes follow the reader's language; an open
publicity period reads as a person would write it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from credit_portal.models import User
from credit_portal.permissions import CorePerm
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm as P
from enterprises.services.register import enterprise_create, enterprise_update
from enterprises.services.status import enterprise_status_change
from tests.enterprises.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    enterprise_user,
    register_data,
)

pytestmark = pytest.mark.django_db

STAFF = (
    P.VIEW,
    P.ADD,
    P.CHANGE,
    P.CHANGE_STATUS,
    P.VIEW_RECORDS,
    P.ISSUE_ACTIVATION_CODE,
    CorePerm.VIEW_AUDIT_LOG,
)
OLD_DEPARTMENT_WORDS = ("主管部门", "监管部门", ">部门<", "Supervising department", ">Department<")


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def _get(client, url: str, lang: str) -> str:
    client.cookies["cp_language"] = lang
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def staff(client, user_with_perms) -> User:
    user = user_with_perms(*STAFF)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("lang", "word"), [("zh-hans", "管辖部门"), ("en", "Responsible department")]
)
def test_the_responsible_department_has_one_name_on_every_page(client, staff, lang, word):
    firm = EnterpriseFactory()
    pages = [
        reverse("enterprises:list"),
        reverse("enterprises:detail", args=[firm.uscc]),
        reverse("enterprises:create"),
        reverse("enterprises:edit", args=[firm.uscc]),
    ]
    for url in pages:
        html = _get(client, url, lang)
        assert word in html, url
        for old in OLD_DEPARTMENT_WORDS:
            assert old not in html, (url, old)
    client.force_login(enterprise_user(firm))
    html = _get(client, reverse("me:home"), lang)
    assert f"<dt>{word}</dt>" in html
    assert not any(old in html for old in OLD_DEPARTMENT_WORDS)
    records = _get(client, reverse("me:records"), lang)
    assert "监管部门" not in records


def test_the_admin_and_the_api_name_the_responsible_department_alike(client, api_client_for):
    admin = User.objects.create_superuser("root", password="Secret-pass-123")
    firm = EnterpriseFactory()
    EnterpriseFactory(department=DepartmentFactory(code="eco", name="区生态环境局"))
    client.force_login(admin)
    for url in (
        reverse("admin:enterprises_enterprise_change", args=[firm.pk]),
        reverse("admin:enterprises_enterprise_changelist"),
    ):
        html = _get(client, url, "zh-hans")
        assert "管辖部门" in html and "主管部门" not in html and "监管部门" not in html
    for lang, word in (("en", "responsible department"), ("zh-hans", "管辖部门")):
        schema = (
            api_client_for(admin)
            .get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=lang)
            .json()
        )
        item = schema["components"]["schemas"]["EnterpriseListItem"]["properties"]["department"]
        described = str(item.get("description", "")) + str(
            (item.get("allOf") or [{}])[0].get("description", "")
        )
        assert word in described.lower(), lang


@pytest.mark.parametrize(("lang", "operator", "old"), [("zh-hans", "经营者", "法定代表人")])
def test_an_individual_business_is_run_by_its_operator_on_every_page(
    client, staff, lang, operator, old
):
    shop = EnterpriseFactory(individual_business=True, legal_rep_name="王小明")
    pages = [
        reverse("enterprises:detail", args=[shop.uscc]),
        reverse("enterprises:edit", args=[shop.uscc]),
        reverse("me:activation_code", args=[shop.uscc]),
        reverse("public:profile", kwargs={"uscc": shop.uscc}),
    ]
    for url in pages:
        html = _get(client, url, lang)
        assert operator in html, url
        assert old not in html, url
    search = _get(client, reverse("public:search") + "?q=" + shop.name, lang)
    assert f'data-label="{operator}">王小明' in search
    client.force_login(enterprise_user(shop))
    home = _get(client, reverse("me:home"), lang)
    assert f"<dt>{operator}</dt>" in home and old not in home
    # Registering with a code: who receives it, an individual business's operator included.
    assert "个体工商户为经营者" in _get(Client(), reverse("me:register"), lang)


def test_the_operator_in_english_and_the_form_names_the_person_of_the_posted_type(client, staff):
    shop = EnterpriseFactory(individual_business=True)
    html = _get(client, reverse("me:activation_code", args=[shop.uscc]), "en")
    assert "<dt>Operator</dt>" in html and "Hand it only to the operator" in html
    assert "Legal representative" not in html
    client.cookies["cp_language"] = "zh-hans"
    posted = client.post(
        reverse("enterprises:create"),
        {**register_data(77, entity_type="individual_business"), "name": ""},
    )
    assert posted.status_code == 400
    body = posted.content.decode()
    assert "经营者身份证号码" in body and "法定代表人" not in body


def test_summaries_written_by_the_system_follow_the_readers_language(client, staff, api_client_for):
    with translation.override("zh-hans"):  # written in Chinese
        firm = enterprise_create(actor=None, data=register_data(61))
        enterprise_update(actor=None, enterprise=firm, data={"address": "棠湖路9号"})
        enterprise_status_change(
            actor=None,
            enterprise=firm,
            new_status=Enterprise.Status.SUSPENDED,
            effective_on=timezone.localdate(),
            until=timezone.localdate() + dt.timedelta(days=90),
        )
    english = [
        "Registered as Company",
        "Change of registration: address",
        "Status: Suspended (from ",
    ]
    chinese = ["设立登记", "变更登记：住所", "状态变更为：歇业"]
    html = _get(client, reverse("enterprises:detail", args=[firm.uscc]), "en")
    assert all(text in html for text in english), html
    assert not any(text in html for text in chinese)
    records = reverse("enterprises-api:enterprise-records", args=[firm.uscc])
    api = api_client_for(staff).get(records, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert {r["summary"] for r in api} >= {
        "Registered as Company",
        "Change of registration: address",
    }
    client.force_login(enterprise_user(firm))
    mine = _get(client, reverse("me:records"), "en")
    assert all(text in mine for text in english)
    assert not any(text in mine for text in chinese)
    # The stored text stays as it was written, for the audit.
    assert set(firm.credit_records.values_list("summary", flat=True)) >= {
        "设立登记（公司）",
        "变更登记：住所",
    }


def test_an_open_publicity_period_reads_as_a_person_would_write_it(client, staff):
    with translation.override("zh-hans"):
        firm = enterprise_create(actor=None, data=register_data(62))
    html = _get(client, reverse("enterprises:detail", args=[firm.uscc]), "zh-hans")
    assert "– 长期" in html
    assert "至关闭时" not in html
