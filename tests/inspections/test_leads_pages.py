"""Leads through the pages (docs/domain.md §10): the public form and its receipt code, shown once;
the status page; throttling and CSRF; the staff queue (overdue first, filters), the lead's page
and every step as a form; the reporter's identity, read on the lead's page only and audited,
and never anywhere else (public pages, the enterprise's pages, another department, the queue);
the admin."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from credit_portal.models import AuditEvent
from inspections import audit_events as events
from inspections.models import Inspection, Lead
from tests.enterprises.factories import enterprise_user
from tests.inspections.factories_leads import (
    RECEIVED,
    REPORTER,
    REPORTER_EMAIL,
    REPORTER_PHONE,
    bureau,
    check_item,
    complaint,
    firm,
    officer,
    on_day,
    partner,
    report,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW = reverse("inspections-public:lead_new")
STATUS = reverse("inspections-public:lead_status")
RECEIVED_PAGE = reverse("inspections-public:lead_received")
QUEUE = reverse("inspections:lead_list")
CODE_RE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def _public_report(client, **over):
    data = {
        "kind": "report",
        "uscc": "",
        "subject_name": "双流某某火锅店",
        "subject_address": "东升街道棠湖路8号",
        "content": "后厨使用过期食材",
        "reporter_name": REPORTER,
        "reporter_phone": REPORTER_PHONE,
        "reporter_email": "",
    }
    data.update(over)
    return client.post(NEW, data, **EN)


# --------------------------------------------------------------------------- public


def test_the_public_reports_and_sees_the_receipt_code_once_then_follows_the_status(client):
    shop = firm(name="成都双流火锅有限公司")
    with on_day(RECEIVED):
        assert client.get(NEW, **EN).status_code == 200
        sent = _public_report(client, uscc=shop.uscc, subject_name="")
        assert sent.status_code == 302 and sent.url == RECEIVED_PAGE
        page = client.get(RECEIVED_PAGE, **EN).content.decode()
        match = CODE_RE.search(page)
        assert match is not None
        code = match.group()
        again = client.get(RECEIVED_PAGE, **EN)
        assert again.status_code == 302  # shown once only
        lead = Lead.objects.get()
        assert lead.enterprise == shop and lead.channel == "web" and lead.created_by is None
        assert lead.number in page
        status = client.post(STATUS, {"code": code.lower().replace("-", " ")}, **EN)
    body = status.content.decode()
    assert status.status_code == 200
    assert lead.number in body and "Received" in body
    assert "2025-10-23" in body or "23 October 2025" in body
    # Nothing about the handling staff, the business or the reporter.
    assert REPORTER not in body and REPORTER_PHONE not in body
    assert shop.name not in body and lead.department.name not in body


def test_a_wrong_receipt_code_finds_nothing(client):
    bureau()
    response = client.post(STATUS, {"code": "AAAA-BBBB-CCCC-DDDD"}, **EN)
    assert response.status_code == 404
    assert "No report or complaint has this receipt code" in response.content.decode()


def test_an_unknown_business_is_free_text_and_a_bad_code_is_refused(client):
    bureau()
    with on_day(RECEIVED):
        bad = _public_report(client, uscc="91510116MA12345678")
        assert bad.status_code == 400
        assert "not a valid credit code" in bad.content.decode()
        ok = _public_report(client)
    assert ok.status_code == 302
    assert Lead.objects.get().enterprise is None


def test_a_complaint_without_a_contact_is_refused_with_the_reason(client):
    bureau()
    with on_day(RECEIVED):
        response = _public_report(client, kind="complaint", reporter_phone="")
    assert response.status_code == 400
    assert "phone number or an email" in response.content.decode()
    assert not Lead.objects.exists()


def test_the_public_form_needs_the_csrf_token():
    bureau()
    strict = Client(enforce_csrf_checks=True)
    with on_day(RECEIVED):
        response = _public_report(strict)
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_the_public_pages_are_throttled_like_the_lookup(client, settings):
    bureau()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public": "3/min",
        },
    }
    for _ in range(3):
        assert client.get(NEW, REMOTE_ADDR="10.9.9.9").status_code == 200
    refused = client.get(STATUS, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1


# --------------------------------------------------------------------------- staff


def test_the_queue_puts_the_overdue_first_and_filters(client):
    staff = officer("queue")
    with on_day(RECEIVED):
        late, _ = report(actor=staff, subject_name="迟到的举报")
    with on_day(dt.date(2025, 10, 20)):
        fresh, _ = complaint(
            actor=staff, subject_name="新的投诉", received_on=dt.date(2025, 10, 20)
        )
    client.force_login(staff)
    with on_day(dt.date(2025, 10, 24)):
        body = client.get(QUEUE, **EN).content.decode()
        assert body.index(late.number) < body.index(fresh.number)
        assert 'data-overdue="true"' in body and "overdue by 1 working day" in body
        only = client.get(QUEUE, {"kind": "complaint"}, **EN).content.decode()
        assert fresh.number in only and late.number not in only
        overdue = client.get(QUEUE, {"overdue": "on"}, **EN).content.decode()
    assert late.number in overdue and fresh.number not in overdue
    # The queue never names the reporter.
    assert REPORTER not in body and REPORTER_PHONE not in body


def test_staff_enter_a_phone_report_and_give_the_receipt_code(client):
    staff = officer("desk")
    client.force_login(staff)
    with on_day(RECEIVED):
        form = client.get(reverse("inspections:lead_new"), **EN)
        assert form.status_code == 200
        sent = client.post(
            reverse("inspections:lead_new"),
            {
                "kind": "report",
                "channel": "phone",
                "received_on": "2025-09-26",
                "department": staff.staff_profile.department_id,
                "subject_name": "某药店",
                "content": "销售假药",
                "anonymous": "on",
            },
            **EN,
        )
        lead = Lead.objects.get()
        assert sent.status_code == 302
        page = client.get(sent.url, **EN).content.decode()
        assert CODE_RE.search(page)
        assert not CODE_RE.search(client.get(sent.url, **EN).content.decode())
    assert lead.channel == "phone" and lead.anonymous


def test_every_step_through_the_forms_of_the_lead_page(client):
    shop = firm()
    item = check_item()
    staff = officer("stepper")
    client.force_login(staff)
    with on_day(RECEIVED):
        lead, _ = report(actor=staff)
    url = reverse("inspections:lead_detail", args=[lead.pk])
    act = reverse("inspections:lead_act", args=[lead.pk])
    with on_day(dt.date(2025, 10, 9)):
        page = client.get(url, **EN).content.decode()
        assert 'data-testid="step-decide"' in page and 'data-testid="step-extend"' in page
        r = client.post(act, {"action": "assign", "handler": staff.pk, "version": 1}, **EN)
        assert r.status_code == 302
        r = client.post(act, {"action": "link", "uscc": shop.uscc, "version": 2}, **EN)
        assert r.status_code == 302
        r = client.post(act, {"action": "extend", "reason": "需调查", "version": 3}, **EN)
        assert r.status_code == 302
        missing = client.post(
            act, {"action": "decide", "decision": "case_opened", "note": "属实", "version": 4}, **EN
        )
        assert missing.status_code == 400
        assert "Choose the items" in missing.content.decode()
        stale = client.post(act, {"action": "extend", "reason": "x", "version": 1}, **EN)
        assert stale.status_code == 409
        r = client.post(
            act,
            {
                "action": "decide",
                "decision": "case_opened",
                "note": "属实",
                "items": [item.pk],
                "version": 4,
            },
            **EN,
        )
        assert r.status_code == 302
        r = client.post(
            act,
            {"action": "notify", "notified_on": "2025-10-09", "method": "letter", "version": 5},
            **EN,
        )
        assert r.status_code == 302
        page = client.get(url, **EN).content.decode()
    lead.refresh_from_db()
    assert lead.status == "closed" and lead.decision == "case_opened"
    assert lead.handler == staff and lead.extended_on and lead.notified_on
    assert lead.notify_method == "letter"
    assert Inspection.objects.filter(lead=lead).exists()
    assert 'data-testid="triggered-inspection"' in page


def test_complaint_steps_through_the_forms(client):
    shop = firm()
    item = check_item()
    staff = officer("complaints")
    client.force_login(staff)
    with on_day(RECEIVED):
        lead, _ = complaint(actor=staff, enterprise=shop)
        act = reverse("inspections:lead_act", args=[lead.pk])
        assert client.post(act, {"action": "accept", "version": 1}, **EN).status_code == 302
        r = client.post(
            act, {"action": "violation", "note": "无照经营", "items": [item.pk], "version": 2}, **EN
        )
        assert r.status_code == 302
        r = client.post(
            act, {"action": "end_mediation", "outcome": "failed", "note": "", "version": 3}, **EN
        )
        assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "closed" and lead.violation_found and lead.mediation_outcome == "failed"


def test_the_reporter_is_shown_to_handling_staff_on_request_and_each_reading_is_audited(client):
    staff = officer("handler")
    with on_day(RECEIVED):
        lead, _ = report(actor=staff)
    client.force_login(staff)
    url = reverse("inspections:lead_detail", args=[lead.pk])
    page = client.get(url, **EN).content.decode()
    assert REPORTER not in page and REPORTER_PHONE not in page
    assert 'data-testid="show-reporter"' in page
    shown = client.post(reverse("inspections:lead_reporter", args=[lead.pk]), **EN)
    body = shown.content.decode()
    assert REPORTER in body and REPORTER_PHONE in body and REPORTER_EMAIL in body
    client.post(reverse("inspections:lead_reporter", args=[lead.pk]), **EN)
    assert AuditEvent.objects.filter(event_type=events.REPORTER_VIEWED).count() == 2
    # A GET never shows it.
    assert client.get(reverse("inspections:lead_reporter", args=[lead.pk])).status_code == 405


def test_the_reporter_never_leaks(client):
    shop = firm(name="成都被举报商贸有限公司")
    item = check_item()
    staff = officer("insider")
    with on_day(RECEIVED):
        lead, _ = report(actor=staff, enterprise=shop)
    with on_day(dt.date(2025, 10, 9)):
        from inspections.services.leads import lead_decide

        lead_decide(
            actor=staff,
            lead=lead,
            decision="case_opened",
            note="属实",
            items=[item],
            expected_version=1,
        )
    secrets = (REPORTER, REPORTER_PHONE, REPORTER_EMAIL)

    def clean(body: str) -> bool:
        return not any(s in body for s in secrets)

    # Another department's staff: a 404, nothing shown.
    stranger = officer("stranger", department=partner())
    client.force_login(stranger)
    assert client.get(reverse("inspections:lead_detail", args=[lead.pk])).status_code == 404
    assert client.post(reverse("inspections:lead_reporter", args=[lead.pk])).status_code == 404
    assert lead.number not in client.get(QUEUE).content.decode()
    # The enterprise: no staff page, and nothing in its own records.
    member = enterprise_user(shop, username="shop-user")
    client.force_login(member)
    assert client.get(reverse("inspections:lead_detail", args=[lead.pk])).status_code == 404
    assert client.get(QUEUE).status_code == 403
    records = client.get(reverse("me:records")).content.decode()
    assert clean(records)
    # The public: the profile of the entity.
    client.logout()
    profile = client.get(reverse("public:profile", args=[shop.uscc]))
    assert profile.status_code == 200 and clean(profile.content.decode())
    # Staff who may only read leads see no identity, and cannot ask for it.
    reader = officer(
        "reader", role=__import__("credit_portal.roles", fromlist=["Role"]).Role.INSPECTOR
    )
    assert not reader.has_perm("inspections.view_lead")


def test_the_admin_lists_leads_without_the_reporter(client, django_user_model):
    with on_day(RECEIVED):
        lead, _ = report()
    admin = django_user_model.objects.create_superuser("root", "root@example.cn", "Secret-pass-123")
    client.force_login(admin)
    listing = client.get(reverse("admin:inspections_lead_changelist"))
    assert listing.status_code == 200
    assert lead.number in listing.content.decode()
    assert REPORTER not in listing.content.decode()
    page = client.get(reverse("admin:inspections_lead_change", args=[lead.pk]))
    assert page.status_code == 200
    assert REPORTER not in page.content.decode() and REPORTER_PHONE not in page.content.decode()
    found = client.get(reverse("admin:inspections_lead_changelist"), {"q": REPORTER})
    assert lead.number not in found.content.decode()
