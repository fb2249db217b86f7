"""What new users of the inspections pages found (issue 17 leftovers), through the pages: the
status columns say whose status (not the register's 登记状态); inspectors by their names; the
review's decision chosen, never preset; closing a plan confirmed on a page of its own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from inspections.models import Inspection, SamplingPlan
from tests.inspections.factories_plans import inspector as library_inspector
from tests.inspections.factories_plans import make_plan, planner
from tests.inspections.factories_work import at, lead, person, world

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 1)
DAY = dt.date(2025, 9, 26)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
REGISTER_STATUS = "登记状态"  # the register's status: an entity's, not a plan's or a lead's


@pytest.fixture
def w():
    with at(START):
        return world()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _recorded(w) -> Inspection:
    from inspections.services.inspections import inspection_record
    from tests.inspections.factories_work import all_ok

    inspection = w["inspection"]
    with at(DAY):
        return inspection_record(
            actor=w["a"].user,
            inspection=inspection,
            checks=all_ok(inspection),
            result_codes=["1"],
            findings="",
            checked_from=DAY,
            check_ended_on=DAY,
            expected_version=inspection.version,
        )


def test_status_columns_are_the_plans_draws_leads_and_tasks_not_the_registers(w, client):
    """Point 1: the portal-wide "Status" reads 登记状态 (an entity's status in the register);
    the inspections pages now use msgids of their own (context "plan", "draw", "lead",
    "inspection", "inspector", "check item")."""
    lead(w["firm"])
    client.force_login(w["supervisor"])
    with at(DAY):
        for name in (
            "inspections:plan_list",
            "inspections:draws",
            "inspections:lead_list",
            "inspections:inspector_list",
            "inspections:item_list",
            "inspections:tasks",
        ):
            page = client.get(reverse(name), **ZH)
            assert page.status_code == 200, name
            assert REGISTER_STATUS not in page.content.decode(), name
        detail = client.get(reverse("inspections:draw", args=[w["draw"].pk]), **ZH)
        assert REGISTER_STATUS not in detail.content.decode()


def test_inspectors_are_shown_by_their_names_not_their_usernames(w, client, api_client_for):
    """Point 2: the task list, the inspection and the draw showed `insp_a` where the account
    has a name (the demo's inspectors all have Chinese names)."""
    for key, name in (("a", "王检查"), ("b", "赵核查"), ("h", "周卫生")):
        user = w[key].user
        user.display_name = name
        user.save(update_fields=["display_name"])
    inspection = w["inspection"]
    client.force_login(w["supervisor"])
    with at(DAY):
        pages = [
            client.get(reverse("inspections:inspection", args=[inspection.pk]), **EN),
            client.get(reverse("inspections:draw", args=[w["draw"].pk]), **EN),
        ]
        client.force_login(w["a"].user)
        pages.append(client.get(reverse("inspections:tasks"), **EN))
    for page in pages:
        shown = _text(page)
        assert "王检查" in shown and "周卫生" in shown
        assert "insp_a" not in shown and "insp_h" not in shown
    api = api_client_for(w["supervisor"]).get(f"/api/v1/inspections/{inspection.pk}/")
    assert api.status_code == 200
    assert "王检查" in [i["name"] for i in api.json()["inspectors"]]


def test_the_review_decision_is_not_preset_and_is_required(w, client):
    """Point 4: the review form came with "approve" ticked; now nothing is ticked and a
    review sent without a decision is refused with the reason, nothing written."""
    inspection = _recorded(w)
    client.force_login(w["supervisor"])
    with at(dt.date(2025, 10, 9)):
        page = client.get(reverse("inspections:inspection", args=[inspection.pk]), **EN)
        form = page.content.decode().split('data-testid="review-decision"')[1]
        form = form.split("</fieldset>")[0]
        assert 'value="approve"' in form and 'value="return"' in form
        assert "checked" not in form
        refused = client.post(
            reverse("inspections:review", args=[inspection.pk]),
            {"version": inspection.version, "note": ""},
            **EN,
        )
    assert refused.status_code == 400
    assert "Choose a decision: approve or return for correction." in _text(refused)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.RECORDED


def test_closing_a_plan_asks_for_a_confirmation_first(client):
    """Point 5: one click on the plan's page closed it; now the button opens a page that says
    what closing does, and the plan closes only with its box ticked."""
    actor = planner()
    library_inspector()
    library_inspector()
    plan = make_plan(actor, code="to-close")
    client.force_login(actor)
    url = reverse("inspections:plan_close", args=[plan.code])

    detail = client.get(reverse("inspections:plan_detail", args=[plan.code]), **EN)
    assert f'href="{url}"' in detail.content.decode()
    assert 'data-testid="close-form"' not in detail.content.decode()  # no one-click form

    confirm = client.get(url, **EN)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert 'data-testid="close-form"' in body and 'name="confirm"' in body
    assert "cannot be opened again" in _text(confirm)
    assert "<script>" not in body  # no inline code (CSP)

    unticked = client.post(url, {"version": plan.version}, **EN)
    assert unticked.status_code == 400
    assert "Tick the box to confirm that the plan is to be closed." in _text(unticked)
    assert SamplingPlan.objects.get(pk=plan.pk).status == SamplingPlan.Status.DRAFT

    closed = client.post(url, {"version": plan.version, "confirm": "on"}, follow=True, **EN)
    assert "is closed" in _text(closed)
    assert SamplingPlan.objects.get(pk=plan.pk).status == SamplingPlan.Status.CLOSED
    # A closed plan's close page sends back to the plan.
    again = client.get(url, **EN)
    assert again.status_code == 302


def test_the_close_page_is_behind_the_change_codename(client):
    actor = planner()
    plan = make_plan(actor, code="kept-open")
    reader = person_with_view_only()
    client.force_login(reader)
    url = reverse("inspections:plan_close", args=[plan.code])
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": plan.version, "confirm": "on"}).status_code == 403
    assert SamplingPlan.objects.get(pk=plan.pk).status == SamplingPlan.Status.DRAFT


def person_with_view_only():
    from credit_portal.roles import Role

    return person(Role.INSPECTOR, "reader")
