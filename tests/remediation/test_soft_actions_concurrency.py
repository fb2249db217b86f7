"""Soft enforcement under concurrency, on PostgreSQL: two officers recording one service with
the version they both read (one conflict, one fact), and approvals racing for one number (no
duplicate, no gap)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

from enterprises.models import CreditRecord
from remediation.kinds import SOFT_ENFORCEMENT
from remediation.models import SoftAction
from remediation.services import soft_actions as services
from remediation.services.soft_actions import soft_action_approve, soft_action_serve
from tests.remediation.factories_soft_actions import (
    approved,
    draft,
    enterprise,
    officer,
    supervisor,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(work: Callable[[Any], Any], arguments: list[Any]) -> list[str]:
    """Run `work(argument)` in one thread per argument, all started together; what each
    gave: "ok", or the class name of the error it raised."""
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


def test_two_services_with_the_same_version_one_conflict(require_postgres):
    firm = enterprise()
    clerk, other = officer(), officer("officer2")
    action = approved(clerk, supervisor(), firm)
    version = action.version

    def serve(actor: Any) -> None:
        soft_action_serve(
            actor=actor,
            action=SoftAction.objects.get(pk=action.pk),
            served_on=action.issued_on,
            method=SoftAction.ServiceMethod.DIRECT,
            receipt_signed_by="张三",
            expected_version=version,
        )

    assert _race(serve, [clerk, other]) == ["ConflictError", "ok"]
    assert CreditRecord.objects.filter(kind=SOFT_ENFORCEMENT, enterprise=firm).count() == 1
    assert SoftAction.objects.get(pk=action.pk).version == version + 1


def test_approvals_racing_for_one_number_take_consecutive_ones(require_postgres, monkeypatch):
    """Both approvals read the year's last number before either writes (the barrier inside
    `_next_seq` makes sure): the unique index refuses the later write, which takes the next
    number."""
    firm = enterprise()
    clerk, chief = officer(), supervisor()
    drafts = [draft(clerk, firm) for _ in range(3)]
    first_read = threading.Barrier(3)
    original = services._next_seq
    waited: set[int] = set()
    reads: list[int] = []

    def next_seq_in_step(instrument: str, year: int) -> int:
        seq = original(instrument, year)
        reads.append(seq)
        me = threading.get_ident()
        if me not in waited:  # only each thread's first read waits for the others
            waited.add(me)
            first_read.wait(timeout=10)
        return seq

    monkeypatch.setattr(services, "_next_seq", next_seq_in_step)

    def approve(action: SoftAction) -> None:
        soft_action_approve(actor=chief, action=action, expected_version=1)

    assert _race(approve, drafts) == ["ok", "ok", "ok"]
    numbers = sorted(SoftAction.objects.values_list("number", flat=True))
    year = SoftAction.objects.first().issued_on.year  # type: ignore[union-attr]
    assert numbers == [f"双市监警〔{year}〕{n}号" for n in (1, 2, 3)]
    # All three first read 1; the two refused ones read again, at least once each (a refused
    # one that reads after the other's commit takes 3 at once: 3 + 2 reads at least).
    assert reads[:3] == [1, 1, 1] and len(reads) >= 5


def test_a_lost_number_race_gives_up_with_a_message(require_postgres, monkeypatch):
    """When every attempt is refused (a number held by a row the formula does not see), the
    approval stops with a message and writes nothing."""
    firm = enterprise()
    clerk, chief = officer(), supervisor()
    taken = approved(clerk, chief, firm)
    action = draft(clerk, firm)
    monkeypatch.setattr(services, "_next_seq", lambda instrument, year: 1)
    with translation.override("en"), pytest.raises(ValidationError, match="try again"):
        soft_action_approve(actor=chief, action=action, expected_version=1)
    action.refresh_from_db()
    assert (action.status, action.number) == (SoftAction.Status.DRAFT, None)
    assert taken.number.endswith("〕1号")
