"""The enterprise self-service area: /me/ and /me/records/ (issue 3, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from credit_portal.dates import add_months, add_years
from credit_portal.models import User
from credit_portal.roles import Role
from enterprises.models import CreditRecord, Enterprise, EnterpriseMembership
from enterprises.permissions import EnterprisePerm
from enterprises.services.ledger import credit_record_append
from enterprises.services.status import enterprise_status_change
from tests.enterprises.factories import EnterpriseFactory, classify

pytestmark = pytest.mark.django_db
from tests.enterprises.factories import Kind  # noqa: E402


def zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def member_of(enterprise: Enterprise, username: str = "qiye") -> User:
    user = User.objects.create_user(username=username, password="Qiye-Mima-2026")
    user.groups.add(Group.objects.get(name=str(Role.ENTERPRISE_USER)))
    EnterpriseMembership.objects.create(user=user, enterprise=enterprise, phone="13812345678")
    return user


def registered(enterprise: Enterprise) -> CreditRecord:
    return credit_record_append(
        enterprise=enterprise,
        kind=Kind.REGISTRATION,
        occurred_on=enterprise.registered_on,
        summary="设立登记",
        actor=None,
        is_public=True,
        details={"status": "operating"},
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def mine():
    e = EnterpriseFactory(
        name="成都本企业商贸有限公司",
        legal_rep_name="张本人",
        legal_rep_id_masked="5101**********123X",
    )
    registered(e)
    classify(e, "C", 61)
    return e


@pytest.fixture
def theirs():
    e = EnterpriseFactory(name="成都别人家餐饮有限公司", legal_rep_name="李别人")
    registered(e)
    classify(e, "D", 90)
    credit_record_append(
        enterprise=e,
        kind=Kind.SOFT_ENFORCEMENT,
        occurred_on=timezone.localdate() - dt.timedelta(days=3),
        summary="别人家的警示告诫书",
        actor=None,
    )
    return e


def test_me_shows_own_register_data_and_nothing_of_another(client, mine, theirs):
    client.force_login(member_of(mine))
    for name in ("me:home", "me:records"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert mine.name in body and mine.uscc in body
        assert theirs.name not in body and theirs.uscc not in body
        assert "李别人" not in body and "别人家的警示告诫书" not in body
    home = client.get(reverse("me:home")).content.decode()
    assert "5101**********123X" in home  # the masked identity number only
    assert "张本人" in home
    assert "登记信息" in home and "下一步可办理的事项" in home


def test_risk_class_is_hidden_unless_the_setting_says_so(client, mine, theirs, settings):
    client.force_login(member_of(mine))
    body = client.get(reverse("me:home")).content.decode()
    assert "信用风险分类" not in body and "risk--C" not in body
    conf = {**settings.CREDIT_PORTAL, "SHOW_RISK_CLASS_TO_ENTERPRISES": True}
    with override_settings(CREDIT_PORTAL=conf):
        body = client.get(reverse("me:home")).content.decode()
    assert "信用风险分类" in body and "risk--C" in body
    assert "risk--D" not in body  # another enterprise's class, never


def test_risk_class_shown_to_an_enterprise_is_the_one_in_effect(client, settings):
    """An override sets the class in effect (marked as such); a never-classified entity
    shows no class line at all, even with the setting on."""
    conf = {**settings.CREDIT_PORTAL, "SHOW_RISK_CLASS_TO_ENTERPRISES": True}
    fresh = EnterpriseFactory()
    registered(fresh)
    client.force_login(member_of(fresh, username="fresh"))
    with override_settings(CREDIT_PORTAL=conf):
        body = client.get(reverse("me:home")).content.decode()
    assert 'data-testid="me-risk-class"' not in body and "信用风险分类" not in body
    classify(fresh, "B", 250, override_class="D")
    with override_settings(CREDIT_PORTAL=conf):
        body = client.get(reverse("me:home")).content.decode()
    assert 'data-testid="me-risk-class"' in body and "risk--D" in body and "risk--B" not in body
    assert 'data-testid="me-risk-override"' in body


def test_me_pages_need_an_enterprise_membership(client, user_with_perms, mine):
    for name in ("me:home", "me:records"):
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    staff = user_with_perms(EnterprisePerm.VIEW)
    client.force_login(staff)
    for name in ("me:home", "me:records"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert mine.name not in response.content.decode()


def test_guidance_for_an_abnormal_listing_names_the_dates(client, mine, today):
    listed_on = today - dt.timedelta(days=10)
    credit_record_append(
        enterprise=mine,
        kind=Kind.ABNORMAL_LISTING,
        occurred_on=listed_on,
        summary="列入经营异常名录：未按规定报送2025年度年度报告",
        actor=None,
        is_public=True,
        authority="成都市双流区市场监督管理局",
        details={"reason": "annual_report_overdue", "report_year": 2025},
    )
    client.force_login(member_of(mine))
    body = client.get(reverse("me:home")).content.decode()
    assert "未按时报送 2025 年度报告" in body
    assert f"{zh(listed_on)} 因" in body
    assert "5 个工作日内作出是否移出的决定" in body
    assert zh(add_years(listed_on, 3)) in body  # serious list after three years
    assert zh(listed_on + dt.timedelta(days=30)) in body  # objection window
    assert "经营异常名录" in body


def test_guidance_for_a_penalty_and_a_suspension(client, mine, today):
    decided = today - dt.timedelta(days=40)
    start = decided + dt.timedelta(days=10)
    credit_record_append(
        enterprise=mine,
        kind=Kind.PENALTY,
        occurred_on=decided,
        summary="未按规定明码标价，罚款人民币30,000元",
        actor=None,
        is_public=True,
        publicity_start=start,
        publicity_end=add_years(start, 3) - dt.timedelta(days=1),
        document_number="双市监处罚〔2026〕1号",
    )
    until = today + dt.timedelta(days=90)
    enterprise_status_change(
        actor=None,
        enterprise=mine,
        new_status=Enterprise.Status.SUSPENDED,
        effective_on=today - dt.timedelta(days=5),
        until=until,
    )
    client.force_login(member_of(mine))
    body = client.get(reverse("me:home")).content.decode()
    assert "行政处罚公示中" in body
    assert zh(add_months(start, 6)) in body  # repair possible from
    assert "歇业中" in body
    assert zh(until - dt.timedelta(days=30)) in body  # extension window
    assert zh(until) in body


def test_letters_received_are_listed(client, mine, today):
    credit_record_append(
        enterprise=mine,
        kind=Kind.SOFT_ENFORCEMENT,
        occurred_on=today - dt.timedelta(days=2),
        summary="行政提示书：提醒按时报送2025年度报告",
        actor=None,
        document_number="双市监提〔2026〕7号",
        details={"instrument_label": "行政提示书", "deadline": "2026-12-31"},
    )
    client.force_login(member_of(mine))
    body = client.get(reverse("me:home")).content.decode()
    assert "收到的文书" in body
    assert "提醒按时报送2025年度报告" in body and "双市监提〔2026〕7号" in body
    assert "2026-12-31" in body


def test_records_page_separates_public_and_private_with_publicity(client, mine, today):
    old_start = today - dt.timedelta(days=200)
    ended = credit_record_append(
        enterprise=mine,
        kind=Kind.PENALTY,
        occurred_on=old_start,
        summary="三个月公示的处罚",
        actor=None,
        is_public=True,
        publicity_start=old_start,
        publicity_end=add_months(old_start, 3) - dt.timedelta(days=1),
    )
    listing = credit_record_append(
        enterprise=mine,
        kind=Kind.ABNORMAL_LISTING,
        occurred_on=today - dt.timedelta(days=100),
        summary="列入经营异常名录",
        actor=None,
        is_public=True,
    )
    credit_record_append(
        enterprise=mine,
        kind=Kind.ABNORMAL_REMOVAL,
        occurred_on=today - dt.timedelta(days=20),
        summary="移出经营异常名录",
        actor=None,
        is_public=True,
        closes=listing,
    )
    credit_record_append(
        enterprise=mine,
        kind=Kind.SOFT_ENFORCEMENT,
        occurred_on=today - dt.timedelta(days=1),
        summary="不公示的警示告诫书",
        actor=None,
    )
    client.force_login(member_of(mine))
    body = client.get(reverse("me:records")).content.decode()
    public_part, private_part = body.split("非公示信息", 1)
    assert "三个月公示的处罚" in public_part and "公示期满" in public_part
    assert f"{old_start} 至 {ended.publicity_end}" in public_part
    assert "已移出/修复" in public_part  # the closed listing
    assert "公示中" in public_part  # the registration and the removal
    assert "不公示的警示告诫书" in private_part
    assert "不公示的警示告诫书" not in public_part


def _add_records(enterprise: Enterprise, n: int) -> None:
    day = timezone.localdate() - dt.timedelta(days=400)
    for i in range(n):
        credit_record_append(
            enterprise=enterprise,
            kind=Kind.SOFT_ENFORCEMENT if i % 2 else Kind.INSPECTION_RESULT,
            occurred_on=day + dt.timedelta(days=i),
            summary=f"记录 {i}",
            actor=None,
            is_public=not i % 2,
        )


@pytest.mark.parametrize("name", ["me:home", "me:records"])
def test_me_pages_make_a_constant_number_of_queries(client, mine, django_assert_num_queries, name):
    user = member_of(mine)
    client.force_login(user)
    url = reverse(name)
    client.get(url)  # warm up (content types, translations)
    # The home page also reads the enterprise's running directory cases (one query).
    queries = 8 if name == "me:home" else 7
    _add_records(mine, 2)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _add_records(mine, 30)
    with django_assert_num_queries(queries):
        body = client.get(url).content.decode()
    assert "记录 29" in body


def test_industry_follows_the_interface_language(client):
    enterprise = EnterpriseFactory(industry_section="H", industry_division="62")
    client.force_login(member_of(enterprise))
    chinese = client.get(reverse("me:home")).content.decode()
    english = client.get(reverse("me:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "住宿和餐饮业 · 餐饮业" in chinese
    assert "Accommodation and catering · Catering services" in english


def test_an_individual_business_reads_its_own_terms(client):
    """个体工商户: the person is the operator (经营者), and a missed annual report leads to the
    abnormal *state* (marked), not to the directory (docs/domain.md §3)."""
    shop = EnterpriseFactory(individual_business=True, registered_on=dt.date(2020, 5, 1))
    registered(shop)
    user = member_of(shop)
    EnterpriseMembership.objects.filter(user=user).update(
        role=EnterpriseMembership.Role.LEGAL_REPRESENTATIVE
    )
    client.force_login(user)
    body = client.get(reverse("me:home")).content.decode()
    head = body.split('class="me-head__meta"', 1)[1].split("</div>", 1)[0]
    assert "经营者" in head and "法定代表人" not in head
    assert "将被标记为经营异常状态" in body
    assert "将被列入经营异常名录" not in body


def test_english_dates_are_written_one_way(client, mine, today):
    """Day, month name, year everywhere in English prose ("1 January", "10 July 2026")."""
    client.force_login(member_of(mine))
    client.cookies["cp_language"] = "en"
    body = client.get(reverse("me:home")).content.decode()
    assert f"as of {today.day} {today:%B} {today.year}" in body


@pytest.mark.parametrize(
    ("entity_type", "title"),
    [("company", "法定代表人"), ("branch", "负责人"), ("partnership", "执行事务合伙人")],
)
def test_the_register_data_names_the_person_by_the_licence_title(client, entity_type, title):
    firm = EnterpriseFactory(entity_type=entity_type)
    registered(firm)
    client.force_login(member_of(firm))
    body = client.get(reverse("me:home")).content.decode()
    assert f"<dt>{title}</dt>" in body


def test_the_officers_note_never_reaches_the_enterprise(client, mine, today):
    """Review: a status change records the officer's note in its details, for staff. Records
    written before that (their line ends with " (note)") are shown without it: the ledger is
    append-only, so the cut is made when the line is shown, here and in the API."""
    from enterprises.services.status import enterprise_status_change

    suspension = enterprise_status_change(
        actor=None,
        enterprise=mine,
        new_status="suspended",
        effective_on=today,
        until=today + dt.timedelta(days=60),
        note="内部：经营者电话核实",
    )
    credit_record_append(  # as written before 2026-11-29
        enterprise=mine,
        kind=Kind.STATUS_CHANGE,
        occurred_on=today - dt.timedelta(days=400),
        summary="状态：存续（在营、开业、在册） (内部：旧备注)",
        details={"status": "operating", "note": "内部：旧备注"},
        actor=None,
        is_public=True,
    )
    client.force_login(member_of(mine))
    html = client.get(reverse("me:records")).content.decode()
    # Both lines are made from the details (issue 13), which never put the note in the line.
    assert suspension.summary in html and "状态变更为：存续（在营）\n" in html
    assert "内部" not in html
    records = reverse("enterprises-api:enterprise-records", args=[mine.uscc])
    api = client.get(records).content.decode()
    assert suspension.summary in api and "内部" not in api
