"""Leads through `/api/v1/leads/` (docs/domain.md §10): list, detail, create (with the receipt
code once), every step, the 409 of a stale version, the 400s by field, permissions and
jurisdiction, and no reporter's identity in any answer; and the daily job
`inspections.lead_clocks` through `run_daily`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from credit_portal.models import DailyRun
from inspections.models import Inspection, Lead
from inspections.selectors.leads import lead_clock_counts
from tests.enterprises.factories import enterprise_user
from tests.inspections.factories_leads import (
    RECEIVED,
    REPORTER,
    REPORTER_EMAIL,
    REPORTER_PHONE,
    check_item,
    complaint,
    firm,
    officer,
    on_day,
    partner,
    report,
)

pytestmark = pytest.mark.django_db
LIST = reverse("inspections-api:lead-list")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def step(name: str, lead: Lead) -> str:
    return reverse(f"inspections-api:lead-{name}", args=[lead.pk])


def no_identity(response) -> bool:
    text = json.dumps(response.json(), ensure_ascii=False)
    return not any(s in text for s in (REPORTER, REPORTER_PHONE, REPORTER_EMAIL)) and not any(
        key in text for key in ('"reporter_name"', '"reporter_phone"', '"reporter_email"')
    )


def test_create_read_and_list_without_the_reporter():
    staff = officer("api-desk")
    shop = firm()
    client = api(staff)
    with on_day(RECEIVED):
        created = client.post(
            LIST,
            {
                "kind": "report",
                "channel": "letter",
                "received_on": "2025-09-26",
                "uscc": shop.uscc,
                "content": "销售无合格证的电动车",
                "reporter_name": REPORTER,
                "reporter_phone": REPORTER_PHONE,
            },
            format="json",
        )
        assert created.status_code == 201, created.json()
        body = created.json()
        assert body["receipt_code"] and body["number"] == "线索〔2025〕0001"
        assert body["verify_due"] == "2025-10-23"
        assert body["enterprise"]["uscc"] == shop.uscc and body["subject_name"] == shop.name
        detail = client.get(reverse("inspections-api:lead-detail", args=[body["id"]]))
        listing = client.get(LIST)
    assert detail.status_code == 200 and "receipt_code" not in detail.json()
    assert [c["key"] for c in detail.json()["clocks"]] == ["verify"]
    assert listing.json()["count"] == 1 and "content" not in listing.json()["results"][0]
    assert no_identity(detail) and no_identity(listing)


def test_bad_input_is_a_400_by_field():
    client = api(officer("api-bad"))
    with on_day(RECEIVED):
        r = client.post(
            LIST,
            {
                "kind": "complaint",
                "channel": "phone",
                "received_on": "2025-09-27",
                "subject_name": "某店",
                "content": "x",
                "anonymous": True,
            },
            format="json",
        )
    assert r.status_code == 400
    assert {"received_on", "anonymous", "reporter_name"} <= set(r.json()["errors"])
    assert client.post(LIST, {"kind": "x"}, format="json").status_code == 400
    assert client.get(LIST, {"status": "nope"}).status_code == 400
    assert not Lead.objects.exists()


def test_the_steps_of_a_report_and_a_stale_version():
    staff = officer("api-steps")
    shop = firm()
    item = check_item()
    client = api(staff)
    with on_day(RECEIVED):
        lead, _ = report(actor=staff)
    with on_day(dt.date(2025, 10, 9)):
        r = client.post(step("assign", lead), {"version": 1, "handler": staff.pk}, format="json")
        assert r.status_code == 200 and r.json()["status"] == "verifying"
        r = client.post(step("link", lead), {"version": 2, "uscc": shop.uscc}, format="json")
        assert r.status_code == 200
        r = client.post(step("extend", lead), {"version": 3, "reason": "取证"}, format="json")
        assert r.json()["verify_due"] == "2025-11-13"
        stale = client.post(step("extend", lead), {"version": 3, "reason": "再次"}, format="json")
        assert stale.status_code == 409 and stale.json()["code"] == "conflict"
        unknown = client.post(
            step("decide", lead),
            {"version": 4, "decision": "case_opened", "note": "属实", "items": ["nope"]},
            format="json",
        )
        assert unknown.status_code == 400 and "items" in unknown.json()["errors"]
        r = client.post(
            step("decide", lead),
            {"version": 4, "decision": "case_opened", "note": "属实", "items": [item.code]},
            format="json",
        )
        assert r.status_code == 200, r.json()
        assert r.json()["notify_due"] == "2025-10-15"
        assert r.json()["inspections"] == [Inspection.objects.get(lead=lead).pk]
        r = client.post(
            step("notify", lead),
            {"version": 5, "notified_on": "2025-10-09", "method": "sms"},
            format="json",
        )
        assert r.status_code == 200 and r.json()["notified_on"] == "2025-10-09"
    assert no_identity(r)


def test_the_steps_of_a_complaint():
    staff = officer("api-complaint")
    shop = firm()
    item = check_item()
    client = api(staff)
    with on_day(RECEIVED):
        lead, _ = complaint(actor=staff, enterprise=shop)
        other, _ = complaint(actor=staff)
        assert client.post(step("accept", lead), {"version": 1}, format="json").status_code == 200
        r = client.post(
            step("violation", lead),
            {"version": 2, "note": "发现虚假宣传", "items": [item.code]},
            format="json",
        )
        assert r.status_code == 200 and r.json()["violation_found"] is True
        r = client.post(
            step("end-mediation", lead), {"version": 3, "outcome": "withdrawn"}, format="json"
        )
        assert r.json()["status"] == "closed" and r.json()["mediation_outcome"] == "withdrawn"
        r = client.post(
            step("refuse", other), {"version": 1, "reason": "非消费纠纷"}, format="json"
        )
        assert r.json()["status"] == "refused"
        wrong = client.post(
            step("decide", other), {"version": 2, "decision": "no_case", "note": "x"}, format="json"
        )
    assert wrong.status_code == 400


def test_permissions_and_jurisdiction():
    with on_day(RECEIVED):
        lead, _ = report()
    shop_user = enterprise_user(firm(), username="firm-api")
    assert api(shop_user).get(LIST).status_code == 403
    assert (
        api(shop_user).get(reverse("inspections-api:lead-detail", args=[lead.pk])).status_code
        == 403
    )
    stranger = officer("api-stranger", department=partner())
    assert api(stranger).get(LIST).json()["count"] == 0
    assert (
        api(stranger).get(reverse("inspections-api:lead-detail", args=[lead.pk])).status_code == 404
    )
    assert (
        api(stranger).post(step("accept", lead), {"version": 1}, format="json").status_code == 404
    )
    assert APIClient().get(LIST).status_code in (401, 403)


def test_the_daily_job_counts_due_and_overdue_per_clock_and_runs_once():
    staff = officer("clock")
    with on_day(RECEIVED):
        report(actor=staff)  # verify by 2025-10-23
        complaint(actor=staff)  # accept by 2025-10-13
    assert lead_clock_counts(on=dt.date(2025, 10, 20)) == {
        "verify_due": 1,
        "verify_overdue": 0,
        "notify_due": 0,
        "notify_overdue": 0,
        "accept_due": 0,
        "accept_overdue": 1,
        "mediation_due": 0,
        "mediation_overdue": 0,
    }
    day = dt.date(2025, 10, 24)
    with on_day(day):
        call_command("run_daily", "--date", day.isoformat(), "--only", "inspections.lead_clocks")
        call_command("run_daily", "--date", day.isoformat(), "--only", "inspections.lead_clocks")
    runs = DailyRun.objects.filter(name="inspections.lead_clocks", on=day)
    assert runs.count() == 1
    assert runs.get().counts["verify_overdue"] == 1 and runs.get().counts["accept_overdue"] == 1
