"""The penalty decisions API: the same permissions as the pages, every operation, the core's
error format, optimistic locking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from credit_portal.roles import Role
from remediation.models import PenaltyDecision, SoftAction
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory
from tests.remediation.factories_penalties import (
    PERSON_ID,
    TODAY,
    api,
    at,
    catalogue,
    first_violation_data,
    make_draft,
    make_recorded,
    member,
    staff,
)

pytestmark = pytest.mark.django_db

LIST = "remediation-api:penalty-list"


@pytest.fixture(autouse=True)
def _clock():
    with at(TODAY), translation.override("en"):
        yield


@pytest.fixture
def officer():
    catalogue()
    return staff(username="officer")


@pytest.fixture
def firm():
    return EnterpriseFactory()


def url(name: str, pk: int) -> str:
    return reverse(f"remediation-api:penalty-{name}", args=[pk])


def payload(firm, **over):
    data = {
        "number": "双市监处罚〔2025〕501号",
        "decided_on": "2025-09-26",
        "department": "amr",
        "party_kind": "registered",
        "enterprise_uscc": firm.uscc,
        "violation_type": "price_marking",
        "violation_on": "2025-08-01",
        "discovered_on": "2025-09-01",
        "facts": "未明码标价。",
        "legal_basis": "《价格违法行为行政处罚规定》第十三条",
        "measures": [{"kind": "fine", "amount": "1000.00"}],
    }
    data.update(over)
    return data


def test_a_decision_is_created_changed_recorded_and_withdrawn(officer, firm):
    client = api(officer)
    created = client.post(reverse(LIST), payload(firm), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["version"], body["enterprise_uscc"]) == ("draft", 1, firm.uscc)
    assert body["fine_range"] == {"minimum": "0.00", "maximum": "5000.00", "band_max": "1500.00"}
    assert body["measures"][0]["kind"] == "fine" and body["publication"]["code"] == "draft"
    pk = body["id"]
    changed = client.patch(url("detail", pk), {"version": 1, "facts": "补正。"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["facts"], changed.json()["version"]) == ("补正。", 2)
    assert changed.json()["measures"][0]["amount"] == "1000.00"  # kept when not sent
    stale = client.post(url("record", pk), {"version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    recorded = client.post(url("record", pk), {"version": 2}, format="json")
    assert recorded.status_code == 200
    body = recorded.json()
    assert (body["status"], body["published_on"], body["publicity_end"]) == (
        "recorded",
        "2025-10-15",
        "2026-01-14",
    )
    assert (body["publication_due"], body["publicity_term"]) == ("2025-10-30", "3m")
    assert body["credit_record"] is not None and body["checks"]["limitation"]["years"] == 2
    withdrawn = client.post(
        url("withdraw", pk),
        {"version": 3, "withdrawal": "changed", "reason": "复议变更。", "changed_on": "2025-10-14"},
        format="json",
    )
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["status"], withdrawn.json()["withdrawal_due"]) == (
        "withdrawn",
        "2025-10-17",
    )


def test_refusals_are_400_with_the_messages_by_field(officer, firm):
    client = api(officer)
    bad = client.post(reverse(LIST), payload(firm, discovered_on="2025-07-01"), format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert "before it happened" in bad.json()["errors"]["discovered_on"][0]
    pk = client.post(
        reverse(LIST), payload(firm, measures=[{"kind": "fine", "amount": "6000"}]), format="json"
    ).json()["id"]
    refused = client.post(url("record", pk), {"version": 1}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["measures"] == [
        "The fines total CNY 6,000, outside the statutory range of CNY 0 to 5,000."
    ]
    assert PenaltyDecision.objects.get(pk=pk).status == "draft"


def test_a_first_violation_through_the_api_opens_its_education(officer, firm):
    data = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in first_violation_data(firm).items()
    }
    data["department"] = "amr"
    data["measures"] = []
    client = api(officer)
    created = client.post(reverse(LIST), data, format="json")
    assert created.status_code == 201, created.json()
    recorded = client.post(url("record", created.json()["id"]), {"version": 1}, format="json")
    assert recorded.status_code == 200
    assert recorded.json()["publication"]["code"] == "not_published"
    assert SoftAction.objects.filter(penalty_id=created.json()["id"], trigger="no_penalty").exists()


def test_the_list_filters(officer, firm):
    recorded = make_recorded(officer, firm)
    draft = make_draft(officer, firm)
    client = api(officer)
    everything = client.get(reverse(LIST)).json()
    assert everything["count"] == 2
    only = client.get(reverse(LIST), {"status": "draft"}).json()
    assert [r["number"] for r in only["results"]] == [draft.number]
    found = client.get(reverse(LIST), {"q": recorded.number}).json()
    assert [r["number"] for r in found["results"]] == [recorded.number]
    bad = client.get(reverse(LIST), {"leniency": "gentle"})
    assert bad.status_code == 400 and "leniency" in bad.json()["errors"]


def test_permissions_match_the_pages(officer, firm):
    recorded = make_recorded(officer, firm)
    draft = make_draft(officer, firm)
    other = make_recorded(officer, EnterpriseFactory())
    assert api(None).get(reverse(LIST)).status_code in (401, 403)
    registrar = api(staff(Role.REGISTRAR))
    assert registrar.get(reverse(LIST)).status_code == 403
    inspector = api(staff(Role.INSPECTOR))
    assert inspector.get(url("detail", recorded.pk)).status_code == 200
    assert inspector.post(reverse(LIST), payload(firm), format="json").status_code == 403
    assert inspector.post(url("record", draft.pk), {"version": 1}, format="json").status_code == 403
    assert (
        inspector.post(
            url("withdraw", recorded.pk),
            {"version": 2, "withdrawal": "void", "reason": "x"},
            format="json",
        ).status_code
        == 403
    )
    user = api(member(firm))
    listed = user.get(reverse(LIST)).json()
    assert [r["number"] for r in listed["results"]] == [recorded.number]  # no draft, no other
    assert "checks" not in listed["results"][0]
    assert user.get(url("detail", recorded.pk)).status_code == 200
    assert user.get(url("detail", other.pk)).status_code == 404
    assert user.get(url("detail", draft.pk)).status_code == 404
    assert user.post(url("record", draft.pk), {"version": 1}, format="json").status_code == 404
    assert user.post(url("withdraw", recorded.pk), {"version": 2}, format="json").status_code == 403
    assert user.post(reverse(LIST), payload(firm), format="json").status_code == 403


def test_a_partner_department_sees_its_own_cases(officer, firm):
    health = DepartmentFactory(code="health", name="区卫生健康局")
    partner = staff(department=health, username="partner")
    theirs = make_recorded(
        partner,
        None,
        department="health",
        party_kind="natural_person",
        party_name="赵某",
        party_id=PERSON_ID,
    )
    bureau = make_recorded(officer, firm)
    client = api(partner)
    assert [r["number"] for r in client.get(reverse(LIST)).json()["results"]] == [theirs.number]
    assert client.get(url("detail", bureau.pk)).status_code == 404
    refused = client.post(reverse(LIST), payload(firm, number="X-1"), format="json")
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) >= {"department", "enterprise_uscc"}


def test_publish_and_push(officer):
    from tests.enterprises.factories import make_uscc

    decision = make_recorded(
        officer,
        None,
        party_kind="organisation",
        party_name="武汉某公司",
        party_code=make_uscc(8, division="420100"),
    )
    client = api(officer)
    pushed = client.post(
        url("push", decision.pk), {"version": 2, "pushed_on": "2025-10-10"}, format="json"
    )
    assert pushed.status_code == 200 and pushed.json()["pushed_on"] == "2025-10-10"
    published = client.post(
        url("publish", decision.pk), {"version": 3, "published_on": "2025-10-20"}, format="json"
    )
    assert published.status_code == 400  # in the future
    published = client.post(
        url("publish", decision.pk), {"version": 3, "published_on": "2025-10-14"}, format="json"
    )
    assert published.status_code == 200 and published.json()["publicity_end"] == "2026-01-13"


def test_a_partner_department_neither_sees_nor_acts_on_a_bureau_case(officer):
    from tests.enterprises.factories import make_uscc

    health = DepartmentFactory(code="health", name="区卫生健康局")
    partner = staff(department=health, username="partner")
    their_firm = EnterpriseFactory(department=health)  # an entity in the partner's care
    draft = make_draft(officer, their_firm)
    recorded = make_recorded(officer, their_firm)
    outside = make_recorded(
        officer,
        None,
        party_kind="organisation",
        party_name="武汉某公司",
        party_code=make_uscc(8, division="420100"),
    )
    before = {d.pk: (d.status, d.version) for d in PenaltyDecision.objects.all()}
    client = api(partner)
    assert client.get(reverse(LIST)).json()["results"] == []
    for decision in (draft, recorded, outside):
        assert client.get(url("detail", decision.pk)).status_code == 404
    calls = [
        ("patch", url("detail", draft.pk), {"version": 1, "department": "health"}),
        ("post", url("record", draft.pk), {"version": 1}),
        ("post", url("withdraw", recorded.pk), {"version": 2, "withdrawal": "void", "reason": "x"}),
        ("post", url("push", outside.pk), {"version": 2, "pushed_on": "2025-10-10"}),
        ("post", url("publish", outside.pk), {"version": 2, "published_on": "2025-10-14"}),
    ]
    for method, target, body in calls:
        assert getattr(client, method)(target, body, format="json").status_code == 404, target
    assert {d.pk: (d.status, d.version) for d in PenaltyDecision.objects.all()} == before


def test_the_api_says_when_and_how_publicity_ended_without_a_query_per_row(officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enterprises.services.ledger import credit_record_append
    from remediation.kinds import REPAIR

    def listed() -> tuple[dict, int]:
        with CaptureQueriesContext(connection) as queries:
            body = api(officer).get(reverse(LIST)).json()
        return {r["number"]: r for r in body["results"]}, len(queries)

    repaired = make_recorded(officer, EnterpriseFactory())
    credit_record_append(
        enterprise=repaired.enterprise,
        kind=REPAIR,
        occurred_on=dt.date(2025, 10, 14),
        summary="信用修复",
        actor=None,
        closes=repaired.credit_record,
    )
    rows, queries = listed()
    row = rows[repaired.number]
    assert row["publication"]["code"] == "repaired" and row["publication"]["overdue"] is False
    assert (row["publicity_ended_by"], row["publicity_ended_on"]) == ("repair", "2025-10-14")
    public = make_recorded(officer, EnterpriseFactory())
    for _ in range(3):
        make_recorded(officer, EnterpriseFactory())
    rows, more = listed()
    assert more == queries  # the closing is read in the list's own statement
    assert rows[public.number]["publication"]["code"] == "public"
    assert rows[public.number]["publicity_ended_by"] is None
    detail = api(officer).get(url("detail", repaired.pk)).json()
    assert detail["publicity_ended_by"] == "repair"


def test_two_creations_with_one_number_are_a_400_not_a_500(officer, firm, monkeypatch):
    import remediation.services.penalties.drafts as service

    client = api(officer)
    assert client.post(reverse(LIST), payload(firm), format="json").status_code == 201
    real = service._number_taken
    calls = {"n": 0}

    def raced(number, decision):
        # The first look misses the other save, as when it commits between check and write.
        calls["n"] += 1
        return False if calls["n"] == 1 else real(number, decision)

    monkeypatch.setattr(service, "_number_taken", raced)
    second = client.post(reverse(LIST), payload(firm), format="json")
    assert second.status_code == 400
    assert second.json()["errors"] == {"number": ["This decision number is already used."]}
