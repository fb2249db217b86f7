"""The penalty services: drafts, every refusal of `penalty_record` with its message, the
first-violation look-back, limitation, ranges and bands, publicity and the ledger, decisions
not to penalise and their education, outside parties, withdrawal, optimistic locking."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.identity import id_digest
from enterprises.models import CreditRecord, Enterprise
from remediation.audit_events import PENALTY_DRAFT_SAVED, PENALTY_RECORDED, PENALTY_WITHDRAWN
from remediation.kinds import NO_PENALTY, PENALTY, PENALTY_WITHDRAWAL
from remediation.models import LeniencyListItem, PenaltyDecision, SoftAction, ViolationType
from remediation.services.penalties import (
    penalty_draft_save,
    penalty_publish_record,
    penalty_push_record,
    penalty_record,
    penalty_withdraw,
)
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, make_uscc
from tests.remediation.factories_penalties import (
    DECIDED,
    PERSON_ID,
    PERSON_ID_2,
    PUBLICATION_DUE,
    TODAY,
    at,
    catalogue,
    draft_data,
    fine,
    first_violation_data,
    list_item,
    make_draft,
    make_recorded,
    measure,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_and_language():
    with at(TODAY), translation.override("en"):
        yield


@pytest.fixture
def types():
    return catalogue()


@pytest.fixture
def officer(types):
    return staff()


@pytest.fixture
def firm():
    return EnterpriseFactory()


def refusal(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def record(officer, draft):
    return penalty_record(actor=officer, decision=draft, expected_version=draft.version)


def refused(officer, draft) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        record(officer, draft)
    draft.refresh_from_db()
    assert draft.status == PenaltyDecision.Status.DRAFT  # nothing half-written
    assert draft.credit_record_id is None
    return refusal(exc)


# --------------------------------------------------------------------------- drafts


def test_a_draft_is_saved_with_its_penalties_and_audited(officer, firm):
    draft = make_draft(officer, firm, measures=[fine(1200), measure("warning")])
    assert draft.status == "draft" and draft.version == 1
    assert draft.party_name == firm.name and draft.party_code == firm.uscc
    assert [m.kind for m in draft.measures.all()] == ["fine", "warning"]
    # The range comes from the violation type when none is given.
    assert (draft.range_kind, draft.range_max) == ("amount", Decimal("5000.00"))
    event = AuditEvent.objects.get(event_type=PENALTY_DRAFT_SAVED, target_id=str(draft.pk))
    assert event.enterprise_id == firm.pk and event.extra["created"] is True
    assert not CreditRecord.objects.filter(enterprise=firm, kind=PENALTY).exists()


def test_a_draft_change_needs_the_version_read(officer, firm):
    draft = make_draft(officer, firm)
    data = draft_data(firm, number=draft.number, facts="改过的事实")
    changed = penalty_draft_save(
        actor=officer, decision=draft, data=data, measures=[fine(900)], expected_version=1
    )
    assert (changed.version, changed.facts) == (2, "改过的事实")
    with pytest.raises(ConflictError) as exc:
        penalty_draft_save(
            actor=officer, decision=draft, data=data, measures=[fine(800)], expected_version=1
        )
    assert exc.value.current_version == 2
    assert [m.amount for m in PenaltyDecision.objects.get(pk=draft.pk).measures.all()] == [
        Decimal("900.00")
    ]


def test_a_natural_persons_identity_number_is_kept_only_masked_and_as_a_digest(officer):
    draft = make_draft(officer, party_kind="natural_person", party_name="张某", party_id=PERSON_ID)
    assert draft.party_id_masked == "1101**********002X"
    assert draft.party_id_digest == id_digest(PERSON_ID)
    stored = PenaltyDecision.objects.filter(pk=draft.pk).values().get()
    assert all(PERSON_ID not in str(value) for value in stored.values())
    event = AuditEvent.objects.get(event_type=PENALTY_DRAFT_SAVED, target_id=str(draft.pk))
    assert PERSON_ID not in str(event.extra) and draft.party_id_digest not in str(event.extra)


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"discovered_on": dt.date(2025, 7, 1)}, "discovered_on", "before it happened"),
        ({"violation_ended_on": dt.date(2025, 7, 1)}, "violation_ended_on", "before it started"),
        ({"violation_on": dt.date(2025, 10, 16)}, "violation_on", "in the future"),
        ({"number": ""}, "number", "decision number"),
        ({"enterprise_uscc": make_uscc(999)}, "enterprise_uscc", "visible to you"),
        ({"violation_type": "no_such_type"}, "violation_type", "Unknown type"),
        ({"department": "nowhere"}, "department", "own department"),
        ({"public_summary": "张三 11010519491231002X 罚款"}, "public_summary", "identity number"),
    ],
)
def test_a_draft_is_refused_for_impossible_or_unknown_input(officer, firm, over, field, words):
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, firm, **over)
    assert any(words in m for m in refusal(exc)[field]), refusal(exc)
    assert not PenaltyDecision.objects.exists()


def test_an_organisation_registered_elsewhere_is_checked_and_placed_by_its_code(officer, firm):
    bad = make_uscc(5)[:-1] + ("0" if make_uscc(5)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, party_kind="organisation", party_name="外省公司", party_code=bad)
    assert "check character" in " ".join(refusal(exc)["party_code"])
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, party_kind="organisation", party_name="本区公司", party_code=firm.uscc)
    assert "in the register" in " ".join(refusal(exc)["party_code"])
    sichuan = make_draft(
        officer, party_kind="organisation", party_name="成都某公司", party_code=make_uscc(7)
    )
    hubei = make_draft(
        officer,
        party_kind="organisation",
        party_name="武汉某公司",
        party_code=make_uscc(8, division="420100"),
    )
    assert (sichuan.party_other_province, hubei.party_other_province) == (False, True)


# --------------------------------------------------------------------------- recording


def test_recording_a_penalty_publishes_it_on_the_ledger_for_its_term(officer, firm):
    draft = make_draft(officer, firm, measures=[fine(1000)])
    decision = record(officer, draft)
    assert decision.status == "recorded" and decision.version == 2
    assert decision.recorded_on == TODAY and decision.published_on == TODAY
    assert decision.publicity_term == "3m"  # a lower-amount fine alone
    assert decision.publicity_end == dt.date(2026, 1, 14)
    assert (decision.publication_due, decision.publication_due_provisional) == (
        PUBLICATION_DUE,
        False,
    )
    fact = decision.credit_record
    assert fact.kind == PENALTY and fact.enterprise_id == firm.pk
    assert (fact.is_public, fact.publicity_start, fact.publicity_end) == (
        True,
        TODAY,
        dt.date(2026, 1, 14),
    )
    assert (fact.occurred_on, fact.document_number) == (DECIDED, decision.number)
    # The bureau decides under its full name (CREDIT_PORTAL["BUREAU_NAME"]), as its documents,
    # its letters and the register's own records name it.
    assert fact.authority == settings.CREDIT_PORTAL["BUREAU_NAME"] == "成都市双流区市场监督管理局"
    assert fact.details["violation_type"] == "price_marking"
    assert fact.details["fine_total"] == "1000.00" and fact.details["term"] == "3m"
    assert (fact.source_app, fact.source_model, fact.source_id) == (
        "remediation",
        "penaltydecision",
        str(decision.pk),
    )
    assert "不按规定明码标价" in fact.summary and firm.legal_rep_name not in fact.summary
    assert decision.checks["limitation"]["years"] == 2
    event = AuditEvent.objects.get(event_type=PENALTY_RECORDED, target_id=str(decision.pk))
    assert event.extra["term"] == "3m"


def test_a_heavier_penalty_is_public_for_three_years(officer, firm):
    decision = make_recorded(
        officer, firm, measures=[fine(3000), measure("confiscate_gains", 1200)]
    )
    assert decision.publicity_term == "36m"
    assert decision.credit_record.publicity_end == dt.date(2028, 10, 14)


def test_a_warning_alone_is_recorded_but_not_public(officer, firm):
    decision = make_recorded(officer, firm, measures=[measure("warning")])
    assert decision.publicity_term == "" and decision.published_on is None
    assert decision.publication_due is None
    assert decision.credit_record.kind == PENALTY and not decision.credit_record.is_public


def test_a_simple_procedure_decision_is_not_public(officer, firm):
    decision = make_recorded(officer, firm, procedure="simple", measures=[fine(200)])
    assert decision.publicity_term == "" and not decision.credit_record.is_public


def test_an_individual_business_is_measured_against_the_natural_person_threshold(officer):
    shop = EnterpriseFactory(individual_business=True)
    decision = make_recorded(
        officer,
        shop,
        violation_type="food_safety_management_missing",
        measures=[fine(12000)],
    )
    assert decision.publicity_term == "36m"  # CNY 12,000 is not lower for a natural person
    company = make_recorded(
        officer,
        EnterpriseFactory(),
        violation_type="food_safety_management_missing",
        measures=[fine(12000)],
    )
    assert company.publicity_term == "3m"


def test_a_recorded_decision_is_not_changed_or_recorded_again(officer, firm):
    decision = make_recorded(officer, firm)
    with pytest.raises(ValidationError, match="already recorded"):
        penalty_record(actor=officer, decision=decision, expected_version=decision.version)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        penalty_draft_save(
            actor=officer,
            decision=decision,
            data=draft_data(firm, number=decision.number),
            measures=[fine(1)],
            expected_version=decision.version,
        )


# --------------------------------------------------------------------------- refusals


def test_a_decision_dated_in_the_future_is_refused(officer, firm):
    draft = make_draft(officer, firm, decided_on=dt.date(2025, 10, 16))
    errors = refused(officer, draft)
    assert errors["decided_on"] == ["The decision date 2025-10-16 is in the future."]


def test_a_decision_before_the_discovery_is_refused(officer, firm):
    draft = make_draft(officer, firm, decided_on=dt.date(2025, 8, 20))
    assert "cannot come before the discovery" in refused(officer, draft)["decided_on"][0]


def test_limitation_passed_names_the_period_and_the_article(officer, firm):
    draft = make_draft(
        officer,
        firm,
        violation_on=dt.date(2023, 8, 31),
        discovered_on=dt.date(2025, 9, 1),
    )
    [message] = refused(officer, draft)["discovered_on"]
    assert "2 years from 2023-08-31" in message
    assert "《中华人民共和国行政处罚法》第三十六条" in message
    assert "ended on 2025-08-31" in message


def test_limitation_runs_from_the_end_of_a_continued_violation(officer, firm):
    decision = make_recorded(
        officer,
        firm,
        violation_on=dt.date(2022, 1, 1),
        violation_ended_on=dt.date(2024, 1, 1),
        discovered_on=dt.date(2025, 9, 1),
    )
    assert decision.checks["limitation"]["runs_from"] == "2024-01-01"


def test_limitation_is_five_years_with_harm_to_safety(officer, firm):
    dates = {"violation_on": dt.date(2021, 6, 1), "discovered_on": dt.date(2025, 9, 1)}
    assert "2 years" in refused(officer, make_draft(officer, firm, **dates))["discovered_on"][0]
    decision = make_recorded(officer, firm, safety_harm=True, **dates)
    assert decision.checks["limitation"]["years"] == 5


def test_a_special_law_sets_the_limitation_and_is_cited(officer, firm):
    ViolationType.objects.create(
        code="special_case",
        name="特别法规定的违法行为",
        limitation_years=1,
        limitation_basis="《某特别法》第八条",
    )
    draft = make_draft(
        officer,
        firm,
        violation_type="special_case",
        violation_on=dt.date(2024, 8, 1),
        discovered_on=dt.date(2025, 9, 1),
    )
    [message] = refused(officer, draft)["discovered_on"]
    assert "1 years from 2024-08-01 (《某特别法》第八条)" in message


def test_facts_and_legal_basis_are_required_to_record(officer, firm):
    errors = refused(officer, make_draft(officer, firm, facts="", legal_basis=""))
    assert errors["facts"] == ["State the facts of the violation."]
    assert errors["legal_basis"] == ["State the legal basis of the decision."]


@pytest.mark.parametrize(
    ("measures", "words"),
    [
        ([], "imposes at least one penalty"),
        ([measure("fine")], "Penalty 1 (Fine): enter the amount."),
        (
            [measure("warning"), measure("ban")],
            "Penalty 2 (Ban from practising or operating): enter its duration",
        ),
        ([measure("restrict_business")], "enter its duration in months"),
    ],
)
def test_penalties_must_be_complete(officer, firm, measures, words):
    errors = refused(officer, make_draft(officer, firm, measures=measures))
    assert any(words in m for m in errors["measures"]), errors


def test_a_fine_outside_the_range_is_refused(officer, firm):
    errors = refused(officer, make_draft(officer, firm, measures=[fine(5001)]))
    assert errors["measures"] == [
        "The fines total CNY 5,001, outside the statutory range of CNY 0 to 5,000."
    ]


def test_a_lighter_fine_must_lie_in_the_lowest_30_percent(officer, firm):
    lighter = {
        "leniency": "lighter",
        "leniency_grounds": ["art32_harm_removed"],
        "leniency_facts": "当事人主动消除违法行为危害后果。",
    }
    errors = refused(officer, make_draft(officer, firm, measures=[fine(1501)], **lighter))
    assert errors["measures"] == [
        "A lighter penalty (从轻) lies in the lowest 30 % of the range: CNY 0 to 1,500; the "
        "fines total CNY 1,501."
    ]
    assert make_recorded(officer, firm, measures=[fine(1500)], **lighter).status == "recorded"


def test_the_lighter_band_on_a_multiple_of_the_base(officer, firm):
    lighter = {
        "violation_type": "farm_produce_substandard",  # 10 to 20 times the value of goods
        "base_amount": Decimal("3000"),
        "leniency": "lighter",
        "leniency_grounds": ["art32_confessed"],
        "leniency_facts": "主动供述违法行为。",
    }
    errors = refused(officer, make_draft(officer, firm, measures=[fine("39000.01")], **lighter))
    assert "CNY 30,000 to 39,000; the fines total CNY 39,000.01" in errors["measures"][0]
    decision = make_recorded(officer, firm, measures=[fine(39000)], **lighter)
    assert decision.checks["range"]["band_max"] == "39000.00"


def test_a_multiple_without_its_base_is_refused(officer, firm):
    draft = make_draft(officer, firm, violation_type="farm_produce_substandard", measures=[fine(1)])
    assert refused(officer, draft)["base_amount"] == [
        "The range is a multiple of a base: enter the base amount."
    ]


def test_a_mitigated_fine_must_be_below_the_minimum(officer, firm):
    mitigated = {
        "violation_type": "food_safety_management_missing",  # CNY 5,000 to 50,000
        "leniency": "mitigated",
        "leniency_grounds": ["art32_harm_removed"],
        "leniency_facts": "主动整改并消除影响。",
    }
    errors = refused(officer, make_draft(officer, firm, measures=[fine(5000)], **mitigated))
    assert errors["measures"] == [
        "A mitigated penalty (减轻) goes below the statutory minimum of CNY 5,000; the fines "
        "total CNY 5,000."
    ]
    assert make_recorded(officer, firm, measures=[fine(4999)], **mitigated).status == "recorded"
    # A lighter kind of penalty and no fine: nothing to compare, allowed.
    warned = make_recorded(officer, firm, measures=[measure("warning")], **mitigated)
    assert warned.status == "recorded"


def test_leniency_needs_its_grounds_and_facts(officer, firm):
    errors = refused(officer, make_draft(officer, firm, leniency="lighter", measures=[fine(100)]))
    assert errors["leniency_grounds"] == [
        "Lighter (从轻) needs the ground it rests on (APL art. 32 or 33)."
    ]
    assert errors["leniency_facts"] == ["Describe the facts that justify Lighter (从轻)."]


def test_a_ground_must_fit_its_leniency(officer, firm):
    draft = make_draft(
        officer,
        firm,
        leniency="lighter",
        leniency_grounds=["art33_minor"],
        leniency_facts="……",
        measures=[fine(100)],
    )
    [message] = refused(officer, draft)["leniency_grounds"]
    assert "does not support Lighter (从轻)" in message


def test_an_exemption_needs_its_ground_and_imposes_nothing(officer, firm):
    errors = refused(
        officer,
        make_draft(officer, firm, leniency="exempt", measures=[fine(100)]),
    )
    assert "imposes no penalty: remove the penalties listed" in errors["measures"][0]
    assert "needs the ground" in errors["leniency_grounds"][0]
    assert "Describe the facts" in errors["leniency_facts"][0]


def test_an_exemption_list_item_must_be_a_minor_item_of_the_same_type(officer, firm):
    draft = make_draft(
        officer,
        firm,
        violation_type="food_expired",
        leniency="exempt",
        leniency_grounds=["art33_minor"],
        leniency_facts="货值金额60元，立即下架销毁。",
        leniency_item=list_item("food_bulk_unlicensed").pk,
        measures=[],
    )
    errors = refused(officer, draft)["leniency_item"]
    assert any("needs an item of “Minor, no penalty (轻微免罚)”" in e for e in errors)
    assert any("about another type of violation" in e for e in errors)


# --------------------------------------------------------------------------- 首违不罚


def test_first_violation_not_penalised_is_recorded_with_its_education(officer, firm):
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    decision = record(officer, draft)
    fact = decision.credit_record
    assert fact.kind == NO_PENALTY and not fact.is_public
    assert decision.publicity_term == "" and decision.published_on is None
    assert decision.checks["lookback"] == {"from": "2023-08-01", "to": "2025-08-01", "found": []}
    [letter] = SoftAction.objects.filter(penalty=decision)
    assert (letter.instrument, letter.trigger, letter.enterprise_id) == (
        "admonition",
        "no_penalty",
        firm.pk,
    )
    assert letter.status == "draft" and "第三十三条第三款" in letter.legal_basis
    assert decision.number in letter.reason


@pytest.mark.parametrize(
    ("item", "over", "field", "words"),
    [
        (None, {}, "leniency_item", "applies an item of a 首违不罚 list"),
        ("minor", {}, "leniency_item", "needs an item of “First violation"),
        ("other_type", {}, "leniency_item", "about another type of violation"),
        ("late", {}, "leniency_item", "was not in force on the violation's date 2025-08-01"),
        ("ok", {"corrected_on": None}, "corrected_on", "corrected in time"),
        ("ok", {"leniency_grounds": []}, "leniency_grounds", "needs the ground"),
        ("ok", {"leniency_facts": ""}, "leniency_facts", "Describe the facts"),
    ],
)
def test_first_violation_not_penalised_needs_its_list_item_and_facts(
    officer, firm, types, item, over, field, words
):
    items = {
        None: None,
        "ok": list_item("food_bulk_unlicensed").pk,
        "minor": list_item("food_expired", LeniencyListItem.ListKind.MINOR).pk,
        "other_type": list_item("health_food_sales").pk,
    }
    if item == "late":
        late = list_item("food_bulk_unlicensed")
        late.valid_from = dt.date(2025, 8, 2)
        late.save()
        items["late"] = late.pk
    data = first_violation_data(firm, leniency_item=items[item], **over)
    draft = penalty_draft_save(actor=officer, data=data, measures=[])
    errors = refused(officer, draft)
    assert any(words in m for m in errors[field]), errors


def _earlier(officer, party, *, on, number, measures=None, **over):
    """A recorded decision on a violation of the same type (a penalty by default)."""
    values = {
        "violation_type": "food_bulk_unlicensed",
        "violation_on": on,
        "discovered_on": on + dt.timedelta(days=10),
        "decided_on": on + dt.timedelta(days=20),
        "number": number,
        "facts": "未取得许可销售散装食品。",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十二条",
    }
    values.update(over)
    return make_recorded(officer, party, measures=measures or [fine(60000)], **values)


def test_first_violation_is_refused_when_an_earlier_same_type_violation_exists(officer, firm):
    _earlier(officer, firm, on=dt.date(2024, 3, 5), number="双市监处罚〔2024〕7号")
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    [message] = refused(officer, draft)["leniency"]
    assert message.startswith(
        "Not a first violation: the same party has decision 双市监处罚〔2024〕7号 of 2024-03-25"
    )
    assert (
        "on 2024-03-05, within the 2 years before this violation (2023-08-01 to 2025-08-01)"
        in message
    )


def test_an_earlier_first_violation_not_penalised_counts_too(officer, firm):
    first = penalty_draft_save(
        actor=officer,
        data=first_violation_data(
            firm,
            number="双市监不罚〔2025〕1号",
            violation_on=dt.date(2025, 3, 1),
            discovered_on=dt.date(2025, 3, 2),
            decided_on=dt.date(2025, 3, 10),
            corrected_on=dt.date(2025, 3, 3),
        ),
        measures=[],
    )
    record(officer, first)
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    [message] = refused(officer, draft)["leniency"]
    assert "双市监不罚〔2025〕1号" in message and "First violation not penalised" in message


@pytest.mark.parametrize(
    ("earlier_on", "allowed"),
    [(dt.date(2023, 8, 1), False), (dt.date(2023, 7, 31), True)],  # exactly 2 years / and a day
)
def test_the_look_back_is_two_years_to_the_day(officer, firm, earlier_on, allowed):
    _earlier(
        officer,
        firm,
        on=earlier_on,
        number="双市监处罚〔2023〕9号",
        safety_harm=True,  # discovered later than 2 years on: the 5-year limitation
        discovered_on=dt.date(2025, 8, 20),
        decided_on=dt.date(2025, 8, 25),
    )
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    if allowed:
        assert record(officer, draft).status == "recorded"
    else:
        assert "双市监处罚〔2023〕9号" in refused(officer, draft)["leniency"][0]


def test_another_type_or_another_party_does_not_count(officer, firm):
    _earlier(
        officer,
        firm,
        on=dt.date(2024, 3, 5),
        number="A-1",
        violation_type="price_marking",
        measures=[fine(1000)],
    )
    _earlier(officer, EnterpriseFactory(), on=dt.date(2024, 3, 5), number="A-2")
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    assert record(officer, draft).status == "recorded"


@pytest.mark.parametrize(
    ("withdrawal", "counts"), [("void", False), ("revoked", False), ("changed", True)]
)
def test_a_withdrawn_decision_counts_only_if_it_was_changed(officer, firm, withdrawal, counts):
    earlier = _earlier(officer, firm, on=dt.date(2024, 3, 5), number="W-1")
    penalty_withdraw(
        actor=officer,
        decision=earlier,
        withdrawal=withdrawal,
        reason="复议决定。",
        expected_version=earlier.version,
    )
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    if counts:
        assert "W-1" in refused(officer, draft)["leniency"][0]
    else:
        assert record(officer, draft).status == "recorded"


def test_the_same_person_is_found_by_identity_number_and_a_firm_by_its_code(officer):
    person = {"party_kind": "natural_person", "party_name": "李某", "party_id": PERSON_ID}
    _earlier(officer, None, on=dt.date(2024, 3, 5), number="P-1", **person)
    draft = penalty_draft_save(
        actor=officer,
        data=first_violation_data(None, **{**person, "party_name": "李某某"}),
        measures=[],
    )
    assert "P-1" in refused(officer, draft)["leniency"][0]
    other = penalty_draft_save(
        actor=officer,
        data=first_violation_data(None, **{**person, "party_id": PERSON_ID_2}),
        measures=[],
    )
    assert record(officer, other).status == "recorded"
    firm = {
        "party_kind": "organisation",
        "party_name": "武汉某公司",
        "party_code": make_uscc(8, division="420100"),
    }
    _earlier(officer, None, on=dt.date(2024, 3, 5), number="O-1", **firm)
    draft = penalty_draft_save(actor=officer, data=first_violation_data(None, **firm), measures=[])
    assert "O-1" in refused(officer, draft)["leniency"][0]


# --------------------------------------------------------------------------- outside parties


def test_a_natural_person_is_penalised_without_a_ledger_fact(officer):
    decision = make_recorded(
        officer,
        None,
        party_kind="natural_person",
        party_name="王某",
        party_id=PERSON_ID,
        measures=[fine(2000)],
    )
    assert decision.enterprise is None and decision.credit_record is None
    assert decision.publicity_term == "3m"
    assert (decision.publication_due, decision.published_on) == (PUBLICATION_DUE, None)
    assert not CreditRecord.objects.filter(document_number=decision.number).exists()
    published = penalty_publish_record(
        actor=officer,
        decision=decision,
        published_on=dt.date(2025, 10, 10),
        expected_version=decision.version,
    )
    assert published.publicity_end == dt.date(2026, 1, 9)


def test_a_firm_of_another_province_is_pushed_then_published_there(officer):
    decision = make_recorded(
        officer,
        None,
        party_kind="organisation",
        party_name="武汉某贸易有限公司",
        party_code=make_uscc(8, division="420100"),
        measures=[fine(4000), measure("confiscate_gains", 3000)],
    )
    assert decision.party_other_province and decision.credit_record is None
    assert decision.publication_due == dt.date(2025, 10, 16)  # 10 WD to push
    with pytest.raises(ValidationError, match="before 2025-09-26"):
        penalty_push_record(
            actor=officer,
            decision=decision,
            pushed_on=dt.date(2025, 9, 1),
            expected_version=decision.version,
        )
    pushed = penalty_push_record(
        actor=officer,
        decision=decision,
        pushed_on=dt.date(2025, 10, 9),
        expected_version=decision.version,
    )
    assert pushed.pushed_on == dt.date(2025, 10, 9)
    assert pushed.publication_due == dt.date(2025, 10, 22)  # 10 WD after receipt
    with pytest.raises(ValidationError, match="future"):
        penalty_publish_record(
            actor=officer,
            decision=pushed,
            published_on=dt.date(2025, 10, 16),
            expected_version=pushed.version,
        )
    published = penalty_publish_record(
        actor=officer,
        decision=pushed,
        published_on=dt.date(2025, 10, 14),
        expected_version=pushed.version,
    )
    assert (published.publicity_term, published.publicity_end) == ("36m", dt.date(2028, 10, 13))


def test_a_registered_party_is_not_published_twice(officer, firm):
    decision = make_recorded(officer, firm)
    with pytest.raises(ValidationError, match="was published on 2025-10-15"):
        penalty_publish_record(
            actor=officer, decision=decision, published_on=TODAY, expected_version=decision.version
        )


# --------------------------------------------------------------------------- withdrawal


def test_withdrawal_closes_the_penalty_record(officer, firm):
    decision = make_recorded(officer, firm, measures=[fine(3000), measure("confiscate_gains", 100)])
    withdrawn = penalty_withdraw(
        actor=officer,
        decision=decision,
        withdrawal="revoked",
        reason="行政复议决定撤销原处罚决定。",
        changed_on=dt.date(2025, 10, 14),
        expected_version=decision.version,
    )
    assert (withdrawn.status, withdrawn.withdrawn_on) == ("withdrawn", TODAY)
    assert withdrawn.withdrawal_due == dt.date(2025, 10, 17)
    closing = CreditRecord.objects.get(closes=decision.credit_record)
    assert closing.kind == PENALTY_WITHDRAWAL and not closing.is_public
    assert "行政处罚决定被依法撤销" in closing.summary
    assert not decision.credit_record.is_public_on(TODAY, closed=True)
    assert AuditEvent.objects.filter(
        event_type=PENALTY_WITHDRAWN, target_id=str(decision.pk)
    ).exists()
    with pytest.raises(ValidationError, match="is not recorded"):
        penalty_withdraw(
            actor=officer,
            decision=withdrawn,
            withdrawal="void",
            reason="x",
            expected_version=withdrawn.version,
        )


def test_withdrawal_needs_its_kind_reason_and_a_possible_date(officer, firm):
    decision = make_recorded(officer, firm)
    with pytest.raises(ValidationError) as exc:
        penalty_withdraw(
            actor=officer,
            decision=decision,
            withdrawal="forgotten",
            reason=" ",
            changed_on=dt.date(2025, 10, 16),
            expected_version=decision.version,
        )
    errors = refusal(exc)
    assert set(errors) == {"withdrawal", "withdrawal_reason", "changed_on"}
    assert PenaltyDecision.objects.get(pk=decision.pk).status == "recorded"


def test_withdrawing_a_decision_not_to_penalise_corrects_its_record(officer, firm):
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    decision = record(officer, draft)
    penalty_withdraw(
        actor=officer,
        decision=decision,
        withdrawal="void",
        reason="认定错误。",
        expected_version=decision.version,
    )
    closing = CreditRecord.objects.get(closes=decision.credit_record)
    assert closing.kind == "correction"


# --------------------------------------------------------------------------- versions


def test_recording_with_a_stale_version_is_a_conflict(officer, firm):
    draft = make_draft(officer, firm)
    penalty_draft_save(
        actor=officer,
        decision=draft,
        data=draft_data(firm, number=draft.number),
        measures=[fine(10)],
        expected_version=1,
    )
    with pytest.raises(ConflictError) as exc:
        penalty_record(actor=officer, decision=draft, expected_version=1)
    assert exc.value.current_version == 2
    assert PenaltyDecision.objects.get(pk=draft.pk).status == "draft"
    assert not CreditRecord.objects.filter(enterprise=firm, kind=PENALTY).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_recording_one_draft_at_once_record_it_once(require_postgres):
    catalogue()
    officer = staff(username="officer-a")
    firm = EnterpriseFactory()
    draft = make_draft(officer, firm)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            penalty_record(actor=officer, decision=draft, expected_version=draft.version)
            outcomes.append("recorded")
        except ConflictError:
            outcomes.append("conflict")
        except ValidationError as exc:  # the second one may find it recorded instead
            outcomes.append("refused: " + exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "recorded"]
    assert CreditRecord.objects.filter(enterprise=firm, kind=PENALTY).count() == 1
    assert Enterprise.objects.get(pk=firm.pk)


def test_the_publication_queue_puts_overdue_first_and_leaves_out_what_is_done(officer, firm):
    from remediation.selectors.penalties import penalties_publication_due

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
    waiting = make_recorded(
        officer, None, party_kind="natural_person", party_name="孙某", party_id=PERSON_ID_2
    )
    draft = make_draft(officer, firm)
    published = make_recorded(officer, firm)  # published when recorded
    warning = make_recorded(officer, EnterpriseFactory(), measures=[measure("warning")])
    queue = list(penalties_publication_due(user=officer, today=TODAY))
    assert [d.pk for d in queue] == [late.pk, waiting.pk, draft.pk]
    assert [d.overdue for d in queue] == [1, 0, 0]
    assert published not in queue and warning not in queue
    outsider = staff(department=DepartmentFactory(code="tax", name="区税务局"), username="tax")
    assert list(penalties_publication_due(user=outsider, today=TODAY)) == []


# --------------------------------------------------------------------------- jurisdiction


@pytest.fixture
def partner(types):
    """An enforcement officer of a partner department (not the bureau)."""
    return staff(department=DepartmentFactory(code="health", name="区卫生健康局"), username="hp")


def test_a_partner_department_cannot_act_on_a_bureau_decision(officer, partner):
    person = {"party_kind": "natural_person", "party_name": "赵某", "party_id": PERSON_ID}
    draft = make_draft(officer, None, **person)
    published = make_recorded(officer, None, **{**person, "party_id": PERSON_ID_2})
    pushed = make_recorded(
        officer,
        None,
        party_kind="organisation",
        party_name="武汉某公司",
        party_code=make_uscc(8, division="420100"),
    )
    before = {d.pk: (d.status, d.version, d.department_id) for d in (draft, published, pushed)}
    calls = {
        # Taking over the bureau's draft by moving it to the partner's department.
        "draft_save": lambda: penalty_draft_save(
            actor=partner,
            decision=draft,
            data=draft_data(None, number=draft.number, department="health", **person),
            measures=[fine(100)],
            expected_version=draft.version,
        ),
        "record": lambda: penalty_record(
            actor=partner, decision=draft, expected_version=draft.version
        ),
        "publish": lambda: penalty_publish_record(
            actor=partner, decision=published, published_on=TODAY, expected_version=2
        ),
        "push": lambda: penalty_push_record(
            actor=partner, decision=pushed, pushed_on=TODAY, expected_version=2
        ),
        "withdraw": lambda: penalty_withdraw(
            actor=partner,
            decision=published,
            withdrawal="revoked",
            reason="复议撤销。",
            expected_version=2,
        ),
    }
    targets = {"draft_save": draft, "record": draft, "publish": published, "push": pushed}
    for name, call in calls.items():
        with pytest.raises(ValidationError) as exc:
            call()
        number = targets.get(name, published).number
        assert exc.value.messages == [
            f"Decision {number} was taken by 区市场监督管理局: you may act only on the "
            "decisions of your own department."
        ], name
    after = {
        d.pk: (d.status, d.version, d.department_id)
        for d in PenaltyDecision.objects.filter(pk__in=before)
    }
    assert after == before
    # Nor may it create a decision in the bureau's name.
    with pytest.raises(ValidationError) as exc:
        penalty_draft_save(
            actor=partner, data=draft_data(None, department="amr", **person), measures=[fine(1)]
        )
    assert "department" in exc.value.message_dict


# ------------------------------------------------------------------- the look-back, continued


def test_an_earlier_violation_that_went_on_into_the_window_counts(officer, firm):
    # It started before the window (2023-08-01 to 2025-08-01) and ended inside it.
    _earlier(
        officer,
        firm,
        on=dt.date(2023, 6, 1),
        violation_ended_on=dt.date(2023, 9, 1),
        discovered_on=dt.date(2023, 9, 5),
        decided_on=dt.date(2023, 9, 20),
        number="双市监处罚〔2023〕30号",
    )
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    [message] = refused(officer, draft)["leniency"]
    assert "双市监处罚〔2023〕30号" in message and "on 2023-06-01" in message


def _ledger_penalty(firm, *, on, number, kind=PENALTY, **details):
    """A penalty in the firm's credit ledger that no decision of the portal stands behind (older
    history, another department's system)."""
    from enterprises.services.ledger import credit_record_append

    return credit_record_append(
        enterprise=firm,
        kind=kind,
        occurred_on=on,
        summary="历史处罚",
        actor=None,
        authority="区卫生健康局",
        document_number=number,
        details=details,
    )


def test_a_same_type_violation_in_the_credit_ledger_counts(officer, firm):
    _ledger_penalty(
        firm,
        on=dt.date(2024, 5, 10),
        number="双卫罚〔2024〕3号",
        violation_type="food_bulk_unlicensed",
    )
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    [message] = refused(officer, draft)["leniency"]
    assert message.startswith(
        "Not a first violation: the party's credit ledger holds Administrative penalty "
        "双卫罚〔2024〕3号 of 2024-05-10 (区卫生健康局) for a violation of the same type"
    )


def test_a_decision_not_to_penalise_in_the_ledger_counts_and_its_violation_date_is_read(
    officer, firm
):
    # Decided in the window, but the violation it decided was before it: not counted.
    _ledger_penalty(
        firm,
        on=dt.date(2023, 9, 1),
        number="L-1",
        violation_type="food_bulk_unlicensed",
        violation_on="2023-07-01",
    )
    _ledger_penalty(
        firm,
        on=dt.date(2025, 1, 10),
        number="L-2",
        kind=NO_PENALTY,
        violation_type="food_bulk_unlicensed",
        violation_on="2025-01-02",
    )
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    [message] = refused(officer, draft)["leniency"]
    assert "Decision not to penalise L-2 of 2025-01-10" in message and "L-1" not in message


def test_a_ledger_penalty_without_its_type_must_be_checked_first(officer, firm):
    from enterprises.kinds import CORRECTION
    from enterprises.services.ledger import credit_record_append

    old = _ledger_penalty(firm, on=dt.date(2024, 11, 20), number="双市监处罚〔2024〕88号")
    _ledger_penalty(firm, on=dt.date(2024, 1, 5), number="X-9", violation_type="price_marking")
    draft = penalty_draft_save(actor=officer, data=first_violation_data(firm), measures=[])
    [message] = refused(officer, draft)["leniency"]
    assert message.startswith(
        "Check the party's earlier penalty first: its credit ledger holds penalty "
        "双市监处罚〔2024〕88号 of 2024-11-20 (区卫生健康局)"
    )
    assert "does not say the type of violation" in message and "X-9" not in message
    # Checked: it was another type. A correction gives it its type; 首违不罚 then applies.
    credit_record_append(
        enterprise=firm,
        kind=CORRECTION,
        occurred_on=TODAY,
        summary="补录违法行为类型",
        actor=officer,
        closes=old,
    )
    _ledger_penalty(
        firm,
        on=dt.date(2024, 11, 20),
        number="双市监处罚〔2024〕88号",
        violation_type="price_marking",
    )
    draft.refresh_from_db()
    assert record(officer, draft).status == "recorded"


# --------------------------------------------------------------------------- publication due


def test_a_draft_runs_against_its_publication_due_and_a_late_recording_says_so(officer, firm):
    from remediation.selectors.penalties import penalties_for_user, publication_state

    draft = make_draft(officer, firm, decided_on=dt.date(2025, 9, 1))
    assert draft.publication_due == dt.date(2025, 9, 28)  # 20 WD (a working Sunday)
    state = publication_state(penalties_for_user(user=officer).get(pk=draft.pk), TODAY)
    assert (state["code"], state["overdue"], state["tone"]) == ("draft", True, "bad")
    # A warning alone is never published: nothing is due.
    warned = make_draft(officer, firm, measures=[measure("warning")])
    assert warned.publication_due is None
    decision = record(officer, draft)
    assert decision.published_on == TODAY and decision.publication_due == dt.date(2025, 9, 28)
    assert decision.checks["published_late"] == 8  # working days
    event = AuditEvent.objects.get(event_type=PENALTY_RECORDED, target_id=str(decision.pk))
    assert event.extra["published_late"] == 8
    on_time = record(officer, make_draft(officer, EnterpriseFactory()))
    assert "published_late" not in on_time.checks


def test_a_late_publication_of_an_outside_party_is_kept(officer):
    decision = make_recorded(
        officer,
        None,
        party_kind="natural_person",
        party_name="钱某",
        party_id=PERSON_ID,
        decided_on=dt.date(2025, 9, 1),
    )
    published = penalty_publish_record(
        actor=officer, decision=decision, published_on=TODAY, expected_version=decision.version
    )
    assert published.checks["published_late"] == 8


# --------------------------------------------------------------------------- decision numbers


def test_two_saves_of_one_number_at_once_give_a_field_error(officer, firm, monkeypatch):
    import remediation.services.penalties.drafts as service

    make_draft(officer, firm, number="双市监处罚〔2025〕77号")
    real = service._number_taken
    calls = {"n": 0}

    def raced(number, decision):
        # The first look misses the other save, as when it commits between check and write.
        calls["n"] += 1
        return False if calls["n"] == 1 else real(number, decision)

    monkeypatch.setattr(service, "_number_taken", raced)
    with pytest.raises(ValidationError) as exc:
        make_draft(officer, firm, number="双市监处罚〔2025〕77号")
    assert exc.value.message_dict == {"number": ["This decision number is already used."]}
    assert PenaltyDecision.objects.filter(number="双市监处罚〔2025〕77号").count() == 1


# ------------------------------------------------------------------ a closed record withdrawn


@pytest.mark.parametrize("closer", ["repair", "publicity_expired"])
def test_withdrawing_a_decision_whose_record_is_closed_still_writes_a_fact(officer, firm, closer):
    from enterprises.services.ledger import credit_record_append
    from remediation.kinds import PENALTY_WITHDRAWN_NOTE

    decision = make_recorded(officer, firm)
    record_ = decision.credit_record
    closing = credit_record_append(
        enterprise=firm,
        kind=closer,
        occurred_on=TODAY,
        summary="已停止公示",
        actor=officer,
        closes=record_,
    )
    penalty_withdraw(
        actor=officer,
        decision=decision,
        withdrawal="revoked",
        reason="行政复议决定撤销原处罚决定。",
        expected_version=decision.version,
    )
    note = CreditRecord.objects.get(kind=PENALTY_WITHDRAWN_NOTE, source_id=str(decision.pk))
    assert note.closes_id is None and not note.is_public
    assert note.details["withdraws"] == record_.pk and note.details["withdrawal"] == "revoked"
    assert note.details["closed_by"] == closer
    assert note.document_number == decision.number and "行政处罚决定被依法撤销" in note.summary
    assert CreditRecord.objects.get(closes=record_).pk == closing.pk  # closed once, as it was
    event = AuditEvent.objects.get(event_type=PENALTY_WITHDRAWN, target_id=str(decision.pk))
    assert event.extra["closing_record"] == note.pk


# --------------------------------------------------------------------------- deregistered


def test_a_decision_not_to_penalise_a_deregistered_entity_owes_no_education(officer):
    gone = EnterpriseFactory(status=Enterprise.Status.DEREGISTERED)
    draft = penalty_draft_save(actor=officer, data=first_violation_data(gone), measures=[])
    decision = record(officer, draft)
    assert decision.status == "recorded" and decision.credit_record.kind == NO_PENALTY
    assert decision.checks["education"] == "not_owed_deregistered"
    assert not SoftAction.objects.filter(penalty=decision).exists()


def test_the_late_fine_surcharge_comes_from_the_rules(officer, firm, monkeypatch):
    from remediation import rules
    from remediation.services.penalties import penalty_decision_document

    decision = make_recorded(officer, firm)

    def text() -> str:
        doc = penalty_decision_document(decision)
        return "".join(getattr(block, "text", "") for block in doc.body)

    assert "第七十二条的规定每日按罚款数额的百分之三加处罚款" in text()
    monkeypatch.setattr(rules, "LATE_FINE_SURCHARGE_PERCENT", 5)
    assert "百分之五加处罚款" in text()
