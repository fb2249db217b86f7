import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_speaks_chinese_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-CN">' in page
    assert "企业信用监管服务平台" in page
    assert "登录" in page


def test_login_page_in_english_when_asked(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert "Enterprise Credit Supervision Portal" in page
    assert "企业信用监管服务平台" not in page


def test_language_switch_sets_the_cookie_and_returns(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "Log in" in client.get("/accounts/login/").content.decode()


def test_no_asset_is_loaded_from_another_host(client):
    page = client.get(reverse("login")).content.decode()
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page
