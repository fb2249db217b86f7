"""Staff import pages: upload, job detail and progress, error report, template, permissions."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credit_portal.models import AuditEvent
from enterprises.models import Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from tests.enterprises.test_import import ZH, csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(client, user_with_perms):
    user = user_with_perms(EnterprisePerm.IMPORT, EnterprisePerm.VIEW, username="importer")
    client.force_login(user)
    return user


def upload(client, data: bytes, name: str = "名录.csv", dry_run: bool = False):
    payload = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(reverse("enterprises:import"), payload)


def _job(user, **fields) -> ImportJob:
    return ImportJob.objects.create(**{"original_name": "x.csv", "created_by": user, **fields})


def test_upload_runs_the_job_and_the_detail_page_shows_counts_and_errors(
    client, importer, django_capture_on_commit_callbacks
):
    data = csv_bytes([row(1), row(2), row(3, registered_on="2020-02-30")], encoding="gb18030")

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:import_detail", args=[job.pk])
    assert (job.status, job.created_count, job.error_count, job.original_name) == (
        "done",
        2,
        1,
        "名录.csv",
    )
    assert Enterprise.objects.count() == 2
    event = AuditEvent.objects.get(event_type="enterprises.import_applied")
    assert event.actor == importer
    assert event.target_id == str(job.pk)
    assert event.target_repr == f"名录.csv (#{job.pk})"  # no status, which would go stale

    page = client.get(response["Location"]).content.decode()
    assert "名录.csv" in page
    assert "已完成" in page
    assert "有错误的行" in page
    assert ">成立日期</td>" in page
    assert row(3)["uscc"] in page  # the row's code: the clerk finds it without the file
    assert "下载错误报告" in page

    progress = client.get(reverse("enterprises:import_progress", args=[job.pk])).json()
    assert progress == {
        "status": "done",
        "status_display": "已完成",
        "finished": True,
        "total_rows": 3,
        "processed_rows": 3,
        "percent": 100,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "error_rows": 1,
        "message": "",
    }

    report = client.get(reverse("enterprises:import_errors", args=[job.pk]))
    assert report["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("行号", "统一社会信用代码", "名称", "列", "错误信息")
    assert rows[1][:4] == (4, row(3)["uscc"], row(3)["name"], "成立日期")
    assert "日期" in rows[1][4]


def test_dry_run_upload_writes_no_enterprise_and_no_audit(
    client, importer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes([row(1)]), dry_run=True)

    job = ImportJob.objects.get()
    assert (job.dry_run, job.status, job.created_count) == (True, "done", 1)
    assert Enterprise.objects.count() == 0
    assert not AuditEvent.objects.filter(event_type="enterprises.import_applied").exists()
    page = client.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()
    assert "将新增" in page
    assert "未向名录写入任何数据" in page


def test_upload_queues_the_task_on_commit(client, importer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        upload(client, csv_bytes([row(1)]))

    assert len(callbacks) == 1
    assert ImportJob.objects.get().status == "pending"


def test_too_large_upload_gets_a_form_error(client, importer, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "IMPORT_MAX_BYTES": 1024 * 1024}

    response = upload(client, csv_bytes([row(1)]) + b"\n" * (1024 * 1024))

    assert response.status_code == 400
    assert "文件大于 1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("名录.pdf", b"%PDF-1.4", "只能导入 .csv 或 .xlsx 文件"),
        ("名录.csv", "统一社会信用代码\n1\n".encode("utf-16"), "无法识别文件的文字编码"),
        ("名录.csv", "代码,名字\n1,2\n".encode(), "无法识别的列名"),
        ("名录.xlsx", b"PK\x03\x04broken", "不是有效的 XLSX"),
    ],
)
def test_bad_files_get_a_clear_form_error(client, importer, name, data, message):
    response = upload(client, data, name)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_missing_file_is_a_form_error(client, importer):
    response = client.post(reverse("enterprises:import"), {})

    assert response.status_code == 400
    assert "field--error" in response.content.decode()


def test_upload_page_explains_the_format_and_lists_jobs(client, importer):
    _job(importer, status="done", created_count=7, original_name="<script>x</script>.csv")

    page = client.get(reverse("enterprises:import")).content.decode()

    assert "导入企业名录" in page
    assert "统一社会信用代码" in page
    assert reverse("enterprises:import_template") in page
    assert "&lt;script&gt;x&lt;/script&gt;.csv" in page
    assert "<script>x</script>" not in page


def test_template_download_is_accepted_by_the_import(
    client, importer, django_capture_on_commit_callbacks
):
    response = client.get(reverse("enterprises:import_template"))

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[:2] == ["统一社会信用代码", "企业名称"]
    assert "区市场监督管理局" in [c.value for c in book.worksheets[3]["B"]]
    sheet = book.worksheets[0]
    values = {**row(1), "industry_section": "F", "former_names": "", "legacy_reg_no": ""}
    by_header = {zh: values[f] for f, zh in ZH.items()}
    sheet.append([by_header.get(h, "") for h in headers])
    filled = io.BytesIO()
    book.save(filled)

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, filled.getvalue(), "模板.xlsx")

    job = ImportJob.objects.get()
    assert (job.status, job.created_count, job.error_count) == ("done", 1, 0), job.errors


def test_error_report_escapes_formulas(client, importer):
    job = _job(
        importer,
        status="done",
        error_count=1,
        errors=[
            {
                "row": 2,
                "uscc": "+1",
                "name": '=HYPERLINK("http://x")',
                "column": "=cmd|' /C calc'!A0",
                "message": "@SUM(1+1)",
            }
        ],
    )

    response = client.get(reverse("enterprises:import_errors", args=[job.pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == [
        2,
        "'+1",
        '\'=HYPERLINK("http://x")',
        "'=cmd|' /C calc'!A0",
        "'@SUM(1+1)",
    ]
    assert sheet["B2"].data_type == "s"


def test_error_report_of_a_job_from_before_the_code_column(client, importer):
    """Jobs stored before errors carried the row's code and name still give their report."""
    job = _job(
        importer,
        status="done",
        error_count=1,
        errors=[{"row": 3, "column": "成立日期", "message": "x"}],
    )
    response = client.get(reverse("enterprises:import_errors", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == [3, None, None, "成立日期", "x"]


def test_running_job_page_polls_progress(client, importer):
    job = _job(importer, status="running", total_rows=200, processed_rows=50)

    page = client.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()

    assert 'data-running="1"' in page
    assert reverse("enterprises:import_progress", args=[job.pk]) in page
    assert "js/import.js" in page
    assert 'max="100" value="25"' in page  # a <progress> element
    progress = client.get(reverse("enterprises:import_progress", args=[job.pk])).json()
    assert (progress["percent"], progress["finished"]) == (25, False)


def test_static_script_is_served(client, importer):
    response = client.get("/static/js/import.js")
    assert response.status_code == 200


def _urls(job_pk: int) -> list[str]:
    return [
        reverse("enterprises:import"),
        reverse("enterprises:import_template"),
        reverse("enterprises:import_detail", args=[job_pk]),
        reverse("enterprises:import_progress", args=[job_pk]),
        reverse("enterprises:import_errors", args=[job_pk]),
    ]


def test_anonymous_users_go_to_the_login_page(client, user_with_perms):
    job = _job(user_with_perms())
    for url in _urls(job.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert client.post(reverse("enterprises:import"), {}).status_code == 302


def test_staff_without_the_import_permission_get_403(client, user_with_perms):
    user = user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.CHANGE)
    client.force_login(user)
    job = _job(user)
    for url in _urls(job.pk):
        assert client.get(url).status_code == 403, url
    response = upload(client, csv_bytes([row(1)]))
    assert response.status_code == 403
    assert ImportJob.objects.count() == 1


def test_users_with_the_permission_see_every_job_and_unknown_jobs_are_404(
    client, importer, user_with_perms
):
    other = _job(user_with_perms(), status="done")
    for url in _urls(other.pk):
        assert client.get(url).status_code == 200, url
    for url in _urls(other.pk + 1000)[2:]:
        assert client.get(url).status_code == 404, url


def test_job_list_query_count_is_constant(
    client, importer, user_with_perms, django_assert_num_queries
):
    url = reverse("enterprises:import")
    others = [user_with_perms() for _ in range(3)]
    for batch in (2, 25):
        for i in range(batch):
            _job(others[i % 3], status="done", total_rows=i)
        # session, user, user and group permissions, jobs with their uploader, and the
        # navigation's enterprise-membership check
        with django_assert_num_queries(6):
            response = client.get(url)
        assert response.status_code == 200


def test_the_uploaded_file_is_deleted_when_its_job_ends(
    client, user_with_perms, django_capture_on_commit_callbacks
):
    """Review S3: uploads carry unmasked identity numbers."""
    from django.core.files.storage import default_storage

    from enterprises.models import ImportJob
    from enterprises.permissions import EnterprisePerm
    from tests.enterprises.test_import import csv_bytes, row

    client.force_login(user_with_perms(EnterprisePerm.IMPORT))
    saved: list[str] = []
    save = default_storage.save

    def save_recorded(name, content, **kwargs):
        saved.append(save(name, content, **kwargs))
        return saved[-1]

    with (
        mock.patch.object(default_storage, "save", save_recorded),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert upload(client, csv_bytes([row(1)])).status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "done"
    assert len(saved) == 1 and not default_storage.exists(saved[0])
    assert not job.file


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_register_export_imports_back_unchanged(
    client, user_with_perms, django_capture_on_commit_callbacks, language
):
    """Export, correct in a spreadsheet, import: the export's own file is accepted as it is.
    Its read-only columns (status, abnormal flags, masked identity numbers, risk) are ignored."""
    from tests.enterprises.factories import EnterpriseFactory

    EnterpriseFactory(former_names=["成都老字号有限公司", "双流老字号"], registered_capital=None)
    # Escaped against formula injection in the export ('=...), read back as it was (tester 3).
    EnterpriseFactory(name='=HYPERLINK("http://x","点我")有限公司', business_scope="-1+1 @销售")
    EnterpriseFactory(
        individual_business=True,
        status=Enterprise.Status.SUSPENDED,
        suspended_from=dt.date(2026, 1, 1),
        suspended_until=dt.date(2026, 12, 31),
    )
    user = user_with_perms(
        EnterprisePerm.IMPORT,
        EnterprisePerm.VIEW,
        EnterprisePerm.EXPORT,
        "enterprises.view_risk",
        username="clerk",
    )
    client.force_login(user)
    client.cookies["cp_language"] = language
    export = client.get(reverse("enterprises:export"))
    assert export.status_code == 200
    data = b"".join(export.streaming_content)
    payload = {"file": SimpleUploadedFile("register.xlsx", data), "dry_run": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:import"), payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    assert (job.status, job.error_count, job.message) == ("done", 0, "")
    assert (job.total_rows, job.unchanged_count, job.updated_count) == (3, 3, 0)
