"""An enterprise's own credit risk in the API (issue 16 §3; docs/domain.md §1 "Visibility"): it
always sees which of its own facts weigh on it and when each stops weighing, and which would
change its class by ending; its class, score and points only where the bureau shows classes
to enterprises (off by default: then the fields are absent)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from enterprises.models import CreditRecord
from risk.services.overrides import override_set
from risk.views.me import sooner
from tests.enterprises.factories import enterprise_user
from tests.risk.factories import classify_by_hand, general_version
from tests.risk.test_api_access import company, supervisor, url
from tests.risk.test_api_enterprises import penalty

pytestmark = pytest.mark.django_db

ME = url("me-credit-risk")


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def firm():
    version = general_version()
    firm = company(registered_on=dt.date(2020, 5, 1))
    classify_by_hand(firm, "B", version=version, score="30.0")
    return firm


@pytest.fixture
def facts(firm):
    older = penalty(firm, today() - dt.timedelta(days=400), "双市监罚〔2025〕1号")
    newer = penalty(firm, today() - dt.timedelta(days=30), "双市监罚〔2026〕7号")
    return older, newer


def test_the_facts_that_weigh_when_they_stop_and_how_sooner_without_the_class(
    api_client_for, firm, facts
):
    older, newer = facts
    listing = CreditRecord.objects.create(
        enterprise=firm,
        kind="abnormal_listing",
        occurred_on=today() - dt.timedelta(days=10),
        summary="列入经营异常名录",
        details={"note": "内部：电话核实"},
    )

    response = api_client_for(enterprise_user(firm)).get(ME, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    body = response.json()
    # No class, no score, no what-would-change; whether it is classified at all, and why not.
    assert set(body) == {"as_of", "classified", "not_classified_reason", "weighing_facts"}
    assert (body["classified"], body["not_classified_reason"]) == (True, "")
    assert body["as_of"] == str(today())
    assert [f["record"]["id"] for f in body["weighing_facts"]] == [listing.pk, newer.pk, older.pk]
    on_listing, on_newer, _on_older = body["weighing_facts"]
    assert on_newer == {
        "record": {
            "id": newer.pk,
            "kind": "penalty",
            "kind_display": on_newer["record"]["kind_display"],
            "occurred_on": str(newer.occurred_on),
            "document_number": "双市监罚〔2026〕7号",
            "authority": "成都市双流区市场监督管理局",
            "summary": newer.enterprise_summary,
        },
        "indicator_name": "Penalties in the last 3 years",
        "ends_on": str(newer.occurred_on + dt.timedelta(days=1095)),
        "ends_how": "when the window ends",
        "sooner": on_newer["sooner"],
    }
    with translation.override("en"):
        assert on_newer["sooner"] == sooner(newer, today())  # the page's advice
    assert on_listing["ends_on"] is None
    assert on_listing["ends_how"] == "until removed (a listing has no end date)"
    assert on_listing["sooner"]["text"] == (
        "Cure the cause and apply for removal from the abnormal directory."
    )
    assert "内部" not in str(body)  # the officer's note is the bureau's


def test_the_class_and_points_where_the_bureau_shows_them(api_client_for, firm, facts, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "SHOW_RISK_CLASS_TO_ENTERPRISES": True}
    client = api_client_for(enterprise_user(firm))

    body = client.get(ME).json()

    assert set(body) == {
        "as_of",
        "classified",
        "not_classified_reason",
        "weighing_facts",
        "what_would_change",
        "risk_class",
        "score",
        "overridden",
    }
    assert (body["risk_class"], body["score"], body["overridden"]) == ("B", "30.0", False)
    assert [f["points"] for f in body["weighing_facts"]] == ["15.0", "15.0"]
    older, newer = facts
    changes = body["what_would_change"]
    assert [c["record"]["id"] for c in changes] == [older.pk, newer.pk]  # the earliest end first
    assert [(c["class_after"], c["score_after"]) for c in changes] == [("A", "15.0")] * 2

    override_set(
        enterprise=firm,
        risk_class="C",
        reason="内部：待复查",
        expires_on=today() + dt.timedelta(days=10),
        by=supervisor(),
    )
    body = client.get(ME).json()
    assert (body["risk_class"], body["overridden"]) == ("C", True)
    assert "内部" not in str(body)  # the override's reason is the bureau's


def test_an_enterprise_with_nothing_that_weighs(api_client_for, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "SHOW_RISK_CLASS_TO_ENTERPRISES": True}
    general_version()
    shop = company(entity_type="individual_business")

    body = api_client_for(enterprise_user(shop)).get(ME, HTTP_ACCEPT_LANGUAGE="en").json()

    assert body.pop("not_classified_reason").startswith("Individual businesses are not")
    assert body == {
        "as_of": str(today()),
        "classified": False,  # a shop, while the bureau does not classify shops
        "weighing_facts": [],
        "what_would_change": [],
        "risk_class": None,
        "score": None,
        "overridden": False,
    }
