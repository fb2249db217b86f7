"""Import of the register: the service (parsing, validation, upsert, dry run, jobs) and the
management command. Pages are in test_import_views.py, the real worker in test_import_worker.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from credit_portal.models import AuditEvent, Department
from enterprises.models import CreditRecord, Enterprise, ImportJob
from enterprises.services import imports
from enterprises.services.imports import (
    ImportRefused,
    applying,
    enterprises_import,
    import_job_run,
    validating,
)
from enterprises.services.register import name_initials
from enterprises.xlsx import rows_to_xlsx, safe_cell
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, Kind, make_uscc

pytestmark = pytest.mark.django_db

ZH = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "former_names": "曾用名",
    "entity_type": "主体类型",
    "industry_division": "行业代码",
    "registered_on": "成立日期",
    "registration_authority": "登记机关",
    "address": "住所",
    "division": "所属街道",
    "legal_rep_name": "法定代表人",
    "legal_rep_id": "法定代表人证件号",
    "registered_capital": "注册资本(万元)",
    "business_scope": "经营范围",
    "department": "管辖部门",
}
FIELDS = list(ZH)
VALID_ID = "11010519491231002X"
FUTURE_DATE_MESSAGE = "成立日期不能晚于今天。"


def row(i: int, **over: Any) -> dict[str, Any]:
    """A valid register row number `i` (deterministic credit code)."""
    values = {
        "uscc": make_uscc(10_000 + i),
        "name": f"成都市双流区导入测试{i}号商贸有限公司",
        "former_names": "",
        "entity_type": "有限责任公司(自然人投资或控股)",
        "industry_division": "52",
        "registered_on": "2019-03-15",
        "registration_authority": "成都市双流区市场监督管理局",
        "address": f"四川省成都市双流区东升街道棠湖路{i}号",
        "division": "东升街道",
        "legal_rep_name": "王五",
        "legal_rep_id": VALID_ID,
        "registered_capital": "50",
        "business_scope": "日用百货销售",
        "department": "amr",
    }
    values.update(over)
    return values


def csv_bytes(
    rows: list[dict[str, Any]],
    *,
    headers: dict[str, str] | None = None,
    encoding: str = "utf-8",
) -> bytes:
    headers = headers or ZH
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([headers[f] for f in headers])
    for r in rows:
        writer.writerow([r.get(f, "") for f in headers])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], headers: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(data: bytes, name: str = "register.csv", **kwargs: Any) -> imports.ImportOutcome:
    return enterprises_import(
        file=io.BytesIO(data), file_name=name, actor=kwargs.pop("actor", None), **kwargs
    )


@pytest.fixture(autouse=True)
def _chinese(department):
    with translation.override("zh-hans"):
        yield


# --------------------------------------------------------------------------- formats


def test_utf8_csv_with_chinese_headers_creates_enterprises_with_ledger_record():
    outcome = run(
        csv_bytes([row(1), row(2, entity_type="个体工商户", uscc=make_uscc(7, entity_digit="2"))])
    )

    assert (outcome.total_rows, outcome.created, outcome.updated, outcome.error_rows) == (
        2,
        2,
        0,
        0,
    )
    first = Enterprise.objects.get(uscc=make_uscc(10_001))
    assert first.entity_type == Enterprise.EntityType.COMPANY
    assert first.name_initials == name_initials(first.name)
    assert first.legal_rep_id_masked == "1101**********002X"
    assert first.department.code == "amr"
    assert first.registered_on == dt.date(2019, 3, 15)
    second = Enterprise.objects.get(uscc=make_uscc(7, entity_digit="2"))
    assert second.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
    record = CreditRecord.objects.get(enterprise=first)
    assert (record.kind, record.is_public, record.occurred_on, record.source_id) == (
        Kind.REGISTRATION,
        True,
        dt.date(2019, 3, 15),
        str(first.pk),
    )
    assert record.summary == "设立登记（公司）"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk"])
def test_csv_in_utf8_with_bom_and_in_gb18030_is_read(encoding):
    outcome = run(csv_bytes([row(1)], encoding=encoding))

    assert outcome.created == 1
    assert Enterprise.objects.get().name == "成都市双流区导入测试1号商贸有限公司"


def test_gb18030_only_characters_survive():
    rare = "成都市双流区𠀾记小吃店"  # a CJK Extension B character: GB18030, not GBK
    run(csv_bytes([row(1, name=rare)], encoding="gb18030"))

    assert Enterprise.objects.get().name == rare


def test_xlsx_with_english_headers_and_typed_cells():
    headers = [
        "USCC",
        "Name",
        "Entity type",
        "Industry_Division",
        "registered_on",
        "registration_authority",
        "address",
        "division",
        "legal_rep_name",
        "registered_capital",
        "department",
    ]
    data = xlsx_bytes(
        [
            [
                make_uscc(5),
                "双流区英文表头测试有限公司",
                "company",
                52,
                dt.datetime(2018, 1, 2),  # noqa: DTZ001 - spreadsheet cells have no zone
                "成都市双流区市场监督管理局",
                "东升街道1号",
                "东升街道",
                "李四",
                100.0,
                "区市场监督管理局",
            ]
        ],
        headers,
    )

    outcome = run(data, "register.xlsx")

    assert (outcome.created, outcome.error_rows) == (1, 0)
    enterprise = Enterprise.objects.get()
    assert (enterprise.industry_division, enterprise.industry_section) == ("52", "F")
    assert enterprise.registered_on == dt.date(2018, 1, 2)
    assert enterprise.registered_capital == 100
    assert enterprise.department.code == "amr"  # found by its name


def test_empty_rows_are_skipped_and_rows_keep_spreadsheet_numbers():
    data = xlsx_bytes(
        [
            [row(1)[f] for f in FIELDS],
            [None] * len(FIELDS),
            [row(2, uscc="91510116MA000000")[f] for f in FIELDS],
        ],
        [ZH[f] for f in FIELDS],
    )

    outcome = run(data, "register.xlsx")

    assert outcome.total_rows == 2
    assert [e["row"] for e in outcome.errors] == [4]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("有限责任公司（自然人独资）", "company"),
        ("股份有限公司(非上市)", "company"),
        ("有限责任公司分公司", "branch"),
        ("有限合伙企业", "partnership"),
        ("个人独资企业", "sole_proprietorship"),
        ("公司", "company"),  # the Chinese label of Enterprise.EntityType
        ("Sole proprietorship", "sole_proprietorship"),
    ],
)
def test_entity_types_as_written_in_chinese_registers(written, expected):
    run(csv_bytes([row(1, entity_type=written)]))

    assert Enterprise.objects.get().entity_type == expected


# --------------------------------------------------------------------------- row errors


def test_row_errors_name_row_column_and_reason_in_chinese():
    bad_check = make_uscc(3)[:-1] + ("0" if make_uscc(3)[-1] != "0" else "1")
    outcome = run(
        csv_bytes(
            [
                row(1),
                row(2, uscc=bad_check),
                row(3, registered_on="2999-01-01", department="nowhere"),
                row(4, industry_division="99"),
            ]
        )
    )

    assert (outcome.created, outcome.error_rows) == (1, 3)
    by_row = {(e["row"], e["column"]): e["message"] for e in outcome.errors}
    assert "校验" in by_row[(3, "统一社会信用代码")]
    assert by_row[(4, "成立日期")] == FUTURE_DATE_MESSAGE
    assert "nowhere" in by_row[(4, "管辖部门")]
    assert "99" in by_row[(5, "行业代码")]
    assert Enterprise.objects.count() == 1


def test_error_column_is_the_header_as_written_in_the_file():
    headers = {**ZH, "uscc": "社会信用代码"}
    outcome = run(csv_bytes([row(1, uscc="123")], headers=headers))

    assert outcome.errors[0]["column"] == "社会信用代码"


def test_duplicate_code_in_one_file_is_an_error_on_the_later_row():
    outcome = run(csv_bytes([row(1), row(2), row(3, uscc=make_uscc(10_001))]))

    assert (outcome.created, outcome.error_rows) == (2, 1)
    assert outcome.errors == [
        {
            "row": 4,
            "uscc": make_uscc(10_001),
            "name": row(3)["name"],
            "column": "统一社会信用代码",
            "message": f"统一社会信用代码 {make_uscc(10_001)} 与本文件第 2 行重复。",
        }
    ]


def test_check_override_is_not_granted_by_an_import_but_known_historic_codes_pass():
    code = make_uscc(4)
    historic = code[:-1] + ("0" if code[-1] != "0" else "1")
    outcome = run(csv_bytes([row(1, uscc=historic)]))
    assert outcome.error_rows == 1
    EnterpriseFactory(uscc=historic, uscc_check_overridden=True, name="旧名")

    outcome = run(csv_bytes([row(1, uscc=historic)]))

    assert (outcome.error_rows, outcome.updated) == (0, 1)


# --------------------------------------------------------------------------- upsert


def test_same_file_twice_changes_nothing_the_second_time():
    data = csv_bytes([row(i) for i in range(1, 6)])
    first = run(data)
    events = AuditEvent.objects.count()
    versions = list(Enterprise.objects.order_by("pk").values_list("version", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        second = run(data)

    assert (first.created, first.updated) == (5, 0)
    statements = " ".join(q["sql"] for q in queries.captured_queries)
    assert "FOR UPDATE" not in statements  # nothing differs, nothing is locked
    assert "INSERT" not in statements
    assert "UPDATE " not in statements.replace("FOR UPDATE", "")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert AuditEvent.objects.count() == events
    assert CreditRecord.objects.count() == 5
    assert list(Enterprise.objects.order_by("pk").values_list("version", "updated_at")) == versions


def test_changed_rows_update_only_what_differs_and_are_audited(user_with_perms):
    actor = user_with_perms()
    run(csv_bytes([row(1), row(2)]))
    DepartmentFactory(code="eco", name="区生态环境局")

    outcome = run(
        csv_bytes([row(1, address="新地址8号", department="区生态环境局"), row(2)]), actor=actor
    )

    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 1)
    changed = Enterprise.objects.get(uscc=make_uscc(10_001))
    assert (changed.address, changed.department.code, changed.version) == ("新地址8号", "eco", 2)
    assert Enterprise.objects.get(uscc=make_uscc(10_002)).version == 1
    event = AuditEvent.objects.filter(event_type="enterprises.import_applied").latest("id")
    assert event.actor == actor
    assert event.extra["created"] == []
    assert event.extra["updated"] == {
        make_uscc(10_001): {
            "address": ["四川省成都市双流区东升街道棠湖路1号", "新地址8号"],
            "department": ["amr", "eco"],
        }
    }
    assert event.extra["counts"] == {"created": 0, "updated": 1, "unchanged": 1}
    # The address is a licence item: a change of registration in the ledger (the department,
    # an internal assignment, is not); the unchanged row gets none.
    (change,) = CreditRecord.objects.filter(kind="registration_change")
    assert change.enterprise == changed
    assert change.details == {
        "changes": {"address": ["四川省成都市双流区东升街道棠湖路1号", "新地址8号"]},
        "entity_type": "company",
    }
    assert (change.is_public, change.recorded_by) == (True, actor)
    # The same file again: nothing more.
    run(csv_bytes([row(1, address="新地址8号", department="区生态环境局"), row(2)]), actor=actor)
    assert CreditRecord.objects.filter(kind="registration_change").count() == 1
    # A deregistered entity's data is corrected, not changed: no record.
    Enterprise.objects.filter(pk=changed.pk).update(status="deregistered")
    corrected = run(
        csv_bytes([row(1, address="更正的地址9号", department="区生态环境局"), row(2)]), actor=actor
    )
    assert corrected.updated == 1
    assert Enterprise.objects.get(pk=changed.pk).address == "更正的地址9号"
    assert CreditRecord.objects.filter(kind="registration_change").count() == 1


def test_absent_columns_are_left_alone_and_empty_cells_clear_optional_fields():
    run(csv_bytes([row(1, business_scope="餐饮服务")]))
    without_scope = {k: v for k, v in ZH.items() if k != "business_scope"}

    assert run(csv_bytes([row(1)], headers=without_scope)).unchanged == 1
    assert Enterprise.objects.get().business_scope == "餐饮服务"
    assert run(csv_bytes([row(1, business_scope="", legal_rep_id="")])).updated == 1
    enterprise = Enterprise.objects.get()
    assert enterprise.business_scope == ""
    assert enterprise.legal_rep_id_masked == "1101**********002X"  # an empty id cell keeps it


def test_rename_keeps_the_old_name_as_former_name_and_stays_idempotent():
    run(csv_bytes([row(1, former_names="最早的名字")]))
    renamed = csv_bytes([row(1, name="双流区新名字有限公司", former_names="最早的名字")])

    assert run(renamed).updated == 1
    enterprise = Enterprise.objects.get()
    assert enterprise.former_names == ["成都市双流区导入测试1号商贸有限公司", "最早的名字"]
    assert enterprise.name_initials == name_initials("双流区新名字有限公司")
    assert run(renamed).unchanged == 1


def test_new_rows_cost_a_constant_number_of_queries():
    """Bulk writes: one chunk of 3 rows and one of 12 rows cost the same queries.

    Departments, overridden codes, old registration numbers, the bars on legal representatives
    active today (issue 15: one query, the enterprises holding a barred number read only when
    there is a bar), savepoint, existing rows, the
    enterprises, then the ledger's derived append of their registrations (savepoint, the two
    temporary tables made if missing and emptied, four statements on SQLite; staging table
    filled by INSERT ... SELECT, the facts' rules, unknown enterprises, lock, facts already
    recorded, closings, records, their copy in the second table, state refresh, release), the
    summary audit event, the per-enterprise audit events, release: 24 on SQLite. On
    PostgreSQL the enterprises go in with COPY, which the query log does not see, the
    temporary tables are made and emptied in one round trip, and the records go into the
    ledger straight from the SELECT: one statement also checks the facts' rules and the
    enterprises, locks, and keeps the records written in the second table, which is then
    analysed for the state refresh, run with the JIT compiler off (set and reset); release:
    17; and one INSERT ... SELECT of the pending rows per subscriber of the ledger (issue 15:
    the directory's, remediation.directory; issue 16: the classification's, risk.jobs). Less
    the departments, which the count leaves out: 24 and 16, plus one per subscriber.
    """
    from enterprises.subscriptions import subscriber_names

    run(csv_bytes([row(0)]))  # warm caches (content types)
    counts = []
    for start, size in ((100, 3), (200, 12)):
        data = csv_bytes([row(start + i) for i in range(size)])
        with CaptureQueriesContext(connection) as queries:
            assert run(data).created == size
        # The departments are read by whichever thread validates first (the validating thread
        # has a connection of its own): not counted, they are one query in any case.
        counts.append(
            sum("credit_portal_department" not in q["sql"] for q in queries.captured_queries)
        )
    expected = (16 if connection.vendor == "postgresql" else 24) + len(subscriber_names())
    assert len(subscriber_names()) >= 2  # the directory's and the classification's
    assert counts == [expected, expected]


def test_text_with_tabs_newlines_and_backslashes_is_stored_as_written():
    """COPY's special characters survive; line ends are stored as LF (CR and CRLF alike)."""
    scope = "日用百货\t销售\r\n第二行\r\\N 反斜杠\\"
    name = "双流区\\N反斜杠\t制表有限公司"
    run(csv_bytes([row(1, business_scope=scope, name=name)]))

    enterprise = Enterprise.objects.get()
    stored = "日用百货\t销售\n第二行\n\\N 反斜杠\\"
    assert (enterprise.business_scope, enterprise.name) == (stored, name)
    assert CreditRecord.objects.get(enterprise=enterprise).details == {
        "status": "operating",
        "entity_type": "company",
    }


def test_a_dry_run_prepares_no_copy_lines(monkeypatch):
    def no_lines(model, values):
        raise AssertionError("a dry run writes nothing")

    monkeypatch.setattr(validating, "copy_line_of", no_lines)
    outcome = run(csv_bytes([row(1), row(2)]), dry_run=True)
    assert outcome.created == 2 and not Enterprise.objects.exists()


def test_new_rows_are_stamped_with_the_time_of_the_write():
    """COPY lines made ahead of time carry a placeholder for auto_now(_add) columns."""
    before = timezone.now()
    run(csv_bytes([row(1), row(2)]))
    after = timezone.now()
    for enterprise in Enterprise.objects.all():
        assert before <= enterprise.created_at <= enterprise.updated_at <= after
    for record in CreditRecord.objects.all():
        assert before <= record.recorded_at <= after


def test_chunks_commit_with_one_audit_event_each(user_with_perms):
    actor = user_with_perms()
    outcome = run(csv_bytes([row(i) for i in range(5)]), actor=actor, chunk_size=2)

    events = AuditEvent.objects.filter(event_type="enterprises.import_applied").order_by("id")
    assert outcome.created == 5
    assert [e.extra["counts"]["created"] for e in events] == [2, 2, 1]
    assert {e.actor for e in events} == {actor}
    assert [e.extra["rows"] for e in events] == [[2, 3], [4, 5], [6, 6]]


def test_a_chunk_that_meets_a_concurrent_insert_is_retried_once(monkeypatch):
    """An IntegrityError in a chunk (another import created the same code meanwhile) rolls the
    chunk back and runs it again, with counts not doubled. Raised at the ledger insert, after
    the enterprises went in, so the retry must write them again."""
    original = applying.credit_facts_append_derived
    calls = {"n": 0}

    def conflict_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return original(**kwargs)

    monkeypatch.setattr(applying, "credit_facts_append_derived", conflict_once)

    outcome = run(csv_bytes([row(1), row(2)]))

    assert (outcome.created, outcome.processed_rows, calls["n"]) == (2, 2, 2)
    assert Enterprise.objects.count() == 2
    assert CreditRecord.objects.filter(enterprise__in=Enterprise.objects.all()).count() == 2
    assert AuditEvent.objects.filter(event_type="enterprises.import_applied").count() == 1


# --------------------------------------------------------------------------- dry run


def test_dry_run_counts_and_writes_nothing():
    run(csv_bytes([row(1)]))
    before = (Enterprise.objects.count(), CreditRecord.objects.count(), AuditEvent.objects.count())

    outcome = run(
        csv_bytes([row(1), row(2), row(3, address="改"), row(4, uscc="bad")]), dry_run=True
    )

    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.error_rows) == (2, 0, 1, 1)
    assert (
        Enterprise.objects.count(),
        CreditRecord.objects.count(),
        AuditEvent.objects.count(),
    ) == before


# --------------------------------------------------------------------------- refused files


def _refusal(data: bytes, name: str = "register.csv") -> str:
    with pytest.raises(ImportRefused) as info:
        run(data, name)
    assert Enterprise.objects.count() == 0
    return info.value.message


def test_too_large_file_is_refused_whole(settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "IMPORT_MAX_BYTES": 2 * 1024 * 1024}
    data = csv_bytes([row(i) for i in range(3)])
    padding = b"\n" * (2 * 1024 * 1024)

    assert "大于 2 MB" in _refusal(data + padding)


def test_too_many_rows_are_refused_whole(settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "IMPORT_MAX_ROWS": 3}
    rows = [row(i) for i in range(4)]
    workbook = xlsx_bytes([[r[f] for f in FIELDS] for r in rows], [ZH[f] for f in FIELDS])

    assert "超过 3 行" in _refusal(csv_bytes(rows))
    assert "超过 3 行" in _refusal(workbook, "register.xlsx")
    assert (
        run(
            xlsx_bytes([[r[f] for f in FIELDS] for r in rows[:3]], [ZH[f] for f in FIELDS]),
            "register.xlsx",
        ).created
        == 3
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(csv_bytes([row(1)]).decode().encode("utf-16"), id="utf-16"),
        pytest.param(b"\xff\xfe\xfa\x00" * 50, id="binary"),
        pytest.param("name,café\n".encode("latin-1") + b"\xe9\n", id="latin-1"),
    ],
)
def test_unknown_encoding_is_refused_with_a_clear_message(data):
    message = _refusal(data)

    assert "编码" in message
    assert "UTF-8" in message


def test_unknown_and_missing_headers_are_refused():
    unknown = {**ZH, "extra": "备注"}
    assert "备注" in _refusal(csv_bytes([row(1)], headers=unknown))
    missing = {k: v for k, v in ZH.items() if k not in {"name", "department"}}
    message = _refusal(csv_bytes([row(1)], headers=missing))
    assert "企业名称" in message
    assert "管辖部门" in message


def test_duplicate_headers_are_refused():
    data = "统一社会信用代码,信用代码\n1,2\n".encode()
    assert "信用代码" in _refusal(data)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("register.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
        ("register.txt", b"a,b\n", ".csv"),
        ("register.xlsx", b"not a zip at all", "XLSX"),
        ("register.csv", b"   \n", "空"),
    ],
)
def test_wrong_file_types_are_refused(name, data, words):
    assert words in _refusal(data, name)


def test_damaged_workbook_is_refused():
    import zipfile

    good = xlsx_bytes([[row(i)[f] for f in FIELDS] for i in range(3)], [ZH[f] for f in FIELDS])
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # cut off in the middle of the rows
            target.writestr(item, content)

    message = _refusal(damaged.getvalue(), "register.xlsx")

    assert "XLSX" in message or "无法读取" in message


# --------------------------------------------------------------------------- jobs


def _job(user, data: bytes, name: str = "register.csv", **fields: Any) -> ImportJob:
    from django.core.files.base import ContentFile

    job = ImportJob(original_name=name, created_by=user, **fields)
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


def test_job_run_records_counts_errors_and_is_not_rerun_once_finished(user_with_perms):
    user = user_with_perms()
    job = _job(user, csv_bytes([row(1), row(2), row(3, uscc="X")]))

    assert import_job_run(job_id=job.pk, chunk_size=2) == "done"
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == ("done", 3, 3)
    assert (job.created_count, job.updated_count, job.error_count) == (2, 0, 1)
    assert job.errors[0]["row"] == 4
    assert job.started_at and job.finished_at
    finished_at = job.finished_at

    assert import_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert Enterprise.objects.count() == 2


def test_job_killed_midway_reruns_and_applied_rows_come_out_unchanged(user_with_perms):
    user = user_with_perms()
    rows = [row(i) for i in range(6)]
    job = _job(user, csv_bytes(rows), status=ImportJob.Status.RUNNING, processed_rows=2)
    run(csv_bytes(rows[:2]))  # what the killed run had committed

    assert import_job_run(job_id=job.pk, chunk_size=2) == "done"

    job.refresh_from_db()
    assert (job.created_count, job.unchanged_count, job.processed_rows) == (4, 2, 6)
    assert Enterprise.objects.count() == 6


def test_a_run_replaced_by_a_newer_run_stops(user_with_perms, monkeypatch):
    user = user_with_perms()
    job = _job(user, csv_bytes([row(i) for i in range(6)]))
    original = applying._apply_chunk
    calls = {"n": 0}

    def apply_then_take_over(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:  # another worker takes the job over during the second chunk
            ImportJob.objects.filter(pk=job.pk).update(lease_owner="another-worker")

    monkeypatch.setattr(applying, "_apply_chunk", apply_then_take_over)

    assert import_job_run(job_id=job.pk, chunk_size=2) == "superseded"
    assert Enterprise.objects.count() == 2  # the second chunk rolled back


def test_refused_file_fails_the_job_with_the_reason(user_with_perms):
    job = _job(user_with_perms(), "名称\n".encode())

    assert import_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert "统一社会信用代码" in job.message
    assert job.finished_at is not None


def test_stored_errors_are_capped_with_a_note(user_with_perms, monkeypatch):
    monkeypatch.setattr(applying, "MAX_STORED_ERRORS", 2)
    job = _job(user_with_perms(), csv_bytes([row(i, uscc=f"BAD{i}") for i in range(4)]))

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (len(job.errors), job.error_count) == (2, 4)
    assert "2" in job.message and "4" in job.message


def test_dry_run_job_writes_nothing_but_its_counts(user_with_perms):
    job = _job(user_with_perms(), csv_bytes([row(1), row(2)]), dry_run=True)

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    assert Enterprise.objects.count() == 0
    assert not AuditEvent.objects.filter(event_type="enterprises.import_applied").exists()


# --------------------------------------------------------------------------- command


def test_command_imports_and_prints_a_summary(tmp_path, user_with_perms):
    user = user_with_perms(username="registrar1")
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes([row(1), row(2)], encoding="gb18030"))
    out = io.StringIO()

    call_command("import_enterprises", str(path), "--user", "registrar1", stdout=out)

    assert "新增 2" in out.getvalue()
    assert Enterprise.objects.count() == 2
    event = AuditEvent.objects.get(event_type="enterprises.import_applied")
    assert event.actor == user
    assert event.extra["file"] == "名录.csv"


def test_command_prints_errors_and_exits_non_zero(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(1), row(2, registered_on="2020-13-40")]))
    out = io.StringIO()

    with pytest.raises(CommandError, match="1"):
        call_command("import_enterprises", str(path), stdout=out)

    assert "3\t成立日期\t" in out.getvalue()
    assert Enterprise.objects.count() == 1  # row by row: the valid row is in


def test_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(1)]))
    out = io.StringIO()

    call_command("import_enterprises", str(path), "--dry-run", stdout=out)

    assert "试运行" in out.getvalue()
    assert Enterprise.objects.count() == 0


def test_command_refuses_unknown_user_and_bad_files(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(b"\xff\xfe\x00\x00garbage")
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_enterprises", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="编码"):
        call_command("import_enterprises", str(path))
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(tmp_path / "missing.csv"))


def test_command_runs_an_upload_job(user_with_perms):
    job = _job(user_with_perms(), csv_bytes([row(1)]))
    out = io.StringIO()

    call_command("import_enterprises", "--job", str(job.pk), stdout=out)

    assert "新增 1" in out.getvalue()


# --------------------------------------------------------------------------- xlsx helper


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("'=1", "''=1"),  # already an apostrophe: kept, so that reading back is exact
        ("'普通", "'普通"),
        ("正常文本", "正常文本"),
        ("a\x01b", "ab"),
        (-5, -5),
        (None, None),
        (dt.date(2020, 1, 1), dt.date(2020, 1, 1)),
    ],
)
def test_safe_cell_escapes_formulas(value, expected):
    from enterprises.xlsx import cell_unescaped

    assert safe_cell(value) == expected
    if isinstance(value, str) and "\x01" not in value:
        assert cell_unescaped(safe_cell(value)) == value  # an export reads back as it was


def test_xlsx_rows_are_written_as_text_not_formulas():
    content = rows_to_xlsx(headers=["=bad header", "b"], rows=[["=1+1", 2]])

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == ["'=bad header", "b"]
    assert sheet["A2"].value == "'=1+1"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 2


def test_departments_are_preloaded_once(django_assert_max_num_queries):
    """The bound: the constant queries of a chunk (see the test above: 24 on SQLite, one per
    ledger subscriber on top) and the departments, read once; never one per row or per
    department."""
    from enterprises.subscriptions import subscriber_names

    Department.objects.get_or_create(code="eco", defaults={"name": "区生态环境局"})
    data = csv_bytes([row(i, department="eco" if i % 2 else "区市场监督管理局") for i in range(20)])
    with django_assert_max_num_queries(25 + len(subscriber_names())):
        outcome = run(data)
    assert outcome.created == 20


def test_each_imported_enterprise_has_the_change_in_its_own_history(user_with_perms):
    """Review D2: the staff detail page reads audit events by enterprise."""
    from credit_portal.models import AuditEvent
    from enterprises.selectors import audit_events_for

    actor = user_with_perms()
    run(csv_bytes([row(1)]), actor=actor)
    run(csv_bytes([row(1, address="四川省成都市双流区新地址8号")]), actor=actor)
    ent = Enterprise.objects.get()
    types = [e.event_type for e in audit_events_for(enterprise=ent)]
    assert types == ["enterprises.enterprise_changed", "enterprises.enterprise_created"]
    changed = AuditEvent.objects.get(event_type="enterprises.enterprise_changed")
    assert changed.actor == actor
    assert changed.extra["new"]["address"] == "四川省成都市双流区新地址8号"
    # Written with COPY on PostgreSQL: every column as an ordinary insert would write it.
    created = AuditEvent.objects.get(event_type="enterprises.enterprise_created")
    assert (created.actor, created.enterprise_id) == (actor, ent.pk)
    assert (created.target_type, created.target_id) == ("enterprises.enterprise", str(ent.pk))
    assert created.target_repr == str(ent)
    assert created.extra == {"import_job": None, "import_file": "register.csv"}
    assert created.ip_address is None and created.occurred_at <= changed.occurred_at


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_database_writes_what_enterprise_create_would(user_with_perms, language):
    """The ledger record and the audit event of each new enterprise are made by INSERT ...
    SELECT, not by the Python that `enterprise_create` uses: the same values, column by column,
    for every entity type (the summary names it), the request's id and client address, the time
    of the write, the file's order, and a name long enough to be cut short."""
    from django_guid import clear_guid, set_guid

    from credit_portal.middleware import _client_ip
    from enterprises.services.register import registration_fact

    actor = user_with_perms()
    types = {  # Chinese header value -> the credit code's entity digit
        "有限责任公司": "1",
        "分公司": "1",
        "合伙企业": "1",
        "个人独资企业": "1",
        "农民专业合作社": "3",
        "个体工商户": "2",
    }
    rows = [
        row(i, entity_type=label, uscc=make_uscc(500 + i, entity_digit=digit))
        for i, (label, digit) in enumerate(types.items())
    ]
    # 195 characters: the repr (name, " (", code, ")") is cut at 200, inside the code.
    rows[0]["name"] = "成都" * 95 + "有限公司店"
    token = _client_ip.set("2001:db8::7")
    set_guid("0f6c3e1d9b2a4c5e8f7a6b5c4d3e2f10")
    before = timezone.now()
    try:
        with translation.override(language):
            outcome = run(csv_bytes(rows), actor=actor)
    finally:
        clear_guid()
        _client_ip.reset(token)
    after = timezone.now()
    assert outcome.created == len(types), outcome.errors
    with translation.override(language):
        enterprises = list(Enterprise.objects.order_by("uscc"))
        assert {e.entity_type for e in enterprises} == set(Enterprise.EntityType.values)
        skip = {"id", "recorded_at"}
        for enterprise in enterprises:
            record = CreditRecord.objects.get(enterprise=enterprise)
            assert before <= record.recorded_at <= after
            # The fact enterprise_create appends (the same function, through the single path).
            fact = registration_fact(
                enterprise_id=enterprise.pk,
                entity_type=enterprise.entity_type,
                registered_on=enterprise.registered_on,
                registration_authority=enterprise.registration_authority,
            )
            source_app, source_model, source_id = fact.source
            expected = {
                **{k: v for k, v in vars(fact).items() if k != "source"},
                "source_app": source_app,
                "source_model": source_model,
                "source_id": source_id,
                "recorded_by_id": actor.pk,
            }
            for f in CreditRecord._meta.concrete_fields:
                if f.attname not in skip:
                    assert getattr(record, f.attname) == expected[f.attname], f.attname
            event = AuditEvent.objects.get(
                event_type="enterprises.enterprise_created", enterprise=enterprise
            )
            assert (event.target_type, event.target_id) == (
                "enterprises.enterprise",
                str(enterprise.pk),
            )
            assert event.target_repr == str(enterprise)[:200]
            assert (event.actor, event.extra) == (
                actor,
                {"import_job": None, "import_file": "register.csv"},
            )
            assert event.request_id == "0f6c3e1d9b2a4c5e8f7a6b5c4d3e2f10"
            assert event.ip_address == "2001:db8::7" and before <= event.occurred_at <= after
    long_name = Enterprise.objects.get(uscc=rows[0]["uscc"])
    assert len(str(long_name)) == 216 and str(long_name)[199] == long_name.uscc[2]
    # Keys in the order of the file, as the enterprises' own.
    in_file_order = list(Enterprise.objects.order_by("id").values_list("id", flat=True))
    assert list(CreditRecord.objects.order_by("id").values_list("enterprise", flat=True)) == (
        in_file_order
    )
    created = AuditEvent.objects.filter(event_type="enterprises.enterprise_created")
    assert list(created.order_by("id").values_list("enterprise", flat=True)) == in_file_order


def test_an_old_registration_number_of_another_entity_is_a_row_error():
    """Review D3: two rows (or a row and the register) may not share an old number."""
    from tests.enterprises.factories import make_regno

    headers = {**ZH, "legacy_reg_no": "原注册号"}
    number = make_regno(9)
    outcome = run(
        csv_bytes([row(1, legacy_reg_no=number), row(2, legacy_reg_no=number)], headers=headers)
    )
    assert outcome.created == 1
    assert [(e["row"], e["column"]) for e in outcome.errors] == [(3, "原注册号")]
    again = run(csv_bytes([row(3, legacy_reg_no=number)], headers=headers))
    assert (again.created, again.error_rows) == (0, 1)
    assert Enterprise.objects.filter(legacy_reg_no=number).count() == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_export_header_reads_back_as_its_own_field(language):
    """An export header that is also an import header must mean the same field there."""
    from django.utils import translation

    from enterprises.services.export import export_columns
    from enterprises.services.imports import reading as imports

    fields, ignored = imports._export_headers()
    with translation.override(language):
        for column, label, _width in export_columns(include_risk=True):
            key = imports._header_key(label)
            expected = imports._EXPORT_COLUMN_FIELDS.get(column)
            found = imports.HEADER_ALIASES.get(key) or fields.get(key)
            assert found == expected, (column, label)
            assert (key in ignored) == (expected is None), (column, label)


def test_a_file_with_headers_and_no_data_is_refused():
    """Tester: an empty template came back "done, 0 of 0 rows, all rows valid"."""
    blank = ["", "", ""]
    workbook = xlsx_bytes([blank], [ZH[f] for f in FIELDS])
    for data, name in ((csv_bytes([]), "register.csv"), (workbook, "register.xlsx")):
        assert "只有表头，没有数据行" in _refusal(data, name)
    assert not Enterprise.objects.exists() and not AuditEvent.objects.exists()
