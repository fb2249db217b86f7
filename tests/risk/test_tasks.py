"""Class change tasks (issue 16 §8, sensing): the acknowledgement service (a note, open tasks
only, audited) and the tasks page (the user's departments only, overdue first, acknowledged
with a note through the page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import AuditEvent, Department
from credit_portal.roles import Role
from risk import audit_events as events
from risk.models import ClassChangeTask
from risk.services.tasks import task_acknowledge
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory
from tests.risk.factories import applied_run, classify_by_hand, general_version
from tests.risk.test_pages import EN, logged_in, staff, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(db: Any) -> Department:
    return DepartmentFactory(code="eco", name="区生态环境局", is_bureau=False)


def task(
    department: Department, *, due_in: int, to_class: str = "C", **fields: Any
) -> ClassChangeTask:
    enterprise = EnterpriseFactory(department=department)
    return ClassChangeTask.objects.create(
        enterprise=enterprise,
        department=department,
        run=applied_run(),
        from_class=fields.pop("from_class", "B"),
        to_class=to_class,
        due_on=timezone.localdate() + dt.timedelta(days=due_in),
        **fields,
    )


# --------------------------------------------------------------------------- the service


def test_acknowledging_needs_a_note_and_is_audited(user_with_role, department):
    officer = user_with_role(Role.CREDIT_OFFICER)
    open_task = task(department, due_in=5)
    with pytest.raises(ValidationError) as refused:
        task_acknowledge(task=open_task, by=officer, note="   ")
    assert "note" in refused.value.message_dict
    assert not AuditEvent.objects.filter(event_type=events.TASK_DONE).exists()

    task_acknowledge(task=open_task, by=officer, note="已约谈法定代表人")

    open_task.refresh_from_db()
    assert (open_task.done_by, open_task.note) == (officer, "已约谈法定代表人")
    assert open_task.done_at is not None
    event = AuditEvent.objects.get(event_type=events.TASK_DONE)
    assert (event.actor, event.enterprise_id, event.target_id) == (
        officer,
        open_task.enterprise_id,
        str(open_task.pk),
    )
    assert event.extra["to_class"] == "C" and event.extra["note"] == "已约谈法定代表人"


def test_a_task_is_acknowledged_once(user_with_role, department):
    officer = user_with_role(Role.CREDIT_OFFICER)
    open_task = task(department, due_in=5)
    task_acknowledge(task=open_task, by=officer, note="一")
    with pytest.raises(ValidationError):
        task_acknowledge(task=open_task, by=officer, note="二")
    open_task.refresh_from_db()
    assert open_task.note == "一"
    assert AuditEvent.objects.filter(event_type=events.TASK_DONE).count() == 1


# --------------------------------------------------------------------------- the page


def test_tasks_page_lists_the_departments_open_tasks_overdue_first(department, partner):
    officer = staff(Role.CREDIT_OFFICER, department, "officer")
    later = task(department, due_in=9)
    overdue = task(department, due_in=-2, to_class="D")
    theirs = task(partner, due_in=1)
    done = task(department, due_in=3, done_at=timezone.now(), done_by=officer, note="处理完毕")

    response = logged_in(officer).get(reverse("risk:tasks"), **EN)

    body = response.content.decode()
    open_part = body.split('data-testid="open-tasks-table"')[1].split("</table>")[0]
    # The bureau sees every department's tasks; overdue first.
    order = [open_part.find(f'data-task="{t.pk}"') for t in (overdue, theirs, later)]
    assert -1 not in order and order == sorted(order)
    assert f'data-task="{done.pk}"' not in open_part
    assert "overdue" in text(response) and "处理完毕" in text(response)

    partner_officer = staff(Role.CREDIT_OFFICER, partner, "partner")
    mine = logged_in(partner_officer).get(reverse("risk:tasks")).content.decode()
    assert f'data-task="{theirs.pk}"' in mine
    assert f'data-task="{later.pk}"' not in mine and f'data-task="{overdue.pk}"' not in mine


def test_acknowledge_through_the_page(department):
    officer = staff(Role.CREDIT_OFFICER, department, "officer")
    open_task = task(department, due_in=4)
    client = logged_in(officer)
    url = reverse("risk:task_acknowledge", args=[open_task.pk])

    empty = client.post(url, {"note": ""}, **EN)
    assert empty.status_code == 400
    assert 'data-testid="ack-error"' in empty.content.decode()

    response = client.post(url, {"note": "已现场核查"})

    assert response.status_code == 302 and response["Location"] == reverse("risk:tasks")
    open_task.refresh_from_db()
    assert (open_task.done_by, open_task.note) == (officer, "已现场核查")
    again = client.post(url, {"note": "再次"}, **EN)
    assert again.status_code == 400
    assert "already been acknowledged" in text(again)


def test_a_partner_cannot_acknowledge_another_departments_task(department, partner):
    open_task = task(department, due_in=4)
    partner_officer = staff(Role.CREDIT_OFFICER, partner, "partner")
    response = logged_in(partner_officer).post(
        reverse("risk:task_acknowledge", args=[open_task.pk]), {"note": "越权"}
    )
    assert response.status_code == 404
    open_task.refresh_from_db()
    assert open_task.done_at is None


def test_who_may_see_and_who_may_acknowledge(department):
    open_task = task(department, due_in=4)
    administrator = staff(Role.ADMINISTRATOR, department, "admin")  # sees tasks, cannot act
    page = logged_in(administrator).get(reverse("risk:tasks"))
    assert page.status_code == 200
    assert 'data-testid="ack-form"' not in page.content.decode()
    url = reverse("risk:task_acknowledge", args=[open_task.pk])
    assert logged_in(administrator).post(url, {"note": "x"}).status_code == 403
    inspector = staff(Role.INSPECTOR, department, "inspector")
    assert logged_in(inspector).get(reverse("risk:tasks")).status_code == 403
    assert logged_in(inspector).post(url, {"note": "x"}).status_code == 403
    open_task.refresh_from_db()
    assert open_task.done_at is None


def test_tasks_page_costs_the_same_queries_for_more_tasks(department, django_assert_num_queries):
    general_version()
    officer = staff(Role.CREDIT_OFFICER, department, "officer")
    client = logged_in(officer)
    task(department, due_in=3)
    client.get(reverse("risk:tasks"))  # the session, and the working-day calendar, read once
    counts = []
    for batch in (2, 20):
        for _ in range(batch):
            task(department, due_in=3)
        # +1: the navigation's inbox count (credit_portal.inbox, one query).
        with django_assert_num_queries(counts[0] if counts else 9) as captured:
            client.get(reverse("risk:tasks"))
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_distribution_shows_the_open_tasks_count(department):
    officer = staff(Role.CREDIT_OFFICER, department, "officer")
    for _ in range(3):
        task(department, due_in=3)
    classify_by_hand(EnterpriseFactory(), "A")
    body = logged_in(officer).get(reverse("risk:distribution")).content.decode()
    assert 'data-testid="open-tasks">3<' in body
