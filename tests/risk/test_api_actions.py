"""What staff do about a class in the API (issue 16 §7, §8): a supervisor overrides a class with
a reason until an expiry, and ends it early; a department lists the tasks a change of class
gave it and acknowledges one with a note. Every bad input is a 400 naming its field, acting on
what has ended or been acknowledged a 409; nothing is written then."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from credit_portal.models import AuditEvent, User
from enterprises.models import Enterprise
from risk import audit_events, rules
from risk.models import ClassChangeTask, ClassOverride, CurrentClass, ModelVersion
from tests.risk.factories import applied_run, classify_by_hand, general_version
from tests.risk.test_api_access import company, eco, reader, supervisor, task_for, url

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def classified(**over: Any) -> Enterprise:
    """A company classified B by hand (one general version for all)."""
    firm = company(**over)
    version = ModelVersion.objects.filter(status="published").first() or general_version()
    classify_by_hand(firm, "B", version=version)
    return firm


def override(client, firm, **body):
    data = {
        "risk_class": "D",
        "reason": "现场检查发现重大隐患",
        "expires_on": str(today() + dt.timedelta(days=30)),
        **body,
    }
    return client.post(
        url("enterprise-class-override", uscc=firm.uscc),
        {k: v for k, v in data.items() if v is not None},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


# --------------------------------------------------------------------------- overrides


def test_a_supervisor_overrides_a_class_and_ends_it(api_client_for):
    firm = classified()
    boss = supervisor()
    client = api_client_for(boss)
    expires = today() + dt.timedelta(days=30)

    response = override(client, firm)

    assert response.status_code == 201, response.content
    made = ClassOverride.objects.get()
    assert response.json() == {
        "id": made.pk,
        "risk_class": "D",
        "reason": "现场检查发现重大隐患",
        "starts_on": str(today()),
        "expires_on": str(expires),
        "set_by": boss.username,
        "created_at": response.json()["created_at"],
        "ended_on": None,
        "ended_by": None,
        "end_reason": "",
    }
    current = CurrentClass.objects.get(enterprise=firm)
    assert (current.risk_class, current.computed_class, current.override_id) == ("D", "B", made.pk)
    event = AuditEvent.objects.get(event_type=audit_events.OVERRIDE_SET)
    assert (event.actor_id, event.enterprise_id) == (boss.pk, firm.pk)

    ended = client.post(url("class-override-end", made.pk), {"reason": "隐患已整改"}, format="json")

    assert ended.status_code == 200, ended.content
    assert (ended.json()["ended_on"], ended.json()["ended_by"]) == (str(today()), boss.username)
    assert ended.json()["end_reason"] == "隐患已整改"
    current.refresh_from_db()
    assert (current.risk_class, current.override_id) == ("B", None)
    assert AuditEvent.objects.filter(event_type=audit_events.OVERRIDE_ENDED).count() == 1

    again = client.post(
        url("class-override-end", made.pk),
        {"reason": "再次结束"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 409
    assert again.json() == {"detail": "This override has already ended.", "code": "conflict"}
    assert AuditEvent.objects.filter(event_type=audit_events.OVERRIDE_ENDED).count() == 1


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"risk_class": "E"}, "risk_class", "not a valid choice"),
        ({"risk_class": None}, "risk_class", "required"),
        ({"reason": None}, "reason", "required"),
        ({"reason": "   "}, "reason", "may not be blank"),
        ({"reason": "x" * 2001}, "reason", "no more than"),
        ({"expires_on": None}, "expires_on", "required"),
        ({"expires_on": "2020-01-01"}, "expires_on", "beyond today"),
        ({"expires_on": "today"}, "expires_on", "wrong format"),
        ("past_limit", "expires_on", "at most"),
    ],
)
def test_every_bad_override_is_a_400_naming_its_field(api_client_for, body, field, words):
    firm = classified()
    if body == "past_limit":
        body = {"expires_on": str(today() + dt.timedelta(days=rules.OVERRIDE_MAX_DAYS + 1))}

    response = override(api_client_for(supervisor()), firm, **body)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert words in " ".join(response.json()["errors"][field])
    assert not ClassOverride.objects.exists()
    assert CurrentClass.objects.get(enterprise=firm).risk_class == "B"


def test_an_enterprise_without_a_class_cannot_be_overridden(api_client_for):
    firm = company()
    response = override(api_client_for(supervisor()), firm)
    assert response.status_code == 400
    assert "no class yet" in response.json()["errors"]["non_field_errors"][0]
    assert not ClassOverride.objects.exists()


def test_ending_an_override_needs_a_reason(api_client_for):
    firm = classified()
    client = api_client_for(supervisor())
    made = override(client, firm).json()
    for body in ({}, {"reason": ""}):
        response = client.post(url("class-override-end", made["id"]), body, format="json")
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"reason"}
    assert ClassOverride.objects.get().ended_on is None


# --------------------------------------------------------------------------- tasks


def test_a_department_lists_its_tasks_and_acknowledges_one(
    api_client_for, django_assert_num_queries
):
    run = applied_run()
    firm = classified()
    eco_firm = classified(department=eco())
    open_task = task_for(firm, run, due_on=today() - dt.timedelta(days=1))
    later = task_for(firm, run, from_class="C", to_class="D")
    theirs = task_for(eco_firm, run)
    boss = supervisor()
    client = api_client_for(boss)

    body = client.get(url("class-change-task-list"), {"open": "true"}).json()

    assert [t["id"] for t in body["results"]] == [open_task.pk, later.pk, theirs.pk]
    first = body["results"][0]
    assert first == {
        "id": open_task.pk,
        "enterprise": {"uscc": firm.uscc, "name": firm.name},
        "department": {"code": "amr", "name": "区市场监督管理局"},
        "run": run.pk,
        "from_class": "B",
        "to_class": "C",
        "created_at": first["created_at"],
        "due_on": str(today() - dt.timedelta(days=1)),
        "overdue": True,
        "done_at": None,
        "done_by": None,
        "note": "",
    }
    assert body["results"][1]["overdue"] is False

    done = client.post(
        url("class-change-task-acknowledge", open_task.pk),
        {"note": "已安排现场检查"},
        format="json",
    )

    assert done.status_code == 200, done.content
    assert (done.json()["done_by"], done.json()["note"]) == (boss.username, "已安排现场检查")
    assert done.json()["overdue"] is False
    assert AuditEvent.objects.filter(event_type=audit_events.TASK_DONE).count() == 1
    ids = [
        t["id"]
        for t in client.get(url("class-change-task-list"), {"open": "true"}).json()["results"]
    ]
    assert ids == [later.pk, theirs.pk]
    done_ids = client.get(url("class-change-task-list"), {"open": "false"}).json()["results"]
    assert [t["id"] for t in done_ids] == [open_task.pk]
    assert client.get(url("class-change-task-list")).json()["count"] == 3
    bad = client.get(url("class-change-task-list"), {"open": "maybe"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"open"}

    # A partner department sees its own department's only.
    partner = api_client_for(reader("eco-reader", department=eco()))
    assert [t["id"] for t in partner.get(url("class-change-task-list")).json()["results"]] == [
        theirs.pk
    ]

    # The query count does not grow with the tasks.
    for tasks in (3, 13):
        fresh = api_client_for(User.objects.get(pk=boss.pk))  # permissions not cached
        with django_assert_num_queries(4):  # permissions (2), count, page
            assert fresh.get(url("class-change-task-list")).json()["count"] == tasks
        for _ in range(10):
            task_for(firm, run)


def test_acknowledging_twice_is_a_409_and_without_a_note_a_400(api_client_for):
    run = applied_run()
    task = task_for(classified(), run)
    client = api_client_for(supervisor())
    address = url("class-change-task-acknowledge", task.pk)

    for body in ({}, {"note": "  "}):
        response = client.post(address, body, format="json")
        assert response.status_code == 400 and set(response.json()["errors"]) == {"note"}
    assert ClassChangeTask.objects.get().done_at is None
    assert client.post(address, {"note": "已处理"}, format="json").status_code == 200
    again = client.post(address, {"note": "再次"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert again.json()["detail"] == "This task has already been acknowledged."
    assert ClassChangeTask.objects.get().note == "已处理"
