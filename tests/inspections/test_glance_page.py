"""Plans at a glance (issue 17 §7), `/inspections/`: each plan's progress counted from its
visits (a joint visit under each of its plans, once in the year's totals), overdue visits, the
share of inspections that found problems per stratum with its interval, and the control draw's
result beside the random draws'; who sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from credit_portal.roles import Role
from inspections.models import Inspection, SamplingPlan
from inspections.selectors.glance import Share, _verdict, wilson
from tests.inspections import factories_draw as fd
from tests.inspections.factories_drawpages import AS_OF, drawn, logged_in, text

pytestmark = pytest.mark.django_db

S = Inspection.Status


@pytest.fixture
def w() -> fd.World:
    return fd.world()


def field(html: str, row: str, name: str) -> int:
    part = html.split(row, 1)[1]
    value = part.split(f'data-field="{name}">', 1)[1].split("<", 1)[0]
    return int(value)


def is_overdue(v: Inspection) -> bool:
    """Not inspected by its date, or not published by its date."""
    today = timezone.localdate()
    v.refresh_from_db()
    not_inspected = v.status in (S.ASSIGNED, S.RETURNED) and v.due_by < today
    not_published = (
        v.publish_due is not None
        and v.publish_due < today
        and v.status not in (S.PUBLISHED, S.CANCELLED)
    )
    return not_inspected or not_published


def test_progress_of_each_plan_and_of_the_year(w):
    draw = drawn(w)
    visits = list(Inspection.objects.filter(draw=draw).order_by("pk"))
    statuses = [S.PUBLISHED, S.PUBLISHED, S.REVIEWED, S.RECORDED, S.RETURNED, S.CANCELLED]
    for visit, status in zip(visits, statuses, strict=False):
        visit.status = status
        visit.problems_found = status in (S.PUBLISHED, S.REVIEWED) and visit.pk % 2 == 0
        visit.save()
    overdue = visits[len(statuses)]
    overdue.due_by = dt.date(2000, 1, 1)
    overdue.save()
    late = visits[2]  # reviewed, not published in time
    late.publish_due = dt.date(2000, 1, 1)
    late.save()
    page = logged_in(w.planner).get("/inspections/", {"year": "2026"})
    assert page.status_code == 200
    html = page.content.decode()
    # Counted independently: the visits carrying an item of each plan.
    for plan in (w.p01, w.p02):
        mine = [
            v for v in Inspection.objects.filter(draw=draw) if v.checks.filter(plan=plan).exists()
        ]
        live = [v for v in mine if v.status != S.CANCELLED]
        row = f'data-plan="{plan.code}"'
        assert field(html, row, "drawn") == len(live)
        assert field(html, row, "inspected") == sum(
            v.status in (S.RECORDED, S.RETURNED, S.REVIEWED, S.PUBLISHED) for v in live
        )
        assert field(html, row, "reviewed") == sum(
            v.status in (S.REVIEWED, S.PUBLISHED) for v in live
        )
        assert field(html, row, "published") == sum(v.status == S.PUBLISHED for v in live)
        assert field(html, row, "overdue") == sum(is_overdue(v) for v in live)
    live_all = Inspection.objects.filter(draw=draw).exclude(status=S.CANCELLED)
    totals = html.split('data-testid="totals"')[1]
    assert f'data-field="drawn">{live_all.count()}<' in totals
    assert f'data-field="published">{live_all.filter(status=S.PUBLISHED).count()}<' in totals
    assert f'data-field="overdue">{sum(is_overdue(v) for v in live_all)}<' in totals
    assert is_overdue(overdue) and is_overdue(late)
    assert 'data-field="plans">2<' in totals and 'data-field="joint">1<' in totals
    assert 'data-field="joint_departments">2<' in totals
    # The shares: B drawn at random, those with a result.
    shares = html.split('data-testid="shares"')[1]
    with_result = live_all.filter(status__in=(S.RECORDED, S.RETURNED, S.REVIEWED, S.PUBLISHED))
    b = shares.split('data-stratum="B" data-origin="random"')[1]
    assert f'data-field="n">{with_result.count()}<' in b
    assert f'data-field="problems">{with_result.filter(problems_found=True).count()}<' in b
    assert 'data-testid="verdict"' in html
    # Bars are SVG with attributes (no style attribute).
    assert '<svg class="progressbar"' in html and " style=" not in html


def test_control_draw_is_compared(w):
    control = fd.plan(
        "C01",
        items=[w.general],
        departments=[w.bureau],
        strata={"A": "100"},
        planner=w.planner,
        kind=SamplingPlan.Kind.CONTROL,
    )
    for _ in range(3):
        fd.classed(w.bureau, "A", registered_on=dt.date(2020, 1, 1))
    draw = drawn(w, plans=[control], is_control=True)
    Inspection.objects.filter(draw=draw).update(status=S.RECORDED, problems_found=False)
    html = logged_in(w.planner).get("/inspections/").content.decode()
    row = html.split('data-stratum="A" data-origin="control"')[1]
    assert 'data-field="n">3<' in row and 'data-field="problems">0<' in row
    # No C or D firm drawn at random yet: nothing to compare with, said so.
    assert 'data-tone="muted"' in html


def test_the_verdict():
    low = Share("A", "A")
    assert _verdict(Share("c", "c"), low, Share("h", "h", 10, 5)).tone == "muted"
    assert _verdict(Share("c", "c", 200, 4), low, Share("h", "h", 200, 80)).tone == "ok"
    assert _verdict(Share("c", "c", 200, 90), low, Share("h", "h", 200, 20)).tone == "bad"
    assert _verdict(Share("c", "c", 5, 1), low, Share("h", "h", 5, 2)).tone == "muted"
    low95, high95 = wilson(0, 10)
    assert low95 == 0.0 and 25 < high95 < 35  # the rule of three, about 30 %
    assert wilson(0, 0) == (0.0, 0.0)


def test_who_sees_it_and_the_year(w, client, user_with_perms):
    assert client.get("/inspections/").status_code == 302
    assert (
        logged_in(user_with_perms("inspections.view_draw")).get("/inspections/").status_code == 403
    )
    old = fd.plan(
        "P2025",
        items=[w.general],
        departments=[w.bureau],
        strata={"B": "5"},
        planner=w.planner,
        year=2025,
    )
    c = logged_in(w.planner)
    page = c.get("/inspections/", {"year": "2025"})
    assert (
        'data-plan="P2025"' in page.content.decode()
        and 'data-plan="P01"' not in page.content.decode()
    )
    # A partner department's staff see their department's plans only; no class shares
    # without view_risk.
    health = logged_in(user_with_perms("inspections.view_samplingplan", username="h"))
    assert health.get("/inspections/").status_code == 200
    eco = fd.staff(Role.SUPERVISOR, "eco", fd.department("eco", "区生态环境局"))
    html = logged_in(eco).get("/inspections/", {"year": "2026"}).content.decode()
    assert 'data-plan="P01"' not in html
    hp = fd.staff(Role.SUPERVISOR, "hp", w.health)
    html = logged_in(hp).get("/inspections/", {"year": "2026"}).content.decode()
    assert 'data-plan="P02"' in html and 'data-plan="P01"' not in html
    assert old.code not in text(logged_in(hp).get("/inspections/", {"year": "2026"}))
    nav = c.get("/inspections/").content.decode()
    assert 'href="/inspections/"' in nav
    _ = AS_OF
