"""The abnormal directory after the annual-report deadline (docs/domain.md §3, §4): the deadline
run's marks, deferrals and listings, the punishment buffer, the cure after late filings, staff
listings and removals (`remediation.services.directory` and its daily jobs)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from annual_reports.models import AnnualReport, FilingSeason
from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent, Department, StaffProfile, User
from credit_portal.workdays import working_days_between
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors import public_credit_records
from enterprises.services.ledger import credit_record_append
from remediation import audit_events as events
from remediation.kinds import ABNORMAL_LISTING, ABNORMAL_REMOVAL, LISTING_DEFERRED, REPAIR
from remediation.models import DirectoryCase
from remediation.selectors.directory import (
    cases_for_user,
    directory_figures,
    pending_listing,
    pending_listings,
)
from remediation.services import directory as svc
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
State = DirectoryCase.State
BUREAU = "成都市双流区市场监督管理局"
JOBS = (
    "annual_reports.deadline",
    "remediation.directory_deadline",
    "remediation.directory_buffer",
    "remediation.directory_filings",
    "remediation.directory_closed_entities",
)


def at(day: dt.date, hour: int = 12) -> Any:
    """The clock at `hour`, Beijing time, on `day` (time_machine)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI), tick=False)


def firm(**fields: Any) -> Enterprise:
    fields.setdefault("registered_on", dt.date(2020, 5, 1))
    return EnterpriseFactory(**fields)


def shop(**fields: Any) -> Enterprise:
    fields.setdefault("registered_on", dt.date(2020, 5, 1))
    return EnterpriseFactory(individual_business=True, **fields)


def filed(enterprise: Enterprise, year: int, on: dt.date, *, fact: bool = True) -> AnnualReport:
    """A submitted report of `year`, filed on `on`, with its `annual_report_filed` fact, as the
    annual-report service writes them (annual_reports.models docstring). The clock must be on
    or after `on`."""
    author = User.objects.get_or_create(username="filer")[0]
    ib = enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
    report = AnnualReport.objects.create(
        enterprise=enterprise,
        year=year,
        form=AnnualReport.Form.INDIVIDUAL if ib else AnnualReport.Form.ENTERPRISE,
        status=AnnualReport.Status.SUBMITTED,
        is_current=True,
        filed_on=on,
        late=on > dt.date(year + 1, 6, 30),
        created_by=author,
        submitted_by=author,
        submitted_at=timezone.now(),
    )
    if fact:
        record = credit_record_append(
            enterprise=enterprise,
            kind="annual_report_filed",
            occurred_on=on,
            summary=f"{year}年度年度报告",
            actor=author,
            is_public=not ib,
            details={"year": year, "late": report.late, "channel": "online", "form": report.form},
            source=report,
        )
        report.credit_record = record
        report.save(update_fields=["credit_record"])
    return report


def listing(enterprise: Enterprise, on: dt.date, *, reason: str = "1") -> CreditRecord:
    """An earlier listing in the ledger (a directory older than this app's cases)."""
    return credit_record_append(
        enterprise=enterprise,
        kind=ABNORMAL_LISTING,
        occurred_on=on,
        summary="列入经营异常名录：未按规定期限公示年度报告",
        actor=None,
        is_public=True,
        authority=BUREAU,
        details={"reason_code": reason},
    )


def run_daily(day: dt.date, *extra: str, only: str | None = None) -> str:
    out = io.StringIO()
    args = ["run_daily", "--date", day.isoformat(), *extra]
    if only:
        args += ["--only", only]
    call_command(*args, stdout=out)
    return out.getvalue()


def run_jobs(day: dt.date, *extra: str) -> str:
    """The directory's jobs of `day`, in their order, through the command (one by one, so that
    another area's job does not stand in the way)."""
    return "".join(run_daily(day, *extra, only=name) for name in JOBS)


def drain() -> str:
    out = io.StringIO()
    call_command("dispatch_ledger_changes", stdout=out)
    return out.getvalue()


def case_of(enterprise: Enterprise, year: int | None = None, reason: str = "1") -> DirectoryCase:
    qs = DirectoryCase.objects.filter(enterprise=enterprise, reason=reason)
    if year is not None:
        qs = qs.filter(report_year=year)
    return qs.get()


def records(enterprise: Enterprise, kind: str) -> list[CreditRecord]:
    return list(CreditRecord.objects.filter(enterprise=enterprise, kind=kind).order_by("id"))


def public_kinds(enterprise: Enterprise, on: dt.date) -> list[str]:
    return [r.kind for r in public_credit_records(enterprise=enterprise, on=on)]


@pytest.fixture
def bureau() -> Department:
    return DepartmentFactory(code="amr")


@pytest.fixture
def district(bureau: Department) -> dict[str, Enterprise]:
    """A shop, an enterprise eligible for the buffer, one listed in 2023 (not eligible), one
    that filed on time: none has filed for 2024 but the last."""
    with at(dt.date(2025, 6, 30)):
        entities = {
            "shop": shop(),
            "eligible": firm(),
            "listed_before": firm(),
            "on_time": firm(),
        }
        listing(entities["listed_before"], dt.date(2023, 7, 10))
        filed(entities["on_time"], 2024, dt.date(2025, 6, 30))
    return entities


# --------------------------------------------------------------------------- the dates


def test_the_2025_dates_on_the_portal_calendar(bureau):
    assert svc.listing_day(2024) == dt.date(2025, 7, 14)
    assert svc.buffer_deadline_of(2024) == dt.date(2025, 7, 28)
    FilingSeason.objects.create(year=2024, buffer_deadline=dt.date(2025, 8, 8))
    assert svc.buffer_deadline_of(2024) == dt.date(2025, 8, 8)
    # The reminders: 10 and 3 working days before 28 July.
    assert svc.working_day_before(dt.date(2025, 7, 28), 10) == dt.date(2025, 7, 14)
    assert svc.working_day_before(dt.date(2025, 7, 28), 3) == dt.date(2025, 7, 23)


# --------------------------------------------------------------------------- the deadline run


def test_the_run_on_1_july_marks_defers_and_lists_through_run_daily(district):
    with at(dt.date(2025, 7, 1), hour=2):
        out = run_daily(dt.date(2025, 7, 1))
    assert "annual_reports.deadline" in out and "remediation.directory_deadline" in out
    shop_case = case_of(district["shop"], 2024)
    assert shop_case.state == State.LISTED and shop_case.individual_business
    assert shop_case.listed_on == dt.date(2025, 7, 1)
    assert shop_case.serious_due is None  # the 3-year move does not apply to a mark
    mark = shop_case.listing_record
    assert mark.kind == ABNORMAL_LISTING and mark.is_public
    assert mark.summary == "标记为经营异常状态：未按规定报送2024年度年度报告"
    assert mark.details["individual_business"] is True
    assert mark.details["reason_code"] == "1" and mark.details["report_year"] == 2024

    deferred = case_of(district["eligible"], 2024)
    assert deferred.state == State.PENDING
    assert deferred.buffer_deadline == dt.date(2025, 7, 28)
    assert deferred.listing_record is None and deferred.listed_on is None
    fact = deferred.deferral_record
    assert fact.kind == LISTING_DEFERRED and not fact.is_public
    assert fact.details == {
        "reason_code": "1",
        "year": 2024,
        "buffer_deadline": "2025-07-28",
        "case": deferred.pk,
    }
    assert records(district["eligible"], ABNORMAL_LISTING) == []

    listed = case_of(district["listed_before"], 2024)
    assert listed.state == State.LISTED and not listed.individual_business
    assert listed.listed_on == dt.date(2025, 7, 1)
    assert listed.listing_due == dt.date(2025, 7, 14)
    assert listed.serious_due == dt.date(2028, 7, 1)
    assert listed.department.is_bureau
    record = listed.listing_record
    assert record.is_public and record.publicity_start == dt.date(2025, 7, 1)
    assert record.authority == BUREAU
    assert record.document_number == listed.document_number == f"双市监异〔2025〕{listed.pk}号"
    assert record.summary == "列入经营异常名录：未按规定期限公示2024年度年度报告"
    assert not DirectoryCase.objects.filter(enterprise=district["on_time"]).exists()
    for key in ("shop", "listed_before"):
        district[key].refresh_from_db()
        assert district[key].is_abnormal
    district["eligible"].refresh_from_db()
    assert not district["eligible"].is_abnormal
    assert AuditEvent.objects.filter(event_type=events.DIRECTORY_MARKED).count() == 1
    assert AuditEvent.objects.filter(event_type=events.DIRECTORY_DEFERRED).count() == 1
    assert AuditEvent.objects.filter(event_type=events.DIRECTORY_LISTED).count() == 1
    with at(dt.date(2025, 7, 1)):
        assert public_kinds(district["eligible"], dt.date(2025, 7, 1)) == []
        assert ABNORMAL_LISTING in public_kinds(district["shop"], dt.date(2025, 7, 1))


def test_a_rerun_lists_nobody_twice(district):
    day = dt.date(2025, 7, 1)
    with at(day, hour=2):
        run_jobs(day)
        cases, facts = DirectoryCase.objects.count(), CreditRecord.objects.count()
        out = run_jobs(day, "--force")
        assert svc.directory_deadline_run(year=2024, on=day)["cases"] == 0
    assert "late=0" in out and "cases=0" in out
    assert DirectoryCase.objects.count() == cases == 3
    assert CreditRecord.objects.count() == facts


def test_a_run_that_catches_up_on_20_july_dates_the_listing_14_july(district):
    day = dt.date(2025, 7, 20)
    with at(day, hour=2):
        run_jobs(day)
    late = records(district["listed_before"], "annual_report_late")[0]
    assert late.occurred_on == dt.date(2025, 7, 1)  # the first day after the window
    listed = case_of(district["listed_before"], 2024)
    assert listed.listed_on == listed.listing_record.occurred_on == dt.date(2025, 7, 14)
    assert case_of(district["shop"], 2024).listed_on == dt.date(2025, 7, 14)
    assert case_of(district["eligible"], 2024).state == State.PENDING


def test_who_is_eligible_for_the_buffer_is_a_setting(district):
    day = dt.date(2025, 7, 1)
    with (
        at(day),
        override_settings(CREDIT_PORTAL={**settings.CREDIT_PORTAL, "BUFFER_RULE": "none"}),
    ):
        _late(2024, day)
        svc.directory_deadline_run(year=2024, on=day)
    assert case_of(district["eligible"], 2024).state == State.LISTED


def test_a_listing_revoked_as_wrongful_does_not_count_against_the_buffer(bureau):
    with at(dt.date(2025, 6, 1)):
        wronged = firm()
        wrongful = listing(wronged, dt.date(2024, 7, 10))
        credit_record_append(
            enterprise=wronged,
            kind="abnormal_revocation",
            occurred_on=dt.date(2024, 8, 1),
            summary="撤销列入",
            actor=None,
            closes=wrongful,
        )
    day = dt.date(2025, 7, 1)
    with at(day):
        _late(2024, day)
        svc.directory_deadline_run(year=2024, on=day)
    assert case_of(wronged, 2024).state == State.PENDING


def _late(year: int, day: dt.date) -> int:
    from annual_reports.services.deadline import deadline_late_facts_write

    return deadline_late_facts_write(year=year, on=day)


def test_an_entity_closed_since_the_deadline_is_not_listed(bureau):
    with at(dt.date(2025, 7, 1)):
        gone = firm(status=Enterprise.Status.DEREGISTERED, status_changed_on=dt.date(2025, 7, 1))
        _late(2024, dt.date(2025, 7, 1))
        assert records(gone, "annual_report_late")  # it had to report, and did not
        assert svc.directory_deadline_run(year=2024, on=dt.date(2025, 7, 1))["cases"] == 0


def test_the_run_refuses_a_year_whose_window_is_open_or_a_future_day(bureau):
    with at(dt.date(2025, 6, 30)):
        with pytest.raises(ValidationError) as exc:
            svc.directory_deadline_run(year=2024, on=dt.date(2025, 6, 30))
        assert exc.value.code == "window_open"
        with pytest.raises(ValidationError) as exc:
            svc.directory_deadline_run(year=2023, on=dt.date(2025, 7, 1))
        assert exc.value.code == "future"


def test_a_killed_run_resumes_without_double_effects(bureau):
    day = dt.date(2025, 7, 1)
    with at(day):
        entities = [firm() for _ in range(4)] + [shop() for _ in range(2)]
        for entity in entities[:2]:
            listing(entity, dt.date(2024, 7, 10))
        _late(2024, day)
        real = svc._append
        calls = {"n": 0}

        def killed(*args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 3:  # in the second chunk, its cases written: the first committed
                raise RuntimeError("worker killed")
            return real(*args, **kwargs)

        with mock.patch.object(svc, "_append", killed), pytest.raises(RuntimeError):
            svc.directory_deadline_run(year=2024, on=day, chunk=3)
        first = DirectoryCase.objects.count()
        assert 0 < first < 6
        svc.directory_deadline_run(year=2024, on=day, chunk=3)
        svc.directory_deadline_run(year=2024, on=day)
    assert DirectoryCase.objects.count() == 6
    for entity in entities:
        case = case_of(entity, 2024)
        kinds = [r.kind for r in CreditRecord.objects.filter(source_id=str(case.pk))]
        assert len(kinds) == len(set(kinds)) == 1
        assert (case.listing_record_id or case.deferral_record_id) is not None


def test_each_case_points_at_the_fact_that_took_its_reserved_key(district):
    day = dt.date(2025, 7, 1)
    with at(day):
        _late(2024, day)
        before = CreditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        svc.directory_deadline_run(year=2024, on=day)
    cases = list(DirectoryCase.objects.order_by("pk"))
    assert len(cases) == 3
    keys: list[int] = []
    for case in cases:
        key = case.listing_record_id or case.deferral_record_id
        assert key is not None and key > before
        keys.append(key)
        record = CreditRecord.objects.get(pk=key)
        assert (record.source_model, record.source_id) == ("directorycase", str(case.pk))
        assert record.enterprise_id == case.enterprise_id
        assert record.details["case"] == case.pk
        assert case.document_number == (record.document_number if case.listing_record_id else "")
    # A record written after the run takes a key of its own.
    with at(day):
        later = listing(district["on_time"], day)
    assert later.pk > max(keys)


def test_a_run_beside_another_writes_no_fact_for_the_cases_the_other_wrote(district):
    """Both runs found the same entities to decide; the other wrote their cases first: the
    unique index refuses this run's, which then write no fact (their keys go unused)."""
    day = dt.date(2025, 7, 1)
    with at(day):
        _late(2024, day)
        todo = svc._deadline_todo(2024)
        assert len(todo) == 3
        svc.directory_deadline_run(year=2024, on=day)  # the other run
        cases, facts = DirectoryCase.objects.count(), CreditRecord.objects.count()
        with mock.patch.object(svc, "_deadline_todo", return_value=todo):
            done = svc.directory_deadline_run(year=2024, on=day)
    assert done["cases"] == 0
    assert DirectoryCase.objects.count() == cases == 3
    assert CreditRecord.objects.count() == facts
    for case in DirectoryCase.objects.all():
        facts_of = CreditRecord.objects.filter(source_model="directorycase", source_id=str(case.pk))
        assert facts_of.count() == 1


# --------------------------------------------------------------------------- the buffer


def test_filed_within_the_buffer_closes_without_listing_ever(district):
    firm_ = district["eligible"]
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    with at(dt.date(2025, 7, 20)):
        filed(firm_, 2024, dt.date(2025, 7, 20))
        drain()
    case = case_of(firm_, 2024)
    assert case.state == State.CLOSED_NO_LISTING
    assert case.closed_on == case.cured_on == dt.date(2025, 7, 20)
    assert case.version == 2
    for day in (dt.date(2025, 7, 29), dt.date(2025, 8, 15)):
        with at(day, hour=2):
            run_jobs(day)
    assert records(firm_, ABNORMAL_LISTING) == []
    firm_.refresh_from_db()
    assert not firm_.is_abnormal
    # The ledger keeps the deferral, never public.
    (deferral,) = records(firm_, LISTING_DEFERRED)
    assert not deferral.is_public
    with at(dt.date(2025, 8, 15)):
        assert LISTING_DEFERRED not in public_kinds(firm_, dt.date(2025, 8, 15))
    assert AuditEvent.objects.filter(
        event_type=events.DIRECTORY_CLOSED_NO_LISTING, target_id=str(case.pk)
    ).exists()
    assert directory_figures(year=2024)["filed_within_buffer"] == 1


def test_listed_the_day_after_the_buffer_deadline_passes(district):
    firm_ = district["eligible"]
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    with at(dt.date(2025, 7, 28), hour=2):
        run_jobs(dt.date(2025, 7, 28))
    assert case_of(firm_, 2024).state == State.PENDING  # the deadline day still counts
    with at(dt.date(2025, 8, 4), hour=2):  # the job ran late: still dated 29 July
        out = run_jobs(dt.date(2025, 8, 4))
    assert "listed=1" in out
    case = case_of(firm_, 2024)
    assert case.state == State.LISTED
    assert case.listed_on == case.listing_record.occurred_on == dt.date(2025, 7, 29)
    assert case.listing_record.is_public
    assert case.document_number == f"双市监异〔2025〕{case.pk}号"
    assert case.serious_due == dt.date(2028, 7, 29)
    firm_.refresh_from_db()
    assert firm_.is_abnormal
    figures = directory_figures(year=2024)
    assert figures["deferred"] == 1 and figures["listed_after_buffer"] == 1
    assert figures["filed_within_buffer"] == 0
    # Filed after the deadline: the listing is removed (every year filed), not un-listed.
    with at(dt.date(2025, 8, 5)):
        filed(firm_, 2024, dt.date(2025, 8, 5))
        drain()
    case.refresh_from_db()
    assert case.state == State.REMOVED and case.removed_on == dt.date(2025, 8, 5)


def test_reminders_10_and_3_working_days_before_once_each(district):
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    with at(dt.date(2025, 7, 11)):
        assert svc.buffer_reminders_send(on=dt.date(2025, 7, 11)) == 0
    with at(dt.date(2025, 7, 14)):
        assert svc.buffer_reminders_send(on=dt.date(2025, 7, 14)) == 1
        assert svc.buffer_reminders_send(on=dt.date(2025, 7, 14)) == 0
    with at(dt.date(2025, 7, 22)):
        assert svc.buffer_reminders_send(on=dt.date(2025, 7, 22)) == 0
    with at(dt.date(2025, 7, 24)):  # the 3-WD reminder was due on the 23rd: caught up
        assert svc.buffer_reminders_send(on=dt.date(2025, 7, 24)) == 1
        assert svc.buffer_reminders_send(on=dt.date(2025, 7, 24)) == 0
    case = case_of(district["eligible"], 2024)
    assert case.reminders == [
        {
            "on": "2025-07-14",
            "due": "2025-07-14",
            "channel": "self_service",
            "working_days_before": 10,
        },
        {
            "on": "2025-07-24",
            "due": "2025-07-23",
            "channel": "self_service",
            "working_days_before": 3,
        },
    ]
    assert case.version == 1  # reminders change no form's data
    assert AuditEvent.objects.filter(event_type=events.DIRECTORY_REMINDED).count() == 2


def test_the_enterprise_pledges_while_pending_only(district):
    firm_ = district["eligible"]
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    user = enterprise_user(firm_)
    other = enterprise_user(district["on_time"], username="other")
    case = case_of(firm_, 2024)
    with at(dt.date(2025, 7, 3)):
        with pytest.raises(ValidationError) as exc:
            svc.buffer_pledge(actor=user, case=case, text="  ", expected_version=case.version)
        assert "text" in exc.value.error_dict
        with pytest.raises(ValidationError) as exc:
            svc.buffer_pledge(actor=other, case=case, text="承诺", expected_version=case.version)
        assert exc.value.code == "jurisdiction"
        pledged = svc.buffer_pledge(
            actor=user, case=case, text="本企业承诺于缓冲期内补报年度报告。", expected_version=1
        )
        assert pledged.pledged_on == dt.date(2025, 7, 3) and pledged.version == 2
        with pytest.raises(ConflictError):
            svc.buffer_pledge(actor=user, case=case, text="再次承诺", expected_version=1)
    assert AuditEvent.objects.filter(
        event_type=events.DIRECTORY_PLEDGED, actor=user, target_id=str(case.pk)
    ).exists()
    listed = case_of(district["listed_before"], 2024)
    with at(dt.date(2025, 7, 3)), pytest.raises(ValidationError) as exc:
        svc.buffer_pledge(
            actor=enterprise_user(district["listed_before"], username="late"),
            case=listed,
            text="承诺",
            expected_version=listed.version,
        )
    assert exc.value.code == "state"


# --------------------------------------------------------------------------- cure after filing


def test_a_shop_is_restored_the_day_it_files_online_through_the_drain(district):
    the_shop = district["shop"]
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    with at(dt.date(2025, 7, 16), hour=9):
        filed(the_shop, 2024, dt.date(2025, 7, 16))
        assert "remediation.directory: " in drain()
        case = case_of(the_shop, 2024)
        assert case.state == State.REMOVED
        assert case.removed_on == dt.date(2025, 7, 16) and case.removal_code == "1"
        removal = case.removal_record
        assert removal.kind == ABNORMAL_REMOVAL and removal.closes_id == case.listing_record_id
        assert removal.summary == "恢复正常记载状态：已补报2024年度年度报告"
        assert removal.details["reason_code"] == "1"
        assert removal.is_public and removal.occurred_on == dt.date(2025, 7, 16)
        the_shop.refresh_from_db()
        assert not the_shop.is_abnormal
        assert ABNORMAL_LISTING not in public_kinds(the_shop, dt.date(2025, 7, 16))
    assert AuditEvent.objects.filter(event_type=events.DIRECTORY_RESTORED).count() == 1
    assert directory_figures(year=2024)["restored"] == 1
    # Nothing more on the catch-up or a second drain.
    with at(dt.date(2025, 7, 17), hour=2):
        assert "restored=0" in run_daily(dt.date(2025, 7, 17), only="remediation.directory_filings")
        drain()
    assert records(the_shop, ABNORMAL_REMOVAL) == [removal]


def test_the_daily_catch_up_applies_a_filing_the_drain_missed(district):
    the_shop = district["shop"]
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    with at(dt.date(2025, 7, 16)):
        filed(the_shop, 2024, dt.date(2025, 7, 16))  # no drain
    with at(dt.date(2025, 7, 17), hour=2):
        out = run_daily(dt.date(2025, 7, 17), only="remediation.directory_filings")
    assert "restored=1" in out
    case = case_of(the_shop, 2024)
    assert case.state == State.REMOVED and case.removed_on == dt.date(2025, 7, 16)


def test_reason_1_listings_are_removed_only_when_every_missing_year_is_filed(bureau):
    with at(dt.date(2024, 6, 1)):
        late_firm = firm()
        old = listing(late_firm, dt.date(2022, 7, 5))  # not eligible for the buffer
        credit_record_append(
            enterprise=late_firm,
            kind=ABNORMAL_REMOVAL,
            occurred_on=dt.date(2022, 9, 1),
            summary="移出经营异常名录",
            actor=None,
            is_public=True,
            closes=old,
            details={"reason_code": "1"},
        )
    with at(dt.date(2024, 7, 1), hour=2):
        run_jobs(dt.date(2024, 7, 1))
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    first, second = case_of(late_firm, 2023), case_of(late_firm, 2024)
    assert first.state == second.state == State.LISTED
    with at(dt.date(2025, 7, 16)):
        filed(late_firm, 2024, dt.date(2025, 7, 16))
        drain()
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.cured_on == dt.date(2025, 7, 16) and first.cured_on is None
    assert first.state == second.state == State.LISTED  # 2023 still missing
    assert not CreditRecord.objects.filter(kind=ABNORMAL_REMOVAL, source_model="directorycase")
    with at(dt.date(2025, 7, 18), hour=2):
        run_jobs(dt.date(2025, 7, 18))
    assert not CreditRecord.objects.filter(kind=ABNORMAL_REMOVAL, source_model="directorycase")
    with at(dt.date(2025, 7, 21), hour=16):  # a Monday
        filed(late_firm, 2023, dt.date(2025, 7, 21))
    with at(dt.date(2025, 7, 22), hour=2):  # the drain missed it: the catch-up next night
        run_jobs(dt.date(2025, 7, 22))
    for case in (first, second):
        case.refresh_from_db()
        assert case.state == State.REMOVED and case.removal_code == "1"
        assert case.removed_on == dt.date(2025, 7, 22)
        cure = max(first.cured_on, second.cured_on)
        assert working_days_between(cure, case.removed_on) <= 5  # within 5 WD of the cure
        assert case.removal_record.summary.startswith("移出经营异常名录：")
    late_firm.refresh_from_db()
    assert not late_firm.is_abnormal
    assert AuditEvent.objects.filter(event_type=events.DIRECTORY_REMOVED).count() == 2


def test_without_auto_removal_the_cured_listing_waits_for_staff(bureau):
    with at(dt.date(2025, 6, 1)):
        late_firm = firm()
        listing(late_firm, dt.date(2023, 7, 5))
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    off = {**settings.CREDIT_PORTAL, "AUTO_REMOVAL": False}
    with at(dt.date(2025, 7, 16)), override_settings(CREDIT_PORTAL=off):
        filed(late_firm, 2024, dt.date(2025, 7, 16))
        drain()
    case = case_of(late_firm, 2024)
    assert case.state == State.LISTED and case.cured_on == dt.date(2025, 7, 16)


def test_a_shop_marked_unreachable_is_restored_by_a_change_of_premises(bureau, user_with_perms):
    from enterprises.services.register import enterprise_update

    with at(dt.date(2025, 3, 3)):
        the_shop = shop()
        officer = user_with_perms(
            "enterprises.view_enterprise", "enterprises.change_enterprise", username="officer"
        )
        case = svc.directory_list(
            actor=officer,
            enterprise=the_shop,
            reason="4",
            facts="两次实地核查，经营场所已无人经营。",
            verified_on=dt.date(2025, 2, 27),
        )
    assert case.state == State.LISTED and case.individual_business
    assert case.listing_record.summary.startswith("标记为经营异常状态：")
    assert case.listing_record.details["mark_code"] == "2"
    with at(dt.date(2025, 3, 20)):
        the_shop.refresh_from_db()
        enterprise_update(
            actor=officer,
            enterprise=the_shop,
            data={"address": "四川省成都市双流区西航港街道新址路8号"},
            expected_version=the_shop.version,
        )
        drain()
    case.refresh_from_db()
    assert case.state == State.REMOVED and case.removal_code == "4"
    assert case.removed_on == dt.date(2025, 3, 20)
    assert case.removal_record.summary == "恢复正常记载状态：已办理经营场所变更登记"


# --------------------------------------------------------------------------- staff


@pytest.fixture
def officer(user_with_perms) -> User:
    return user_with_perms(
        "enterprises.view_enterprise",
        "remediation.decide_directorycase",
        username="officer",
    )


def test_staff_list_for_reason_3_and_refuse_a_duplicate_or_reason_1(bureau, officer):
    with at(dt.date(2025, 9, 1)):
        target = firm()
        case = svc.directory_list(
            actor=officer,
            enterprise=target,
            reason="3",
            facts="抽查发现2024年度报告资产总额与财务报表不符。",
            verified_on=dt.date(2025, 8, 29),
        )
        assert case.state == State.LISTED and case.listed_on == dt.date(2025, 9, 1)
        assert case.listing_due == dt.date(2025, 9, 12)  # 10 WD after the verification
        assert case.listing_record.summary == "列入经营异常名录：公示企业信息隐瞒真实情况、弄虚作假"
        assert case.serious_due == dt.date(2028, 9, 1)
        with pytest.raises(ValidationError) as exc:
            svc.directory_list(
                actor=officer, enterprise=target, reason="3", facts="再次", verified_on=None
            )
        assert {"reason", "verified_on"} <= set(exc.value.error_dict)
        with pytest.raises(ValidationError) as exc:
            svc.directory_list(
                actor=officer,
                enterprise=firm(),
                reason="1",
                facts="x",
                verified_on=dt.date(2025, 8, 1),
            )
        assert "reason" in exc.value.error_dict
        with pytest.raises(ValidationError) as exc:
            svc.directory_list(
                actor=officer,
                enterprise=shop(),
                reason="2",
                facts="x",
                verified_on=dt.date(2025, 8, 1),
            )
        assert "reason" in exc.value.error_dict
    assert DirectoryCase.objects.count() == 1


def test_a_late_listing_is_made_and_the_delay_recorded(bureau, officer):
    with at(dt.date(2025, 9, 30)):
        case = svc.directory_list(
            actor=officer,
            enterprise=firm(),
            reason="4",
            facts="实地核查无法联系。",
            verified_on=dt.date(2025, 9, 1),
        )
    event = AuditEvent.objects.get(event_type=events.DIRECTORY_LISTED, target_id=str(case.pk))
    assert event.extra["late_by_working_days"] > 0


def test_a_partner_department_acts_only_on_its_own_cases(bureau, officer):
    partner = DepartmentFactory(code="tax", name="区税务局")
    with at(dt.date(2025, 9, 1)):
        theirs = firm(department=partner)
        outsider = User.objects.create_user(username="tax-officer", password="x")
        StaffProfile.objects.create(user=outsider, department=partner)
        from django.contrib.auth.models import Permission

        outsider.user_permissions.add(
            Permission.objects.get(
                codename="view_enterprise", content_type__app_label="enterprises"
            )
        )
        outsider = User.objects.get(pk=outsider.pk)
        mine = svc.directory_list(
            actor=outsider,
            enterprise=theirs,
            reason="4",
            facts="无法联系。",
            verified_on=dt.date(2025, 8, 29),
        )
        assert mine.department == partner
        bureau_case = svc.directory_list(
            actor=officer,
            enterprise=firm(),
            reason="4",
            facts="无法联系。",
            verified_on=dt.date(2025, 8, 29),
        )
        with pytest.raises(ValidationError) as exc:
            svc.directory_remove(
                actor=outsider,
                case=bureau_case,
                code="5",
                reasons="核实可联系",
                expected_version=bureau_case.version,
            )
        assert exc.value.code == "jurisdiction"
        assert list(cases_for_user(user=outsider)) == [mine]
        assert set(cases_for_user(user=officer)) == {mine, bureau_case}


def test_staff_removal_after_verification(bureau, officer):
    with at(dt.date(2025, 9, 1)):
        target = firm()
        case = svc.directory_list(
            actor=officer,
            enterprise=target,
            reason="4",
            facts="无法联系。",
            verified_on=dt.date(2025, 8, 29),
        )
    with at(dt.date(2025, 9, 10)):
        with pytest.raises(ValidationError) as exc:
            svc.directory_remove(
                actor=officer, case=case, code="3", reasons="x", expected_version=case.version
            )
        assert "code" in exc.value.error_dict
        with pytest.raises(ValidationError) as exc:  # no change of address recorded
            svc.directory_remove(
                actor=officer, case=case, code="4", reasons="x", expected_version=case.version
            )
        assert "code" in exc.value.error_dict
        with pytest.raises(ValidationError) as exc:
            svc.directory_remove(
                actor=officer, case=case, code="5", reasons=" ", expected_version=case.version
            )
        assert "reasons" in exc.value.error_dict
        removed = svc.directory_remove(
            actor=officer,
            case=case,
            code="5",
            reasons="2025年9月9日实地核查，企业已在登记住所正常经营。",
            expected_version=case.version,
        )
        assert removed.state == State.REMOVED and removed.removal_code == "5"
        assert removed.removal_record.closes_id == case.listing_record_id
        with pytest.raises(ConflictError):
            svc.directory_remove(
                actor=officer, case=case, code="5", reasons="x", expected_version=case.version
            )
    target.refresh_from_db()
    assert not target.is_abnormal


def test_staff_removal_of_reason_1_needs_every_year_filed(district, officer):
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    case = case_of(district["listed_before"], 2024)
    with at(dt.date(2025, 7, 2)), pytest.raises(ValidationError) as exc:
        svc.directory_remove(
            actor=officer, case=case, code="1", reasons="x", expected_version=case.version
        )
    assert "2024" in str(exc.value.error_dict["code"])


def test_a_repair_approved_removes_the_case(district):
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    case = case_of(district["listed_before"], 2024)
    with at(dt.date(2025, 8, 1)):
        repair = credit_record_append(
            enterprise=case.enterprise,
            kind=REPAIR,
            occurred_on=dt.date(2025, 8, 1),
            summary="移出经营异常名录（信用修复）",
            actor=None,
            closes=case.listing_record,
        )
        svc.directory_case_removed_by_repair(case=case, record=repair, on=dt.date(2025, 8, 1))
        svc.directory_case_removed_by_repair(case=case, record=repair, on=dt.date(2025, 8, 1))
    case.refresh_from_db()
    assert case.state == State.REMOVED and case.removal_record == repair
    assert case.removal_code == "1" and case.version == 2


def test_listings_of_entities_that_ceased_are_removed_with_code_7(district):
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    Enterprise.objects.filter(pk=district["listed_before"].pk).update(
        status=Enterprise.Status.DEREGISTERED, status_changed_on=dt.date(2025, 9, 3)
    )
    Enterprise.objects.filter(pk=district["eligible"].pk).update(
        status=Enterprise.Status.MOVED_OUT, status_changed_on=dt.date(2025, 7, 10)
    )
    with at(dt.date(2025, 9, 5), hour=2):
        out = run_daily(dt.date(2025, 9, 5), only="remediation.directory_closed_entities")
        assert "removed=1" in out and "closed=1" in out
    listed = case_of(district["listed_before"], 2024)
    assert listed.state == State.REMOVED and listed.removal_code == "7"
    assert listed.removed_on == dt.date(2025, 9, 3)
    pending = case_of(district["eligible"], 2024)
    assert pending.state == State.CLOSED_NO_LISTING and pending.cured_on is None
    assert directory_figures(year=2024)["filed_within_buffer"] == 0


def test_selectors_pending_listings_and_pending_listing(district, officer):
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    case = case_of(district["eligible"], 2024)
    assert pending_listing(enterprise=district["eligible"], year=2024) == case
    assert pending_listing(enterprise=district["shop"], year=2024) is None
    assert list(pending_listings(user=officer)) == [case]
    member = enterprise_user(district["eligible"])
    assert list(cases_for_user(user=member)) == [case]


def test_a_shop_that_files_online_late_is_restored_the_same_day(district):
    """Through the annual-report service the shop uses (engineer A's), then the drain."""
    from annual_reports.services.reports import report_draft_save, report_submit
    from tests.annual_reports.factories import individual_data

    the_shop = district["shop"]
    with at(dt.date(2025, 7, 1), hour=2):
        run_jobs(dt.date(2025, 7, 1))
    owner = enterprise_user(the_shop, username="owner")
    with at(dt.date(2025, 7, 18), hour=20):  # the entrance reopened on the 15th
        draft = report_draft_save(
            actor=owner, enterprise=the_shop, year=2024, data=individual_data()
        )
        report_submit(actor=owner, report=draft, expected_version=draft.version)
        drain()
    case = case_of(the_shop, 2024)
    assert case.state == State.REMOVED and case.removed_on == dt.date(2025, 7, 18)
    assert case.removal_record.occurred_on == dt.date(2025, 7, 18)
    the_shop.refresh_from_db()
    assert not the_shop.is_abnormal
