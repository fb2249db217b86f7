"""The classification's jobs: the daily jobs `risk.overrides` and `risk.nightly` through
`manage.py run_daily` (a run killed mid-way resumed, never doubled; a busy run waited for, then
a clear failure), the run's job kind (the sweeper, the task on the `bulk` queue) and the ledger
subscription (a bulk append is one run per batch; a batch waits while a run is unfinished)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation

from credit_portal.daily import ORDER_CLASSIFICATION, daily_job_get
from credit_portal.jobs import job_claim, job_finish, job_kinds, jobs_sweep
from credit_portal.models import DailyRun
from enterprises.models import Enterprise, LedgerChange
from enterprises.services.ledger import CreditFact, credit_facts_append
from enterprises.subscriptions import BATCH, subscriber_names
from risk import engine
from risk import jobs as risk_jobs
from risk.models import Assessment, ClassificationRun, CurrentClass
from risk.services.overrides import override_set
from risk.services.runs import run_create, run_execute
from risk.tasks import classification_run_task
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, Kind
from tests.risk.factories import general_version

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 10)


def at(day: dt.date, hour: int = 12, second: int = 0) -> Any:
    """The clock at `hour` o'clock, Beijing time, on `day` (time_machine, not ticking)."""
    moment = dt.datetime.combine(day, dt.time(hour, 0, second), tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with at(TODAY):
        yield


# --------------------------------------------------------------------------- the world


def firms(n: int, **fields: Any) -> list[Enterprise]:
    """`n` companies registered on 2 January 2025, inserted in one statement: not new any more
    on `TODAY` (a year in operation: 5 points, 5.0 with nothing else: A), and owing no annual
    report yet (2025's is due by 30 June 2026), so that the other apps' daily jobs list none of
    them in the abnormal directory."""
    department = DepartmentFactory()
    fields.setdefault("registered_on", dt.date(2025, 1, 2))
    built = EnterpriseFactory.build_batch(n, department=department, **fields)
    return Enterprise.objects.bulk_create(built)


def penalties(enterprises: list[Enterprise], count: int, *, on: dt.date, tag: str = "") -> int:
    """`count` penalties for each enterprise, dated `on`, in one bulk append (15 points each
    in the test model: with the 5 of `firms`, 2 → 35.0, B)."""
    facts = [
        CreditFact(
            enterprise_id=firm.pk,
            kind=Kind.PENALTY,
            occurred_on=on,
            summary="fined",
            source=("tests", "penalty", f"{tag}{firm.pk}-{on}-{i}"),
        )
        for firm in enterprises
        for i in range(count)
    ]
    # Recorded a minute before the clock: a run at the clock's instant knows them.
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=1), tick=False):
        return credit_facts_append(facts=facts, actor=None).written


def run_daily(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("run_daily", *args, stdout=out)
    return out.getvalue()


def drain(*args: str) -> str:
    out = io.StringIO()
    call_command("dispatch_ledger_changes", *args, stdout=out)
    return out.getvalue()


def nightly_runs(on: dt.date = TODAY) -> Any:
    return ClassificationRun.objects.filter(reason="nightly", as_of=on).order_by("pk")


def assessments_per_enterprise() -> set[int]:
    return set(
        Assessment.objects.values("enterprise").annotate(n=Count("id")).values_list("n", flat=True)
    )


# --------------------------------------------------------------------------- registration


def test_the_jobs_are_declared_in_the_classification_band_with_the_run_kind_and_subscriber():
    overrides, nightly = daily_job_get("risk.overrides"), daily_job_get("risk.nightly")
    assert overrides is not None and nightly is not None
    assert overrides.order in ORDER_CLASSIFICATION and nightly.order in ORDER_CLASSIFICATION
    assert overrides.order < nightly.order  # the nightly run reads the classes in effect
    assert any(kind.model is ClassificationRun for kind in job_kinds())
    assert "risk.reclassify" in subscriber_names()
    # The task is a long one: the bulk queue, late acks, time limits as the import's.
    task: Any = classification_run_task
    assert task.queue == "bulk"
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit == 25 * 60 and task.time_limit == 30 * 60


# --------------------------------------------------------------------------- the nightly run


def test_run_daily_classifies_everyone_once_a_date_and_a_forced_run_writes_only_changes():
    general_version()
    world = firms(5)
    penalties(world[:2], 2, on=TODAY - dt.timedelta(days=30))

    out = run_daily("--date", TODAY.isoformat())

    assert "(risk.overrides): done" in out and "(risk.nightly): done" in out
    assert "classified=5" in out and "assessments=5" in out and "resumed=0" in out
    run = nightly_runs().get()
    assert (run.status, run.applies, run.classified, run.assessments) == ("done", True, 5, 5)
    assert run.transitions == {"->A": 3, "->B": 2}
    assert dict(CurrentClass.objects.values_list("enterprise_id", "risk_class")) == {
        world[0].pk: "B",
        world[1].pk: "B",
        **{firm.pk: "A" for firm in world[2:]},
    }

    again = run_daily("--date", TODAY.isoformat())  # the date is done: nothing runs
    assert "(risk.nightly): already done" in again
    assert nightly_runs().count() == 1

    forced = run_daily("--date", TODAY.isoformat(), "--force", "--only", "risk.nightly")
    assert "(risk.nightly): done" in forced and "assessments=0" in forced
    assert list(nightly_runs().values_list("status", "classified", "assessments")) == [
        ("done", 5, 5),
        ("done", 5, 0),
    ]
    assert Assessment.objects.count() == 5


def test_the_next_night_writes_only_the_enterprises_whose_class_or_score_moved():
    general_version()
    world = firms(4)
    run_daily("--date", TODAY.isoformat())
    tomorrow = TODAY + dt.timedelta(days=1)
    with at(tomorrow, hour=1):
        penalties(world[:1], 2, on=tomorrow)
        out = run_daily()  # beat's door: today, as it has just begun

    assert "classified=4" in out and "changed_class=1" in out and "assessments=1" in out
    moved = Assessment.objects.get(as_of=tomorrow)
    assert (moved.enterprise_id, moved.previous_class, moved.risk_class) == (world[0].pk, "A", "B")
    assert nightly_runs(tomorrow).get().transitions == {"A>A": 3, "A>B": 1}


class Killed(BaseException):
    """Stands for SIGKILL in process: nothing below catches a BaseException, so the run keeps
    its lease and its committed steps, exactly as a killed worker leaves them."""


def test_a_nightly_run_killed_mid_way_is_resumed_by_the_next_run_daily_not_doubled(
    settings, monkeypatch
):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "RISK_CHUNK_SIZE": 2}
    general_version()
    world = firms(9)
    penalties(world[::2], 2, on=TODAY - dt.timedelta(days=10))
    real_step = engine.run_step

    def dies_at_step_3(run: ClassificationRun, *, step: int) -> Any:
        if step == 3:
            raise Killed
        return real_step(run, step=step)

    monkeypatch.setattr(engine, "run_step", dies_at_step_3)
    with pytest.raises(Killed):
        run_daily("--date", TODAY.isoformat())
    run = nightly_runs().get()
    daily = DailyRun.objects.get(name="risk.nightly", on=TODAY)
    assert (run.status, run.position, run.total_steps, run.attempts) == ("running", 3, 5, 1)
    assert (daily.status, daily.attempts) == ("running", 1)
    assert Assessment.objects.count() == 6  # three committed steps of two

    monkeypatch.setattr(engine, "run_step", real_step)
    # Before the leases expire, the killed run still looks alive: nothing runs twice.
    busy = run_daily("--date", TODAY.isoformat(), "--only", "risk.nightly")
    assert "running elsewhere" in busy
    with at(TODAY, hour=12, second=0) as clock:
        clock.shift(dt.timedelta(minutes=4))  # past the leases (3 minutes)
        out = run_daily("--date", TODAY.isoformat())

    assert "(risk.nightly): done" in out and "resumed=1" in out and "classified=9" in out
    run.refresh_from_db()
    daily.refresh_from_db()
    assert (run.status, run.position, run.attempts) == ("done", 5, 2)
    assert (run.classified, run.assessments) == (9, 9)
    assert run.transitions == {"->A": 4, "->B": 5}
    assert (daily.status, daily.attempts) == ("done", 2)
    assert nightly_runs().count() == 1
    assert Assessment.objects.count() == 9 and assessments_per_enterprise() == {1}
    assert CurrentClass.objects.count() == 9


def test_a_stale_run_of_another_kind_is_taken_over_before_the_nightly_run():
    """A new-facts run whose worker died (lease expired) stands in the way: the nightly job
    finishes it, then runs its own."""
    general_version()
    world = firms(3)
    stale = run_create(reason="new_fact", enterprise_ids=[world[0].pk])
    lease = job_claim(model=ClassificationRun, job_id=stale.pk)  # a worker that then died
    assert lease is not None

    with at(TODAY, hour=12) as clock:
        clock.shift(dt.timedelta(minutes=4))
        out = run_daily("--date", TODAY.isoformat(), "--only", "risk.nightly")

    assert "(risk.nightly): done" in out and "classified=3" in out
    stale.refresh_from_db()
    assert (stale.status, stale.attempts, stale.classified) == ("done", 2, 1)
    assert nightly_runs().get().assessments == 2  # the third was classified by the other run


def test_the_nightly_job_waits_for_a_short_new_facts_run_then_runs(monkeypatch):
    general_version()
    world = firms(3)
    busy = run_create(reason="new_fact", enterprise_ids=[world[0].pk])
    lease = job_claim(model=ClassificationRun, job_id=busy.pk)  # live: another worker has it
    assert lease is not None
    naps: list[float] = []

    def other_worker_finishes(seconds: float) -> None:
        naps.append(seconds)
        with transaction.atomic():
            assert job_finish(lease, status="done")

    monkeypatch.setattr(risk_jobs.time, "sleep", other_worker_finishes)
    counts = risk_jobs.nightly_job(on=TODAY, force=False)

    assert len(naps) == 1
    assert (counts["classified"], counts["assessments"], counts["resumed"]) == (3, 3, 0)
    assert nightly_runs().get().status == "done"


class _Clock:
    """A monotonic clock whose sleep moves it on (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_run_that_makes_no_progress_fails_the_nightly_job_clearly(settings, monkeypatch):
    settings.CREDIT_PORTAL = {
        **settings.CREDIT_PORTAL,
        "RISK_NIGHTLY_WAIT_SECONDS": 30,
        "RISK_NIGHTLY_POLL_SECONDS": 5,
    }
    general_version()
    world = firms(2)
    stuck = run_create(reason="manual", enterprise=world[0])
    assert job_claim(model=ClassificationRun, job_id=stuck.pk) is not None  # live, never renewed
    clock = _Clock()
    monkeypatch.setattr(risk_jobs, "time", clock)

    with pytest.raises(CommandError, match="1 of 1 daily jobs failed"):
        run_daily("--date", TODAY.isoformat(), "--only", "risk.nightly")

    daily = DailyRun.objects.get(name="risk.nightly", on=TODAY)
    assert daily.status == "failed"
    assert daily.message.startswith("NightlyRunStalled: the nightly run as of 2026-03-10 did not")
    assert f"classification run #{stuck.pk} (manual, as of 2026-03-10)" in daily.message
    assert "made no progress" in daily.message
    # It waited a lease (180 s) and the wait beyond it, not for ever.
    assert 180 + 30 < clock.now - 1_000.0 <= 180 + 30 + 2 * 5
    assert not nightly_runs().exists()


def test_a_nightly_run_that_fails_fails_the_daily_run_with_its_message(monkeypatch):
    general_version()
    firms(2)

    def broken(run: ClassificationRun, *, step: int) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "run_step", broken)
    with pytest.raises(CommandError):
        run_daily("--date", TODAY.isoformat(), "--only", "risk.nightly")
    daily = DailyRun.objects.get(name="risk.nightly", on=TODAY)
    run = nightly_runs().get()
    assert (daily.status, run.status) == ("failed", "failed")
    assert daily.message.startswith(f"NightlyRunFailed: classification run #{run.pk} (nightly")


def test_with_no_published_model_the_nightly_run_classifies_nobody_and_succeeds():
    firms(2)
    out = run_daily("--date", TODAY.isoformat())
    assert "(risk.nightly): done" in out and "classified=0" in out
    assert not CurrentClass.objects.exists()


# --------------------------------------------------------------------------- overrides


def test_an_override_ends_the_day_after_its_expiry_and_the_computed_class_is_back(
    user_with_perms,
):
    general_version()
    firm, other = firms(2)
    penalties([firm], 2, on=TODAY - dt.timedelta(days=5))
    run_daily("--date", TODAY.isoformat())
    assert CurrentClass.objects.get(enterprise=firm).risk_class == "B"
    supervisor = user_with_perms("risk.override_class")
    override = override_set(
        enterprise=firm,
        risk_class="D",
        reason="重点监管",
        expires_on=TODAY + dt.timedelta(days=2),
        by=supervisor,
    )

    last_day = TODAY + dt.timedelta(days=2)
    with at(last_day):
        out = run_daily()
        assert "(risk.overrides): done; overrides ended 0 (ended=0)" in out
        current = CurrentClass.objects.get(enterprise=firm)
        # The nightly run keeps the override's class while it is open.
        assert (current.risk_class, current.computed_class, current.override_id) == (
            "D",
            "B",
            override.pk,
        )
    with at(last_day + dt.timedelta(days=1)):
        out = run_daily()
    assert "overrides ended 1 (ended=1)" in out and "(risk.nightly): done" in out
    current = CurrentClass.objects.get(enterprise=firm)
    assert (current.risk_class, current.computed_class, current.override_id) == ("B", "B", None)
    override.refresh_from_db()
    assert override.ended_on == last_day + dt.timedelta(days=1)
    assert CurrentClass.objects.get(enterprise=other).risk_class == "A"


# --------------------------------------------------------------------------- the job kind


def test_a_run_whose_wake_up_was_lost_is_run_by_the_sweeper():
    """In eager mode (tests) a wake-up runs the task here: the sweeper wakes a pending run not
    woken within a lease, the task executes it, and a second message does nothing."""
    general_version()
    firms(3)
    run = run_create(reason="manual")  # created, but its wake-up never reached a worker
    ClassificationRun.objects.filter(pk=run.pk).update(woken_at=None)

    assert jobs_sweep()["risk.ClassificationRun"] == 1
    run.refresh_from_db()
    assert (run.status, run.classified, run.attempts) == ("done", 3, 1)
    assert classification_run_task(run.pk) == "done"  # redelivered: nothing runs
    assert jobs_sweep()["risk.ClassificationRun"] == 0
    assert classification_run_task(run.pk + 1000) == "missing"
    run.refresh_from_db()
    assert run.attempts == 1 and Assessment.objects.count() == 3


# --------------------------------------------------------------------------- the subscription


def test_a_bulk_append_of_2000_facts_is_one_new_facts_run_that_classifies_them_all():
    general_version()
    world = firms(1_000)
    assert penalties(world, 2, on=TODAY - dt.timedelta(days=3)) == 2_000
    queued = LedgerChange.objects.filter(subscriber="risk.reclassify")
    assert queued.count() == 1_000  # one row per enterprise and append, not per fact

    out = drain()

    assert "risk.reclassify: 1000 change(s) handled." in out
    run = ClassificationRun.objects.get()
    assert (run.reason, run.status, run.total_steps) == ("new_fact", "done", 1)
    assert sorted(run.enterprise_ids) == sorted(firm.pk for firm in world)
    assert (run.classified, run.assessments) == (1_000, 1_000)
    assert set(CurrentClass.objects.values_list("risk_class", flat=True)) == {"B"}
    assert not queued.exists()
    assert "risk.reclassify: 0 change(s) handled." in drain()  # idempotent
    assert ClassificationRun.objects.count() == 1


def test_the_drain_hands_over_one_run_per_batch():
    general_version()
    world = firms(25)
    penalties(world, 1, on=TODAY - dt.timedelta(days=3))
    drain("--batch", "10")
    runs = ClassificationRun.objects.order_by("pk")
    assert [len(r.enterprise_ids) for r in runs] == [10, 10, 5]
    assert {r.reason for r in runs} == {"new_fact"}
    assert CurrentClass.objects.count() == 25
    assert BATCH >= 10_000  # a bulk append of 100,000 facts: a handful of runs, not tasks


def test_a_batch_waits_while_a_nightly_run_is_unfinished_and_is_handled_after():
    general_version()
    world = firms(4)
    run_daily("--date", TODAY.isoformat())
    nightly = run_create(reason="nightly", as_of=TODAY)  # pending: its worker has not begun
    penalties(world[:2], 2, on=TODAY - dt.timedelta(days=1), tag="late")

    out = drain()

    assert "risk.reclassify: 0 change(s) handled." in out
    assert LedgerChange.objects.filter(subscriber="risk.reclassify").count() == 2
    assert not ClassificationRun.objects.filter(reason="new_fact").exists()
    assert set(CurrentClass.objects.values_list("risk_class", flat=True)) == {"A"}

    run_execute(nightly.pk)  # the nightly run finishes (it saw the facts: they are known)
    out = drain()
    assert "risk.reclassify: 2 change(s) handled." in out
    new_facts = ClassificationRun.objects.get(reason="new_fact")
    assert (new_facts.status, new_facts.classified) == ("done", 2)
    assert not LedgerChange.objects.filter(subscriber="risk.reclassify").exists()
    assert sorted(
        CurrentClass.objects.filter(risk_class="B").values_list("enterprise_id", flat=True)
    ) == sorted(firm.pk for firm in world[:2])
    assert assessments_per_enterprise() == {1, 2}  # the two moved once (by the nightly run)
