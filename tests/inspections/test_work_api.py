"""The inspections API (issue 17 §8): `/api/v1/inspections/` (list with filters, detail, record,
review, publish, assign) and `/api/v1/me/inspections/`, with the permissions of the pages: an
inspector sees the tasks of their department, an enterprise its own inspections once
published; a result recorded twice or published twice is a 409 and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_portal.roles import Role
from enterprises.models import CreditRecord
from inspections.models import Inspection
from tests.inspections.factories_work import at, company, drawn, firm_user, partner, person, world

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 1)
DAY = dt.date(2025, 9, 26)
URL = "/api/v1/inspections/"


@pytest.fixture
def w():
    with at(START):
        return world()


def _record_body(inspection, **over):
    body = {
        "version": inspection.version,
        "checks": [{"id": c.pk, "result": "ok"} for c in inspection.checks.all()],
        "result_codes": ["1"],
        "checked_from": "2025-09-22",
        "check_ended_on": "2025-09-26",
    }
    body.update(over)
    return body


def test_list_filters_and_visibility(w, api_client_for):
    with at(START):
        late = drawn(
            company(), w["draw"], [w["own"]], [w["h"], w["h2"]], due_by=dt.date(2025, 9, 5)
        )
    inspector = api_client_for(w["a"].user)
    with at(DAY):
        mine = inspector.get(URL).json()
    assert [r["id"] for r in mine["results"]] == [w["inspection"].pk]
    row = mine["results"][0]
    assert row["enterprise"]["address"] == "双流区东升街道棠湖路8号"
    assert (row["status"], row["origin"], row["draw"]) == ("assigned", "random", "D2025-001")
    with at(DAY):
        everything = inspector.get(URL, {"scope": "all"}).json()
        overdue = inspector.get(URL, {"scope": "all", "overdue": "true"}).json()
        by_code = inspector.get(URL, {"scope": "all", "enterprise": w["firm"].uscc}).json()
        bad = inspector.get(URL, {"status": "nonsense"})
    assert everything["count"] == 2  # the bureau sees all
    assert [r["id"] for r in overdue["results"]] == [late.pk]
    assert [r["id"] for r in by_code["results"]] == [w["inspection"].pk]
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    # "My department": the partner's inspector sees its own plan's and the joint visit (an item
    # of theirs); a bureau inspector the bureau's only, not everything the bureau may see.
    with at(DAY):
        health = api_client_for(w["h2"].user).get(URL, {"scope": "department"}).json()
        amr = api_client_for(w["b"].user).get(URL, {"scope": "department"}).json()
    assert {r["id"] for r in health["results"]} == {w["inspection"].pk, late.pk}
    assert [r["id"] for r in amr["results"]] == [w["inspection"].pk]
    # A third department's inspector sees neither; an enterprise user is refused the list.
    stranger = person(Role.INSPECTOR, "stranger", partner("tax", "区税务局"))
    with at(DAY):
        assert api_client_for(stranger).get(URL, {"scope": "all"}).json()["count"] == 0
        assert api_client_for(stranger).get(f"{URL}{late.pk}/").status_code == 404
        assert api_client_for(firm_user(w["firm"])).get(URL).status_code == 403
        assert api_client_for(None).get(URL).status_code in (401, 403)


def test_record_review_publish_and_the_conflicts(w, api_client_for):
    inspection = w["inspection"]
    inspector = api_client_for(w["a"].user)
    with at(DAY):
        detail = inspector.get(f"{URL}{inspection.pk}/").json()
        assert [c["item"] for c in detail["checks"]] == ["gs-info", "gs-licence", "hw-food"]
        assert [i["username"] for i in detail["inspectors"]] == ["insp_a", "insp_h", "insp_b"]
        recorded = inspector.post(
            f"{URL}{inspection.pk}/record/", _record_body(inspection), format="json"
        )
        assert recorded.status_code == 200, recorded.json()
        assert recorded.json()["publish_due"] == "2025-10-30"
        twice = inspector.post(
            f"{URL}{inspection.pk}/record/",
            _record_body(inspection, version=2),
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert twice.status_code == 409 and twice.json()["code"] == "conflict"
        assert "already recorded" in twice.json()["detail"]
        refused = inspector.post(
            f"{URL}{inspection.pk}/review/", {"version": 2, "decision": "approve"}, format="json"
        )
        assert refused.status_code == 403
    boss = api_client_for(w["supervisor"])
    with at(dt.date(2025, 10, 9)):
        stale = boss.post(
            f"{URL}{inspection.pk}/review/", {"version": 1, "decision": "approve"}, format="json"
        )
        assert stale.status_code == 409
        reviewed = boss.post(
            f"{URL}{inspection.pk}/review/",
            {"version": 2, "decision": "approve", "publish_now": True},
            format="json",
        )
        assert reviewed.status_code == 200, reviewed.json()
        assert (reviewed.json()["status"], reviewed.json()["published_on"]) == (
            "published",
            "2025-10-09",
        )
        again = boss.post(f"{URL}{inspection.pk}/publish/", {"version": 4}, format="json")
        assert again.status_code == 409
    assert CreditRecord.objects.filter(kind="inspection_result").count() == 1
    with at(dt.date(2025, 10, 9)):
        public = api_client_for(None).get(f"/api/v1/public/enterprises/{w['firm'].uscc}/")
    results = public.json()["inspection_results"]
    assert [r["summary"] for r in results] == [
        "“双随机、一公开”抽查（市场主体联合抽查，D2025-001）：1 未发现问题"
    ]


def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(w, api_client_for):
    inspection = w["inspection"]
    inspector = api_client_for(w["a"].user)
    body = _record_body(inspection, result_codes=["1", "C"])
    body["checks"][0] = {"id": body["checks"][0]["id"], "result": "problem"}
    with at(DAY):
        answer = inspector.post(f"{URL}{inspection.pk}/record/", body, format="json")
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"checks", "result_codes", "findings"}
    assert Inspection.objects.get(pk=inspection.pk).status == "assigned"


def test_a_drawn_inspection_keeps_the_draws_inspectors(w, api_client_for):
    boss = api_client_for(w["supervisor"])
    with at(DAY):
        answer = boss.post(
            f"{URL}{w['inspection'].pk}/assign/",
            {"version": 1, "inspectors": [w["a"].pk, w["b"].pk]},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert answer.status_code == 400
    assert "draw" in " ".join(answer.json()["errors"]["non_field_errors"])


def test_the_enterprise_reads_its_own_published_inspections_only(w, api_client_for):
    from inspections.services.inspections import inspection_record, inspection_review
    from tests.inspections.factories_work import all_ok

    firm = api_client_for(firm_user(w["firm"]))
    assert firm.get("/api/v1/me/inspections/").json()["count"] == 0
    inspection = w["inspection"]
    with at(DAY):
        inspection_record(
            actor=w["a"].user,
            inspection=inspection,
            checks=all_ok(inspection),
            result_codes=["1"],
            findings="",
            checked_from=dt.date(2025, 9, 22),
            check_ended_on=DAY,
            expected_version=1,
        )
        inspection_review(
            actor=w["supervisor"],
            inspection=inspection,
            decision="approve",
            expected_version=2,
            publish_now=True,
        )
    own = firm.get("/api/v1/me/inspections/").json()
    assert [r["id"] for r in own["results"]] == [inspection.pk]
    assert "inspectors" not in own["results"][0] and "review_note" not in own["results"][0]
    assert firm.get(f"{URL}{inspection.pk}/").status_code == 403
    staff = api_client_for(w["supervisor"])
    assert staff.get("/api/v1/me/inspections/").status_code == 403
