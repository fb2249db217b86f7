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
    response = client.get(
        reverse("language_switch"), {"language": "en", "next": "/accounts/login/?next=/x/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/x/"
    assert response.cookies["cp_language"].value == "en"
    assert "no-store" in response["Cache-Control"]
    assert "Log in" in client.get("/accounts/login/").content.decode()
    client.get(reverse("language_switch"), {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_language_switch_never_leaves_the_site(client):
    for target in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
        response = client.get(reverse("language_switch"), {"language": "en", "next": target})
        assert response.status_code == 302
        assert response["Location"] == "/"
    response = client.get(
        reverse("language_switch"), {"language": "en"}, HTTP_REFERER="http://testserver/credit/"
    )
    assert response["Location"] == "http://testserver/credit/"


def test_language_switch_refuses_an_unknown_language(client):
    response = client.get(reverse("language_switch"), {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert "cp_language" not in response.cookies
    assert client.post(reverse("language_switch"), {"language": "en"}).status_code == 405


def test_layout_language_switch_is_a_get_form_without_csrf_token(client):
    response = client.get("/accounts/login/?next=/credit/")
    page = response.content.decode()
    assert f'action="{reverse("language_switch")}" method="get"' in page
    assert 'name="next" type="hidden" value="/accounts/login/?next=/credit/"' in page
    public = client.get(reverse("public:search"))
    assert "csrfmiddlewaretoken" not in public.content.decode()
    assert "csrftoken" not in public.cookies


def test_no_asset_is_loaded_from_another_host(client):
    page = client.get(reverse("login")).content.decode()
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page


def test_a_visitor_at_the_front_door_finds_the_public_lookup(client):
    """Tester: "/" sends a visitor to the login page, which offered no way to the lookup.
    Issue 13: "/" now opens the lookup itself; the login page still leads to it."""
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(reverse("public:search"), 302)]
    page = client.get(reverse("login")).content.decode()
    assert page.count(f'href="{reverse("public:search")}"') == 2  # masthead and login aside
    assert "查询企业信用信息" in page and "无需登录" in page
    lookup = client.get(reverse("public:search")).content.decode()
    assert f'href="{reverse("login")}"' in lookup  # and back: the masthead's login link
