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
    _column_text,
    bulk_insert,
    copy_line,
    copy_line_of,
    copy_text,
    insert_rows,
    insert_select,
    insert_values,
    sequences_reset,
)
from enterprises.models import CreditRecord, Enterprise, ImportJob
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory


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
        (Enterprise.Status.SUSPENDED, "suspended"),  # a TextChoices member: its text
    ],
)
def test_copy_text(value, text):
    assert copy_text(value) == text
    assert type(copy_text(value)) is str


@pytest.mark.parametrize(
    "values",
    [
        ["成都", "蓉城", ""],
        ["成都", "双流\t区", "a\\N", "\\N", "\r\n"],  # one to escape: the whole column by copy_text
        [Enterprise.Status.SUSPENDED, "operating", Enterprise.EntityType.COMPANY],
        [1, None, 3, 10**20],
        [dt.date(2026, 11, 29), None, dt.datetime(2026, 11, 29, 10, tzinfo=dt.UTC)],
        [Decimal("12.5000"), Decimal("-0.01"), None, 1.5],
        [True, False, None],
        ["text", 7, None, True, dt.date(2026, 1, 2)],
    ],
)
def test_a_column_at_a_time_is_copy_text_of_each_value(values):
    assert list(_column_text(values)) == [copy_text(v) for v in values]
    assert all(type(text) is str for text in _column_text(values))


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


R_COLUMNS = ["id", "enterprise_id", "kind", "occurred_on", "is_public", "publicity_start"]
R_COLUMNS += ["summary", "details", "closes_id", "recorded_at"]


@pytest.mark.django_db
def test_insert_rows_with_their_own_keys_then_the_sequence_moves_past_them():
    """Rows given as tuples, keyed by the caller: one closes another of the same call; text
    to escape, JSON (one object shared by two rows, an empty one) and the defaults of the
    columns left out survive; after `sequences_reset` the table numbers new rows after them."""
    enterprise = EnterpriseFactory()
    base = (CreditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 100
    shared = {"band": "standard", "note": "“引号”\t\\"}
    at_ten = dt.datetime(2026, 11, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    day = dt.date(2026, 11, 2)
    rows = [
        (base, enterprise.pk, "penalty", day, True, day, "罚款\t两千元\n\\N", shared, None, at_ten),
        (base + 1, enterprise.pk, "repair", day, False, None, "修复", shared, base, at_ten),
        (base + 2, enterprise.pk, "penalty", day, False, None, "\\N", {}, None, at_ten),
    ]
    insert_rows(CreditRecord, R_COLUMNS, rows, with_pk=True)
    got = list(CreditRecord.objects.filter(id__gte=base).order_by("id"))
    assert [(r.id, r.closes_id, r.summary, r.details) for r in got] == [
        (base, None, "罚款\t两千元\n\\N", shared),
        (base + 1, base, "修复", shared),
        (base + 2, None, "\\N", {}),
    ]
    assert all(r.recorded_at == at_ten for r in got)
    assert (got[0].publicity_start, got[1].publicity_start) == (day, None)
    assert {(r.authority, r.source_id, r.publicity_end, r.recorded_by_id) for r in got} == {
        ("", "", None, None)
    }
    sequences_reset(CreditRecord)
    later = CreditRecord.objects.create(
        enterprise=enterprise, kind="penalty", occurred_on=day, summary="x"
    )
    assert later.pk > base + 2


@pytest.mark.django_db
def test_insert_rows_fills_the_columns_left_out_and_stamps_the_write():
    department = DepartmentFactory()
    before = timezone.now()
    columns = ["uscc", "name", "former_names", "entity_type", "industry_section"]
    columns += ["industry_division", "registered_on", "registration_authority", "address"]
    columns += ["division", "legal_rep_name", "department_id", "registered_capital", "status"]
    columns += ["suspended_from"]
    common = ("F", "52", dt.date(2020, 5, 1), "成都市双流区市场监督管理局", "双流区棠湖路1号")
    common += ("东升街道", "张三", department.pk)
    rows = [
        ("91510116MA6AAAAA18", "甲公司", ["旧名"], Enterprise.EntityType.COMPANY, *common,
         Decimal("100.5000"), Enterprise.Status.OPERATING, None),
        ("92510116MA6AAAAB02", "乙店", [], "individual_business", *common,
         None, "suspended", dt.date(2026, 1, 5)),
    ]  # fmt: skip
    insert_rows(Enterprise, columns, rows)
    a, b = Enterprise.objects.order_by("uscc")
    assert (a.name, a.former_names, a.entity_type, a.registered_capital) == (
        "甲公司",
        ["旧名"],
        "company",
        Decimal("100.5000"),
    )
    assert (b.former_names, b.registered_capital, b.status, b.suspended_from) == (
        [],
        None,
        "suspended",
        dt.date(2026, 1, 5),
    )
    for e in (a, b):
        assert (e.version, e.uscc_check_overridden, e.current_risk, e.is_abnormal) == (
            1,
            False,
            None,  # never classified: no current class row (risk.CurrentClass)
            False,
        )
        assert before <= e.created_at <= timezone.now() and before <= e.updated_at


@pytest.mark.django_db
def test_insert_rows_refuses_what_it_cannot_write_before_writing_anything():
    enterprise = EnterpriseFactory()
    day = dt.date(2026, 11, 2)
    row = (9001, enterprise.pk, "penalty", day, True, day, "x", {}, None, timezone.now())
    cases = [
        ([*R_COLUMNS[:-1], "enterprise"], [row], r"no such columns \['enterprise'\]"),
        ([*R_COLUMNS[:-1], "kind"], [row], "named twice"),
        (R_COLUMNS, [row, row[:-1]], "another length"),
        (R_COLUMNS[1:], [row[1:]], "no id among"),
        (R_COLUMNS, [row, (None, *row[1:])], "without its key"),
    ]
    for columns, rows, message in cases:
        with pytest.raises(ValueError, match=message):
            insert_rows(CreditRecord, columns, rows, with_pk=True)
    with pytest.raises(ValueError, match=r"no such columns \['id'\]"):  # keys, but not with_pk
        insert_rows(CreditRecord, R_COLUMNS, [row])
    assert not CreditRecord.objects.exists()
