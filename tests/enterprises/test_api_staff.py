"""Staff/enterprise register API: permission matrix, filters, search, ordering, pagination,
create, optimistic PATCH, records, risk visibility, schema and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from pypinyin import lazy_pinyin

from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm as P
from enterprises.services.register import enterprise_update, name_initials
from tests.enterprises.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    enterprise_user,
    make_uscc,
    register_data,
)

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises-api:enterprise-list")


def detail(uscc: str) -> str:
    return reverse("enterprises-api:enterprise-detail", args=[uscc])


def records(uscc: str) -> str:
    return reverse("enterprises-api:enterprise-records", args=[uscc])


@pytest.fixture
def api(api_client_for):
    def make(user):
        client = api_client_for(user)
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return client

    return make


def _payload(**over):
    return register_data(900, **over)


def _ussc_set(response) -> set[str]:
    return {row["uscc"] for row in response.json()["results"]}


# --- permission matrix -------------------------------------------------------------------


def test_anonymous_is_refused_everywhere(api):
    ent = EnterpriseFactory()
    client = api(None)
    for url in (LIST, detail(ent.uscc), records(ent.uscc)):
        assert client.get(url).status_code in (401, 403)
    assert client.post(LIST, _payload(), format="json").status_code in (401, 403)
    assert client.patch(detail(ent.uscc), {"version": 1}, format="json").status_code in (401, 403)


def test_staff_without_codenames(api, user_with_perms):
    ent = EnterpriseFactory()
    client = api(user_with_perms())
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, _payload(), format="json").status_code == 403
    # Nothing is visible: enterprise-scoped endpoints answer 404 before any 403.
    assert client.get(detail(ent.uscc)).status_code == 404
    assert client.get(records(ent.uscc)).status_code == 404
    assert client.patch(detail(ent.uscc), {"version": 1}, format="json").status_code == 404


def test_view_only_staff_reads_but_cannot_write_or_read_records(api, user_with_perms):
    DepartmentFactory()
    ent = EnterpriseFactory()
    client = api(user_with_perms(P.VIEW))
    assert client.get(LIST).status_code == 200
    assert client.get(detail(ent.uscc)).status_code == 200
    assert client.get(records(ent.uscc)).status_code == 403
    assert client.post(LIST, _payload(), format="json").status_code == 403
    patch = client.patch(detail(ent.uscc), {"version": 1, "name": "新名"}, format="json")
    assert patch.status_code == 403
    assert not Enterprise.objects.filter(name="新名").exists()


def test_enterprise_user_sees_only_their_own_and_cannot_write(api):
    DepartmentFactory()
    own, other = EnterpriseFactory(), EnterpriseFactory()
    client = api(enterprise_user(own))
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert _ussc_set(listing) == {own.uscc}
    assert client.get(detail(own.uscc)).status_code == 200
    assert client.get(records(own.uscc)).status_code == 200
    assert client.get(detail(other.uscc)).status_code == 404
    assert client.get(records(other.uscc)).status_code == 404
    assert client.patch(detail(other.uscc), {"version": 1}, format="json").status_code == 404
    assert client.patch(detail(own.uscc), {"version": 1}, format="json").status_code == 403
    assert client.post(LIST, _payload(), format="json").status_code == 403
    assert Enterprise.objects.count() == 2


def test_enterprise_user_records_hide_the_recorder_and_the_officers_note(api, user_with_perms):
    own = EnterpriseFactory()
    CreditRecord.objects.create(
        enterprise=own,
        kind="status_change",
        occurred_on=dt.date(2024, 1, 1),
        summary="状态变更为：歇业",
        details={"status": "suspended", "note": "内部：电话核实"},
        recorded_by=user_with_perms(),
    )
    row = api(enterprise_user(own)).get(records(own.uscc)).json()["results"][0]
    assert "recorded_by" not in row
    assert row["details"] == {"status": "suspended"}  # the note is for staff (review)
    staff_row = api(user_with_perms(P.VIEW, P.VIEW_RECORDS)).get(records(own.uscc)).json()
    assert staff_row["results"][0]["recorded_by"] == "user1"
    assert staff_row["results"][0]["details"]["note"] == "内部：电话核实"


# --- filters, search, ordering, pagination ------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"entity_type": "individual_business"}, {"shop"}),
        ({"industry_section": "C"}, {"closed"}),
        ({"industry_division": "62"}, {"shop"}),
        ({"status": "deregistered"}, {"closed"}),
        ({"department": "eco"}, {"shop"}),
        ({"risk_class": "D"}, {"closed"}),
        ({"is_abnormal": "true"}, {"shop"}),
        ({"is_abnormal": "false"}, {"company", "closed"}),
        ({"on_serious_list": "true"}, {"closed"}),
        ({"registered_from": "2015-01-01"}, {"company", "shop"}),
        ({"registered_to": "2015-01-01"}, {"closed"}),
        ({"q": "面馆"}, {"shop"}),
        ({"q": "SLQ"}, {"shop"}),
        ({"q": make_uscc(1)}, {"company"}),
    ],
)
def test_api_filters_each_work(api, user_with_perms, district, params, expected):
    response = api(user_with_perms(P.VIEW, P.VIEW_RISK)).get(LIST, params)
    assert response.status_code == 200
    assert _ussc_set(response) == {district[k].uscc for k in expected}
    assert response.json()["count"] == len(expected)


def test_api_former_name_search(api, user_with_perms, district):
    response = api(user_with_perms(P.VIEW)).get(LIST, {"q": "华西机械厂"})
    assert _ussc_set(response) == {district["closed"].uscc}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["shop", "company", "closed"]),
        ("registered_on", ["closed", "company", "shop"]),
        ("-risk_score", ["closed", "shop", "company"]),
        ("name,-registered_on", None),
    ],
)
def test_api_ordering(api, user_with_perms, district, ordering, expected):
    params = {"ordering": ordering} if ordering else {}
    rows = api(user_with_perms(P.VIEW, P.VIEW_RISK)).get(LIST, params).json()["results"]
    usccs = [r["uscc"] for r in rows]
    if expected is None:
        names = [r["name"] for r in rows]
        # Pinyin order on PostgreSQL (ICU collation); on SQLite the pinyin initials, then
        # the name.
        if connection.vendor == "postgresql":
            assert names == sorted(names, key=lazy_pinyin)
        else:
            assert names == sorted(names, key=lambda n: (name_initials(n), n))
    else:
        assert usccs == [district[k].uscc for k in expected]


def test_risk_fields_filter_and_ordering_only_with_view_risk(api, user_with_perms, district):
    plain = api(user_with_perms(P.VIEW))
    rows = plain.get(LIST, {"risk_class": "D", "ordering": "-risk_score"}).json()["results"]
    assert len(rows) == 3  # the risk filter is ignored, not an error
    assert [r["uscc"] for r in rows] == [district[k].uscc for k in ("shop", "company", "closed")]
    assert all("risk_class" not in r and "risk_score" not in r for r in rows)
    assert "risk_class" not in plain.get(detail(district["closed"].uscc)).json()
    risky = api(user_with_perms(P.VIEW, P.VIEW_RISK)).get(detail(district["closed"].uscc)).json()
    risk = (risky["risk_class"], risky["risk_score"], risky["risk_overridden"])
    assert risk == ("D", "88.0", False)
    assert risky["risk_assessed_at"]


@pytest.mark.parametrize(
    "params",
    [
        {"registered_from": "2024-13-01"},
        {"registered_from": "2024-02-01", "registered_to": "2024-01-01"},
        {"department": "nowhere"},
        {"entity_type": "spaceship"},
        {"ordering": "legal_rep_name"},
    ],
)
def test_api_bad_filters_are_400_with_field_errors(api, user_with_perms, params):
    response = api(user_with_perms(P.VIEW)).get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)


def test_api_date_range_error_is_a_non_field_error(api, user_with_perms):
    response = api(user_with_perms(P.VIEW)).get(
        LIST, {"registered_from": "2024-02-01", "registered_to": "2024-01-01"}
    )
    assert response.json()["errors"] == {
        "non_field_errors": ["The registration date range ends before it starts."]
    }


def test_api_pagination(api, user_with_perms):
    EnterpriseFactory.create_batch(7)
    client = api(user_with_perms(P.VIEW))
    first = client.get(LIST, {"page_size": 5}).json()
    assert (first["count"], first["count_capped"], len(first["results"])) == (7, False, 5)
    assert first["next"] and first["previous"] is None
    second = client.get(LIST, {"page_size": 5, "page": 2}).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert client.get(LIST, {"page": 9}).status_code == 404


def test_api_count_is_capped(api, user_with_perms, monkeypatch):
    monkeypatch.setattr("enterprises.api.staff.LIST_COUNT_CAP", 4)
    EnterpriseFactory.create_batch(6)
    body = api(user_with_perms(P.VIEW)).get(LIST, {"page_size": 2}).json()
    assert (body["count"], body["count_capped"]) == (4, True)


# --- create ------------------------------------------------------------------------------


def test_create_by_registrar(api, user_with_perms):
    DepartmentFactory()
    user = user_with_perms(P.VIEW, P.ADD)
    response = api(user).post(LIST, _payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["uscc"] == make_uscc(900)
    assert body["legal_rep_id_masked"] == "1101**********002X"
    assert "legal_rep_id" not in body
    assert body["department"] == {"code": "amr", "name": "区市场监督管理局"}
    assert AuditEvent.objects.get(event_type="enterprises.enterprise_created").actor == user


def test_create_with_wrong_check_character_is_400_naming_it(api, user_with_perms):
    DepartmentFactory()
    code = make_uscc(900)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = api(user_with_perms(P.VIEW, P.ADD)).post(LIST, _payload(uscc=wrong), format="json")
    assert response.status_code == 400
    assert any(f"should be {code[-1]}" in m for m in response.json()["errors"]["uscc"])
    assert not Enterprise.objects.exists()


def test_create_with_override(api, user_with_perms):
    DepartmentFactory()
    code = make_uscc(900)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    payload = _payload(uscc=wrong, allow_check_override=True)
    refused = api(user_with_perms(P.VIEW, P.ADD)).post(LIST, payload, format="json")
    assert refused.status_code == 403
    user = user_with_perms(P.VIEW, P.ADD, P.OVERRIDE_USCC_CHECK)
    response = api(user).post(LIST, payload, format="json")
    assert response.status_code == 201
    assert response.json()["uscc_check_overridden"] is True
    assert AuditEvent.objects.get(event_type="enterprises.enterprise_created").extra[
        "check_overridden"
    ]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"registered_on": "2999-01-01"}, "registered_on"),
        ({"registered_on": "not a date"}, "registered_on"),
        ({"industry_division": "99"}, "industry_division"),
        ({"entity_type": "spaceship"}, "entity_type"),
        ({"department": "nowhere"}, "department"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_create_bad_input_is_400(api, user_with_perms, over, field):
    DepartmentFactory()
    response = api(user_with_perms(P.VIEW, P.ADD)).post(LIST, _payload(**over), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Enterprise.objects.exists()


# --- PATCH -------------------------------------------------------------------------------


def test_patch_with_current_version(api, user_with_perms):
    ent = EnterpriseFactory()
    user = user_with_perms(P.VIEW, P.CHANGE)
    response = api(user).patch(
        detail(ent.uscc), {"version": 1, "address": "新地址9号"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["address"], response.json()["version"]) == ("新地址9号", 2)
    assert AuditEvent.objects.get(event_type="enterprises.enterprise_changed").actor == user


def test_patch_with_stale_version_is_409_and_nothing_is_lost(api, user_with_perms):
    ent = EnterpriseFactory()
    enterprise_update(actor=None, enterprise=ent, data={"address": "别人的地址"})
    response = api(user_with_perms(P.VIEW, P.CHANGE)).patch(
        detail(ent.uscc), {"version": 1, "address": "我的地址"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    ent.refresh_from_db()
    assert (ent.address, ent.version) == ("别人的地址", 2)


def test_patch_needs_a_version_and_valid_data(api, user_with_perms):
    ent = EnterpriseFactory()
    client = api(user_with_perms(P.VIEW, P.CHANGE))
    assert client.patch(detail(ent.uscc), {"name": "x"}, format="json").status_code == 400
    bad = client.patch(
        detail(ent.uscc), {"version": 1, "registered_on": "2999-01-01"}, format="json"
    )
    assert bad.status_code == 400
    assert "registered_on" in bad.json()["errors"]


# --- records -----------------------------------------------------------------------------


def test_records_newest_first_with_closing_links(api, user_with_perms):
    ent = EnterpriseFactory()
    listing = CreditRecord.objects.create(
        enterprise=ent, kind="abnormal_listing", occurred_on=dt.date(2024, 1, 1), summary="列入"
    )
    CreditRecord.objects.create(
        enterprise=ent,
        kind="abnormal_removal",
        occurred_on=dt.date(2024, 6, 1),
        summary="移出",
        closes=listing,
    )
    rows = api(user_with_perms(P.VIEW, P.VIEW_RECORDS)).get(records(ent.uscc)).json()["results"]
    assert [r["kind"] for r in rows] == ["abnormal_removal", "abnormal_listing"]
    assert rows[0]["closes"] == listing.pk
    assert rows[1]["closed_by"] == rows[0]["id"]


# --- schema and query counts --------------------------------------------------------------


def test_schema_documents_the_filters(api, user_with_perms):
    schema = api(user_with_perms()).get("/api/schema/", {"format": "json"}).json()
    params = {p["name"] for p in schema["paths"]["/api/v1/enterprises/"]["get"]["parameters"]}
    assert {
        "q",
        "entity_type",
        "industry_section",
        "industry_division",
        "status",
        "department",
        "risk_class",
        "is_abnormal",
        "on_serious_list",
        "registered_from",
        "registered_to",
        "ordering",
        "page",
        "page_size",
    } <= params
    assert "patch" in schema["paths"]["/api/v1/enterprises/{uscc}/"]
    assert "get" in schema["paths"]["/api/v1/enterprises/{uscc}/records/"]


def test_api_list_query_count_is_constant(api, user_with_perms, django_assert_num_queries):
    client = api(user_with_perms(P.VIEW, P.VIEW_RISK))
    eco = DepartmentFactory(code="eco", name="区生态环境局")
    client.get(LIST)  # the forced-authenticated user keeps its permission cache from here on
    for batch in (3, 30, 300):
        EnterpriseFactory.create_batch(batch, department=eco)
        # department (filter value), ids of the matches (capped), page
        with django_assert_num_queries(3):
            response = client.get(LIST, {"department": "eco", "ordering": "-risk_score"})
        assert response.json()["count"] == Enterprise.objects.count()


def test_records_query_count_is_constant(api, user_with_perms, django_assert_num_queries):
    ent = EnterpriseFactory()
    client = api(user_with_perms(P.VIEW, P.VIEW_RECORDS))
    client.get(records(ent.uscc))  # the forced-authenticated user keeps its permission cache
    for batch in (2, 20):
        for i in range(batch):
            CreditRecord.objects.create(
                enterprise=ent,
                kind="penalty",
                occurred_on=dt.date(2024, 1, 1) + dt.timedelta(i),
                summary=f"处罚{i}",
            )
        # enterprise, count, page
        with django_assert_num_queries(3):
            response = client.get(records(ent.uscc))
        assert response.json()["count"] == CreditRecord.objects.count()


@pytest.mark.parametrize(("correction", "records"), [(False, 1), (True, 0)])
def test_patch_records_a_change_of_registration_unless_it_is_a_correction(
    api, user_with_perms, correction, records
):
    from enterprises.models import CreditRecord

    DepartmentFactory()
    ent = EnterpriseFactory()
    client = api(user_with_perms(P.VIEW, P.CHANGE))
    body = {"version": 1, "address": "四川省成都市双流区新地址2号", "correction": correction}
    assert client.patch(detail(ent.uscc), body, format="json").status_code == 200
    assert (
        CreditRecord.objects.filter(enterprise=ent, kind="registration_change").count() == records
    )
