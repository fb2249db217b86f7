"""The policy catalogue is kept through a service (validated, versioned, audited) and in the
admin, whose writes go through that service (issue 18 §3)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent, StaffProfile, User
from credit_portal.roles import Role
from station.models import PolicyMeasure
from station.services import measure_save
from tests.station.factories import logged_in, measure, today

pytestmark = pytest.mark.django_db


def test_a_measure_is_created_and_changed_with_an_audit_event_each(user_with_role):
    admin = user_with_role(Role.ADMINISTRATOR)
    created = measure_save(
        actor=admin,
        data={
            "code": "rent",
            "title": "Rent relief",
            "benefit": "30% of rent",
            "valid_from": today(),
            "conditions": [{"type": "operating"}],
        },
    )
    assert created.version == 1 and created.created_by == admin
    changed = measure_save(
        actor=admin,
        measure=created,
        expected_version=1,
        data={"conditions": [{"type": "operating"}, {"type": "no_abnormal_listing"}]},
    )
    assert changed.version == 2 and changed.title == "Rent relief"
    events = list(
        AuditEvent.objects.filter(event_type="station.measure_saved", target_id=str(created.pk))
        .order_by("id")
        .values_list("extra", flat=True)
    )
    assert [e["created"] for e in events] == [True, False]
    assert events[1]["changed"] == ["conditions"]
    assert events[1]["conditions_before"] == [{"type": "operating"}]
    assert events[1]["conditions_after"][-1] == {"type": "no_abnormal_listing"}


def test_a_stale_version_is_a_conflict_and_nothing_is_written():
    saved = measure("m1")
    measure_save(actor=None, measure=saved, expected_version=1, data={"title": "New"})
    with pytest.raises(ConflictError):
        measure_save(actor=None, measure=saved, expected_version=1, data={"title": "Mine"})
    assert PolicyMeasure.objects.get(pk=saved.pk).title == "New"


def test_bad_data_is_refused_field_by_field():
    with pytest.raises(ValidationError) as refused:
        measure_save(
            actor=None,
            data={
                "code": "bad code",
                "title": "",
                "benefit": "x",
                "valid_from": today(),
                "valid_until": today() - dt.timedelta(days=1),
                "document_url": "javascript:alert(1)",
                "conditions": [{"type": "colour", "value": "red"}],
            },
        )
    errors = refused.value.message_dict
    assert set(errors) == {"code", "title", "valid_until", "document_url", "conditions"}
    assert "unknown condition “colour”" in errors["conditions"][0]
    assert not PolicyMeasure.objects.exists()
    assert not AuditEvent.objects.filter(event_type="station.measure_saved").exists()


def _admin_user(username: str = "keeper") -> User:
    user = User.objects.create_user(username=username, password="Secret-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name=str(Role.ADMINISTRATOR)))
    from credit_portal.models import Department

    StaffProfile.objects.create(user=user, department=Department.objects.get(code="amr"))
    return User.objects.get(pk=user.pk)


def _form(m: PolicyMeasure, **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": m.code,
        "title": m.title,
        "summary": m.summary,
        "benefit": m.benefit,
        "how_to_apply": "",
        "department": "",
        "document_number": "",
        "document_url": "",
        "valid_from": m.valid_from.isoformat(),
        "valid_until": "",
        "is_active": "on",
        "conditions": json.dumps(m.conditions),
        "version": str(m.version),  # the version the form was read at (the optimistic lock)
    }
    data.update(over)
    return data


def test_the_admin_changes_a_measure_through_the_service_with_its_audit(department):
    m = measure("m1", [{"type": "operating"}])
    client = logged_in(_admin_user())
    url = f"/admin/station/policymeasure/{m.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "no_overdue_letter" in page.content.decode()

    response = client.post(
        url, _form(m, conditions=json.dumps([{"type": "streets", "value": ["东升街道"]}]))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    m.refresh_from_db()
    assert m.version == 2 and m.conditions == [{"type": "streets", "value": ["东升街道"]}]
    event = AuditEvent.objects.filter(event_type="station.measure_saved").latest("id")
    assert event.actor.username == "keeper" and event.extra["changed"] == ["conditions"]
    assert "conditions" in client.get(url).content.decode()  # the history shows the change


def test_the_admin_shows_the_services_problems_on_the_form(department):
    m = measure("m1", [{"type": "operating"}])
    client = logged_in(_admin_user())
    url = f"/admin/station/policymeasure/{m.pk}/change/"
    response = client.post(
        url, _form(m, conditions=json.dumps([{"type": "entity_types", "value": ["llc"]}]))
    )
    assert response.status_code == 200
    assert "not a known code: llc" in response.content.decode()
    m.refresh_from_db()
    assert m.version == 1


def test_the_admin_refuses_a_save_from_a_form_read_before_another_change(department):
    """Review finding 3: two administrators open the same measure at version 1; the first
    saves; the second's save is refused with a form error and changes nothing."""
    m = measure("m1", [{"type": "operating"}])
    first, second = logged_in(_admin_user()), logged_in(_admin_user("other"))
    url = f"/admin/station/policymeasure/{m.pk}/change/"
    for client in (first, second):
        page = client.get(url).content.decode()
        assert 'name="version" value="1"' in page  # each form carries what it read
    response = first.post(url, _form(m, title="First's title"))
    assert response.status_code == 302, response.content.decode()[:2000]

    response = second.post(
        url, _form(m, conditions=json.dumps([{"type": "streets", "value": ["东升街道"]}]))
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this measure meanwhile (now version 2" in body
    m.refresh_from_db()
    assert m.version == 2 and m.title == "First's title"
    assert m.conditions == [{"type": "operating"}]  # the second's change did not land
    saves = AuditEvent.objects.filter(event_type="station.measure_saved", target_id=str(m.pk))
    assert [e.actor.username if e.actor else None for e in saves.order_by("id")] == [None, "keeper"]

    # A form without the version it was read at is refused too; one read at v2 saves.
    assert second.post(url, _form(m, version="", title="X")).status_code == 200
    m.refresh_from_db()
    assert m.version == 2 and m.title == "First's title"
    response = second.post(
        url, _form(m, conditions=json.dumps([{"type": "streets", "value": ["东升街道"]}]))
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.version == 3 and m.title == "First's title"


def test_nothing_is_deleted_in_the_admin(department):
    m = measure("m1")
    client = logged_in(_admin_user())
    assert client.get(f"/admin/station/policymeasure/{m.pk}/delete/").status_code == 403
