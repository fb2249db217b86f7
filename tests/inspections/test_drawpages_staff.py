"""The staff pages of the draws (issue 17 §2, §3): the list, a new draw through its form and
its job, the draw's page with its stepper and the forms of each step (outside value, derive,
reveal, redraw, verify), the visits with their inspectors, the pool preview, and who may see
and do what."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from inspections import audit_events
from inspections.models import Draw, DrawJob, Inspection, SamplingPlan
from tests.inspections import factories_draw as fd
from tests.inspections.factories_drawpages import (
    AS_OF,
    committed,
    drawn,
    logged_in,
    run_jobs,
    settle,
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> fd.World:
    return fd.world()


def test_list_and_access(w, client):
    draw = committed(w)
    page = logged_in(w.planner).get("/inspections/draws/")
    assert page.status_code == 200
    assert draw.number in text(page)
    assert 'data-testid="new-draw"' in page.content.decode()
    # An inspector sees the draws but may not start one.
    inspector = w.inspectors[0].user
    seen = logged_in(inspector).get("/inspections/draws/")
    assert seen.status_code == 200 and 'data-testid="new-draw"' not in seen.content.decode()
    assert logged_in(inspector).get("/inspections/draws/new/").status_code == 403
    # Anonymous: the login page; an enterprise-less user without the codename: 403.
    assert client.get("/inspections/draws/").status_code == 302
    nobody = fd.staff(Role.REGISTRAR, "registrar", w.bureau)
    assert logged_in(nobody).get(f"/inspections/draws/{draw.pk}/").status_code == 403


def test_partner_department_sees_only_its_plans_draws(w):
    draw = committed(w, plans=[w.p01])  # the bureau's own plan
    other = fd.department("eco", "区生态环境局")
    stranger = fd.staff(Role.SUPERVISOR, "eco-planner", other)
    assert logged_in(stranger).get(f"/inspections/draws/{draw.pk}/").status_code == 404
    assert draw.number not in text(logged_in(stranger).get("/inspections/draws/"))
    # Health takes part in P02: its staff see a draw of P02.
    joint = committed(w, plans=[w.p02])
    health = fd.staff(Role.SUPERVISOR, "health-planner", w.health)
    assert logged_in(health).get(f"/inspections/draws/{joint.pk}/").status_code == 200


def test_new_draw_through_the_form_and_its_job(w):
    c = logged_in(w.planner)
    form = c.get("/inspections/draws/new/?year=2026")
    assert "P01" in text(form) and "P02" in text(form)
    answer = c.post(
        "/inspections/draws/new/?year=2026",
        {
            "year": "2026",
            "plans": [w.p01.pk, w.p02.pk],
            "title": "2026年第一批",
            "as_of": AS_OF.isoformat(),
            "outside_source": "福利彩票3D 2026-03-12",
        },
    )
    assert answer.status_code == 302
    job = DrawJob.objects.get()
    assert answer["Location"] == f"/inspections/draws/jobs/{job.pk}/"
    # While it waits, its page follows it; once a worker has run it, the page opens the draw.
    waiting = c.get(answer["Location"]).content.decode()
    assert 'data-running="1"' in waiting and "draw_job.js" in waiting
    assert run_jobs() == 1
    job.refresh_from_db()
    assert job.status == DrawJob.Status.DONE and job.draw is not None
    follow = c.get(answer["Location"])
    assert follow.status_code == 302 and follow["Location"] == f"/inspections/draws/{job.draw.pk}/"
    page = c.get(follow["Location"])
    body = page.content.decode()
    assert 'data-step="committed"' in body and 'class="is-current" data-step="outside"' in body
    assert job.draw.commitment_hash in body
    assert 'data-testid="outside-form"' in body
    assert "Secret until the draw is revealed" in text(
        c.get(follow["Location"], HTTP_ACCEPT_LANGUAGE="en")
    )


def test_new_draw_refused_with_the_services_words(w):
    draft = fd.plan(
        "P09",
        items=[w.general],
        departments=[w.bureau],
        strata={"B": "10"},
        planner=w.planner,
        status=SamplingPlan.Status.DRAFT,
    )
    c = logged_in(w.planner)
    # A draft plan is not offered: choosing it anyway is a form error.
    refused = c.post(
        "/inspections/draws/new/?year=2026",
        {
            "year": "2026",
            "plans": [draft.pk],
            "title": "x",
            "as_of": "2026-03-01",
            "outside_source": "dice",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert DrawJob.objects.count() == 0
    # Not enough inspectors: the service's message, with the numbers, on the form.
    w.inspectors[0].__class__.objects.update(is_active=False)
    short = c.post(
        "/inspections/draws/new/?year=2026",
        {
            "year": "2026",
            "plans": [w.p01.pk],
            "title": "x",
            "as_of": "2026-03-01",
            "outside_source": "dice",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert short.status_code == 400
    assert (
        'data-testid="form-error"' in short.content.decode()
        or "errorlist" in short.content.decode()
    )
    assert "P01" in text(short)
    assert DrawJob.objects.count() == 0


def test_outside_value_derive_and_the_visits(w, user_with_perms):
    draw = committed(w)
    c = logged_in(w.planner)
    stale = c.post(
        f"/inspections/draws/{draw.pk}/outside/", {"value": "1 2 3", "version": draw.version + 5}
    )
    assert stale.status_code == 409
    draw.refresh_from_db()
    assert draw.outside_value == ""
    done = c.post(
        f"/inspections/draws/{draw.pk}/outside/", {"value": "4 7 1", "version": draw.version}
    )
    assert done.status_code == 302
    draw.refresh_from_db()
    assert draw.status == Draw.Status.OUTSIDE and draw.outside_value == "4 7 1"
    assert AuditEvent.objects.filter(event_type=audit_events.DRAW_OUTSIDE_RECORDED).exists()
    again = c.post(
        f"/inspections/draws/{draw.pk}/outside/", {"value": "9", "version": draw.version}
    )
    assert again.status_code == 400  # recorded once
    derive = c.post(f"/inspections/draws/{draw.pk}/derive/")
    assert derive.status_code == 302 and "/inspections/draws/jobs/" in derive["Location"]
    # While the derivation waits, the draw's page shows the job and no step form.
    running = c.get(f"/inspections/draws/{draw.pk}/").content.decode()
    assert 'data-testid="job"' in running and 'data-testid="derive-form"' not in running
    assert run_jobs() == 1
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DERIVED and draw.selection_hash
    page = c.get(f"/inspections/draws/{draw.pk}/")
    body = page.content.decode()
    visits = Inspection.objects.filter(draw=draw)
    assert visits.exists()
    for visit in visits:
        assert f'data-uscc="{visit.enterprise.uscc}"' in body
        for a in visit.assignments.all():
            assert a.inspector.user.username in body
    # With view_risk (the planner) each visit's stratum shows; without, no stratum column
    # (classes are internal).
    assert "stratum stratum--B" in body.split('data-testid="visits"')[1]
    reader = logged_in(user_with_perms("inspections.view_draw"))
    seen = reader.get(f"/inspections/draws/{draw.pk}/").content.decode()
    assert seen.count("data-uscc=") == body.count("data-uscc=")
    assert "stratum stratum--" not in seen.split('data-testid="visits"')[1]


def test_reveal_waits_for_the_inspections_then_verify(w):
    draw = drawn(w)
    c = logged_in(w.planner)
    early = c.post(f"/inspections/draws/{draw.pk}/reveal/", HTTP_ACCEPT_LANGUAGE="en")
    assert early.status_code == 400
    assert "neither published nor cancelled" in text(early)
    draw.refresh_from_db()
    assert draw.revealed_at is None
    settle(draw)
    ok = c.post(f"/inspections/draws/{draw.pk}/reveal/")
    assert ok.status_code == 302
    draw.refresh_from_db()
    assert draw.status == Draw.Status.REVEALED and draw.revealed_at is not None
    report = c.post(f"/inspections/draws/{draw.pk}/verify/")
    assert report.status_code == 200
    body = report.content.decode()
    assert 'data-ok="1"' in body and draw.selection_hash in body
    # No step form is left on a revealed draw.
    page = c.get(f"/inspections/draws/{draw.pk}/").content.decode()
    assert "redraw-form" not in page and "reveal-form" not in page


def test_redraw_needs_a_reason_and_links_the_draws(w):
    draw = committed(w)
    c = logged_in(w.planner)
    data = {"reason": "  ", "title": "重抽", "as_of": "2026-03-02", "outside_source": "dice"}
    refused = c.post(f"/inspections/draws/{draw.pk}/redraw/", data)
    assert refused.status_code == 400
    assert Draw.objects.count() == 1
    data["reason"] = "名录库导入有误，重新抽取"
    done = c.post(f"/inspections/draws/{draw.pk}/redraw/", data)
    assert done.status_code == 302
    assert run_jobs() == 1
    draw.refresh_from_db()
    assert draw.status == Draw.Status.SUPERSEDED
    new = Draw.objects.get(redraw_of=draw)
    assert new.previous_hash == draw.commitment_hash
    old_page = c.get(f"/inspections/draws/{draw.pk}/").content.decode()
    assert 'data-testid="superseded"' in old_page and new.number in old_page
    new_page = c.get(f"/inspections/draws/{new.pk}/").content.decode()
    assert "名录库导入有误" in new_page and draw.number in new_page


def test_actions_need_run_draw(w):
    draw = committed(w)
    inspector = logged_in(w.inspectors[0].user)
    for step in ("outside", "derive", "reveal", "redraw"):
        assert inspector.post(f"/inspections/draws/{draw.pk}/{step}/").status_code == 403
    assert inspector.get(f"/inspections/draws/{draw.pk}/outside/").status_code in (403, 405)


def test_pool_preview_before_drawing(w):
    # A new entity (observation period) and a deregistered one are excluded from P01.
    fd.classed(w.bureau, "B", registered_on=AS_OF - dt.timedelta(days=30))
    fd.classed(w.bureau, "B", registered_on=dt.date(2019, 1, 1), status="deregistered")
    c = logged_in(w.planner)
    page = c.get("/inspections/plans/P01/pool/", {"as_of": AS_OF.isoformat()})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-stratum="B"' in body
    assert 'data-rule="observation"' in body and 'data-rule="closed"' in body
    rows = body.split('data-testid="excluded"')[1]
    assert rows.count("data-uscc=") == 2
    only = c.get("/inspections/plans/P01/pool/", {"as_of": AS_OF.isoformat(), "rule": "closed"})
    assert only.content.decode().split('data-testid="excluded"')[1].count("data-uscc=") == 1
    # A plan of another department's is not found; an inspector may look (view rights).
    assert c.get("/inspections/plans/NOPE/pool/").status_code == 404
    assert logged_in(w.inspectors[0].user).get("/inspections/plans/P01/pool/").status_code == 200
