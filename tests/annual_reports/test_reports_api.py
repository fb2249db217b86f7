"""The annual-report API: an enterprise's own reports (create a draft, change it with the version
read, submit, correct; 400 with the field's message, 409 on a stale version, 404 for another
enterprise's report) and the staff endpoints (list with filters, read, paper entry), with the
permissions of the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from annual_reports.models import AnnualReport
from credit_portal.models import Department
from tests.annual_reports.factories import (
    IN_WINDOW,
    YEAR,
    at,
    company,
    enterprise_data,
    file_report,
    member,
    officer,
    staff,
)

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/annual-reports/"
STAFF = "/api/v1/annual-reports/"


def _json(data):
    out = {}
    for key, value in data.items():
        out[key] = str(value) if value is not None and not isinstance(value, int | list) else value
    return out


@pytest.fixture
def firm_api(api_client_for):
    firm = company()
    api = api_client_for(member(firm))
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")  # the tests read the messages in English
    return firm, api


def test_an_enterprise_drafts_changes_and_submits_its_report(firm_api):
    firm, api = firm_api
    with at(IN_WINDOW):
        created = api.post(ME, {"year": YEAR, "phone": "13800000000"}, format="json")
        assert created.status_code == 201, created.json()
        body = created.json()
        assert (body["status"], body["year"], body["revision"]) == ("draft", YEAR, 1)
        assert body["mailing_address"] == firm.address  # prefilled from the register
        pk, version = body["id"], body["version"]
        changed = api.patch(
            f"{ME}{pk}/", {"version": version, **_json(enterprise_data())}, format="json"
        )
        assert changed.status_code == 200, changed.json()
        version = changed.json()["version"]
        submitted = api.post(f"{ME}{pk}/submit/", {"version": version}, format="json")
    assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert (body["status"], body["is_current"], body["filed_on"], body["late"]) == (
        "submitted",
        True,
        "2026-03-10",
        False,
    )
    assert body["total_profit"] == "-15.20"
    assert [v["revision"] for v in body["versions"]] == [1]
    listed = api.get(ME).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == pk


def test_a_stale_version_and_a_second_submission_are_409(firm_api):
    _firm, api = firm_api
    with at(IN_WINDOW):
        pk = api.post(ME, {"year": YEAR, **_json(enterprise_data())}, format="json").json()["id"]
        assert (
            api.patch(
                f"{ME}{pk}/", {"version": 9, "phone": "13800000000"}, format="json"
            ).status_code
            == 409
        )
        assert api.post(f"{ME}{pk}/submit/", {"version": 1}, format="json").status_code == 200
        again = api.post(f"{ME}{pk}/submit/", {"version": 1}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    # A second draft for the year while one is open: 409 as well.
    other = company()
    api2 = type(api)()
    api2.force_authenticate(member(other, "other"))
    with at(IN_WINDOW):
        assert api2.post(ME, {"year": YEAR}, format="json").status_code == 201
        assert api2.post(ME, {"year": YEAR}, format="json").status_code == 409


def test_bad_input_is_a_400_naming_the_field(firm_api):
    _firm, api = firm_api
    with at(IN_WINDOW):
        negative = api.post(
            ME, {"year": YEAR, "headcount": -5, "total_assets": "-1"}, format="json"
        )
        assert negative.status_code == 400
        errors = negative.json()["errors"]
        assert set(errors) == {"headcount", "total_assets"}
        not_due = api.post(ME, {"year": 2026}, format="json")
        assert not_due.status_code == 400 and "year" in not_due.json()["errors"]
        pk = api.post(ME, {"year": YEAR}, format="json").json()["id"]
        incomplete = api.post(f"{ME}{pk}/submit/", {"version": 1}, format="json")
    assert incomplete.status_code == 400
    assert "total_assets" in incomplete.json()["errors"]
    file_report(company())  # another firm's filing changes nothing here
    assert AnnualReport.objects.get(pk=pk).status == "draft"


def test_a_second_report_is_refused_and_a_correction_started_instead(firm_api):
    firm, api = firm_api
    report = file_report(firm)
    with at(IN_WINDOW):
        second = api.post(ME, {"year": YEAR}, format="json")
        assert second.status_code == 400
        assert "correct it instead" in second.json()["errors"]["year"][0]
        submitted_patch = api.patch(
            f"{ME}{report.pk}/", {"version": report.version, "phone": "13800000009"}, format="json"
        )
        assert submitted_patch.status_code == 400
        correction = api.post(f"{ME}{report.pk}/correct/", format="json")
    assert correction.status_code == 201
    body = correction.json()
    assert (body["revision"], body["correction"], body["correction_of"]) == (2, "free", report.pk)
    assert [v["revision"] for v in body["versions"]] == [1, 2]
    with at(dt.date(2026, 7, 2)):
        late = company()
        file_report(late)
    api3 = type(api)()
    api3.force_authenticate(member(late, "late"))
    api3.credentials(HTTP_ACCEPT_LANGUAGE="en")
    own = AnnualReport.objects.get(enterprise=late)
    with at(dt.date(2026, 7, 2)):
        refused = api3.post(f"{ME}{own.pk}/correct/", format="json")
    assert refused.status_code == 400
    assert "need an invitation after a check" in refused.json()["errors"]["year"][0]


def test_another_enterprises_report_is_a_404(firm_api, api_client_for):
    _firm, api = firm_api
    theirs = file_report(company())
    assert api.get(f"{ME}{theirs.pk}/").status_code == 404
    assert api.patch(f"{ME}{theirs.pk}/", {"version": 1}, format="json").status_code == 404
    assert api.post(f"{ME}{theirs.pk}/submit/", {"version": 1}, format="json").status_code == 404
    assert api.post(f"{ME}{theirs.pk}/correct/", format="json").status_code == 404
    assert api.get(ME).json()["count"] == 0
    # The staff endpoints are not an enterprise's.
    assert api.get(STAFF).status_code == 403
    assert api.get(f"{STAFF}{theirs.pk}/").status_code == 404


def test_staff_read_reports_of_their_jurisdiction_with_filters(api_client_for):
    on_time = file_report(company())
    late = file_report(company(division="九江街道"), on=dt.date(2026, 7, 20))
    api = api_client_for(officer())
    body = api.get(STAFF, {"year": YEAR}).json()
    assert {r["id"] for r in body["results"]} == {on_time.pk, late.pk}
    assert [r["id"] for r in api.get(STAFF, {"late": "true"}).json()["results"]] == [late.pk]
    assert [r["id"] for r in api.get(STAFF, {"division": "九江街道"}).json()["results"]] == [
        late.pk
    ]
    assert api.get(STAFF, {"late": "maybe"}).status_code == 400
    assert api.get(f"{STAFF}{on_time.pk}/").json()["filed_on"] == "2026-03-10"
    eco = Department.objects.create(code="eco", name="区生态环境局")
    partner = api_client_for(officer(username="eco", department=eco))
    assert partner.get(STAFF).json()["count"] == 0
    assert partner.get(f"{STAFF}{on_time.pk}/").status_code == 404
    reader = api_client_for(staff("enterprises.view_enterprise", username="reader"))
    assert reader.get(STAFF).status_code == 403
    assert api_client_for(member(company(), "firm2")).post(ME, {"year": YEAR}).status_code in (
        201,
        400,
    )


def test_staff_enter_a_paper_report_through_the_api(api_client_for):
    firm = company()
    api = api_client_for(officer())
    payload = {
        "uscc": firm.uscc,
        "year": YEAR,
        "received_on": "2026-07-01",
        "reference": "纸-API-1",
        **_json(enterprise_data()),
    }
    with at(dt.date(2026, 7, 20)):
        created = api.post(f"{STAFF}paper/", payload, format="json")
        assert created.status_code == 201, created.json()
        body = created.json()
        assert (body["channel"], body["filed_on"], body["late"]) == ("paper", "2026-07-01", True)
        again = api.post(f"{STAFF}paper/", payload, format="json")
        assert again.status_code == 400
        future = api.post(
            f"{STAFF}paper/",
            {**payload, "uscc": company().uscc, "received_on": "2026-07-21"},
            format="json",
        )
        assert "received_on" in future.json()["errors"]
    viewer = api_client_for(
        staff("enterprises.view_enterprise", "annual_reports.view_annualreport", username="v")
    )
    assert viewer.post(f"{STAFF}paper/", payload, format="json").status_code == 403
    assert (
        api_client_for(member(firm)).post(f"{STAFF}paper/", payload, format="json").status_code
        == 403
    )
