"""The admin of items, inspectors, recusals and plans writes through the services (issue 17
§1: "administrators in the admin"): audited saves, the services' refusals shown, nothing
half-written; approved plans read-only; recusals not added in the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from credit_portal.models import AuditEvent, User
from inspections import audit_events as events
from inspections.models import InspectionItem, Inspector, SamplingPlan, Stratum
from tests.inspections.factories_plans import YEAR, bureau, inspector, item, make_plan, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    bureau()
    user = User.objects.create_superuser("root", "root@example.com", "Secret-pass-123")
    client = Client()
    client.force_login(user)
    return client


def _plan_post(item_pk: int, dept_pk: int, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "adm-1",
        "name": "后台计划",
        "name_en": "",
        "year": str(YEAR),
        "kind": "random",
        "lead_department": str(dept_pk),
        "departments": [str(dept_pk)],
        "items": [str(item_pk)],
        "industries": "[]",
        "streets": "[]",
        "entity_types": "[]",
        "starts_on": f"{YEAR}-01-01",
        "ends_on": f"{YEAR}-12-31",
        "min_inspectors": "2",
        "note": "",
        "strata-TOTAL_FORMS": "2",
        "strata-INITIAL_FORMS": "0",
        "strata-MIN_NUM_FORMS": "0",
        "strata-MAX_NUM_FORMS": "1000",
        "strata-0-stratum": Stratum.A,
        "strata-0-ratio": "1",
        "strata-0-frequency": "1",
        "strata-1-stratum": Stratum.B,
        "strata-1-ratio": "5",
        "strata-1-frequency": "1",
    }
    data.update(over)
    return data


def test_a_plan_added_in_the_admin_goes_through_the_service(admin_client: Client) -> None:
    it = item("adm-item")
    url = reverse("admin:inspections_samplingplan_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, _plan_post(it.pk, bureau().pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = SamplingPlan.objects.get(code="adm-1")
    assert {s.stratum for s in plan.strata.all()} == {"A", "B"}
    assert AuditEvent.objects.filter(event_type=events.PLAN_SAVED, target_id=str(plan.pk)).exists()


@pytest.mark.parametrize(
    ("over", "needle"),
    [
        ({"strata-1-ratio": "250"}, "between 0 and 100"),  # the inline form
        ({"strata-0-ratio": "0"}, "below the floor"),  # the service, as a message
        ({"min_inspectors": "1"}, "At least 2 inspectors"),
    ],
)
def test_a_bad_plan_in_the_admin_is_refused_with_the_message(
    admin_client: Client, over: dict[str, Any], needle: str
) -> None:
    it = item("adm-item")
    url = reverse("admin:inspections_samplingplan_add")
    response = admin_client.post(url, _plan_post(it.pk, bureau().pk, **over), follow=True)
    assert needle in response.content.decode()
    assert not SamplingPlan.objects.exists()
    assert not AuditEvent.objects.filter(event_type=events.PLAN_SAVED).exists()


def test_approve_action_and_read_only_after(admin_client: Client) -> None:
    plan = make_plan(code="adm-approve")
    inspector()
    inspector()
    changelist = reverse("admin:inspections_samplingplan_changelist")
    admin_client.post(changelist, {"action": "approve", "_selected_action": [plan.pk]})
    plan.refresh_from_db()
    assert plan.status == SamplingPlan.Status.APPROVED
    page = admin_client.get(reverse("admin:inspections_samplingplan_change", args=[plan.pk]))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # read-only


def test_items_and_inspectors_in_the_admin(admin_client: Client) -> None:
    add = reverse("admin:inspections_inspectionitem_add")
    response = admin_client.post(
        add,
        {
            "code": "adm-it",
            "name": "质量检查",
            "name_en": "",
            "department": str(bureau().pk),
            "legal_basis": "《产品质量法》",
            "subject": "",
            "content": "",
            "method": InspectionItem.Method.DESK,
            "checklist": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(event_type=events.ITEM_SAVED).count() == 1

    no_badge = staff(bureau(), username="nb")
    add = reverse("admin:inspections_inspector_add")
    refused = admin_client.post(add, {"user": str(no_badge.pk), "note": ""})
    assert refused.status_code == 200
    assert "no enforcement badge number" in refused.content.decode()
    assert not Inspector.objects.exists()
    ok_user = staff(bureau(), username="ok", badge="B-1")
    made = admin_client.post(add, {"user": str(ok_user.pk), "note": "后台"})
    assert made.status_code == 302
    assert Inspector.objects.get(user=ok_user).department == bureau()
    assert AuditEvent.objects.filter(event_type=events.INSPECTOR_SAVED).count() == 1


def test_recusals_are_not_added_in_the_admin(admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:inspections_recusal_add")).status_code == 403
    assert admin_client.get(reverse("admin:inspections_recusal_changelist")).status_code == 200
