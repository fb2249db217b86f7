import pytest

from tests.browser import browser_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_logs_in_switches_language_and_logs_out(live_server, chromium_path, user_with_perms):
    user_with_perms("credit_portal.access_staff_portal", username="li", display_name="李登记")
    with browser_page(chromium_path) as page:
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.locator("h2#login-title").inner_text() == "登录"
        page.fill("#id_username", "li")
        page.fill("#id_password", "Secret-pass-123")
        page.click("form button.btn--block")
        page.wait_for_url(f"{live_server.url}/")
        assert "您好，李登记" in page.locator("h1").inner_text()
        page.click("button[value=en]")
        assert "Welcome, 李登记" in page.locator("h1").inner_text()
        page.click("text=Log out")
        page.wait_for_url("**/accounts/login/")
        assert page.locator("h2#login-title").inner_text() == "Log in"


def test_industry_filters_agree_in_the_browser(live_server, chromium_path, user_with_perms):
    """A section leaves only its divisions selectable; a division fills in its section."""
    user_with_perms("enterprises.view_enterprise", username="li")
    with browser_page(chromium_path) as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "li")
        page.fill("#id_password", "Secret-pass-123")
        page.click("form button.btn--block")
        page.goto(f"{live_server.url}/enterprises/")
        division = page.locator("select[name=industry_division]")
        section = page.locator("select[name=industry_section]")
        division.select_option("62")
        assert section.input_value() == "H"  # 62 餐饮业 is in H 住宿和餐饮业
        assert division.locator("option[value='13']").is_disabled()
        assert not division.locator("option[value='61']").is_disabled()
        section.select_option("C")
        assert division.input_value() == ""  # 62 is not in C: cleared
        assert not division.locator("option[value='13']").is_disabled()


def test_search_results_read_on_a_phone(live_server, chromium_path):
    """Tester: at 390 px the results table squeezed names to two characters a line. On a
    phone each result is a block: the name on one line, its cells labelled."""
    from tests.enterprises.factories import EnterpriseFactory

    name = "成都市双流区旭利餐饮有限公司"
    EnterpriseFactory(name=name)
    with browser_page(chromium_path, width=390, height=844) as page:
        page.goto(f"{live_server.url}/credit/?q=旭利")
        link = page.locator(".pub-results .pub-name").first
        assert link.inner_text() == name
        box = link.bounding_box()
        assert box is not None and box["height"] < 40  # one line, not a column of characters
        code = page.locator(".pub-results td.pub-code").first
        label = code.evaluate("e => getComputedStyle(e, '::before').content")
        assert "统一社会信用代码" in label
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
