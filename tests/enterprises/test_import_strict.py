"""Import strictness (issue 13): an entity type is one of the accepted names, not a text that
contains one; an import's changes name their import job in the enterprise's audit history."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from credit_portal.models import AuditEvent
from credit_portal.permissions import CorePerm
from enterprises.models import Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from tests.enterprises.test_import import csv_bytes, row

pytestmark = pytest.mark.django_db


def _import_file(tmp_path, rows) -> tuple[str, bool]:
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()
    try:
        with translation.override("zh-hans"):
            call_command("import_enterprises", str(path), stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


@pytest.mark.parametrize("written", ["股份公司X", "公司X", "有限公司", "个体", "合作社"])
def test_an_entity_type_containing_an_accepted_name_is_refused_with_the_accepted_names(
    tmp_path, department, written
):
    out, ok = _import_file(tmp_path, [row(1, entity_type=written)])
    assert not ok
    assert Enterprise.objects.count() == 0
    assert f"未知的主体类型：{written}。" in out
    for name in (
        "有限责任公司",
        "分公司",
        "合伙企业",
        "个人独资企业",
        "农民专业合作社",
        "个体工商户",
    ):
        assert name in out


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("有限责任公司（自然人投资或控股）", "company"),  # the licence's qualifier in brackets
        ("股份有限公司(非上市、自然人投资或控股)", "company"),
        ("有限责任公司分公司", "branch"),
        ("农民专业合作社", "farmers_coop"),
        ("Sole proprietorship", "sole_proprietorship"),
        ("individual_business", "individual_business"),
    ],
)
def test_an_accepted_name_or_a_listed_synonym_is_matched(tmp_path, department, written, expected):
    digit = {"farmers_coop": "3", "individual_business": "2"}.get(expected, "1")
    from tests.enterprises.factories import make_uscc

    out, ok = _import_file(
        tmp_path, [row(1, entity_type=written, uscc=make_uscc(5, entity_digit=digit))]
    )
    assert ok, out
    assert Enterprise.objects.get().entity_type == expected


def test_the_template_lists_every_accepted_name(client, user_with_perms):
    client.force_login(user_with_perms(EnterprisePerm.IMPORT, EnterprisePerm.VIEW))
    response = client.get(reverse("enterprises:import_template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    written = " ".join(str(c.value) for r in book["主体类型"].iter_rows() for c in r)
    for name in ("有限合伙企业", "个人独资企业分支机构", "一人有限责任公司", "个体户"):
        assert name in written


def test_an_imports_changes_name_their_job_in_the_audit_history(
    client, user_with_perms, django_capture_on_commit_callbacks
):
    clerk = user_with_perms(
        EnterprisePerm.IMPORT,
        EnterprisePerm.VIEW,
        CorePerm.VIEW_AUDIT_LOG,
        username="clerk",
    )
    client.force_login(clerk)
    client.cookies["cp_language"] = "zh-hans"
    for address in ("棠湖路1号", "棠湖路2号"):  # created, then changed
        payload = {"file": SimpleUploadedFile("名录.csv", csv_bytes([row(1, address=address)]))}
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("enterprises:import"), payload)
    first, second = ImportJob.objects.order_by("pk")
    firm = Enterprise.objects.get()
    events = AuditEvent.objects.filter(enterprise=firm).order_by("pk")
    assert [(e.event_type, e.extra["import_job"]) for e in events] == [
        ("enterprises.enterprise_created", first.pk),
        ("enterprises.enterprise_changed", second.pk),
    ]
    html = client.get(reverse("enterprises:detail", args=[firm.uscc])).content.decode()
    for job in (first, second):
        link = reverse("enterprises:import_detail", args=[job.pk])
        assert f'<a href="{link}">导入任务 {job.pk}</a>' in html
    # Without the import permission: the job is named, not linked.
    reader = user_with_perms(EnterprisePerm.VIEW, CorePerm.VIEW_AUDIT_LOG, username="reader")
    client.force_login(reader)
    html = client.get(reverse("enterprises:detail", args=[firm.uscc])).content.decode()
    assert f"导入任务 {second.pk}" in html
    assert reverse("enterprises:import_detail", args=[second.pk]) not in html


def test_a_command_line_import_names_its_file_in_the_audit_history(
    tmp_path, client, user_with_perms
):
    out, ok = _import_file(tmp_path, [row(1)])
    assert ok, out
    client.force_login(user_with_perms(EnterprisePerm.VIEW, CorePerm.VIEW_AUDIT_LOG))
    client.cookies["cp_language"] = "zh-hans"
    firm = Enterprise.objects.get()
    html = client.get(reverse("enterprises:detail", args=[firm.uscc])).content.decode()
    assert "来自导入文件 名录.csv" in html
