"""Objections under concurrency, on PostgreSQL: two officers deciding one objection with the
version they both read (one conflict, one decision, at most one revocation), and two objections
to one listing filed at once (one is refused: one open objection per listing)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

from enterprises.models import CreditRecord
from remediation.kinds import ABNORMAL_REVOCATION
from remediation.models import ListingObjection
from remediation.services.objections import objection_accept, objection_decide, objection_file
from tests.remediation.factories_listings import (
    firm,
    listed_case,
    member,
    objection_officer,
    today,
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


def test_two_officers_deciding_at_once_one_conflict(require_postgres):
    case = listed_case(firm(), listed_on=today() - dt.timedelta(days=5))
    objection = objection_file(actor=member(case.enterprise), case=case, grounds="有误")
    first, second = objection_officer(), objection_officer("officer-2")
    objection = objection_accept(actor=first, objection=objection, expected_version=1)

    def decide(actor: Any) -> None:
        objection_decide(
            actor=actor,
            objection=ListingObjection.objects.get(pk=objection.pk),
            upheld=actor == first,
            reasons="核实结果",
            expected_version=2,
        )

    assert _race(decide, [first, second]) == ["ConflictError", "ok"]
    decided = ListingObjection.objects.get(pk=objection.pk)
    assert decided.version == 3
    revocations = CreditRecord.objects.filter(kind=ABNORMAL_REVOCATION).count()
    assert revocations == (1 if decided.status == ListingObjection.Status.UPHELD else 0)


def test_two_objections_filed_at_once_one_is_refused(require_postgres):
    case = listed_case(firm(), listed_on=today() - dt.timedelta(days=5))
    people = [member(case.enterprise), objection_officer()]

    def file(actor: Any) -> None:
        objection_file(actor=actor, case=case, grounds="有误")

    assert _race(file, people) == ["ValidationError", "ok"]
    assert ListingObjection.objects.filter(case=case).count() == 1
