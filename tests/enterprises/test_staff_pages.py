"""Staff register pages: permissions, list filters/sorting/search/pagination, create, edit,
status changes, escaping and query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from pypinyin import lazy_pinyin

from credit_portal.models import AuditEvent, User
from credit_portal.permissions import CorePerm
from enterprises.filters import EnterpriseFilter
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm as P
from enterprises.services.register import enterprise_create, enterprise_update
from enterprises.services.status import enterprise_status_change
from tests.enterprises.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    classify,
    enterprise_user,
    make_uscc,
    register_data,
)

pytestmark = pytest.mark.django_db

ALL_STAFF = (
    P.VIEW,
    P.ADD,
    P.CHANGE,
    P.CHANGE_STATUS,
    P.EXPORT,
    P.VIEW_RISK,
    P.VIEW_RECORDS,
    P.OVERRIDE_USCC_CHECK,
    CorePerm.VIEW_AUDIT_LOG,
)


@pytest.fixture
def login(client):
    """Log a user in; the interface in English so that messages can be read."""

    def do(user: User, lang: str = "en"):
        client.force_login(user)
        client.cookies["cp_language"] = lang
        return client

    return do


def _rows(response) -> list[str]:
    return [e.uscc for e in response.context["page_obj"].object_list]


def _form_data(**over):
    return register_data(900, **{"business_scope": "餐饮服务", **over})


def _wrong_check(code: str) -> tuple[str, str]:
    """The code with a wrong last character, and the expected one."""
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong, code[-1]


# --- permission matrix -------------------------------------------------------------------

SCOPED = ("detail", "edit", "status")
UNSCOPED = ("list", "export", "create")


def _url(name: str, uscc: str) -> str:
    return reverse(f"enterprises:{name}", args=[uscc] if name in SCOPED else [])


@pytest.mark.parametrize("name", UNSCOPED + SCOPED)
def test_anonymous_is_sent_to_login(client, name):
    ent = EnterpriseFactory()
    response = client.get(_url(name, ent.uscc))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", UNSCOPED)
def test_staff_without_codename_gets_403_on_register_pages(login, user_with_perms, name):
    ent = EnterpriseFactory()
    assert login(user_with_perms()).get(_url(name, ent.uscc)).status_code == 403


@pytest.mark.parametrize("name", SCOPED)
def test_staff_who_sees_no_register_gets_404_on_enterprise_pages(login, user_with_perms, name):
    """Without view_enterprise nothing is visible: the jurisdiction fetch answers first."""
    ent = EnterpriseFactory()
    assert login(user_with_perms()).get(_url(name, ent.uscc)).status_code == 404


@pytest.mark.parametrize(
    ("name", "codenames"),
    [
        ("list", (P.VIEW,)),
        ("export", (P.VIEW, P.EXPORT)),
        ("create", (P.VIEW, P.ADD)),
        ("detail", (P.VIEW,)),
        ("edit", (P.VIEW, P.CHANGE)),
        ("status", (P.VIEW, P.CHANGE_STATUS)),
    ],
)
def test_each_page_needs_exactly_its_codenames(login, user_with_perms, name, codenames):
    ent = EnterpriseFactory()
    for missing in codenames:
        others = [c for c in codenames if c != missing]
        status = login(user_with_perms(*others)).get(_url(name, ent.uscc)).status_code
        # Without view_enterprise an entity is not visible at all: 404 before any 403.
        expected = 404 if (missing == P.VIEW and name in SCOPED) else 403
        assert status == expected, (name, missing, status)
    assert login(user_with_perms(*codenames)).get(_url(name, ent.uscc)).status_code == 200


@pytest.mark.parametrize("name", SCOPED)
def test_enterprise_user_gets_404_for_another_enterprise(login, name):
    own, other = EnterpriseFactory(), EnterpriseFactory()
    client = login(enterprise_user(own))
    assert client.get(_url(name, other.uscc)).status_code == 404
    assert client.post(_url(name, other.uscc), {}).status_code == 404


@pytest.mark.parametrize("name", SCOPED)
def test_enterprise_user_gets_403_for_own_enterprise_on_staff_pages(login, name):
    own = EnterpriseFactory()
    assert login(enterprise_user(own)).get(_url(name, own.uscc)).status_code == 403


@pytest.mark.parametrize("name", UNSCOPED)
def test_enterprise_user_gets_403_on_register_pages(login, name):
    own = EnterpriseFactory()
    assert login(enterprise_user(own)).get(_url(name, own.uscc)).status_code == 403


def test_unknown_or_malformed_credit_code_is_404(login, user_with_perms):
    client = login(user_with_perms(*ALL_STAFF))
    assert client.get(reverse("enterprises:detail", args=[make_uscc(4242)])).status_code == 404
    assert client.get("/enterprises/not-a-code/").status_code == 404


def test_lower_case_credit_code_in_url_finds_the_enterprise(login, user_with_perms):
    ent = EnterpriseFactory(uscc=make_uscc(77))
    response = login(user_with_perms(P.VIEW)).get(f"/enterprises/{ent.uscc.lower()}/")
    assert response.status_code == 200


# --- list: filters, search, sorting, pagination -------------------------------------------


FILTER_CASES = [
    ({"entity_type": "individual_business"}, {"shop"}),
    ({"industry_section": "C"}, {"closed"}),
    ({"industry_division": "62"}, {"shop"}),
    ({"status": "deregistered"}, {"closed"}),
    ({"status": "operating", "entity_type": "company"}, {"company"}),
    ({"department": "eco"}, {"shop"}),
    ({"is_abnormal": "true"}, {"shop"}),
    ({"is_abnormal": "false"}, {"company", "closed"}),
    ({"on_serious_list": "true"}, {"closed"}),
    ({"registered_from": "2015-01-01"}, {"company", "shop"}),
    ({"registered_to": "2015-01-01"}, {"closed"}),
    ({"registered_from": "2020-05-01", "registered_to": "2020-05-01"}, {"company"}),
    ({"risk_class": "D"}, {"closed"}),
    ({"q": "面馆"}, {"shop"}),
    ({"q": "华西机械厂"}, {"closed"}),  # a former name
    ({"q": "cdrc"}, {"company"}),  # pinyin initials
    ({"q": make_uscc(3).lower()}, {"closed"}),
    ({}, {"company", "shop", "closed"}),
]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES)
def test_list_filters_each_work(login, user_with_perms, district, params, expected):
    response = login(user_with_perms(P.VIEW, P.VIEW_RISK)).get(reverse("enterprises:list"), params)
    assert response.status_code == 200
    assert set(_rows(response)) == {district[k].uscc for k in expected}


def test_risk_filter_and_columns_are_absent_without_view_risk(login, user_with_perms, district):
    client = login(user_with_perms(P.VIEW))
    response = client.get(reverse("enterprises:list"), {"risk_class": "D"})
    assert response.status_code == 200
    assert set(_rows(response)) == {e.uscc for e in district.values()}  # parameter ignored
    html = response.content.decode()
    assert 'name="risk_class"' not in html
    assert "risk--D" not in html
    with_risk = login(user_with_perms(P.VIEW, P.VIEW_RISK)).get(reverse("enterprises:list"))
    assert 'name="risk_class"' in with_risk.content.decode()
    assert "risk--D" in with_risk.content.decode()


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", ["shop", "company", "closed"]),  # default: newest registration first
        ("registered_on", ["closed", "company", "shop"]),
        ("-registered_on", ["shop", "company", "closed"]),
        ("uscc", None),
        ("-uscc", None),
        ("name", None),
        ("-name", None),
        ("-risk_score", ["closed", "shop", "company"]),
        ("risk_score", ["company", "shop", "closed"]),
    ],
)
def test_list_sorting(login, user_with_perms, district, ordering, expected):
    response = login(user_with_perms(P.VIEW, P.VIEW_RISK)).get(
        reverse("enterprises:list"), {"ordering": ordering} if ordering else {}
    )
    assert response.status_code == 200
    rows = _rows(response)
    if expected is None:
        field = ordering.lstrip("-")
        found = [Enterprise.objects.get(uscc=u) for u in rows]
        values = [getattr(e, field) for e in found]
        if field != "name":
            assert values == sorted(values, reverse=ordering.startswith("-"))
        elif connection.vendor == "postgresql":
            assert values == sorted(values, key=pinyin_key, reverse=ordering.startswith("-"))
        else:  # SQLite: the pinyin initials, then the name
            keys = [(e.name_initials, e.name) for e in found]
            assert keys == sorted(keys, reverse=ordering.startswith("-"))
    else:
        assert rows == [district[k].uscc for k in expected]


def test_risk_score_sort_puts_unscored_last_and_is_ignored_without_view_risk(
    login, user_with_perms, district
):
    unscored = EnterpriseFactory(registered_on=dt.date(2024, 6, 1))
    rows = _rows(
        login(user_with_perms(P.VIEW, P.VIEW_RISK)).get(
            reverse("enterprises:list"), {"ordering": "-risk_score"}
        )
    )
    assert rows[-1] == unscored.uscc
    plain = _rows(
        login(user_with_perms(P.VIEW)).get(reverse("enterprises:list"), {"ordering": "-risk_score"})
    )
    assert plain[0] == unscored.uscc  # default order (newest registration) instead


def test_sort_links_keep_the_filters(login, user_with_perms, district):
    response = login(user_with_perms(P.VIEW)).get(
        reverse("enterprises:list"), {"status": "operating", "ordering": "name"}
    )
    sort = response.context["sort"]
    assert "status=operating" in sort["name"]["url"]
    assert "ordering=-name" in sort["name"]["url"]
    assert sort["name"]["dir"] == "asc"


@pytest.mark.parametrize(
    "params",
    [
        {"registered_from": "2024-02-30"},
        {"registered_from": "2024-01-01", "registered_to": "2023-01-01"},
        {"department": "nowhere"},
        {"status": "sleeping"},
        {"ordering": "legal_rep_name"},
        {"industry_section": "H", "industry_division": "13"},
    ],
)
def test_bad_filters_get_a_message_and_400(login, user_with_perms, district, params):
    response = login(user_with_perms(P.VIEW)).get(reverse("enterprises:list"), params)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert 'class="errorlist"' in response.content.decode() or "errorbox" in (
        response.content.decode()
    )
    assert _rows(response) == []
    summary = response.content.decode().split('data-testid="result-summary">', 1)[1]
    summary = summary.split("</p>", 1)[0]
    assert "The filters contain an error" in summary
    assert "match" not in summary  # no "0 market entities match" for a query never run


def test_date_range_error_names_the_problem(login, user_with_perms):
    response = login(user_with_perms(P.VIEW)).get(
        reverse("enterprises:list"),
        {"registered_from": "2024-01-01", "registered_to": "2023-01-01"},
    )
    assert "ends before it starts" in response.content.decode()


def test_pagination_with_page_size_and_capped_count(login, user_with_perms, monkeypatch):
    EnterpriseFactory.create_batch(25)
    client = login(user_with_perms(P.VIEW))
    first = client.get(reverse("enterprises:list"), {"page_size": 20})
    assert len(_rows(first)) == 20
    assert "25 market entities match" in first.content.decode()
    second = client.get(reverse("enterprises:list"), {"page_size": 20, "page": 2})
    assert len(_rows(second)) == 5
    assert not set(_rows(first)) & set(_rows(second))
    beyond = client.get(reverse("enterprises:list"), {"page_size": 20, "page": 99})
    assert beyond.status_code == 404 and _rows(beyond) == []  # says so: test_register_counts
    monkeypatch.setattr("enterprises.views.staff.LIST_COUNT_CAP", 10)
    capped = client.get(reverse("enterprises:list"), {"page_size": 20, "status": "operating"})
    # A register this small is counted exactly beyond the cap; only the first 10 are paged.
    assert "25 market entities match" in capped.content.decode()
    assert "the first 10 are listed" in capped.content.decode()
    assert len(_rows(capped)) == 10


def test_names_with_html_are_escaped(login, user_with_perms):
    ent = EnterpriseFactory(name='<script>alert("x")</script>公司', former_names=["<b>旧名</b>"])
    client = login(user_with_perms(*ALL_STAFF))
    for url in (reverse("enterprises:list"), reverse("enterprises:detail", args=[ent.uscc])):
        html = client.get(url).content.decode()
        assert '<script>alert("x")' not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    detail = client.get(reverse("enterprises:detail", args=[ent.uscc])).content.decode()
    assert "<b>旧名</b>" not in detail


def test_list_page_is_chinese_by_default(login, user_with_perms, district):
    html = login(user_with_perms(P.VIEW), lang="zh-hans").get(reverse("enterprises:list")).content
    assert "市场主体" in html.decode()


# --- detail ------------------------------------------------------------------------------


def test_detail_shows_register_ledger_and_audit_by_permission(login, user_with_perms):
    DepartmentFactory()
    registrar = user_with_perms(*ALL_STAFF)
    ent = enterprise_create(actor=registrar, data=_form_data())
    html = login(registrar).get(reverse("enterprises:detail", args=[ent.uscc])).content.decode()
    assert "1101**********002X" in html
    assert "11010519491231002X" not in html
    record = CreditRecord.objects.get(enterprise=ent)
    assert "Credit ledger" in html and f'id="record-{record.pk}"' in html
    assert "Audit history" in html
    assert "Added to the register" in html  # the event in words, not its code
    assert "enterprises.enterprise_created" not in html
    assert reverse("enterprises:edit", args=[ent.uscc]) in html
    assert reverse("enterprises:status", args=[ent.uscc]) in html

    reader = user_with_perms(P.VIEW)
    html = login(reader).get(reverse("enterprises:detail", args=[ent.uscc])).content.decode()
    assert "Credit ledger" not in html
    assert "Audit history" not in html
    assert "Credit risk" not in html
    assert reverse("enterprises:edit", args=[ent.uscc]) not in html
    assert reverse("enterprises:status", args=[ent.uscc]) not in html


def test_detail_shows_risk_only_with_view_risk(login, user_with_perms):
    ent = EnterpriseFactory()
    classify(ent, "C", 61.5, as_of=dt.date(2026, 3, 2))
    url = reverse("enterprises:detail", args=[ent.uscc])
    html = login(user_with_perms(P.VIEW, P.VIEW_RISK), "en").get(url).content.decode()
    assert "risk--C" in html and "61.5" in html and "as of 2026-03-02" in html
    assert f'href="/risk/enterprises/{ent.uscc}/"' in html  # "Why this class"
    assert 'data-testid="risk-override"' not in html
    without = login(user_with_perms(P.VIEW)).get(url).content.decode()
    assert "risk--C" not in without and "61.5" not in without
    assert "/risk/enterprises/" not in without


def test_detail_marks_an_override_and_says_when_never_classified(login, user_with_perms):
    ent = EnterpriseFactory()
    client = login(user_with_perms(P.VIEW, P.VIEW_RISK), "en")
    url = reverse("enterprises:detail", args=[ent.uscc])
    assert "Not yet classified." in client.get(url).content.decode()
    classify(ent, "B", 250, override_class="D", as_of=dt.date(2026, 3, 2))
    html = client.get(url).content.decode()
    assert "risk--D" in html and "risk--B" not in html  # the class in effect
    assert 'data-testid="risk-override"' in html
    assert "Set by a supervisor until 2026-05-31; the computed class is B." in html


def test_list_marks_an_override_beside_the_class(login, user_with_perms):
    classify(EnterpriseFactory(name="改判企业"), "A", 50, override_class="C")
    classify(EnterpriseFactory(name="计算企业"), "B", 250)
    EnterpriseFactory(name="未分类企业")
    response = login(user_with_perms(P.VIEW, P.VIEW_RISK)).get(reverse("enterprises:list"))
    cells = {row["e"].name: row["risk"] for row in response.context["rows"]}
    assert cells["改判企业"]["risk_class"] == "C" and cells["改判企业"]["overridden"]
    assert cells["计算企业"]["risk_class"] == "B" and not cells["计算企业"]["overridden"]
    assert cells["未分类企业"] is None
    assert response.content.decode().count('data-testid="risk-override"') == 1


# --- create ------------------------------------------------------------------------------


def test_create_registers_and_redirects_to_detail(login, user_with_perms):
    DepartmentFactory()
    user = user_with_perms(P.VIEW, P.ADD)
    response = login(user).post(reverse("enterprises:create"), _form_data())
    ent = Enterprise.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("enterprises:detail", args=[ent.uscc])
    assert (ent.industry_section, ent.legal_rep_id_masked) == ("H", "1101**********002X")
    assert AuditEvent.objects.get(event_type="enterprises.enterprise_created").actor == user


def test_create_with_wrong_check_character_names_the_expected_one(login, user_with_perms):
    DepartmentFactory()
    wrong, expected = _wrong_check(make_uscc(900))
    response = login(user_with_perms(P.VIEW, P.ADD)).post(
        reverse("enterprises:create"), _form_data(uscc=wrong)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["uscc"]
    assert any(f"should be {expected}" in e for e in errors)
    assert f"should be {expected}" in response.content.decode()
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not CreditRecord.objects.exists()


def test_override_checkbox_only_for_permitted_users(login, user_with_perms):
    plain = login(user_with_perms(P.VIEW, P.ADD)).get(reverse("enterprises:create"))
    assert 'name="allow_check_override"' not in plain.content.decode()
    allowed = login(user_with_perms(P.VIEW, P.ADD, P.OVERRIDE_USCC_CHECK)).get(
        reverse("enterprises:create")
    )
    assert 'name="allow_check_override"' in allowed.content.decode()


def test_override_by_permitted_user_creates_and_audits(login, user_with_perms):
    DepartmentFactory()
    user = user_with_perms(P.VIEW, P.ADD, P.OVERRIDE_USCC_CHECK)
    wrong, _expected = _wrong_check(make_uscc(900))
    response = login(user).post(
        reverse("enterprises:create"), _form_data(uscc=wrong, allow_check_override="on")
    )
    assert response.status_code == 302
    ent = Enterprise.objects.get(uscc=wrong)
    assert ent.uscc_check_overridden
    event = AuditEvent.objects.get(event_type="enterprises.enterprise_created")
    assert (event.actor, event.extra["check_overridden"]) == (user, True)


def test_override_posted_without_permission_is_ignored(login, user_with_perms):
    DepartmentFactory()
    wrong, expected = _wrong_check(make_uscc(900))
    response = login(user_with_perms(P.VIEW, P.ADD)).post(
        reverse("enterprises:create"), _form_data(uscc=wrong, allow_check_override="on")
    )
    assert response.status_code == 400
    assert f"should be {expected}" in response.content.decode()
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    ("over", "field", "text"),
    [
        ({"registered_on": "2999-01-01"}, "registered_on", "cannot be in the future"),
        ({"registered_on": "2024-02-30"}, "registered_on", "valid date"),
        ({"industry_division": "99"}, "industry_division", "valid choice"),
        ({"legal_rep_id": "110105194912310021"}, "legal_rep_id", "should be X"),
        ({"uscc": "91510116MA6CXYZ"}, "uscc", "18 characters"),
        ({"legacy_reg_no": "510116000000001"}, "legacy_reg_no", "should be"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_create_bad_input_gets_field_messages(login, user_with_perms, over, field, text):
    DepartmentFactory()
    response = login(user_with_perms(P.VIEW, P.ADD)).post(
        reverse("enterprises:create"), _form_data(**over)
    )
    assert response.status_code == 400
    assert any(text in e for e in response.context["form"].errors[field]), response.context[
        "form"
    ].errors
    assert not Enterprise.objects.exists()


def test_duplicate_credit_code_is_refused(login, user_with_perms):
    DepartmentFactory()
    EnterpriseFactory(uscc=make_uscc(900))
    response = login(user_with_perms(P.VIEW, P.ADD)).post(
        reverse("enterprises:create"), _form_data()
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


# --- edit --------------------------------------------------------------------------------


def test_edit_saves_and_keeps_the_old_name(login, user_with_perms):
    ent = EnterpriseFactory()
    user = user_with_perms(P.VIEW, P.CHANGE)
    client = login(user)
    form = client.get(reverse("enterprises:edit", args=[ent.uscc])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(name="成都新名字有限公司", registered_on="2020-05-01")
    response = client.post(reverse("enterprises:edit", args=[ent.uscc]), data)
    assert response.status_code == 302, response.context["form"].errors
    ent.refresh_from_db()
    assert ent.name == "成都新名字有限公司"
    assert ent.former_names[0].startswith("成都市双流区测试企业")
    assert ent.version == 2
    event = AuditEvent.objects.get(event_type="enterprises.enterprise_changed")
    assert event.actor == user and "name" in event.extra["new"]


def test_edit_with_stale_version_is_refused_and_nothing_is_lost(login, user_with_perms):
    ent = EnterpriseFactory(address="旧地址1号")
    client = login(user_with_perms(P.VIEW, P.CHANGE))
    form = client.get(reverse("enterprises:edit", args=[ent.uscc])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(registered_on="2020-05-01", name="我的修改有限公司")
    # Someone else saves first.
    enterprise_update(actor=None, enterprise=ent, data={"address": "别人改的地址8号"})
    response = client.post(reverse("enterprises:edit", args=[ent.uscc]), data)
    assert response.status_code == 409
    ent.refresh_from_db()
    assert (ent.address, ent.name) == ("别人改的地址8号", ent.name)  # their change stands
    assert ent.name != "我的修改有限公司"
    html = response.content.decode()
    assert "Someone else changed" in html
    assert "我的修改有限公司" in html  # the user's input is still in the form
    assert "别人改的地址8号" in html  # and the saved value is shown next to it
    assert response.context["form"]["version"].value() == str(ent.version)
    labels = [str(d["label"]) for d in response.context["differences"]]
    assert sorted(labels) == ["Address", "Name"]  # not this save's choices (tester 5)
    # Saving again, deliberately, now works.
    again = client.post(
        reverse("enterprises:edit", args=[ent.uscc]),
        {**data, "version": ent.version, "address": "别人改的地址8号"},
    )
    assert again.status_code == 302
    ent.refresh_from_db()
    assert (ent.name, ent.address) == ("我的修改有限公司", "别人改的地址8号")


def test_edit_keeps_an_overridden_code_without_rechecking_it(login, user_with_perms):
    wrong, _expected = _wrong_check(make_uscc(5))
    ent = EnterpriseFactory(uscc=wrong, uscc_check_overridden=True)
    client = login(user_with_perms(P.VIEW, P.CHANGE))
    form = client.get(reverse("enterprises:edit", args=[ent.uscc])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(registered_on="2020-05-01", address="新地址2号")
    response = client.post(reverse("enterprises:edit", args=[ent.uscc]), data)
    assert response.status_code == 302
    ent.refresh_from_db()
    assert ent.address == "新地址2号"


# --- status ------------------------------------------------------------------------------


def _status(client, ent, **data):
    return client.post(reverse("enterprises:status", args=[ent.uscc]), data)


def test_status_page_shows_the_rules(login, user_with_perms):
    ent = EnterpriseFactory()
    html = login(user_with_perms(P.VIEW, P.CHANGE_STATUS)).get(
        reverse("enterprises:status", args=[ent.uscc])
    )
    text = html.content.decode()
    assert "at most 3 years" in text and "30 days" in text


def test_suspension_then_resumption(login, user_with_perms):
    ent = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    client = login(user_with_perms(P.VIEW, P.CHANGE_STATUS))
    today = timezone.localdate()
    response = _status(
        client,
        ent,
        new_status="suspended",
        effective_on=today - dt.timedelta(days=10),
        until=today + dt.timedelta(days=100),
        document_number="双市监歇〔2025〕1号",
    )
    assert response.status_code == 302
    ent.refresh_from_db()
    assert ent.status == "suspended"
    assert ent.suspended_until == today + dt.timedelta(days=100)
    record = CreditRecord.objects.get(enterprise=ent, kind="status_change")
    assert record.document_number == "双市监歇〔2025〕1号"
    assert AuditEvent.objects.filter(event_type="enterprises.status_changed").count() == 1
    page = client.get(reverse("enterprises:status", args=[ent.uscc])).content.decode()
    assert "An extension can be filed from" in page
    response = _status(client, ent, new_status="operating", effective_on=today)
    assert response.status_code == 302
    ent.refresh_from_db()
    assert ent.status == "operating"


def test_the_officers_note_stays_internal(login, user_with_perms, client):
    """Review (tester 2): the note went into the public ledger line, which the publicity page
    and the enterprise's own records show. It is kept in the record's details for staff."""
    ent = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    staff = login(user_with_perms(P.VIEW, P.CHANGE_STATUS, P.VIEW_RECORDS))
    today = timezone.localdate()
    note = "<b>内部</b>：经营者电话核实"
    response = _status(
        staff,
        ent,
        new_status="suspended",
        effective_on=today,
        until=today + dt.timedelta(days=90),
        note=note,
    )
    assert response.status_code == 302
    record = CreditRecord.objects.get(enterprise=ent, kind="status_change")
    assert "电话" not in record.summary and record.details["note"] == note
    detail = staff.get(reverse("enterprises:detail", args=[ent.uscc])).content.decode()
    assert "&lt;b&gt;内部&lt;/b&gt;：经营者电话核实" in detail
    public = client.get(reverse("public:profile", args=[ent.uscc])).content.decode()
    assert response.status_code == 302 and "电话" not in public
    page = staff.get(reverse("enterprises:status", args=[ent.uscc])).content.decode()
    assert "never published" in page


@pytest.mark.parametrize(
    ("setup", "data", "field", "text"),
    [
        (None, {"new_status": "suspended"}, "until", "needs an end date"),
        (None, {"new_status": "suspended", "until_days": 4 * 365}, "until", "at most 3 years"),
        (None, {"new_status": "operating"}, "new_status", "Only a suspended"),
        ("deregistered", {"new_status": "operating"}, "new_status", "cannot become"),
        ("revoked", {"new_status": "suspended", "until_days": 30}, "new_status", "cannot become"),
        (None, {"new_status": "deregistered", "effective_days": 5}, "effective_on", "future"),
        ("suspended", {"new_status": "suspended", "until_days": 400}, "effective_on", "30 days"),
    ],
)
def test_status_rule_violations_are_form_errors(login, user_with_perms, setup, data, field, text):
    ent = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    today = timezone.localdate()
    if setup == "suspended":
        enterprise_status_change(
            actor=None,
            enterprise=ent,
            new_status="suspended",
            effective_on=today - dt.timedelta(days=5),
            until=today + dt.timedelta(days=200),
        )
    elif setup:
        enterprise_status_change(actor=None, enterprise=ent, new_status=setup, effective_on=today)
    records_before = CreditRecord.objects.count()
    post = {
        "new_status": data["new_status"],
        "effective_on": today + dt.timedelta(days=data.get("effective_days", 0)),
    }
    if "until_days" in data:
        post["until"] = today + dt.timedelta(days=data["until_days"])
    response = _status(login(user_with_perms(P.VIEW, P.CHANGE_STATUS)), ent, **post)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(text in e for e in errors.get(field, [])), errors
    assert CreditRecord.objects.count() == records_before


def test_status_form_shape_errors(login, user_with_perms):
    ent = EnterpriseFactory()
    response = _status(
        login(user_with_perms(P.VIEW, P.CHANGE_STATUS)),
        ent,
        new_status="vanished",
        effective_on="x",
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"new_status", "effective_on"}


# --- query counts ------------------------------------------------------------------------


def test_list_page_query_count_is_constant(login, user_with_perms, django_assert_num_queries):
    client = login(user_with_perms(P.VIEW, P.VIEW_RISK, P.EXPORT, P.ADD))
    url = reverse("enterprises:list")
    eco = DepartmentFactory(code="eco", name="区生态环境局")
    for batch in (3, 30, 300):
        for i, e in enumerate(EnterpriseFactory.create_batch(batch, department=eco)):
            if i % 2:  # classified rows, some by override: the class column's join, no query
                classify(e, "ABCD"[i % 4], i, override_class="D" if i % 3 == 0 else "")
        # Session, user, user perms, group perms, ids of the matches (capped), the page, the
        # navigation's membership lookup, departments (filter select).
        with django_assert_num_queries(8):
            response = client.get(url, {"status": "operating", "ordering": "name"})
        assert response.status_code == 200
        # ... and the department of a department filter.
        with django_assert_num_queries(9):
            response = client.get(url, {"department": "eco", "page_size": 20})
        total = Enterprise.objects.filter(department=eco).count()
        assert len(response.context["page_obj"].object_list) == min(20, total)
        for params in ({"ordering": "-risk_score"}, {"risk_class": "B", "ordering": "risk_score"}):
            with django_assert_num_queries(8):
                response = client.get(url, params)
            assert any(row["risk"] for row in response.context["rows"])


def test_pages_are_ordered_and_disjoint_below_and_above_the_cap(
    login, user_with_perms, monkeypatch
):
    """Below the cap a page is read by primary key among the matches, above it by the
    ordinary ordered query: both give the same order."""
    for i in range(25):
        EnterpriseFactory(name=f"企业{i:02d}", registered_on=dt.date(2020, 1, 1 + i % 28))
    client = login(user_with_perms(P.VIEW))
    expected = sorted(f"企业{i:02d}" for i in range(25))
    for cap in (10_000, 10):
        monkeypatch.setattr("enterprises.views.staff.LIST_COUNT_CAP", cap)
        names = []
        for page in (1, 2):
            response = client.get(
                reverse("enterprises:list"), {"ordering": "name", "page_size": 20, "page": page}
            )
            if response.context["page_obj"].number != page:
                break  # beyond the last page
            names += [e.name for e in response.context["page_obj"].object_list]
        assert names == expected[: min(cap, 25)]


def test_detail_page_query_count_is_constant(login, user_with_perms, django_assert_num_queries):
    user = user_with_perms(*ALL_STAFF)
    client = login(user)
    ent = EnterpriseFactory()
    classify(ent, "B", 250, override_class="C")  # the class and its override: no query more
    url = reverse("enterprises:detail", args=[ent.uscc])
    for batch in (2, 20):
        for i in range(batch):
            CreditRecord.objects.create(
                enterprise=ent,
                kind="penalty",
                occurred_on=dt.date(2024, 1, 1) + dt.timedelta(days=i),
                summary=f"处罚{i}",
                recorded_by=user,
            )
            AuditEvent.objects.create(
                event_type="enterprises.enterprise_changed", enterprise=ent, actor=user
            )
        # Session, user, user perms, group perms, enterprise, records, audit events, letters
        # and the navigation's membership lookup.
        with django_assert_num_queries(9):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["records"]) == CreditRecord.objects.count()


def test_staff_role_groups_get_what_their_codenames_allow(login, user_with_role):
    """The seeded roles: an inspector reads, a registrar writes, no one sees what they lack."""
    from credit_portal.roles import Role

    ent = EnterpriseFactory()
    inspector = login(user_with_role(Role.INSPECTOR))
    assert inspector.get(reverse("enterprises:list")).status_code == 200
    assert inspector.get(reverse("enterprises:edit", args=[ent.uscc])).status_code == 403
    registrar = login(user_with_role(Role.REGISTRAR))
    assert registrar.get(reverse("enterprises:edit", args=[ent.uscc])).status_code == 200
    assert not Permission.objects.filter(
        group__name=str(Role.REGISTRAR), codename="view_risk"
    ).exists()


def pinyin_key(name: str) -> list[str]:
    return lazy_pinyin(name)


def test_names_sort_in_pinyin_order(login, user_with_perms):
    """PostgreSQL: the ICU collation for Simplified Chinese; SQLite (the demo): the pinyin
    initials, then the name. Both: 阿里, 北京, 成都, 张三 (code points: 北, 张, 成, 阿)."""
    for name in ("张三商店", "阿里商贸", "北京餐饮", "成都火锅"):
        EnterpriseFactory(name=name)
    client = login(user_with_perms(P.VIEW))
    expected = ["阿里商贸", "北京餐饮", "成都火锅", "张三商店"]
    for ordering in ("name", "-name"):
        response = client.get(reverse("enterprises:list"), {"ordering": ordering})
        names = [e.name for e in response.context["page_obj"].object_list]
        assert names == (expected[::-1] if ordering.startswith("-") else expected)


@pytest.mark.parametrize(
    "ordering", ["", "registered_on", "-registered_on", "risk_score", "-risk_score"]
)
def test_pages_sorted_in_python_below_the_cap_match_the_database_order(
    login, user_with_perms, monkeypatch, ordering
):
    """Below the cap, date and score orderings are sorted in Python from the probe: the pages
    follow the database's order exactly (ties by id, unscored last), page after page."""
    for i in range(47):
        e = EnterpriseFactory(
            name=f"排序{i:02d}",
            registered_on=dt.date(2020, 1, 1 + i % 4),  # ties: the id decides
        )
        if i % 5:  # every fifth never classified: no score, last in both directions
            classify(e, "B", Decimal(f"{(i * 7) % 11}.5"))
    user = user_with_perms(P.VIEW, P.VIEW_RISK)
    client = login(user)

    def listed(cap: int) -> list[str]:
        monkeypatch.setattr("enterprises.views.staff.LIST_COUNT_CAP", cap)
        names: list[str] = []
        for page in (1, 2, 3, 4):
            params = {"page_size": 20, "page": page, **({"ordering": ordering} if ordering else {})}
            response = client.get(reverse("enterprises:list"), params)
            if response.context["page_obj"].number != page:
                break
            names += [e.name for e in response.context["page_obj"].object_list]
        return names

    below = listed(10_000)  # ids sorted in Python
    above = listed(30)  # the database's ORDER BY ... LIMIT, over the first 30 rows
    assert len(below) == 47 and len(set(below)) == 47
    assert below[:30] == above
    request = RequestFactory().get("/")
    request.user = user
    db_order = list(  # the list's ORDER BY over every row, in the database
        EnterpriseFilter(
            {"ordering": ordering} if ordering else {},
            queryset=Enterprise.objects.all(),
            request=request,
        ).qs.values_list("name", flat=True)
    )
    assert below == db_order


def test_audit_history_names_events_in_chinese(login, user_with_perms):
    DepartmentFactory()
    registrar = user_with_perms(*ALL_STAFF)
    ent = enterprise_create(actor=registrar, data=_form_data())
    page = login(registrar, "zh-hans").get(reverse("enterprises:detail", args=[ent.uscc]))
    html = page.content.decode()
    assert "新增市场主体" in html


def test_status_page_offers_only_the_changes_the_status_allows(login, user_with_perms):
    user = user_with_perms(*ALL_STAFF)
    today = timezone.localdate()
    revoked = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    enterprise_status_change(
        actor=None, enterprise=revoked, new_status="revoked", effective_on=today
    )
    page = login(user).get(reverse("enterprises:status", args=[revoked.uscc]))
    assert [v for v, _label in page.context["form"].fields["new_status"].widget.choices] == [
        "deregistered"
    ]
    refused = login(user).post(
        reverse("enterprises:status", args=[revoked.uscc]),
        {"new_status": "operating", "effective_on": today.isoformat()},
    )
    assert refused.status_code == 400
    assert "cannot become" in " ".join(refused.context["form"].errors["new_status"])

    gone = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    enterprise_status_change(
        actor=None, enterprise=gone, new_status="deregistered", effective_on=today
    )
    html = login(user).get(reverse("enterprises:status", args=[gone.uscc])).content.decode()
    assert "(Deregistered) is final" in html
    assert 'name="new_status"' not in html
    assert "Suspension used" not in html  # no suspension rules for a closed entity


def test_status_page_offers_a_late_resumption_after_an_expired_suspension(login, user_with_perms):
    """The suspension ended and the nightly job rewrote the status; a resumption filed late
    (dated inside the suspension) is still possible, so it is offered."""
    from enterprises.services.status import enterprise_states_refresh

    ent = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    today = timezone.localdate()
    enterprise_status_change(
        actor=None,
        enterprise=ent,
        new_status="suspended",
        effective_on=today - dt.timedelta(days=100),
        until=today - dt.timedelta(days=10),
    )
    enterprise_states_refresh()
    ent.refresh_from_db()
    assert ent.status == "operating"
    page = login(user_with_perms(*ALL_STAFF)).get(reverse("enterprises:status", args=[ent.uscc]))
    offered = [v for v, _label in page.context["form"].fields["new_status"].widget.choices]
    assert "operating" in offered


@pytest.mark.parametrize(("correction", "records"), [("", 1), ("on", 0)])
def test_edit_form_records_a_change_unless_it_corrects_an_entry_error(
    login, user_with_perms, correction, records
):
    ent = EnterpriseFactory(business_scope="餐饮服务\n食品销售")
    client = login(user_with_perms(P.VIEW, P.CHANGE))
    page = client.get(reverse("enterprises:edit", args=[ent.uscc]))
    assert 'name="correction"' in page.content.decode()
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    # As a browser sends a textarea: CRLF line ends, which are no change.
    data.update(
        address="四川省成都市双流区新地址3号",
        business_scope="餐饮服务\r\n食品销售",
        registered_on="2020-05-01",
        correction=correction,
    )
    response = client.post(reverse("enterprises:edit", args=[ent.uscc]), data)
    assert response.status_code == 302, response.context["form"].errors
    changes = CreditRecord.objects.filter(enterprise=ent, kind="registration_change")
    assert changes.count() == records
    if records:
        assert set(changes.get().details["changes"]) == {"address"}


def test_edit_form_shows_the_capital_without_trailing_zeros(login, user_with_perms):
    ent = EnterpriseFactory(registered_capital=Decimal("10.0000"))
    page = login(user_with_perms(P.VIEW, P.CHANGE)).get(
        reverse("enterprises:edit", args=[ent.uscc])
    )
    assert 'name="registered_capital" value="10"' in page.content.decode()


@pytest.mark.parametrize(
    ("language", "joined"), [("en", "name, former names"), ("zh-hans", "名称、曾用名")]
)
def test_the_audit_history_lists_changed_fields_in_the_pages_language(
    login, user_with_perms, language, joined
):
    """Tester 7: the English page joined the changed fields with a Chinese 、."""
    ent = EnterpriseFactory()
    AuditEvent.objects.create(
        event_type="enterprises.enterprise_changed",
        enterprise=ent,
        extra={"old": {}, "new": {"name": "新", "former_names": ["旧"]}},
    )
    client = login(user_with_perms(P.VIEW, CorePerm.VIEW_AUDIT_LOG))
    client.cookies["cp_language"] = language
    html = client.get(reverse("enterprises:detail", args=[ent.uscc])).content.decode()
    assert f">{joined}</td>" in html


def test_an_individual_business_is_labelled_as_its_licence_prints_it(
    login, user_with_perms, client
):
    """Tester 4: the three pages named an individual business's items three ways. Its licence
    prints 经营者, 资金数额 and 经营场所; a company's prints 法定代表人, 注册资本 and 住所."""
    shop = EnterpriseFactory(individual_business=True, registered_capital=5)
    company = EnterpriseFactory(registered_capital=100)
    staff = login(user_with_perms(P.VIEW))
    staff.cookies["cp_language"] = client.cookies["cp_language"] = "zh-hans"
    for ent, words, not_words in (
        (shop, ("经营者", "资金数额", "经营场所"), ("法定代表人", "注册资本", "住所<")),
        (company, ("法定代表人", "注册资本", "住所<"), ("经营者", "资金数额", "经营场所")),
    ):
        detail = staff.get(reverse("enterprises:detail", args=[ent.uscc])).content.decode()
        public = client.get(reverse("public:profile", args=[ent.uscc])).content.decode()
        from tests.enterprises.test_accounts_me import member_of

        own = Client()
        own.force_login(member_of(ent, username=f"member-{ent.pk}"))
        own.cookies["cp_language"] = "zh-hans"
        me = own.get(reverse("me:home")).content.decode()
        for html in (detail, public, me):
            assert all(w in html for w in words), [w for w in words if w not in html]
            assert not any(w in html for w in not_words), [w for w in not_words if w in html]


# --- workbench ---------------------------------------------------------------------------------


def test_the_workbench_shows_the_register_within_the_users_jurisdiction(
    login, user_with_perms, district, django_assert_num_queries
):
    """Tester 11: the workbench was four bare tiles. The register's figures, each a link to the
    list filtered to it; a partner department's officer counts only its own entities."""
    from credit_portal.models import StaffProfile
    from credit_portal.permissions import CorePerm

    bureau = login(user_with_perms(P.VIEW, CorePerm.ACCESS_STAFF_PORTAL))
    bureau.cookies["cp_language"] = "zh-hans"
    html = bureau.get(reverse("home")).content.decode()
    figures = re.findall(
        r'<a href="([^"]+)"><span class="figure__n">([\d,]+)</span>'
        r'<span class="figure__label">([^<]+)</span>',
        html,
    )
    year_ago = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    assert [(label, n) for _url, n, label in figures] == [
        ("市场主体", "3"),
        ("存续（在营）", "1"),
        ("歇业", "1"),
        ("列入经营异常名录", "1"),
        ("列入严重违法失信名单", "1"),
        ("近 12 个月成立", "0"),
    ]
    assert figures[3][0] == "/enterprises/?is_abnormal=true"
    assert figures[5][0] == f"/enterprises/?registered_from={year_ago}"
    assert "筛选、导出市场主体" in html  # the tiles say what they lead to

    partner = user_with_perms(P.VIEW, CorePerm.ACCESS_STAFF_PORTAL)
    StaffProfile.objects.filter(user=partner).update(department=district["shop"].department)
    client = login(partner)
    client.cookies["cp_language"] = "zh-hans"
    # Session, user, two of permissions, roles, profile, its department, the navigation's
    # membership lookup and the figures: one count each (up to 10,000, with a LIMIT; above it
    # one or two more), counted once per 5 minutes.
    with django_assert_num_queries(14):
        html = client.get(reverse("home")).content.decode()
    assert '<span class="figure__n">1</span><span class="figure__label">市场主体</span>' in html
    with django_assert_num_queries(8):
        client.get(reverse("home"))


def test_the_workbench_shows_no_figures_without_the_register(login, user_with_perms):
    from credit_portal.permissions import CorePerm

    html = login(user_with_perms(CorePerm.ACCESS_STAFF_PORTAL)).get(reverse("home"))
    assert "figure__n" not in html.content.decode()


def test_the_workbench_counts_without_the_cache_when_redis_is_down(
    login, user_with_perms, district, settings, caplog
):
    """Review: the staff home page, where every login lands, failed with the cache's error."""
    from credit_portal.permissions import CorePerm

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    client = login(user_with_perms(P.VIEW, CorePerm.ACCESS_STAFF_PORTAL))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert '<span class="figure__n">3</span>' in response.content.decode()
    assert "counted without the cache" in caplog.text


def test_a_cancelled_registration_is_final(login, user_with_perms):
    """撤销登记 (docs/domain.md §7): offered on the form, recorded in the ledger as a public
    status change, final; the staff list filters and names it."""
    ent = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    other = EnterpriseFactory(registered_on=dt.date(2020, 1, 1))
    staff = login(user_with_perms(P.VIEW, P.CHANGE_STATUS, P.ISSUE_ACTIVATION_CODE))
    form = staff.get(reverse("enterprises:status", args=[ent.uscc])).content.decode()
    assert 'value="cancelled"' in form and "Cancellation of the registration" in form
    today = timezone.localdate()
    response = _status(
        staff,
        ent,
        new_status="cancelled",
        effective_on=today,
        document_number="双市监撤〔2026〕1号",
    )
    assert response.status_code == 302
    ent.refresh_from_db()
    assert ent.status == "cancelled"
    record = CreditRecord.objects.get(enterprise=ent, kind="status_change")
    assert record.details["status"] == "cancelled" and record.is_public
    refused = _status(staff, ent, new_status="operating", effective_on=today)
    assert refused.status_code == 400
    assert "(Registration cancelled) is final" in refused.content.decode()
    ent.refresh_from_db()
    assert ent.status == "cancelled"
    listed = staff.get(reverse("enterprises:list"), {"status": "cancelled"}).content.decode()
    assert ent.uscc in listed and "Registration cancelled" in listed
    before = staff.get(reverse("enterprises:detail", args=[other.uscc])).content.decode()
    assert "Issue an activation code" in before  # the button shows while an entity exists
    detail = staff.get(reverse("enterprises:detail", args=[ent.uscc])).content.decode()
    assert "Issue an activation code" not in detail
    public = staff.get(reverse("public:profile", kwargs={"uscc": ent.uscc})).content.decode()
    assert f"registration cancelled on {today.isoformat()}" in public
