"""credit_portal.bulk: COPY text and the models it accepts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session

from credit_portal.bulk import NULL, bulk_insert, copy_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, NULL),
        (True, "t"),
        (False, "f"),
        (0, "0"),
        (Decimal("12.5000"), "12.5000"),
        (dt.date(2026, 11, 29), "2026-11-29"),
        ("成都\t蓉城\n\\N\r", "成都\\t蓉城\\n\\\\N\\r"),
    ],
)
def test_copy_text(value, text):
    assert copy_text(value) == text


@pytest.mark.django_db
def test_a_model_without_an_auto_key_is_refused():
    session = Session(session_key="k" * 32, session_data="", expire_date=dt.datetime.now(dt.UTC))
    with pytest.raises(ValueError, match="auto-increment primary key"):
        bulk_insert([session])
    assert not Session.objects.exists()
