"""No inline script, event handler or style anywhere (issue 12, point 10).

The Content Security Policy allows scripts and styles from this site's files only
(`SECURE_CSP`: script-src and style-src 'self', no nonce, no 'unsafe-inline'), so an inline
<script>, an onclick="…", a style="…" or a <style> block would silently stop working in the
browser. These tests keep them from coming back: they scan every template, the HTML that Python
code builds and the static scripts, then the rendered main pages of every kind, the admin's
included. JSON data blocks (`json_script`) are data, not script, and pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from credit_portal.models import User
from credit_portal.permissions import CorePerm
from enterprises.models import Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from tests.enterprises.factories import EnterpriseFactory, enterprise_user

ROOT = Path(__file__).resolve().parents[2]
OUR_APPS = ["credit_portal", "enterprises", "risk", "inspections", "remediation", "annual_reports"]

# What the policy refuses, as it appears in HTML. A tag's attributes are read up to its ">", so
# a template tag inside an element ({% if a > b %}) could hide the rest of it: keep them simple.
_INLINE = {
    "inline <script>": re.compile(
        r"<script\b(?![^>]*\ssrc=)(?![^>]*\stype=\"application/(?:ld\+)?json\")[^>]*>", re.I
    ),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"\b(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I),
}
# Scripts of our own templates load without blocking the page.
_BLOCKING_SCRIPT = re.compile(r"<script\b(?=[^>]*\ssrc=)(?![^>]*\s(?:defer|async)\b)[^>]*>", re.I)
# What the policy refuses in a script: code from strings, and style attributes set as text.
_SCRIPT_PROBLEMS = {
    "eval": re.compile(r"\beval\s*\("),
    "new Function": re.compile(r"\bnew\s+Function\s*\("),
    "timer with a string": re.compile(r"\bset(?:Timeout|Interval)\s*\(\s*[\"'`]"),
    "style attribute set as text": re.compile(r"setAttribute\(\s*[\"']style[\"']"),
    "handler attribute set as text": re.compile(r"setAttribute\(\s*[\"']on[a-z]+[\"']"),
}


def inline_code(html: str) -> list[str]:
    """The inline code in `html` the policy would refuse: ["kind | excerpt", ...]."""
    return [
        f"{kind} | {match.group(0)[:120]}"
        for kind, pattern in _INLINE.items()
        for match in pattern.finditer(html)
    ]


def _template_files() -> list[Path]:
    dirs = [ROOT / "templates", ROOT / "templates_jinja2"]
    for app in OUR_APPS:
        dirs += [ROOT / app / "templates", ROOT / app / "jinja2"]
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*") if p.is_file())


def _python_files() -> list[Path]:
    return sorted(
        p for app in OUR_APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts
    )


def test_the_scanner_finds_what_the_policy_refuses():
    found = inline_code(
        '<script>alert(1)</script><button onclick="go()"><div style="width: 5%">'
        '<style>a{}</style><a href="javascript:go()">'
    )
    assert [f.split(" | ")[0] for f in found] == [
        "inline <script>",
        "event handler attribute",
        "style attribute",
        "<style> element",
        "javascript: URL",
    ]
    assert (
        inline_code(
            '<script src="/static/js/a.js" defer></script>'
            '<script id="x" type="application/json">{"a": 1}</script>'
            '<meter class="progress" value="3" max="9"></meter><p data-onclick="x">on=1 style=</p>'
        )
        == []
    )


def test_no_template_has_inline_script_handler_or_style():
    files = _template_files()
    assert any(p.name == "base.html" for p in files)
    assert any(p.name == "profile.html" for p in files)  # templates_jinja2/public/
    problems = [
        f"{p.relative_to(ROOT)}: {found}" for p in files for found in inline_code(p.read_text())
    ]
    assert problems == []


def test_every_script_of_our_templates_is_deferred():
    problems = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in _template_files()
        for m in _BLOCKING_SCRIPT.finditer(p.read_text())
    ]
    assert problems == []


def test_no_html_built_in_python_has_inline_script_handler_or_style():
    problems = [
        f"{p.relative_to(ROOT)}: {found}"
        for p in _python_files()
        for found in inline_code(p.read_text())
    ]
    assert problems == []


def test_no_static_script_runs_code_from_strings_or_sets_style_attributes():
    scripts = sorted((ROOT / "static").rglob("*.js"))
    assert scripts
    problems = [
        f"{p.relative_to(ROOT)}: {kind}"
        for p in scripts
        for kind, pattern in _SCRIPT_PROBLEMS.items()
        if pattern.search(p.read_text())
    ]
    assert problems == []


# Rendered pages


@dataclass
class Portal:
    """One enterprise and a user of each kind, with import jobs to show."""

    enterprise: Enterprise
    staff: User
    firm: User
    superuser: User
    running_job: ImportJob
    finished_job: ImportJob


STAFF_PERMS = [
    CorePerm.ACCESS_STAFF_PORTAL,
    EnterprisePerm.VIEW,
    EnterprisePerm.ADD,
    EnterprisePerm.CHANGE,
    EnterprisePerm.CHANGE_STATUS,
    EnterprisePerm.IMPORT,
    EnterprisePerm.EXPORT,
    EnterprisePerm.ISSUE_ACTIVATION_CODE,
    EnterprisePerm.VIEW_RECORDS,
]


def portal_make(user_with_perms) -> Portal:
    """The `Portal` of these tests and of test_headers_browser.py."""
    from django_celery_beat.models import CrontabSchedule

    CrontabSchedule.objects.create(minute="30", hour="0")  # the periodic task form lists it
    enterprise = EnterpriseFactory(name="成都市双流区安全头餐饮有限公司")
    staff = user_with_perms(*STAFF_PERMS, username="dengji", display_name="李登记")
    job = {"original_name": "名录.csv", "created_by": staff, "total_rows": 200}
    return Portal(
        enterprise=enterprise,
        staff=staff,
        firm=enterprise_user(enterprise, username="qiye"),
        superuser=user_with_perms(is_superuser=True, is_staff=True, username="root"),
        running_job=ImportJob.objects.create(**job, status="running", processed_rows=50),
        finished_job=ImportJob.objects.create(
            **job,
            status="done",
            processed_rows=200,
            created_count=199,
            error_count=1,
            errors=[
                {"row": 3, "uscc": "", "name": "某公司", "column": "成立日期", "message": "无效"}
            ],
        ),
    )


@pytest.fixture
def portal(user_with_perms) -> Portal:
    return portal_make(user_with_perms)


def anonymous_pages(portal: Portal) -> list[str]:
    name, uscc = portal.enterprise.name, portal.enterprise.uscc
    return [
        reverse("public:search"),
        f"{reverse('public:search')}?q={name[-6:]}",
        reverse("public:profile", args=[uscc]),
        reverse("login"),
        reverse("me:register"),
        reverse("api-docs"),
        "/no-such-page/",
        reverse("admin:login"),
    ]


def staff_pages(portal: Portal) -> list[str]:
    uscc = portal.enterprise.uscc
    return [
        reverse("home"),
        reverse("enterprises:list"),
        f"{reverse('enterprises:list')}?industry_section=H",
        reverse("enterprises:detail", kwargs={"uscc": uscc}),
        reverse("enterprises:create"),
        reverse("enterprises:edit", kwargs={"uscc": uscc}),
        reverse("enterprises:status", kwargs={"uscc": uscc}),
        reverse("enterprises:import"),
        reverse("enterprises:import_detail", args=[portal.running_job.pk]),
        reverse("enterprises:import_detail", args=[portal.finished_job.pk]),
        reverse("me:activation_code", kwargs={"uscc": uscc}),
        reverse("me:activation_code_issued", kwargs={"uscc": uscc}),
        reverse("password_change"),
        reverse("password_change_done"),
        reverse("public:profile", args=[uscc]),
    ]


def firm_pages(portal: Portal) -> list[str]:
    return [reverse("me:home"), reverse("me:records"), reverse("no_access")]


def admin_pages(portal: Portal) -> list[str]:
    pages = [reverse("admin:index")]
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    pages += [
        reverse("admin:enterprises_enterprise_change", args=[portal.enterprise.pk]),
        reverse("admin:credit_portal_user_change", args=[portal.staff.pk]),
        reverse("admin:auth_user_password_change", args=[portal.staff.pk]),
    ]
    return pages


def _check(client, urls: list[str]) -> list[str]:
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        problems += [f"{url}: {found}" for found in inline_code(response.content.decode())]
    return problems


def test_rendered_pages_have_no_inline_script_handler_or_style(client, portal):
    problems = _check(client, anonymous_pages(portal))
    client.force_login(portal.staff)
    issued = client.post(
        reverse("me:activation_code", kwargs={"uscc": portal.enterprise.uscc}), {"valid_days": 30}
    )
    assert issued.status_code == 302  # the issued page shows the code, with its print button
    problems += _check(client, staff_pages(portal))
    client.force_login(portal.firm)
    problems += _check(client, firm_pages(portal))
    client.force_login(portal.superuser)
    problems += _check(client, admin_pages(portal))
    assert problems == []


def test_the_pages_scripts_are_static_files(client, portal):
    client.force_login(portal.staff)
    uscc = portal.enterprise.uscc
    pages = {
        reverse("enterprises:list"): "js/industry.js",
        reverse("enterprises:import_detail", args=[portal.running_job.pk]): "js/import.js",
        reverse("me:activation_code_issued", kwargs={"uscc": uscc}): "js/print.js",
    }
    for url, script in pages.items():
        assert f'src="/static/{script}" defer' in client.get(url).content.decode()
    for script in ["js/industry.js", "js/import.js", "js/print.js", "js/periodic_task_form.js"]:
        response = client.get(f"/static/{script}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")


def test_the_api_docs_load_their_start_up_script_from_a_url(client):
    page = client.get(reverse("api-docs")).content.decode()
    # ?lang: the script loads the schema in the page's language (credit_portal.api_docs).
    assert '<script src="/api/docs/?lang=zh-hans&amp;script=" defer></script>' in page
    assert "swagger-ui-bundle.js" in page
    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert "/api/schema/" in script.content.decode()
