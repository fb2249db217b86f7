"""Two people racing with the same activation code on PostgreSQL: exactly one account."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from enterprises.models import EnterpriseMembership
from enterprises.services.accounts import activation_code_issue, enterprise_user_register
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_code_used_by_two_people_at_once_makes_one_account(require_postgres, user_with_perms):
    enterprise = EnterpriseFactory()
    _row, code = activation_code_issue(actor=user_with_perms(), enterprise=enterprise)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(username: str, phone: str) -> None:
        try:
            barrier.wait()
            enterprise_user_register(
                uscc=enterprise.uscc,
                code=code,
                username=username,
                password="Race-pass-2026!x",
                phone=phone,
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=register, args=a)
        for a in (("racer-a", "13800000001"), ("racer-b", "13800000002"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert EnterpriseMembership.objects.filter(enterprise=enterprise).count() == 1
