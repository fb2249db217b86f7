"""Defects a tester found in the penalty decisions (issue 14), each with the rule that now
holds: the statutory range is the catalogue's; the repair next step follows the repair rule;
decision numbers are unique against the credit ledger; the ledger's earlier penalties show on
/me/penalties/; impossible dates; the limits of the simple procedure; a withdrawal cancels the
education letters not served; months only on penalties that last; and the pages' nits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from enterprises.services.ledger import credit_record_append
from remediation.audit_events import PENALTY_WITHDRAWN
from remediation.models import PenaltyDecision, SoftAction, ViolationType
from remediation.services.penalties import (
    penalty_draft_save,
    penalty_record,
    penalty_withdraw,
)
from remediation.services.soft_actions import soft_action_approve, soft_action_serve
from tests.enterprises.factories import EnterpriseFactory, make_uscc
from tests.remediation.factories_penalties import (
    PERSON_ID,
    TODAY,
    api,
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
def _clock_and_language():
    with at(TODAY), translation.override("en"):
        yield


@pytest.fixture
def officer():
    catalogue()
    return staff(username="officer")


@pytest.fixture
def firm():
    return EnterpriseFactory(name="成都蓉城餐饮有限公司")


def refusal(exc: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(str(m) for m in exc.value.message_dict.get(field, []))


def record(officer, decision: PenaltyDecision) -> PenaltyDecision:
    return penalty_record(actor=officer, decision=decision, expected_version=decision.version)


# --------------------------------------------------------------------------- 1. the range


def test_a_range_other_than_the_catalogues_is_refused(officer, firm):
    """price_marking: CNY 0 to 5,000 in the catalogue. "No range" or a narrower range would
    move the 从轻 band (or remove it): both are refused, naming the catalogue's range."""
    for over in (
        {"range_kind": "none"},
        {"range_kind": "amount", "range_min": "0", "range_max": "1000"},
        {"range_kind": "multiple", "range_min": "0", "range_max": "5", "base_kind": "goods_value"},
    ):
        with pytest.raises(ValidationError) as exc:
            make_draft(officer, firm, measures=[fine(1000)], **over)
        message = refusal(exc, "range_kind")
        assert "The statutory range comes from the catalogue of violation types" in message
        assert "CNY 0 to 5,000" in message and "an administrator corrects the catalogue" in message
    # The catalogue's own range, given or left out, is accepted.
    same = make_draft(officer, firm, range_kind="amount", range_min="0", range_max="5000")
    left_out = make_draft(officer, firm)
    for draft in (same, left_out):
        assert (draft.range_kind, draft.range_min, draft.range_max) == (
            "amount",
            Decimal("0.00"),
            Decimal("5000.00"),
        )


def test_the_lighter_band_cannot_be_bypassed_at_recording(officer, firm):
    """A draft that carries another range (saved before the rule, or the catalogue changed
    since) is refused when it is recorded: the 从轻 band is the catalogue's."""
    draft = make_draft(
        officer,
        firm,
        leniency="lighter",
        leniency_grounds=["art32_harm_removed"],
        leniency_facts="主动改正。",
        measures=[fine(3000)],
    )
    PenaltyDecision.objects.filter(pk=draft.pk).update(range_kind="none", range_max=None)
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        record(officer, draft)
    assert "comes from the catalogue" in refusal(exc, "range_kind")


def test_a_type_without_a_range_lets_the_officer_enter_one(officer, firm):
    vtype = ViolationType.objects.create(code="no_range", name="无幅度违法行为")
    draft = make_draft(
        officer,
        firm,
        violation_type=vtype.code,
        range_kind="amount",
        range_min="1000",
        range_max="11000",
        leniency="lighter",
        leniency_grounds=["art32_harm_removed"],
        leniency_facts="主动消除危害后果。",
        measures=[fine(5000)],
    )
    assert (draft.range_kind, draft.range_max) == ("amount", Decimal("11000.00"))
    form = client_for(officer).get(reverse("remediation:penalty_edit", args=[draft.pk]))
    assert 'name="range_kind"' in form.content.decode()
    assert 'data-testid="range-fixed"' not in form.content.decode()
    with pytest.raises(ValidationError) as exc:
        record(officer, draft)  # 从轻: CNY 1,000 to 4,000
    assert "lowest 30 %" in refusal(exc, "measures")


def test_the_form_shows_the_catalogues_range_read_only(officer, firm):
    draft = make_draft(officer, firm)
    client = client_for(officer)
    page = client.get(reverse("remediation:penalty_edit", args=[draft.pk])).content.decode()
    fixed = page[page.index('data-testid="range-fixed"') :]
    assert "CNY 0 to 5,000" in fixed[:600]
    assert 'name="range_kind"' not in page and 'name="range_max"' not in page
    # A new form lists the catalogue's ranges; a range typed for a type that has one is refused.
    new = client.get(reverse("remediation:penalty_create")).content.decode()
    assert 'data-testid="catalogue-ranges"' in new
    data = draft_data(firm, number="双市监处罚〔2025〕901号", range_kind="none")
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    data["department"] = "amr"
    data.update({"measures-TOTAL_FORMS": "1", "measures-INITIAL_FORMS": "0"})
    data.update({"measures-0-kind": "fine", "measures-0-amount": "1000"})
    response = client.post(reverse("remediation:penalty_create"), data)
    assert response.status_code == 400
    assert "The statutory range comes from the catalogue" in response.content.decode()
    assert not PenaltyDecision.objects.filter(number="双市监处罚〔2025〕901号").exists()


def test_the_api_takes_the_new_types_range_when_the_type_changes(officer, firm):
    draft = make_draft(officer, firm)
    url = reverse("remediation-api:penalty-detail", args=[draft.pk])
    response = api(officer).patch(
        url, {"version": draft.version, "violation_type": "unlicensed_business"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["range_max"] == "10000.00"
    refused = api(officer).patch(
        url, {"version": draft.version + 1, "range_kind": "none"}, format="json"
    )
    assert refused.status_code == 400
    assert "comes from the catalogue" in str(refused.json())


# --------------------------------------------------------------------------- 2. repair step


def test_a_three_month_term_is_not_offered_for_repair(officer, firm):
    """A lower-amount fine alone is public 3 months: its term ends before an early repair could
    (6 months), as /me/repairs/ says; /me/penalties/ and the staff detail say the same."""
    short = make_recorded(officer, firm, measures=[fine(1000)])
    long = make_recorded(officer, firm, measures=[fine(3000), measure("confiscate_gains", 10)])
    page = client_for(member(firm)).get(reverse("me-remediation:penalties")).content.decode()
    step = page[page.index(f'data-testid="next-step-{short.pk}"') :][:800]
    assert "ends by itself" in step and "nothing to repair" in step
    assert "you may apply for credit repair from" not in step
    assert f'data-testid="repair-{short.pk}"' not in page
    assert f'data-testid="apply-{short.pk}"' not in page
    # A 3-year term: repair possible after 6 months of publicity.
    step = page[page.index(f'data-testid="next-step-{long.pk}"') :][:800]
    assert "you may apply for credit repair from 2026-04-15" in step
    assert f'data-testid="repair-{long.pk}"' in page
    staff_page = client_for(officer).get(reverse("remediation:penalty_detail", args=[short.pk]))
    text = staff_page.content.decode()
    repair = text[text.index('data-testid="repair-step"') :][:600]
    assert "ends by itself" in repair


# --------------------------------------------------------------------------- 3. numbers


def test_a_number_used_in_the_credit_ledger_is_refused(officer, firm):
    other = EnterpriseFactory(name="成都历史数据有限公司")
    credit_record_append(
        enterprise=other,
        kind="penalty",
        occurred_on=dt.date(2023, 5, 6),
        summary="历史处罚",
        actor=None,
        authority="区市场监督管理局",
        document_number="双市监处罚〔2023〕7号",
    )
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, firm, number="双市监处罚〔2023〕7号")
    message = refusal(exc, "number")
    assert "already used by a record in the credit ledger of 成都历史数据有限公司" in message
    assert "2023-05-06" in message
    # A ledger record written after the draft was saved: refused when it is recorded.
    draft = make_draft(officer, firm, number="双市监处罚〔2025〕77号")
    credit_record_append(
        enterprise=other,
        kind="no_penalty",
        occurred_on=dt.date(2025, 3, 1),
        summary="不予处罚",
        actor=None,
        document_number="双市监处罚〔2025〕77号",
    )
    with pytest.raises(ValidationError) as exc:
        record(officer, draft)
    assert "credit ledger of 成都历史数据有限公司" in refusal(exc, "number")
    # The decision's own ledger record is not another use of its number.
    ok = make_recorded(officer, firm, number="双市监处罚〔2025〕78号")
    assert ok.status == "recorded"


# --------------------------------------------------------------------------- 4. ledger history


def test_ledger_penalties_without_a_decision_show_on_the_self_service_page(officer, firm):
    record_ = credit_record_append(
        enterprise=firm,
        kind="penalty",
        occurred_on=dt.date(2025, 6, 3),
        summary="销售过期食品，罚款人民币5000元，没收违法所得",
        actor=None,
        is_public=True,
        publicity_start=dt.date(2025, 6, 10),
        publicity_end=dt.date(2028, 6, 9),
        authority="区市场监督管理局",
        document_number="双市监处罚〔2025〕3号",
        details={"measures": ["fine", "confiscate_gains"]},
    )
    decided = make_recorded(officer, firm)
    page = client_for(member(firm)).get(reverse("me-remediation:penalties")).content.decode()
    section = page[page.index("Earlier penalties in your credit records") :]
    assert 'data-testid="earlier-penalties"' in section
    assert f'data-record="{record_.pk}"' in section
    assert "双市监处罚〔2025〕3号" in section and "销售过期食品" in section
    assert "2028-06-09" in section
    assert "you may apply for credit repair from 2025-12-10" in section
    assert decided.number not in section  # decisions stay in their own list
    staff_list = client_for(officer).get(reverse("remediation:penalty_list")).content.decode()
    assert (
        "Penalties recorded in the credit ledger before online case handling are listed on "
        "each entity's page." in staff_list
    )


# --------------------------------------------------------------------------- 5. dates


def test_impossible_dates_are_refused(officer):
    young = EnterpriseFactory(registered_on=dt.date(2021, 3, 1), name="成都新设有限公司")
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, young, decided_on=dt.date(1900, 1, 1))
    assert "dates before 1949-10-01 are not accepted" in refusal(exc, "decided_on")
    with pytest.raises(ValidationError) as exc:
        make_draft(
            officer,
            young,
            decided_on=dt.date(2020, 12, 1),
            violation_on=dt.date(2020, 6, 1),
            discovered_on=dt.date(2020, 7, 1),
        )
    assert "成都新设有限公司 was registered on 2021-03-01" in refusal(exc, "decided_on")
    with pytest.raises(ValidationError) as exc:
        penalty_draft_save(
            actor=officer,
            data=first_violation_data(young, corrected_on=dt.date(2019, 1, 1)),
            measures=[],
        )
    assert "cannot have been corrected (2019-01-01) before it happened" in refusal(
        exc, "corrected_on"
    )
    with pytest.raises(ValidationError) as exc:
        penalty_draft_save(
            actor=officer,
            data=first_violation_data(young, corrected_on=dt.date(2025, 10, 1)),
            measures=[],
        )
    assert "dated after the decision (2025-09-26)" in refusal(exc, "corrected_on")
    # A natural person before 1949: refused too.
    with pytest.raises(ValidationError) as exc:
        make_draft(
            officer,
            None,
            party_kind="natural_person",
            party_name="张三",
            party_id=PERSON_ID,
            violation_on=dt.date(1930, 1, 1),
        )
    assert "1930-01-01 is not a possible date" in refusal(exc, "violation_on")


def test_impossible_dates_of_an_older_draft_are_refused_at_recording(officer):
    young = EnterpriseFactory(registered_on=dt.date(2021, 3, 1), name="成都新设有限公司")
    draft = penalty_draft_save(actor=officer, data=first_violation_data(young), measures=[])
    PenaltyDecision.objects.filter(pk=draft.pk).update(
        decided_on=dt.date(1900, 1, 1), corrected_on=dt.date(2010, 1, 1)
    )
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        record(officer, draft)
    assert "dates before 1949-10-01" in refusal(exc, "decided_on")
    assert "before it happened" in refusal(exc, "corrected_on")


# --------------------------------------------------------------------------- 6. simple procedure


def test_the_simple_procedure_has_the_limits_of_art_51(officer, firm):
    def simple(party=firm, **over):
        return make_draft(officer, party, procedure="simple", **over)

    person = {
        "party_kind": "natural_person",
        "party_name": "张三",
        "party_id": PERSON_ID,
    }
    refused = [
        (simple(None, measures=[fine(201)], **person), "at most CNY 200 on a natural person"),
        (simple(measures=[fine(3001)]), "at most CNY 3,000 on an organisation"),
        (simple(measures=[measure("confiscate_gains", 10)]), "Confiscation of illegal gains"),
        (simple(measures=[measure("warning"), fine(100)]), "cannot be decided on the spot"),
    ]
    for draft, words in refused:
        with pytest.raises(ValidationError) as exc:
            record(officer, draft)
        message = refusal(exc, "procedure")
        assert words in message and "第五十一条" in message, message
    for draft in (
        simple(None, measures=[fine(200)], **person),
        simple(measures=[fine(3000)]),
        simple(measures=[measure("warning")]),
    ):
        recorded = record(officer, draft)
        assert recorded.status == "recorded" and recorded.publicity_term == ""


# --------------------------------------------------------------------------- 7. education


def _no_penalty(officer, firm, number: str) -> PenaltyDecision:
    draft = penalty_draft_save(
        actor=officer, data=first_violation_data(firm, number=number), measures=[]
    )
    return record(officer, draft)


def test_withdrawing_a_no_penalty_decision_cancels_its_letter_not_served(officer, firm):
    decision = _no_penalty(officer, firm, "双市监不罚〔2025〕11号")
    [letter] = SoftAction.objects.filter(penalty=decision)
    assert letter.status == "draft"
    penalty_withdraw(
        actor=officer,
        decision=decision,
        withdrawal="revoked",
        reason="复议撤销。",
        expected_version=decision.version,
    )
    letter.refresh_from_db()
    assert letter.status == "cancelled"
    event = AuditEvent.objects.filter(event_type=PENALTY_WITHDRAWN).latest("id")
    assert event.extra["education_cancelled"] == [letter.pk]


def test_a_served_letter_stays_when_its_decision_is_withdrawn(officer, firm):
    other = EnterpriseFactory(uscc=make_uscc(77))
    decision = _no_penalty(officer, other, "双市监不罚〔2025〕12号")
    [letter] = SoftAction.objects.filter(penalty=decision)
    chief = staff(Role.SUPERVISOR, username="chief")
    letter = soft_action_approve(actor=chief, action=letter, expected_version=letter.version)
    letter = soft_action_serve(
        actor=officer,
        action=letter,
        served_on=TODAY,
        method=SoftAction.ServiceMethod.DIRECT,
        receipt_signed_by="张三",
        expected_version=letter.version,
    )
    decision.refresh_from_db()
    penalty_withdraw(
        actor=officer,
        decision=decision,
        withdrawal="revoked",
        reason="复议撤销。",
        expected_version=decision.version,
    )
    letter.refresh_from_db()
    assert letter.status == "served"
    page = client_for(officer).get(reverse("remediation:penalty_detail", args=[decision.pk]))
    assert 'data-testid="education-kept"' in page.content.decode()
    assert "Served before the decision was withdrawn" in page.content.decode()


# --------------------------------------------------------------------------- 8. months


def test_months_only_on_penalties_that_last(officer, firm):
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, firm, measures=[fine(1000) | {"months": 24}])
    assert "Penalty 1 (Fine) does not last for a time" in refusal(exc, "measures")
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, firm, measures=[measure("warning", months=3)])
    assert "does not last for a time" in refusal(exc, "measures")
    # An older draft with months on a fine: refused at recording.
    draft = make_draft(officer, firm, measures=[fine(1000)])
    draft.measures.update(months=24)
    with pytest.raises(ValidationError) as exc:
        record(officer, draft)
    assert "does not last for a time" in refusal(exc, "measures")
    ok = make_draft(
        officer,
        firm,
        measures=[
            fine(3000),
            measure("licence_suspension", months=2),
            measure("stop_business", months=1),
        ],
    )
    assert sorted(m.months for m in ok.measures.all() if m.months) == [1, 2]
    ban = make_draft(officer, firm, measures=[fine(3000), measure("ban")])
    with pytest.raises(ValidationError) as exc:
        record(officer, ban)
    assert "enter its duration in months" in refusal(exc, "measures")


# --------------------------------------------------------------------------- 9. pages


def test_no_empty_checks_box_for_a_decision_without_checks(officer, firm):
    decision = make_recorded(officer, firm)
    PenaltyDecision.objects.filter(pk=decision.pk).update(checks={"demo_year": 2025})
    page = client_for(officer).get(reverse("remediation:penalty_detail", args=[decision.pk]))
    assert 'data-testid="checks"' not in page.content.decode()
    checked = make_recorded(officer, firm)
    page = client_for(officer).get(reverse("remediation:penalty_detail", args=[checked.pk]))
    assert 'data-testid="checks"' in page.content.decode()


def test_the_withdraw_form_is_offered_for_recorded_decisions_only(officer, firm):
    client = client_for(officer)
    draft = make_draft(officer, firm)
    response = client.get(reverse("remediation:penalty_withdraw", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("remediation:penalty_detail", args=[draft.pk])
    decision = make_recorded(officer, firm)
    assert (
        client.get(reverse("remediation:penalty_withdraw", args=[decision.pk])).status_code == 200
    )
    penalty_withdraw(
        actor=officer,
        decision=decision,
        withdrawal="void",
        reason="确认无效。",
        expected_version=decision.version,
    )
    response = client.get(reverse("remediation:penalty_withdraw", args=[decision.pk]))
    assert response.status_code == 302
    followed = client.get(response["Location"]).content.decode()
    assert "is already withdrawn" in followed


def test_a_withdrawn_decision_shows_its_withdrawal_not_its_publicity(officer, firm):
    decision = make_recorded(officer, firm, measures=[fine(3000), measure("confiscate_gains", 10)])
    client = client_for(officer)
    before = client.get(reverse("remediation:penalty_detail", args=[decision.pk])).content.decode()
    notice = reverse("remediation:repair_notice", args=[decision.pk])
    assert notice in before and 'data-testid="public-until"' in before
    penalty_withdraw(
        actor=officer,
        decision=decision,
        withdrawal="revoked",
        reason="复议撤销",
        expected_version=decision.version,
    )
    after = client.get(reverse("remediation:penalty_detail", args=[decision.pk])).content.decode()
    assert notice not in after and 'data-testid="public-until"' not in after
    assert "Decision revoked" in after
    mine = client_for(member(firm)).get(reverse("me-remediation:penalties")).content.decode()
    assert f'data-testid="public-until-{decision.pk}"' not in mine
    assert "Decision revoked: 复议撤销" in mine and "Decision revoked：" not in mine
    line = mine[mine.index(f'data-testid="line-{decision.pk}"') :][:200]
    assert "Prices not marked as required: Fine ¥3,000; Confiscation of illegal gains" in line


def test_a_get_to_the_record_address_goes_back_to_the_decision(officer, firm):
    draft = make_draft(officer, firm)
    response = client_for(officer).get(reverse("remediation:penalty_record", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("remediation:penalty_detail", args=[draft.pk])


def test_violation_types_show_their_english_name_in_english(officer, firm):
    decision = make_recorded(officer, firm)
    english = "Prices not marked as required"
    client = client_for(officer)
    for url in (
        reverse("remediation:penalty_list"),
        reverse("remediation:penalty_detail", args=[decision.pk]),
        reverse("remediation:penalty_create"),
    ):
        page = client.get(url).content.decode()
        assert english in page, url
    assert (
        english
        in client_for(member(firm)).get(reverse("me-remediation:penalties")).content.decode()
    )
    body = api(officer).get(reverse("remediation-api:penalty-detail", args=[decision.pk])).json()
    assert body["violation_type"]["display_name"] == english
    assert body["violation_type"]["name"] == "不按规定明码标价"
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(officer)
    page = chinese.get(reverse("remediation:penalty_detail", args=[decision.pk])).content.decode()
    assert "不按规定明码标价" in page and english not in page
