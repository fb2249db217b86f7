"""The admin of directory cases (issue 15, point 7): read-only (states change through the
services only), no delete, searchable by credit code and name, filtered by state and reason,
with links to the case's ledger records; a partner department's administrator sees only its
own department's cases."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from credit_portal.models import User
from remediation.models import DirectoryCase
from tests.remediation.factories_directory_pages import (
    listed_case,
    partner,
    pending_case,
    removed_case,
    shop,
)
from tests.remediation.factories_repairs import staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:remediation_directorycase_changelist")


def admin_user(username: str = "dir-admin", department=None) -> User:
    user = staff("remediation.view_directorycase", username=username, department=department)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return User.objects.get(pk=user.pk)


def test_the_admin_lists_searches_and_filters(client):
    listed = listed_case()
    removed = removed_case()
    pending = pending_case()
    marked = listed_case(shop())
    client.force_login(admin_user())
    html = client.get(CHANGELIST).content.decode()
    for case in (listed, removed, pending, marked):
        assert reverse("admin:remediation_directorycase_change", args=[case.pk]) in html
    found = client.get(CHANGELIST, {"q": removed.enterprise.uscc}).content.decode()
    assert reverse("admin:remediation_directorycase_change", args=[removed.pk]) in found
    assert reverse("admin:remediation_directorycase_change", args=[listed.pk]) not in found
    only_pending = client.get(CHANGELIST, {"state__exact": "pending"}).content.decode()
    assert reverse("admin:remediation_directorycase_change", args=[pending.pk]) in only_pending
    assert reverse("admin:remediation_directorycase_change", args=[listed.pk]) not in only_pending
    by_reason = client.get(CHANGELIST, {"reason__exact": "1"})
    assert by_reason.status_code == 200


def test_a_case_is_read_only_with_links_to_its_records(client):
    case = removed_case()
    client.force_login(admin_user())
    url = reverse("admin:remediation_directorycase_change", args=[case.pk])
    html = client.get(url).content.decode()
    assert reverse("admin:enterprises_creditrecord_change", args=[case.listing_record_id]) in html
    assert reverse("admin:enterprises_creditrecord_change", args=[case.removal_record_id]) in html
    assert reverse("remediation:directory_detail", args=[case.pk]) in html
    assert 'name="state"' not in html  # no field to edit
    # No add, no change, no delete, whatever the user's rights.
    for codename in ("add_directorycase", "change_directorycase", "delete_directorycase"):
        user = User.objects.get(username="dir-admin")
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(User.objects.get(username="dir-admin"))
    response = client.post(url, {"state": "revoked"})
    assert response.status_code == 403
    delete = reverse("admin:remediation_directorycase_delete", args=[case.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:remediation_directorycase_add")).status_code == 403
    case.refresh_from_db()
    assert case.state == DirectoryCase.State.REMOVED


def test_a_partner_departments_admin_sees_only_its_cases(client):
    eco = partner()
    own = listed_case(reason="4", department=eco)
    bureaus = listed_case()
    client.force_login(admin_user("eco-admin", department=eco))
    html = client.get(CHANGELIST).content.decode()
    assert reverse("admin:remediation_directorycase_change", args=[own.pk]) in html
    assert reverse("admin:remediation_directorycase_change", args=[bureaus.pk]) not in html
    url = reverse("admin:remediation_directorycase_change", args=[bureaus.pk])
    assert client.get(url).status_code in (302, 404)
