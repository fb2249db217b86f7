"""`/api/v1/abnormal-listings/` (issue 15, point 7): the same permissions as the pages. Staff
with `view_directorycase` list and read the cases of their jurisdiction with the pages'
filters; with `decide_directorycase` they list an entity and remove a listing (409 on a stale
version); an enterprise user reads only its own cases and gives its pledge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from remediation.models import DirectoryCase
from tests.remediation.factories_directory_pages import (
    closed_case,
    company,
    decider,
    filed,
    listed_case,
    member,
    partner,
    pending_case,
    reader,
    removed_case,
    shop,
    today,
)
from tests.remediation.factories_repairs import staff

pytestmark = pytest.mark.django_db
State = DirectoryCase.State

LIST = reverse("remediation-api:abnormal-listing-list")


def detail(case: DirectoryCase) -> str:
    return reverse("remediation-api:abnormal-listing-detail", args=[case.pk])


def step(name: str, case: DirectoryCase) -> str:
    return reverse(f"remediation-api:abnormal-listing-{name}", args=[case.pk])


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_staff_list_and_filter_the_cases_of_their_jurisdiction(api_client_for):
    late = listed_case(report_year=2024)
    unreachable = listed_case(reason="4", enterprise=company(division="西航港街道"))
    marked = listed_case(shop())
    removed = removed_case()
    pending = pending_case()
    client = api_client_for(reader())
    assert set(ids(client.get(LIST))) == {
        late.pk,
        unreachable.pk,
        marked.pk,
        removed.pk,
        pending.pk,
    }
    assert ids(client.get(LIST, {"state": "pending"})) == [pending.pk]
    assert ids(client.get(LIST, {"reason": "4"})) == [unreachable.pk]
    assert ids(client.get(LIST, {"kind": "individual"})) == [marked.pk]
    assert ids(client.get(LIST, {"year": "2024"})) == [late.pk]
    assert ids(client.get(LIST, {"division": "西航港街道"})) == [unreachable.pk]
    assert ids(client.get(LIST, {"q": marked.enterprise.uscc})) == [marked.pk]
    bad = client.get(LIST, {"state": "gone", "kind": "x", "year": "19"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"state", "kind", "year"}
    body = client.get(detail(pending)).json()
    assert body["state"] == "pending" and body["buffer_deadline"] == str(pending.buffer_deadline)
    assert body["next_due"]["day"] == str(pending.buffer_deadline)
    assert body["enterprise"] == {"uscc": pending.enterprise.uscc, "name": pending.enterprise.name}


def test_a_partner_department_and_outsiders(api_client_for):
    eco = partner()
    own = listed_case(reason="4", department=eco)
    bureaus = listed_case()
    client = api_client_for(reader("eco-reader", department=eco))
    assert ids(client.get(LIST)) == [own.pk]
    assert client.get(detail(bureaus)).status_code == 404
    assert api_client_for(None).get(LIST).status_code == 403
    without_codename = staff("enterprises.view_enterprise", username="registrar")
    assert api_client_for(without_codename).get(LIST).status_code == 403
    assert api_client_for(without_codename).get(detail(bureaus)).status_code == 403


def test_an_enterprise_user_reads_only_its_own_cases(api_client_for):
    mine = pending_case()
    theirs = listed_case()
    client = api_client_for(member(mine.enterprise))
    assert ids(client.get(LIST)) == [mine.pk]
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(theirs)).status_code == 404
    # Staff steps are refused: its own case a 403, another's a 404.
    assert client.post(
        step("remove", mine), {"version": 1, "code": "1", "reasons": "x"}, format="json"
    ).status_code == (403)
    assert (
        client.post(
            step("remove", theirs), {"version": 1, "code": "1", "reasons": "x"}, format="json"
        ).status_code
        == 404
    )
    listing = {
        "enterprise": mine.enterprise.uscc,
        "reason": "4",
        "facts": "x",
        "verified_on": str(today()),
    }
    assert client.post(LIST, listing, format="json").status_code == 403


def test_the_enterprise_gives_its_pledge(api_client_for):
    case = pending_case()
    client = api_client_for(member(case.enterprise))
    response = client.post(
        step("pledge", case),
        {"version": case.version, "text": "本单位承诺按期补报。"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["pledged_on"] == str(today())
    stale = client.post(
        step("pledge", case), {"version": case.version, "text": "再次承诺"}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    # Staff without decide_directorycase may not enter a pledge.
    assert (
        api_client_for(reader())
        .post(
            step("pledge", case), {"version": case.version + 1, "text": "纸质承诺"}, format="json"
        )
        .status_code
        == 403
    )


def test_staff_list_an_entity_and_remove_it(api_client_for):
    target = company()
    client = api_client_for(decider())
    response = client.post(
        LIST,
        {
            "enterprise": target.uscc,
            "reason": "4",
            "facts": "两次实地核查无人。",
            "verified_on": str(today() - dt.timedelta(days=1)),
            "source": "inspection",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "listed" and body["reason"] == "4" and body["listed_on"] == str(today())
    case = DirectoryCase.objects.get(pk=body["id"])
    # A code that does not cure the reason: 400; a stale version: 409; then the removal.
    wrong = client.post(
        step("remove", case),
        {"version": case.version, "code": "1", "reasons": "x"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.status_code == 400 and "code" in wrong.json()["errors"]
    stale = client.post(
        step("remove", case),
        {"version": case.version + 3, "code": "5", "reasons": "可以联系"},
        format="json",
    )
    assert stale.status_code == 409
    done = client.post(
        step("remove", case),
        {"version": case.version, "code": "5", "reasons": "实地核查：已恢复办公，可以联系。"},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "removed" and done.json()["removal_code"] == "5"


def test_listing_needs_the_codename_and_the_jurisdiction(api_client_for):
    target = company()
    data = {
        "enterprise": target.uscc,
        "reason": "3",
        "facts": "年报资产数据虚假。",
        "verified_on": str(today()),
    }
    assert api_client_for(reader()).post(LIST, data, format="json").status_code == 403
    eco = partner()
    outside = api_client_for(decider("eco-officer", department=eco)).post(
        LIST, data, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert outside.status_code == 400
    assert "enterprise" in outside.json()["errors"]
    assert not DirectoryCase.objects.exists()


def test_a_reason_1_removal_needs_every_year_filed(api_client_for):
    case = listed_case(report_year=2024)
    client = api_client_for(decider())
    refused = client.post(
        step("remove", case),
        {"version": case.version, "code": "1", "reasons": "核实"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400 and "2024" in str(refused.json()["errors"]["code"])
    filed(case.enterprise, 2024)
    done = client.post(
        step("remove", case),
        {"version": case.version, "code": "1", "reasons": "已补报2024年度报告"},
        format="json",
    )
    assert done.status_code == 200


@pytest.mark.parametrize("outcome", ["filed_in_time", "listed", "pending", "closed_other"])
def test_the_page_and_the_api_list_the_same_buffer_cases_without_a_year(
    client, api_client_for, outcome
):
    """`?buffer=` alone is the cases that entered the punishment buffer (any year) with that
    outcome, on the page as in the API (one filter, `directory_filter`): pending and closed
    without listing included, a listing that never entered the buffer not."""
    waiting = pending_case()
    filed_in_time = closed_case()
    ceased = closed_case()
    DirectoryCase.objects.filter(pk=ceased.pk).update(cured_on=None)
    listed_after = pending_case()
    DirectoryCase.objects.filter(pk=listed_after.pk).update(
        state=State.LISTED, listed_on=today(), listing_due=today()
    )
    listed_case(reason="4")  # never in the buffer
    removed_case()  # listed without a deferral (before the buffer existed)
    expected = {
        "pending": {waiting.pk},
        "filed_in_time": {filed_in_time.pk},
        "closed_other": {ceased.pk},
        "listed": {listed_after.pk},
    }[outcome]
    user = reader()
    client.force_login(user)
    page = client.get(reverse("remediation:directory_list"), {"buffer": outcome})
    assert page.status_code == 200
    api = api_client_for(user).get(LIST, {"buffer": outcome})
    assert page.context["page_obj"].paginator.count == api.json()["count"] == len(expected)
    assert {row["case"].pk for row in page.context["rows"]} == set(ids(api)) == expected


def test_the_cured_filter_is_the_pages_in_the_api_too(client, api_client_for):
    cured = listed_case(cured_on=today())
    listed_case()
    user = reader()
    client.force_login(user)
    page = client.get(reverse("remediation:directory_list"), {"cured": "on"})
    assert [row["case"].pk for row in page.context["rows"]] == [cured.pk]
    api = api_client_for(user)
    assert ids(api.get(LIST, {"cured": "true"})) == [cured.pk]
    assert len(ids(api.get(LIST, {"cured": "false"}))) == 2
    bad = api.get(LIST, {"cured": "maybe"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"cured"}
