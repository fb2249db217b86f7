"""The state rule is written twice in `enterprises.state` (Python for the replay, SQL for the
cached state): on random ledgers, on any day, both give the same state."""

import datetime as dt
import random

import pytest
from django.db import connection

from enterprises.models import CreditRecord
from enterprises.services.ledger import enterprise_state_as_of
from enterprises.state import STATE_FIELDS, state_fold_sql
from tests.enterprises.factories import EnterpriseFactory, Kind

pytestmark = pytest.mark.django_db
D = dt.date


def _random_ledger(enterprise, rnd):
    """Registration, then suspensions (some extended, some expired), resumptions, listings on
    both lists, their removals (some dated on the same day as a listing), penalties, repairs."""
    day = enterprise.registered_on
    CreditRecord.objects.create(
        enterprise=enterprise,
        kind=Kind.REGISTRATION,
        occurred_on=day,
        summary="r",
        details={"status": "operating"},
    )
    open_listings: list[CreditRecord] = []
    status = "operating"
    for _ in range(rnd.randint(0, 9)):
        day += dt.timedelta(days=rnd.choice([0, 1, 30, 200, 400]))
        move = rnd.random()
        if move < 0.25 and status in ("operating", "suspended"):
            start = day if status != "suspended" else day - dt.timedelta(days=10)
            until = day + dt.timedelta(days=rnd.choice([5, 60, 500]))
            details = {"status": "suspended", "from": start.isoformat(), "until": until.isoformat()}
            status = "suspended"
        elif move < 0.35 and status == "suspended":
            details, status = {"status": "operating"}, "operating"
        elif move < 0.4 and status != "deregistered":
            status = rnd.choice(["revoked", "deregistered"])
            details = {"status": status}
        else:
            details = None
        if details is not None:
            CreditRecord.objects.create(
                enterprise=enterprise,
                kind=Kind.STATUS_CHANGE,
                occurred_on=day,
                summary="s",
                details=details,
            )
            continue
        if open_listings and move < 0.6:
            listing = open_listings.pop(rnd.randrange(len(open_listings)))
            kind = {
                Kind.ABNORMAL_LISTING: Kind.ABNORMAL_REMOVAL,
                Kind.SERIOUS_LISTING: Kind.SERIOUS_REMOVAL,
            }[listing.kind]
            CreditRecord.objects.create(
                enterprise=enterprise,
                kind=rnd.choice([kind, Kind.REPAIR]),
                occurred_on=day,
                summary="c",
                closes=listing,
            )
        else:
            kind = rnd.choice([Kind.ABNORMAL_LISTING, Kind.SERIOUS_LISTING, Kind.PENALTY])
            record = CreditRecord.objects.create(
                enterprise=enterprise, kind=kind, occurred_on=day, summary="l"
            )
            if kind != Kind.PENALTY:
                open_listings.append(record)


def test_the_sql_fold_and_the_python_fold_agree_on_any_day():
    rnd = random.Random(20261207)
    enterprises = [
        EnterpriseFactory(registered_on=D(2016, 1, 1) + dt.timedelta(days=rnd.randint(0, 900)))
        for _ in range(40)
    ]
    for enterprise in enterprises:
        _random_ledger(enterprise, rnd)
    ids = [e.pk for e in enterprises]
    checked = 0
    for on in (D(2016, 6, 1), D(2017, 3, 1), D(2018, 1, 1), D(2019, 7, 1), D(2021, 1, 1)):
        sql, params = state_fold_sql(
            f"SELECT id FROM enterprises_enterprise WHERE id IN ({', '.join(['%s'] * len(ids))})",  # noqa: S608
            ids,
            on,
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
        for enterprise in enterprises:
            state = enterprise_state_as_of(enterprise=enterprise, on=on)
            status, start, until, abnormal, serious = rows[enterprise.pk]
            as_dates = [
                dt.date.fromisoformat(d) if isinstance(d, str) else d for d in (start, until)
            ]
            got = dict(
                zip(STATE_FIELDS, [status, *as_dates, bool(abnormal), bool(serious)], strict=True)
            )
            assert got == state.cached(), (enterprise.pk, on)
            checked += 1
    assert checked == 200
    # The ledgers are varied enough to mean something.
    states = {
        (s.status, s.is_abnormal, s.on_serious_list)
        for s in (enterprise_state_as_of(enterprise=e, on=D(2019, 7, 1)) for e in enterprises)
    }
    assert len(states) >= 5
