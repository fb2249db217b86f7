"""The admin of annual reports: reports read-only with every version of the year listed, never
deleted; filing seasons edited by the bureau's administrators, each change audited and checked
(the entrance reopens after 30 June of the next year)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from annual_reports import rules
from annual_reports.models import FilingSeason
from credit_portal.models import AuditEvent, User
from tests.annual_reports.factories import YEAR, company, file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db, department):
    from credit_portal.models import StaffProfile

    user = User.objects.create_superuser(username="root-admin", password="Secret-pass-123")
    StaffProfile.objects.create(user=user, department=department)
    return user


def test_a_report_is_read_only_with_its_versions(client, admin_user):
    report = file_report(company())
    client.force_login(admin_user)
    url = reverse("admin:annual_reports_annualreport_change", args=[report.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "r1 · Submitted" in html and "in force" in html
    assert 'name="_save"' not in html
    delete = reverse("admin:annual_reports_annualreport_delete", args=[report.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:annual_reports_annualreport_changelist")).status_code == 200


def test_a_filing_season_is_edited_and_audited(client, admin_user):
    client.force_login(admin_user)
    add = reverse("admin:annual_reports_filingseason_add")
    refused = client.post(
        add, {"year": YEAR, "entrance_closed_until": "2026-06-20"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 200 and "Give a day after 2026-06-30" in refused.content.decode()
    response = client.post(
        add, {"year": YEAR, "entrance_closed_until": "2026-07-10", "note": "局务会决定"}
    )
    assert response.status_code == 302
    season = FilingSeason.objects.get(year=YEAR)
    assert season.updated_by == admin_user
    assert rules.entrance_closed_until(YEAR) == dt.date(2026, 7, 10)
    assert AuditEvent.objects.filter(
        event_type="admin.annual_reports.filingseason_created", target_id=str(season.pk)
    ).exists()
