import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from credit_portal.roles import STAFF_ROLES, Role

pytestmark = pytest.mark.django_db


def test_data_migration_creates_every_role():
    names = set(Group.objects.values_list("name", flat=True))
    assert {str(r) for r in Role} <= names


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_opens_the_workbench(client, user_with_role, role):
    client.force_login(user_with_role(role))
    response = client.get(reverse("home"))
    assert response.status_code == 200


def test_enterprise_role_has_no_staff_access(client, user_with_role):
    client.force_login(user_with_role(Role.ENTERPRISE_USER))
    assert client.get(reverse("home"), follow=True).status_code == 403


def test_only_supervisor_and_administrator_read_the_audit_log(user_with_role):
    readers = {
        r
        for r in Role
        if user_with_role(r, username=f"u-{r}").has_perm("credit_portal.view_auditevent")
    }
    assert readers == {Role.SUPERVISOR, Role.ADMINISTRATOR}


def test_navigation_follows_permissions(client, user_with_role):
    admin = user_with_role(Role.ADMINISTRATOR)
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    admin_page = client.get(reverse("home")).content.decode()
    client.force_login(user_with_role(Role.INSPECTOR))
    inspector_page = client.get(reverse("home")).content.decode()
    assert 'href="/admin/"' in admin_page
    assert 'href="/admin/"' not in inspector_page
    assert 'href="/api/docs/"' in inspector_page
