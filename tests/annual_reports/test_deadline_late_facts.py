"""The annual-report deadline (docs/domain.md §4): who had to report and did not gets one
`annual_report_late` fact (`annual_reports.services.deadline`, the daily job
`annual_reports.deadline`)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from annual_reports.jobs import latest_closed_year
from annual_reports.kinds import ANNUAL_REPORT_LATE
from annual_reports.models import AnnualReport
from annual_reports.rules import report_due
from annual_reports.services.deadline import deadline_late_facts_write
from credit_portal.models import AuditEvent, User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import CreditFact, credit_fact_append
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.test_directory_services import at, filed, firm, shop

pytestmark = pytest.mark.django_db

Status = Enterprise.Status


def late_ids() -> set[int]:
    return set(
        CreditRecord.objects.filter(kind=ANNUAL_REPORT_LATE).values_list("enterprise_id", flat=True)
    )


@pytest.fixture
def sample() -> dict[str, Enterprise]:
    """Entities on both sides of each line of "who had to report for 2024"."""
    with at(dt.date(2025, 6, 30)):
        entities = {
            "registered_31_dec": firm(registered_on=dt.date(2024, 12, 31)),
            "registered_1_jan": firm(registered_on=dt.date(2025, 1, 1)),
            "deregistered_by_deadline": firm(
                status=Status.DEREGISTERED, status_changed_on=dt.date(2025, 6, 30)
            ),
            "deregistered_after": firm(
                status=Status.DEREGISTERED, status_changed_on=dt.date(2025, 7, 1)
            ),
            "revoked_no_date": firm(status=Status.REVOKED, status_changed_on=None),
            "moved_out_before": firm(
                status=Status.MOVED_OUT, status_changed_on=dt.date(2025, 3, 1)
            ),
            "suspended": firm(
                status=Status.SUSPENDED,
                suspended_from=dt.date(2024, 10, 1),
                status_changed_on=dt.date(2024, 10, 1),
            ),
            "shop": shop(),
            "filed_30_june": firm(),
            "draft_only": firm(),
            "paper_received_in_june": firm(),
        }
        filed(entities["filed_30_june"], 2024, dt.date(2025, 6, 30))
        AnnualReport.objects.create(
            enterprise=entities["draft_only"],
            year=2024,
            form=AnnualReport.Form.ENTERPRISE,
            created_by=User.objects.get_or_create(username="filer")[0],
        )
    with at(dt.date(2025, 7, 3)):
        # Received on paper on 28 June, entered on 3 July: it counts from the day received.
        filed(entities["paper_received_in_june"], 2024, dt.date(2025, 6, 28))
        filed(entities["shop"], 2024, dt.date(2025, 7, 2))  # late, though filed now
    return entities


def test_who_had_to_report_and_did_not(sample):
    with at(dt.date(2025, 7, 3)):
        written = deadline_late_facts_write(year=2024, on=dt.date(2025, 7, 3))
    expected = {
        "registered_31_dec",
        "deregistered_after",
        "suspended",
        "shop",
        "draft_only",
    }
    assert late_ids() == {sample[name].pk for name in expected}
    assert written == len(expected)


def test_the_sql_agrees_with_the_rule_report_due(sample):
    """The SQL is this module's; the rule in Python is `annual_reports.rules.report_due`: on the
    sample they name the same entities (who had to report, less who filed by the deadline)."""
    with at(dt.date(2025, 7, 3)):
        deadline_late_facts_write(year=2024, on=dt.date(2025, 7, 3))
    filed_in_time = set(
        AnnualReport.objects.filter(
            year=2024, status=AnnualReport.Status.SUBMITTED, filed_on__lte=dt.date(2025, 6, 30)
        ).values_list("enterprise_id", flat=True)
    )
    due = {e.pk for e in Enterprise.objects.all() if report_due(e, 2024)[0]}
    assert late_ids() == due - filed_in_time


def test_the_fact_and_its_rerun(sample):
    with at(dt.date(2025, 7, 1)):
        deadline_late_facts_write(year=2024, on=dt.date(2025, 7, 1))
    record = CreditRecord.objects.get(kind=ANNUAL_REPORT_LATE, enterprise=sample["suspended"])
    assert record.occurred_on == dt.date(2025, 7, 1)
    assert not record.is_public
    assert record.details == {"year": 2024}
    assert (record.source_app, record.source_model, record.source_id) == (
        "annual_reports",
        "reportyear",
        f"{sample['suspended'].pk}:2024",
    )
    assert record.summary == "未按规定期限报送2024年度年度报告"
    assert AuditEvent.objects.filter(target_id=str(record.pk)).exists()
    with at(dt.date(2025, 7, 20)):
        assert deadline_late_facts_write(year=2024, on=dt.date(2025, 7, 20)) == 0
    assert CreditRecord.objects.filter(kind=ANNUAL_REPORT_LATE).count() == 5


def test_in_chunks_of_enterprise_ids_the_same_facts(sample):
    with at(dt.date(2025, 7, 3)):
        written = deadline_late_facts_write(year=2024, on=dt.date(2025, 7, 3), chunk=2)
    assert written == 5


def test_a_late_fact_recorded_before_the_run_is_left_and_the_others_written(sample):
    """The run subtracts the entities with a late fact of the year already (a run beside this
    one, or a run killed after a chunk): it writes the others' facts, in id order, with their
    audit events, and nothing twice, whatever the chunk (docs/domain.md §4)."""
    suspended = sample["suspended"]
    with at(dt.date(2025, 7, 1)):
        credit_fact_append(
            fact=CreditFact(
                enterprise_id=suspended.pk,
                kind=ANNUAL_REPORT_LATE,
                occurred_on=dt.date(2025, 7, 1),
                summary="未按规定期限报送2024年度年度报告",
                details={"year": 2024},
                source=("annual_reports", "reportyear", f"{suspended.pk}:2024"),
            ),
            actor=None,
        )
        before = CreditRecord.objects.get(kind=ANNUAL_REPORT_LATE)
        written = deadline_late_facts_write(year=2024, on=dt.date(2025, 7, 1), chunk=3)
    expected = {"registered_31_dec", "deregistered_after", "shop", "draft_only"}
    assert written == len(expected)
    facts = CreditRecord.objects.filter(kind=ANNUAL_REPORT_LATE).exclude(pk=before.pk)
    assert sorted(facts.values_list("enterprise_id", flat=True)) == sorted(
        sample[name].pk for name in expected
    )
    # Written in the order of the enterprises' ids.
    assert list(facts.order_by("pk").values_list("enterprise_id", flat=True)) == sorted(
        sample[name].pk for name in expected
    )
    assert CreditRecord.objects.filter(kind=ANNUAL_REPORT_LATE, enterprise=suspended).count() == 1
    assert AuditEvent.objects.filter(
        target_id__in=[str(pk) for pk in facts.values_list("pk", flat=True)]
    ).count() == len(expected)


def test_refused_while_the_window_is_open_and_for_a_future_day():
    with at(dt.date(2025, 6, 30)):
        with pytest.raises(ValidationError) as exc:
            deadline_late_facts_write(year=2024, on=dt.date(2025, 6, 30))
        assert exc.value.code == "window_open"
        with pytest.raises(ValidationError) as exc:
            deadline_late_facts_write(year=2023, on=dt.date(2025, 7, 1))
        assert exc.value.code == "future"


def test_the_job_takes_the_latest_year_whose_window_has_ended():
    assert latest_closed_year(dt.date(2025, 6, 30)) == 2023
    assert latest_closed_year(dt.date(2025, 7, 1)) == 2024
    assert latest_closed_year(dt.date(2026, 1, 10)) == 2024


def test_run_daily_from_1_july_and_catching_up():
    with at(dt.date(2025, 6, 30)):
        late_firm = EnterpriseFactory(registered_on=dt.date(2023, 3, 1))
    with at(dt.date(2025, 6, 30), hour=23):
        out = io.StringIO()
        call_command(
            "run_daily", "--date", "2025-06-30", "--only", "annual_reports.deadline", stdout=out
        )
    # On 30 June the latest ended window is 2023's: the entity's first year, already missed.
    assert CreditRecord.objects.get(kind=ANNUAL_REPORT_LATE).details == {"year": 2023}
    with at(dt.date(2025, 7, 9), hour=2):  # a week missed: the run on the 9th catches up
        out = io.StringIO()
        call_command(
            "run_daily", "--date", "2025-07-09", "--only", "annual_reports.deadline", stdout=out
        )
        assert "late=1" in out.getvalue() and "year=2024" in out.getvalue()
        forced = io.StringIO()
        call_command(
            "run_daily",
            "--date",
            "2025-07-09",
            "--only",
            "annual_reports.deadline",
            "--force",
            stdout=forced,
        )
        assert "late=0" in forced.getvalue()
    facts = CreditRecord.objects.filter(kind=ANNUAL_REPORT_LATE, enterprise=late_firm)
    assert sorted(r.details["year"] for r in facts) == [2023, 2024]
    assert facts.get(details__year=2024).occurred_on == dt.date(2025, 7, 1)
