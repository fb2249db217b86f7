"""The classification pages in headless Chromium (Playwright): the run page's progress bar
follows a run while it runs (static/js/risk_run.js polling the API) and reloads when it ends;
the explanation page renders its bars under the Content Security Policy and reads on a phone."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from credit_portal.roles import Role
from risk.models import ClassificationRun
from risk.services.runs import run_now
from tests.browser import browser_page
from tests.enterprises.factories import EnterpriseFactory
from tests.risk.factories import general_version, record
from tests.risk.test_pages import staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Secret-pass-123")
    page.click("form button.btn--block")
    page.wait_for_url(f"{live_server.url}/")


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("the page did not follow")


def test_the_run_page_follows_the_runs_progress(live_server, chromium_path, department):
    staff(Role.CREDIT_OFFICER, department, "officer")
    run = ClassificationRun.objects.create(
        reason="manual",
        applies=True,
        as_of=timezone.localdate(),
        knowledge_at=timezone.now(),
        status="running",
        total_steps=4,
        position=1,
    )
    errors: list[str] = []
    with browser_page(chromium_path, language="en") as page:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _log_in(page, live_server, "officer")
        page.goto(f"{live_server.url}/risk/runs/{run.pk}/")
        bar = page.locator('#run-progress progress[data-field="bar"]')
        assert bar.get_attribute("value") == "25"

        ClassificationRun.objects.filter(pk=run.pk).update(position=3, classified=1200)
        _wait(lambda: bar.evaluate("e => e.value") == 75)
        assert page.locator('[data-field="position"]').inner_text() == "3"
        assert page.locator('[data-field="classified"]').first.inner_text() == "1,200"

        ClassificationRun.objects.filter(pk=run.pk).update(
            position=4, status="done", finished_at=timezone.now(), transitions={"->A": 1200}
        )
        page.wait_for_selector('[data-testid="transitions"]', timeout=10_000)  # reloaded
        assert page.locator("#run-progress progress").get_attribute("value") == "100"
        assert page.locator('[data-cell="->A"]').inner_text() == "1200"
    assert not errors, errors  # no script or style refused by the policy


@pytest.mark.parametrize(("width", "language"), [(1366, "zh-CN"), (390, "en")])
def test_the_explanation_page_renders_its_bars(
    live_server, chromium_path, department, width, language
):
    staff(Role.SUPERVISOR, department, "supervisor")
    general_version(published_at=timezone.now() - dt.timedelta(days=30))
    today = timezone.localdate()
    firm = EnterpriseFactory(registered_on=today - dt.timedelta(days=3650))
    record(firm, "penalty", today - dt.timedelta(days=400))
    record(firm, "penalty", today - dt.timedelta(days=30))
    record(firm, "soft_enforcement", today - dt.timedelta(days=10))
    assert run_now(reason="manual", enterprise=firm).status == "done"
    errors: list[str] = []
    with browser_page(chromium_path, language=language, width=width, height=900) as page:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _log_in(page, live_server, "supervisor")
        if language == "en":
            page.click("button[value=en]")
        page.goto(f"{live_server.url}/risk/enterprises/{firm.uscc}/")
        rows = page.locator('[data-testid="breakdown"] tbody tr[data-indicator]')
        assert rows.count() == 4
        penalty_bar = page.locator(
            'tr[data-indicator="penalties_3y"] svg.contribbar rect.contribbar__plus'
        )
        box = penalty_bar.bounding_box()
        assert box is not None and box["width"] > 10  # drawn: the colour from risk.css
        fill = penalty_bar.evaluate("e => getComputedStyle(e).fill")
        assert fill not in ("", "none", "rgb(0, 0, 0)")
        assert page.locator('[data-testid="override-form"]').is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not errors, errors
