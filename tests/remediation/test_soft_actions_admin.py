"""The admin of soft enforcement: read-only (documents are written through the services on
the staff pages), with the interview and the visits inline, and only the user's jurisdiction
listed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from credit_portal.models import StaffProfile, User
from remediation.models import ElectronicServiceConsent, SoftAction
from remediation.services.soft_actions import electronic_service_consent_give
from tests.remediation.factories_soft_actions import (
    bureau,
    draft,
    enterprise,
    member,
    officer,
    partner,
    served,
    supervisor,
)

pytestmark = pytest.mark.django_db


def _admin(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_documents_and_consents_are_shown_never_written(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="Secret-pass-123")
    StaffProfile.objects.create(user=root, department=bureau())
    firm = enterprise()
    action = served(officer(), supervisor(), firm)
    electronic_service_consent_give(user=member(firm))
    client = _admin(root)
    changelist = client.get(reverse("admin:remediation_softaction_changelist"))
    assert changelist.status_code == 200 and action.number in changelist.content.decode()
    page = client.get(reverse("admin:remediation_softaction_change", args=[action.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "follow-up visits" in body.lower() and "interview record" in body.lower()
    assert reverse("remediation:soft_action_detail", args=[action.pk]) in body
    assert client.get(reverse("admin:remediation_softaction_add")).status_code == 403
    before = SoftAction.objects.get(pk=action.pk).reason
    client.post(reverse("admin:remediation_softaction_change", args=[action.pk]), {"reason": "x"})
    assert SoftAction.objects.get(pk=action.pk).reason == before
    consent = ElectronicServiceConsent.objects.get()
    assert (
        client.get(reverse("admin:remediation_electronicserviceconsent_changelist")).status_code
        == 200
    )
    assert (
        client.get(
            reverse("admin:remediation_electronicserviceconsent_change", args=[consent.pk])
        ).status_code
        == 200
    )
    assert (
        client.get(
            reverse("admin:remediation_electronicserviceconsent_delete", args=[consent.pk])
        ).status_code
        == 403
    )


def test_a_partner_departments_administrator_sees_its_own(django_user_model):
    eco = partner()
    mine = draft(officer("eco-officer", department=eco), enterprise(department=eco))
    other = draft(officer(), enterprise())
    admin = django_user_model.objects.create_user(
        "eco-admin", password="Secret-pass-123", is_staff=True
    )

    admin.user_permissions.add(
        Permission.objects.get(content_type__app_label="remediation", codename="view_softaction")
    )
    StaffProfile.objects.create(user=admin, department=eco)
    client = _admin(User.objects.get(pk=admin.pk))
    response = client.get(reverse("admin:remediation_softaction_changelist"))
    assert response.status_code == 200
    shown = {a.pk for a in response.context["cl"].result_list}
    assert shown == {mine.pk}
    assert other.pk not in shown
    response = client.get(reverse("admin:remediation_softaction_change", args=[other.pk]))
    assert response.status_code == 302  # not found in its queryset: back to the admin index
