"""Staff and self-service pages at phone width (issue 13, point 2): every table reads as
labelled blocks at 390 px, as the public pages do, no column squeezed or cut off, and the
register's filters fold away; at 1366 px the tables and the filter bar stay as they were.
Measured in headless Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import User
from credit_portal.permissions import CorePerm
from credit_portal.roles import Role
from enterprises.models import Enterprise, EnterpriseMembership, ImportJob
from enterprises.permissions import EnterprisePerm as P
from enterprises.services.accounts import activation_code_issue
from enterprises.services.ledger import credit_record_append
from tests.browser import browser_page
from tests.enterprises.factories import EnterpriseFactory, Kind, classify

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "Secret-pass-123"  # user_with_perms

# The page does not scroll sideways and nothing reaches past its content box; every visible
# table of its main part has its cells each at least 12 characters wide, inside the viewport
# and inside their scroll box (not cut off), each shown with its label (or in a row headed by
# its label).
PHONE_PROBLEMS = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px`);
  }
  // Nothing reaches past the page's content box (into its margin, or off the screen).
  const container = document.querySelector("main .container");
  const padding = parseFloat(getComputedStyle(container).paddingRight);
  const edge = container.getBoundingClientRect().right - padding;
  for (const element of container.querySelectorAll("*")) {
    const right = element.getBoundingClientRect().right;
    if (right > edge + 0.5 && element.checkVisibility()) {
      const what = `${element.tagName.toLowerCase()}.${element.className}`;
      problems.push(`${what} reaches ${Math.round(right)} px, past ${Math.round(edge)}`);
    }
  }
  let cells = 0;
  for (const table of document.querySelectorAll("main table")) {
    if (!table.checkVisibility()) { continue; }  // folded away in a closed <details>
    const box = table.closest(".table-wrap") || table.parentElement;
    if (box.scrollWidth > box.clientWidth + 1) {
      problems.push(`table.${table.className} is cut off: ${box.scrollWidth} > ${box.clientWidth}`);
    }
    for (const cell of table.querySelectorAll("tbody td")) {
      if (cell.classList.contains("empty")) { continue; }
      cells += 1;
      const rect = cell.getBoundingClientRect();
      const em = parseFloat(getComputedStyle(cell).fontSize);
      const what = `${table.className} / ${cell.dataset.label || cell.innerText.slice(0, 12)}`;
      if (rect.width < 12 * em) {
        problems.push(`${what}: ${Math.round(rect.width / em)} characters wide`);
      }
      if (rect.right > width + 0.5) { problems.push(`${what}: ends at ${rect.right} px`); }
      if (cell.parentElement.querySelector("th[scope=row]")) { continue; }  // labelled by its row
      const label = getComputedStyle(cell, "::before").content;
      if (!cell.dataset.label || !label.includes(cell.dataset.label)) {
        problems.push(`${what}: shown without its label (${label})`);
      }
    }
  }
  return {problems, cells};
}"""

# At desktop width a table is a table: header row shown, cells side by side, no labels.
DESKTOP_PROBLEMS = """() => {
  const problems = [];
  let tables = 0;
  for (const table of document.querySelectorAll("main table")) {
    if (!table.checkVisibility()) { continue; }
    tables += 1;
    const head = table.querySelector("thead");
    if (head && getComputedStyle(head).display !== "table-header-group") {
      problems.push(`table.${table.className}: header row hidden`);
    }
    const cells = [...table.querySelectorAll("tbody tr:first-child td")];
    if (cells.some(c => getComputedStyle(c).display !== "table-cell")) {
      problems.push(`table.${table.className}: cells are not table cells`);
    }
    const tops = cells.map(c => c.getBoundingClientRect().top);
    if (tops.some(top => top !== tops[0])) {
      problems.push(`table.${table.className}: cells are not side by side`);
    }
    if (cells.some(c => getComputedStyle(c, "::before").content !== "none")) {
      problems.push(`table.${table.className}: cells labelled`);
    }
  }
  return {problems, tables};
}"""


def _login(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button.btn--block")
    page.wait_for_load_state()


@pytest.fixture
def firm(user_with_perms):
    """An enterprise with letters (overdue, replied late, due), other records (each audited),
    an activation code, an import job with errors, and a staff user who sees all of it."""
    today = timezone.localdate()
    staff = user_with_perms(
        CorePerm.ACCESS_STAFF_PORTAL,
        CorePerm.VIEW_AUDIT_LOG,
        P.VIEW,
        P.VIEW_RECORDS,
        P.VIEW_RISK,
        P.CHANGE,
        P.CHANGE_STATUS,
        P.IMPORT,
        P.ISSUE_ACTIVATION_CODE,
        username="li",
        display_name="李登记",
    )
    e = EnterpriseFactory(
        name="成都市双流区东升街道旭利餐饮管理服务有限责任公司",
        address="四川省成都市双流区东升街道棠湖西路一段123号附7号2栋1单元4楼401室",
    )
    classify(e, "C", 61)
    EnterpriseFactory.create_batch(3)
    credit_record_append(
        enterprise=e,
        kind=Kind.PENALTY,
        occurred_on=today - dt.timedelta(days=90),
        summary="销售不合格产品，违反《中华人民共和国产品质量法》第三十九条，罚款人民币40,000元",
        actor=staff,
        is_public=True,
        authority="成都市双流区市场监督管理局",
        document_number="双市监处罚〔2026〕17号",
        publicity_end=today + dt.timedelta(days=1000),
    )
    for days, deadline, replied, text in (
        (30, 15, None, "约谈通知书：就多次被投诉的售后服务问题约谈法定代表人"),
        (60, 45, 40, "警示告诫书：未按规定明码标价，责令改正"),
        (2, -13, None, "行政提示书：提醒按时报送2025年度报告"),
    ):
        letter = credit_record_append(
            enterprise=e,
            kind=Kind.SOFT_ENFORCEMENT,
            occurred_on=today - dt.timedelta(days=days),
            summary=text,
            actor=staff,
            authority="成都市双流区市场监督管理局",
            document_number=f"双市监约〔2026〕{days}号",
            details={
                "instrument_label": text.split("：")[0],
                "deadline": (today - dt.timedelta(days=deadline)).isoformat(),
            },
        )
        if replied is not None:
            credit_record_append(
                enterprise=e,
                kind=Kind.LETTER_REPLY,
                occurred_on=today - dt.timedelta(days=replied),
                summary="收到书面回复",
                actor=staff,
                closes=letter,
            )
    activation_code_issue(actor=staff, enterprise=e)
    job = ImportJob.objects.create(
        original_name="双流区市场主体名录（2026年12月更正版）.xlsx",
        created_by=staff,
        status=ImportJob.Status.DONE,
        total_rows=3,
        processed_rows=3,
        created_count=1,
        error_count=2,
        errors=[
            {
                "row": 2,
                "uscc": "91510116MA6FHWDT18",
                "name": "成都某某食品有限公司",
                "column": "统一社会信用代码",
                "message": "校验位（第 18 位）应为 9，而不是 8。",
            },
            {
                "row": 4,
                "uscc": "91510116MA6FHWDT19",
                "name": "",
                "column": "industry_division",
                "message": "未知的行业大类 99（GB/T 4754-2017 行业大类代码为 01 至 97）。",
            },
        ],
    )
    member = User.objects.create_user(username="qiye", password=PASSWORD)
    member.groups.add(Group.objects.get(name=str(Role.ENTERPRISE_USER)))
    EnterpriseMembership.objects.create(user=member, enterprise=e, phone="13812345678")
    return {"enterprise": e, "staff": staff, "job": job}


def _staff_pages(e: Enterprise, job: ImportJob) -> list[str]:
    return [
        reverse("enterprises:list"),
        f"{reverse('enterprises:list')}?q=旭利&status=operating",
        reverse("enterprises:detail", args=[e.uscc]),
        reverse("me:activation_code", args=[e.uscc]),
        reverse("enterprises:import"),
        reverse("enterprises:import_detail", args=[job.pk]),
        reverse("enterprises:status", args=[e.uscc]),
    ]


def _measure(page, script: str) -> dict:
    return page.evaluate(script)


def test_staff_tables_read_as_labelled_blocks_on_a_phone(live_server, chromium_path, firm):
    e, job = firm["enterprise"], firm["job"]
    measured: dict[str, dict] = {}
    with browser_page(chromium_path, **PHONE) as page:
        _login(page, live_server.url, "li")
        for url in _staff_pages(e, job):
            page.goto(f"{live_server.url}{url}")
            measured[url] = _measure(page, PHONE_PROBLEMS)
        page.goto(f"{live_server.url}{reverse('enterprises:import')}")
        page.click(".import-rules details summary")  # how to write the entity type
        measured["entity types"] = _measure(page, PHONE_PROBLEMS)
        # The conflict page: someone else saved while the form was open.
        page.goto(f"{live_server.url}{reverse('enterprises:edit', args=[e.uscc])}")
        Enterprise.objects.filter(pk=e.pk).update(
            version=F("version") + 1, address="四川省成都市双流区西航港街道空港一路一段999号"
        )
        page.click("form.register-form button[type=submit]")
        page.wait_for_selector("#h-conflict")
        measured["conflict"] = _measure(page, PHONE_PROBLEMS)
    problems = {url: m["problems"] for url, m in measured.items() if m["problems"]}
    assert problems == {}
    detail = reverse("enterprises:detail", args=[e.uscc])
    # Something was measured on each page with a table: the letters, the audit history...
    assert measured[detail]["cells"] >= 3 * 6 + 4
    assert measured[reverse("enterprises:import_detail", args=[job.pk])]["cells"] == 2 * 4
    assert measured[reverse("enterprises:import")]["cells"] == 9
    assert measured["entity types"]["cells"] == 9 + len(Enterprise.EntityType.choices)
    assert measured[reverse("me:activation_code", args=[e.uscc])]["cells"] == 5
    assert measured[reverse("enterprises:list")]["cells"] == 4 * 9
    assert measured["conflict"]["cells"] >= 3


def test_self_service_tables_read_as_labelled_blocks_on_a_phone(live_server, chromium_path, firm):
    measured = {}
    with browser_page(chromium_path, **PHONE) as page:
        _login(page, live_server.url, "qiye")
        for url in (reverse("me:home"), reverse("me:records")):
            page.goto(f"{live_server.url}{url}")
            measured[url] = _measure(page, PHONE_PROBLEMS)
        page.goto(f"{live_server.url}{reverse('me:home')}")
        overdue = page.locator("table.letters tr[data-letter-status=overdue] .badge")
        assert overdue.is_visible() and "badge--bad" in (overdue.get_attribute("class") or "")
    assert {url: m["problems"] for url, m in measured.items() if m["problems"]} == {}
    assert measured[reverse("me:home")]["cells"] == 3 * 6  # the letters
    assert measured[reverse("me:records")]["cells"] >= 3 * 4


def test_tables_stay_tables_at_desktop_width(live_server, chromium_path, firm):
    e, job = firm["enterprise"], firm["job"]
    measured = {}
    with browser_page(chromium_path, **DESKTOP) as page:
        _login(page, live_server.url, "li")
        for url in _staff_pages(e, job):
            page.goto(f"{live_server.url}{url}")
            measured[url] = _measure(page, DESKTOP_PROBLEMS)
    assert {url: m["problems"] for url, m in measured.items() if m["problems"]} == {}
    assert sum(m["tables"] for m in measured.values()) >= 6


def test_the_register_filters_fold_away_on_a_phone(live_server, chromium_path, firm):
    url = f"{live_server.url}{reverse('enterprises:list')}?status=operating&industry_section=H"
    with browser_page(chromium_path, **PHONE) as page:
        _login(page, live_server.url, "li")
        page.goto(url)
        panel = page.locator("details.filterbar__more")
        summary = panel.locator("summary")
        status = page.locator("select[name=status]")
        page.wait_for_function("!document.querySelector('details.filterbar__more').open")
        assert summary.is_visible() and not status.is_visible()
        assert "2" in summary.locator("[data-testid=filters-in-use]").inner_text()
        search = page.locator("input[name=q]")
        assert search.is_visible()  # the search stays at hand
        # The results start within the first screen, not below ten filter fields.
        first = page.locator("table.register tbody tr").first.bounding_box()
        assert first is not None and first["y"] < PHONE["height"]
        summary.click()
        assert status.is_visible() and status.input_value() == "operating"
        # A filter with an error stays open to show it.
        page.goto(f"{live_server.url}{reverse('enterprises:list')}?registered_from=2026-13-01")
        assert page.locator(".filterbar__grid .field--error").is_visible()
    with browser_page(chromium_path, **DESKTOP) as page:
        _login(page, live_server.url, "li")
        page.goto(url)
        summary = page.locator("details.filterbar__more > summary")
        assert not summary.is_visible()  # the bar as it was: every filter shown
        assert page.locator("select[name=status]").is_visible()
        assert page.locator("details.filterbar__more").evaluate("d => d.open")
