"""The admin cannot lose an update (issue 12, point 7): the enterprise change form carries the
version it was loaded at and must send it back; a save from an older version, or without one,
is refused with a message and the form keeps the person's input, and the other person's
change stays."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from enterprises.models import Enterprise
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory

STALE = "Someone else changed this market entity while you were editing it"


def _admin(user_with_perms, username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user_with_perms(username=username, is_superuser=True, is_staff=True))
    return client


def _loaded(client: Client, ent: Enterprise) -> dict[str, str]:
    """What the change form sends back as loaded: its fields, with the hidden version."""
    page = client.get(reverse("admin:enterprises_enterprise_change", args=[ent.pk])).content
    version = re.search(rb'name="expected_version" value="(\d+)"', page)
    assert version is not None, "the change form carries the version it was loaded at"
    return {
        "uscc": ent.uscc,
        "legacy_reg_no": ent.legacy_reg_no,
        "name": ent.name,
        "former_names": "[]",
        "entity_type": ent.entity_type,
        "industry_section": ent.industry_section,
        "industry_division": ent.industry_division,
        "registered_on": ent.registered_on.isoformat(),
        "registration_authority": ent.registration_authority,
        "address": ent.address,
        "division": ent.division,
        "legal_rep_name": ent.legal_rep_name,
        "registered_capital": "",
        "business_scope": ent.business_scope,
        "department": str(ent.department_id),
        "expected_version": version.group(1).decode(),
    }


def _post(client: Client, ent: Enterprise, data: dict[str, str]):
    return client.post(
        reverse("admin:enterprises_enterprise_change", args=[ent.pk]),
        data,
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.django_db
def test_two_admins_edit_the_same_entity_the_later_save_is_refused_and_nothing_is_lost(
    user_with_perms,
):
    ent = EnterpriseFactory(department=DepartmentFactory(), address="棠湖路1号")
    first, second = _admin(user_with_perms, "admin1"), _admin(user_with_perms, "admin2")
    form_one, form_two = _loaded(first, ent), _loaded(second, ent)

    assert _post(first, ent, {**form_one, "address": "棠湖路99号"}).status_code == 302
    refused = _post(second, ent, {**form_two, "name": "第二位管理员改的名称"})

    assert refused.status_code == 200
    body = refused.content.decode()
    assert STALE in body and "version 1" in body and "version 2" in body
    assert "第二位管理员改的名称" in body  # their input is still on the form
    ent.refresh_from_db()
    assert (ent.address, ent.name, ent.version) == ("棠湖路99号", form_one["name"], 2)

    again = _loaded(second, ent)  # opened again: the first admin's change, the new version
    assert again["address"] == "棠湖路99号"
    assert _post(second, ent, {**again, "name": "第二位管理员改的名称"}).status_code == 302
    ent.refresh_from_db()
    assert (ent.address, ent.name, ent.version) == ("棠湖路99号", "第二位管理员改的名称", 3)


@pytest.mark.django_db
def test_a_change_without_its_version_is_refused(user_with_perms):
    """The version used to be optional: a form or script that left it out overwrote whatever
    had been saved since it was loaded."""
    ent = EnterpriseFactory(department=DepartmentFactory(), version=4)
    admin = _admin(user_with_perms, "admin1")
    data = _loaded(admin, ent)
    del data["expected_version"]
    response = _post(admin, ent, {**data, "address": "旧页面提交的地址"})
    assert response.status_code == 200
    assert "did not say which version" in response.content.decode()
    ent.refresh_from_db()
    assert (ent.address, ent.version) == (data["address"], 4)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_saves_at_the_same_moment_one_wins_the_other_is_told(
    require_postgres, user_with_perms, monkeypatch
):
    """Both forms were loaded at version 1 and both are sent while the first save is still
    running: the check of the second waits for the first to commit (a row lock taken by the
    form, held by the admin's transaction) and refuses it with the message. Without the lock,
    the second passed the form's check and failed in the service: a server error."""
    import enterprises.admin

    ent = EnterpriseFactory(department=DepartmentFactory(), address="棠湖路1号")
    first, second = _admin(user_with_perms, "admin1"), _admin(user_with_perms, "admin2")
    form_one, form_two = _loaded(first, ent), _loaded(second, ent)
    saving = threading.Event()
    real_update = enterprises.admin.enterprise_update

    def slow_first_update(**kwargs):
        if threading.current_thread().name == "first":
            saving.set()
            time.sleep(0.5)  # the second request arrives meanwhile
        return real_update(**kwargs)

    monkeypatch.setattr(enterprises.admin, "enterprise_update", slow_first_update)
    answers: dict[str, int | str] = {}

    def send(name: str, client: Client, data: dict[str, str]) -> None:
        try:
            response = _post(client, ent, data)
            answers[name] = response.status_code
            answers[f"{name}_body"] = response.content.decode()
        finally:
            connections.close_all()

    one = threading.Thread(
        target=send, name="first", args=("first", first, {**form_one, "address": "棠湖路99号"})
    )
    two = threading.Thread(
        target=send, name="second", args=("second", second, {**form_two, "name": "同时改名"})
    )
    one.start()
    assert saving.wait(10)
    two.start()
    one.join(20)
    two.join(20)

    assert (answers["first"], answers["second"]) == (302, 200)
    assert STALE in str(answers["second_body"])
    ent.refresh_from_db()
    assert (ent.address, ent.name, ent.version) == ("棠湖路99号", form_one["name"], 2)
