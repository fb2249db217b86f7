"""The demo explains itself (issue 13, point 9): `seed_demo`, which `dev.py serve` runs, prints
each login with its role and where it works, and a partner department can be tried with
an administrator who has write rights."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from credit_portal.demo import DEMO_PASSWORD, STAFF
from credit_portal.models import Department, User
from credit_portal.roles import ROLE_LABELS, Role
from enterprises.demo_accounts import ENTERPRISE_USERS
from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def seed_output() -> str:
    out = StringIO()
    call_command("seed_demo", "--enterprises", "400", "--seed", "5", stdout=out)
    return out.getvalue()


def login_lines(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines() if DEMO_PASSWORD in line}


def test_every_demo_login_is_printed_with_its_role_and_where_it_works():
    with translation.override("en"):
        lines = login_lines(seed_output())
        labels = {role: str(label) for role, label in ROLE_LABELS.items()}
    assert set(lines) == {u for u, *_rest in STAFF} | {u for u, *_rest in ENTERPRISE_USERS}
    for username, _display, role, department_code, _site in STAFF:
        line = lines[username]
        department = Department.objects.get(code=department_code)
        assert str(role) in line and labels[role] in line, line
        assert (department.name_en or department.name) in line, line
        where = "the bureau: the whole district" if department.is_bureau else "partner department"
        assert where in line, line
    assert "partner department" in lines["env-inspector"]
    assert "reads the register" in lines["env-inspector"]
    assert "edits the register" in lines["env-admin"]
    assert "its department's accounts" in lines["env-admin"]
    assert "superuser" in lines["admin"]
    assert "(9" in lines["ent-company"]  # its enterprise, with the credit code


def test_the_printed_logins_speak_the_default_language():
    lines = login_lines(seed_output())
    assert "区生态环境局" in lines["env-inspector"]
    assert str(ROLE_LABELS[Role.INSPECTOR]) in lines["env-inspector"]


def test_a_partner_departments_administrator_edits_its_own_entities_only(client):
    seed_output()
    admin = User.objects.get(username="env-admin")
    assert admin.is_staff and not admin.is_superuser
    assert admin.staff_profile.department.code == "eco"
    assert not admin.staff_profile.department.is_bureau
    own = Enterprise.objects.filter(department__code="eco").first()
    other = Enterprise.objects.exclude(department__code="eco").first()
    assert own is not None and other is not None
    login = client.post(reverse("login"), {"username": "env-admin", "password": DEMO_PASSWORD})
    assert login.status_code == 302  # the printed password works
    assert client.get(reverse("enterprises:edit", kwargs={"uscc": own.uscc})).status_code == 200
    assert client.get(reverse("enterprises:edit", kwargs={"uscc": other.uscc})).status_code == 404
    assert client.get(reverse("admin:index")).status_code == 200
