"""Every model registered in the admin opens its list (with search and each filter) and, where
adding is allowed, its add page, for a superuser. Covers models added later automatically."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, user_with_perms):
    client.force_login(user_with_perms(is_superuser=True, is_staff=True))
    return client


def _registered():
    return sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label)


@pytest.mark.parametrize(
    ("model", "model_admin"), _registered(), ids=lambda v: getattr(v, "__name__", "")
)
def test_changelist_search_and_add_pages_open(admin_client, model, model_admin):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(url, {"q": "成都"}).status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)


def test_every_app_model_is_registered():
    from django.apps import apps

    ours = {"credit_portal", "enterprises", "risk", "inspections", "remediation", "annual_reports"}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in ours and m not in admin.site._registry
    ]
    assert missing == []


def test_enterprise_added_in_the_admin_goes_through_the_service(admin_client):
    from credit_portal.models import AuditEvent
    from enterprises.models import CreditRecord, Enterprise
    from tests.enterprises.factories import DepartmentFactory, make_uscc

    dept = DepartmentFactory()
    url = reverse("admin:enterprises_enterprise_add")
    data = {
        "uscc": make_uscc(5),
        "name": "后台新增有限公司",
        "former_names": "[]",
        "entity_type": "company",
        "industry_section": "F",
        "industry_division": "52",
        "registered_on": "2021-03-04",
        "registration_authority": "双流区市场监管局",
        "address": "棠湖路2号",
        "division": "东升街道",
        "legal_rep_name": "李四",
        "registered_capital": "50",
        "business_scope": "零售",
        "department": dept.pk,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ent = Enterprise.objects.get(uscc=make_uscc(5))
    assert ent.name_initials == "HTXZYXGS"
    assert CreditRecord.objects.filter(enterprise=ent, kind="registration").exists()
    assert AuditEvent.objects.filter(
        event_type="enterprises.enterprise_created", enterprise=ent
    ).exists()


def _admin_enterprise_data(dept, **over):
    from tests.enterprises.factories import make_uscc

    data = {
        "uscc": make_uscc(6),
        "name": "后台校验有限公司",
        "former_names": "[]",
        "entity_type": "company",
        "industry_section": "F",
        "industry_division": "52",
        "registered_on": "2021-03-04",
        "registration_authority": "双流区市场监管局",
        "address": "棠湖路3号",
        "division": "东升街道",
        "legal_rep_name": "王五",
        "registered_capital": "50",
        "business_scope": "零售",
        "department": dept.pk,
    }
    data.update(over)
    return data


def test_a_register_rule_broken_in_the_admin_shows_on_the_form(admin_client):
    """Review B2: a future registration date used to raise a server error."""
    from enterprises.models import Enterprise
    from tests.enterprises.factories import DepartmentFactory

    url = reverse("admin:enterprises_enterprise_add")
    response = admin_client.post(
        url, _admin_enterprise_data(DepartmentFactory(), registered_on="2099-03-04")
    )
    assert response.status_code == 200
    assert "成立日期不能晚于今天" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_an_admin_edit_on_a_stale_version_is_refused(admin_client):
    """Review D4: the admin used to write back fields another officer had just changed."""
    from enterprises.models import Enterprise
    from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory

    dept = DepartmentFactory()
    ent = EnterpriseFactory(department=dept, version=3)
    url = reverse("admin:enterprises_enterprise_change", args=[ent.pk])
    data = _admin_enterprise_data(dept, uscc=ent.uscc, name="管理员改名", expected_version=2)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert Enterprise.objects.get(pk=ent.pk).name == ent.name
