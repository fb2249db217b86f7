"""Overrides and tasks under concurrency, on PostgreSQL: the override services lock the
current class before the override (one order everywhere, so that two supervisors setting and
ending an override of one enterprise at once never deadlock), and a task acknowledged twice at
once is acknowledged once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone, translation

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from risk import audit_events as events
from risk.models import ClassChangeTask, ClassOverride, CurrentClass
from risk.services.overrides import override_end, override_set, overrides_expire
from risk.services.tasks import task_acknowledge
from tests.enterprises.factories import EnterpriseFactory
from tests.risk.factories import applied_run, classify_by_hand, general_version

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _in_thread(work: Callable[[], Any], outcomes: list[str]) -> threading.Thread:
    def run() -> None:
        try:
            with translation.override("en"):
                work()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("how", ["end", "expire"])
def test_ending_waits_for_the_current_class_before_locking_the_override(
    require_postgres, user_with_role, how
):
    supervisor = user_with_role(Role.SUPERVISOR)
    enterprise = EnterpriseFactory()
    classify_by_hand(enterprise, "B", version=general_version())
    override = override_set(
        enterprise=enterprise,
        risk_class="D",
        reason="舆情",
        expires_on=timezone.localdate() + dt.timedelta(days=5),
        by=supervisor,
    )
    outcomes: list[str] = []
    with transaction.atomic():
        # What `override_set` holds first: the current class row.
        CurrentClass.objects.select_for_update().get(enterprise=enterprise)
        work: Callable[[], Any]
        if how == "end":
            work = lambda: override_end(override=override, by=supervisor, reason="核实")  # noqa: E731
        else:
            work = lambda: overrides_expire(on=override.expires_on + dt.timedelta(days=1))  # noqa: E731
        thread = _in_thread(work, outcomes)
        time.sleep(0.5)  # the other session is now waiting for a lock
        # `override_set`'s second lock: free, since the ending waits on the first one (in the
        # other order, each session would wait for the other: a deadlock).
        try:
            ClassOverride.objects.select_for_update(nowait=True).get(pk=override.pk)
        except DatabaseError:  # pragma: no cover - the failure this test is for
            pytest.fail("the ending locked the override before the current class")
    thread.join(timeout=30)
    assert outcomes == ["ok"]
    current = CurrentClass.objects.get(enterprise=enterprise)
    assert (current.risk_class, current.override_id) == ("B", None)
    assert ClassOverride.objects.get(pk=override.pk).ended_on is not None


def test_a_task_acknowledged_twice_at_once_is_acknowledged_once(require_postgres, user_with_role):
    first = user_with_role(Role.SUPERVISOR, "sup-1")
    second = user_with_role(Role.SUPERVISOR, "sup-2")
    enterprise = EnterpriseFactory()
    task = ClassChangeTask.objects.create(
        enterprise=enterprise,
        department=enterprise.department,
        run=applied_run(),
        from_class="B",
        to_class="C",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def acknowledge(user: Any) -> Callable[[], Any]:
        def work() -> None:
            barrier.wait()
            task_acknowledge(task=ClassChangeTask.objects.get(pk=task.pk), by=user, note="已核查")

        return work

    threads = [_in_thread(acknowledge(u), outcomes) for u in (first, second)]
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ValidationError", "ok"]
    assert AuditEvent.objects.filter(event_type=events.TASK_DONE).count() == 1


@pytest.mark.parametrize("how", ["set", "end"])
def test_an_override_waits_for_a_running_step_and_is_not_undone_by_it(
    require_postgres, user_with_role, how
):
    """The override/step race (docs/architecture.md, Classification, "Overrides"): a step
    reads the open overrides, then writes its window; an override set or ended in between
    would be overwritten. The step holds the overrides' lock shared, the services take it
    exclusive, so an override waits for any running step's commit (even one whose window
    holds no row it locks: here the step classifies another enterprise) and stays in effect
    after it."""
    from risk import engine
    from risk.services.runs import run_create

    supervisor = user_with_role(Role.SUPERVISOR)
    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    version = general_version()
    classify_by_hand(enterprise, "B", version=version)
    classify_by_hand(other, "B", version=version)
    override = None
    if how == "end":
        override = override_set(
            enterprise=enterprise,
            risk_class="D",
            reason="舆情",
            expires_on=timezone.localdate() + dt.timedelta(days=5),
            by=supervisor,
        )
    run = run_create(reason="manual", enterprise=other, by=supervisor)
    outcomes: list[str] = []
    work: Callable[[], Any]
    if how == "set":
        work = lambda: override_set(  # noqa: E731
            enterprise=enterprise,
            risk_class="D",
            reason="舆情",
            expires_on=timezone.localdate() + dt.timedelta(days=5),
            by=supervisor,
        )
    else:
        work = lambda: override_end(override=override, by=supervisor, reason="核实")  # noqa: E731
    with transaction.atomic():
        engine.run_step(run, step=0)  # holds the overrides' lock shared until it commits
        thread = _in_thread(work, outcomes)
        time.sleep(0.5)
        assert thread.is_alive(), "the override did not wait for the running step"
    thread.join(timeout=30)
    assert outcomes == ["ok"]
    current = CurrentClass.objects.get(enterprise=enterprise)
    if how == "set":
        assert (current.risk_class, current.override_id is not None) == ("D", True)
    else:
        assert (current.risk_class, current.override_id) == ("B", None)
