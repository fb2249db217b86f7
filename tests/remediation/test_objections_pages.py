"""Objections through the pages and the API (docs/domain.md §3): the enterprise's form and status
in self-service, the staff queue (overdue first), the officer's steps (reasons, a stale version),
paper objections, jurisdiction and permissions; the same through `/api/v1/listing-objections/`;
and the admin (read-only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from remediation.models import ListingObjection
from remediation.services.objections import objection_accept, objection_file
from tests.enterprises.factories import DepartmentFactory
from tests.remediation.factories_listings import (
    firm,
    listed_case,
    member,
    objection_officer,
    on_day,
)

pytestmark = pytest.mark.django_db

PUBLISHED = dt.date(2025, 7, 14)
DAY = dt.date(2025, 7, 21)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world():
    with on_day(PUBLISHED):
        case = listed_case(firm(name="成都异议示例有限公司"), listed_on=PUBLISHED)
    return {
        "case": case,
        "firm": member(case.enterprise),
        "officer": objection_officer(),
    }


def _filed(world, on=DAY, **kwargs):
    with on_day(on):
        return objection_file(
            actor=world["firm"], case=world["case"], grounds="已按时年报", **kwargs
        )


# --------------------------------------------------------------------------- self-service


def test_the_enterprise_objects_from_self_service_and_sees_the_status(client, world):
    case = world["case"]
    client.force_login(world["firm"])
    with on_day(DAY):
        listing = client.get(reverse("me-remediation:objections"), **EN).content.decode()
        assert f'data-testid="object-{case.pk}"' in listing
        url = reverse("me-remediation:objection_new", args=[case.pk])
        form = client.get(url, **EN)
        assert form.status_code == 200
        assert "2025-08-13" in form.content.decode()  # the last day
        empty = client.post(url, {"grounds": ""}, **EN)
        assert empty.status_code == 400
        sent = client.post(
            url, {"grounds": "年报已于6月20日报送", "contact_phone": "13800000000"}, **EN
        )
    objection = ListingObjection.objects.get()
    assert sent.status_code == 302
    assert sent.url == reverse("me-remediation:objection_detail", args=[objection.pk])
    with on_day(DAY):
        objection_accept(actor=world["officer"], objection=objection, expected_version=1)
        detail = client.get(sent.url, **EN).content.decode()
    assert "Accepted, being verified" in detail
    assert 'data-testid="verification-due"' in detail


def test_after_the_window_the_form_is_closed_and_a_post_is_refused(client, world):
    client.force_login(world["firm"])
    url = reverse("me-remediation:objection_new", args=[world["case"].pk])
    with on_day(dt.date(2025, 8, 14)):
        page = client.get(url, **EN).content.decode()
        assert 'data-testid="closed"' in page
        refused = client.post(url, {"grounds": "迟到的异议"}, **EN)
    assert refused.status_code == 400
    assert "Too late" in refused.content.decode()
    assert not ListingObjection.objects.exists()


def test_another_enterprises_listing_is_a_404(client, world):
    other = member(firm(), "other-firm")
    client.force_login(other)
    url = reverse("me-remediation:objection_new", args=[world["case"].pk])
    assert client.get(url).status_code == 404
    objection = _filed(world)
    assert (
        client.get(reverse("me-remediation:objection_detail", args=[objection.pk])).status_code
        == 404
    )


# --------------------------------------------------------------------------- staff


def test_the_queue_puts_the_overdue_first_and_needs_the_permission(client, world):
    recent_case = None
    with on_day(dt.date(2025, 9, 1)):
        recent_case = listed_case(firm(), listed_on=dt.date(2025, 9, 1))
    overdue = _filed(world)  # acceptance due 2025-07-28
    with on_day(dt.date(2025, 9, 2)):
        recent = objection_file(
            actor=member(recent_case.enterprise, "recent"), case=recent_case, grounds="有误"
        )
    client.force_login(world["officer"])
    with on_day(dt.date(2025, 9, 3)):
        page = client.get(reverse("remediation:objection_list"), **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(f'data-objection="{overdue.pk}"') < html.index(
        f'data-objection="{recent.pk}"'
    )
    assert 'data-overdue="true"' in html and 'data-testid="overdue-count"' in html
    nobody = objection_officer("reader-without", **{})
    nobody.user_permissions.clear()
    client.force_login(nobody)
    assert client.get(reverse("remediation:objection_list")).status_code == 403


def test_the_officer_accepts_then_decides_with_reasons_and_a_stale_version_is_409(client, world):
    objection = _filed(world)
    client.force_login(world["officer"])
    act = reverse("remediation:objection_act", args=[objection.pk])
    with on_day(DAY):
        accepted = client.post(act, {"action": "accept", "version": 1}, **EN)
        assert accepted.status_code == 302
        no_reasons = client.post(act, {"action": "uphold", "version": 2}, **EN)
        assert no_reasons.status_code == 400
        stale = client.post(act, {"action": "reject", "reasons": "维持", "version": 1}, **EN)
        assert stale.status_code == 409
        assert "Someone else acted on this objection first" in stale.content.decode()
        done = client.post(act, {"action": "uphold", "reasons": "列入有误", "version": 2}, **EN)
    assert done.status_code == 302
    assert ListingObjection.objects.get().status == ListingObjection.Status.UPHELD


def test_a_paper_objection_is_entered_with_the_day_received(client, world):
    client.force_login(world["officer"])
    url = reverse("remediation:objection_new")
    with on_day(dt.date(2025, 8, 18)):
        choose = client.get(url, {"uscc": world["case"].enterprise.uscc}, **EN)
        assert f"?case={world['case'].pk}" in choose.content.decode()
        assert client.get(url, {"case": world["case"].pk}, **EN).status_code == 200
        done = client.post(
            url,
            {
                "case": world["case"].pk,
                "received_on": "2025-08-13",
                "grounds": "纸质异议书",
                "contact_name": "李四",
            },
            **EN,
        )
    assert done.status_code == 302
    assert ListingObjection.objects.get().received_on == dt.date(2025, 8, 13)


def test_a_partner_department_does_not_see_the_bureaus_objections(client, world):
    objection = _filed(world)
    partner = objection_officer(
        "eco", department=DepartmentFactory(code="eco", name="区生态环境局")
    )
    client.force_login(partner)
    assert (
        client.get(reverse("remediation:objection_detail", args=[objection.pk])).status_code == 404
    )
    page = client.get(reverse("remediation:objection_list")).content.decode()
    assert f'data-objection="{objection.pk}"' not in page


# --------------------------------------------------------------------------- API


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_api_files_lists_and_decides(world):
    firm_api, officer_api = _api(world["firm"]), _api(world["officer"])
    url = reverse("remediation-api:listing-objection-list")
    with on_day(DAY):
        created = firm_api.post(
            url, {"case": world["case"].pk, "grounds": "按时年报"}, format="json"
        )
        assert created.status_code == 201, created.json()
        body = created.json()
        assert body["status"] == "received" and body["listing"]["objections_until"] == "2025-08-13"
        pk = body["id"]
        assert body["next_due"]["step"]
        listed = officer_api.get(url).json()
        assert [r["id"] for r in listed["results"]] == [pk]
        step = reverse("remediation-api:listing-objection-accept", args=[pk])
        assert officer_api.post(step, {"version": 1}, format="json").status_code == 200
        assert officer_api.post(step, {"version": 1}, format="json").status_code == 409
        decide = reverse("remediation-api:listing-objection-decide", args=[pk])
        denied = firm_api.post(
            decide, {"version": 2, "upheld": True, "reasons": "x"}, format="json"
        )
        assert denied.status_code == 403
        done = officer_api.post(
            decide, {"version": 2, "upheld": False, "reasons": "维持列入"}, format="json"
        )
        assert done.status_code == 200 and done.json()["status"] == "rejected"
        mine = firm_api.get(reverse("remediation-api:listing-objection-detail", args=[pk]))
        assert mine.json()["reasons"] == "维持列入"


def test_the_api_refuses_a_late_objection_and_others(world):
    url = reverse("remediation-api:listing-objection-list")
    with on_day(dt.date(2025, 8, 14)):
        late = _api(world["firm"]).post(
            url, {"case": world["case"].pk, "grounds": "迟"}, format="json", **EN
        )
    assert late.status_code == 400
    assert "Too late" in " ".join(late.json()["errors"]["received_on"])
    assert APIClient().get(url).status_code in (401, 403)
    stranger = member(firm(), "stranger")
    with on_day(DAY):
        other = _api(stranger).post(url, {"case": world["case"].pk, "grounds": "x"}, format="json")
    assert other.status_code == 400


def test_the_admin_lists_objections_read_only(admin_client, world):
    objection = _filed(world)
    listing = admin_client.get(reverse("admin:remediation_listingobjection_changelist"))
    assert listing.status_code == 200
    page = admin_client.get(
        reverse("admin:remediation_listingobjection_change", args=[objection.pk])
    )
    assert page.status_code == 200
    delete = admin_client.get(
        reverse("admin:remediation_listingobjection_delete", args=[objection.pk])
    )
    assert delete.status_code == 403
