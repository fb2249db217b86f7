import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from credit_portal.audit import AuditEventType, audit_event_record
from credit_portal.models import AuditEvent, Department

pytestmark = pytest.mark.django_db


def _event(actor=None):
    with transaction.atomic():
        return audit_event_record(
            actor=actor,
            event_type="test.thing_done",
            target=Department.objects.create(code="x", name="X"),
            extra={"old": {"a": 1}, "new": {"a": 2}},
        )


def test_records_actor_target_and_before_after(user_with_perms):
    user = user_with_perms()
    event = _event(actor=user)
    event.refresh_from_db()
    assert (event.actor, event.event_type, event.target_type) == (
        user,
        "test.thing_done",
        "credit_portal.department",
    )
    assert event.extra == {"old": {"a": 1}, "new": {"a": 2}}
    assert event.target_repr == "X"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refuses_to_write_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit_event_record(actor=None, event_type="test.orphan")
    assert not AuditEvent.objects.exists()


def test_orm_cannot_change_or_delete_an_event():
    event = _event()
    event.event_type = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(event_type="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).event_type == "test.thing_done"


def test_admin_offers_no_add_change_or_delete(user_with_perms):
    admin_user = user_with_perms(is_superuser=True, is_staff=True)
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = site._registry[AuditEvent]
    event = _event()
    assert model_admin.has_view_permission(request, event)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_admin_change_page_is_read_only(client, user_with_perms):
    admin_user = user_with_perms(is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    event = _event()
    url = f"/admin/credit_portal/auditevent/{event.pk}/change/"
    response = client.post(url, {"event_type": "tampered"})
    assert response.status_code == 403
    assert (
        client.post(
            f"/admin/credit_portal/auditevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.get(pk=event.pk).event_type == "test.thing_done"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE credit_portal_auditevent SET event_type = 'tampered' WHERE id = %s",
        "DELETE FROM credit_portal_auditevent WHERE id = %s",
    ],
)
def test_postgres_trigger_refuses_raw_update_and_delete(require_postgres, sql):
    event = _event()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).event_type == "test.thing_done"


def test_admin_edit_of_a_department_is_audited_with_diff(client, user_with_perms):
    admin_user = user_with_perms(is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    dept = Department.objects.create(code="tax", name="税务局", sort_order=3)
    response = client.post(
        f"/admin/credit_portal/department/{dept.pk}/change/",
        {"code": "tax", "name": "区税务局", "name_en": "", "is_active": "on", "sort_order": 3},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type="admin.credit_portal.department_changed")
    assert event.actor == admin_user
    assert event.extra == {"old": {"name": "税务局"}, "new": {"name": "区税务局"}}
    assert event.request_id  # the request id of the admin request


def test_granting_a_role_in_the_admin_is_audited(client, user_with_perms):
    """Review S2: groups are saved after the user row and were missed."""
    from django.contrib.auth.models import Group

    from credit_portal.models import User

    admin_user = user_with_perms(is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    target = User.objects.create_user(username="newbie", password="Secret-pass-123")
    group = Group.objects.get(name="administrator")
    response = client.post(
        f"/admin/credit_portal/user/{target.pk}/change/",
        {
            "username": "newbie",
            "groups": [group.pk],
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "staff_profile-TOTAL_FORMS": "0",
            "staff_profile-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(event_type="admin.credit_portal.user_grants_changed")
    assert event.actor == admin_user
    assert event.extra["new"]["groups"] == ["administrator"]


def test_a_password_reset_in_the_admin_is_audited(client, user_with_perms):
    from credit_portal.models import User

    admin_user = user_with_perms(is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    target = User.objects.create_user(username="forgetful", password="Secret-pass-123")
    response = client.post(
        f"/admin/credit_portal/user/{target.pk}/password/",
        {
            "password1": "Another-pass-456",
            "password2": "Another-pass-456",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert (
        AuditEvent.objects.filter(
            event_type="accounts.password_reset_by_admin",
            actor=admin_user,
            target_id=str(target.pk),
        ).count()
        == 1
    )


# Event types: declared by the app that records them -----------------------------------------


@pytest.fixture
def event_types(monkeypatch):
    """The registry, restored after the test (declarations made in it are forgotten)."""
    from credit_portal import audit

    monkeypatch.setattr(audit, "_EVENT_TYPES", dict(audit._EVENT_TYPES))
    return audit


def test_a_type_declared_later_by_any_app_gets_its_label_and_summary(event_types):
    event = AuditEvent(event_type="test.thing_done", extra={"n": 3})
    assert event_types.event_label("test.thing_done") == "test.thing_done"  # undeclared: its code
    assert event_types.event_summary(event) == {"summary": ""}
    event_types.audit_event_types_declare(
        AuditEventType(
            "test.thing_done", "Register data changed", lambda e: {"summary": f"{e.extra['n']}"}
        )
    )
    assert event_types.event_label("test.thing_done") == "Register data changed"
    assert event_types.event_summary(event) == {"summary": "3"}


def test_declaring_a_code_again_with_another_label_is_an_error(event_types):
    from django.core.exceptions import ImproperlyConfigured
    from django.utils.translation import gettext_lazy

    first = AuditEventType("test.thing_done", gettext_lazy("Register data changed"))
    event_types.audit_event_types_declare(first)
    event_types.audit_event_types_declare(  # the same declaration again: nothing changes
        AuditEventType("test.thing_done", gettext_lazy("Register data changed"))
    )
    with pytest.raises(ImproperlyConfigured, match=r"test\.thing_done"):
        event_types.audit_event_types_declare(
            AuditEventType("test.thing_done", gettext_lazy("Status changed"))
        )
    with pytest.raises(ImproperlyConfigured, match=r"enterprises\.status_changed"):
        event_types.audit_event_types_declare(
            AuditEventType("enterprises.status_changed", "Something else")
        )
    with pytest.raises(ImproperlyConfigured):  # same label, another summary
        event_types.audit_event_types_declare(
            AuditEventType("test.thing_done", "Register data changed", lambda e: {})
        )
    assert event_types.audit_event_type("test.thing_done") is first


def test_the_apps_label_their_own_event_types_in_chinese():
    from django.utils import translation

    from credit_portal.audit import event_label

    with translation.override("zh-hans"):
        assert event_label("accounts.user_logged_in") == "登录"  # the core's
        assert event_label("enterprises.enterprise_created") == "新增市场主体"  # the register's
        assert event_label("admin.credit_portal.department_changed") != (
            "admin.credit_portal.department_changed"
        )  # the admin's, by pattern


def test_every_event_type_the_code_records_is_declared():
    """A literal `event_type="..."` anywhere in the apps has a declared type (a label)."""
    import ast
    from pathlib import Path

    from django.conf import settings

    from credit_portal.audit import audit_event_type

    root = Path(settings.BASE_DIR)
    recorded: dict[str, str] = {}
    apps = ("credit_portal", "enterprises", "risk", "inspections", "remediation", "annual_reports")
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.keyword)
                    and node.arg == "event_type"
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                ):
                    recorded[node.value.value] = f"{path.relative_to(root)}:{node.lineno}"
    assert "enterprises.status_changed" in recorded  # the walk found the services
    undeclared = {code: where for code, where in recorded.items() if not audit_event_type(code)}
    assert undeclared == {}
