"""Review regressions of the inspections work: a visit that failed (6 unreachable, 8 serious
refusal) is recorded with its items "not applicable" (they could not be checked), while any
other problem code still needs an item found a problem; the enterprise's own API reads its
checks in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from inspections.models import Inspection
from inspections.services.inspections import inspection_record
from tests.inspections.factories_work import all_ok, at, draw, drawn, firm_user, world

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 1)
DAY = dt.date(2025, 9, 26)


@pytest.fixture
def w():
    with at(START):
        return world()


def _not_checked(inspection: Inspection) -> dict[int, dict[str, str]]:
    return {c.pk: {"result": "na", "note": "无法入户检查"} for c in inspection.checks.all()}


def _record(w, codes, checks):
    inspection = w["inspection"]
    with at(DAY):
        return inspection_record(
            actor=w["a"].user,
            inspection=inspection,
            checks=checks,
            result_codes=list(codes),
            findings="登记住所无人，电话无法接通",
            checked_from=dt.date(2025, 9, 22),
            check_ended_on=DAY,
            expected_version=inspection.version,
        )


@pytest.mark.parametrize("codes", [("6",), ("8",), ("6", "8")])
def test_a_failed_visit_is_recorded_with_its_items_not_applicable(w, codes):
    done = _record(w, codes, _not_checked(w["inspection"]))
    assert done.status == Inspection.Status.RECORDED
    assert done.problems_found
    assert set(done.checks.values_list("result", flat=True)) == {"na"}


@pytest.mark.parametrize("codes", [("C",), ("6", "C"), ("A",)])
def test_another_problem_code_still_needs_an_item_found_a_problem(w, codes):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _record(w, codes, _not_checked(w["inspection"]))
    assert "no item checked was found a problem" in str(refused.value.error_dict["result_codes"])
    assert Inspection.objects.get(pk=w["inspection"].pk).status == Inspection.Status.ASSIGNED
    # "1" with every item in order stays accepted.
    assert _record(w, ("1",), all_ok(w["inspection"])).status == Inspection.Status.RECORDED


def test_the_enterprises_own_api_reads_the_checks_in_a_fixed_number_of_queries(w, api_client_for):
    def publish_one(number: str) -> None:
        row = drawn(w["firm"], draw([w["joint"]], number=number), [w["joint"]], [w["a"]])
        Inspection.objects.filter(pk=row.pk).update(
            status=Inspection.Status.PUBLISHED,
            published_on=DAY,
            check_ended_on=DAY,
            result_codes=["1"],
        )

    client = api_client_for(firm_user(w["firm"]))
    publish_one("D2025-101")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/api/v1/me/inspections/")
        assert answer.status_code == 200
        return len(queries), answer.json()["count"]

    count()  # warm the caches (the calendar, the user's membership)
    few, one = count()
    for n in range(4):
        publish_one(f"D2025-10{n + 2}")
    many, five = count()
    assert (one, five) == (1, 5)
    assert many == few


def test_a_triggered_results_public_summary_does_not_name_the_lead(w):
    from inspections.services.inspections import result_summary
    from tests.inspections.factories_work import lead

    the_lead = lead(w["firm"], number="线索〔2025〕0007")
    inspection = Inspection(
        enterprise=w["firm"], origin=Inspection.Origin.TRIGGERED, lead=the_lead, result_codes=["1"]
    )
    assert result_summary(inspection) == "触发式检查：1 未发现问题"  # no lead number in public
