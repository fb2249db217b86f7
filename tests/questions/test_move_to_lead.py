"""A message that is in fact a complaint (投诉) or a report (举报) moved into the leads: the lead
has the right kind, channel and legal clock counted from the day the message came in; the
question links to it; the asker's identity leaves the question and is never public."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from credit_portal.models import AuditEvent
from credit_portal.workdays import deadline_after
from inspections import rules as lead_rules
from inspections.models import Lead
from questions.models import Question
from questions.services import question_move_to_lead
from tests.questions.factories import ask, officer, staff

pytestmark = pytest.mark.django_db
ASKED = dt.datetime(2025, 9, 29, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
REFUND = "我在锦城生活超市买的电饭煲用了三天就坏了，要求退货，商家不给退，只同意维修。"


def test_complaint_gets_its_own_clock_from_the_day_asked() -> None:
    question, code = ask(
        text=REFUND,
        party="consumer",
        topic="market",
        enterprise_name="锦城生活超市",
        name="赵女士",
        phone="13900001234",
        asked_at=ASKED,
    )
    user = officer()
    moved, lead, lead_code = question_move_to_lead(
        actor=user, question=question, kind="complaint", expected_version=question.version
    )
    assert moved.status == Question.Status.MOVED and moved.lead == lead
    assert lead.kind == Lead.Kind.COMPLAINT and lead.channel == Lead.Channel.QUESTION
    assert lead.received_on == dt.date(2025, 9, 29)
    assert lead.accept_due == deadline_after(dt.date(2025, 9, 29), 7).day == dt.date(2025, 10, 15)
    assert lead_rules.COMPLAINT_ACCEPT_WORKING_DAYS == 7
    assert lead.subject_name == "锦城生活超市" and lead.content == REFUND
    assert (lead.reporter_name, lead.reporter_phone) == ("赵女士", "13900001234")
    assert lead_code
    # The identity left the question: only the lead keeps it.
    assert (moved.name, moved.phone, moved.email) == ("", "", "")
    events = AuditEvent.objects.filter(event_type="questions.question_moved_to_lead").get()
    assert "赵女士" not in str(events.extra) and "13900001234" not in str(events.extra)
    # The public status page tells the lead's number and status, never the complainant.
    page = Client().post("/questions/status/", {"code": code}).content.decode()
    assert lead.number in page and "Moved to leads" in page
    assert "赵女士" not in page and "13900001234" not in page
    # The staff page links the lead and shows no identity.
    client = Client()
    client.force_login(user)
    detail = client.get(f"/questions/{question.pk}/").content.decode()
    assert lead.number in detail and "赵女士" not in detail
    assert lead_code not in detail


def test_report_without_a_name_becomes_an_anonymous_report_verified_in_15_wd() -> None:
    question, _code = ask(
        text="我家楼下有人在车库里做卤菜卖，没有营业执照，也没有健康证。",
        party="consumer",
        topic="market",
        asked_at=ASKED,
    )
    _moved, lead, _c = question_move_to_lead(
        actor=officer(),
        question=question,
        kind="report",
        subject_name="东升街道12号车库卤菜摊",
        expected_version=question.version,
    )
    assert lead.kind == Lead.Kind.REPORT and lead.anonymous
    assert lead.verify_due == deadline_after(dt.date(2025, 9, 29), 15).day
    assert lead.received_on == dt.date(2025, 9, 29)


def test_complaint_without_a_contact_is_refused_with_the_leads_message() -> None:
    question, _code = ask(text=REFUND, enterprise_name="锦城生活超市")
    with pytest.raises(ValidationError) as refused:
        question_move_to_lead(
            actor=officer(), question=question, kind="complaint", expected_version=question.version
        )
    errors = refused.value.message_dict
    assert "Give the complainant's name." in errors["reporter_name"]
    assert "Give a phone number or an email" in errors["reporter_phone"][0]
    question.refresh_from_db()
    assert question.status == Question.Status.NEW and not Lead.objects.exists()


def test_move_page_and_api(api_client_for: Any) -> None:
    user = officer()
    question, _code = ask(
        text=REFUND, name="赵女士", phone="13900001234", enterprise_name="锦城生活超市"
    )
    client = Client()
    client.force_login(user)
    missing = client.post(
        f"/questions/{question.pk}/act/",
        {
            "action": "move",
            "version": question.version,
            "kind": "complaint",
            "reporter_name": "赵女士",
        },
    )
    assert missing.status_code == 400
    assert "Give a phone number or an email" in missing.content.decode()
    third, _c3 = ask(
        text=REFUND, name="孙女士", phone="13900009999", enterprise_name="锦城生活超市"
    )
    moved = client.post(
        f"/questions/{third.pk}/act/",
        {"action": "move", "version": third.version, "kind": "complaint"},
    )
    assert moved.status_code == 302
    third.refresh_from_db()
    assert third.lead is not None and third.lead.reporter_name == "孙女士"
    once = client.get(f"/questions/{third.pk}/").content.decode()
    assert 'data-testid="lead-receipt"' in once and third.lead.number in once
    assert (
        'data-testid="lead-receipt"' not in client.get(f"/questions/{third.pk}/").content.decode()
    )
    other, _c = ask(text=REFUND, enterprise_name="锦城生活超市", name="钱先生", phone="13900005678")
    answer = api_client_for(user).post(
        f"/api/v1/questions/{other.pk}/move/",
        {"version": other.version, "kind": "complaint"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "moved" and body["lead"]["kind"] == "complaint"
    assert body["lead_receipt_code"]
    assert "钱先生" not in answer.content.decode()
    # Staff who answer but do not handle leads may not move.
    no_leads = staff("questions.view_question", "questions.answer_question")
    refused = api_client_for(no_leads).post(
        f"/api/v1/questions/{question.pk}/move/",
        {"version": question.version, "kind": "report"},
        format="json",
    )
    assert refused.status_code == 403
