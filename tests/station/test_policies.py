"""Policy matching (issue 18 §3 "policy boost"): each condition of a measure in force is matched
against the enterprise's own data, met or not with why; qualifying measures first, then the
ones almost met with what is missing."""

from __future__ import annotations

import datetime as dt

import pytest

from annual_reports.rules import report_deadline, report_due
from enterprises.models import Enterprise
from station.models import PolicyMeasure
from station.selectors import policy_matches
from tests.enterprises.factories import EnterpriseFactory, enterprise_user
from tests.remediation.factories_listings import filed
from tests.station.factories import EN, logged_in, measure, today, troubled_firm

pytestmark = pytest.mark.django_db


def _by_code(matches):
    return {m.measure.code: m for m in matches}


def test_each_condition_is_met_or_not_with_why():
    shop = EnterpriseFactory(
        individual_business=True,
        division="东升街道",
        industry_section="H",
        industry_division="62",
        registered_on=today().replace(year=today().year - 2),
        registered_capital=5,
    )
    filed(shop, today().year - 1)
    measure(
        "rent",
        [
            {"type": "entity_types", "value": ["individual_business"]},
            {"type": "streets", "value": ["东升街道", "九江街道"]},
            {"type": "industry_sections", "value": ["H"]},
            {"type": "registered_years_at_most", "value": 3},
            {"type": "capital_at_most", "value": 10},
            {"type": "operating"},
            {"type": "no_abnormal_listing"},
            {"type": "not_on_serious_list"},
            {"type": "no_penalty_in_publicity"},
            {"type": "annual_report_filed"},
            {"type": "no_overdue_letter"},
        ],
    )
    measure(
        "big-firms",
        [
            {"type": "entity_types", "value": ["company"]},
            {"type": "registered_years_at_least", "value": 5},
            {"type": "capital_at_least", "value": 1000},
            {"type": "operating"},
        ],
    )
    matches = policy_matches(enterprise=shop, on=today())
    assert [m.measure.code for m in matches] == ["rent", "big-firms"]  # qualifying first
    rent, big = matches
    assert rent.met and all(c.met for c in rent.conditions) and len(rent.conditions) == 11
    assert not big.met and not big.almost
    results = {c.code: c for c in big.conditions}
    assert not results["entity_types"].met and "Individual business" in results["entity_types"].why
    assert not results["registered_years_at_least"].met
    assert "2 full years" in results["registered_years_at_least"].why
    assert "Met from" in results["registered_years_at_least"].why
    assert not results["capital_at_least"].met and "5" in results["capital_at_least"].why
    assert results["operating"].met


def test_a_firm_with_faults_almost_meets_a_measure_and_sees_what_is_missing():
    firm = troubled_firm()
    measure(
        "loan",
        [
            {"type": "operating"},
            {"type": "no_abnormal_listing"},
            {"type": "no_penalty_in_publicity"},
        ],
    )
    (loan,) = policy_matches(enterprise=firm, on=today())
    assert not loan.met and loan.almost
    missing = {c.code: c.why for c in loan.missing}
    assert set(missing) == {"no_abnormal_listing", "no_penalty_in_publicity"}
    assert firm.listing.occurred_on.isoformat() in missing["no_abnormal_listing"]
    assert firm.penalty.publicity_end.isoformat() in missing["no_penalty_in_publicity"]


def test_the_annual_report_condition_names_the_year_and_its_deadline():
    firm = EnterpriseFactory(registered_on=dt.date(2015, 1, 1))
    measure("report", [{"type": "annual_report_filed"}])
    (m,) = policy_matches(enterprise=firm, on=today())
    year = today().year - 1
    assert not m.met
    assert m.conditions[0].label == f"Filed the annual report for {year}"
    assert f"{year + 1}-06-30" in m.conditions[0].why
    filed(firm, year)
    (m,) = policy_matches(enterprise=firm, on=today())
    assert m.met


def test_inactive_expired_and_future_measures_are_not_offered():
    firm = EnterpriseFactory()
    measure("live")
    measure("off", is_active=False)
    measure(
        "over",
        valid_from=today() - dt.timedelta(days=60),
        valid_until=today() - dt.timedelta(days=1),
    )
    measure("later", valid_from=today() + dt.timedelta(days=1))
    assert [m.measure.code for m in policy_matches(enterprise=firm, on=today())] == ["live"]


def test_a_measure_for_another_kind_of_entity_is_not_almost_met():
    shop = EnterpriseFactory(individual_business=True)
    measure("coops", [{"type": "entity_types", "value": ["farmers_coop"]}])
    measure("years", [{"type": "registered_years_at_least", "value": 50}])
    by_code = _by_code(policy_matches(enterprise=shop, on=today()))
    assert not by_code["coops"].met and not by_code["coops"].almost  # nothing to do about it
    assert not by_code["years"].met and by_code["years"].almost  # time will do it


def test_a_condition_the_portal_no_longer_knows_is_not_met_and_never_almost():
    """Review finding 6: a stored condition whose type was renamed or removed since, or whose
    value has the wrong shape, counts as not met (never "you qualify", never "almost")."""
    firm = EnterpriseFactory(division="东升街道")  # operating, nothing against it
    stored = {
        "gone": [{"type": "gone"}],
        "gone-and-ok": [{"type": "operating"}, {"type": "gone"}],
        "not-a-dict": ["operating"],
        "bad-shape": [{"type": "streets", "value": "东升街道"}],  # a string, not a list
        "extra-key": [{"type": "operating", "when": "always"}],
        "not-a-list": {"type": "operating"},
    }
    for code, conditions in stored.items():
        saved = measure(code, [{"type": "operating"}])
        PolicyMeasure.objects.filter(pk=saved.pk).update(conditions=conditions)
    measure("fine", [{"type": "operating"}])
    matches = _by_code(policy_matches(enterprise=firm, on=today()))
    assert matches["fine"].met
    for code in stored:
        match = matches[code]
        assert not match.met and not match.almost, code
        unknown = [c for c in match.conditions if c.code == "unknown"]
        assert len(unknown) == 1 and not unknown[0].met, code
        assert unknown[0].label == "A condition the portal no longer knows"
    assert policy_matches(enterprise=firm, on=today())[0].measure.code == "fine"
    # The page and the API offer none of them.
    data = logged_in(enterprise_user(firm)).get("/api/v1/me/station/", **EN).json()
    offered = {p["code"]: p for p in data["policies"]}
    assert offered["fine"]["met"] is True
    assert not any(offered[code]["met"] or offered[code]["almost"] for code in stored)


def test_an_entity_closed_before_the_deadline_owes_no_report_as_the_report_rules_say():
    """Review finding 7: the station reads who must report from `annual_reports.rules` (as the
    letter of good standing does); an entity revoked before the deadline owes no report, where
    the station used to say "Not filed: file it now"."""
    year = today().year - 1
    closed_on = min(today(), report_deadline(year)) - dt.timedelta(days=1)
    firm = EnterpriseFactory(
        registered_on=dt.date(2015, 1, 1),
        status=Enterprise.Status.REVOKED,
        status_changed_on=closed_on,
    )
    assert report_due(firm, year)[0] is False
    measure("report", [{"type": "annual_report_filed"}])
    (m,) = policy_matches(enterprise=firm, on=today())
    assert m.met and "no report due" in m.conditions[0].why
    assert "Closed" in m.conditions[0].why
    data = logged_in(enterprise_user(firm)).get("/api/v1/me/station/", **EN).json()
    (action,) = [a for a in data["credit_actions"] if a["key"] == "annual-report"]
    assert action["title"] == "Annual report: none due"
    assert action["tone"] == "ok"
    # Revoked after the deadline: the report was due, and it is still asked.
    late = EnterpriseFactory(
        registered_on=dt.date(2015, 1, 1),
        status=Enterprise.Status.REVOKED,
        status_changed_on=report_deadline(year) + dt.timedelta(days=1),
    )
    (m,) = policy_matches(enterprise=late, on=today())
    assert not m.met and f"{report_deadline(year).isoformat()}" in m.conditions[0].why
