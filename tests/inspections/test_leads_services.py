"""Leads through their services (docs/domain.md §10): numbers and receipt codes, each legal
clock in working days (the National Day holiday of 2025 and its adjusted working weekends), the
steps and what they refuse, the triggered inspections and the `complaint` fact, optimistic
locking and jurisdiction."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord
from inspections import audit_events as events
from inspections.kinds import COMPLAINT
from inspections.models import Inspection, Lead
from inspections.services.leads import (
    lead_accept,
    lead_create,
    lead_decide,
    lead_extend,
    lead_link_enterprise,
    lead_mediation_end,
    lead_notify,
    lead_refuse,
    lead_reporter_view,
    lead_violation_found,
    receipt_normalize,
)
from tests.inspections.factories_leads import (
    RECEIVED,
    REPORTER,
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


def test_a_report_is_numbered_and_verified_within_15_working_days_across_the_holiday():
    with on_day(RECEIVED):
        lead, code = report()
        second, _ = report(actor=officer("second"))
    assert lead.number == "线索〔2025〕0001"
    assert second.number == "线索〔2025〕0002"
    # 2025-09-28 (Sunday) and 10-11 (Saturday) are working days; 10-01 to 10-08 are not.
    assert lead.verify_due == dt.date(2025, 10, 23)
    assert lead.status == Lead.Status.RECEIVED
    assert lead.accept_due is None
    # The code is shown once and kept only as a digest.
    assert len(receipt_normalize(code)) == 16
    assert lead.receipt_digest == hashlib.sha256(receipt_normalize(code).encode()).hexdigest()
    assert code not in str(Lead.objects.filter(pk=lead.pk).values().get())


def test_a_complaint_is_accepted_within_7_and_mediated_within_45_working_days():
    with on_day(RECEIVED):
        lead, _ = complaint(enterprise=firm(), subject_name="")
    assert lead.accept_due == dt.date(2025, 10, 13)
    assert lead.verify_due is None
    staff = officer("mediator")
    with on_day(dt.date(2025, 10, 9)):
        lead = lead_accept(actor=staff, lead=lead, expected_version=1)
    assert lead.status == Lead.Status.MEDIATING
    assert lead.mediation_due == dt.date(2025, 12, 10)
    fact = CreditRecord.objects.get(kind=COMPLAINT, enterprise=lead.enterprise)
    assert fact.is_public is False
    assert REPORTER not in fact.summary and REPORTER not in str(fact.details)
    with on_day(dt.date(2025, 11, 3)):
        lead = lead_mediation_end(
            actor=staff, lead=lead, outcome="agreed", note="双方达成退货协议", expected_version=2
        )
    assert lead.status == Lead.Status.CLOSED
    assert lead.mediation_outcome == "agreed"
    assert lead.mediation_ended_on == dt.date(2025, 11, 3)


def test_a_complaint_refused_needs_a_reason_and_writes_no_fact():
    with on_day(RECEIVED):
        lead, _ = complaint(enterprise=firm(), subject_name="")
        staff = officer("refuser")
        with pytest.raises(ValidationError) as exc:
            lead_refuse(actor=staff, lead=lead, reason=" ", expected_version=1)
        assert "reason" in exc.value.message_dict
        lead = lead_refuse(actor=staff, lead=lead, reason="不属于本局管辖", expected_version=1)
    assert lead.status == Lead.Status.REFUSED
    assert lead.refused_on == RECEIVED
    assert not CreditRecord.objects.filter(kind=COMPLAINT).exists()


def test_the_time_to_verify_is_extended_once_by_15_working_days_before_it_runs_out():
    with on_day(RECEIVED):
        lead, _ = report()
    staff = officer("extender")
    with on_day(dt.date(2025, 10, 20)):
        with pytest.raises(ValidationError):
            lead_extend(actor=staff, lead=lead, reason="", expected_version=1)
        lead = lead_extend(actor=staff, lead=lead, reason="需调取监控录像", expected_version=1)
    assert lead.verify_due == dt.date(2025, 11, 13)
    assert lead.extended_on == dt.date(2025, 10, 20)
    with on_day(dt.date(2025, 10, 21)), pytest.raises(ValidationError) as exc:
        lead_extend(actor=staff, lead=lead, reason="再次延期", expected_version=2)
    assert "2025-10-20" in " ".join(exc.value.messages)  # the day it was extended


def test_an_extension_after_the_due_day_is_refused():
    with on_day(RECEIVED):
        lead, _ = report()
    with on_day(dt.date(2025, 10, 24)), pytest.raises(ValidationError) as exc:
        lead_extend(actor=officer("late"), lead=lead, reason="太晚了", expected_version=1)
    assert "2025-10-23" in " ".join(exc.value.messages)


def test_no_case_for_a_named_reporter_starts_the_5_day_clock_to_tell_them():
    with on_day(RECEIVED):
        lead, _ = report()
    staff = officer("decider")
    with on_day(dt.date(2025, 10, 9)):
        lead = lead_decide(
            actor=staff,
            lead=lead,
            decision="no_case",
            note="现场未发现过期食品",
            expected_version=1,
        )
    assert lead.status == Lead.Status.CLOSED
    assert lead.notify_due == dt.date(2025, 10, 15)
    assert not Inspection.objects.exists()
    assert not CreditRecord.objects.filter(kind=COMPLAINT).exists()
    with on_day(dt.date(2025, 10, 10)):
        with pytest.raises(ValidationError) as exc:
            lead_notify(
                actor=staff,
                lead=lead,
                notified_on=dt.date(2025, 10, 8),
                method="phone",
                expected_version=2,
            )
        assert "notified_on" in exc.value.message_dict
        lead = lead_notify(
            actor=staff,
            lead=lead,
            notified_on=dt.date(2025, 10, 10),
            method="phone",
            expected_version=2,
        )
    assert lead.notified_on == dt.date(2025, 10, 10)
    assert lead.notify_method == "phone"
    event = AuditEvent.objects.filter(event_type=events.LEAD_CHANGED).latest("id")
    assert event.extra["method"] == "phone"
    assert event.extra["late"] is False


def test_an_anonymous_report_keeps_no_identity_and_has_no_clock_to_tell():
    with on_day(RECEIVED):
        lead, _ = report(anonymous=True, reporter_name="", reporter_phone="", reporter_email="")
        lead = lead_decide(
            actor=officer("anon"),
            lead=lead,
            decision="no_case",
            note="查无实据",
            expected_version=1,
        )
    assert lead.anonymous and not lead.reporter_name
    assert lead.notify_due is None
    with on_day(RECEIVED), pytest.raises(ValidationError):
        lead_notify(
            actor=officer("anon2"),
            lead=lead,
            notified_on=RECEIVED,
            method="phone",
            expected_version=2,
        )


def test_a_case_opened_triggers_an_inspection_and_the_complaint_fact():
    shop = firm(name="成都过期食品超市有限公司")
    item = check_item()
    with on_day(RECEIVED):
        lead, _ = report(subject_name="过期食品超市")
    staff = officer("case")
    with on_day(dt.date(2025, 10, 9)):
        with pytest.raises(ValidationError) as exc:
            lead_decide(
                actor=staff, lead=lead, decision="case_opened", note="属实", expected_version=1
            )
        assert {"enterprise", "items"} <= set(exc.value.message_dict)
        lead = lead_link_enterprise(actor=staff, lead=lead, enterprise=shop, expected_version=1)
        lead = lead_decide(
            actor=staff,
            lead=lead,
            decision="case_opened",
            note="现场发现过期牛奶12盒",
            items=[item],
            expected_version=2,
        )
    inspection = Inspection.objects.get(lead=lead)
    assert inspection.origin == Inspection.Origin.TRIGGERED
    assert inspection.enterprise == shop
    assert inspection.department == lead.department
    assert inspection.due_by == dt.date(2025, 11, 5)  # 20 WD after the decision
    fact = CreditRecord.objects.get(kind=COMPLAINT, enterprise=shop)
    assert fact.is_public is False
    assert REPORTER not in fact.summary and REPORTER_PHONE not in str(fact.details)


def test_a_referral_needs_its_department_and_document_and_is_verified_like_a_report():
    health = partner()
    staff = officer("referral-desk")
    with on_day(RECEIVED):
        with pytest.raises(ValidationError) as exc:
            lead_create(
                actor=staff,
                kind="referral",
                channel="referral",
                received_on=RECEIVED,
                subject_name="某餐馆",
                content="卫健部门检查发现无证经营",
            )
        assert {"referring_department", "referral_document"} <= set(exc.value.message_dict)
        lead, code = lead_create(
            actor=staff,
            kind="referral",
            channel="referral",
            received_on=RECEIVED,
            subject_name="某餐馆",
            content="卫健部门检查发现无证经营",
            referring_department=health,
            referral_document="双卫移〔2025〕3号",
        )
    assert code == ""
    assert lead.department.is_bureau
    assert lead.verify_due == dt.date(2025, 10, 23)


def test_a_partner_departments_finding_is_referred_to_the_bureau():
    """What the inspections area calls when a partner department finds what only the bureau
    lists: a referral from that department, handled by the bureau."""
    bureau()
    health = partner()
    inspector_boss = officer("health-boss", department=health)
    with on_day(RECEIVED):
        lead, _ = lead_create(
            actor=inspector_boss,
            kind="referral",
            channel="referral",
            received_on=RECEIVED,
            subject_name="某公司",
            content="检查发现住所无法联系",
            referring_department=health,
            referral_document="检查#12",
        )
    assert lead.department.is_bureau and lead.referring_department == health


@pytest.mark.parametrize(
    ("over", "field"),
    [
        (
            {
                "kind": "complaint",
                "anonymous": True,
                "reporter_name": "",
                "reporter_phone": "",
                "reporter_email": "",
            },
            "anonymous",
        ),
        ({"kind": "complaint", "reporter_phone": "", "reporter_email": ""}, "reporter_phone"),
        ({"anonymous": True}, "anonymous"),
        ({"reporter_phone": "call me", "reporter_email": ""}, "reporter_phone"),
        ({"content": "  "}, "content"),
        ({"subject_name": "坏\u200b店"}, "subject_name"),
        ({"channel": "web"}, "channel"),
        ({"received_on": dt.date(2025, 9, 27)}, "received_on"),
        ({"channel": "referral"}, "channel"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_written(over, field):
    with on_day(RECEIVED), pytest.raises(ValidationError) as exc:
        report(**over)
    assert field in exc.value.message_dict
    assert not Lead.objects.exists()


def test_the_public_sends_only_web_reports_and_complaints_received_today():
    bureau()
    with on_day(RECEIVED):
        with pytest.raises(ValidationError) as exc:
            lead_create(
                actor=None,
                kind="referral",
                channel="phone",
                received_on=RECEIVED - dt.timedelta(days=1),
                subject_name="某店",
                content="内容",
            )
        assert {"kind", "channel", "received_on"} <= set(exc.value.message_dict)
        lead, code = lead_create(
            actor=None,
            kind="report",
            channel="web",
            received_on=RECEIVED,
            subject_name="某店",
            content="内容",
            anonymous=True,
        )
    assert code and lead.department.is_bureau and lead.created_by is None


def test_a_stale_version_is_a_conflict_and_nothing_is_written():
    with on_day(RECEIVED):
        lead, _ = complaint()
        lead_accept(actor=officer("first"), lead=lead, expected_version=1)
        with pytest.raises(ConflictError):
            lead_refuse(actor=officer("second"), lead=lead, reason="重复", expected_version=1)
    assert Lead.objects.get().status == Lead.Status.MEDIATING


def test_another_departments_staff_cannot_act_nor_read_the_reporter():
    with on_day(RECEIVED):
        lead, _ = report()
        stranger = officer("stranger", department=partner())
        with pytest.raises(ValidationError):
            lead_decide(actor=stranger, lead=lead, decision="no_case", note="x", expected_version=1)
        with pytest.raises(ValidationError):
            lead_reporter_view(actor=stranger, lead=lead)
    assert not AuditEvent.objects.filter(event_type=events.REPORTER_VIEWED).exists()


def test_reading_the_reporter_is_audited_without_the_identity():
    with on_day(RECEIVED):
        lead, _ = report()
        reporter = lead_reporter_view(actor=officer("reader"), lead=lead)
    assert reporter.name == REPORTER
    event = AuditEvent.objects.get(event_type=events.REPORTER_VIEWED)
    assert event.actor is not None and event.actor.username == "reader"
    # No audit event of the lead carries the identity.
    for e in AuditEvent.objects.filter(target_id=str(lead.pk)):
        assert REPORTER not in str(e.extra) and REPORTER_PHONE not in str(e.extra)


def test_a_violation_found_during_mediation_triggers_an_inspection_once():
    shop = firm()
    item = check_item()
    staff = officer("violation")
    with on_day(RECEIVED):
        lead, _ = complaint(enterprise=shop)
        lead = lead_accept(actor=staff, lead=lead, expected_version=1)
        lead = lead_violation_found(
            actor=staff, lead=lead, note="调解中发现无照经营", items=[item], expected_version=2
        )
        assert lead.violation_found and lead.status == Lead.Status.MEDIATING
        with pytest.raises(ValidationError):
            lead_violation_found(
                actor=staff, lead=lead, note="再次", items=[item], expected_version=3
            )
    assert Inspection.objects.filter(lead=lead, origin="triggered").count() == 1


def test_a_number_taken_meanwhile_is_passed_over(monkeypatch):
    """Two leads entered at once compute the same next number: the unique index refuses the
    second in a savepoint and the service takes the next one."""
    from inspections.services import leads as service

    with on_day(RECEIVED):
        first, _ = report()
        real = service._next_seq
        calls = {"n": 0}

        def stale(year: int) -> int:
            calls["n"] += 1
            return 1 if calls["n"] == 1 else real(year)  # the first read misses the lead above

        monkeypatch.setattr(service, "_next_seq", stale)
        second, _ = report(actor=officer("racer"))
    assert first.number == "线索〔2025〕0001"
    assert second.number == "线索〔2025〕0002"
    assert Lead.objects.count() == 2
