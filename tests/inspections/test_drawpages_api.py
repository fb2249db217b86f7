"""The draws API (issue 17 §8): `/api/v1/draws/` (list, detail, commit, outside, derive,
reveal, redraw, verify, visits), `/api/v1/draw-jobs/<id>/`; codenames before the object,
jurisdiction, the service's refusals as 400s naming the field, a stale version as 409."""

from __future__ import annotations

import pytest

from credit_portal.roles import Role
from inspections import verify
from inspections.models import Draw, DrawJob
from tests.inspections import factories_draw as fd
from tests.inspections.factories_drawpages import AS_OF, committed, run_jobs, settle

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> fd.World:
    return fd.world()


def test_the_whole_life_of_a_draw(w, api_client_for):
    api = api_client_for(w.planner)
    body = {
        "plans": ["P01", "P02"],
        "title": "2026年第一批",
        "as_of": AS_OF.isoformat(),
        "outside_source": "福利彩票3D 2026-03-12",
    }
    started = api.post("/api/v1/draws/", body, format="json")
    assert started.status_code == 202, started.content
    job_url = started["Location"]
    assert started.json()["action"] == "commit" and started.json()["draw"] is None
    assert api.get(job_url).json()["status"] == "pending"
    run_jobs()
    job = api.get(job_url).json()
    assert job["status"] == "done" and job["draw_page"] == f"/inspections/draws/{job['draw']}/"
    pk = job["draw"]
    draw = api.get(f"/api/v1/draws/{pk}/").json()
    assert draw["status"] == "committed" and len(draw["commitment_hash"]) == 64
    assert "server_seed" not in draw
    assert {f["name"]: f["public"] for f in draw["files"]}["roster.tsv"] is False
    assert {s["plan"] for s in draw["strata"]} == {"P01", "P02"}
    stale = api.post(
        f"/api/v1/draws/{pk}/outside/", {"value": "4 7 1", "version": 99}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    done = api.post(
        f"/api/v1/draws/{pk}/outside/",
        {"value": "4 7 1", "version": draw["version"]},
        format="json",
    )
    assert done.status_code == 200 and done.json()["outside_value"] == "4 7 1"
    again = api.post(
        f"/api/v1/draws/{pk}/outside/",
        {"value": "1", "version": done.json()["version"]},
        format="json",
    )
    assert again.status_code == 400
    derive = api.post(f"/api/v1/draws/{pk}/derive/")
    assert derive.status_code == 202 and derive.json()["action"] == "derive"
    run_jobs()
    visits = api.get(f"/api/v1/draws/{pk}/visits/").json()
    assert visits["count"] >= 1
    assert all(len(v["inspectors"]) >= 2 for v in visits["results"])
    early = api.post(f"/api/v1/draws/{pk}/reveal/", HTTP_ACCEPT_LANGUAGE="en")
    assert early.status_code == 400 and "neither published nor cancelled" in str(early.json())
    settle(Draw.objects.get(pk=pk))
    revealed = api.post(f"/api/v1/draws/{pk}/reveal/")
    assert revealed.status_code == 200 and revealed.json()["status"] == "revealed"
    # Every file is public once revealed but the private strata.tsv (labels to classes).
    assert {f["name"] for f in revealed.json()["files"] if not f["public"]} == set(
        verify.PRIVATE_FILES
    )
    report = api.post(f"/api/v1/draws/{pk}/verify/").json()
    assert report["ok"] is True and report["lines"][-1] == "OK"
    listed = api.get("/api/v1/draws/", {"status": "revealed", "year": "2026"}).json()
    assert [d["id"] for d in listed["results"]] == [pk]
    assert api.get("/api/v1/draws/", {"status": "nope"}).status_code == 400


def test_refusals_and_permissions(w, api_client_for, user_with_perms):
    draw = committed(w)
    reader = api_client_for(user_with_perms("inspections.view_draw"))
    assert reader.get(f"/api/v1/draws/{draw.pk}/").status_code == 200
    for step in ("outside", "derive", "reveal", "redraw"):
        assert reader.post(f"/api/v1/draws/{draw.pk}/{step}/", {}, format="json").status_code == 403
    nobody = api_client_for(user_with_perms("inspections.view_samplingplan"))
    assert nobody.get("/api/v1/draws/").status_code == 403
    assert api_client_for(None).get("/api/v1/draws/").status_code == 403
    stranger = fd.staff(Role.SUPERVISOR, "eco", fd.department("eco", "区生态环境局"))
    assert api_client_for(stranger).get(f"/api/v1/draws/{draw.pk}/").status_code == 404
    api = api_client_for(w.planner)
    unknown = api.post(
        "/api/v1/draws/",
        {"plans": ["NOPE"], "title": "x", "as_of": "2026-03-01", "outside_source": "dice"},
        format="json",
    )
    assert unknown.status_code == 400 and "plans" in unknown.json()["errors"]
    future = api.post(
        "/api/v1/draws/",
        {"plans": ["P01"], "title": "x", "as_of": "2099-03-01", "outside_source": "dice"},
        format="json",
    )
    assert future.status_code == 400 and "as_of" in future.json()["errors"]
    no_reason = api.post(
        f"/api/v1/draws/{draw.pk}/redraw/",
        {"reason": " ", "title": "x", "as_of": "2026-03-01", "outside_source": "dice"},
        format="json",
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    assert DrawJob.objects.filter(status="pending").count() == 0
