"""Registration does not reveal which usernames exist (issue 12, point 9c).

Without the bureau's live activation code for the credit code, a taken and a free username get
the same answer after the same database work; only the holder of a valid code learns that the
name they chose is taken (they must choose another), and that answer counts against the
registration throttle like a refused code."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credit_portal.models import User
from enterprises.models import EnterpriseMembership
from enterprises.permissions import EnterprisePerm
from enterprises.services.accounts import REGISTRATION_FAILURES_PER_IP, activation_code_issue
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Qiye-Mima-2026"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="成都蓉信商贸有限公司")


@pytest.fixture
def plain_code(user_with_perms, enterprise):
    issuer = user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.ISSUE_ACTIVATION_CODE)
    return activation_code_issue(actor=issuer, enterprise=enterprise)[1]


def _data(enterprise, code: str, username: str) -> dict[str, str]:
    return {
        "uscc": enterprise.uscc,
        "code": code,
        "username": username,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "phone": "13812345678",
        "email": "",
    }


def _attempt(client, data: dict[str, str], address: str) -> tuple[int, str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("me:register"), data, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en"
        )
    body = _CSRF.sub("", response.content.decode()).replace(data["username"], "NAME")
    return response.status_code, body, [q["sql"] for q in queries.captured_queries]


def test_without_a_valid_code_a_taken_and_a_free_username_get_the_same_answer(
    client, enterprise, plain_code, user_with_perms
):
    user_with_perms(username="wangwu")  # taken
    wrong = "ABCD-EFGH-JKLM-NPQR"
    taken = _attempt(client, _data(enterprise, wrong, "wangwu"), "198.51.100.21")
    free = _attempt(client, _data(enterprise, wrong, "zhaoliu"), "198.51.100.22")

    assert taken[0] == free[0] == 400
    assert "taken" not in taken[1]
    assert taken[1] == free[1]  # the same page, word for word
    assert len(taken[2]) == len(free[2])  # the same database work: no timing difference
    assert not any("username" in sql.lower() for sql in taken[2])


def test_the_holder_of_a_valid_code_learns_it_and_the_answer_is_counted(
    client, enterprise, plain_code, user_with_perms
):
    user_with_perms(username="wangwu")
    status, body, _queries = _attempt(
        client, _data(enterprise, plain_code, "WangWu"), "198.51.100.23"
    )
    assert status == 400
    assert "This username is taken; choose another." in body
    assert not EnterpriseMembership.objects.exists()

    # Probing names with a valid code is throttled like guessing codes.
    for n in range(REGISTRATION_FAILURES_PER_IP - 1):
        assert _attempt(client, _data(enterprise, plain_code, "wangwu"), "198.51.100.23")[0] == (
            400
        ), n
    blocked = client.post(
        reverse("me:register"),
        _data(enterprise, plain_code, "free-name"),
        REMOTE_ADDR="198.51.100.23",
    )
    assert blocked.status_code == 429

    # From elsewhere, a free name registers.
    done = client.post(
        reverse("me:register"),
        _data(enterprise, plain_code, "free-name"),
        REMOTE_ADDR="198.51.100.24",
    )
    assert done.status_code == 302
    assert User.objects.filter(username="free-name").exists()
