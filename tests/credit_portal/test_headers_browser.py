"""The main pages under the Content Security Policy, in headless Chromium (issue 12, point 10).

Each kind of page is opened as its user would open it: public search and profile, login, the
API docs, the staff workbench, list, enterprise form, status change, import page and job, the
activation-code notice, the enterprise's self-service pages, and the admin (index, changelists,
change forms, the periodic task form). The test fails on any policy violation the browser
reports (console, or a `securitypolicyviolation` event) and on any script error, and checks that
what the moved scripts do still happens. Set CP_SCREENSHOT_DIR to keep a screenshot of each page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.browser import browser_page
from tests.credit_portal.test_headers_inline import Portal, portal_make

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Chromium's words for a refused script, style or header: "Refused to execute inline script
# because it violates the following Content Security Policy directive", "Error with
# Permissions-Policy header: Unrecognized feature".
_POLICY_MESSAGE = re.compile(r"Content Security Policy|Permissions-Policy|Refused to", re.I)
# Reported from inside the page as well, since not every violation is logged to the console.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI);
});
window.print = function () { window.__printed = (window.__printed || 0) + 1; };
"""


class Watched:
    """A page whose policy violations and script errors are collected, with screenshots."""

    def __init__(self, page: Any, base: str, shots: Path) -> None:
        self.page, self.base, self.shots = page, base, shots
        self.problems: list[str] = []
        page.add_init_script(_REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: error: {error}"))

    def _console(self, message: Any) -> None:
        if _POLICY_MESSAGE.search(message.text):
            self.problems.append(f"{self.page.url}: {message.type}: {message.text}")

    def visit(self, path: str, shot: str, *, wait_for: str | None = None) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status in (200, 404), (path, response)
        assert "Content-Security-Policy" in {k.title() for k in response.headers}
        if wait_for:
            self.page.wait_for_selector(wait_for, timeout=15_000)
        self.page.wait_for_load_state("load")
        self.page.screenshot(path=str(self.shots / f"{shot}.png"), full_page=True)

    def log_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.page.goto(self.base + reverse("login"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "Secret-pass-123")
        self.page.click("form button.btn--block")
        self.page.wait_for_load_state("load")
        assert "/accounts/login/" not in self.page.url, f"{username} could not log in"


@pytest.fixture
def portal(user_with_perms) -> Portal:
    return portal_make(user_with_perms)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("CP_SCREENSHOT_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def test_main_pages_work_under_the_policy(live_server, chromium_path, portal: Portal, shots):
    from django_celery_beat.models import CrontabSchedule
    from playwright.sync_api import expect

    ent = portal.enterprise
    uscc = ent.uscc
    with browser_page(chromium_path) as page:
        w = Watched(page, live_server.url, shots)

        # The public, not logged in.
        w.visit(f"{reverse('public:search')}?q={ent.name[-6:]}", "01-public-search")
        assert page.locator(".pub-results .pub-name").first.inner_text() == ent.name
        w.visit(reverse("public:profile", args=[uscc]), "02-public-profile")
        w.visit(reverse("login"), "03-login")
        w.visit(reverse("public:profile", args=["91510116MA00000000"]), "03-not-found")
        w.visit(reverse("api-docs"), "04-api-docs", wait_for=".swagger-ui .opblock")
        assert page.locator(".swagger-ui .opblock").count() > 3  # the schema was fetched and drawn

        # Staff.
        w.log_in(portal.staff.username)
        w.visit(reverse("home"), "05-workbench")
        w.visit(reverse("enterprises:list"), "06-staff-list")
        page.locator("select[name=industry_division]").select_option("62")
        assert page.locator("select[name=industry_section]").input_value() == "H"  # industry.js
        w.visit(reverse("enterprises:detail", kwargs={"uscc": uscc}), "07-staff-detail")
        w.visit(reverse("enterprises:edit", kwargs={"uscc": uscc}), "08-staff-form")
        w.visit(reverse("enterprises:status", kwargs={"uscc": uscc}), "09-staff-status")
        meter = page.locator("meter.progress").bounding_box()
        assert meter is not None and meter["width"] > 100 and meter["height"] > 4
        w.visit(reverse("enterprises:import"), "10-import")
        w.visit(
            reverse("enterprises:import_detail", args=[portal.finished_job.pk]), "11-import-done"
        )
        w.visit(reverse("enterprises:import_detail", args=[portal.running_job.pk]), "12-import-run")
        bar = page.locator("progress[data-field=bar]")
        assert bar.evaluate("e => e.value") == 25
        # import.js polls the progress answer (connect-src 'self') and shows what it says.
        portal.running_job.processed_rows = 150
        portal.running_job.save(update_fields=["processed_rows"])
        expect(bar).to_have_js_property("value", 75)
        w.visit(reverse("me:activation_code", kwargs={"uscc": uscc}), "13-activation-code")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"**{reverse('me:activation_code_issued', kwargs={'uscc': uscc})}")
        page.screenshot(path=str(shots / "14-activation-code-issued.png"), full_page=True)
        page.click("button[data-print]")
        assert page.evaluate("window.__printed") == 1  # print.js, not an onclick attribute

        # The enterprise.
        w.log_in(portal.firm.username)
        w.visit(reverse("me:home"), "15-me")
        w.visit(reverse("me:records"), "16-me-records")

        # The administrator.
        CrontabSchedule.objects.create(minute="0", hour="3")
        w.log_in(portal.superuser.username)
        w.visit(reverse("admin:index"), "17-admin")
        w.visit(reverse("admin:enterprises_enterprise_changelist"), "18-admin-changelist")
        w.visit(reverse("admin:credit_portal_auditevent_changelist"), "19-admin-audit-log")
        w.visit(
            reverse("admin:enterprises_enterprise_change", args=[ent.pk]), "20-admin-enterprise"
        )
        w.visit(reverse("admin:credit_portal_user_change", args=[portal.staff.pk]), "21-admin-user")
        page.locator(".field-department .select2-selection").first.click()  # autocomplete widget
        page.wait_for_selector(".select2-results__option", timeout=10_000)
        w.visit(reverse("admin:django_celery_beat_periodictask_add"), "22-admin-periodic-task")
        page.locator("#id_crontab").select_option(index=1)
        assert "Translation:" in page.locator(".field-crontab .help").inner_text()

    assert w.problems == []
