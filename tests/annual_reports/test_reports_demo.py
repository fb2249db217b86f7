"""The annual reports of the demo district (`annual_reports.demo`, run by `seed_demo`): the
demo's report years filed by every entity that had to report, except the late ones, whose
`annual_report_late` facts are those of the deadline job; corrections keeping both versions;
the year's self-corrections invited after a spot check (docs/domain.md §3, §4, §10)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from annual_reports import rules
from annual_reports.demo import (
    SEED_SELF_CORRECTIONS,
    annual_reports_demo_build,
)
from annual_reports.models import AnnualReport, CorrectionInvitation
from annual_reports.services.deadline import deadline_late_facts_write, late_source_id
from annual_reports.services.reports import report_completeness_problems
from credit_portal.demo import demo_accounts_build, demo_steps
from enterprises.demo import demo_district_seed
from enterprises.models import CreditRecord, Enterprise
from remediation.demo import scaled
from remediation.models import DirectoryCase

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 7)
YEARS = (2024, 2025)
ENTITIES = 600
Channel = AnnualReport.Channel
Correction = AnnualReport.Correction


class Rollback(Exception):  # noqa: N818 - the way out of a savepoint
    pass


@pytest.fixture(autouse=True)
def _clock():
    moment = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def seed_demo(n: int = ENTITIES, s: int = 7) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo", "--enterprises", str(n), "--seed", str(s), "--as-of", str(AS_OF), stdout=out
    )
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        AnnualReport.objects.count(),
        CorrectionInvitation.objects.count(),
        CreditRecord.objects.count(),
    )


def test_the_step_is_registered_for_seed_demo():
    assert ("annual_reports", "annual_reports.demo.annual_reports_demo_build") in [
        (step.name, step.func) for step in demo_steps()
    ]


def test_every_entity_that_had_to_report_filed_or_is_late():
    out = seed_demo()
    assert "annual reports 2024–2025" in out
    late = {
        (r.enterprise_id, r.details["year"]): r
        for r in CreditRecord.objects.filter(kind="annual_report_late")
    }
    current = {
        (r.enterprise_id, r.year): r
        for r in AnnualReport.objects.filter(is_current=True).select_related("credit_record")
    }
    originals = {
        (r.enterprise_id, r.year): r
        for r in AnnualReport.objects.filter(revision=1).select_related("credit_record")
    }
    assert len(current) == len(originals)
    for enterprise in Enterprise.objects.all():
        for year in YEARS:
            key = (enterprise.pk, year)
            due, _why = rules.report_due(enterprise, year)
            original = originals.get(key)
            if not due:
                assert original is None and key not in late
                continue
            if key in late:
                # Late: no report by the deadline; the deadline job's fact, as it writes it.
                fact = late[key]
                assert fact.occurred_on == rules.report_deadline(year) + dt.timedelta(days=1)
                assert not fact.is_public
                assert fact.source_id == late_source_id(enterprise.pk, year)
                assert original is None or (
                    original.late and original.filed_on > rules.report_deadline(year)
                )
                continue
            assert original is not None, key
            assert not original.late
            assert rules.window_opens(year) <= original.filed_on <= rules.report_deadline(year)
            assert report_completeness_problems(current[key], enterprise) == {}
    # Each original is in the ledger, as the submission service writes it.
    for original in originals.values():
        record = original.credit_record
        assert record is not None and record.kind == "annual_report_filed"
        assert record.enterprise_id == original.enterprise_id
        assert record.occurred_on == original.filed_on
        if record.source_id:  # not a late filing of the register's history
            assert record.details == {
                "year": original.year,
                "late": original.late,
                "channel": original.channel,
                "form": original.form,
            }
            assert record.is_public == (
                original.form == AnnualReport.Form.ENTERPRISE or original.publish
            )
        if original.channel == Channel.PAPER:
            assert original.paper_reference and original.submitted_by.username == "registrar"
    # The deadline job finds nobody left to record.
    for year in YEARS:
        assert deadline_late_facts_write(year=year, on=AS_OF) == 0


def test_reports_look_like_a_districts():
    seed_demo()
    reports = list(AnnualReport.objects.filter(revision=1))
    timely = [r for r in reports if not r.late]
    # The end-of-June rush; mostly online, some on paper; some losses, some negative equity.
    june = sum(1 for r in timely if r.filed_on.month == 6)
    assert june > len(timely) / 3
    channels = Counter(r.channel for r in reports)
    assert channels[Channel.ONLINE] > 10 * channels[Channel.PAPER] > 0
    enterprises = [r for r in reports if r.form == AnnualReport.Form.ENTERPRISE]
    assert any(r.total_profit < 0 for r in enterprises)
    assert any(r.owners_equity < 0 for r in enterprises)
    individual = [r for r in reports if r.form == AnnualReport.Form.INDIVIDUAL]
    assert individual and all(r.total_assets is None and not r.email for r in individual)
    published = sum(r.publish for r in individual) / len(individual)
    assert 0.8 < published < 0.97


def test_corrections_keep_both_versions_and_self_corrections_are_invited():
    seed_demo()
    corrections = list(
        AnnualReport.objects.filter(revision=2).select_related(
            "correction_of", "invitation", "credit_record"
        )
    )
    assert corrections
    for row in corrections:
        original = row.correction_of
        assert original.revision == 1 and not original.is_current and row.is_current
        assert row.credit_record.kind == "annual_report_corrected"
        assert row.credit_record.details["revision"] == 2
        if row.correction == Correction.FREE:
            assert original.filed_on < row.filed_on <= rules.free_correction_until(row.year)
            assert row.invitation is None
            continue
        assert row.correction == Correction.SELF_CORRECTION
        invitation = row.invitation
        assert invitation.status == CorrectionInvitation.Status.USED
        assert invitation.enterprise_id == row.enterprise_id and invitation.year == row.year
        assert invitation.invited_on < row.filed_on <= invitation.respond_by
        assert row.filed_on > rules.free_correction_until(row.year)
        fact = CreditRecord.objects.get(
            kind="self_correction", source_id=str(row.pk), source_model="annualreport"
        )
        assert fact.occurred_on == row.filed_on
        assert fact.details == {
            "what": "annual_report",
            "year": row.year,
            "invitation": invitation.pk,
        }
    # The figures year (2025) holds the seed's self-corrections, scaled (户次).
    in_2025 = CreditRecord.objects.filter(kind="self_correction", occurred_on__year=2025).count()
    assert in_2025 == scaled(SEED_SELF_CORRECTIONS, ENTITIES)


def test_a_second_run_adds_nothing():
    seed_demo()
    before = counts()

    result = annual_reports_demo_build(as_of=AS_OF, seed=7)

    assert result.skipped
    assert counts() == before


def fingerprint() -> list[Any]:
    return sorted(
        AnnualReport.objects.values_list(
            "enterprise__uscc", "year", "revision", "channel", "filed_on", "total_revenue", "phone"
        )
    )


def test_the_same_seed_gives_the_same_reports_another_seed_others():
    demo_accounts_build()
    demo_district_seed(count=200, seed=7, as_of=AS_OF)
    prints = []
    for seed in (7, 7, 8):  # each build rolled back: the same register every time
        try:
            with transaction.atomic():
                annual_reports_demo_build(as_of=AS_OF, seed=seed)
                prints.append(fingerprint())
                raise Rollback
        except Rollback:
            pass
    assert prints[0] and prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_a_register_larger_than_the_seed_districts_is_left_as_it_is(settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "DEMO_REPORTS_MAX_ENTITIES": 100}

    out = seed_demo(150)

    assert "not written: 150 market entities, more than 100" in out
    assert not AnnualReport.objects.exists()
    assert not CreditRecord.objects.filter(kind="annual_report_late").exists()
    # No late-report case (reason 1); the inspections' demo may list for an unreachable address.
    assert not DirectoryCase.objects.filter(reason=DirectoryCase.Reason.LATE_REPORT).exists()
