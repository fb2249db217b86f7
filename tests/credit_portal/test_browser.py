import pytest

from tests.browser import browser_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_logs_in_switches_language_and_logs_out(live_server, chromium_path, user_with_perms):
    user_with_perms("credit_portal.access_staff_portal", username="li", display_name="李登记")
    with browser_page(chromium_path) as page:
        page.goto(f"{live_server.url}/")
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
