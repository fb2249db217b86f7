"""static/js/industry.js in Chromium (issue 13, point 4): the division list narrows to the chosen
section in the filter panel and the enterprise form, and a pair the server refused stays
chosen (the script cleared the division as the page loaded, so the user could not see what
had been refused)."""

from __future__ import annotations

import pytest

from tests.browser import browser_page
from tests.enterprises.factories import DepartmentFactory, register_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _log_in(page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "li")
    page.fill("#id_password", "Secret-pass-123")
    page.click("form button.btn--block")


def _selectable(select) -> list[str]:
    return select.evaluate(
        "s => Array.from(s.options).filter(o => o.value && !o.disabled && !o.hidden)"
        ".map(o => o.value)"
    )


def test_the_division_list_narrows_and_keeps_a_refused_pair(
    live_server, chromium_path, user_with_perms
):
    DepartmentFactory()
    user_with_perms("enterprises.view_enterprise", "enterprises.add_enterprise", username="li")
    with browser_page(chromium_path, language="en-US") as page:
        _log_in(page, live_server.url)

        # The register list's filters: a refused pair stays chosen as the page loads.
        page.goto(f"{live_server.url}/enterprises/?industry_section=H&industry_division=13")
        section = page.locator("select[name=industry_section]")
        division = page.locator("select[name=industry_division]")
        assert (section.input_value(), division.input_value()) == ("H", "13")
        assert sorted(_selectable(division)) == ["13", "61", "62"]
        section.select_option("A")
        assert division.input_value() == ""  # 13 is not in A: cleared when the section changes
        assert _selectable(division) == ["01", "02", "03", "04", "05"]

        # The enterprise form: the section narrows the grouped divisions.
        page.goto(f"{live_server.url}/enterprises/new/")
        section = page.locator("select[name=industry_section]")
        division = page.locator("select[name=industry_division]")
        assert len(_selectable(division)) == 97
        section.select_option("A")
        assert _selectable(division) == ["01", "02", "03", "04", "05"]
        visible_groups = division.evaluate(
            "s => Array.from(s.querySelectorAll('optgroup')).filter(g => !g.hidden).length"
        )
        assert visible_groups == 1
        section.select_option("")
        division.select_option("62")
        assert section.input_value() == "H"  # a division fills in its section

        # A refused pair on the form stays chosen too, with the message naming it. The pair
        # is set as a browser without the script would send it.
        section.select_option("")  # every division selectable again
        data = {**register_data(7), "industry_section": "H", "industry_division": "13"}
        page.evaluate(
            "data => { for (const [k, v] of Object.entries(data)) {"
            " document.querySelector(`[name=${k}]`).value = v; } }",
            {k: str(v) for k, v in data.items()},
        )
        page.click("form.register-form button[type=submit]")
        section = page.locator("select[name=industry_section]")
        division = page.locator("select[name=industry_division]")
        assert (section.input_value(), division.input_value()) == ("H", "13")
        assert "Division 13 belongs to section C, not H." in page.content()
