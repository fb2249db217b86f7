"""Builders of the station's tests: a policy measure saved through the service, and an
enterprise with every kind of fact that weighs (a penalty in publicity, an abnormal listing, a
letter awaiting its reply), made with the remediation tests' own builders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from credit_portal.dates import add_months
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from station.models import PolicyMeasure
from station.services import measure_save
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_listings import listed_case
from tests.remediation.factories_repairs import penalty_record

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def today() -> dt.date:
    return timezone.localdate()


def measure(
    code: str = "m1", conditions: list[dict[str, Any]] | None = None, **over: Any
) -> PolicyMeasure:
    data: dict[str, Any] = {
        "code": code,
        "title": f"Measure {code}",
        "benefit": "A benefit",
        "valid_from": today() - dt.timedelta(days=30),
        "valid_until": None,
        "conditions": conditions or [],
        **over,
    }
    return measure_save(actor=None, data=data)


def letter(
    enterprise: Enterprise, *, sent: dt.date, deadline: dt.date, number: str
) -> CreditRecord:
    """A soft-enforcement letter asking a reply by `deadline` (docs/domain.md §9)."""
    return credit_record_append(
        enterprise=enterprise,
        kind="soft_enforcement",
        occurred_on=sent,
        summary="责令限期整改通知",
        actor=None,
        authority="成都市双流区市场监督管理局",
        document_number=number,
        details={"instrument_label": "责令改正通知书", "deadline": deadline.isoformat()},
    )


def troubled_firm(**fields: Any) -> Any:
    """A company with a penalty in publicity (published two months ago), an abnormal listing
    (annual report not filed) and a letter whose reply is due in ten days."""
    firm = EnterpriseFactory(**fields)
    day = today()
    firm.penalty = penalty_record(
        firm, published_on=add_months(day, -2), number="双市监处罚〔2026〕7号"
    )
    firm.listing = listed_case(firm, listed_on=day - dt.timedelta(days=20)).listing_record
    firm.letter = letter(
        firm,
        sent=day - dt.timedelta(days=5),
        deadline=day + dt.timedelta(days=10),
        number="双市监改〔2026〕3号",
    )
    firm.refresh_from_db()
    return firm


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
