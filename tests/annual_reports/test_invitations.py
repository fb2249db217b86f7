"""Invitations to self-correct an annual report after 30 June (issue 15 point 6; docs/domain.md
§3, §10): issued by staff of the entity's jurisdiction for a year whose free correction ended
and whose report was filed, one open per enterprise and year, lapsing by the daily job when the
day to correct by passes, cancellable with reasons; the enterprise sees the open one with the
way to the report's correction; `invitation_open_for` tells the correction service whether a
correction is allowed. Pages and API with their permissions and jurisdiction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from annual_reports.models import CorrectionInvitation
from annual_reports.services.invitations import (
    invitation_cancel,
    invitation_create,
    invitation_mark_used,
    invitation_open_for,
)
from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from tests.annual_reports.factories_disclosures import (
    INVITATION_PERMS,
    at,
    company,
    filed_report,
    member,
    partner,
    run_daily,
    staff,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DAY = dt.date(2026, 8, 3)  # after 30 June 2026: the 2025 reports are corrected on invitation
Status = CorrectionInvitation.Status


@pytest.fixture
def world():
    firm = company(name="成都市双流区蓉城贸易有限公司")
    filed_report(firm, 2025, dt.date(2026, 5, 20))
    eco = partner()
    eco_firm = company(department=eco, name="双流区生态科技有限公司")
    filed_report(eco_firm, 2025, dt.date(2026, 5, 21))
    return {
        "firm": firm,
        "firm_user": member(firm, "firm"),
        "eco": eco,
        "eco_firm": eco_firm,
        "officer": staff(*INVITATION_PERMS, username="officer"),
        "partner": staff(*INVITATION_PERMS, username="partner", department=eco),
    }


def _invite(world, **over):
    data = {
        "actor": world["officer"],
        "enterprise": world["firm"],
        "year": 2025,
        "reason": "general_status",
        "findings": "年报中的联系电话与实际不符。",
    }
    data.update(over)
    return invitation_create(**data)


def test_an_invitation_gives_seven_days_and_only_one_is_open(world):
    with at(DAY):
        invitation = _invite(world)
        assert (invitation.invited_on, invitation.respond_by) == (DAY, DAY + dt.timedelta(days=7))
        assert invitation.department.is_bureau and invitation.status == Status.OPEN
        with pytest.raises(ValidationError) as raised, translation.override("en"):
            _invite(world, reason="unintentional")
        assert f"already open (no. {invitation.pk}" in raised.value.messages[0]
        assert invitation_open_for(enterprise=world["firm"], year=2025, on=DAY) == invitation
        assert invitation_open_for(enterprise=world["firm"], year=2024, on=DAY) is None
        later = DAY + dt.timedelta(days=8)
        assert invitation_open_for(enterprise=world["firm"], year=2025, on=later) is None
    assert AuditEvent.objects.filter(event_type="annual_reports.invitation_created").count() == 1


def test_refused_before_30_june_without_a_report_or_outside_the_jurisdiction(world):
    with (
        at(dt.date(2026, 6, 30)),
        translation.override("en"),
        pytest.raises(ValidationError, match="corrects its 2025 report freely"),
    ):
        _invite(world)
    with at(DAY), translation.override("en"):
        with pytest.raises(ValidationError, match="filed no report for 2024"):
            _invite(world, year=2024)
        with pytest.raises(ValidationError) as raised:
            _invite(world, reason="other", findings=" ")
        assert set(raised.value.error_dict) == {"reason", "findings"}
        with pytest.raises(ValidationError, match="supervised by another department"):
            _invite(world, actor=world["partner"])
        assert _invite(world, actor=world["partner"], enterprise=world["eco_firm"])
    assert CorrectionInvitation.objects.count() == 1


def test_the_daily_job_lapses_an_invitation_once_its_day_has_passed(world):
    with at(DAY):
        invitation = _invite(world)
    respond_by = invitation.respond_by
    with at(respond_by):
        run_daily(respond_by, "annual_reports.invitations_lapse")
    invitation.refresh_from_db()
    assert invitation.status == Status.OPEN  # the last day still counts
    after = respond_by + dt.timedelta(days=3)  # a missed night is caught up
    with at(after):
        out = run_daily(after, "annual_reports.invitations_lapse")
        assert "1" in out
        run_daily(after, "annual_reports.invitations_lapse")  # a second run: nothing
    invitation.refresh_from_db()
    assert invitation.status == Status.LAPSED and invitation.version == 2
    events = AuditEvent.objects.filter(event_type="annual_reports.invitation_lapsed")
    assert events.count() == 1 and events.get().actor is None
    with at(after):  # a lapsed one no longer blocks a new invitation
        assert _invite(world).status == Status.OPEN


def test_the_correction_service_marks_it_used(world):
    with at(DAY):
        invitation = _invite(world)
        with transaction.atomic():
            found = invitation_open_for(enterprise=world["firm"], year=2025, on=DAY)
            assert found is not None
            used = invitation_mark_used(actor=world["firm_user"], invitation=found)
        assert used.status == Status.USED
        with (
            pytest.raises(ValidationError, match="allows no correction"),
            translation.override("en"),
        ):
            invitation_mark_used(actor=None, invitation=invitation)
        assert invitation_open_for(enterprise=world["firm"], year=2025, on=DAY) is None


def test_cancel_needs_reasons_the_version_and_the_jurisdiction(world):
    with at(DAY):
        invitation = _invite(world)
        with translation.override("en"):
            with pytest.raises(ValidationError, match="another department"):
                invitation_cancel(
                    actor=world["partner"],
                    invitation=invitation,
                    reasons="错发",
                    expected_version=1,
                )
            with pytest.raises(ValidationError, match="Say why"):
                invitation_cancel(
                    actor=world["officer"], invitation=invitation, reasons=" ", expected_version=1
                )
        done = invitation_cancel(
            actor=world["officer"], invitation=invitation, reasons="错发", expected_version=1
        )
        assert done.status == Status.CANCELLED
        with pytest.raises(ConflictError):
            invitation_cancel(
                actor=world["officer"], invitation=invitation, reasons="错发", expected_version=1
            )


def test_staff_pages_issue_list_and_cancel(client, world):
    client.force_login(world["officer"])
    with at(DAY):
        form = client.get(reverse("annual_reports:invitation_create"), **EN)
        assert form.status_code == 200 and form.context["form"].initial["year"] == 2025
        bad = client.post(
            reverse("annual_reports:invitation_create"),
            {
                "enterprise_uscc": "9" * 18,
                "year": 2025,
                "reason": "general_status",
                "findings": "x",
            },
            **EN,
        )
        assert bad.status_code == 400 and b"in your jurisdiction" in bad.content
        done = client.post(
            reverse("annual_reports:invitation_create"),
            {
                "enterprise_uscc": world["firm"].uscc,
                "year": 2025,
                "reason": "general_status",
                "findings": "邮政编码错误",
            },
        )
        invitation = CorrectionInvitation.objects.get()
        assert done["Location"] == reverse("annual_reports:invitation_detail", args=[invitation.pk])
        listing = client.get(reverse("annual_reports:invitation_list"), **EN)
        assert [r["inv"].pk for r in listing.context["rows"]] == [invitation.pk]
        cancel = reverse("annual_reports:invitation_cancel", args=[invitation.pk])
        assert client.post(cancel, {"version": 1, "reasons": ""}, **EN).status_code == 400
        assert client.post(cancel, {"version": 1, "reasons": "企业已说明"}).status_code == 302
        detail = client.get(reverse("annual_reports:invitation_detail", args=[invitation.pk]), **EN)
        assert b'data-testid="cancel-reasons"' in detail.content and "企业已说明" in (
            detail.content.decode()
        )
        assert client.post(cancel, {"version": 1, "reasons": "again"}, **EN).status_code == 409


def test_staff_pages_permissions_and_jurisdiction(client, world):
    with at(DAY):
        invitation = _invite(world)
        theirs = _invite(world, actor=world["partner"], enterprise=world["eco_firm"])
        detail = reverse("annual_reports:invitation_detail", args=[invitation.pk])
        client.force_login(staff("enterprises.view_enterprise", username="nobody"))
        assert client.get(reverse("annual_reports:invitation_list")).status_code == 403
        assert client.get(detail).status_code == 403
        reader = staff(
            "annual_reports.view_correctioninvitation", username="reader", department=None
        )
        client.force_login(reader)
        assert client.get(reverse("annual_reports:invitation_create")).status_code == 403
        cancel = reverse("annual_reports:invitation_cancel", args=[invitation.pk])
        assert client.post(cancel, {"version": 1, "reasons": "x"}).status_code == 403
        client.force_login(world["partner"])
        rows = client.get(reverse("annual_reports:invitation_list")).context["rows"]
        assert [r["inv"].pk for r in rows] == [theirs.pk]
        assert client.get(detail).status_code == 404
        assert client.post(cancel, {"version": 1, "reasons": "x"}).status_code == 404
        client.force_login(world["firm_user"])
        assert client.get(reverse("annual_reports:invitation_list")).status_code == 403


def test_the_enterprise_sees_its_open_invitation_with_the_way_to_correct(client, world):
    with at(DAY):
        _invite(world)
        client.force_login(world["firm_user"])
        page = client.get(reverse("me-annual-reports:disclosures"), **EN)
        assert b'data-testid="invitations"' in page.content
        assert "年报中的联系电话与实际不符" in page.content.decode()
        link = page.context["report_url"]
        assert link.startswith("/me/annual-reports/")
        assert f'href="{link}"'.encode() in page.content
        other = world["eco_firm"]
        client.force_login(member(other, "eco-user"))
        assert (
            b'data-testid="invitations"'
            not in client.get(reverse("me-annual-reports:disclosures")).content
        )


def test_the_api_issues_reads_and_cancels(api_client_for, world):
    with at(DAY):
        api = api_client_for(world["officer"])
        created = api.post(
            "/api/v1/correction-invitations/",
            {
                "enterprise_uscc": world["firm"].uscc,
                "year": 2025,
                "reason": "unintentional",
                "findings": "资产总额单位误填。",
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert created.json()["respond_by"] == "2026-08-10"
        again = api.post(
            "/api/v1/correction-invitations/",
            {
                "enterprise_uscc": world["firm"].uscc,
                "year": 2025,
                "reason": "unintentional",
                "findings": "x",
            },
            format="json",
        )
        assert again.status_code == 400
        assert api.get("/api/v1/correction-invitations/").json()["count"] == 1
        assert (
            api_client_for(world["partner"])
            .get(f"/api/v1/correction-invitations/{pk}/")
            .status_code
            == 404
        )
        firm_api = api_client_for(world["firm_user"])
        assert firm_api.get(f"/api/v1/correction-invitations/{pk}/").status_code == 200
        assert (
            firm_api.post(
                f"/api/v1/correction-invitations/{pk}/cancel/", {"version": 1, "reasons": "x"}
            ).status_code
            == 403
        )
        stale = api.post(
            f"/api/v1/correction-invitations/{pk}/cancel/",
            {"version": 9, "reasons": "x"},
            format="json",
        )
        assert stale.status_code == 409
        done = api.post(
            f"/api/v1/correction-invitations/{pk}/cancel/",
            {"version": 1, "reasons": "误发"},
            format="json",
        )
        assert done.status_code == 200 and done.json()["status"] == "cancelled"
        nobody = api_client_for(staff("enterprises.view_enterprise", username="nobody"))
        assert nobody.get("/api/v1/correction-invitations/").status_code == 403
