"""No input reaches a 500 (issue 12, point 6): a NUL byte, which PostgreSQL text cannot hold, in
an address, a query string or a cookie is a 400 that names the character, with no traceback
in the log; in a form or JSON field it is a validation error of that field.

On PostgreSQL: SQLite stores a NUL, so the server errors these tests guard against happen only
there (the driver refuses the query before sending it)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, make_uscc

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres(require_postgres):
    return None


@pytest.fixture
def staff(user_with_perms):
    return user_with_perms(
        EnterprisePerm.VIEW,
        EnterprisePerm.ADD,
        EnterprisePerm.CHANGE,
        EnterprisePerm.ISSUE_ACTIVATION_CODE,
    )


@pytest.fixture
def browser(staff):
    """A logged-in client that answers server errors with the 500 page, as in production."""
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    return client


def _no_traceback(caplog) -> None:
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


def test_a_nul_byte_in_the_credit_code_of_the_activation_code_page_is_a_400(browser, caplog):
    """As observed: /enterprises/<code>%00/activation-code/ was a server error."""
    uscc = EnterpriseFactory().uscc
    with caplog.at_level(logging.INFO):
        response = browser.get(f"/enterprises/{uscc}%00/activation-code/")
        posted = browser.post(f"/enterprises/{uscc}%00/activation-code/", {"valid_days": "30"})
    assert response.status_code == 400
    assert posted.status_code == 400
    body = response.content.decode()
    assert "U+0000 NULL" in body  # the portal's 400 page names the character
    assert "<html" in body
    _no_traceback(caplog)


@pytest.mark.parametrize(
    "url",
    [
        "/enterprises/91510116MA00000000%00/activation-code/issued/",
        "/enterprises/%00/",
        "/enterprises/?q=%E8%93%89%00",
        "/enterprises/?department=%00",
        "/enterprises/?%00=1",
        "/credit/%00/",
        "/credit/?q=a%00b",
        "/admin/enterprises/enterprise/?q=%00",
        "/admin/enterprises/enterprise/%00/change/",
        "/i18n/switch/?language=en&next=/%00",
    ],
)
def test_a_nul_byte_anywhere_in_a_page_address_is_a_400_page(browser, caplog, url):
    with caplog.at_level(logging.INFO):
        response = browser.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The address holds a character that cannot be processed (U+0000 NULL)" in (
        response.content.decode()
    )
    _no_traceback(caplog)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/enterprises/91510116MA00000000%00/",
        "/api/v1/enterprises/?q=%00",
        "/api/v1/enterprises/?ordering=name%00",
        "/api/v1/public/enterprises/?q=%00",
        "/api/v1/public/enterprises/%00/",
    ],
)
def test_a_nul_byte_in_an_api_address_is_a_400_in_the_api_error_format(browser, caplog, url):
    with caplog.at_level(logging.INFO):
        response = browser.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "invalid_character"
    assert "U+0000" in body["detail"]
    _no_traceback(caplog)


def test_a_nul_byte_in_the_session_cookie_is_a_400(caplog):
    """The session key goes into a query: a crafted cookie was a server error."""
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "cookie" in response.content.decode()
    _no_traceback(caplog)


def test_ordinary_addresses_are_untouched(browser):
    ent = EnterpriseFactory()
    assert browser.get(f"/enterprises/{ent.uscc}/activation-code/").status_code == 200
    assert browser.get("/credit/", {"q": "测试 企业"}).status_code == 200
    assert browser.get("/api/v1/enterprises/", {"q": "%25"}).status_code == 200


# Form and JSON fields: a validation error of the field, never a server error -----------------


def test_nul_in_login_and_registration_forms_is_a_field_error(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        login = client.post(reverse("login"), {"username": "li\x00", "password": "x\x00y"})
        register = client.post(
            reverse("me:register"),
            {
                "uscc": "9151\x000116",
                "code": "ABCD\x00",
                "username": "a\x00",
                "password1": "Qiye-Mima-2026\x00",
                "password2": "Qiye-Mima-2026\x00",
                "phone": "138\x00",
                "email": "",
            },
        )
    assert login.status_code == 200
    assert "errorlist" in login.content.decode()
    assert register.status_code == 400
    assert register.content.decode().count("errorlist") >= 3
    _no_traceback(caplog)


def test_nul_in_the_staff_create_form_is_a_field_error(browser, caplog):
    DepartmentFactory()
    data = {
        "uscc": make_uscc(31),
        "name": "带空字符\x00有限公司",
        "former_names": "旧名\x00",
        "entity_type": "company",
        "industry_division": "52",
        "registered_on": "2021-03-04",
        "registration_authority": "双流区市场监管局",
        "address": "棠湖路\x001号",
        "division": "东升街道",
        "legal_rep_name": "李四",
        "registered_capital": "50",
        "business_scope": "零售\x00",
        "department": "am\x00r",
    }
    with caplog.at_level(logging.INFO):
        response = browser.post(reverse("enterprises:create"), data)
    assert response.status_code in (200, 400)
    assert "errorlist" in response.content.decode()
    assert not Enterprise.objects.exists()
    _no_traceback(caplog)


@pytest.mark.parametrize("bad", ["\u0000", "\ud800"])
def test_nul_or_a_lone_surrogate_in_api_json_is_a_field_error(api_client_for, staff, caplog, bad):
    DepartmentFactory()
    client = api_client_for(staff)
    body = {
        "uscc": make_uscc(32),
        "name": f"接口{bad}有限公司",
        "former_names": [f"旧{bad}名"],
        "entity_type": "company",
        "industry_division": "52",
        "registered_on": "2021-03-04",
        "registration_authority": "双流区市场监管局",
        "address": "棠湖路1号",
        "division": "东升街道",
        "legal_rep_name": f"李{bad}四",
        "department": f"amr{bad}",
    }
    with caplog.at_level(logging.INFO):
        # json.dumps writes the characters as \u escapes, as a client would send them.
        response = client.post(
            "/api/v1/enterprises/", json.dumps(body), content_type="application/json"
        )
        token = client.post(
            "/api/v1/auth/token/",
            json.dumps({"username": f"li{bad}", "password": "x"}),
            content_type="application/json",
        )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"name", "former_names", "legal_rep_name", "department"} <= set(errors)
    assert token.status_code == 400
    assert "username" in token.json()["errors"]
    assert not Enterprise.objects.exists()
    _no_traceback(caplog)
