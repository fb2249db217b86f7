"""Annual reports under concurrency, on PostgreSQL: the same draft submitted twice at once
(two tabs, a double click, the mini-program retrying), and an online submission racing a clerk's
paper entry for the same year: one wins, the other is refused, nothing is half-written."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

from annual_reports.models import AnnualReport
from annual_reports.services.reports import report_draft_save, report_paper_enter, report_submit
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord
from tests.annual_reports.factories import (
    IN_WINDOW,
    YEAR,
    at,
    company,
    enterprise_data,
    member,
    officer,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(work: Callable[[Any], Any], arguments: list[Any]) -> list[str]:
    """Run `work(argument)` in one thread per argument, all started together; what each gave:
    "ok", or the class name of the error it raised."""
    barrier = threading.Barrier(len(arguments))
    outcomes: list[str] = []

    def run(argument: Any) -> None:
        try:
            with translation.override("en"):
                barrier.wait()
                work(argument)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_one_draft_submitted_twice_at_once_files_it_once(require_postgres):
    firm = company()
    user = member(firm)
    with at(IN_WINDOW):
        draft = report_draft_save(actor=user, enterprise=firm, year=YEAR, data=enterprise_data())
        version = draft.version

        def submit(_n: int) -> None:
            report_submit(
                actor=user, report=AnnualReport.objects.get(pk=draft.pk), expected_version=version
            )

        assert _race(submit, [1, 2]) == ["ConflictError", "ok"]
    assert CreditRecord.objects.filter(enterprise=firm, kind="annual_report_filed").count() == 1
    assert AuditEvent.objects.filter(event_type="annual_reports.report_submitted").count() == 1
    assert AnnualReport.objects.get(pk=draft.pk).version == version + 1


def test_an_online_submission_and_a_paper_entry_at_once_file_one_report(require_postgres):
    firm = company()
    user, clerk = member(firm), officer()
    with at(IN_WINDOW):
        draft = report_draft_save(actor=user, enterprise=firm, year=YEAR, data=enterprise_data())

        def file(way: str) -> None:
            if way == "online":
                report_submit(
                    actor=user,
                    report=AnnualReport.objects.get(pk=draft.pk),
                    expected_version=draft.version,
                )
            else:
                report_paper_enter(
                    actor=clerk,
                    enterprise=firm,
                    year=YEAR,
                    data=enterprise_data(),
                    received_on=IN_WINDOW,
                )

        outcomes = _race(file, ["online", "paper"])
    assert outcomes in (["ConflictError", "ok"], ["ValidationError", "ok"])
    assert CreditRecord.objects.filter(enterprise=firm, kind="annual_report_filed").count() == 1
    assert AnnualReport.objects.filter(enterprise=firm).count() == 1
