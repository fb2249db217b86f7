"""The policy catalogue's staff pages and API (issue 18 §3): list, add, change, retire through
`measure_save` (versions, audit); the conditions composed as a fact, an operator and a value,
with clear errors for a malformed row; permission-checked; in the staff navigation."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest

from credit_portal.models import AuditEvent, Department, StaffProfile
from credit_portal.roles import Role
from station.models import PolicyMeasure
from station.rules import CONDITION_TYPES, FACTS, condition_from_parts, condition_parts
from tests.station.factories import logged_in, measure, today

pytestmark = pytest.mark.django_db


def _rows(*rows: tuple[str, str, str], extra: int = 2) -> dict[str, str]:
    data: dict[str, str] = {}
    all_rows = [*rows, *(("", "", ""),) * extra]
    for i, (fact, operator, value) in enumerate(all_rows):
        data[f"cond-{i}-fact"] = fact
        data[f"cond-{i}-operator"] = operator
        data[f"cond-{i}-value"] = value
    data.update(
        {
            "cond-TOTAL_FORMS": str(len(all_rows)),
            "cond-INITIAL_FORMS": "0",
            "cond-MIN_NUM_FORMS": "0",
            "cond-MAX_NUM_FORMS": "1000",
        }
    )
    return data


def _measure_data(**over: Any) -> dict[str, str]:
    data = {
        "code": "rent-relief",
        "title": "小微企业房租减免",
        "benefit": "房租减免30%",
        "summary": "",
        "how_to_apply": "",
        "department": "",
        "document_number": "双府办〔2026〕5号",
        "document_url": "",
        "valid_from": today().isoformat(),
        "valid_until": "",
    }
    data.update(over)
    return data


def test_every_condition_type_is_one_fact_and_operator_and_back() -> None:
    pairs = [t for fact in FACTS.values() for t in fact.operators.values()]
    assert sorted(pairs) == sorted(CONDITION_TYPES) and len(pairs) == 14
    for condition in (
        {"type": "entity_types", "value": ["individual_business", "company"]},
        {"type": "capital_at_most", "value": 100},
        {"type": "registered_years_at_least", "value": 2},
        {"type": "operating"},
    ):
        assert condition_from_parts(*condition_parts(condition)) == (condition, "")


def test_an_administrator_adds_a_measure_with_conditions_composed_as_rows(
    user_with_role: Any,
) -> None:
    admin = user_with_role(Role.ADMINISTRATOR)
    client = logged_in(admin)
    page = client.get("/station/policies/new/")
    assert page.status_code == 200
    done = client.post(
        "/station/policies/new/",
        {
            **_measure_data(),
            **_rows(
                ("entity_type", "one_of", "个体工商户、company"),
                ("capital", "at_most", "12.50"),
                ("operating", "holds", ""),
            ),
        },
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    saved = PolicyMeasure.objects.get(code="rent-relief")
    assert saved.conditions == [
        {"type": "entity_types", "value": ["individual_business", "company"]},
        {"type": "capital_at_most", "value": "12.5"},
        {"type": "operating"},
    ]
    assert saved.created_by == admin
    event = AuditEvent.objects.get(event_type="station.measure_saved", target_id=str(saved.pk))
    assert event.extra["created"] is True
    # The edit page shows the rows back, with their values.
    edit = client.get(f"/station/policies/{saved.pk}/").content.decode()
    assert 'value="individual_business、company"' in edit
    listed = client.get("/station/policies/").content.decode()
    assert f'data-measure="{saved.pk}"' in listed


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("capital", "one_of", "100"), "takes the operator: is at least, is at most"),
        (("capital", "at_most", "lots"), "give an amount in CNY 10,000"),
        (("registered_years", "at_least", "2.5"), "give a whole number of years"),
        (("entity_type", "one_of", "bank"), "not a known code: bank"),
        (("operating", "holds", "yes"), "takes no value"),
        (("street", "one_of", ""), "give a value"),
        (("", "at_most", "3"), "choose a fact from the list"),
    ],
)
def test_a_malformed_row_is_refused_on_its_row(
    user_with_role: Any, row: tuple[str, str, str], message: str
) -> None:
    client = logged_in(user_with_role(Role.ADMINISTRATOR))
    page = client.post(
        "/station/policies/new/", {**_measure_data(), **_rows(("operating", "holds", ""), row)}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Row 2:" in html and message in html
    assert not PolicyMeasure.objects.exists()


def test_the_same_condition_twice_names_the_first_row(user_with_role: Any) -> None:
    client = logged_in(user_with_role(Role.ADMINISTRATOR))
    page = client.post(
        "/station/policies/new/",
        {**_measure_data(), **_rows(("operating", "holds", ""), ("operating", "holds", ""))},
    )
    assert page.status_code == 400
    assert "the same condition is already set in row 1" in page.content.decode()


def test_the_service_rules_come_back_on_the_form(user_with_role: Any) -> None:
    measure("rent-relief")
    client = logged_in(user_with_role(Role.ADMINISTRATOR))
    page = client.post(
        "/station/policies/new/",
        {
            **_measure_data(valid_until=(today() - dt.timedelta(days=1)).isoformat()),
            **_rows(),
        },
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Another measure has the code rent-relief." in html
    assert "cannot end before it takes effect" in html


def test_a_change_from_a_stale_page_is_refused_naming_both_versions(user_with_role: Any) -> None:
    saved = measure("rent-relief", conditions=[{"type": "operating"}])
    admin = user_with_role(Role.ADMINISTRATOR)
    first, second = logged_in(admin), logged_in(admin)
    common = {
        **_measure_data(),
        "version": "1",
        **_rows(("operating", "holds", "")),
    }
    assert (
        first.post(f"/station/policies/{saved.pk}/", {**common, "title": "第一位"}).status_code
        == 302
    )
    late = second.post(f"/station/policies/{saved.pk}/", {**common, "title": "第二位的标题"})
    assert late.status_code == 409
    html = late.content.decode()
    assert "version 2, you read 1" in html
    assert 'value="第二位的标题"' in html  # the input is kept
    assert "第一位" in html  # the saved value beside it
    assert 'name="version" value="2"' in html
    saved.refresh_from_db()
    assert saved.title == "第一位" and saved.version == 2


def test_retire_and_offer_again(user_with_role: Any) -> None:
    saved = measure("rent-relief")
    client = logged_in(user_with_role(Role.ADMINISTRATOR))
    done = client.post(f"/station/policies/{saved.pk}/", {"action": "retire", "version": "1"})
    assert done.status_code == 302
    saved.refresh_from_db()
    assert not saved.is_active and saved.version == 2
    stale = client.post(f"/station/policies/{saved.pk}/", {"action": "reinstate", "version": "1"})
    assert stale.status_code == 302
    saved.refresh_from_db()
    assert not saved.is_active  # refused: the version read was stale
    client.post(f"/station/policies/{saved.pk}/", {"action": "reinstate", "version": "2"})
    saved.refresh_from_db()
    assert saved.is_active and saved.version == 3
    changed = [
        e["changed"]
        for e in AuditEvent.objects.filter(event_type="station.measure_saved")
        .order_by("id")
        .values_list("extra", flat=True)
    ]
    assert changed[1:] == [["is_active"], ["is_active"]]


def test_who_reads_who_keeps(user_with_role: Any, department: Department) -> None:
    saved = measure("rent-relief")
    officer = user_with_role(Role.CREDIT_OFFICER)
    reader = logged_in(officer)
    assert reader.get("/station/policies/").status_code == 200
    page = reader.get(f"/station/policies/{saved.pk}/").content.decode()
    assert 'data-testid="save"' not in page and 'data-testid="retire"' not in page
    assert reader.get("/station/policies/new/").status_code == 403
    assert (
        reader.post(
            f"/station/policies/{saved.pk}/", {"action": "retire", "version": "1"}
        ).status_code
        == 403
    )
    # A partner department's administrator keeps its own measures, not another's.
    partner = Department.objects.create(code="env", name="区生态环境局")
    other = Department.objects.create(code="health", name="区卫生健康局")
    env_admin = user_with_role(Role.ADMINISTRATOR, username="env-admin")
    StaffProfile.objects.filter(user=env_admin).update(department=partner)
    theirs = measure("health-grant", department=other)
    env = logged_in(env_admin)
    assert (
        env.post(
            f"/station/policies/{theirs.pk}/", {"action": "retire", "version": "1"}
        ).status_code
        == 403
    )
    from django.test import Client

    assert Client().get("/station/policies/").status_code == 302


def test_the_navigation_links_the_catalogue_for_its_readers(user_with_role: Any) -> None:
    home = logged_in(user_with_role(Role.SUPERVISOR)).get("/inbox/").content.decode()
    assert 'href="/station/policies/"' in home
    enforcement = logged_in(user_with_role(Role.ENFORCEMENT_OFFICER)).get("/inbox/")
    assert 'href="/station/policies/"' not in enforcement.content.decode()


def test_the_api_lists_adds_changes_and_retires(user_with_role: Any, api_client_for: Any) -> None:
    admin = user_with_role(Role.ADMINISTRATOR)
    api = api_client_for(admin)
    created = api.post(
        "/api/v1/policy-measures/",
        {
            "code": "loan",
            "title": "信用贷",
            "benefit": "低息贷款",
            "valid_from": today().isoformat(),
            "conditions": [{"type": "operating"}, {"type": "capital_at_most", "value": 500}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["version"] == 1
    bad = api.post(
        "/api/v1/policy-measures/",
        {
            "code": "bad",
            "title": "x",
            "benefit": "y",
            "valid_from": today().isoformat(),
            "conditions": [{"type": "risk_class", "value": "A"}],
        },
        format="json",
    )
    assert bad.status_code == 400 and "unknown condition" in bad.content.decode()
    retired = api.patch(
        f"/api/v1/policy-measures/{pk}/", {"version": 1, "is_active": False}, format="json"
    )
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert retired.json()["title"] == "信用贷" and retired.json()["version"] == 2
    stale = api.patch(f"/api/v1/policy-measures/{pk}/", {"version": 1, "title": "x"}, format="json")
    assert stale.status_code == 409
    listed = api.get("/api/v1/policy-measures/?active=false").json()
    assert [m["code"] for m in listed["results"]] == ["loan"]
    officer_api = api_client_for(user_with_role(Role.CREDIT_OFFICER))
    assert officer_api.get(f"/api/v1/policy-measures/{pk}/").status_code == 200
    assert (
        officer_api.patch(
            f"/api/v1/policy-measures/{pk}/", {"version": 2}, format="json"
        ).status_code
        == 403
    )


def test_a_save_without_the_version_read_is_refused(user_with_role: Any) -> None:
    """The edit page's lock: a hand-made or stale form without `version` is a form error, not
    an overwrite of whatever was saved meanwhile."""
    saved = measure("rent-relief", conditions=[{"type": "operating"}])
    client = logged_in(user_with_role(Role.ADMINISTRATOR))
    page = client.post(
        f"/station/policies/{saved.pk}/",
        {**_measure_data(title="没有版本号"), **_rows(("operating", "holds", ""))},
    )
    assert page.status_code == 400
    assert "The version this page was read at is missing" in page.content.decode()
    saved.refresh_from_db()
    assert saved.title != "没有版本号" and saved.version == 1
    assert not AuditEvent.objects.filter(
        event_type="station.measure_saved", extra__created=False
    ).exists()


@pytest.mark.parametrize("encoding", ["form", "multipart"])
def test_a_form_encoded_change_changes_only_the_fields_sent(
    user_with_role: Any, api_client_for: Any, encoding: str
) -> None:
    """A body without `is_active` (form-encoded or multipart) neither retires a measure on a
    change nor adds a retired one."""
    api = api_client_for(user_with_role(Role.ADMINISTRATOR))
    body = {"code": "loan", "title": "信用贷", "benefit": "低息贷款"}
    body["valid_from"] = today().isoformat()
    if encoding == "form":
        created = api.post(
            "/api/v1/policy-measures/",
            urlencode(body),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        created = api.post("/api/v1/policy-measures/", body, format="multipart")
    assert created.status_code == 201, created.content
    assert created.json()["is_active"] is True
    pk = created.json()["id"]
    change = {"version": "1", "title": "信用贷（新）"}
    if encoding == "form":
        changed = api.patch(
            f"/api/v1/policy-measures/{pk}/",
            urlencode(change),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        changed = api.patch(f"/api/v1/policy-measures/{pk}/", change, format="multipart")
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "信用贷（新）"
    assert changed.json()["is_active"] is True and changed.json()["version"] == 2
    kept = PolicyMeasure.objects.get(pk=pk)
    assert kept.is_active and kept.benefit == "低息贷款"
    last = AuditEvent.objects.filter(event_type="station.measure_saved").latest("id")
    assert last.extra["changed"] == ["title"]
    # The version is still required on a change.
    missing = api.patch(
        f"/api/v1/policy-measures/{pk}/",
        urlencode({"title": "x"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert missing.status_code == 400 and "version" in missing.json()["errors"]
