"""Soft enforcement, the workflow (issue 14 item 4; docs/domain.md §9): each transition and each
refusal, the ledger facts and the letters the register shows from them, numbering, electronic
service under consent, and the daily overdue job."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors.letters import LetterStatus, letters_for
from remediation import audit_events, rules
from remediation.kinds import LETTER_REPLY, SOFT_ENFORCEMENT
from remediation.models import SoftAction
from remediation.selectors.soft_actions import next_step_for_enterprise
from remediation.services.soft_actions import (
    electronic_service_consent_give,
    electronic_service_consent_withdraw,
    follow_up_visit_record,
    interview_record,
    soft_action_approve,
    soft_action_cancel,
    soft_action_escalate,
    soft_action_opened_online,
    soft_action_rectified,
    soft_action_serve,
    soft_action_update,
    soft_actions_mark_overdue,
)
from tests.remediation.factories_soft_actions import (
    FRIDAY,
    TEN_WD_AFTER_FRIDAY,
    approved,
    draft,
    enterprise,
    member,
    officer,
    on_day,
    partner,
    served,
    supervisor,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
Status = SoftAction.Status
Method = SoftAction.ServiceMethod


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, as the tests read them (the interface is Chinese first)."""
    with translation.override("en"):
        yield


@pytest.fixture
def people():
    return {
        "officer": officer(),
        "chief": supervisor(),
        "firm": enterprise(name="成都蓉城餐饮有限公司"),
    }


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- Drafts -------------------------------------------------------------------------------


def test_a_draft_has_no_number_and_the_instruments_default_period(people):
    action = draft(people["officer"], people["firm"])
    assert action.status == Status.DRAFT
    assert action.number is None
    assert action.deadline_working_days == 10  # admonition
    assert action.addressee_name == "成都蓉城餐饮有限公司"  # from the enterprise
    suggestion = draft(people["officer"], people["firm"], instrument="suggestion")
    assert suggestion.deadline_working_days == 15
    event = AuditEvent.objects.get(
        event_type=audit_events.SOFT_ACTION_CREATED, target_id=str(action.pk)
    )
    assert event.target_type == "remediation.softaction"
    assert event.enterprise_id == people["firm"].pk


def test_only_a_suggestion_goes_without_an_enterprise(people):
    suggestion = draft(people["officer"], None, instrument="suggestion")
    assert suggestion.enterprise is None
    assert suggestion.addressee_name == "某区人民政府办公室"
    with pytest.raises(ValidationError) as exc:
        draft(people["officer"], None, instrument="admonition")
    assert "enterprise" in exc.value.error_dict


def test_draft_refusals_name_their_field(people):
    gone = enterprise(status=Enterprise.Status.DEREGISTERED)
    with pytest.raises(ValidationError) as exc:
        draft(people["officer"], gone, reason=" ", deadline_working_days=500, contact_phone="abc")
    errors = exc.value.error_dict
    assert {"enterprise", "reason", "deadline_working_days", "contact_phone"} <= set(errors)
    assert "no longer exists (Deregistered)" in _messages(exc.value)


def test_no_document_is_addressed_to_an_entity_whose_registration_was_cancelled(people):
    gone = enterprise(status=Enterprise.Status.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        draft(people["officer"], gone)
    assert "no longer exists (Registration cancelled)" in _messages(exc.value)


def test_partner_staff_cannot_address_another_departments_entity_or_issue_in_its_name(people):
    eco = partner()
    eco_officer = officer("eco-officer", department=eco)
    with pytest.raises(ValidationError) as exc:
        draft(eco_officer, people["firm"])  # the firm is the bureau's
    assert "jurisdiction" in _messages(exc.value)
    own = enterprise(department=eco)
    with pytest.raises(ValidationError) as exc:
        draft(eco_officer, own, department=people["officer"].staff_profile.department)
    assert "department" in exc.value.error_dict


def test_update_changes_a_draft_only_and_checks_the_version(people):
    action = draft(people["officer"], people["firm"])
    changed = soft_action_update(
        actor=people["officer"],
        action=action,
        data={"reason": "新的事由", "deadline_working_days": 5},
        expected_version=action.version,
    )
    assert (changed.reason, changed.deadline_working_days, changed.version) == ("新的事由", 5, 2)
    with pytest.raises(ConflictError):
        soft_action_update(
            actor=people["officer"], action=action, data={"reason": "x"}, expected_version=1
        )
    soft_action_approve(actor=people["chief"], action=changed, expected_version=2)
    with pytest.raises(ValidationError, match="Only a draft"):
        soft_action_update(
            actor=people["officer"], action=action, data={"reason": "x"}, expected_version=3
        )


# --- Approval and numbering -----------------------------------------------------------------


def test_approval_numbers_per_instrument_and_year_without_gaps(people):
    with on_day(FRIDAY):
        first = approved(people["officer"], people["chief"], people["firm"])
        cancelled = draft(people["officer"], people["firm"])  # never numbered
        soft_action_cancel(
            actor=people["officer"], action=cancelled, reason="重复", expected_version=1
        )
        second = approved(people["officer"], people["chief"], people["firm"])
        suggestion = approved(
            people["officer"], people["chief"], people["firm"], instrument="suggestion"
        )
    with on_day(dt.date(2026, 1, 5)):
        next_year = approved(people["officer"], people["chief"], people["firm"])
    assert first.number == "双市监警〔2025〕1号"
    assert second.number == "双市监警〔2025〕2号"
    assert suggestion.number == "双市监建〔2025〕1号"
    assert next_year.number == "双市监警〔2026〕1号"
    assert first.issued_on == FRIDAY and first.status == Status.APPROVED
    assert first.approved_by == people["chief"]
    assert SoftAction.objects.get(pk=cancelled.pk).number is None


def test_the_prefix_is_the_bureaus_setting(people, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "DOCUMENT_NUMBER_PREFIX": "蓉双市监"}
    action = approved(people["officer"], people["chief"], people["firm"], instrument="prompt")
    assert action.number.startswith("蓉双市监提〔")


def test_the_drafter_does_not_approve_and_an_officer_cannot(people):
    chiefs_own = draft(people["chief"], people["firm"])
    with pytest.raises(ValidationError, match="another officer must approve"):
        soft_action_approve(actor=people["chief"], action=chiefs_own, expected_version=1)
    action = draft(people["officer"], people["firm"])
    with pytest.raises(ValidationError, match="may not approve"):
        soft_action_approve(actor=officer("officer2"), action=action, expected_version=1)
    soft_action_approve(actor=people["chief"], action=action, expected_version=1)
    with pytest.raises(ValidationError, match="Only a draft can be approved"):
        soft_action_approve(actor=people["chief"], action=action, expected_version=2)


# --- Service --------------------------------------------------------------------------------


def test_service_sets_the_working_day_deadline_and_writes_the_private_letter_fact(people):
    with on_day(FRIDAY):
        action = served(people["officer"], people["chief"], people["firm"])
    assert action.status == Status.SERVED
    assert action.deadline == TEN_WD_AFTER_FRIDAY  # the National Day holiday is not counted
    assert action.deadline_provisional is False
    record = CreditRecord.objects.get(kind=SOFT_ENFORCEMENT, enterprise=people["firm"])
    assert action.credit_record == record
    assert record.occurred_on == FRIDAY
    assert record.is_public is False
    assert record.document_number == action.number
    assert record.details == {
        "instrument": "admonition",
        "instrument_label": "警示告诫书",
        "deadline": "2025-10-16",
        "deadline_provisional": False,
        "soft_action": action.pk,
    }
    # The register's letters show it, due until the deadline, overdue the day after.
    (letter,) = letters_for(enterprise=people["firm"], today=TEN_WD_AFTER_FRIDAY)
    assert letter.status == LetterStatus.DUE
    (letter,) = letters_for(enterprise=people["firm"], today=TEN_WD_AFTER_FRIDAY + DAY)
    assert letter.status == LetterStatus.OVERDUE


def test_a_deadline_in_a_year_without_a_schedule_is_provisional(people):
    with on_day(dt.date(2026, 12, 28)):
        action = served(people["officer"], people["chief"], people["firm"])
    assert action.deadline.year == 2027
    assert action.deadline_provisional is True
    assert action.credit_record.details["deadline_provisional"] is True


def test_a_document_is_served_once(people):
    action = served(people["officer"], people["chief"], people["firm"])
    with pytest.raises(ValidationError) as exc:
        soft_action_serve(
            actor=people["officer"],
            action=action,
            served_on=action.served_on,
            method=Method.POST,
            receipt_signed_by="",
            expected_version=action.version,
        )
    assert exc.value.code == "served_twice"
    assert "already served" in _messages(exc.value)
    assert CreditRecord.objects.filter(kind=SOFT_ENFORCEMENT).count() == 1


@pytest.mark.parametrize(
    ("offset", "method", "signed", "field", "words"),
    [
        (-1, Method.DIRECT, "张三", "served_on", "before it was issued"),
        (1, Method.DIRECT, "张三", "served_on", "future"),
        (0, Method.DIRECT, "", "receipt_signed_by", "signed"),
        (0, Method.ELECTRONIC, "", "method", "consented"),
    ],
)
def test_service_refusals(people, offset, method, signed, field, words):
    action = approved(people["officer"], people["chief"], people["firm"])
    with pytest.raises(ValidationError) as exc:
        soft_action_serve(
            actor=people["officer"],
            action=action,
            served_on=action.issued_on + offset * DAY,
            method=method,
            receipt_signed_by=signed,
            expected_version=action.version,
        )
    assert field in exc.value.error_dict
    assert words in _messages(exc.value)
    assert SoftAction.objects.get(pk=action.pk).status == Status.APPROVED


def test_a_draft_is_not_served_and_a_stale_version_is_a_conflict(people):
    action = draft(people["officer"], people["firm"])
    with pytest.raises(ValidationError, match="Only an approved document"):
        soft_action_serve(
            actor=people["officer"],
            action=action,
            served_on=timezone.localdate(),
            method=Method.POST,
            receipt_signed_by="",
            expected_version=action.version,
        )
    action = soft_action_approve(actor=people["chief"], action=action, expected_version=1)
    with pytest.raises(ConflictError) as exc:
        soft_action_serve(
            actor=people["officer"],
            action=action,
            served_on=action.issued_on,
            method=Method.POST,
            receipt_signed_by="",
            expected_version=1,
        )
    assert exc.value.current_version == 2


def test_a_suggestion_to_a_public_body_writes_no_fact(people):
    action = served(people["officer"], people["chief"], None, instrument="suggestion")
    assert action.status == Status.SERVED and action.credit_record is None
    assert not CreditRecord.objects.filter(kind=SOFT_ENFORCEMENT).exists()
    done = soft_action_rectified(
        actor=people["officer"],
        action=action,
        rectified_on=action.served_on,
        report="已采纳建议，修订目录。",
        expected_version=action.version,
    )
    assert done.status == Status.RECTIFIED and done.reply_record is None


# --- Rectification, overdue, escalation -----------------------------------------------------


def test_rectification_closes_the_letter_in_the_ledger(people):
    with on_day(FRIDAY):
        action = served(people["officer"], people["chief"], people["firm"])
    with on_day(TEN_WD_AFTER_FRIDAY):
        done = soft_action_rectified(
            actor=people["officer"],
            action=action,
            rectified_on=TEN_WD_AFTER_FRIDAY,
            report="已补办许可证。",
            expected_version=action.version,
        )
    assert done.status == Status.RECTIFIED
    reply = CreditRecord.objects.get(kind=LETTER_REPLY)
    assert (reply.closes_id, reply.occurred_on) == (action.credit_record_id, TEN_WD_AFTER_FRIDAY)
    assert done.reply_record == reply
    (letter,) = letters_for(enterprise=people["firm"], today=TEN_WD_AFTER_FRIDAY + 30 * DAY)
    assert (letter.status, letter.replied_on) == (LetterStatus.REPLIED, TEN_WD_AFTER_FRIDAY)


def test_rectification_refusals(people):
    action = approved(people["officer"], people["chief"], people["firm"])
    with pytest.raises(ValidationError, match="only after the document was served"):
        soft_action_rectified(
            actor=people["officer"],
            action=action,
            rectified_on=action.issued_on,
            report="x",
            expected_version=action.version,
        )
    with on_day(FRIDAY):
        action = served(people["officer"], people["chief"], people["firm"])
    with on_day(FRIDAY + 5 * DAY):
        with pytest.raises(ValidationError) as exc:
            soft_action_rectified(
                actor=people["officer"],
                action=action,
                rectified_on=FRIDAY - DAY,
                report="x",
                expected_version=action.version,
            )
        assert "before the document was served" in _messages(exc.value)
        with pytest.raises(ValidationError) as exc:
            soft_action_rectified(
                actor=people["officer"],
                action=action,
                rectified_on=FRIDAY + 6 * DAY,
                report="x",
                expected_version=action.version,
            )
        assert "future" in _messages(exc.value)
        with pytest.raises(ValidationError) as exc:
            soft_action_rectified(
                actor=people["officer"],
                action=action,
                rectified_on=FRIDAY,
                report=" ",
                expected_version=action.version,
            )
        assert "report" in exc.value.error_dict


def test_the_daily_job_marks_overdue_on_the_law_fixed_day_and_is_idempotent(people):
    with on_day(FRIDAY):
        late = served(people["officer"], people["chief"], people["firm"])
        in_time = served(
            people["officer"], people["chief"], people["firm"], deadline_working_days=20
        )
    assert soft_actions_mark_overdue(on=TEN_WD_AFTER_FRIDAY) == 0  # the last day is in time
    run_on = TEN_WD_AFTER_FRIDAY + 5 * DAY  # the job ran late: the date stays the law's
    assert soft_actions_mark_overdue(on=run_on) == 1
    assert soft_actions_mark_overdue(on=run_on) == 0
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert (late.status, late.overdue_on, late.version) == (
        Status.OVERDUE,
        TEN_WD_AFTER_FRIDAY + DAY,
        4,  # drafted 1, approved 2, served 3, overdue 4
    )
    assert in_time.status == Status.SERVED
    (event,) = AuditEvent.objects.filter(event_type=audit_events.SOFT_ACTION_OVERDUE)
    assert event.actor is None
    assert event.target_id == str(late.pk) and event.enterprise_id == people["firm"].pk
    assert event.extra["overdue_on"] == "2025-10-17"
    assert event.extra["number"] == late.number


def test_an_overdue_document_is_rectified_late_or_escalated(people):
    with on_day(FRIDAY):
        late = served(people["officer"], people["chief"], people["firm"])
        other = served(people["officer"], people["chief"], people["firm"])
    day = TEN_WD_AFTER_FRIDAY + 3 * DAY
    with on_day(day):
        soft_actions_mark_overdue(on=day)
        late.refresh_from_db()
        done = soft_action_rectified(
            actor=people["officer"],
            action=late,
            rectified_on=day,
            report="逾期后整改。",
            expected_version=late.version,
        )
        assert done.status == Status.RECTIFIED
        (letter,) = [
            v
            for v in letters_for(enterprise=people["firm"], today=day)
            if v.record.pk == late.credit_record_id
        ]
        assert letter.status == LetterStatus.REPLIED_LATE
        other.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            soft_action_escalate(
                actor=people["officer"], action=other, note=" ", expected_version=other.version
            )
        assert "note" in exc.value.error_dict
        escalated = soft_action_escalate(
            actor=people["officer"],
            action=other,
            note="逾期未改正，建议立案查处。",
            expected_version=other.version,
        )
        assert (escalated.status, escalated.escalated_on) == (Status.ESCALATED, day)
    with pytest.raises(ValidationError, match="Only a document whose rectification is overdue"):
        soft_action_escalate(
            actor=people["officer"], action=done, note="x", expected_version=done.version
        )


def test_cancel_only_before_service(people):
    action = served(people["officer"], people["chief"], people["firm"])
    with pytest.raises(ValidationError, match="not yet served"):
        soft_action_cancel(
            actor=people["chief"], action=action, reason="x", expected_version=action.version
        )
    numbered = approved(people["officer"], people["chief"], people["firm"])
    cancelled = soft_action_cancel(
        actor=people["chief"], action=numbered, reason="文书有误", expected_version=numbered.version
    )
    assert cancelled.status == Status.CANCELLED and cancelled.number  # the number stays used


# --- Interviews and visits ------------------------------------------------------------------


def test_an_interview_sets_the_deadline_from_its_commitments_and_writes_its_fact(people):
    with on_day(FRIDAY):
        notice = served(people["officer"], people["chief"], people["firm"], instrument="interview")
        assert notice.number == "双市监约〔2025〕1号"
        # The notice summons the party to attend within its period (10 WD by default).
        assert notice.deadline_working_days == rules.INTERVIEW_ATTEND_WORKING_DAYS
        assert (notice.deadline, notice.deadline_provisional) == (TEN_WD_AFTER_FRIDAY, False)
        assert not CreditRecord.objects.filter(kind=SOFT_ENFORCEMENT).exists()
        with pytest.raises(ValidationError, match="Record the interview"):
            soft_action_rectified(
                actor=people["officer"],
                action=notice,
                rectified_on=FRIDAY,
                report="x",
                expected_version=notice.version,
            )
        with pytest.raises(ValidationError) as exc:
            interview_record(
                actor=people["officer"],
                action=notice,
                held_on=FRIDAY,
                place="区局三楼会议室",
                attendees="",
                minutes="",
                commitments="十日内整改",
                commitments_due=FRIDAY,
                expected_version=notice.version,
            )
        assert {"attendees", "minutes", "commitments_due"} <= set(exc.value.error_dict)
        interview = interview_record(
            actor=people["officer"],
            action=notice,
            held_on=FRIDAY,
            place="区局三楼会议室",
            attendees="法定代表人张三；执法人员王五、赵六",
            minutes="告知相关法律规定，企业承认问题。",
            commitments="2025年10月20日前完成整改。",
            commitments_due=dt.date(2025, 10, 20),
            expected_version=notice.version,
        )
        with pytest.raises(ValidationError, match="already been recorded"):
            interview_record(
                actor=people["officer"],
                action=notice,
                held_on=FRIDAY,
                place="x",
                attendees="x",
                minutes="x",
                commitments="x",
                expected_version=notice.version + 1,
            )
    notice.refresh_from_db()
    assert interview.action == notice
    assert notice.deadline == dt.date(2025, 10, 20)
    record = notice.credit_record
    assert (record.occurred_on, record.details["deadline"]) == (FRIDAY, "2025-10-20")
    assert record.details["instrument_label"] == "约谈通知书"


def test_an_interview_not_attended_by_its_day_is_overdue_and_escalated(people):
    """A no-show: the notice's "attend by" day passes without a recorded interview; the daily
    job marks it overdue like a letter, and it may be escalated."""
    with on_day(FRIDAY):
        notice = served(people["officer"], people["chief"], people["firm"], instrument="interview")
        attended = served(
            people["officer"], people["chief"], people["firm"], instrument="interview"
        )
    assert soft_actions_mark_overdue(on=TEN_WD_AFTER_FRIDAY) == 0  # the day itself is in time
    day = TEN_WD_AFTER_FRIDAY + DAY
    with on_day(day):
        interview_record(
            actor=people["officer"],
            action=attended,
            held_on=TEN_WD_AFTER_FRIDAY,
            place="区局三楼会议室",
            attendees="法定代表人张三",
            minutes="约谈。",
            commitments="十个工作日内整改。",
            expected_version=attended.version,
        )
        assert soft_actions_mark_overdue(on=day) == 1  # the no-show only
        notice.refresh_from_db()
        assert (notice.status, notice.overdue_on) == (Status.OVERDUE, day)
        assert "not attended" in next_step_for_enterprise(notice, today=day, consent=False).text
        escalated = soft_action_escalate(
            actor=people["officer"],
            action=notice,
            note="经通知未到场接受约谈，建议立案调查。",
            expected_version=notice.version,
        )
    assert escalated.status == Status.ESCALATED
    attended.refresh_from_db()
    assert attended.status == Status.SERVED  # its commitments' deadline runs


def test_an_interview_recorded_after_the_no_show_was_marked_serves_the_notice_again(people):
    with on_day(FRIDAY):
        notice = served(people["officer"], people["chief"], people["firm"], instrument="interview")
    day = TEN_WD_AFTER_FRIDAY + 2 * DAY
    soft_actions_mark_overdue(on=day)
    notice.refresh_from_db()
    assert notice.status == Status.OVERDUE
    with on_day(day):
        interview_record(
            actor=people["officer"],
            action=notice,
            held_on=TEN_WD_AFTER_FRIDAY,  # held in time, recorded late
            place="区局三楼会议室",
            attendees="法定代表人张三",
            minutes="约谈。",
            commitments="整改。",
            expected_version=notice.version,
        )
    notice.refresh_from_db()
    assert (notice.status, notice.overdue_on) == (Status.SERVED, None)
    assert (
        notice.deadline
        == rules.soft_action_deadline(
            TEN_WD_AFTER_FRIDAY, rules.INTERVIEW_COMMITMENT_WORKING_DAYS
        ).day
    )
    event = AuditEvent.objects.get(event_type=audit_events.SOFT_ACTION_INTERVIEW)
    assert event.extra["recorded_late"] is True


def test_visits_come_after_service(people):
    action = approved(people["officer"], people["chief"], people["firm"])
    with pytest.raises(ValidationError, match="after the document was served"):
        follow_up_visit_record(
            actor=people["officer"], action=action, visited_on=action.issued_on, outcome="rectified"
        )
    action = served(people["officer"], people["chief"], people["firm"])
    with pytest.raises(ValidationError) as exc:
        follow_up_visit_record(
            actor=people["officer"],
            action=action,
            visited_on=action.served_on,
            outcome="not_rectified",
        )
    assert "notes" in exc.value.error_dict
    visit = follow_up_visit_record(
        actor=people["officer"],
        action=action,
        visited_on=action.served_on,
        outcome="in_progress",
        notes="正在办理许可证。",
    )
    assert visit.action == action and visit.visited_by == people["officer"]


# --- Opening online and electronic service ----------------------------------------------------


def test_opening_without_consent_is_recorded_but_is_not_service(people):
    user = member(people["firm"])
    action = approved(people["officer"], people["chief"], people["firm"])
    opened = soft_action_opened_online(user=user, action=action)
    assert opened.opened_at is not None
    assert opened.status == Status.APPROVED and opened.served_on is None
    assert not CreditRecord.objects.filter(kind=SOFT_ENFORCEMENT).exists()
    first = opened.opened_at
    again = soft_action_opened_online(user=user, action=opened)
    assert again.opened_at == first  # the first opening is kept
    assert AuditEvent.objects.filter(event_type=audit_events.SOFT_ACTION_OPENED).count() == 1


def test_opening_under_consent_is_electronic_service(people):
    user = member(people["firm"])
    with on_day(FRIDAY):
        electronic_service_consent_give(user=user)
        with pytest.raises(ValidationError, match="has consented"):
            electronic_service_consent_give(user=user)
        action = approved(people["officer"], people["chief"], people["firm"])
        opened = soft_action_opened_online(user=user, action=action)
    assert (opened.status, opened.served_on, opened.service_method) == (
        Status.SERVED,
        FRIDAY,
        Method.ELECTRONIC,
    )
    assert opened.deadline == TEN_WD_AFTER_FRIDAY
    # Served by the system for the department: no officer recorded it, and the ledger fact is
    # the system's; the receipt is the user's, and so are the audit events.
    assert opened.served_recorded_by is None
    assert opened.receipt_signed_by == user.get_username()
    record = CreditRecord.objects.get(kind=SOFT_ENFORCEMENT)
    assert record.occurred_on == FRIDAY and record.recorded_by is None
    for event_type in (audit_events.SOFT_ACTION_OPENED, audit_events.SOFT_ACTION_SERVED):
        assert AuditEvent.objects.get(event_type=event_type).actor == user
    # Withdrawn: the next document is opened, not served.
    electronic_service_consent_withdraw(user=user)
    with pytest.raises(ValidationError, match="has not consented"):
        electronic_service_consent_withdraw(user=user)
    later = approved(people["officer"], people["chief"], people["firm"])
    assert soft_action_opened_online(user=user, action=later).status == Status.APPROVED
    # Staff may then record electronic service no more either.
    with pytest.raises(ValidationError) as exc:
        soft_action_serve(
            actor=people["officer"],
            action=later,
            served_on=later.issued_on,
            method=Method.ELECTRONIC,
            receipt_signed_by="",
            expected_version=later.version,
        )
    assert "method" in exc.value.error_dict


def test_another_enterprises_user_cannot_open_it_and_a_draft_is_not_opened(people):
    stranger = member(enterprise(), "stranger")
    action = approved(people["officer"], people["chief"], people["firm"])
    with pytest.raises(ValidationError, match="not addressed to your enterprise"):
        soft_action_opened_online(user=stranger, action=action)
    own = member(people["firm"])
    unapproved = draft(people["officer"], people["firm"])
    assert soft_action_opened_online(user=own, action=unapproved).opened_at is None


# --- Versions and the set-based overdue job -------------------------------------------------


@pytest.mark.parametrize(
    "service",
    [
        soft_action_update,
        soft_action_approve,
        soft_action_cancel,
        soft_action_serve,
        soft_action_rectified,
        interview_record,
        soft_action_escalate,
    ],
)
def test_every_write_that_changes_a_document_requires_the_version_read(service):
    """Like the penalties: the version the caller read is required, keyword-only, with no
    default, so that no caller skips the check of a concurrent change."""
    parameter = inspect.signature(service).parameters["expected_version"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default is inspect.Parameter.empty


def test_a_stale_version_is_a_conflict_for_every_step(people):
    with on_day(FRIDAY):
        draft_doc = draft(people["officer"], people["firm"])
        issued = approved(people["officer"], people["chief"], people["firm"])
        letter = served(people["officer"], people["chief"], people["firm"])
        notice = served(people["officer"], people["chief"], people["firm"], instrument="interview")
    soft_actions_mark_overdue(on=TEN_WD_AFTER_FRIDAY + DAY)
    overdue = served(people["officer"], people["chief"], people["firm"])
    SoftAction.objects.filter(pk=overdue.pk).update(status=Status.OVERDUE)
    steps = [
        lambda: soft_action_approve(actor=people["chief"], action=draft_doc, expected_version=9),
        lambda: soft_action_cancel(
            actor=people["chief"], action=issued, reason="x", expected_version=9
        ),
        lambda: soft_action_rectified(
            actor=people["officer"],
            action=letter,
            rectified_on=timezone.localdate(),
            report="x",
            expected_version=9,
        ),
        lambda: interview_record(
            actor=people["officer"],
            action=notice,
            held_on=TEN_WD_AFTER_FRIDAY,
            place="x",
            attendees="x",
            minutes="x",
            commitments="x",
            expected_version=9,
        ),
        lambda: soft_action_escalate(
            actor=people["officer"], action=overdue, note="x", expected_version=9
        ),
    ]
    for step in steps:
        with pytest.raises(ConflictError):
            step()


def test_the_overdue_job_is_one_update_by_its_filter_without_a_list_of_ids(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with on_day(FRIDAY):
        late = [served(people["officer"], people["chief"], people["firm"]) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        assert soft_actions_mark_overdue(on=TEN_WD_AFTER_FRIDAY + DAY) == 3
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any(" IN (" in sql for sql in statements), statements
    assert sum(sql.lstrip().upper().startswith("UPDATE") for sql in statements) == 1
    assert not any("FOR UPDATE" in sql for sql in statements)
    events = AuditEvent.objects.filter(event_type=audit_events.SOFT_ACTION_OVERDUE)
    assert sorted(int(e.target_id) for e in events) == sorted(a.pk for a in late)
    assert soft_actions_mark_overdue(on=TEN_WD_AFTER_FRIDAY + DAY) == 0
    assert events.count() == 3
