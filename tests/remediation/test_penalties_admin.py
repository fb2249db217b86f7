"""The catalogue command and the admin of penalties: the seed lists loaded once, administrators
keep the catalogue (audited), decisions are read-only there and within jurisdiction."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from remediation.audit_events import CATALOGUE_LOADED
from remediation.catalogue import LIST_NAME, LIST_VERSION
from remediation.models import LeniencyListItem, PenaltyDecision, ViolationType
from remediation.services.penalties import penalty_draft_save, penalty_record
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory
from tests.remediation.factories_penalties import (
    PERSON_ID,
    TODAY,
    at,
    catalogue,
    first_violation_data,
    make_recorded,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with at(TODAY), translation.override("en"):
        yield


def test_the_catalogue_command_loads_the_lists_once():
    out = io.StringIO()
    call_command("load_penalty_catalogue", stdout=out)
    assert "12 created" in out.getvalue()
    items = LeniencyListItem.objects.filter(list_name=LIST_NAME, version=LIST_VERSION)
    assert items.filter(list_kind="first_violation").count() == 8
    assert items.filter(list_kind="minor").count() == 4
    # Each item is its own type of violation.
    assert len({i.violation_type_id for i in items}) == 12
    types = ViolationType.objects.count()
    assert AuditEvent.objects.filter(event_type=CATALOGUE_LOADED).count() == 1
    # An administrator's change survives a reload; --update restores the seed.
    item = items.get(list_kind="minor", item_number=2)
    item.conditions = "本局补充条件"
    item.save()
    out = io.StringIO()
    call_command("load_penalty_catalogue", stdout=out)
    assert "0 created, 0 updated. List items: 0 created, 0 updated." in out.getvalue()
    assert ViolationType.objects.count() == types
    assert LeniencyListItem.objects.get(pk=item.pk).conditions == "本局补充条件"
    assert AuditEvent.objects.filter(event_type=CATALOGUE_LOADED).count() == 1
    call_command("load_penalty_catalogue", "--update", stdout=io.StringIO())
    assert "500元" in LeniencyListItem.objects.get(pk=item.pk).conditions


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def administrator():
    user = staff(Role.ADMINISTRATOR, username="admin-1")
    user.is_staff = True
    user.save()
    return user


def test_administrators_keep_the_catalogue_audited():
    client = admin_client(administrator())
    response = client.post(
        reverse("admin:remediation_violationtype_add"),
        {
            "code": "weights_measures",
            "name": "使用不合格计量器具",
            "name_en": "Non-compliant measuring instruments",
            "sector": "general",
            "is_active": "on",
            "sort_order": "50",
            "range_kind": "amount",
            "range_min": "0",
            "range_max": "1000",
            "base_kind": "",
            "list_items-TOTAL_FORMS": "0",
            "list_items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = ViolationType.objects.get(code="weights_measures")
    assert AuditEvent.objects.filter(
        event_type="admin.remediation.violationtype_created", target_id=str(created.pk)
    ).exists()
    assert (
        client.get(reverse("admin:remediation_violationtype_delete", args=[created.pk])).status_code
        == 403
    )
    assert client.get(reverse("admin:remediation_leniencylistitem_changelist")).status_code == 200


def test_decisions_are_read_only_in_the_admin_and_within_jurisdiction():
    catalogue()
    officer = staff(username="officer")
    decision = make_recorded(officer, EnterpriseFactory())
    superuser = staff(Role.ADMINISTRATOR, username="root")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client = admin_client(superuser)
    page = client.get(reverse("admin:remediation_penaltydecision_change", args=[decision.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert decision.number in body and "party_id_digest" not in body
    assert 'name="_save"' not in body  # nothing to save: read-only
    assert client.get(reverse("admin:remediation_penaltydecision_add")).status_code == 403
    # A partner department's administrator sees only its jurisdiction's decisions.
    health = DepartmentFactory(code="health", name="区卫生健康局")
    partner_admin = staff(Role.ADMINISTRATOR, department=health, username="health-admin")
    partner_admin.is_staff = True
    partner_admin.save()
    partner = staff(department=health, username="health-officer")
    theirs = make_recorded(
        partner,
        None,
        department="health",
        party_kind="natural_person",
        party_name="赵某",
        party_id=PERSON_ID,
    )
    listing = admin_client(partner_admin).get(
        reverse("admin:remediation_penaltydecision_changelist")
    )
    assert listing.status_code == 200
    assert theirs.number in listing.content.decode()
    assert decision.number not in listing.content.decode()
    assert PenaltyDecision.objects.count() == 2


def _post_fields(page: str, form: dict[str, str]) -> dict[str, str]:
    """The change form's data as the browser sends it: its inputs (the inline's management form
    among them), with `form` over them."""
    inputs = re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    return {**{name: value for name, value in inputs if name != "csrfmiddlewaretoken"}, **form}


def test_a_catalogue_entry_a_decision_relied_on_keeps_its_meaning():
    types = catalogue()
    officer = staff(username="officer")
    item = LeniencyListItem.objects.get(
        violation_type__code="food_bulk_unlicensed", list_kind="first_violation"
    )
    unused = LeniencyListItem.objects.get(
        violation_type__code="food_label_defect", list_kind="first_violation"
    )
    draft = penalty_draft_save(
        actor=officer, data=first_violation_data(EnterpriseFactory()), measures=[]
    )
    client = admin_client(administrator())
    # A draft relies on nothing yet: the item is still open to change.
    page = client.get(reverse("admin:remediation_leniencylistitem_change", args=[item.pk]))
    assert 'name="text"' in page.content.decode()
    penalty_record(actor=officer, decision=draft, expected_version=draft.version)
    page = client.get(reverse("admin:remediation_leniencylistitem_change", args=[item.pk]))
    body = page.content.decode()
    for field in ("text", "version", "item_number", "list_name", "list_kind", "violation_type"):
        assert f'name="{field}"' not in body, field
    assert 'name="valid_until"' in body  # its validity can still end
    response = client.post(
        reverse("admin:remediation_leniencylistitem_change", args=[item.pk]),
        {
            "text": "改写后的条目",
            "version": "v9",
            "item_number": "99",
            "valid_from": "2025-02-07",
            "valid_until": "2025-12-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.text != "改写后的条目" and (item.version, item.item_number) != ("v9", 99)
    assert str(item.valid_until) == "2025-12-31"
    # An item no decision relied on stays editable.
    page = client.get(reverse("admin:remediation_leniencylistitem_change", args=[unused.pk]))
    assert 'name="text"' in page.content.decode()
    # The violation type: its code and sector are frozen, its other fields are not.
    vtype = types["food_bulk_unlicensed"]
    page = client.get(reverse("admin:remediation_violationtype_change", args=[vtype.pk]))
    body = page.content.decode()
    assert 'name="code"' not in body and 'name="sector"' not in body and 'name="name"' in body
    response = client.post(
        reverse("admin:remediation_violationtype_change", args=[vtype.pk]),
        _post_fields(
            body,
            {
                "code": "renamed",
                "sector": "general",
                "name": vtype.name,
                "range_kind": vtype.range_kind,
                "sort_order": str(vtype.sort_order),
                "is_active": "on",
                "penalty_provision": vtype.penalty_provision,
                "violated_provision": vtype.violated_provision,
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    vtype.refresh_from_db()
    assert (vtype.code, vtype.sector) == ("food_bulk_unlicensed", "food")
    page = client.get(
        reverse("admin:remediation_violationtype_change", args=[types["price_marking"].pk])
    )
    assert 'name="code"' in page.content.decode()
