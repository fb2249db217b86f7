"""Inspections work, through the services (issue 17 §6; docs/domain.md §2): an assigned
inspector records the result once (a second time, or after publication: a clear refusal;
nothing half-written), a supervisor approves or returns it, the follow-ups run through
remediation's services on approval (B an order, C a reason-3 listing unless self-correction, 6
a reason-4 listing or an individual business's mark, a partner department's finding a referral
to the bureau), publication appends the public result and the non-public finding, due 20 WD
after the check ended."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord
from inspections import audit_events as events
from inspections.models import Inspection, Lead
from inspections.services.inspections import (
    inspection_publish,
    inspection_record,
    inspection_review,
    inspections_publication_due,
    publish_due_of,
    result_codes_problems,
)
from remediation.models import DirectoryCase, DisclosureOrder
from tests.inspections.factories_work import all_ok, at, company, drawn, world

pytestmark = pytest.mark.django_db

CHECKED = dt.date(2025, 9, 22)  # Monday
ENDED = dt.date(2025, 9, 26)  # Friday; 20 WD later: 2025-10-30 (docs/domain.md worked example)
REVIEWED = dt.date(2025, 10, 9)
Status = Inspection.Status


START = dt.date(2025, 9, 1)


@pytest.fixture
def w():
    with at(START):
        return world()


def _drawn(w, enterprise, plans, inspectors):
    with at(START):
        return drawn(enterprise, w["draw"], plans, inspectors)


def _record(w, inspection=None, *, who="a", codes=("1",), on=ENDED, **over):
    inspection = inspection or w["inspection"]
    inspection.refresh_from_db()
    data = {
        "actor": w[who].user,
        "inspection": inspection,
        "checks": all_ok(inspection),
        "result_codes": list(codes),
        "findings": "",
        "checked_from": CHECKED,
        "check_ended_on": ENDED,
        "expected_version": inspection.version,
    }
    data.update(over)
    with at(on):
        return inspection_record(**data)


def _problem(w, code="gs-info", note="公示的股东出资信息与实际不符"):
    return all_ok(w["inspection"], **{code: {"result": "problem", "note": note}})


def _review(w, inspection=None, *, who="supervisor", on=REVIEWED, **over):
    inspection = inspection or w["inspection"]
    inspection.refresh_from_db()
    data = {
        "actor": w[who],
        "inspection": inspection,
        "decision": "approve",
        "expected_version": inspection.version,
    }
    data.update(over)
    with at(on):
        return inspection_review(**data)


def _publish(w, inspection=None, *, who="supervisor", on=REVIEWED):
    inspection = inspection or w["inspection"]
    inspection.refresh_from_db()
    with at(on):
        return inspection_publish(
            actor=w[who], inspection=inspection, expected_version=inspection.version
        )


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {k: [str(m) for e in v for m in e.messages] for k, v in exc.value.error_dict.items()}


def test_result_codes_follow_the_newer_list():
    with translation.override("en"):
        assert result_codes_problems(["1"]) == []
        assert result_codes_problems(["B", "8"]) == []
        assert "stands alone" in result_codes_problems(["1", "B"])[0]
        assert "Unknown" in result_codes_problems(["Z"])[0]
        assert "once" in result_codes_problems(["B", "B"])[0]
        assert "at least one" in result_codes_problems([])[0]


def test_publication_is_due_twenty_working_days_after_the_check_ended():
    assert publish_due_of(ENDED).day == dt.date(2025, 10, 30)


def test_a_clean_result_is_recorded_reviewed_and_published_on_the_public_page(w, client):
    done = _record(w)
    assert done.status == Status.RECORDED
    assert done.publish_due == dt.date(2025, 10, 30)
    assert set(done.checks.values_list("result", flat=True)) == {"ok"}
    _review(w)
    published = _publish(w)
    assert (published.status, published.published_on) == (Status.PUBLISHED, REVIEWED)
    record = CreditRecord.objects.get(enterprise=w["firm"], kind="inspection_result")
    assert record.is_public and record.publicity_start == REVIEWED
    assert record.occurred_on == ENDED
    assert record.summary == "“双随机、一公开”抽查（市场主体联合抽查，D2025-001）：1 未发现问题"
    assert record.authority == "区市场监督管理局、区卫生健康局"
    assert not CreditRecord.objects.filter(kind="inspection_finding").exists()
    with at(REVIEWED):
        page = client.get(f"/credit/{w['firm'].uscc}/")
    assert page.status_code == 200
    assert "市场主体联合抽查" in page.content.decode()
    assert "1 未发现问题" in page.content.decode()
    types = list(
        AuditEvent.objects.filter(target_id=str(published.pk), target_type="inspections.inspection")
        .order_by("pk")
        .values_list("event_type", flat=True)
    )
    assert types == [
        events.INSPECTION_RECORDED,
        events.INSPECTION_REVIEWED,
        events.INSPECTION_PUBLISHED,
    ]


def test_a_result_recorded_twice_or_after_publication_is_refused_clearly(w):
    _record(w)
    with translation.override("en"), pytest.raises(ValidationError) as twice:
        _record(w, codes=("E",), checks=_problem(w), findings="x")
    assert twice.value.code == "recorded"
    assert "already recorded on 2025-09-26 by insp_a" in twice.value.messages[0]
    _review(w)
    _publish(w)
    with translation.override("en"), pytest.raises(ValidationError) as after:
        _record(w)
    assert after.value.code == "published"
    assert "published on 2025-10-09" in after.value.messages[0]
    assert list(w["inspection"].checks.values_list("result", flat=True)) == ["ok"] * 3


def test_a_stale_version_is_a_conflict_and_nothing_is_written(w):
    with pytest.raises(ConflictError):
        _record(w, expected_version=w["inspection"].version + 1)
    assert Inspection.objects.get(pk=w["inspection"].pk).status == Status.ASSIGNED


def test_only_an_assigned_inspector_records_and_every_field_is_checked(w):
    with translation.override("en"), pytest.raises(ValidationError) as stranger:
        _record(w, who="h2")
    assert stranger.value.code == "not_assigned"
    checks = all_ok(w["inspection"])
    first = next(iter(checks))
    checks[first] = {"result": "na", "note": ""}
    with translation.override("en"), pytest.raises(ValidationError) as bad:
        _record(
            w,
            checks=checks,
            codes=("1", "B"),
            checked_from=ENDED,
            check_ended_on=CHECKED,
        )
    errors = _messages(bad)
    assert "a note is required" in errors["checks"][0]
    assert "stands alone" in errors["result_codes"][0]
    assert "before it started" in errors["check_ended_on"][0]
    with translation.override("en"), pytest.raises(ValidationError) as future:
        _record(w, check_ended_on=dt.date(2025, 10, 1))
    assert "future" in _messages(future)["check_ended_on"][0]
    with translation.override("en"), pytest.raises(ValidationError) as clean_problem:
        _record(w, checks=_problem(w))
    assert "cannot be “1" in _messages(clean_problem)["result_codes"][0]
    with translation.override("en"), pytest.raises(ValidationError) as no_findings:
        _record(w, codes=("E",), checks=_problem(w))
    assert "findings" in _messages(no_findings)["findings"][0]
    assert Inspection.objects.get(pk=w["inspection"].pk).status == Status.ASSIGNED


def test_review_is_four_eyes_and_a_return_needs_a_note_then_the_result_is_recorded_again(w):
    _record(w)
    with translation.override("en"), pytest.raises(ValidationError) as own:
        _review(w, who="supervisor", actor=w["a"].user)
    assert own.value.code == "four_eyes"
    with translation.override("en"), pytest.raises(ValidationError) as no_note:
        _review(w, decision="return")
    assert "correct" in _messages(no_note)["note"][0]
    returned = _review(w, decision="return", note="请补充检查照片")
    assert (returned.status, returned.review_note) == (Status.RETURNED, "请补充检查照片")
    again = _record(w, codes=("E",), checks=_problem(w), findings="已责令改正")
    assert again.status == Status.RECORDED and again.problems_found


def test_b_orders_the_company_to_disclose_and_the_finding_is_published_not_public(w):
    with translation.override("en"), pytest.raises(ValidationError) as missing:
        _record(w, codes=("B",), checks=_problem(w), findings="未公示股东出资信息")
    assert set(_messages(missing)) == {"disclose_items", "order_number"}
    _record(
        w,
        codes=("B",),
        checks=_problem(w),
        findings="未公示股东出资信息",
        disclose_items=["contribution"],
        order_number="双市监责公〔2025〕31号",
    )
    reviewed = _review(w, publish_now=True)
    order = DisclosureOrder.objects.get(enterprise=w["firm"])
    assert (order.items, order.document_number) == (["contribution"], "双市监责公〔2025〕31号")
    assert (order.ordered_on, order.due_on) == (REVIEWED, dt.date(2025, 10, 19))
    assert reviewed.follow_up["order"] == order.pk
    assert reviewed.status == Status.PUBLISHED
    finding = CreditRecord.objects.get(enterprise=w["firm"], kind="inspection_finding")
    assert not finding.is_public
    assert finding.source_id == str(reviewed.pk) or finding.details["inspection"] == reviewed.pk
    result = CreditRecord.objects.get(enterprise=w["firm"], kind="inspection_result")
    assert result.is_public and "B 未按规定公示应当公示的信息" in result.summary


def test_b_does_not_apply_to_an_individual_business(w):
    shop = company(individual_business=True)
    inspection = _drawn(w, shop, [w["own"]], [w["h"], w["h2"]])
    checks = all_ok(inspection, **{"hw-food": {"result": "problem", "note": "未公示"}})
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _record(
            w,
            inspection,
            who="h",
            codes=("B",),
            checks=checks,
            findings="x",
            disclose_items=["licence"],
            order_number="N1",
        )
    assert "company's duty" in _messages(refused)["result_codes"][0]


def test_c_lists_for_false_information_unless_self_correction_applies(w):
    _record(w, codes=("C",), checks=_problem(w), findings="年报从业人数虚报")
    listed = _review(w)
    case = DirectoryCase.objects.get(enterprise=w["firm"])
    assert (case.reason, case.source, case.state) == ("3", "inspection", "listed")
    assert listed.follow_up["listing_3"] == case.pk
    other = company()
    second = _drawn(w, other, [w["joint"]], [w["a"], w["h"]])
    _record(
        w,
        second,
        codes=("C",),
        checks=all_ok(second, **{"gs-info": {"result": "problem", "note": "x"}}),
        findings="明显笔误",
    )
    with translation.override("en"), pytest.raises(ValidationError) as no_reason:
        _review(w, second, self_correction=True)
    assert "reason" in _messages(no_reason)["self_correction_reason"][0]
    kept = _review(
        w, second, self_correction=True, self_correction_reason="明显笔误，未造成危害，已自行更正"
    )
    assert not DirectoryCase.objects.filter(enterprise=other).exists()
    assert kept.follow_up["self_correction"]["reason"].startswith("明显笔误")
    assert AuditEvent.objects.filter(
        event_type=events.INSPECTION_FOLLOW_UP,
        target_id=str(kept.pk),
        extra__what="self_correction",
    ).exists()


def test_6_needs_the_supervisor_to_confirm_then_lists_or_marks_within_ten_working_days(w):
    shop = company(individual_business=True)
    inspection = _drawn(w, shop, [w["joint"]], [w["a"], w["b"]])
    _record(
        w,
        inspection,
        codes=("6",),
        checks=all_ok(inspection, **{"gs-info": {"result": "problem", "note": "查无此店"}}),
        findings="登记的经营场所已无人经营，电话无法接通",
    )
    with translation.override("en"), pytest.raises(ValidationError) as unconfirmed:
        _review(w, inspection)
    assert "confirm" in _messages(unconfirmed)["confirm_unreachable"][0]
    assert not DirectoryCase.objects.exists()
    _review(w, inspection, confirm_unreachable=True)
    case = DirectoryCase.objects.get(enterprise=shop)
    assert (case.reason, case.individual_business) == ("4", True)
    # 10 WD after the confirmation (2025-10-09); Saturday 2025-10-11 was a working day.
    assert case.listing_due == dt.date(2025, 10, 22)
    record = CreditRecord.objects.get(enterprise=shop, kind="abnormal_listing")
    assert record.summary.startswith("标记为经营异常状态")


def test_a_partner_departments_finding_is_referred_to_the_bureau(w):
    firm = company()
    inspection = _drawn(w, firm, [w["own"]], [w["h"], w["h2"]])
    _record(
        w,
        inspection,
        who="h",
        codes=("C", "8"),
        checks=all_ok(inspection, **{"hw-food": {"result": "problem", "note": "拒绝检查"}}),
        findings="公示的许可信息虚假；拒绝提供资料",
    )
    reviewed = _review(w, inspection, who="health_supervisor")
    assert not DirectoryCase.objects.filter(enterprise=firm).exists()
    lead = Lead.objects.get(pk=reviewed.follow_up["referral"])
    assert (lead.kind, lead.enterprise_id, lead.referring_department) == (
        "referral",
        firm.pk,
        w["health"],
    )
    assert lead.department.is_bureau
    assert "8 不配合检查情节严重" in lead.content
    published = _publish(w, inspection, who="health_supervisor")
    record = CreditRecord.objects.get(enterprise=firm, kind="inspection_result")
    assert "8 不配合检查情节严重" in record.summary and record.is_public
    assert published.status == Status.PUBLISHED


def test_a_refused_follow_up_refuses_the_approval_and_writes_nothing(w):
    _record(
        w,
        codes=("B",),
        checks=_problem(w),
        findings="未公示",
        disclose_items=["contribution"],
        order_number="N-1",
    )
    w["firm"].status = "deregistered"
    w["firm"].save(update_fields=["status"])
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _review(w)
    assert "order to disclose could not be made" in _messages(refused)["follow_up"][0]
    fresh = Inspection.objects.get(pk=w["inspection"].pk)
    assert fresh.status == Status.RECORDED and "order" not in fresh.follow_up
    assert not DisclosureOrder.objects.exists()
    assert not AuditEvent.objects.filter(event_type=events.INSPECTION_REVIEWED).exists()


def test_publication_before_review_or_twice_is_refused_and_late_is_audited(w):
    _record(w)
    with translation.override("en"), pytest.raises(ValidationError) as early:
        _publish(w)
    assert early.value.code == "not_reviewed"
    _review(w)
    _publish(w, on=dt.date(2025, 11, 3))
    event = AuditEvent.objects.get(event_type=events.INSPECTION_PUBLISHED)
    assert event.extra["late_by_working_days"] == 2
    with translation.override("en"), pytest.raises(ValidationError) as twice:
        _publish(w, on=dt.date(2025, 11, 3))
    assert twice.value.code == "published"
    assert CreditRecord.objects.filter(kind="inspection_result").count() == 1


def test_the_daily_count_of_results_due_and_overdue(w):
    _record(w)
    assert inspections_publication_due(on=dt.date(2025, 10, 27)) == {
        "overdue": 0,
        "due_soon": 1,
        "inspect_overdue": 0,
    }
    assert inspections_publication_due(on=dt.date(2025, 10, 31))["overdue"] == 1
