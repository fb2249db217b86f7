"""The directory's step of the demo district (`remediation.demo_directory`, run by `seed_demo`
after `annual_reports.demo`): the register's listings adopted as cases, the figures year's
punishment buffer and individual businesses restored by themselves, in the seed's proportions
scaled to the district; the ledger and the cases agree, so that the real daily jobs find
nothing left to do (docs/domain.md §3, §4, Appendix A)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from annual_reports.models import AnnualReport
from credit_portal.demo import demo_steps
from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise
from remediation.demo import scaled
from remediation.demo_directory import (
    SEED_DEFERRED,
    SEED_FILED_WITHIN_BUFFER,
    SEED_IB_RESTORED,
    directory_demo_build,
    register_listings,
)
from remediation.models import DirectoryCase
from remediation.selectors.figures import seed_figures

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 7)
YEARS = (2024, 2025)  # the demo's report years as of AS_OF
FIGURES_YEAR = 2025  # the buffer of report year 2024, run on 1 July 2025
ENTITIES = 600
State = DirectoryCase.State
KINDS = ("annual_report_late", "abnormal_listing", "abnormal_removal", "listing_deferred")


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


def snapshot() -> dict[str, Any]:
    """What the jobs could add: the facts of the directory and the cases, by state."""
    return {
        "facts": dict(
            CreditRecord.objects.filter(kind__in=KINDS)
            .values_list("kind")
            .annotate(n=Count("id"))
            .order_by()
        ),
        "cases": sorted(
            DirectoryCase.objects.values_list(
                "enterprise_id", "reason", "report_year", "state", "listed_on", "removed_on"
            )
        ),
    }


def test_the_step_runs_after_the_annual_reports():
    steps = [(step.name, step.func) for step in demo_steps()]
    assert ("directory", "remediation.demo_directory.directory_demo_build") in steps
    names = [name for name, _func in steps]
    assert names.index("annual_reports") < names.index("directory")


def test_the_seeded_district_shows_the_seeds_figures_scaled():
    out = seed_demo()
    assert "directory cases of report years 2024–2025" in out

    figures = seed_figures(year=FIGURES_YEAR, user=User.objects.get(username="admin"))

    assert figures.listings_deferred == scaled(SEED_DEFERRED, ENTITIES)
    assert figures.filed_within_buffer == scaled(SEED_FILED_WITHIN_BUFFER, ENTITIES)
    assert figures.ib_restored == scaled(SEED_IB_RESTORED, ENTITIES)
    assert figures.self_corrections == scaled(311, ENTITIES)
    # The directory's cases are the bureau's: a partner department counts none of them.
    partner = seed_figures(year=FIGURES_YEAR, user=User.objects.get(username="env-inspector"))
    assert (partner.listings_deferred, partner.filed_within_buffer, partner.ib_restored) == (
        0,
        0,
        0,
    )


def test_the_ledger_and_the_cases_agree():
    seed_demo()
    cases = list(
        DirectoryCase.objects.select_related("listing_record", "removal_record", "deferral_record")
    )
    by_listing = {c.listing_record_id: c for c in cases if c.listing_record_id}
    # Every listing and mark of the register's history for the report years has its case.
    adopted = [x for x in register_listings() if x.reason == "1" and x.report_year in YEARS]
    assert adopted
    for listing in adopted:
        case = by_listing[listing.record_id]
        assert (case.enterprise_id, case.report_year) == (
            listing.enterprise_id,
            listing.report_year,
        )
        assert case.individual_business == listing.individual
        assert case.listed_on == listing.listed_on
        assert case.removal_record_id == listing.closed_by
    # Every late report of the report years has its case, and every case of those years a
    # late report.
    late = set(
        CreditRecord.objects.filter(kind="annual_report_late").values_list(
            "enterprise_id", "details__year"
        )
    )
    reason_1 = {(c.enterprise_id, c.report_year) for c in cases if c.reason == "1"}
    assert {(e, int(y)) for e, y in late} == reason_1
    filed = {
        (e, y): day
        for e, y, day in AnnualReport.objects.filter(revision=1).values_list(
            "enterprise_id", "year", "filed_on"
        )
    }
    for case in cases:
        listing, removal = case.listing_record, case.removal_record
        if case.state == State.CLOSED_NO_LISTING:
            # Deferred, filed within the buffer, never listed.
            assert listing is None and case.deferral_record is not None
            assert case.deferral_record.kind == "listing_deferred"
            assert not case.deferral_record.is_public
            assert case.cured_on == case.closed_on == filed[(case.enterprise_id, case.report_year)]
            assert case.cured_on <= case.buffer_deadline
            continue
        assert listing is not None and listing.kind == "abnormal_listing"
        assert listing.enterprise_id == case.enterprise_id and listing.is_public
        assert case.document_number == listing.document_number
        if case.state == State.LISTED:
            assert removal is None and not CreditRecord.objects.filter(closes=listing).exists()
            assert Enterprise.objects.get(pk=case.enterprise_id).is_abnormal
        else:
            assert case.state == State.REMOVED
            assert removal.closes_id == listing.pk and removal.occurred_on == case.removed_on
        if case.deferral_record is not None and case.listed_on is not None:
            assert case.listed_on == case.buffer_deadline + dt.timedelta(days=1)
    # An individual business restored by its own filing: the same day it filed online.
    restored = [
        c
        for c in cases
        if c.individual_business and c.state == State.REMOVED and c.removal_record.source_id
    ]
    assert restored
    for case in restored:
        assert case.removed_on == filed[(case.enterprise_id, case.report_year)]
        report = AnnualReport.objects.get(
            enterprise_id=case.enterprise_id, year=case.report_year, revision=1
        )
        assert report.late and report.channel == AnnualReport.Channel.ONLINE


def test_the_daily_jobs_find_nothing_left_to_do():
    seed_demo()
    before = snapshot()

    out = io.StringIO()
    call_command("run_daily", "--date", str(AS_OF), stdout=out)
    call_command("dispatch_ledger_changes", stdout=io.StringIO())

    assert snapshot() == before, out.getvalue()


def test_a_second_run_adds_nothing():
    seed_demo()
    before = snapshot()

    result = directory_demo_build(as_of=AS_OF, seed=7)

    assert result.skipped
    assert snapshot() == before
