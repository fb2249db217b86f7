"""The catalogue's conditions are checked against the whitelist (station.rules), each problem
named with its condition's number and what is wrong; the service and the admin refuse them."""

from __future__ import annotations

import pytest

from station.rules import CONDITION_TYPES, conditions_problems


def test_a_valid_list_of_every_kind_has_no_problem():
    conditions = [
        {"type": "entity_types", "value": ["company", "individual_business"]},
        {"type": "industry_sections", "value": ["H"]},
        {"type": "industry_divisions", "value": ["62"]},
        {"type": "streets", "value": ["东升街道"]},
        {"type": "registered_years_at_least", "value": 1},
        {"type": "registered_years_at_most", "value": 3},
        {"type": "capital_at_most", "value": "100.5"},
        {"type": "capital_at_least", "value": 10},
        {"type": "operating"},
        {"type": "no_abnormal_listing", "value": True},
        {"type": "not_on_serious_list"},
        {"type": "no_penalty_in_publicity"},
        {"type": "annual_report_filed"},
        {"type": "no_overdue_letter"},
    ]
    assert {c["type"] for c in conditions} == set(CONDITION_TYPES)
    assert conditions_problems(conditions) == []


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"type": "operating"}, "Conditions must be a list"),
        (["operating"], "Condition 1: write an object"),
        ([{"type": "risk_class", "value": ["A"]}], "Condition 1: unknown condition “risk_class”"),
        ([{"type": "operating"}, {"kind": "x"}], "Condition 2: unknown condition “None”"),
        ([{"type": "entity_types", "value": ["llc"]}], "not a known code: llc"),
        ([{"type": "entity_types", "value": []}], "give a non-empty list"),
        ([{"type": "industry_divisions", "value": ["99"]}], "not a known code: 99"),
        ([{"type": "streets", "value": [""]}], "every entry must be non-empty text"),
        ([{"type": "registered_years_at_least", "value": -1}], "whole number of years"),
        ([{"type": "registered_years_at_least", "value": "3"}], "whole number of years"),
        ([{"type": "capital_at_most", "value": "lots"}], "give an amount in CNY 10,000"),
        ([{"type": "capital_at_most", "value": -5}], "the amount must be zero or more"),
        ([{"type": "operating", "value": False}], "this condition takes no value"),
        ([{"type": "operating", "extra": 1}], "unknown key extra"),
        ([{"type": "operating"}, {"type": "operating"}], "this condition is set twice"),
    ],
)
def test_each_bad_condition_gets_a_clear_message(conditions, expected):
    problems = conditions_problems(conditions)
    assert problems, conditions
    assert any(expected in p for p in problems), problems
