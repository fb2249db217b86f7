"""The classification's admin (issue 16 §1, §2): indicators and scoring models edited by the
bureau's administrators through the services (checked, audited), a version's publication from
the list (success, and a refusal listing every problem), read-only once published; the runs and
what they found read-only, within jurisdiction and only with `view_risk`."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation

from credit_portal.models import AuditEvent, Department, StaffProfile, User
from credit_portal.roles import Role
from risk import audit_events as events
from risk.models import (
    Assessment,
    ClassChangeTask,
    ClassOverride,
    CurrentClass,
    Indicator,
    ModelVersion,
    ScoringModel,
)
from risk.services.models import version_publish
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory
from tests.risk.factories import applied_run, classify_by_hand, general_version
from tests.risk.test_models_services import draft, general_model

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def administrator(department: Department | None = None, username: str = "admin-1") -> User:
    """An administrator (the role) with the admin site, of the bureau unless told."""
    department = department or DepartmentFactory(code="amr")
    user = User.objects.create_user(username=username, password="Secret-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name=str(Role.ADMINISTRATOR)))
    StaffProfile.objects.create(user=user, department=department)
    return User.objects.get(pk=user.pk)


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:risk_{name}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


INDICATOR_POST = {
    "code": "penalties_3y",
    "name_zh": "近三年行政处罚",
    "name_en": "Penalties in the last 3 years",
    "family": "supervision",
    "nature": "dynamic",
    "source": "ledger",
    "active": "on",
    "description": "",
    "basis": "docs/domain.md §1 R03",
    "register_field": "",
    "mapping": "{}",
    "bands": "[]",
    "declared_kinds": ["penalty"],
    "future_kinds": "",
    "window_days": "1095",
    "points_per_fact": "15",
    "max_points": "45",
    "weight_min": "5",
    "weight_max": "20",
}


# --------------------------------------------------------------------------- indicators


def test_an_administrator_adds_an_indicator_checked_and_audited():
    admin = administrator()
    client = client_for(admin)
    page = client.get(url("indicator_add"))
    assert page.status_code == 200
    # The ledger kinds are offered with their labels.
    assert "Administrative penalty (penalty)" in text(page)
    bad = client.post(url("indicator_add"), {**INDICATOR_POST, "points_per_fact": "0"})
    assert bad.status_code == 200
    assert "gives 0 points per fact" in text(bad)
    assert not Indicator.objects.exists()
    done = client.post(url("indicator_add"), INDICATOR_POST)
    assert done.status_code == 302
    made = Indicator.objects.get(code="penalties_3y")
    assert (made.kinds, made.points_per_fact, made.mapping, made.bands) == (["penalty"], 15, {}, [])
    event = AuditEvent.objects.get(event_type=events.INDICATOR_CHANGED)
    assert (event.actor, event.target_id) == (admin, str(made.pk))


def test_an_indicator_over_a_kind_not_declared_yet_is_kept_and_the_page_says_why():
    client = client_for(administrator())
    post = {
        **INDICATOR_POST,
        "code": "complaints_1y",
        "family": "social",
        "declared_kinds": [],
        "future_kinds": "hotline_call",
        "window_days": "365",
    }
    assert client.post(url("indicator_add"), post).status_code == 302
    made = Indicator.objects.get(code="complaints_1y")
    assert made.kinds == ["hotline_call"]
    page = text(client.get(url("indicator_change", made.pk)))
    assert 'counts ledger kind "hotline_call", which no part of the portal declares yet' in page
    assert 'value="hotline_call"' in page
    listing = text(client.get(url("indicator_changelist")))
    assert "complaints_1y" in listing


def test_an_indicator_used_by_a_version_shows_it_and_keeps_its_code():
    admin = administrator()
    version = draft(admin)
    penalty = Indicator.objects.get(code="penalties_3y")
    client = client_for(admin)
    page = client.get(url("indicator_change", penalty.pk))
    assert "general v1" in text(page)
    assert 'name="code"' not in text(page)
    assert client.post(url("indicator_delete", penalty.pk)).status_code == 403
    assert version.entries.count() == 4


# --------------------------------------------------------------------------- models, versions


def test_a_second_general_model_is_refused_on_the_form():
    general_model()
    client = client_for(administrator())
    response = client.post(
        url("scoringmodel_add"),
        {"code": "general2", "name_zh": "通用", "name_en": "General 2", "is_general": "on"},
    )
    assert response.status_code == 200
    assert (
        "Model general is the general model already: there is one. Make general2 an industry "
        "model with its divisions." in text(response)
    )
    assert ScoringModel.objects.count() == 1


def test_an_industry_model_is_saved_with_its_divisions_and_audited():
    admin = administrator()
    client = client_for(admin)
    response = client.post(
        url("scoringmodel_add"),
        {
            "code": "food",
            "name_zh": "食品",
            "name_en": "Food",
            "industry_divisions": ["62", "13"],
            "description": "",
        },
    )
    assert response.status_code == 302
    assert ScoringModel.objects.get(code="food").industry_divisions == ["13", "62"]
    assert AuditEvent.objects.filter(event_type=events.MODEL_CHANGED, actor=admin).count() == 1


def test_a_new_draft_is_made_by_the_service_and_edited_through_the_inlines():
    admin = administrator()
    first = version_publish(version=draft(admin), by=admin)
    client = client_for(admin)
    response = client.post(url("modelversion_add"), {"model": first.model.pk, "copy_from": ""})
    second = ModelVersion.objects.get(model=first.model, number=2)
    assert response.status_code == 302
    assert response["Location"] == url("modelversion_change", second.pk)
    entries = list(second.entries.select_related("indicator").order_by("pk"))
    bands = list(second.bands.order_by("score_from"))
    post: dict[str, Any] = {
        "notes": "Penalties weigh more",
        "rule_serious_d": "on",
        "rule_abnormal_min_c": "on",
        "rule_new_entity_b": "on",
        "new_entity_days": "365",
        "entries-TOTAL_FORMS": str(len(entries)),
        "entries-INITIAL_FORMS": str(len(entries)),
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": str(len(bands)),
    }
    for i, entry in enumerate(entries):
        post |= {
            f"entries-{i}-id": str(entry.pk),
            f"entries-{i}-version": str(second.pk),
            f"entries-{i}-indicator": str(entry.indicator_id),
            f"entries-{i}-weight": str(entry.weight),
        }
    for i, band in enumerate(bands):
        post |= {
            f"bands-{i}-id": str(band.pk),
            f"bands-{i}-version": str(second.pk),
            f"bands-{i}-risk_class": band.risk_class,
            f"bands-{i}-score_from": str(band.score_from),
            f"bands-{i}-score_to": "" if band.score_to is None else str(band.score_to),
        }
    penalty = next(i for i, e in enumerate(entries) if e.indicator.code == "penalties_3y")
    # Out of the indicator's range: back on the form, nothing written.
    refused = client.post(
        url("modelversion_change", second.pk), {**post, f"entries-{penalty}-weight": "35"}
    )
    assert refused.status_code == 200
    assert "outside the range its definition allows" in text(refused)
    assert second.entries.get(indicator__code="penalties_3y").weight == 15
    # Within it: reweighed, a band moved, the notes kept; each change audited by the service.
    post |= {
        f"entries-{penalty}-weight": "20",
        "bands-1-score_to": "45.0",
        "bands-2-score_from": "45.0",
    }
    assert client.post(url("modelversion_change", second.pk), post).status_code == 302
    assert second.entries.get(indicator__code="penalties_3y").weight == 20
    second.refresh_from_db()
    assert second.notes == "Penalties weigh more"
    changes = set(
        AuditEvent.objects.filter(
            event_type=events.VERSION_CHANGED, target_id=str(second.pk)
        ).values_list("extra__change", flat=True)
    )
    assert changes == {"weight_set", "bands_set", "rules_set"}
    page = text(client.get(url("modelversion_change", second.pk)))
    assert "Nothing: it can be published." in page


def test_the_publish_action_publishes_or_lists_every_problem():
    admin = administrator()
    good = draft(admin)
    bad = draft(
        admin,
        model=ScoringModel.objects.create(code="food", name_zh="食品", name_en="Food"),
        bands=[("A", 0, 200), ("B", 250, None)],
    )
    client = client_for(admin)
    response = client.post(
        url("modelversion_changelist"),
        {"action": "publish", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    shown = " ".join(messages_of(response))
    assert "general v1 is published" in shown
    assert "food v1 was not published:" in shown
    assert "Band B starts at 25.0 but band A ends at 20.0" in shown
    assert "names no industry division" in shown
    assert "The bands must be A, B, C and D" in shown
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == ("published", "draft")
    assert AuditEvent.objects.filter(event_type=events.VERSION_PUBLISHED).count() == 1


def test_publishing_needs_the_publish_permission():
    admin = administrator()
    version = draft(admin)
    Group.objects.get(name=str(Role.ADMINISTRATOR)).permissions.remove(
        *Group.objects.get(name=str(Role.ADMINISTRATOR)).permissions.filter(
            codename="publish_modelversion"
        )
    )
    client = client_for(User.objects.get(pk=admin.pk))
    page = client.get(url("modelversion_changelist"))
    assert 'value="publish"' not in page.content.decode()
    client.post(
        url("modelversion_changelist"), {"action": "publish", "_selected_action": [version.pk]}
    )
    version.refresh_from_db()
    assert version.status == "draft"


def test_a_published_version_is_read_only_and_shows_its_frozen_definition():
    admin = administrator()
    version = version_publish(version=draft(admin), by=admin)
    client = client_for(admin)
    page = client.get(url("modelversion_change", version.pk))
    assert page.status_code == 200
    body = text(page)
    assert 'name="notes"' not in body
    assert 'name="entries-0-weight"' not in body
    assert "Penalties in the last 3 years" in body  # the definition's table
    assert "×1.5" in body
    assert "80.0" in body and "∞" in body
    posted = client.post(url("modelversion_change", version.pk), {"notes": "changed"})
    assert posted.status_code == 403
    version.refresh_from_db()
    assert version.notes == ""


def test_new_draft_from_this_version():
    admin = administrator()
    version = version_publish(version=draft(admin), by=admin)
    client = client_for(admin)
    response = client.post(
        url("modelversion_changelist"),
        {"action": "new_draft", "_selected_action": [version.pk]},
        follow=True,
    )
    assert "Draft general v2 created from general v1." in " ".join(messages_of(response))
    copy = ModelVersion.objects.get(model=version.model, number=2)
    assert copy.status == "draft"
    assert copy.entries.count() == version.entries.count()


def test_a_partner_departments_administrator_reads_models_but_changes_none():
    admin = administrator()
    version = draft(admin)
    partner = administrator(
        DepartmentFactory(code="eco", name="区生态环境局"), username="env-admin"
    )
    client = client_for(partner)
    assert client.get(url("modelversion_change", version.pk)).status_code == 200
    assert client.get(url("indicator_changelist")).status_code == 200
    assert client.get(url("indicator_add")).status_code == 403
    assert client.post(url("modelversion_change", version.pk), {"notes": "x"}).status_code == 403
    page = client.get(url("modelversion_changelist"))
    assert 'value="publish"' not in page.content.decode()


# --------------------------------------------------------------------------- read-only admins


def _classified(department: Department) -> Any:
    enterprise = EnterpriseFactory(department=department)
    version = ModelVersion.objects.filter(status="published").first() or general_version()
    classify_by_hand(enterprise, "C", score="55.0", version=version)
    return enterprise


def test_the_read_only_admins_open_and_refuse_writes():
    admin = administrator()
    general = version_publish(version=draft(admin), by=admin)
    run = applied_run()
    enterprise = EnterpriseFactory(department=DepartmentFactory(code="amr"))
    classify_by_hand(enterprise, "C", score="55.0", version=general, run=run)
    override = ClassOverride.objects.create(
        enterprise=enterprise,
        risk_class="D",
        reason="hazard",
        starts_on=run.as_of,
        expires_on=run.as_of,
        created_by=admin,
    )
    task = ClassChangeTask.objects.create(
        enterprise=enterprise,
        department=enterprise.department,
        run=run,
        from_class="B",
        to_class="C",
        due_on=run.as_of,
    )
    assessment = Assessment.objects.get(enterprise=enterprise)
    client = client_for(admin)
    pages = {
        "classificationrun": run.pk,
        "assessment": assessment.pk,
        "currentclass": enterprise.pk,
        "classoverride": override.pk,
        "classchangetask": task.pk,
    }
    for name, pk in pages.items():
        assert client.get(url(f"{name}_changelist")).status_code == 200, name
        assert client.get(url(f"{name}_change", pk)).status_code == 200, name
        assert client.get(url(f"{name}_add")).status_code == 403, name
        assert client.post(url(f"{name}_delete", pk)).status_code == 403, name
    found = client.get(url("assessment_changelist"), {"q": enterprise.uscc})
    assert enterprise.uscc in text(found)
    detail = text(client.get(url("assessment_change", assessment.pk)))
    assert "Penalties in the last 3 years" in detail  # the contributions in words
    runs = text(client.get(url("classificationrun_change", run.pk)))
    assert "<progress" in runs


def test_a_partner_department_sees_only_its_enterprises_classes():
    admin = administrator()
    eco = DepartmentFactory(code="eco", name="区生态环境局")
    ours = _classified(eco)
    theirs = _classified(DepartmentFactory(code="amr"))
    viewer = User.objects.create_user(username="env", password="Secret-pass-123", is_staff=True)
    viewer.groups.add(Group.objects.get(name=str(Role.SUPERVISOR)))
    StaffProfile.objects.create(user=viewer, department=eco)
    client = client_for(viewer)
    listing = text(client.get(url("currentclass_changelist")))
    assert ours.uscc in listing or ours.name in listing
    assert theirs.name not in listing
    assert client.get(url("currentclass_change", theirs.pk)).status_code == 302  # not found
    assert client.get(url("currentclass_change", ours.pk)).status_code == 200
    assessments = text(client.get(url("assessment_changelist")))
    assert theirs.name not in assessments and ours.name in assessments
    run = applied_run()
    for enterprise in (ours, theirs):
        ClassChangeTask.objects.create(
            enterprise=enterprise,
            department=enterprise.department,
            run=run,
            from_class="B",
            to_class="C",
            due_on=run.as_of,
        )
    tasks = text(client.get(url("classchangetask_changelist")))
    assert ours.name in tasks and theirs.name not in tasks
    # Runs reach the whole district: the bureau's only.
    assert client.get(url("classificationrun_changelist")).status_code == 403
    # The bureau's administrator sees both.
    everything = text(client_for(admin).get(url("currentclass_changelist")))
    assert ours.name in everything and theirs.name in everything
    assert CurrentClass.objects.count() == 2


def test_classes_need_view_risk():
    enterprise = _classified(DepartmentFactory(code="amr"))
    user = User.objects.create_user(username="nr", password="Secret-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name=str(Role.INSPECTOR)))
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_currentclass"))
    StaffProfile.objects.create(user=user, department=enterprise.department)
    client = client_for(user)
    assert client.get(url("currentclass_changelist")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_risk"))
    assert (
        client_for(User.objects.get(pk=user.pk)).get(url("currentclass_changelist")).status_code
        == 200
    )
