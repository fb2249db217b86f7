"""The soft-enforcement API (`/api/v1/soft-actions/`; issue 14 item 6): the same permissions
as the pages (partner departments their own department's documents, an enterprise user its
own enterprise's, 404 for any other), the steps with their versions (409 when stale), errors
in the core's format."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from credit_portal.roles import Role
from remediation.models import SoftAction
from tests.remediation.factories_soft_actions import (
    approved,
    draft,
    enterprise,
    member,
    officer,
    partner,
    served,
    staff,
    supervisor,
)

pytestmark = pytest.mark.django_db

Status = SoftAction.Status


def _api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def _url(name: str, action: SoftAction | None = None) -> str:
    return reverse(f"remediation-api:{name}", args=[action.pk] if action else [])


@pytest.fixture
def world():
    eco = partner()
    return {
        "eco": eco,
        "firm": enterprise(name="成都蓉城餐饮有限公司"),
        "eco_firm": enterprise(name="双流区生态养殖场", department=eco),
        "clerk": officer(),
        "chief": supervisor(),
        "eco_clerk": officer("eco-officer", department=eco),
        "registrar": staff("registrar", Role.REGISTRAR),
    }


def test_who_reads_what(world):
    bureau_doc = served(world["clerk"], world["chief"], world["firm"])
    eco_doc = draft(world["eco_clerk"], world["eco_firm"])
    pending = draft(world["clerk"], world["firm"])
    # The bureau: everything, overdue first, then drafts, then the rest.
    response = _api(world["clerk"]).get(_url("soft-action-list"))
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert set(ids) == {bureau_doc.pk, eco_doc.pk, pending.pk}
    # A partner department: its own.
    response = _api(world["eco_clerk"]).get(_url("soft-action-list"))
    assert [row["id"] for row in response.json()["results"]] == [eco_doc.pk]
    assert _api(world["eco_clerk"]).get(_url("soft-action-detail", bureau_doc)).status_code == 404
    # The enterprise: its own, from approval on; another's or a draft is a 404.
    user = member(world["firm"])
    response = _api(user).get(_url("soft-action-list"))
    assert [row["id"] for row in response.json()["results"]] == [bureau_doc.pk]
    detail = _api(user).get(_url("soft-action-detail", bureau_doc)).json()
    assert detail["number"] == bureau_doc.number and detail["status"] == "served"
    assert detail["deadline"] == bureau_doc.deadline.isoformat()
    assert _api(user).get(_url("soft-action-detail", pending)).status_code == 404
    assert _api(user).get(_url("soft-action-detail", eco_doc)).status_code == 404
    # Reading is never service, nor an opening.
    assert SoftAction.objects.get(pk=bureau_doc.pk).opened_at is None
    # No codename, no membership: 403 on the list, 404 on a document; anonymous 401/403.
    assert _api(world["registrar"]).get(_url("soft-action-list")).status_code == 403
    assert _api(world["registrar"]).get(_url("soft-action-detail", bureau_doc)).status_code == 403
    assert _api().get(_url("soft-action-list")).status_code in (401, 403)


def test_list_filters_and_their_refusal(world):
    draft(world["clerk"], world["firm"])
    approved(world["clerk"], world["chief"], world["firm"], instrument="prompt")
    client = _api(world["clerk"])
    rows = client.get(_url("soft-action-list"), {"queue": "service"}).json()["results"]
    assert [r["instrument"] for r in rows] == ["prompt"]
    rows = client.get(_url("soft-action-list"), {"status": "draft"}).json()["results"]
    assert [r["status"] for r in rows] == ["draft"]
    response = client.get(_url("soft-action-list"), {"status": "lost"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "status" in body["errors"]


def test_create_approve_serve_rectify(world):
    clerk, chief = _api(world["clerk"]), _api(world["chief"])
    response = clerk.post(
        _url("soft-action-list"),
        {
            "instrument": "admonition",
            "enterprise": world["firm"].uscc,
            "department": "amr",
            "reason": "未公示营业执照。",
            "legal_basis": "《市场主体登记管理条例》第三十六条",
            "required_actions": "公示营业执照。",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["number"] is None and created["status"] == "draft"
    assert created["deadline_working_days"] == 10
    action = SoftAction.objects.get(pk=created["id"])
    # The drafter may not approve: 403 for an officer without the codename.
    assert clerk.post(_url("soft-action-approve", action), {"version": 1}).status_code == 403
    response = chief.post(_url("soft-action-approve", action), {"version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["number"]
    today = timezone.localdate().isoformat()
    serve = {"version": 2, "served_on": today, "method": "direct", "receipt_signed_by": "张三"}
    response = clerk.post(_url("soft-action-serve", action), serve, format="json")
    assert response.status_code == 200 and response.json()["status"] == "served"
    # The same service again with the version read: a conflict, nothing written.
    response = clerk.post(_url("soft-action-serve", action), serve, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    response = clerk.post(_url("soft-action-serve", action), {**serve, "version": 3}, format="json")
    assert response.status_code == 400
    assert "already served" in str(response.json()["errors"])
    rectify = {"version": 3, "rectified_on": today, "report": "已整改"}
    response = clerk.post(_url("soft-action-rectify", action), rectify, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rectified"


def test_create_refusals_name_their_field(world):
    response = _api(world["eco_clerk"]).post(
        _url("soft-action-list"),
        {
            "instrument": "admonition",
            "enterprise": world["firm"].uscc,  # the bureau's, not the partner's
            "department": "eco",
            "reason": "x",
            "legal_basis": "x",
            "required_actions": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and "enterprise" in response.json()["errors"]
    response = _api(world["clerk"]).post(
        _url("soft-action-list"),
        {
            "instrument": "admonition",
            "department": "amr",
            "reason": "x",
            "legal_basis": "x",
            "required_actions": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and "enterprise" in response.json()["errors"]
    # Without the codename to draft: 403.
    user = member(world["firm"])
    assert _api(user).post(_url("soft-action-list"), {}, format="json").status_code == 403


def test_an_enterprise_user_takes_no_step(world):
    action = approved(world["clerk"], world["chief"], world["firm"])
    user = member(world["firm"])
    response = _api(user).post(
        _url("soft-action-serve", action),
        {"version": action.version, "served_on": action.issued_on.isoformat(), "method": "post"},
        format="json",
    )
    assert response.status_code == 403
    assert SoftAction.objects.get(pk=action.pk).status == Status.APPROVED
