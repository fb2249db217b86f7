"""The classification and inspection measures (dashboard.measures.risk, .inspections) against
counts taken directly from small fixtures: the district rows (department NULL), each
department's rows, by street where the measure is by street."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db.models import F
from django.urls import resolve

from credit_portal.models import Department
from dashboard.measures import all_measures
from dashboard.measures import inspections as m_inspections
from dashboard.measures import risk as m_risk
from inspections.models import Inspection, SamplingPlan
from risk.models import Assessment, CurrentClass
from tests.enterprises.factories import EnterpriseFactory
from tests.inspections import factories_work as fw
from tests.risk.factories import applied_run, classify_by_hand, general_version

pytestmark = pytest.mark.django_db

YEAR = 2025
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def _table(rows: Any) -> dict[tuple[str, str, int | None, str], int]:
    out: dict[tuple[str, str, int | None, str], int] = {}
    for measure, street, department, key, value in rows:
        cell = (measure, street, department, key)
        assert cell not in out, f"row written twice: {cell}"
        out[cell] = value
    return out


def _departments() -> tuple[Department, Department]:
    return fw.bureau(), fw.partner()


# --------------------------------------------------------------------------- classification


def _summary_of_current(departments: list[Department]) -> dict[str, Any]:
    """A full run's summary as the engine keeps it, built from the current classes."""
    summary: dict[str, Any] = {}

    def bump(path: tuple[str, ...], n: int) -> None:
        node = summary
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = node.get(path[-1], 0) + n

    for c in CurrentClass.objects.select_related("enterprise"):
        e = c.enterprise
        bump(("by_class", c.risk_class), 1)
        bump(("by_street", e.division, c.risk_class), 1)
        bump(("by_department", str(e.department_id), c.risk_class), 1)
        bump(("by_department_street", str(e.department_id), e.division, c.risk_class), 1)
    return summary


def _risk_world() -> dict[str, Any]:
    bureau, health = _departments()
    version = general_version()
    early = applied_run(as_of=dt.date(YEAR, 3, 31))
    late = applied_run(as_of=dt.date(YEAR, 11, 30))
    firms = []
    plan = [
        ("东升街道", bureau, "A", "B"),
        ("东升街道", bureau, "B", "B"),
        ("东升街道", health, "C", "D"),
        ("西航港街道", health, "D", "C"),
        ("西航港街道", bureau, "A", "A"),
        ("西航港街道", bureau, "B", "C"),
    ]
    for street, department, before, after in plan:
        firm = EnterpriseFactory(division=street, department=department)
        classify_by_hand(firm, before, version=version, run=early)
        classify_by_hand(firm, after, version=version, run=late, previous_class=before)
        firms.append(firm)
    # Not classified: one operating firm of each department without a current class, and a
    # deregistered one that does not count.
    EnterpriseFactory(division="东升街道", department=health)
    EnterpriseFactory(division="西航港街道", department=bureau)
    EnterpriseFactory(division="西航港街道", department=bureau, deregistered=True)
    late.summary = _summary_of_current([bureau, health])
    late.transitions = {"A>B": 1, "B>B": 1, "C>D": 1, "D>C": 1, "A>A": 1, "B>C": 1, "->A": 2}
    late.summary["transitions_by_department"] = {
        str(bureau.pk): {"A>B": 1, "B>B": 1, "A>A": 1, "B>C": 1, "->A": 2},
        str(health.pk): {"C>D": 1, "D>C": 1},
    }
    late.save()
    early.summary = {"by_class": {"A": 2, "B": 2, "C": 1, "D": 1}}
    early.save()
    return {"bureau": bureau, "health": health, "early": early, "late": late}


def test_class_distribution_reads_the_years_last_full_run_and_counts_the_unclassified():
    w = _risk_world()
    rows = _table(m_risk.rows(year=YEAR, first=FIRST, last=LAST))
    current = Counter(
        (c.enterprise.division, c.enterprise.department_id, c.risk_class)
        for c in CurrentClass.objects.select_related("enterprise")
    )
    for (street, department, risk_class), n in current.items():
        assert rows[("risk.classes", street, department, risk_class)] == n
    district = Counter((street, c) for (street, _d, c), n in current.items() for _ in range(n))
    for (street, risk_class), n in district.items():
        assert rows[("risk.classes", street, None, risk_class)] == n
    # Not classified: operating or suspended, no current class, counted directly.
    assert rows[("risk.classes", "东升街道", w["health"].pk, "X")] == 1
    assert rows[("risk.classes", "西航港街道", w["bureau"].pk, "X")] == 1
    assert rows[("risk.classes", "西航港街道", None, "X")] == 1
    # Totals: classified + not classified, per street.
    assert rows[("risk.classes", "东升街道", None, "")] == 3 + 1
    assert rows[("risk.classes", "西航港街道", None, "")] == 3 + 1
    assert (
        sum(v for (m, s, d, k), v in rows.items() if m == "risk.classes" and d is None and k == "")
        == 8
    )


def test_moves_of_the_last_run_and_changes_over_the_year():
    w = _risk_world()
    rows = _table(m_risk.rows(year=YEAR, first=FIRST, last=LAST))
    # The last run's from × to: district, and each department's share.
    assert rows[("risk.moves", "", None, "A>B")] == 1
    assert rows[("risk.moves", "", None, "->A")] == 2
    assert rows[("risk.moves", "", None, "")] == 4  # A>B, C>D, D>C, B>C
    assert rows[("risk.moves", "", w["health"].pk, "")] == 2
    assert rows[("risk.moves", "", w["bureau"].pk, "")] == 2
    # Over the year: the assessments that changed the class, counted directly.
    changes = Counter(
        (a.enterprise.division, a.enterprise.department_id, f"{a.previous_class}>{a.risk_class}")
        for a in Assessment.objects.exclude(previous_class="")
        .exclude(previous_class=F("risk_class"))
        .select_related("enterprise")
    )
    for (street, department, key), n in changes.items():
        assert rows[("risk.moves_year", street, department, key)] == n
    assert sum(
        v for (m, s, d, k), v in rows.items() if m == "risk.moves_year" and d is None and k == ""
    ) == sum(changes.values())


def test_an_earlier_years_run_keeps_no_unclassified_count_and_a_year_without_runs_is_empty():
    _risk_world()
    later = applied_run(as_of=dt.date(YEAR + 1, 1, 31))
    later.summary = {"by_class": {"A": 1}, "by_street": {"东升街道": {"A": 1}}}
    later.save()
    rows = _table(m_risk.rows(year=YEAR, first=FIRST, last=LAST))
    assert not [k for k in rows if k[0] == "risk.classes" and k[3] == "X"]
    empty = _table(m_risk.rows(year=2019, first=dt.date(2019, 1, 1), last=dt.date(2019, 12, 31)))
    assert empty == {}


def test_trend_takes_each_months_last_full_run():
    w = _risk_world()
    rows = _table(m_risk.rows(year=YEAR, first=FIRST, last=LAST))
    assert rows[("risk.trend", "", None, "03>A")] == 2
    assert rows[("risk.trend", "", None, "11>C")] == 2
    assert rows[("risk.trend", "", None, "")] == 2  # two months with a run
    assert rows[("risk.trend", "", w["health"].pk, "11>D")] == 1


# --------------------------------------------------------------------------- inspections


def _inspection_world() -> dict[str, Any]:
    bureau, health = _departments()
    food = fw.item("food", health)
    lic = fw.item("licence", bureau)
    solo = fw.plan("P1", [lic], [bureau])
    joint = fw.plan("P2", [lic, food], [bureau, health])
    fw.plan("P3", [food], [health])
    SamplingPlan.objects.filter(pk=fw.plan("P0", [lic], [bureau]).pk).update(
        status=SamplingPlan.Status.DRAFT
    )
    SamplingPlan.objects.filter(pk=fw.plan("P9", [lic], [bureau]).pk).update(year=YEAR - 1)
    the_draw = fw.draw([solo, joint])
    control_draw = fw.draw([solo], number="D2025-CTL")
    cases = [
        # street, stratum, status, problems, ended, due, published, origin
        (
            "东升街道",
            "A",
            "published",
            False,
            dt.date(YEAR, 4, 1),
            dt.date(YEAR, 4, 29),
            dt.date(YEAR, 4, 20),
            "random",
        ),
        (
            "东升街道",
            "A",
            "published",
            True,
            dt.date(YEAR, 4, 1),
            dt.date(YEAR, 4, 29),
            dt.date(YEAR, 5, 6),
            "random",
        ),
        (
            "东升街道",
            "D",
            "reviewed",
            True,
            dt.date(YEAR, 5, 1),
            dt.date(YEAR, 5, 29),
            None,
            "random",
        ),
        (
            "西航港街道",
            "D",
            "recorded",
            True,
            dt.date(YEAR, 12, 20),
            dt.date(YEAR + 1, 1, 20),
            None,
            "random",
        ),
        (
            "西航港街道",
            "",
            "published",
            False,
            dt.date(YEAR, 6, 1),
            dt.date(YEAR, 6, 29),
            dt.date(YEAR, 6, 10),
            "random",
        ),
        (
            "西航港街道",
            "A",
            "published",
            False,
            dt.date(YEAR, 6, 1),
            dt.date(YEAR, 6, 29),
            dt.date(YEAR, 6, 10),
            "control",
        ),
        ("东升街道", "B", "assigned", False, None, None, None, "random"),
        (
            "东升街道",
            "B",
            "cancelled",
            True,
            dt.date(YEAR, 6, 1),
            dt.date(YEAR, 6, 29),
            None,
            "random",
        ),
        (
            "东升街道",
            "C",
            "published",
            True,
            dt.date(YEAR - 1, 12, 1),
            dt.date(YEAR, 1, 5),
            dt.date(YEAR, 1, 4),
            "random",
        ),
    ]
    made = []
    for street, stratum, status, problems, ended, due, published, origin in cases:
        firm = EnterpriseFactory(division=street, department=bureau)
        made.append(
            Inspection.objects.create(
                enterprise=firm,
                origin=origin,
                draw=control_draw if origin == "control" else the_draw,
                department=bureau,
                stratum=stratum,
                due_by=dt.date(YEAR, 11, 30),
                status=status,
                problems_found=problems,
                check_ended_on=ended,
                publish_due=due,
                published_on=published,
            )
        )
    lead = fw.lead(EnterpriseFactory(division="东升街道", department=health), department=health)
    made.append(
        Inspection.objects.create(
            enterprise=lead.enterprise,
            origin="triggered",
            lead=lead,
            department=health,
            due_by=dt.date(YEAR, 8, 1),
            status="published",
            problems_found=True,
            check_ended_on=dt.date(YEAR, 7, 1),
            publish_due=dt.date(YEAR, 7, 29),
            published_on=dt.date(YEAR, 7, 30),
        )
    )
    return {"bureau": bureau, "health": health, "inspections": made}


def test_plans_joint_plans_and_their_departments():
    w = _inspection_world()
    rows = _table(m_inspections.rows(year=YEAR, first=FIRST, last=LAST, on=LAST))
    assert rows[("inspections.plans", "", None, "")] == 3  # P1-P3: no draft, no other year
    assert rows[("inspections.joint_plans", "", None, "")] == 1
    assert rows[("inspections.joint_departments", "", None, "")] == 2
    assert rows[("inspections.plans", "", w["bureau"].pk, "")] == 2
    assert rows[("inspections.plans", "", w["health"].pk, "")] == 2
    assert rows[("inspections.joint_departments", "", w["health"].pk, "")] == 1


def test_inspections_with_a_result_and_problems_per_class_and_origin():
    w = _inspection_world()
    rows = _table(m_inspections.rows(year=YEAR, first=FIRST, last=LAST, on=LAST))
    with_result = [
        i
        for i in Inspection.objects.select_related("enterprise")
        if i.status in ("recorded", "returned", "reviewed", "published")
        and i.check_ended_on
        and FIRST <= i.check_ended_on <= LAST
    ]
    by_origin = Counter(i.origin for i in with_result)
    found = Counter(i.origin for i in with_result if i.problems_found)
    for origin, n in by_origin.items():
        total = sum(
            v
            for (m, s, d, k), v in rows.items()
            if m == "inspections.done" and d is None and k == origin
        )
        assert total == n
    assert sum(
        v
        for (m, s, d, k), v in rows.items()
        if m == "inspections.problems" and d is None and k == ""
    ) == sum(found.values())
    by_class = Counter(
        (i.enterprise.division, i.stratum or "X") for i in with_result if i.origin == "random"
    )
    for (street, stratum), n in by_class.items():
        assert rows[("inspections.class_done", street, None, stratum)] == n
    assert rows[("inspections.class_problems", "东升街道", None, "D")] == 1
    assert rows[("inspections.class_problems", "东升街道", None, "A")] == 1
    assert ("inspections.class_done", "东升街道", None, "C") not in rows  # ended last year
    assert rows[("inspections.done", "东升街道", w["health"].pk, "triggered")] == 1


def test_publication_within_20_working_days_met_missed_and_not_yet_due():
    w = _inspection_world()
    rows = _table(m_inspections.rows(year=YEAR, first=FIRST, last=LAST, on=dt.date(YEAR, 6, 15)))
    # Due in the year: Jan 5 (met), Apr 29 twice (met; published late on May 6), May 29
    # (unpublished on Jun 15: missed), Jun 29 twice (met; the cancelled one does not count),
    # Jul 29 (the triggered one, published a day late: missed).
    district = {
        k: v for (m, s, d, k), v in rows.items() if m == "inspections.publication" and d is None
    }
    totals: Counter[str] = Counter()
    for (m, _s, d, k), v in rows.items():
        if m == "inspections.publication" and d is None:
            totals[k] += v
    assert totals["met"] == 4
    assert totals["missed"] == 3  # published May 6 after Apr 29; May 29 unpublished; Jul 30
    assert totals["pending"] == 0
    assert totals[""] == 7
    assert district
    health = sum(
        v
        for (m, s, d, k), v in rows.items()
        if m == "inspections.publication" and d == w["health"].pk and k == "missed"
    )
    assert health == 1


def test_every_measure_of_mine_is_declared_and_links_to_a_page():
    measures = all_measures()
    for code in [m.code for m in m_risk.MEASURES + m_inspections.MEASURES]:
        m = measures[code]
        assert m.list_url is not None
        url = m.list_url(YEAR, "东升街道")
        assert url
        resolve(url.split("?")[0])
