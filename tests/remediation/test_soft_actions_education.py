"""The admonition letter (警示告诫书) that educates the party after a decision not to penalise
(APL art. 33 para 3): its facts are the violation's, its reason names the violation type and
the decision's number, and says why no penalty was imposed (the leniency facts and article),
and its PDF prints them so."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from credit_portal.documents import render_pdf
from remediation.models import SoftAction
from remediation.selectors.soft_actions import soft_action_document
from remediation.services.penalties import penalty_draft_save, penalty_record
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_penalties import (
    TODAY,
    at,
    catalogue,
    first_violation_data,
    staff,
)

pytestmark = pytest.mark.django_db

LENIENCY_FACTS = "初次违法，危害后果轻微并已当场改正。"
FACTS = "2025年8月1日，当事人未取得食品经营许可在其经营场所销售散装食品。"


@pytest.fixture(autouse=True)
def _clock_and_language():
    with at(TODAY), translation.override("en"):
        yield


def _text(document) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(document)))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


@pytest.mark.parametrize(
    ("leniency", "grounds"),
    [("first_violation", ["art33_first"]), ("exempt", ["art33_minor"])],
)
def test_the_education_letter_states_the_violation_and_why_it_was_not_penalised(leniency, grounds):
    types = catalogue()
    officer = staff()
    firm = EnterpriseFactory()
    over = {"leniency": leniency, "leniency_grounds": grounds}
    if leniency == "exempt":
        over["leniency_item"] = None  # a minor violation needs no list item
    data = first_violation_data(firm, facts=FACTS, leniency_facts=LENIENCY_FACTS, **over)
    draft = penalty_draft_save(actor=officer, data=data, measures=[])
    decision = penalty_record(actor=officer, decision=draft, expected_version=draft.version)
    [letter] = SoftAction.objects.filter(penalty=decision)
    # The facts are the violation's, not the leniency's justification.
    assert letter.facts == FACTS
    assert "初次违法" not in letter.facts
    # The reason names the violation type and the decision, and why it was not penalised.
    violation = types["food_bulk_unlicensed"].name
    assert violation in letter.reason and decision.number in letter.reason
    assert "鉴于初次违法，危害后果轻微并已当场改正，" in letter.reason
    assert "依据《中华人民共和国行政处罚法》第三十三条第一款的规定" in letter.reason
    assert letter.reason.endswith(f"作出不予行政处罚决定（{decision.number}）。")
    assert "第三十三条第三款" in letter.legal_basis
    text = _text(soft_action_document(letter))
    for expected in (
        f"一、事由。你（单位）{violation}",
        "初次违法，危害后果轻微并已当场改正，本机关依据",
        f"三、事实。{FACTS}",
    ):
        assert expected.replace(" ", "") in text, expected
