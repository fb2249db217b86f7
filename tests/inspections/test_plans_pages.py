"""The sampling plan pages through the HTTP client (issue 17 §1): list by year, detail with its
strata table and links, the web form with the strata rows (each bad input with its message,
nothing written), the version, approve and close; access (login, codenames, jurisdiction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from credit_portal.models import User
from credit_portal.roles import Role
from inspections.models import SamplingPlan, Stratum
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


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _form_post(plan_code: str, item_code: str, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": plan_code,
        "name": "食品安全双随机抽查",
        "name_en": "",
        "year": str(YEAR),
        "kind": "random",
        "lead_department": "amr",
        "departments": ["amr"],
        "items": [item_code],
        "industries": "",
        "streets": "",
        "starts_on": f"{YEAR}-03-01",
        "ends_on": f"{YEAR}-11-30",
        "min_inspectors": "2",
        "note": "",
        "strata-TOTAL_FORMS": str(len(Stratum.choices)),
        "strata-INITIAL_FORMS": str(len(Stratum.choices)),
        "strata-MIN_NUM_FORMS": "0",
        "strata-MAX_NUM_FORMS": "1000",
    }
    ratios = {"A": "1", "B": "5", "C": "10", "D": "20"}
    for n, (value, _label) in enumerate(Stratum.choices):
        data[f"strata-{n}-stratum"] = value
        data[f"strata-{n}-ratio"] = ratios.get(value, "")
        data[f"strata-{n}-frequency"] = "1"
    data.update(over)
    return data


def test_the_list_shows_this_years_plans_and_filters() -> None:
    actor = planner()
    make_plan(actor, code="this-year")
    make_plan(
        actor,
        code="last-year",
        year=YEAR - 1,
        starts_on=dt.date(YEAR - 1, 1, 1),
        ends_on=dt.date(YEAR - 1, 12, 31),
    )
    client = _client(actor)
    page = client.get(reverse("inspections:plan_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-plan="this-year"' in html and 'data-plan="last-year"' not in html
    html = client.get(reverse("inspections:plan_list"), {"year": YEAR - 1}).content.decode()
    assert 'data-plan="last-year"' in html and 'data-plan="this-year"' not in html
    html = client.get(reverse("inspections:plan_list"), {"status": "approved"}).content.decode()
    assert 'data-plan="this-year"' not in html


def test_access_to_the_plan_pages() -> None:
    plan = make_plan(code="guarded")
    url = reverse("inspections:plan_detail", args=[plan.code])
    assert _client(None).get(url).status_code == 302  # to the login page
    assert _client(staff(bureau())).get(url).status_code == 403
    # A partner department not taking part does not see the plan at all.
    outsider = staff(partner(), role=Role.SUPERVISOR)
    assert _client(outsider).get(url).status_code == 404
    # An inspector reads, but does not edit.
    reader = staff(bureau(), role=Role.INSPECTOR)
    assert _client(reader).get(url).status_code == 200
    edit = reverse("inspections:plan_edit", args=[plan.code])
    assert _client(reader).get(edit).status_code == 403
    assert _client(reader).post(reverse("inspections:plan_create"), {}).status_code == 403


def test_create_a_plan_in_the_web_form() -> None:
    actor = planner()
    item("food-1")
    client = _client(actor)
    assert client.get(reverse("inspections:plan_create")).status_code == 200
    response = client.post(reverse("inspections:plan_create"), _form_post("web-1", "food-1"))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = SamplingPlan.objects.get(code="web-1")
    assert {s.stratum: str(s.ratio) for s in plan.strata.all()} == {
        "A": "1.00",
        "B": "5.00",
        "C": "10.00",
        "D": "20.00",
    }
    detail = client.get(response["Location"]).content.decode()
    assert 'data-stratum="D"' in detail and "20 %" in detail
    assert 'data-testid="approve-form"' in detail


@pytest.mark.parametrize(
    ("over", "needle"),
    [
        ({"strata-1-ratio": "150"}, "between 0 and 100"),
        ({"strata-0-ratio": "0"}, "below the floor"),
        ({"items": []}, "Choose at least one inspection item"),
        ({"departments": ["health"], "items": ["food-1"]}, "must be one of the plan"),
        ({"ends_on": f"{YEAR}-01-15", "starts_on": f"{YEAR}-02-01"}, "before it starts"),
        ({"industries": "62, 99"}, "Unknown industry divisions: 99"),
        ({"min_inspectors": "1"}, "At least 2 inspectors"),
        ({"kind": "control"}, "only classes A and B"),
    ],
)
def test_bad_input_in_the_web_form(over: dict[str, Any], needle: str) -> None:
    actor = planner()
    partner()
    item("food-1")
    response = _client(actor).post(
        reverse("inspections:plan_create"), _form_post("bad-1", "food-1", **over)
    )
    assert response.status_code == 400
    assert needle in response.content.decode()
    assert not SamplingPlan.objects.filter(code="bad-1").exists()


def test_edit_with_a_stale_version_is_a_conflict() -> None:
    actor = planner()
    plan = make_plan(actor, code="edit-me")
    code = plan.items.first().code  # type: ignore[union-attr]
    client = _client(actor)
    url = reverse("inspections:plan_edit", args=[plan.code])
    assert client.get(url).status_code == 200
    ok = client.post(url, _form_post("edit-me", code, name="第一次", version=str(plan.version)))
    assert ok.status_code == 302
    stale = client.post(url, _form_post("edit-me", code, name="第二次", version=str(plan.version)))
    assert stale.status_code == 409
    assert "Someone else changed plan edit-me" in stale.content.decode()
    assert SamplingPlan.objects.get(pk=plan.pk).name == "第一次"


def test_approve_and_close_buttons() -> None:
    actor = planner()
    plan = make_plan(actor, code="to-approve")
    client = _client(actor)
    approve = reverse("inspections:plan_approve", args=[plan.code])
    refused = client.post(approve, {"version": plan.version}, follow=True)
    assert "needs 2 inspectors per firm, has 0 active" in refused.content.decode()
    inspector()
    inspector()
    done = client.post(approve, {"version": plan.version}, follow=True)
    assert "is approved" in done.content.decode()
    plan.refresh_from_db()
    assert plan.status == SamplingPlan.Status.APPROVED
    # Approved: no more editing.
    edit = client.get(reverse("inspections:plan_edit", args=[plan.code]), follow=True)
    assert "only a draft is edited" in edit.content.decode()
    closed = client.post(
        reverse("inspections:plan_close", args=[plan.code]),
        {"version": plan.version, "confirm": "on"},
        follow=True,
    )
    assert "is closed" in closed.content.decode()
    assert SamplingPlan.objects.get(pk=plan.pk).status == SamplingPlan.Status.CLOSED


def test_the_detail_links_to_the_pool_preview() -> None:
    actor = planner()
    plan = make_plan(actor, code="pooled")
    html = _client(actor).get(reverse("inspections:plan_detail", args=[plan.code])).content
    assert reverse("inspections:plan_pool", args=[plan.code]).encode() in html
