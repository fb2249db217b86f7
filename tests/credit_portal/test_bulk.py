"""credit_portal.bulk: COPY text and the models it accepts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.db import DataError, transaction
from django.utils import timezone

from credit_portal.bulk import (
    NULL,
    Sql,
    bulk_insert,
    copy_line,
    copy_line_of,
    copy_text,
    insert_select,
    insert_values,
)
from enterprises.models import CreditRecord, ImportJob
from tests.enterprises.factories import EnterpriseFactory


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


@pytest.mark.django_db
def test_a_line_from_values_is_the_line_of_the_instance():
    """copy_line_of fills the columns it is not given with the defaults a new instance has."""
    values = {
        "enterprise_id": 7,
        "kind": "penalty",
        "occurred_on": dt.date(2026, 11, 2),
        "summary": "罚款\t两千元",
        "details": {"amount": "2000.00"},
        "recorded_at": dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC),  # else timezone.now()
    }
    assert copy_line_of(CreditRecord, values) == copy_line(CreditRecord(**values))
    assert "\t\\N\t" in copy_line_of(CreditRecord, values)  # publicity dates and the like


def _enterprise_source(enterprise):
    return "enterprises_enterprise e WHERE e.id = %s", [enterprise.pk]


@pytest.mark.django_db
def test_insert_select_derives_rows_and_adapts_constants():
    """Constants of every kind (date, boolean, JSON, a foreign key, None) fit their columns on
    both backends, SQL expressions read the source, and a missing column gets its default."""
    enterprise = EnterpriseFactory()
    source, params = _enterprise_source(enterprise)
    written = insert_select(
        CreditRecord,
        {
            "enterprise_id": Sql("e.id"),
            "kind": "penalty",
            "occurred_on": dt.date(2026, 11, 2),
            "is_public": True,
            "publicity_end": None,
            "summary": Sql("e.name || %s", (" 罚款",)),
            "details": {"amount": "2000.00", "items": [1, 2]},
            "source_id": Sql("CAST(e.id AS TEXT)"),
        },
        source=source,
        params=params,
    )
    record = CreditRecord.objects.get()
    assert written == 1
    assert (record.enterprise, record.occurred_on, record.is_public) == (
        enterprise,
        dt.date(2026, 11, 2),
        True,
    )
    assert record.summary == f"{enterprise.name} 罚款" and record.source_id == str(enterprise.pk)
    assert record.details == {"amount": "2000.00", "items": [1, 2]}
    assert (record.authority, record.publicity_start, record.closes_id) == ("", None, None)
    assert record.recorded_at is not None


@pytest.mark.django_db
def test_insert_select_refuses_unknown_and_missing_columns():
    enterprise = EnterpriseFactory()
    source, params = _enterprise_source(enterprise)
    with pytest.raises(ValueError, match="no such columns"):
        insert_select(CreditRecord, {"nope": 1}, source=source, params=params)
    with pytest.raises(ValueError, match="enterprise_id: no value and no default"):
        insert_select(
            CreditRecord,
            {"kind": "penalty", "occurred_on": dt.date(2026, 11, 2), "summary": "x"},
            source=source,
            params=params,
        )
    assert not CreditRecord.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_insert_select_never_cuts_a_constant_short(require_postgres):
    """The cast of a constant drops the column's length: a value too long for varchar(100) is
    an error, as in an ordinary insert, not silently cut to 100 characters."""
    enterprise = EnterpriseFactory()
    source, params = _enterprise_source(enterprise)
    values = {
        "enterprise_id": Sql("e.id"),
        "kind": "penalty",
        "occurred_on": dt.date(2026, 11, 2),
        "summary": "x",
        "authority": "局" * 101,
    }
    with pytest.raises(DataError), transaction.atomic():
        insert_select(CreditRecord, values, source=source, params=params)
    assert not CreditRecord.objects.exists()


@pytest.mark.django_db
def test_insert_select_stamps_auto_now_columns_with_the_time_of_the_write(django_user_model):
    user = django_user_model.objects.create_user("importer")
    before = timezone.now()
    written = insert_select(
        ImportJob,
        {"original_name": "登记.csv", "file": "imports/登记.csv", "created_by_id": Sql("u.id")},
        source=f"{django_user_model._meta.db_table} u WHERE u.id = %s",
        params=[user.pk],
    )
    job = ImportJob.objects.get()
    assert written == 1 and before <= job.created_at <= timezone.now()
    assert (job.created_by, job.status, job.errors, job.started_at) == (user, "pending", [], None)


@pytest.mark.django_db
def test_values_that_are_not_columns_are_refused_on_every_backend():
    """A field's name where its attname belongs ("enterprise" for "enterprise_id") would be
    dropped by COPY for the column's default; it is refused before anything is written."""
    enterprise = EnterpriseFactory()
    values = {
        "enterprise": enterprise,
        "kind": "penalty",
        "occurred_on": dt.date(2026, 11, 2),
        "summary": "x",
    }
    with pytest.raises(ValueError, match=r"no such columns \['enterprise'\]"):
        insert_values(CreditRecord, [values])
    with pytest.raises(ValueError, match="no such columns"):
        copy_line_of(CreditRecord, values)
    del values["enterprise"]
    insert_values(CreditRecord, [{**values, "enterprise_id": enterprise.pk}])
    assert CreditRecord.objects.get().enterprise == enterprise
