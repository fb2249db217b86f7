"""The API of immediate disclosures (issue 15 point 6): `/api/v1/me/disclosures/` for the
company (create, submit, correct, discard; another company's is a 404; a stale version a 409),
`/api/v1/disclosures/` for staff of the jurisdiction (never a draft)."""

from __future__ import annotations

import datetime as dt

import pytest

from annual_reports.models import ImmediateDisclosure
from enterprises.models import CreditRecord
from tests.annual_reports.factories_disclosures import (
    DISCLOSURE_PERMS,
    at,
    company,
    contribution,
    disclose,
    licence,
    member,
    partner,
    staff,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 11, 3)
ME = "/api/v1/me/disclosures/"


@pytest.fixture(autouse=True)
def _clock():
    with at(DAY):
        yield


@pytest.fixture
def firm():
    enterprise = company()
    return enterprise, member(enterprise)


def test_the_company_discloses_and_corrects_through_the_api(api_client_for, firm):
    enterprise, user = firm
    api = api_client_for(user)
    created = api.post(
        ME,
        {
            "item": "contribution",
            "changed_on": "2025-10-20",
            "content": contribution(),
            "submit": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["late"], body["revision"], body["due_on"]) == (
        "submitted",
        False,
        1,
        "2025-11-17",
    )
    pk = body["id"]
    corrected = api.post(
        f"{ME}{pk}/correct/",
        {
            "content": contribution(paid="50"),
            "correction_reason": "实缴金额填写有误",
            "submit": True,
        },
        format="json",
    )
    assert corrected.status_code == 201, corrected.content
    body = corrected.json()
    assert (body["revision"], body["correction_of"], body["is_current"]) == (2, pk, True)
    assert [v["revision"] for v in body["versions"]] == [1, 2]
    assert [v["is_current"] for v in body["versions"]] == [False, True]
    assert CreditRecord.objects.filter(enterprise=enterprise, kind="self_correction").count() == 1
    listed = api.get(ME).json()
    assert listed["count"] == 2


def test_drafts_submit_409_and_discard(api_client_for, firm):
    _enterprise, user = firm
    api = api_client_for(user)
    draft = api.post(
        ME, {"item": "licence", "changed_on": "2025-09-26", "content": licence()}, format="json"
    ).json()
    assert draft["status"] == "draft"
    changed = api.put(
        f"{ME}{draft['id']}/",
        {"version": draft["version"], "changed_on": "2025-09-26", "content": licence(number="N")},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["content"]["number"] == "N"
    stale = api.post(f"{ME}{draft['id']}/submit/", {"version": draft["version"]}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    done = api.post(
        f"{ME}{draft['id']}/submit/", {"version": changed.json()["version"]}, format="json"
    )
    assert done.status_code == 200 and done.json()["late"] is True
    second = api.post(
        ME, {"item": "licence", "changed_on": "2025-10-20", "content": licence()}, format="json"
    ).json()
    gone = api.post(f"{ME}{second['id']}/discard/", {"version": second["version"]}, format="json")
    assert gone.status_code == 204
    assert not ImmediateDisclosure.objects.filter(pk=second["id"]).exists()


def test_bad_input_is_a_400_naming_the_field(api_client_for, firm):
    _enterprise, user = firm
    api = api_client_for(user)
    answer = api.post(
        ME,
        {
            "item": "contribution",
            "changed_on": "2025-10-20",
            "content": contribution(paid="120", name="张\u0000三"),
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    errors = " ".join(answer.json()["errors"]["shareholders"])
    assert "cannot exceed the subscribed amount" in errors and "cannot be stored" in errors
    not_object = api.post(
        ME, {"item": "licence", "changed_on": "2025-10-20", "content": "x"}, format="json"
    )
    assert not_object.status_code == 400
    assert not ImmediateDisclosure.objects.exists()


def test_another_companys_disclosure_is_a_404_and_staff_use_the_staff_api(api_client_for, firm):
    _enterprise, user = firm
    other = company()
    theirs = disclose(other, member(other, "other"))
    api = api_client_for(user)
    assert api.get(f"{ME}{theirs.pk}/").status_code == 404
    assert api.post(f"{ME}{theirs.pk}/correct/", {}, format="json").status_code == 404
    assert api.post(f"{ME}{theirs.pk}/submit/", {"version": 1}, format="json").status_code == 404
    officer = staff(*DISCLOSURE_PERMS, username="officer")
    assert api_client_for(officer).get(ME).status_code == 403
    assert api.get("/api/v1/disclosures/").status_code == 403


def test_staff_read_the_disclosures_of_their_jurisdiction(api_client_for, firm):
    enterprise, user = firm
    mine = disclose(enterprise, user)
    eco = partner()
    eco_firm = company(department=eco)
    theirs = disclose(eco_firm, member(eco_firm, "eco"), changed_on=dt.date(2025, 10, 20))
    api = api_client_for(staff(*DISCLOSURE_PERMS, username="officer"))
    listed = api.get("/api/v1/disclosures/")
    assert listed.status_code == 200
    assert {r["id"] for r in listed.json()["results"]} == {mine.pk, theirs.pk}
    assert [r["id"] for r in api.get("/api/v1/disclosures/?late=true").json()["results"]] == [
        mine.pk
    ]
    assert api.get("/api/v1/disclosures/?item=nothing").status_code == 400
    detail = api.get(f"/api/v1/disclosures/{mine.pk}/")
    assert detail.status_code == 200 and len(detail.json()["versions"]) == 1
    partner_api = api_client_for(staff(*DISCLOSURE_PERMS, username="partner", department=eco))
    assert [r["id"] for r in partner_api.get("/api/v1/disclosures/").json()["results"]] == [
        theirs.pk
    ]
    assert partner_api.get(f"/api/v1/disclosures/{mine.pk}/").status_code == 404
    nobody = api_client_for(staff("enterprises.view_enterprise", username="nobody"))
    assert nobody.get("/api/v1/disclosures/").status_code == 403
