"""The rules of penalties and their publicity, as pure functions (remediation.rules):
ranges and the 从轻 band, limitation, the first-violation window, the publicity term of Order 45
arts. 2 and 13, its last day, and the publication deadlines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from remediation import rules
from remediation.models import PenaltyDecision, PenaltyMeasure

D = Decimal
NP, ORG = rules.NATURAL_PERSON, rules.ORGANISATION


def m(kind: str, amount: int | None = None, months: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, amount=None if amount is None else D(amount), months=months)


def test_the_rules_speak_of_the_models_values():
    kinds = set(PenaltyMeasure.Kind.values)
    assert {
        rules.WARNING,
        rules.PUBLIC_CRITICISM,
        rules.FINE,
        rules.BAN,
        rules.RESTRICT_BUSINESS,
    } <= kinds
    assert kinds >= rules.MEASURES_WITH_MONTHS
    leniencies = set(PenaltyDecision.Leniency.values)
    assert {
        rules.STANDARD,
        rules.LIGHTER,
        rules.MITIGATED,
        rules.EXEMPT,
        rules.FIRST_VIOLATION,
    } == leniencies
    grounds = set(PenaltyDecision.LeniencyGround.values)
    assert set().union(*rules.LENIENCY_GROUNDS.values()) == grounds


@pytest.mark.parametrize(
    ("kind", "low", "high", "base", "expected"),
    [
        ("amount", D(5000), D(50000), None, (D("5000.00"), D("50000.00"))),
        ("amount", None, D(5000), None, (D("0.00"), D("5000.00"))),
        ("multiple", D(10), D(20), D(3000), (D("30000.00"), D("60000.00"))),
        ("multiple", D(10), D(20), None, None),  # no base: nothing to compare yet
        ("amount", D(100), None, None, None),  # no maximum
        ("none", D(1), D(2), None, None),
    ],
)
def test_fine_range(kind, low, high, base, expected):
    assert (
        rules.fine_range(range_kind=kind, range_min=low, range_max=high, base_amount=base)
        == expected
    )


@pytest.mark.parametrize(
    ("low", "high", "band_max"),
    [
        (D(0), D(5000), D("1500.00")),
        (D(5000), D(50000), D("18500.00")),
        (D(30000), D(60000), D("39000.00")),  # 10 to 20 times a base of 3,000
        (D(1000), D(1000), D("1000.00")),
    ],
)
def test_lighter_band_is_the_lowest_30_percent(low, high, band_max):
    assert rules.lighter_band(low, high) == (low, band_max)


def test_lighter_band_on_a_multiple_of_the_base_is_taken_of_the_amounts():
    low, high = rules.fine_range(
        range_kind="multiple", range_min=D(10), range_max=D(20), base_amount=D("3000")
    )
    assert rules.lighter_band(low, high) == (D("30000.00"), D("39000.00"))


@pytest.mark.parametrize(
    ("violation", "ended", "found", "harm", "years", "passed"),
    [
        (dt.date(2023, 3, 1), None, dt.date(2025, 3, 1), False, 2, False),  # the last day
        (dt.date(2023, 3, 1), None, dt.date(2025, 3, 2), False, 2, True),
        (dt.date(2022, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 9, 1), False, 2, False),
        (dt.date(2021, 1, 1), None, dt.date(2025, 9, 1), True, 5, False),
        (dt.date(2020, 1, 1), None, dt.date(2025, 1, 2), True, 5, True),
        (dt.date(2024, 2, 29), None, dt.date(2026, 2, 28), False, 2, False),
        (dt.date(2024, 2, 29), None, dt.date(2026, 3, 1), False, 2, True),
    ],
)
def test_limitation(violation, ended, found, harm, years, passed):
    check = rules.limitation_check(
        violation_on=violation, violation_ended_on=ended, discovered_on=found, safety_harm=harm
    )
    assert (check.years, check.passed) == (years, passed)
    assert check.runs_from == (ended or violation)
    assert check.article == rules.LIMITATION_ARTICLE


def test_a_special_law_sets_its_own_limitation_and_is_named():
    check = rules.limitation_check(
        violation_on=dt.date(2024, 1, 1),
        violation_ended_on=None,
        discovered_on=dt.date(2025, 1, 2),
        safety_harm=True,
        special_years=1,
        special_article="《某特别法》第八条",
    )
    assert (check.years, check.article, check.passed) == (1, "《某特别法》第八条", True)


def test_the_first_violation_window_is_two_years_both_ends_included():
    assert rules.first_violation_window(dt.date(2025, 8, 1)) == (
        dt.date(2023, 8, 1),
        dt.date(2025, 8, 1),
    )


@pytest.mark.parametrize(
    ("party", "entity_type", "nature"),
    [
        ("natural_person", "", NP),
        ("registered", "individual_business", NP),
        ("registered", "company", ORG),
        ("registered", "sole_proprietorship", ORG),
        ("organisation", "", ORG),
    ],
)
def test_party_nature(party, entity_type, nature):
    assert rules.party_nature(party_kind=party, entity_type=entity_type) == nature


@pytest.mark.parametrize(
    ("measures", "nature", "procedure", "published", "months", "reason"),
    [
        ([m("fine", 100)], ORG, "simple", False, 0, "simple_procedure"),
        ([], ORG, "ordinary", False, 0, "no_penalty"),
        ([m("warning")], ORG, "ordinary", False, 0, "warning_only"),
        ([m("warning"), m("warning")], NP, "ordinary", False, 0, "warning_only"),
        ([m("public_criticism")], ORG, "ordinary", True, 3, "short"),
        ([m("fine", 9999)], NP, "ordinary", True, 3, "short"),
        ([m("fine", 10000)], NP, "ordinary", True, 36, "long"),
        ([m("fine", 99999)], ORG, "ordinary", True, 3, "short"),
        ([m("fine", 100000)], ORG, "ordinary", True, 36, "long"),
        ([m("fine", 6000), m("fine", 5000)], NP, "ordinary", True, 36, "long"),  # the total
        ([m("public_criticism"), m("fine", 5000)], ORG, "ordinary", True, 3, "short"),
        ([m("fine", 5000), m("confiscate_gains", 800)], ORG, "ordinary", True, 36, "long"),
        ([m("confiscate_property")], NP, "ordinary", True, 36, "long"),
        ([m("warning"), m("fine", 500)], ORG, "ordinary", True, 36, "long"),  # "only", literally
        ([m("licence_revocation")], ORG, "ordinary", True, 36, "long"),
        ([m("licence_suspension", months=6)], ORG, "ordinary", True, 36, "long"),
        ([m("ban", months=36), m("fine", 1000)], NP, "ordinary", True, 36, "long"),
        ([m("ban", months=60), m("fine", 1000)], NP, "ordinary", True, 60, "ban"),
        ([m("restrict_business", months=48)], ORG, "ordinary", True, 48, "ban"),
    ],
)
def test_publicity_term(measures, nature, procedure, published, months, reason):
    term = rules.publicity_term(measures, nature, procedure)
    assert (term.published, term.months, term.reason) == (published, months, reason)
    assert rules.PublicityTerm.from_code(term.code) == (term if published else None)


def test_publicity_term_takes_dicts_too():
    term = rules.publicity_term(
        [{"kind": "fine", "amount": "9000", "months": None}], NP, "ordinary"
    )
    assert term.code == "3m"


def test_the_lower_amount_is_a_setting(settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "LOWER_FINE_ORGANISATION": 50_000}
    assert rules.publicity_term([m("fine", 60_000)], ORG, "ordinary").months == 36
    assert rules.publicity_term([m("fine", 49_999)], ORG, "ordinary").months == 3


@pytest.mark.parametrize(
    ("published_on", "months", "end"),
    [
        (dt.date(2025, 10, 15), 3, dt.date(2026, 1, 14)),
        (dt.date(2025, 1, 31), 3, dt.date(2025, 4, 29)),  # 30 April is 31 January + 3 months
        (dt.date(2025, 10, 15), 36, dt.date(2028, 10, 14)),
        (dt.date(2024, 2, 29), 36, dt.date(2027, 2, 27)),
        (dt.date(2025, 3, 1), 60, dt.date(2030, 2, 28)),
    ],
)
def test_publicity_end_is_the_last_public_day(published_on, months, end):
    term = rules.PublicityTerm(True, months, "long")
    assert rules.publicity_end(published_on, term) == end


def test_nothing_published_has_no_end():
    assert (
        rules.publicity_end(dt.date(2025, 1, 1), rules.PublicityTerm(False, 0, "warning_only"))
        is None
    )


@pytest.mark.django_db
def test_publication_deadlines_count_working_days():
    # docs/domain.md §0: 20 WD after 2025-09-26 is 2025-10-30 (the National Day holiday, and
    # the working Sunday 28 September and Saturday 11 October, counted).
    assert rules.publication_deadline(dt.date(2025, 9, 26), other_province=False).day == dt.date(
        2025, 10, 30
    )
    push = rules.publication_deadline(dt.date(2025, 9, 26), other_province=True)
    assert (push.day, push.provisional) == (dt.date(2025, 10, 16), False)
    assert rules.withdrawal_deadline(dt.date(2025, 9, 30)).day == dt.date(2025, 10, 11)


@pytest.mark.django_db
def test_a_deadline_in_a_year_not_known_is_provisional():
    due = rules.publication_deadline(dt.date(2027, 3, 1), other_province=False)
    assert due.provisional
