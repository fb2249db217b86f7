"""The penalty pages through HTTP: access (anonymous, codenames, jurisdiction, enterprise users),
the list with its filters and overdue first, the form with its penalties, recording and its
refusals, withdrawal and the public profile, the decision documents, the self-service page."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from credit_portal.roles import Role
from enterprises.models import CreditRecord
from remediation.kinds import PENALTY_WITHDRAWAL
from remediation.models import PenaltyDecision
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory
from tests.remediation.factories_penalties import (
    PERSON_ID,
    TODAY,
    at,
    catalogue,
    client_for,
    draft_data,
    fine,
    first_violation_data,
    make_draft,
    make_recorded,
    measure,
    member,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with at(TODAY), translation.override("en"):
        yield


@pytest.fixture
def officer():
    catalogue()
    return staff(username="officer")


@pytest.fixture
def firm():
    return EnterpriseFactory(name="成都蓉城餐饮有限公司")


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --------------------------------------------------------------------------- access


def test_anonymous_users_go_to_the_login_page(officer, firm):
    decision = make_recorded(officer, firm)
    anonymous = client_for(None)
    for url in (
        reverse("remediation:penalty_list"),
        reverse("remediation:penalty_create"),
        reverse("remediation:penalty_detail", args=[decision.pk]),
        reverse("remediation:penalty_document", args=[decision.pk]),
        reverse("me-remediation:penalties"),
        reverse("me-remediation:penalty_document", args=[decision.pk]),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = anonymous.post(reverse("remediation:penalty_record", args=[decision.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_without_the_codenames_get_403(officer, firm):
    decision = make_recorded(officer, firm)
    registrar = client_for(staff(Role.REGISTRAR))
    assert registrar.get(reverse("remediation:penalty_list")).status_code == 403
    # A user who may not see decisions finds none.
    assert (
        registrar.get(reverse("remediation:penalty_detail", args=[decision.pk])).status_code == 404
    )
    inspector = client_for(staff(Role.INSPECTOR))  # may view, not write
    assert (
        inspector.get(reverse("remediation:penalty_detail", args=[decision.pk])).status_code == 200
    )
    assert inspector.get(reverse("remediation:penalty_create")).status_code == 403
    draft = make_draft(officer, firm)
    assert (
        inspector.post(
            reverse("remediation:penalty_record", args=[draft.pk]), {"version": 1}
        ).status_code
        == 403
    )
    assert (
        inspector.get(reverse("remediation:penalty_withdraw", args=[decision.pk])).status_code
        == 403
    )
    assert PenaltyDecision.objects.get(pk=draft.pk).status == "draft"


def test_an_enterprise_user_sees_only_its_own_decisions_never_a_draft(officer, firm):
    mine = make_recorded(officer, firm)
    draft = make_draft(officer, firm)
    other = make_recorded(officer, EnterpriseFactory())
    user = client_for(member(firm))
    page = user.get(reverse("me-remediation:penalties"))
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.number in body and draft.number not in body and other.number not in body
    assert user.get(reverse("me-remediation:penalty_document", args=[mine.pk])).status_code == 200
    assert user.get(reverse("me-remediation:penalty_document", args=[other.pk])).status_code == 404
    assert user.get(reverse("me-remediation:penalty_document", args=[draft.pk])).status_code == 404
    # The staff pages: its own decision exists for it (403), another's does not (404).
    assert user.get(reverse("remediation:penalty_detail", args=[mine.pk])).status_code == 403
    assert user.get(reverse("remediation:penalty_detail", args=[other.pk])).status_code == 404
    assert user.get(reverse("remediation:penalty_list")).status_code == 403


def test_staff_are_not_enterprise_users(officer):
    assert client_for(officer).get(reverse("me-remediation:penalties")).status_code == 403


def test_a_partner_department_sees_its_own_departments_decisions_only(officer, firm):
    market = DepartmentFactory(code="health", name="区卫生健康局")
    partner = staff(department=market, username="partner")
    their_firm = EnterpriseFactory(department=market)
    # The bureau's decision about an entity in their care is the bureau's case, not theirs.
    about_theirs = make_recorded(officer, their_firm)
    theirs = make_recorded(
        partner,
        None,
        department="health",
        party_kind="natural_person",
        party_name="赵某",
        party_id=PERSON_ID,
    )
    bureau_only = make_recorded(officer, firm)
    client = client_for(partner)
    listing = client.get(reverse("remediation:penalty_list")).content.decode()
    assert theirs.number in listing
    assert bureau_only.number not in listing and about_theirs.number not in listing
    assert (
        client.get(reverse("remediation:penalty_detail", args=[about_theirs.pk])).status_code == 404
    )
    assert (
        client.get(reverse("remediation:penalty_detail", args=[bureau_only.pk])).status_code == 404
    )
    assert (
        client.get(reverse("remediation:penalty_document", args=[bureau_only.pk])).status_code
        == 404
    )
    assert client.get(reverse("remediation:penalty_detail", args=[theirs.pk])).status_code == 200
    # It may not decide in the bureau's name, nor about an entity outside its care.
    response = client.post(
        reverse("remediation:penalty_create"),
        {**_form(draft_data(firm, department="amr")), **_rows([fine(100)])},
    )
    assert response.status_code == 400
    assert not PenaltyDecision.objects.filter(party_name=firm.name, department=market).exists()


# --------------------------------------------------------------------------- list


def test_the_list_filters_and_puts_overdue_publication_first(officer, firm):
    with at(dt.date(2025, 9, 1)):
        late = make_recorded(
            officer,
            None,
            party_kind="natural_person",
            party_name="钱某",
            party_id=PERSON_ID,
            decided_on=dt.date(2025, 8, 20),
            discovered_on=dt.date(2025, 8, 10),
            violation_on=dt.date(2025, 8, 1),
        )
    published = make_recorded(officer, firm)
    lighter = make_recorded(
        officer,
        firm,
        leniency="lighter",
        leniency_grounds=["art32_harm_removed"],
        leniency_facts="主动消除危害后果。",
        measures=[fine(500)],
    )
    client = client_for(officer)
    page = client.get(reverse("remediation:penalty_list"))
    numbers = re.findall(r"<strong class=\"pen-number\">(.+?)</strong>", page.content.decode())
    assert numbers[0] == late.number  # due 2025-09-17: overdue
    assert 'data-testid="overdue-count"' in page.content.decode()
    only = client.get(
        reverse("remediation:penalty_list"), {"publication": "overdue"}
    ).content.decode()
    assert late.number in only and published.number not in only
    by_leniency = client.get(
        reverse("remediation:penalty_list"), {"leniency": "lighter"}
    ).content.decode()
    assert lighter.number in by_leniency and published.number not in by_leniency
    search = client.get(reverse("remediation:penalty_list"), {"q": firm.uscc}).content.decode()
    assert published.number in search and late.number not in search
    bad = client.get(reverse("remediation:penalty_list"), {"status": "nonsense"})
    assert bad.status_code == 400


# --------------------------------------------------------------------------- the form


def _form(data: dict) -> dict:
    form = {}
    for key, value in data.items():
        if value is None:
            continue
        if key == "department" or isinstance(value, list):
            form[key] = value
        else:
            form[key] = str(value)
    return form


def _rows(measures: list[dict], extra: int = 3) -> dict:
    rows = {
        "measures-TOTAL_FORMS": str(len(measures) + extra),
        "measures-INITIAL_FORMS": "0",
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "20",
    }
    for i, m in enumerate(measures):
        rows[f"measures-{i}-kind"] = m["kind"]
        rows[f"measures-{i}-amount"] = "" if m["amount"] is None else str(m["amount"])
        rows[f"measures-{i}-months"] = "" if m["months"] is None else str(m["months"])
    return rows


def test_a_decision_is_drafted_recorded_and_shown_with_its_ledger_and_history(officer, firm):
    client = client_for(officer)
    form = client.get(reverse("remediation:penalty_create"))
    assert form.status_code == 200 and 'name="measures-TOTAL_FORMS"' in form.content.decode()
    data = {
        **_form(draft_data(firm, number="双市监处罚〔2025〕88号")),
        **_rows([fine(1200), measure("warning")]),
    }
    response = client.post(reverse("remediation:penalty_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = PenaltyDecision.objects.get(number="双市监处罚〔2025〕88号")
    assert [m.kind for m in decision.measures.all()] == ["fine", "warning"]
    detail = client.get(response["Location"]).content.decode()
    assert "Check and record" in detail and "CNY 0" not in detail
    assert "¥0 – ¥5,000" in detail and "¥1,500" in detail  # the range and the 从轻 band
    recorded = client.post(
        reverse("remediation:penalty_record", args=[decision.pk]), {"version": 1}
    )
    assert recorded.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "recorded"
    detail = client.get(reverse("remediation:penalty_detail", args=[decision.pk])).content.decode()
    assert 'data-testid="ledger"' in detail and "Administrative penalty" in detail
    assert "Penalty decision recorded" in detail and "Penalty decision draft saved" in detail
    assert "3 years" in detail  # a warning alongside the fine: the literal reading of art. 13
    assert "2025-10-30" in detail  # publication due, 20 WD after the decision


def test_a_refused_recording_names_each_reason_and_writes_nothing(officer, firm):
    draft = make_draft(officer, firm, measures=[fine(9000)], decided_on=dt.date(2025, 10, 20))
    response = client_for(officer).post(
        reverse("remediation:penalty_record", args=[draft.pk]), {"version": draft.version}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The decision date 2025-10-20 is in the future." in body
    assert "outside the statutory range of CNY 0 to 5,000" in body
    assert PenaltyDecision.objects.get(pk=draft.pk).status == "draft"


def test_recording_with_a_stale_version_is_a_409(officer, firm):
    draft = make_draft(officer, firm)
    response = client_for(officer).post(
        reverse("remediation:penalty_record", args=[draft.pk]), {"version": 7}
    )
    assert response.status_code == 409
    assert "Someone else changed decision" in response.content.decode()


def test_the_form_refuses_bad_input_with_every_error(officer, firm):
    data = {**_form(draft_data(firm, discovered_on=dt.date(2025, 7, 1), number="")), **_rows([])}
    response = client_for(officer).post(reverse("remediation:penalty_create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body  # the number
    assert "before it happened" in body  # the service's check of the fields that passed
    assert not PenaltyDecision.objects.exists()


def test_a_draft_is_edited_and_a_recorded_one_is_not(officer, firm):
    draft = make_draft(officer, firm, measures=[fine(100)])
    client = client_for(officer)
    page = client.get(reverse("remediation:penalty_edit", args=[draft.pk])).content.decode()
    assert draft.number in page and 'value="100.00"' in page
    data = {**_form(draft_data(firm, number=draft.number, facts="补正后的事实")), "version": "1"}
    data.update(_rows([fine(300)]))
    assert (
        client.post(reverse("remediation:penalty_edit", args=[draft.pk]), data).status_code == 302
    )
    draft.refresh_from_db()
    assert (draft.facts, draft.version) == ("补正后的事实", 2)
    stale = client.post(reverse("remediation:penalty_edit", args=[draft.pk]), data)
    assert stale.status_code == 409
    recorded = make_recorded(officer, firm)
    assert client.get(reverse("remediation:penalty_edit", args=[recorded.pk])).status_code == 302


# --------------------------------------------------------------------------- withdrawal


def test_withdrawal_takes_the_penalty_off_the_public_profile_and_api(officer, firm):
    decision = make_recorded(officer, firm, measures=[fine(2000)])
    public = client_for(None)
    profile = reverse("public:profile", args=[firm.uscc])
    api = reverse("enterprises-api:public-enterprise-detail", args=[firm.uscc])
    assert decision.number in public.get(profile).content.decode()
    assert [p["document_number"] for p in public.get(api).json()["penalties"]] == [decision.number]
    client = client_for(officer)
    form = client.get(reverse("remediation:penalty_withdraw", args=[decision.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("remediation:penalty_withdraw", args=[decision.pk]),
        {"version": decision.version, "withdrawal": "void", "withdrawal_reason": "确认无效。"},
    )
    assert response.status_code == 302
    assert CreditRecord.objects.filter(
        kind=PENALTY_WITHDRAWAL, closes=decision.credit_record
    ).exists()
    assert decision.number not in public.get(profile).content.decode()
    assert public.get(api).json()["penalties"] == []
    detail = client.get(reverse("remediation:penalty_detail", args=[decision.pk])).content.decode()
    assert "Decision found unlawful or void" in detail and "Penalty decision withdrawn" in detail


def test_a_withdrawal_without_reason_is_refused(officer, firm):
    decision = make_recorded(officer, firm)
    response = client_for(officer).post(
        reverse("remediation:penalty_withdraw", args=[decision.pk]),
        {"version": decision.version, "withdrawal": "void", "withdrawal_reason": ""},
    )
    assert response.status_code == 400
    assert PenaltyDecision.objects.get(pk=decision.pk).status == "recorded"


def test_publication_and_push_of_an_outside_party(officer):
    from tests.enterprises.factories import make_uscc

    decision = make_recorded(
        officer,
        None,
        party_kind="organisation",
        party_name="武汉某公司",
        party_code=make_uscc(8, division="420100"),
        measures=[fine(1000)],
    )
    client = client_for(officer)
    detail = client.get(reverse("remediation:penalty_detail", args=[decision.pk])).content.decode()
    assert "Record the push" in detail and "Record the publication" not in detail
    response = client.post(
        reverse("remediation:penalty_push", args=[decision.pk]),
        {"version": decision.version, "pushed_on": "2025-10-10"},
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    response = client.post(
        reverse("remediation:penalty_publish", args=[decision.pk]),
        {"version": decision.version, "published_on": "2025-10-14"},
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.pushed_on, decision.published_on) == (
        dt.date(2025, 10, 10),
        dt.date(2025, 10, 14),
    )


# --------------------------------------------------------------------------- documents


def test_the_penalty_decision_document(officer, firm):
    decision = make_recorded(
        officer,
        firm,
        number="双市监处罚〔2025〕66号",
        measures=[fine(3000), measure("confiscate_gains", 800)],
    )
    response = client_for(officer).get(reverse("remediation:penalty_document", args=[decision.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content).replace(" ", "").replace("\n", "")
    for words in (
        "行政处罚决定书",
        "双市监处罚〔2025〕66号",
        "成都蓉城餐饮有限公司",
        "罚款人民币3,000元",
        "没收违法所得人民币800元",
        "国家企业信用信息公示系统",
        "公示期为三年",
        "六十日内",
        "六个月内",
        "十五日内",
    ):
        assert words.replace(" ", "") in text, words


def test_the_decision_not_to_penalise_document(officer, firm):
    from remediation.services.penalties import penalty_draft_save, penalty_record

    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    decision = penalty_record(actor=officer, decision=draft, expected_version=draft.version)
    response = client_for(member(firm)).get(
        reverse("me-remediation:penalty_document", args=[decision.pk])
    )
    assert response.status_code == 200
    text = text_of(response.content).replace(" ", "").replace("\n", "")
    for words in (
        "不予行政处罚决定书",
        "第三十三条第一款",
        "首违不罚",
        "第三十三条第三款",
        "不予行政处罚",
        "六十日内",
    ):
        assert words in text, words
    assert "公示期为" not in text


def test_a_draft_has_no_document(officer, firm):
    draft = make_draft(officer, firm)
    assert (
        client_for(officer)
        .get(reverse("remediation:penalty_document", args=[draft.pk]))
        .status_code
        == 404
    )


# --------------------------------------------------------------------------- self-service


def test_the_enterprise_sees_what_is_public_until_when_and_the_next_step(officer, firm):
    public = make_recorded(officer, firm, measures=[fine(1000)])
    no_penalty = penalty_first(officer, firm)
    page = client_for(member(firm)).get(reverse("me-remediation:penalties")).content.decode()
    assert public.number in page and no_penalty.number in page
    assert "2026-01-14" in page  # public until, 3 months
    assert "Public now" in page and "Not published" in page
    assert "admonition letter" in page


def penalty_first(officer, firm):
    from remediation.services.penalties import penalty_draft_save, penalty_record

    draft = penalty_draft_save(
        actor=officer, data=first_violation_data(firm, number="双市监不罚〔2025〕3号"), measures=[]
    )
    return penalty_record(actor=officer, decision=draft, expected_version=draft.version)


def test_navigation_shows_the_pages_to_whom_may_use_them(officer, firm):
    staff_page = client_for(officer).get(reverse("remediation:penalty_list")).content.decode()
    assert f'href="{reverse("remediation:penalty_list")}"' in staff_page
    member_page = client_for(member(firm)).get(reverse("me:home")).content.decode()
    assert f'href="{reverse("me-remediation:penalties")}"' in member_page
    assert f'href="{reverse("remediation:penalty_list")}"' not in member_page


WRITE_PAGES = [
    ("remediation:penalty_edit", "draft", "get"),
    ("remediation:penalty_record", "draft", "post"),
    ("remediation:penalty_withdraw", "recorded", "get"),
    ("remediation:penalty_withdraw", "recorded", "post"),
    ("remediation:penalty_publish", "outside", "get"),
    ("remediation:penalty_push", "outside", "post"),
]


@pytest.mark.parametrize(("name", "which", "method"), WRITE_PAGES)
def test_every_page_about_a_decision_checks_login_codenames_and_reach(
    officer, firm, name, which, method
):
    from tests.enterprises.factories import make_uscc

    decisions = {
        "draft": make_draft(officer, firm),
        "recorded": make_recorded(officer, firm),
        "outside": make_recorded(
            officer,
            None,
            party_kind="organisation",
            party_name="武汉某公司",
            party_code=make_uscc(8, division="420100"),
        ),
    }
    target = reverse(name, args=[decisions[which].pk])

    def call(user):
        client = client_for(user)
        return client.get(target) if method == "get" else client.post(target, {"version": 1})

    anonymous = call(None)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert call(staff(Role.INSPECTOR)).status_code == 403  # sees it, may not do it
    assert call(staff(Role.REGISTRAR)).status_code == 404  # may not see decisions at all
    assert call(member(EnterpriseFactory())).status_code == 404  # another enterprise's
    health = DepartmentFactory(code="health", name="区卫生健康局")
    assert call(staff(department=health)).status_code == 404  # another department's case
    before = {d.pk: (d.status, d.version) for d in PenaltyDecision.objects.all()}
    assert before == {d.pk: (d.status, d.version) for d in decisions.values()}


# --------------------------------------------------------------------------- jurisdiction: writes


def test_a_partner_department_can_do_nothing_with_a_bureau_case(officer):
    from tests.enterprises.factories import make_uscc

    health = DepartmentFactory(code="health", name="区卫生健康局")
    partner = staff(department=health, username="partner")
    their_firm = EnterpriseFactory(department=health)  # an entity in the partner's care
    draft = make_draft(officer, their_firm)
    recorded = make_recorded(officer, their_firm)
    pushed = make_recorded(
        officer,
        None,
        party_kind="organisation",
        party_name="武汉某公司",
        party_code=make_uscc(8, division="420100"),
    )
    before = {d.pk: (d.status, d.version) for d in PenaltyDecision.objects.all()}
    client = client_for(partner)
    assert client.get(reverse("remediation:penalty_edit", args=[draft.pk])).status_code == 404
    edit = {**_form(draft_data(their_firm, number=draft.number, department="health"))}
    posts = [
        ("remediation:penalty_edit", draft, {**edit, **_rows([fine(10)]), "version": 1}),
        ("remediation:penalty_record", draft, {"version": 1}),
        (
            "remediation:penalty_withdraw",
            recorded,
            {"version": 2, "withdrawal": "revoked", "withdrawal_reason": "撤销。"},
        ),
        ("remediation:penalty_push", pushed, {"version": 2, "pushed_on": "2025-10-10"}),
        ("remediation:penalty_publish", pushed, {"version": 2, "published_on": "2025-10-14"}),
    ]
    for name, decision, data in posts:
        assert client.post(reverse(name, args=[decision.pk]), data).status_code == 404, name
    assert {d.pk: (d.status, d.version) for d in PenaltyDecision.objects.all()} == before


# --------------------------------------------------------------------------- publicity ended


def _close(decision, kind, on):
    from enterprises.services.ledger import credit_record_append

    return credit_record_append(
        enterprise=decision.enterprise,
        kind=kind,
        occurred_on=on,
        summary="停止公示",
        actor=None,
        closes=decision.credit_record,
    )


def test_a_repaired_or_expired_penalty_is_not_shown_as_public(officer, firm):
    from remediation.kinds import PUBLICITY_EXPIRED, REPAIR

    with at(dt.date(2025, 6, 2)):
        expired = make_recorded(
            officer,
            firm,
            decided_on=dt.date(2025, 6, 2),
            violation_on=dt.date(2025, 5, 1),
            discovered_on=dt.date(2025, 5, 20),
        )
    assert expired.publicity_end == dt.date(2025, 9, 1)
    repaired = make_recorded(officer, firm, measures=[fine(3000), measure("confiscate_gains", 10)])
    public = make_recorded(officer, firm)
    _close(expired, PUBLICITY_EXPIRED, dt.date(2025, 9, 2))
    _close(repaired, REPAIR, dt.date(2025, 10, 14))
    client = client_for(officer)
    listing = client.get(reverse("remediation:penalty_list")).content.decode()
    assert "Publicity ended early by credit repair (2025-10-14)" in listing
    assert "Publicity ended (2025-09-02)" in listing
    assert listing.count('badge badge--ok">Public</span>') == 1  # `public` only
    detail = client.get(reverse("remediation:penalty_detail", args=[repaired.pk])).content.decode()
    assert (
        'data-testid="publication">Publicity ended early by credit repair (2025-10-14)</span>'
        in detail
    )
    assert public.number in listing


# --------------------------------------------------------------------------- publication due


def test_a_draft_past_its_publication_due_is_overdue_and_a_late_recording_is_shown(officer, firm):
    draft = make_draft(officer, firm, decided_on=dt.date(2025, 9, 1))
    on_time = make_recorded(officer, EnterpriseFactory())
    client = client_for(officer)
    page = client.get(reverse("remediation:penalty_list")).content.decode()
    numbers = re.findall(r"<strong class=\"pen-number\">(.+?)</strong>", page)
    assert numbers[0] == draft.number and on_time.number in numbers
    assert "publication overdue (due 2025-09-28)" in page
    assert 'data-testid="overdue-count">1 publication overdue' in page
    overdue = client.get(reverse("remediation:penalty_list"), {"publication": "overdue"})
    assert draft.number in overdue.content.decode()
    response = client.post(reverse("remediation:penalty_record", args=[draft.pk]), {"version": 1})
    assert response.status_code == 302
    detail = client.get(reverse("remediation:penalty_detail", args=[draft.pk])).content.decode()
    assert 'data-testid="published-late">8 working days late' in detail
    assert "Published 8 working days after its due date." in detail


# --------------------------------------------------------------------------- nits


def test_a_deregistered_entity_is_not_penalised_with_an_education_letter(officer):
    from enterprises.models import Enterprise

    gone = EnterpriseFactory(status=Enterprise.Status.DEREGISTERED)
    decision = penalty_first(officer, gone)
    detail = client_for(officer).get(reverse("remediation:penalty_detail", args=[decision.pk]))
    assert "No admonition letter: the market entity is deregistered" in detail.content.decode()


def test_the_self_service_page_does_not_hide_a_broken_repair_rule(officer, firm, monkeypatch):
    from remediation import rules

    make_recorded(officer, firm, measures=[fine(3000), measure("confiscate_gains", 10)])

    def broken(**kwargs):
        raise KeyError("penalty_publicity")

    monkeypatch.setattr(rules, "penalty_repair_eligibility", broken)
    with pytest.raises(KeyError):
        client_for(member(firm)).get(reverse("me-remediation:penalties"))


def test_the_look_back_shows_a_ledger_penalty_to_check(officer, firm):
    from enterprises.services.ledger import credit_record_append
    from remediation.services.penalties import penalty_draft_save

    credit_record_append(
        enterprise=firm,
        kind="penalty",
        occurred_on=dt.date(2024, 11, 20),
        summary="历史处罚",
        actor=None,
        authority="区卫生健康局",
        document_number="双卫罚〔2024〕88号",
    )
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    client = client_for(officer)
    detail = client.get(reverse("remediation:penalty_detail", args=[draft.pk])).content.decode()
    lookback = detail[detail.index('data-testid="lookback"') :]
    assert (
        "双卫罚〔2024〕88号 · Administrative penalty of 2024-11-20 in the credit ledger" in lookback
    )
    assert "type of violation not recorded: check it" in lookback
    form = client.get(reverse("remediation:penalty_edit", args=[draft.pk])).content.decode()
    assert "双卫罚〔2024〕88号" in form and "type of violation not recorded" in form
    refused = client.post(reverse("remediation:penalty_record", args=[draft.pk]), {"version": 1})
    assert refused.status_code == 400
    assert "Check the party&#x27;s earlier penalty first" in refused.content.decode()
