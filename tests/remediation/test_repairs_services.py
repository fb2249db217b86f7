"""The repair workflow through its services (docs/domain.md §5): applying, the uploads'
checks, accepting, deciding (two officers at once), the ledger fact and the public profile, the
refusal the enterprise reads, the outbox, and the 信用中国 answer for another department's
penalty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from credit_portal.workdays import deadline_after
from enterprises.models import CreditRecord
from remediation.models import RepairApplication, RepairAttachment, RepairSync
from remediation.services.repairs import (
    repair_accept,
    repair_apply,
    repair_decide,
    repair_not_accept,
    repair_sync_confirm,
    repair_sync_export,
    repair_withdraw,
)
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    VERIFIED,
    apply_data,
    big_pdf,
    eligible_penalty,
    fake_pdf,
    jpeg,
    member,
    officer,
    pdf,
    penalty_record,
    png,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); pages are Chinese first elsewhere."""
    with translation.override("en"):
        yield


@pytest.fixture
def case():
    record = eligible_penalty()
    return record, member(record.enterprise), officer()


def _apply(case, **over):
    record, firm, _officer = case
    return repair_apply(actor=firm, enterprise=record.enterprise, **apply_data(record, **over))


def _accepted(case):
    application = _apply(case)
    return repair_accept(actor=case[2], application=application, expected_version=1)


def test_an_application_is_received_with_its_files_and_dues(case):
    record, _firm, _ = case
    application = _apply(case, files=[("evidence", pdf()), ("identity", png()), ("other", jpeg())])
    assert application.status == RepairApplication.Status.SUBMITTED
    assert application.acceptance_due == deadline_after(today(), 2).day
    assert application.conditions["applied"]["eligible"] is True
    files = list(application.attachments.order_by("id"))
    assert [(f.kind, f.content_type) for f in files] == [
        ("evidence", "application/pdf"),
        ("identity", "image/png"),
        ("other", "image/jpeg"),
    ]
    for f in files:
        assert f.file.name.startswith("repairs/")
        assert f.original_name not in f.file.name  # stored under a random name
        assert len(f.sha256) == 64
    assert AuditEvent.objects.filter(
        event_type="remediation.repair_applied", enterprise=record.enterprise
    ).exists()


def test_an_ineligible_record_is_refused_with_the_reason_and_nothing_written(case):
    record, firm, _ = case
    young = penalty_record(
        record.enterprise, published_on=today() - dt.timedelta(days=30), number="Y"
    )
    with pytest.raises(ValidationError) as refused:
        repair_apply(actor=firm, enterprise=record.enterprise, **apply_data(young))
    assert "possible from" in str(refused.value.message_dict["record"])
    assert not RepairApplication.objects.exists()
    assert not RepairAttachment.objects.exists()


def test_another_departments_penalty_is_refused_with_the_credit_china_message(case):
    record, firm, _ = case
    other = penalty_record(
        record.enterprise,
        published_on=record.publicity_start,
        authority="区卫生健康局",
        number="卫罚1",
    )
    with pytest.raises(ValidationError) as refused:
        repair_apply(actor=firm, enterprise=record.enterprise, **apply_data(other))
    message = " ".join(refused.value.message_dict["record"])
    assert "信用中国" in message and "区卫生健康局" in message


def test_a_record_of_another_enterprise_is_refused(case):
    _record, firm, _ = case
    theirs = eligible_penalty(EnterpriseFactory())
    with pytest.raises(ValidationError) as refused:
        repair_apply(actor=firm, enterprise=case[0].enterprise, **apply_data(theirs))
    assert "another market entity" in str(refused.value)


def test_the_pledge_the_statement_and_evidence_are_required(case):
    with pytest.raises(ValidationError) as refused:
        _apply(case, pledge_accepted=False, statement=" ", applicant_phone="abc", files=[])
    errors = refused.value.message_dict
    assert set(errors) >= {"pledge_accepted", "statement", "applicant_phone", "files"}
    assert "evidence" in " ".join(errors["files"])


def test_a_non_pdf_renamed_pdf_is_refused_by_its_content(case):
    with pytest.raises(ValidationError) as refused:
        _apply(case, files=[("evidence", pdf()), ("application", fake_pdf("申请书.pdf"))])
    message = " ".join(refused.value.message_dict["files"])
    assert "申请书.pdf" in message and "not a PDF or an image" in message
    assert not RepairApplication.objects.exists()


def test_an_oversized_file_is_refused(case, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "REPAIR_UPLOAD_MAX_BYTES": 1000}
    with pytest.raises(ValidationError) as refused:
        _apply(case, files=[("evidence", big_pdf(1001, "扫描件.pdf"))])
    assert "扫描件.pdf is larger than" in " ".join(refused.value.message_dict["files"])
    assert _apply(case, files=[("evidence", big_pdf(1000))]).attachments.count() == 1


def test_too_many_files_and_an_empty_file_are_refused(case, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "REPAIR_UPLOAD_MAX_FILES": 2}
    with pytest.raises(ValidationError) as refused:
        _apply(case, files=[("evidence", pdf()), ("evidence", pdf()), ("evidence", png())])
    assert "At most 2 files" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        _apply(case, files=[("evidence", pdf("空.pdf", b""))])
    assert "空.pdf is empty" in str(refused.value)


def test_one_open_application_per_record(case):
    first = _apply(case)
    with pytest.raises(ValidationError) as refused:
        _apply(case)
    assert f"already open (no. {first.pk})" in str(refused.value)
    repair_withdraw(actor=case[1], application=first, expected_version=1)
    assert _apply(case).pk != first.pk


def test_accepting_sets_the_decision_due(case):
    application = _accepted(case)
    assert application.status == RepairApplication.Status.ACCEPTED
    assert application.decision_due == deadline_after(today(), 15).day
    assert application.version == 2


def test_two_officers_deciding_at_once_one_conflict_and_nothing_half_written(case):
    application = _accepted(case)
    other = officer("officer2")
    first = repair_decide(
        actor=case[2],
        application=application,
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    with pytest.raises(ConflictError) as conflict:
        repair_decide(
            actor=other,
            application=application,
            approve=False,
            reasons="不符合",
            expected_version=2,
        )
    assert "Someone else acted on this application first" in str(conflict.value)
    assert conflict.value.current_version == 3
    application.refresh_from_db()
    assert application.status == RepairApplication.Status.APPROVED
    assert application.decided_by == case[2]
    assert first.repair_record is not None
    assert CreditRecord.objects.filter(kind="repair").count() == 1
    assert RepairSync.objects.count() == 3
    assert not AuditEvent.objects.filter(event_type="remediation.repair_refused").exists()


def test_approval_writes_the_repair_fact_that_closes_the_penalty(case):
    record = case[0]
    application = repair_decide(
        actor=case[2],
        application=_accepted(case),
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    repair = application.repair_record
    assert repair.kind == "repair"
    assert repair.closes_id == record.pk
    assert repair.occurred_on == today()
    assert repair.is_public is False
    assert repair.details == {
        "repair": "penalty_publicity_ended_early",
        "application": application.pk,
    }
    assert application.effect_due == deadline_after(today(), 3).day
    assert application.conditions["decided"]["eligible"] is True
    assert sorted(application.syncs.values_list("network", "status")) == [
        ("credit_china", "pending"),
        ("gsxt", "pending"),
        ("provincial", "pending"),
    ]


def test_approval_rechecks_the_conditions(case):
    from enterprises.services.ledger import credit_record_append

    record = case[0]
    application = _accepted(case)
    credit_record_append(
        enterprise=record.enterprise,
        kind="abnormal_listing",
        occurred_on=today(),
        summary="列入经营异常名录",
        actor=None,
        is_public=True,
    )
    with pytest.raises(ValidationError) as refused:
        repair_decide(
            actor=case[2],
            application=application,
            approve=True,
            reasons="",
            verified=VERIFIED,
            expected_version=2,
        )
    assert "abnormal" in str(refused.value)
    application.refresh_from_db()
    assert application.status == RepairApplication.Status.ACCEPTED
    assert not CreditRecord.objects.filter(kind="repair").exists()


def test_refusal_and_non_acceptance_need_reasons(case):
    application = _apply(case)
    with pytest.raises(ValidationError) as refused:
        repair_not_accept(actor=case[2], application=application, reasons="", expected_version=1)
    assert "reasons" in refused.value.message_dict
    done = repair_not_accept(
        actor=case[2], application=application, reasons="材料不全", expected_version=1
    )
    assert done.status == RepairApplication.Status.NOT_ACCEPTED and done.reasons == "材料不全"
    with pytest.raises(ValidationError):
        repair_accept(actor=case[2], application=done, expected_version=done.version)


def test_the_outbox_export_marks_rows_and_the_second_export_is_empty(case):
    repair_decide(
        actor=case[2],
        application=_accepted(case),
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    export = repair_sync_export(actor=case[2], network="gsxt")
    assert len(export.rows) == 1
    row = export.rows[0]
    assert row.uscc == case[0].enterprise.uscc and row.outcome == "penalty_publicity_ended_early"
    sync = RepairSync.objects.get(network="gsxt")
    assert sync.status == "exported" and sync.export_batch == export.batch
    assert RepairSync.objects.filter(status="pending").count() == 2
    assert repair_sync_export(actor=case[2], network="gsxt").rows == []
    with pytest.raises(ValidationError) as refused:
        repair_sync_confirm(
            actor=case[2],
            sync_ids=list(
                RepairSync.objects.filter(network="credit_china").values_list("pk", flat=True)
            ),
        )
    assert "not been exported" in str(refused.value)
    assert repair_sync_confirm(actor=case[2], batch=export.batch, note="回执1") == 1
    sync.refresh_from_db()
    assert sync.status == "confirmed" and sync.note == "回执1"
    assert AuditEvent.objects.filter(event_type="remediation.repair_sync_exported").count() == 2


def test_a_partner_department_exports_only_its_own(case):
    from credit_portal.models import Department

    repair_decide(
        actor=case[2],
        application=_accepted(case),
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    eco = Department.objects.create(code="eco", name="区生态环境局")
    partner = officer("partner", department=eco)
    assert repair_sync_export(actor=partner, network="gsxt").rows == []
    assert RepairSync.objects.filter(status="pending").count() == 3


def test_the_applicant_withdraws_before_a_decision_only(case):
    application = _accepted(case)
    done = repair_withdraw(actor=case[1], application=application, expected_version=2)
    assert done.status == RepairApplication.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        repair_withdraw(actor=case[1], application=done, expected_version=done.version)


def test_files_stored_before_a_failure_are_removed(case, monkeypatch):
    from django.core.files.storage import default_storage

    import remediation.services.repairs as service

    def stored() -> set[str]:
        folder = "repairs/" + dt.datetime.now().strftime("%Y/%m")  # noqa: DTZ005 - upload_to's clock
        try:
            return set(default_storage.listdir(folder)[1])
        except FileNotFoundError:
            return set()

    before = stored()

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(service, "audit_event_record", broken)
    with pytest.raises(RuntimeError):
        _apply(case, files=[("evidence", pdf()), ("identity", png())])
    assert not RepairAttachment.objects.exists()
    assert stored() == before
    monkeypatch.undo()
    _apply(case, files=[("evidence", pdf()), ("identity", png())])
    assert len(stored() - before) == 2  # the check above can fail: files do land there


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_at_the_same_moment_on_postgresql(require_postgres):
    """Two transactions at once, not one after the other: the row lock makes the second wait
    for the first, then see its version and refuse."""
    import threading

    from django.db import connection

    record = eligible_penalty()
    firm = member(record.enterprise)
    first, second = officer("first"), officer("second")
    application = repair_apply(actor=firm, enterprise=record.enterprise, **apply_data(record))
    repair_accept(actor=first, application=application, expected_version=1)
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def decide(user, approve):
        try:
            with translation.override("en"):
                barrier.wait(timeout=10)
                repair_decide(
                    actor=user,
                    application=RepairApplication.objects.get(pk=application.pk),
                    approve=approve,
                    reasons="理由",
                    verified=VERIFIED if approve else (),
                    expected_version=2,
                )
            outcome[user.username] = "decided"
        except ConflictError:
            outcome[user.username] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(first, True)),
        threading.Thread(target=decide, args=(second, False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcome.values()) == ["conflict", "decided"]
    application.refresh_from_db()
    winner = next(name for name, result in outcome.items() if result == "decided")
    assert application.decided_by.username == winner
    approved = application.status == RepairApplication.Status.APPROVED
    assert CreditRecord.objects.filter(kind="repair").count() == (1 if approved else 0)
    assert RepairSync.objects.count() == (3 if approved else 0)
    decided_events = AuditEvent.objects.filter(
        event_type__in=["remediation.repair_approved", "remediation.repair_refused"]
    )
    assert decided_events.count() == 1
