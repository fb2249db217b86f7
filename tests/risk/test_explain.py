"""The explanation (risk.explain): the breakdown in words in the reader's language, the score
of stored values, the enterprise's own facts that weigh on it and when each stops, and the
facts whose end or repair would move its class."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from risk import explain
from tests.enterprises.factories import EnterpriseFactory, Kind
from tests.risk.factories import general_version, record

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_breakdown_gives_each_contribution_in_words_in_the_readers_language() -> None:
    definition = general_version(
        weights={"abnormal_in_force": 10, "age": 10, "penalties_3y": 15, "soft_actions_1y": 10}
    ).definition
    values = [1, 10, 4, 0]
    with translation.override("en"):
        rows = explain.breakdown(definition, values, {})
    assert [(r.code, r.value, r.points, r.weight, r.contribution) for r in rows] == [
        ("abnormal_in_force", 1, 30, Decimal("1"), Decimal("30")),
        ("age", 10, 10, Decimal("1"), Decimal("10")),
        ("penalties_3y", 4, 45, Decimal("1.5"), Decimal("67.5")),
        ("soft_actions_1y", 0, 0, Decimal("1"), Decimal("0")),
    ]
    assert [r.text for r in rows] == [
        "Listed in the abnormal directory: 1 × 30 points, at most 30: 30 points",
        "Years in operation: 10 points",
        "Penalties in the last 3 years: 4 × 15 points, at most 45: 45 points × 1.5 = 67.5 points",
        "Soft enforcement in the last year: 0 × 5 points, at most 15: 0 points",
    ]
    assert (rows[0].family, rows[0].family_label, rows[0].source) == (
        "supervision",
        "Supervision information",
        "ledger",
    )
    with translation.override("zh-hans"):
        assert explain.breakdown(definition, values, {})[2].name == "近三年行政处罚"
    score = explain.score_of(
        definition, values, {"registered_on": "2000-01-01"}, as_of=timezone.localdate()
    )
    assert score == (Decimal("107.5"), "D", "")


def _firm_with_history() -> tuple[object, dict[str, object]]:
    """Three penalties and a listing in force (45 + 30 points: C), a soft action too old to
    count."""
    general_version()
    today = timezone.localdate()
    firm = EnterpriseFactory(registered_on=today - 4000 * DAY)
    facts = {
        "old_penalty": record(firm, Kind.PENALTY, today - 1000 * DAY),
        "penalty": record(firm, Kind.PENALTY, today - 100 * DAY),
        "new_penalty": record(firm, Kind.PENALTY, today - 10 * DAY),
        "listing": record(firm, Kind.ABNORMAL_LISTING, today - 50 * DAY),
        "old_soft": record(firm, Kind.SOFT_ENFORCEMENT, today - 400 * DAY),
    }
    return firm, facts


def test_weighing_facts_say_what_weighs_and_when_it_stops() -> None:
    firm, facts = _firm_with_history()
    today = timezone.localdate()
    with translation.override("en"):
        weighing = explain.weighing_facts(firm, on=today)  # type: ignore[arg-type]
    assert [(w.record, w.indicator_code, w.points, w.ends_on, w.ends_how) for w in weighing] == [
        (
            facts["new_penalty"],
            "penalties_3y",
            Decimal("15.0"),
            today + 1085 * DAY,
            "when the window ends",
        ),
        (
            facts["listing"],
            "abnormal_in_force",
            Decimal("30.0"),
            None,
            "until removed (a listing has no end date)",
        ),
        (
            facts["penalty"],
            "penalties_3y",
            Decimal("15.0"),
            today + 995 * DAY,
            "when the window ends",
        ),
        (
            facts["old_penalty"],
            "penalties_3y",
            Decimal("15.0"),
            today + 95 * DAY,
            "when the window ends",
        ),
    ]
    assert weighing[1].indicator_name == "Listed in the abnormal directory"


def test_what_would_change_lists_the_facts_whose_end_alone_moves_the_class() -> None:
    firm, facts = _firm_with_history()
    today = timezone.localdate()
    # 75 points (C): without one penalty 60, still C; without the listing 45, B.
    changes = explain.what_would_change(firm, on=today)  # type: ignore[arg-type]
    assert [(c.record, c.score_after, c.class_after, c.ends_on) for c in changes] == [
        (facts["listing"], Decimal("45.0"), "B", None)
    ]
    # Once the listing is removed (45 points, B), no single fact's end moves the class.
    record(firm, Kind.ABNORMAL_REMOVAL, today, closes=facts["listing"])  # type: ignore[arg-type]
    assert explain.what_would_change(firm, on=today) == []  # type: ignore[arg-type]
    # Two penalties (30 points, B): the end of either makes it A, the earliest first.
    other = EnterpriseFactory(registered_on=today - 4000 * DAY)
    late = record(other, Kind.PENALTY, today - 30 * DAY)
    early = record(other, Kind.PENALTY, today - 700 * DAY)
    with translation.override("en"):
        changes = explain.what_would_change(other, on=today)
    assert [(c.record, c.score_after, c.class_after, c.ends_on, c.how) for c in changes] == [
        (early, Decimal("15.0"), "A", today + 395 * DAY, "when the window ends"),
        (late, Decimal("15.0"), "A", today + 1065 * DAY, "when the window ends"),
    ]
    assert changes[0].indicator_name == "Penalties in the last 3 years"


def test_an_enterprise_not_classified_has_nothing_to_explain() -> None:
    general_version()
    firm = EnterpriseFactory(individual_business=True)
    assert explain.weighing_facts(firm, on=timezone.localdate()) == []
    assert explain.what_would_change(firm, on=timezone.localdate()) == []


def test_a_listing_that_sets_the_hard_rule_weighs_once_and_until_it_is_closed() -> None:
    """A windowed indicator counting listings and the hard rule "abnormal: at least C" both
    hold one listing: it is one line that ends when the listing is closed (the window's end
    would not move the class), and what would change it says so."""
    from tests.risk.factories import version_with

    version_with(
        [
            {
                "code": "abnormal_3y",
                "source": "ledger",
                "kinds": [Kind.ABNORMAL_LISTING],
                "window_days": 1095,
                "points_per_fact": 10,
                "max_points": 30,
            }
        ]
    )
    today = timezone.localdate()
    firm = EnterpriseFactory(registered_on=today - 4000 * DAY)
    listing = record(firm, Kind.ABNORMAL_LISTING, today - 50 * DAY)
    with translation.override("en"):
        weighing = explain.weighing_facts(firm, on=today)  # type: ignore[arg-type]
        changes = explain.what_would_change(firm, on=today)  # type: ignore[arg-type]
    assert [(w.record, w.indicator_code, w.ends_on, w.ends_how) for w in weighing] == [
        (listing, "abnormal_3y", None, "until removed (a listing has no end date)")
    ]
    assert weighing[0].indicator_name == "abnormal_3y; In the abnormal directory: at least C"
    assert [(c.record, c.class_after, c.ends_on, c.how) for c in changes] == [
        (listing, "A", None, "until removed (a listing has no end date)")
    ]
