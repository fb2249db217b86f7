"""The layout shell (credit_portal.layout) and the Jinja2 page bodies (credit_portal.jinja2):
a public page rendered through the cached shell is byte for byte the page Django's full render
gives, logged-in users and pending messages get the full render, values are escaped."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.safestring import mark_safe

from credit_portal import layout
from credit_portal.jinja2 import page_template
from credit_portal.roles import Role
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def profile_url(enterprise) -> str:
    return reverse("public:profile", kwargs={"uscc": enterprise.uscc})


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_shell_gives_the_same_page_as_the_full_render(client, monkeypatch, lang):
    enterprise = EnterpriseFactory(name="蓉城<餐饮>管理有限公司")
    path = profile_url(enterprise) + '?from="><script>x</script>'
    via_shell = client.get(path, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    # Forces the full render.
    monkeypatch.setattr(layout, "_is_plain_visitor", lambda request: False)
    monkeypatch.setattr(layout, "_has_messages", lambda request: True)
    via_django = client.get(path, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert via_shell == via_django
    assert "\x00" not in via_shell
    assert "<script>x</script>" not in via_shell
    assert "蓉城&lt;餐饮&gt;管理有限公司" in via_shell
    assert ("基础信息" in via_shell) == (lang == "zh-hans")
    assert ("Basic information" in via_shell) == (lang == "en")


def test_shell_is_kept_per_language(client):
    enterprise = EnterpriseFactory()
    chinese = client.get(profile_url(enterprise), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(profile_url(enterprise), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "跳到主要内容" in chinese and "Skip to main content" in english
    assert '<html lang="zh-CN">' in chinese and '<html lang="en">' in english


def test_shell_is_kept_per_script_prefix(client):
    path = profile_url(EnterpriseFactory())
    plain = client.get(path).content.decode()
    set_script_prefix("/portal/")  # what the WSGI handler does when mounted under /portal
    try:
        mounted = client.get(path).content.decode()
    finally:
        set_script_prefix("/")
    assert 'href="/accounts/login/"' in plain
    assert 'href="/portal/accounts/login/"' in mounted
    assert 'href="/portal/credit/"' in mounted  # the body's links too
    assert 'href="/credit/"' in plain


def test_a_changed_setting_renders_the_shell_anew(client, settings):
    enterprise = EnterpriseFactory()
    client.get(profile_url(enterprise), HTTP_ACCEPT_LANGUAGE="en")
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "BUREAU_NAME_EN": "Test Bureau X"}
    html = client.get(profile_url(enterprise), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Test Bureau X" in html


def test_unsafe_body_and_head_are_escaped():
    request = RequestFactory().get("/credit/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    html = layout.render_in_layout(
        request,
        title="t",
        body="<i>body</i>",
        head="<script>h</script>",  # type: ignore[arg-type]
    ).content.decode()
    assert "&lt;i&gt;body&lt;/i&gt;" in html
    assert "&lt;script&gt;h&lt;/script&gt;" in html


def test_language_switch_returns_to_the_page(client):
    enterprise = EnterpriseFactory()
    html = client.get(profile_url(enterprise) + "?a=1&b=2").content.decode()
    assert f'name="next" type="hidden" value="{profile_url(enterprise)}?a=1&amp;b=2"' in html


def test_logged_in_staff_get_their_navigation_on_public_pages(client, user_with_role):
    staff = user_with_role(Role.REGISTRAR)
    client.force_login(staff)
    html = client.get(profile_url(EnterpriseFactory())).content.decode()
    assert 'class="mainnav"' in html
    assert 'class="userbox"' in html
    assert "csrfmiddlewaretoken" in html  # the logout form


def test_a_user_logged_in_during_the_request_gets_the_full_layout(user_with_role):
    """`login()` sets request.user before the session cookie exists (it is sent with the
    response): the page must not take the anonymous shell."""
    request = RequestFactory().get("/credit/")
    request.user = user_with_role(Role.REGISTRAR)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    html = layout.render_in_layout(request, title="t", body=mark_safe("<p>b</p>"))
    assert 'class="userbox"' in html.content.decode()


def test_a_pending_message_is_shown_to_an_anonymous_visitor():
    request = RequestFactory().get("/credit/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    messages.success(request, "Your language was changed <b>now</b>.")
    with translation.override("en"):
        response = layout.render_in_layout(
            request, title="T <1>", body=mark_safe("<p id=body>body</p>")
        )
    html = response.content.decode()
    assert "Your language was changed &lt;b&gt;now&lt;/b&gt;." in html
    assert "<title>T &lt;1&gt; · " in html
    assert "<p id=body>body</p>" in html


def test_a_plain_visitor_gets_the_shell_without_loading_user_or_messages(client, monkeypatch):
    def loaded(request):
        raise AssertionError("the messages were loaded")

    monkeypatch.setattr(layout, "_has_messages", loaded)
    monkeypatch.setattr(layout, "_shells", {})  # rendering the shell itself asks (navigation)
    path = profile_url(EnterpriseFactory())
    assert client.get(path).status_code == 200
    response = client.get(path)
    assert response.status_code == 200
    assert response.wsgi_request.user._wrapped is empty  # nobody asked who the visitor is
    # The page still depends on the cookies, though the session was never read.
    assert "Cookie" in response["Vary"]


def test_a_message_added_for_an_anonymous_visitor_in_this_request_is_shown(client):
    request = RequestFactory().get("/credit/")
    request.user = SimpleLazyObject(AnonymousUser)  # as AuthenticationMiddleware leaves it
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    messages.info(request, "Added just now.")
    html = layout.render_in_layout(request, title="t", body=mark_safe("<p>b</p>"))
    assert "Added just now." in html.content.decode()


def test_a_message_in_the_cookie_is_shown_to_an_anonymous_visitor(client):
    """Messages of anonymous visitors travel in a cookie (FallbackStorage): the cookie alone,
    without a session, sends the page through the full render."""
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, "Waiting for you <b>here</b>.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    html = client.get(profile_url(EnterpriseFactory()), HTTP_ACCEPT_LANGUAGE="en")
    assert "Waiting for you &lt;b&gt;here&lt;/b&gt;." in html.content.decode()
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_jinja2_labels_are_translated_when_compiled():
    with translation.override("zh-hans"):
        chinese = page_template("public/profile.html")
    with translation.override("en"):
        english = page_template("public/profile.html")
    assert chinese.template is not english.template  # one compiled template per language
    env = engines["jinja2"].env
    source = env.loader.get_source(env, "public/profile.html")[0]
    python = env.compile(source, name="public/profile.html@zh-hans", raw=True)
    assert "基础信息" in python  # a constant in the compiled code, not a gettext call
    assert "Basic information" not in python
    assert "'Basic information'" in env.compile(source, name="public/profile.html", raw=True)


def test_jinja2_runtime_translation_without_language_suffix():
    template = engines["jinja2"].from_string('{{ _("Basic information") }} {{ x }}')
    with translation.override("zh-hans"):
        assert template.render({"x": "<b>"}) == "基础信息 &lt;b&gt;"


def test_jinja2_undefined_variable_is_an_error():
    from jinja2 import UndefinedError

    template = engines["jinja2"].from_string("{{ missing.name }}")
    with pytest.raises(UndefinedError):
        template.render({})
