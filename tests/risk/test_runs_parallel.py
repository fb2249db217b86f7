"""A worker computes several steps at once on PostgreSQL, one thread and connection each
(risk.services.runs), committing them strictly in order: the row's position is always the
number of steps committed, the result is the one of a sequential run, and the first error
stops every thread with the steps before it committed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from risk import engine
from risk.models import Assessment, ClassificationRun, CurrentClass
from risk.services.runs import run_now
from tests.enterprises.factories import EnterpriseFactory, Kind
from tests.risk.factories import general_version, record

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAY = dt.timedelta(days=1)


def _register(n: int) -> None:
    general_version()
    today = timezone.localdate()
    for k in range(n):
        firm = EnterpriseFactory(registered_on=today - 3000 * DAY)
        for days in range(k % 4):
            record(firm, Kind.PENALTY, today - (days + 1) * 30 * DAY)


def test_steps_computed_at_once_commit_in_order_with_a_sequential_result(
    require_postgres: None, settings: Any
) -> None:
    _register(7)
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "RISK_RUN_WORKERS": 3}
    seen: list[tuple[int, int]] = []
    run = run_now(
        reason="manual", chunk_size=1, progress=lambda r: seen.append((r.position, r.classified))
    )
    assert seen == [(n, n) for n in range(1, 8)]
    assert (run.status, run.position, run.classified, run.assessments) == ("done", 7, 7, 7)
    parallel = sorted(CurrentClass.objects.values_list("enterprise_id", "risk_class", "score"))
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "RISK_RUN_WORKERS": 1}
    again = run_now(reason="manual", chunk_size=1, force=True)
    assert again.assessments == 7
    assert sorted(CurrentClass.objects.values_list("enterprise_id", "risk_class", "score")) == (
        parallel
    )
    assert run.transitions == {"->A": 4, "->B": 3}
    assert sum(run.summary["by_class"].values()) == 7


def test_the_first_error_stops_every_thread_and_the_steps_before_it_stay(
    require_postgres: None, settings: Any, monkeypatch: Any
) -> None:
    _register(6)
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "RISK_RUN_WORKERS": 2}
    real = engine.run_step

    def failing(run: ClassificationRun, *, step: int) -> Any:
        if step == 3:
            raise RuntimeError("boom")
        return real(run, step=step)

    monkeypatch.setattr(engine, "run_step", failing)
    run = run_now(reason="manual", chunk_size=1)
    assert (run.status, run.position, run.classified) == ("failed", 3, 3)
    assert CurrentClass.objects.count() == Assessment.objects.count() == 3
