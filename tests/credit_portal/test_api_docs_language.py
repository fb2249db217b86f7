"""API docs in the user's language, and a favicon (issue 13, point 11).

Swagger UI's own labels stay English; everything the portal writes in the schema (title,
summaries, descriptions, parameter and field help) follows the language: ?lang= on the schema,
else the request's language (cookie, Accept-Language), and the docs page loads the schema of
the language it is shown in.

The Chinese catalog is written after the code, so the tests mark every Chinese translation
(「…」 around the message, `marked_chinese`) and check that every text of the schema went
through translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escapejs
from django.utils.translation import trans_real
from drf_spectacular.plumbing import _load_enum_name_overrides

pytestmark = pytest.mark.django_db
FAVICON = static("img/seal.svg")


@pytest.fixture
def marked_chinese(monkeypatch) -> Iterator[None]:
    chinese = trans_real.translation("zh-hans")
    real = chinese.gettext
    monkeypatch.setattr(chinese, "gettext", lambda message: f"「{real(message)}」")
    # drf-spectacular caches the enum name overrides per language, labels included: the marked
    # labels must not outlive this test (later schemas would miss every override).
    _load_enum_name_overrides.cache_clear()
    yield
    _load_enum_name_overrides.cache_clear()


def texts(schema: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every (place, text) the portal writes: title, summary and description at any depth
    (operations, parameters, responses, headers, properties, components)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            here = f"{where}/{key}"
            if key in {"title", "summary", "description"} and isinstance(value, str):
                if value:  # drf-spectacular's empty description of a 200 has nothing to say
                    yield here, value
            elif key != "properties" or not isinstance(value, dict):
                yield from texts(value, here)
            else:
                for name, prop in value.items():  # a property may be called "description"
                    yield from texts(prop, f"{here}/{name}")
    elif isinstance(schema, list):
        for n, item in enumerate(schema):
            yield from texts(item, f"{where}/{n}")


def test_the_schema_speaks_the_language_asked_for(client, marked_chinese):
    chinese = client.get("/api/schema/", {"format": "json", "lang": "zh-hans"}).json()
    english = client.get("/api/schema/", {"format": "json", "lang": "en"}).json()
    untranslated = [(where, text) for where, text in texts(chinese) if "「" not in text]
    assert untranslated == []
    assert len(list(texts(chinese))) > 100
    assert all("「" not in text for _where, text in texts(english))
    assert english["info"]["title"] == "Credit Portal API"
    assert chinese["info"]["title"] == "「企业信用监管服务平台接口」"
    search = chinese["paths"]["/api/v1/public/enterprises/"]["get"]
    assert search["summary"] == "「查询公示信息」"


def test_without_lang_the_schema_follows_the_users_language(client, marked_chinese):
    page = client.get("/api/schema/", {"format": "json"}).json()  # the default: Chinese
    assert page["info"]["title"] == "「企业信用监管服务平台接口」"
    client.cookies["cp_language"] = "en"
    assert client.get("/api/schema/", {"format": "json"}).json()["info"]["title"] == (
        "Credit Portal API"
    )


@pytest.mark.parametrize(
    ("cookie", "lang", "html_lang"), [("en", "en", "en"), ("", "zh-hans", "zh-CN")]
)
def test_the_docs_page_loads_the_schema_of_its_language(client, cookie, lang, html_lang):
    if cookie:
        client.cookies["cp_language"] = cookie
    page = client.get(reverse("api-docs")).content.decode()
    assert f'<html lang="{html_lang}">' in page
    assert f"lang={lang}" in page  # the start-up script's address carries the language
    script = client.get(reverse("api-docs"), {"script": "", "lang": lang}).content.decode()
    assert f'url: "{escapejs(reverse("api-schema") + "?lang=" + lang)}"' in script


def test_the_favicon_is_the_portals_everywhere(client, admin_user):
    for address in [reverse("login"), reverse("public:search"), reverse("api-docs")]:
        page = client.get(address).content.decode()
        assert f'<link rel="icon" href="{FAVICON}" type="image/svg+xml">' in page, address
    client.force_login(admin_user)
    admin = client.get(reverse("admin:index")).content.decode()
    assert f'<link rel="icon" href="{FAVICON}" type="image/svg+xml">' in admin
    client.logout()
    answer = client.get("/favicon.ico")
    assert answer.status_code in (301, 302) and answer["Location"] == FAVICON
    icon = client.get(answer["Location"])
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
