"""Each plan's pool as of a date (issue 17 §2; `inspections.services.pools`): the strata (NR,
IB, the class, X), the scope, and every exclusion with its rule and `until`, as the planner
sees them before drawing; the "not enough inspectors" problems with their numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from enterprises.models import CreditRecord, Enterprise
from inspections.models import Inspection, InspectionCheck, Recusal
from inspections.services.pools import (
    plan_pools,
    plans_capacity_problems,
    pool_exclusions,
    pool_preview,
)
from tests.inspections import factories_draw as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (the interface is Chinese first)."""
    with translation.override("en"):
        yield


AS_OF = dt.date(2026, 3, 1)


def _pool(plan) -> dict[str, set[int]]:
    result = plan_pools(plans=[plan], as_of=AS_OF)[plan.pk]
    return {s: {row[0] for row in rows} for s, rows in result.pool.items()}


def _excluded(plan) -> dict[int, tuple[str, dt.date | None]]:
    result = plan_pools(plans=[plan], as_of=AS_OF)[plan.pk]
    return {e[0]: (e[4], e[5]) for e in result.exclusions}


def test_strata_missing_report_individual_business_class_and_unclassified():
    w = f.world(firms=0)
    b = f.classed(w.bureau, "B")
    a = f.classed(w.bureau, "A")
    unclassed = f.firm(w.bureau)
    ib = f.firm(w.bureau, individual_business=True)
    late = f.classed(w.bureau, "A")
    f.late_report(late, 2024)  # dated 2025-07-01: last year's report is missing
    filed = f.classed(w.bureau, "A")
    f.late_report(filed, 2024)
    CreditRecord.objects.create(
        enterprise=filed,
        kind="annual_report_filed",
        occurred_on=dt.date(2025, 8, 1),
        summary="filed late",
        details={"year": 2024, "late": True},
    )
    old = f.classed(w.bureau, "A")
    f.late_report(old, 2023)  # dated 2024-07-01: more than a year before
    w.p01.strata.create(stratum="NR", ratio="100")
    assert _pool(w.p01) == {
        "B": {b.pk},
        "A": {a.pk, filed.pk, old.pk},
        "X": {unclassed.pk},
        "IB": {ib.pk},
        "NR": {late.pk},
    }


def test_a_stratum_without_a_ratio_is_outside_the_plan():
    w = f.world(firms=0)
    c = f.classed(w.bureau, "C")
    result = plan_pools(plans=[w.p01], as_of=AS_OF)[w.p01.pk]
    assert c.pk not in {row[0] for rows in result.pool.values() for row in rows}
    assert not result.exclusions


def test_scope_by_industry_street_and_entity_type():
    w = f.world(firms=0)
    inside = f.classed(w.bureau, "B", industry_division="52", division="东升街道")
    other_industry = f.classed(w.bureau, "B", industry_division="13", division="东升街道")
    other_street = f.classed(w.bureau, "B", industry_division="52", division="西航港街道")
    w.p01.industries, w.p01.streets, w.p01.entity_types = ["52"], ["东升街道"], ["company"]
    w.p01.save()
    assert _pool(w.p01)["B"] == {inside.pk}
    w.p01.entity_types = ["partnership"]
    w.p01.save()
    assert "B" not in _pool(w.p01)
    del other_industry, other_street


def test_exclusions_with_their_rule_and_until():
    w = f.world(firms=0)
    closed = f.classed(
        w.bureau, "B", status=Enterprise.Status.DEREGISTERED, status_changed_on=dt.date(2025, 5, 1)
    )
    closed_later = f.classed(
        w.bureau, "B", status=Enterprise.Status.REVOKED, status_changed_on=dt.date(2026, 4, 1)
    )
    moved = f.classed(
        w.bureau, "B", status=Enterprise.Status.MOVED_OUT, status_changed_on=dt.date(2025, 5, 1)
    )
    cancelled = f.classed(
        w.bureau, "B", status=Enterprise.Status.CANCELLED, status_changed_on=dt.date(2025, 8, 1)
    )
    suspended = f.classed(
        w.bureau,
        "B",
        status=Enterprise.Status.SUSPENDED,
        suspended_from=dt.date(2025, 6, 1),
        suspended_until=dt.date(2027, 5, 31),
    )
    suspension_over = f.classed(
        w.bureau,
        "B",
        status=Enterprise.Status.SUSPENDED,
        suspended_from=dt.date(2025, 1, 1),
        suspended_until=dt.date(2026, 2, 28),
    )
    new = f.classed(w.bureau, "B", registered_on=dt.date(2025, 9, 1))
    year_old = f.classed(w.bureau, "B", registered_on=dt.date(2025, 3, 1))
    not_yet = f.classed(w.bureau, "B", registered_on=dt.date(2026, 3, 2))
    excluded = _excluded(w.p01)
    assert excluded == {
        closed.pk: ("closed", None),
        moved.pk: ("closed", None),
        cancelled.pk: ("closed", None),
        suspended.pk: ("suspended", dt.date(2027, 5, 31)),
        new.pk: ("observation", dt.date(2026, 9, 1)),
    }
    assert _pool(w.p01)["B"] == {closed_later.pk, suspension_over.pk, year_old.pk}
    # A plan with a safety-sensitive item keeps new entities (domain.md §7).
    assert new.pk in _pool(w.p02)["B"]
    assert not_yet.pk not in _pool(w.p02)["B"]


def test_inspected_under_the_plan_as_often_as_its_frequency_is_left_out_until_next_year():
    w = f.world(firms=2)
    done, other = w.firms
    from inspections.models import Draw
    from tests.inspections.factories_work import draw as made_draw

    d = made_draw([w.p01])
    inspection = Inspection.objects.create(
        enterprise=done, origin="random", draw=d, department=w.bureau, due_by=dt.date(2026, 11, 30)
    )
    InspectionCheck.objects.create(inspection=inspection, item=w.general, plan=w.p01)
    assert _excluded(w.p01)[done.pk] == ("recent", dt.date(2027, 1, 1))
    assert done.pk in _pool(w.p02)["B"]  # another plan: not inspected under it
    w.p01.strata.filter(stratum="B").update(frequency=2)
    assert done.pk in _pool(w.p01)["B"]
    w.p01.strata.filter(stratum="B").update(frequency=1)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.CANCELLED)
    assert done.pk in _pool(w.p01)["B"]
    assert Draw.objects.count() == 1 and other.pk in _pool(w.p01)["B"]


def test_the_preview_and_the_pages_of_exclusions():
    w = f.world(firms=5)
    for day in (1, 2, 3):
        f.classed(w.bureau, "B", registered_on=dt.date(2025, 10, day))
    f.classed(w.bureau, "B", status=Enterprise.Status.DEREGISTERED)
    preview = pool_preview(plan=w.p01, as_of=AS_OF)
    by_stratum = {s.stratum: s for s in preview.strata}
    assert (by_stratum["B"].pool, by_stratum["B"].excluded, by_stratum["B"].target) == (5, 4, 3)
    assert preview.excluded_by_rule == {"observation": 3, "suspended": 0, "closed": 1, "recent": 0}
    assert (preview.pool, preview.excluded) == (5, 4)
    page = pool_exclusions(plan=w.p01, as_of=AS_OF, rule="observation", limit=2, offset=0)
    rest = pool_exclusions(plan=w.p01, as_of=AS_OF, rule="observation", limit=2, offset=2)
    assert [e.rule for e in page + rest] == ["observation"] * 3
    assert [e.uscc for e in page + rest] == sorted(e.uscc for e in page + rest)
    assert page[0].until == page[0].until and "registered on" in page[0].detail
    assert len(pool_exclusions(plan=w.p01, as_of=AS_OF)) == 4


def test_capacity_problems_name_the_numbers():
    w = f.world(firms=3, amr_inspectors=2, health_inspectors=1)
    assert plans_capacity_problems(plans=[w.p01, w.p02], as_of=AS_OF) == []
    w.p01.min_inspectors = 3
    w.p01.save()
    assert plans_capacity_problems(plans=[w.p01], as_of=AS_OF) == [
        "Plan P01 needs 3 inspectors per firm, has 2 active."
    ]
    w.p01.min_inspectors = 2
    w.p01.save()
    # A recusal that empties the pool of inspectors for a firm.
    Recusal.objects.create(
        inspector=w.inspectors[0],
        enterprise=w.firms[0],
        origin="declared",
        reason="亲属",
        valid_from=dt.date(2026, 1, 1),
        created_by=w.planner,
    )
    problems = plans_capacity_problems(plans=[w.p01], as_of=AS_OF)
    assert problems == [
        f"Plan P01: firm {w.firms[0].uscc} needs 2 inspectors, has 1 once 1 recusal(s) are "
        "taken out."
    ]
    w.inspectors[2].skills.clear()
    problems = plans_capacity_problems(plans=[w.p02], as_of=AS_OF)
    assert any("needs an inspector skilled in" in p for p in problems)
