"""Review regressions of the inspections work: bad input to the API and the pages is a 400 or
a 409, never a 500, and writes nothing; anonymous users, enterprise users and a third
department are kept out; the actions need a CSRF token; a partner department's supervisor sees
a joint visit but does not review a result the bureau leads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from credit_portal.roles import Role
from inspections.models import Inspection
from tests.inspections.factories_work import all_ok, at, firm_user, partner, person, world

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 1)
DAY = dt.date(2025, 9, 26)
URL = "/api/v1/inspections/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def w():
    with at(START):
        return world()


def test_api_list_bad_params(w, api_client_for):
    c = api_client_for(w["supervisor"])
    with at(DAY):
        for params in (
            {"draw": "99999999999999999999999"},
            {"draw": "-1"},
            {"enterprise": "x" * 5000},
            {"scope": "x"},
            {"overdue": "maybe"},
            {"page": "abc"},
            {"page": "99999"},
        ):
            r = c.get(URL, params)
            assert r.status_code in (200, 400, 404), (params, r.status_code)


def test_api_record_bad_bodies(w, api_client_for):
    c = api_client_for(w["a"].user)
    pk = w["inspection"].pk
    with at(DAY):
        for body in (
            {},
            {"version": "x"},
            {"version": 1, "checks": "x", "result_codes": "1"},
            {"version": 1, "checks": [{"id": "x"}], "result_codes": ["1"]},
            {"version": 1, "checks": [1, 2], "result_codes": ["1"]},
            {
                "version": 1,
                "checks": [{"id": 99999999999999999999, "result": "ok"}],
                "result_codes": ["1"],
                "checked_from": "2025-09-22",
                "check_ended_on": "2025-09-26",
            },
            {
                "version": 99999999999999999999,
                "checks": [],
                "result_codes": ["1"],
                "checked_from": "2025-09-22",
                "check_ended_on": "2025-09-26",
            },
            {
                "version": 1,
                "checks": [],
                "result_codes": ["1"],
                "checked_from": "9999-12-31",
                "check_ended_on": "9999-12-31",
            },
            {
                "version": 1,
                "checks": [],
                "result_codes": ["B"],
                "findings": "x",
                "checked_from": "2025-09-22",
                "check_ended_on": "2025-09-26",
                "disclose_items": [None],
                "order_number": "N\x00",
            },
        ):
            r = c.post(f"{URL}{pk}/record/", body, format="json")
            assert r.status_code in (400, 409), (body, r.status_code, r.content[:300])
    assert Inspection.objects.get(pk=pk).status == "assigned"


def test_api_review_and_assign_bad_bodies(w, api_client_for):
    c = api_client_for(w["supervisor"])
    pk = w["inspection"].pk
    with at(DAY):
        for body in ({}, {"version": 1, "decision": "x"}, {"version": 1, "decision": "approve"}):
            r = c.post(f"{URL}{pk}/review/", body, format="json")
            assert r.status_code in (400, 409), (body, r.status_code)
        for body in (
            {"version": 1, "inspectors": ["a"]},
            {"version": 1, "inspectors": [99999999999999999999]},
            {"version": 1, "inspectors": "x"},
        ):
            r = c.post(f"{URL}{pk}/assign/", body, format="json")
            assert r.status_code in (400, 409), (body, r.status_code)
        r = c.post(f"{URL}{pk}/publish/", {"version": 2**40}, format="json")
        assert r.status_code in (400, 409)


def test_pages_bad_input_and_access(w):
    pk = w["inspection"].pk
    anonymous = Client()
    assert anonymous.get("/inspections/tasks/").status_code == 302
    assert anonymous.get(f"/inspections/{pk}/").status_code == 302
    staff = Client()
    staff.force_login(w["supervisor"])
    firm = Client()
    firm.force_login(firm_user(w["firm"]))
    with at(DAY):
        assert firm.get("/inspections/tasks/").status_code == 403
        assert firm.get(f"/inspections/{pk}/").status_code == 403
        assert staff.get("/me/inspections/").status_code == 403
        assert anonymous.get("/me/inspections/").status_code == 302
        for q in ("?page=abc", "?page=99999", "?scope=zzz", "?status=zz", "?q=" + "x" * 500):
            assert staff.get("/inspections/tasks/" + q).status_code == 200, q
        assert staff.get(f"/inspections/{pk}/review/").status_code == 405
        assert staff.post(f"/inspections/{pk}/review/", {"version": "x"}).status_code == 400
        assert staff.post(f"/inspections/{pk}/publish/", {"version": "2"}).status_code == 400
        assert staff.post(f"/inspections/{pk}/assign/", {"version": "1"}).status_code == 400
        inspector = Client()
        inspector.force_login(w["a"].user)
        bad = inspector.post(
            f"/inspections/{pk}/record/",
            {"version": "1", "checked_from": "x", "check_ended_on": "2025-13-45"},
        )
        assert bad.status_code == 400


def test_csrf_is_enforced_on_the_actions(w):
    pk = w["inspection"].pk
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(w["supervisor"])
    with at(DAY):
        assert staff.post(f"/inspections/{pk}/publish/", {"version": "1"}).status_code == 403
        api = staff.post(
            f"{URL}{pk}/review/",
            {"version": 1, "decision": "approve"},
            content_type="application/json",
        )
        assert api.status_code == 403


def test_a_third_department_and_a_firm_see_nothing(w, api_client_for):
    pk = w["inspection"].pk
    stranger = person(Role.SUPERVISOR, "tboss", partner("tax", "区税务局"))
    with at(DAY):
        assert api_client_for(stranger).get(f"{URL}{pk}/").status_code == 404
        r = api_client_for(stranger).post(
            f"{URL}{pk}/review/", {"version": 1, "decision": "approve"}, format="json"
        )
        assert r.status_code == 404
    # The health supervisor sees the joint visit (an item of theirs) but may not review it.
    from inspections.services.inspections import inspection_record

    with at(DAY):
        inspection_record(
            actor=w["a"].user,
            inspection=w["inspection"],
            checks=all_ok(w["inspection"]),
            result_codes=["1"],
            findings="",
            checked_from=dt.date(2025, 9, 22),
            check_ended_on=DAY,
            expected_version=1,
        )
        r = api_client_for(w["health_supervisor"]).post(
            f"{URL}{pk}/review/", {"version": 2, "decision": "approve"}, format="json", **EN
        )
    assert r.status_code == 400, r.content
    assert Inspection.objects.get(pk=pk).status == "recorded"
