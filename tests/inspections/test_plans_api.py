"""The API of items, inspectors and sampling plans (issue 17 §8): list, detail, create, update
with the version (409 when stale), approve, close; 400 naming the field; access."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from credit_portal.models import User
from credit_portal.roles import Role
from inspections.models import InspectionItem, Inspector, SamplingPlan
from tests.inspections.factories_plans import (
    YEAR,
    bureau,
    inspector,
    item,
    make_plan,
    partner,
    planner,
    staff,
)

pytestmark = pytest.mark.django_db


def _api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _plan_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "api-1",
        "name": "接口创建的计划",
        "year": YEAR,
        "kind": "random",
        "lead_department": "amr",
        "departments": ["amr"],
        "items": ["api-item"],
        "industries": ["62"],
        "starts_on": f"{YEAR}-01-01",
        "ends_on": f"{YEAR}-12-31",
        "min_inspectors": 2,
        "strata": [
            {"stratum": "A", "ratio": "1.00", "frequency": 1},
            {"stratum": "B", "ratio": "5.00"},
        ],
    }
    body.update(over)
    return body


def test_plans_lifecycle_through_the_api() -> None:
    actor = planner()
    item("api-item")
    api = _api(actor)
    created = api.post("/api/v1/inspection-plans/", _plan_body(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["items"] == ["api-item"]
    assert body["strata"][0] == {"stratum": "A", "ratio": "1.00", "frequency": 1}
    listed = api.get("/api/v1/inspection-plans/", {"year": YEAR}).json()
    assert [p["code"] for p in listed["results"]] == ["api-1"]
    changed = api.patch(
        "/api/v1/inspection-plans/api-1/", {"name": "改名", "version": 1}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api.patch("/api/v1/inspection-plans/api-1/", {"name": "x", "version": 1}, format="json")
    assert stale.status_code == 409 and "current_version=2" in stale.json()["detail"]
    refused = api.post("/api/v1/inspection-plans/api-1/approve/", {"version": 2}, format="json")
    assert refused.status_code == 400
    assert "has 0 active" in str(refused.json()["errors"])
    inspector()
    inspector()
    approved = api.post("/api/v1/inspection-plans/api-1/approve/", {"version": 2}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api.post("/api/v1/inspection-plans/api-1/approve/", {"version": 3}, format="json")
    assert again.status_code == 409
    closed = api.post("/api/v1/inspection-plans/api-1/close/", {"version": 3}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.parametrize(
    ("over", "field", "needle"),
    [
        ({"strata": [{"stratum": "A", "ratio": "101"}]}, "strata", "between 0 and 100"),
        ({"strata": [{"stratum": "A", "ratio": "0"}]}, "strata", "below the floor"),
        ({"items": []}, "items", "at least one"),
        ({"min_inspectors": 1}, "min_inspectors", "At least 2"),
        ({"streets": ["不存在街道"]}, "streets", "不存在街道"),
        ({"entity_types": ["ufo"]}, "entity_types", "ufo"),
        ({"ends_on": f"{YEAR + 1}-01-01"}, "ends_on", "within that year"),
    ],
)
def test_bad_plans_are_400_naming_the_field(over: dict[str, Any], field: str, needle: str) -> None:
    item("api-item")
    response = _api(planner()).post("/api/v1/inspection-plans/", _plan_body(**over), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and any(needle in m for m in errors[field]), errors
    assert not SamplingPlan.objects.exists()


def test_plan_api_access() -> None:
    plan = make_plan(code="api-guard")
    assert _api(None).get("/api/v1/inspection-plans/").status_code in {401, 403}
    assert _api(staff(bureau())).get("/api/v1/inspection-plans/").status_code == 403
    outsider = staff(partner(), role=Role.SUPERVISOR)
    assert _api(outsider).get(f"/api/v1/inspection-plans/{plan.code}/").status_code == 404
    assert _api(outsider).get("/api/v1/inspection-plans/").json()["results"] == []
    reader = staff(bureau(), role=Role.INSPECTOR)
    assert _api(reader).get(f"/api/v1/inspection-plans/{plan.code}/").status_code == 200
    denied = _api(reader).post(
        f"/api/v1/inspection-plans/{plan.code}/approve/", {"version": 1}, format="json"
    )
    assert denied.status_code == 403


def test_items_through_the_api() -> None:
    api = _api(planner())
    body = {
        "code": "api-it",
        "name": "价格检查",
        "department": "amr",
        "legal_basis": "《价格法》",
        "method": "on_site",
        "checklist": "明码标价",
    }
    created = api.post("/api/v1/inspection-items/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["version"] == 1
    assert api.get("/api/v1/inspection-items/api-it/").json()["checklist"] == "明码标价"
    changed = api.patch(
        "/api/v1/inspection-items/api-it/", {"safety_sensitive": True, "version": 1}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["safety_sensitive"] is True
    assert (
        api.patch(
            "/api/v1/inspection-items/api-it/", {"name": "x", "version": 1}, format="json"
        ).status_code
        == 409
    )
    duplicate = api.post("/api/v1/inspection-items/", body, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()["errors"]
    assert InspectionItem.objects.count() == 1


def test_inspectors_through_the_api() -> None:
    api = _api(planner())
    staff(bureau(), username="plain")
    refused = api.post("/api/v1/inspectors/", {"username": "plain"}, format="json")
    assert refused.status_code == 400
    assert "badge" in refused.json()["errors"]["username"][0]
    staff(bureau(), username="badged", badge="B-77")
    created = api.post("/api/v1/inspectors/", {"username": "badged"}, format="json")
    assert created.status_code == 201 and created.json()["badge_number"] == "B-77"
    pk = created.json()["id"]
    changed = api.patch(
        f"/api/v1/inspectors/{pk}/", {"is_active": False, "version": 1}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert not Inspector.objects.get(pk=pk).is_active
    listed = api.get("/api/v1/inspectors/", {"active": "no"}).json()
    assert [r["id"] for r in listed["results"]] == [pk]
