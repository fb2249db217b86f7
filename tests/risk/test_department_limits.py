"""What stays a department's own (issue 16 §5, §8; the new-user test of 2026-12-07): a
partner department's task is acknowledged by that department's staff, not by the bureau's;
a run over the whole register is started by the bureau's staff, a partner department runs
only one of its own enterprises — on the page and through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import Department
from credit_portal.roles import Role
from risk.models import ClassChangeTask, ClassificationRun
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory
from tests.risk.factories import applied_run, general_version
from tests.risk.test_pages import EN, logged_in, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(db: Any) -> Department:
    return DepartmentFactory(code="eco", name="区生态环境局", is_bureau=False)


def partner_task(partner: Department) -> ClassChangeTask:
    return ClassChangeTask.objects.create(
        enterprise=EnterpriseFactory(department=partner),
        department=partner,
        run=applied_run(),
        from_class="B",
        to_class="C",
        due_on=timezone.localdate() + dt.timedelta(days=5),
    )


def test_the_bureau_sees_a_partner_task_but_only_the_partner_acknowledges_it(
    department, partner, api_client_for
):
    task = partner_task(partner)
    officer = staff(Role.CREDIT_OFFICER, department, "officer")
    url = reverse("risk:task_acknowledge", args=[task.pk])

    refused = logged_in(officer).post(url, {"note": "已处理"}, **EN)
    assert refused.status_code == 400
    assert "Only the staff of 区生态环境局 can acknowledge this task." in refused.content.decode()
    api = api_client_for(officer)
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    answer = api.post(
        f"/api/v1/class-change-tasks/{task.pk}/acknowledge/", {"note": "已处理"}, format="json"
    )
    assert answer.status_code == 403
    task.refresh_from_db()
    assert task.done_at is None

    own = staff(Role.CREDIT_OFFICER, partner, "eco-officer")
    done = logged_in(own).post(url, {"note": "已约谈"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.done_by, task.note) == (own, "已约谈")


def test_a_partner_department_cannot_run_the_whole_register(partner, api_client_for):
    general_version()
    admin = staff(Role.ADMINISTRATOR, partner, "eco-admin")
    page = logged_in(admin).post(reverse("risk:run_start"), {"reason": "manual"}, **EN)
    assert page.status_code == 403
    api = api_client_for(admin)
    answer = api.post("/api/v1/classification-runs/", {"reason": "manual"}, format="json")
    assert answer.status_code == 403
    assert not ClassificationRun.objects.exists()
