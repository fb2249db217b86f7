"""The serious list through its pages, API and admin (docs/domain.md §3, §5): the staff list
(entries, term end, bar, the marks of the next 60 days), permissions and jurisdiction, the
revocation of a wrongful entry (its bar lifted), the enterprise's own page, the API with the
same permissions, and the read-only admin of entries and barred persons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.models import Enterprise, RepresentativeBar
from remediation.models import SeriousListing
from remediation.services.serious import serious_move_due
from tests.enterprises.factories import DepartmentFactory
from tests.remediation.factories_listings import (
    OBJECTION_OFFICER_PERMS,
    SERIOUS_READER_PERMS,
    firm,
    late,
    listed_case,
    member,
    on_day,
)
from tests.remediation.factories_repairs import staff

pytestmark = pytest.mark.django_db

LISTED = dt.date(2022, 9, 1)
MARK = dt.date(2025, 9, 1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def moved():
    with on_day(LISTED):
        company = firm(name="成都严重失信示例有限公司")
        late(company, 2021)
        case = listed_case(company, report_year=2021, listed_on=LISTED)
    with on_day(dt.date(2022, 10, 1)):
        coming = listed_case(firm(name="成都即将届满示例有限公司"), listed_on=dt.date(2022, 10, 1))
    with on_day(MARK):
        serious_move_due(on=MARK)
    return {
        "case": case,
        "coming": coming,
        "serious": SeriousListing.objects.get(case=case),
        "reader": staff(*SERIOUS_READER_PERMS, username="serious-reader"),
        "officer": staff(
            *SERIOUS_READER_PERMS, *OBJECTION_OFFICER_PERMS, username="serious-officer"
        ),
    }


def test_the_staff_list_shows_entries_bars_and_marks_coming(client, moved):
    client.force_login(moved["reader"])
    with on_day(MARK):
        page = client.get(reverse("remediation:serious_list"), **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-serious="{moved["serious"].pk}"' in html
    assert "2028-09-01" in html  # term end and bar
    assert "成都即将届满示例有限公司" in html  # 3 years complete on 2025-10-01, within 60 days
    client.force_login(member(moved["case"].enterprise))
    assert client.get(reverse("remediation:serious_list")).status_code == 403


def test_a_partner_department_sees_none_of_the_bureaus_entries(client, moved):
    partner = staff(
        *SERIOUS_READER_PERMS,
        username="eco-reader",
        department=DepartmentFactory(code="eco", name="区生态环境局"),
    )
    client.force_login(partner)
    detail = reverse("remediation:serious_detail", args=[moved["serious"].pk])
    assert client.get(detail).status_code == 404


def test_the_officer_revokes_a_wrongful_entry_and_the_bar_is_lifted(client, moved):
    serious = moved["serious"]
    url = reverse("remediation:serious_revoke", args=[serious.pk])
    client.force_login(moved["reader"])
    assert client.post(url, {"reasons": "x", "version": 1}).status_code == 403
    client.force_login(moved["officer"])
    with on_day(MARK + dt.timedelta(days=5)):
        assert client.post(url, {"reasons": "", "version": 1}, **EN).status_code == 400
        done = client.post(url, {"reasons": "复议决定撤销", "version": 1}, **EN)
        assert done.status_code == 302
        stale = client.post(url, {"reasons": "again", "version": 1}, **EN)
        assert stale.status_code == 409
    serious.refresh_from_db()
    assert serious.state == SeriousListing.State.REVOKED
    assert serious.removal_record.kind == "abnormal_revocation"
    assert not Enterprise.objects.get(pk=serious.enterprise_id).on_serious_list
    assert RepresentativeBar.objects.get().lifted_on == MARK + dt.timedelta(days=5)


def test_the_enterprise_sees_its_entry_and_when_it_may_repair(client, moved):
    client.force_login(member(moved["case"].enterprise))
    with on_day(MARK):
        page = client.get(reverse("me-remediation:serious"), **EN).content.decode()
    assert f'data-serious="{moved["serious"].pk}"' in page
    assert "2026-09-01" in page  # early removal possible from
    assert "2028-09-01" in page  # term end, bar


def test_the_api_lists_with_the_pages_permissions(moved):
    url = reverse("remediation-api:serious-listing-list")
    reader = APIClient()
    reader.force_authenticate(moved["reader"])
    body = reader.get(url).json()
    assert [r["id"] for r in body["results"]] == [moved["serious"].pk]
    entry = body["results"][0]
    assert entry["bar"]["identity_number_on_file"] is True
    assert entry["term_ends"] == "2028-09-01" and entry["state"] == "listed"
    own = APIClient()
    own.force_authenticate(member(moved["case"].enterprise))
    assert own.get(url).json()["count"] == 1
    stranger = APIClient()
    stranger.force_authenticate(member(firm(), "stranger"))
    assert stranger.get(url).json()["count"] == 0
    detail = reverse("remediation-api:serious-listing-detail", args=[moved["serious"].pk])
    assert stranger.get(detail).status_code == 404
    assert APIClient().get(url).status_code in (401, 403)
    revoke = reverse("remediation-api:serious-listing-revoke", args=[moved["serious"].pk])
    assert reader.post(revoke, {"version": 1, "reasons": "x"}, format="json").status_code == 403
    officer = APIClient()
    officer.force_authenticate(moved["officer"])
    with on_day(MARK):
        assert (
            officer.post(revoke, {"version": 9, "reasons": "x"}, format="json").status_code == 409
        )
        done = officer.post(revoke, {"version": 1, "reasons": "撤销"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "revoked"


def test_the_admin_shows_entries_and_bars_read_only(admin_client, moved):
    serious = moved["serious"]
    bar = RepresentativeBar.objects.get()
    for name, pk in (
        ("remediation_seriouslisting", serious.pk),
        ("enterprises_representativebar", bar.pk),
    ):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
        page = admin_client.get(reverse(f"admin:{name}_change", args=[pk]))
        assert page.status_code == 200
        assert admin_client.get(reverse(f"admin:{name}_delete", args=[pk])).status_code == 403
    bar_page = admin_client.get(
        reverse("admin:enterprises_representativebar_change", args=[bar.pk])
    ).content.decode()
    assert bar.id_digest not in bar_page
