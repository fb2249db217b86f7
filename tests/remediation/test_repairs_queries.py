"""What the enterprise's credit-repair page costs (review finding S4): every record's eligibility
is evaluated with one `RepairContext`, so five penalties cost no more queries than one (the
bureau's names, the decisions, the closings and the later penalties are read once for the page,
not per record), and the apply form evaluates only the record asked for."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from remediation.rules import penalty_repair_eligibility, repair_context
from remediation.selectors.repairs import repairable_record_for
from remediation.services.repairs import repair_apply
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    apply_data,
    eligible_penalty,
    member,
    penalty_decision,
    penalty_record,
    today,
)

pytestmark = pytest.mark.django_db

# The page's own ceiling with one penalty (session, user, membership, permissions, the
# enterprise, the records, the applications and the eligibility's reads once).
PAGE_MAX_QUERIES = 20


def _firm_with(n: int):
    """An enterprise with `n` penalties in publicity, half of them with a PenaltyDecision (of
    one violation type, so the later-penalty check reads them), one applied for, and a later
    ledger penalty of another department."""
    firm = EnterpriseFactory()
    records = []
    for i in range(n):
        record = eligible_penalty(firm, number=f"双市监处罚〔2025〕{n}0{i + 1}号")
        if i % 2 == 0:
            penalty_decision(record)
        records.append(record)
    penalty_record(
        firm, published_on=today(), number=f"环罚〔2026〕{n}号", authority="区生态环境局"
    )
    user = member(firm, f"firm-{n}")
    repair_apply(actor=user, enterprise=firm, **apply_data(records[0]))
    return firm, user, records


def _page_queries(client, user) -> int:
    client.force_login(user)
    url = reverse("me-remediation:repairs")
    client.get(url)  # warm: the calendar's cache, the session
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    return len(queries.captured_queries)


def test_the_repairs_page_costs_the_same_for_one_and_five_penalties(
    client, django_assert_max_num_queries
):
    _firm, one_user, _records = _firm_with(1)
    one = _page_queries(client, one_user)
    assert one <= PAGE_MAX_QUERIES
    _firm, five_user, records = _firm_with(5)
    client.force_login(five_user)
    url = reverse("me-remediation:repairs")
    client.get(url)
    with django_assert_max_num_queries(one):
        answer = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = answer.content.decode()
    assert all(f'data-record="{r.pk}"' in html for r in records)


def test_the_eligibility_of_a_list_reads_each_part_once(django_assert_max_num_queries):
    firm = EnterpriseFactory()
    records = [eligible_penalty(firm, number=f"N{i}") for i in range(6)]
    for record in records[::2]:
        penalty_decision(record)
    for i in range(4):  # later penalties of other departments: no query per row
        penalty_record(firm, published_on=today(), number=f"O{i}", authority=f"区部门{i}")
    for record in records:
        record.enterprise = firm
    context = repair_context(records)
    with django_assert_max_num_queries(6):
        results = [
            penalty_repair_eligibility(record=r, today=today(), context=context) for r in records
        ]
    assert all(r.eligible for r in results)


def test_the_apply_form_evaluates_only_the_record_asked_for():
    def cost(n: int) -> int:
        firm = EnterpriseFactory()
        records = [eligible_penalty(firm, number=f"N{n}-{i}") for i in range(n)]
        for record in records:
            penalty_decision(record)
        with CaptureQueriesContext(connection) as queries:
            item = repairable_record_for(enterprise=firm, record_pk=records[-1].pk, today=today())
        assert item.record == records[-1] and item.eligibility.eligible
        return len(queries.captured_queries)

    assert cost(5) <= cost(1)
