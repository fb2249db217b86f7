"""Triggered inspections (issue 17 §5, §6; docs/domain.md §2 "Triggered checks"): made from a
lead outside every pool (no exclusion applies: a brand-new entity is inspected), with the lead's
department, due 20 WD on; inspectors assigned by hand (at least two, one of the lead
department, recusals respected, skills held), never for a drawn inspection; the daily job
counts results due and overdue for publication; the admin reads inspections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from enterprises.models import CreditRecord
from inspections import audit_events as events
from inspections.models import Inspection, Recusal
from inspections.services.inspections import (
    inspection_publish,
    inspection_record,
    inspection_review,
    inspection_trigger,
)
from tests.annual_reports.factories_disclosures import run_daily
from tests.inspections.factories_work import (
    all_ok,
    at,
    company,
    inspector,
    lead,
    person,
    skill,
    world,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 9, 1)


@pytest.fixture
def w():
    with at(DAY):
        data = world()
        data["officer"] = person(Role.ENFORCEMENT_OFFICER, "officer")
        data["new_firm"] = company(registered_on=dt.date(2025, 8, 20))  # in its observation year
        data["lead"] = lead(data["new_firm"])
        return data


def _trigger(w, **over):
    data = {"actor": w["officer"], "lead": w["lead"], "items": [w["items"][0]]}
    data.update(over)
    with at(DAY):
        return inspection_trigger(**data)


def test_a_lead_triggers_an_inspection_outside_the_pool(w):
    done = _trigger(w)
    assert (done.origin, done.lead, done.enterprise, done.department) == (
        "triggered",
        w["lead"],
        w["new_firm"],
        w["amr"],
    )
    # 20 WD after 2025-09-01: Sunday 2025-09-28 was a working day (National Day swap).
    assert done.due_by == dt.date(2025, 9, 28)
    assert list(done.checks.values_list("item__code", "plan")) == [("gs-info", None)]
    assert AuditEvent.objects.filter(event_type=events.INSPECTION_TRIGGERED).count() == 1
    with translation.override("en"), pytest.raises(ValidationError) as twice:
        _trigger(w)
    assert "already open" in twice.value.message_dict["lead"][0]
    orphan = lead(None)
    with translation.override("en"), pytest.raises(ValidationError) as nobody:
        _trigger(w, lead=orphan, items=[])
    assert set(nobody.value.message_dict) == {"lead", "items"}


def test_inspectors_are_assigned_by_hand_with_recusal_and_skills(w, client):
    done = _trigger(w, items=[w["items"][0], w["items"][2]])
    food = skill("food")
    w["items"][2].required_skill = food
    w["items"][2].save(update_fields=["required_skill"])
    cook = inspector("cook", w["health"], skills=[food])
    with at(DAY):
        Recusal.objects.create(
            inspector=w["b"],
            enterprise=w["new_firm"],
            origin=Recusal.Origin.DECLARED,
            reason="亲属关系",
            valid_from=DAY,
            created_by=w["b"].user,
        )
    url = reverse("inspections:assign", args=[done.pk])
    client.force_login(w["officer"])
    with at(DAY):
        page = client.get(url)
        assert page.status_code == 200
        assert "insp_b" not in page.content.decode()  # recused: not offered
        one = client.post(url, {"version": 1, "inspectors": [w["a"].pk]}, HTTP_ACCEPT_LANGUAGE="en")
        assert one.status_code == 400
        html = one.content.decode()
        assert "At least 2 inspectors" in html and "qualified in 食品安全" in html
        recused = client.post(
            url,
            {"version": 1, "inspectors": [w["a"].pk, w["b"].pk, cook.pk]},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert recused.status_code == 400  # not a choice of the form: refused before the service
        fine = client.post(url, {"version": 1, "inspectors": [w["a"].pk, cook.pk]})
    assert fine.status_code == 302
    assert list(done.assignments.values_list("inspector__user__username", flat=True)) == [
        "insp_a",
        "cook",
    ]
    assert AuditEvent.objects.filter(event_type=events.INSPECTION_ASSIGNED).count() == 1


def test_the_service_refuses_a_recused_inspector_and_a_team_without_the_lead_department(w):
    from inspections.services.inspections import inspection_assign

    done = _trigger(w)
    with at(DAY):
        Recusal.objects.create(
            inspector=w["b"],
            enterprise=w["new_firm"],
            origin=Recusal.Origin.REQUESTED,
            reason="曾为其提供咨询",
            valid_from=DAY,
            created_by=w["officer"],
        )
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            inspection_assign(
                actor=w["officer"],
                inspection=done,
                inspectors=[w["a"], w["b"]],
                expected_version=1,
            )
        assert "recused" in refused.value.message_dict["inspectors"][0]
        with translation.override("en"), pytest.raises(ValidationError) as foreign:
            inspection_assign(
                actor=w["officer"],
                inspection=done,
                inspectors=[w["h"], w["h2"]],
                expected_version=1,
            )
        assert "lead department" in foreign.value.message_dict["inspectors"][0]
    assert not done.assignments.exists()


def test_a_triggered_result_is_published_naming_the_lead(w):
    done = _trigger(w)
    from inspections.services.inspections import inspection_assign

    with at(DAY):
        inspection_assign(
            actor=w["officer"], inspection=done, inspectors=[w["a"], w["b"]], expected_version=1
        )
    with at(dt.date(2025, 9, 5)):
        inspection_record(
            actor=w["a"].user,
            inspection=done,
            checks=all_ok(done),
            result_codes=["1"],
            findings="",
            checked_from=dt.date(2025, 9, 3),
            check_ended_on=dt.date(2025, 9, 4),
            expected_version=2,
        )
        reviewed = inspection_review(
            actor=w["supervisor"], inspection=done, decision="approve", expected_version=3
        )
        inspection_publish(actor=w["supervisor"], inspection=reviewed, expected_version=4)
    record = CreditRecord.objects.get(kind="inspection_result", enterprise=w["new_firm"])
    assert record.summary == "触发式检查：1 未发现问题"  # the lead's number is not public


def test_the_daily_job_counts_results_due_and_overdue(w):
    inspection = w["inspection"]
    with at(dt.date(2025, 9, 26)):
        inspection_record(
            actor=w["a"].user,
            inspection=inspection,
            checks=all_ok(inspection),
            result_codes=["1"],
            findings="",
            checked_from=dt.date(2025, 9, 22),
            check_ended_on=dt.date(2025, 9, 26),
            expected_version=1,
        )
    with at(dt.date(2025, 11, 3)), translation.override("en"):
        out = run_daily(dt.date(2025, 11, 3), "inspections.publication")
    assert "results overdue for publication 1 (overdue=1)" in out


def test_the_admin_reads_inspections_with_their_checks_and_inspectors(w, admin_client):
    with at(DAY):
        listed = admin_client.get("/admin/inspections/inspection/")
        page = admin_client.get(f"/admin/inspections/inspection/{w['inspection'].pk}/change/")
    assert listed.status_code == 200 and "蓉城贸易" in listed.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert "insp_h" in html and "gs-licence" in html
    assert Inspection.objects.count() == 1
