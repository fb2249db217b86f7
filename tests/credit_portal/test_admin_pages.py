"""Every model registered in the admin opens its list (with search and each filter) and, where
adding is allowed, its add page, for a superuser. Covers models added later automatically."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import User

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
    # Models edited only as inlines of their parent's admin (a version's indicators and bands).
    inlined = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in getattr(model_admin, "inlines", [])
    }
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in ours and m not in admin.site._registry and m not in inlined
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


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_admin_app_and_model_name_is_in_chinese():
    """The admin speaks Chinese first: third-party apps too (django-axes ships no Chinese; the
    project's vendor catalogue and app config supply it)."""
    from django.apps import apps
    from django.utils.translation import override

    with override("zh-hans"):
        untranslated = [
            label
            for model in admin.site._registry
            for label in (
                str(apps.get_app_config(model._meta.app_label).verbose_name),
                str(model._meta.verbose_name),
                str(model._meta.verbose_name_plural),
            )
            if not _has_chinese(label)
        ]
    assert sorted(set(untranslated)) == []


def test_login_lockout_pages_of_the_admin_speak_chinese(admin_client):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="someone", ip_address="10.0.0.1", user_agent="test", failures_since_start=1
    )
    html = admin_client.get(
        reverse("admin:axes_accessattempt_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "登录锁定" in html  # the app, in the breadcrumbs
    assert "IP 地址" in html and "尝试时间" in html  # axes' own column labels
    assert "企业信用监管服务平台 · 系统管理" in html  # the header, translated (it was fixed text)


def test_admin_speaks_english_when_asked(admin_client):
    html = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Credit Portal administration" in html
    assert "Login lockouts" in html


@pytest.fixture
def administrator_client(client, user_with_perms):
    """An administrator of the bureau (the role, not a superuser)."""
    from django.contrib.auth.models import Group

    user = user_with_perms(username="it-admin", is_staff=True)
    user.groups.add(Group.objects.get(name="administrator"))
    client.force_login(user)
    return client, user


def user_change_data(client, user, **changes):
    """The admin change form of `user` as it stands, with `changes`."""
    url = reverse("admin:credit_portal_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    skip = {"password", "date_joined", "last_login", "groups", "user_permissions"}
    data = {name: form.initial.get(name) or "" for name in form.fields if name not in skip}
    joined = timezone.localtime(user.date_joined)
    data.update(
        {
            "date_joined_0": joined.date().isoformat(),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            "is_active": "on",
            "is_staff": "on",
            "groups": [g.pk for g in user.groups.all()],
            "staff_profile-TOTAL_FORMS": "0",
            "staff_profile-INITIAL_FORMS": "0",
        }
    )
    data.update(changes)
    return url, data


def test_an_administrator_cannot_make_anyone_a_superuser(administrator_client, user_with_perms):
    client, me = administrator_client
    page = client.get(reverse("admin:credit_portal_user_change", args=[me.pk]))
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    url, data = user_change_data(client, me, is_superuser="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    me.refresh_from_db()
    assert me.is_superuser is False


def test_an_administrator_cannot_change_or_delete_a_superuser(
    administrator_client, user_with_perms
):
    client, _ = administrator_client
    root = user_with_perms(username="root", is_superuser=True, is_staff=True)
    change = reverse("admin:credit_portal_user_change", args=[root.pk])
    page = client.get(change)  # they may look (the administrator role views users), not edit
    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()
    assert client.post(change, {"username": "mine"}).status_code == 403
    delete = reverse("admin:credit_portal_user_delete", args=[root.pk])
    password = reverse("admin:auth_user_password_change", args=[root.pk])  # Django's fixed name
    assert client.get(delete).status_code == 403
    assert client.get(password).status_code == 403
    response = client.post(
        password,
        {"password1": "Taken-over-2026!", "password2": "Taken-over-2026!"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("Secret-pass-123")


def test_audit_log_names_events_in_words(admin_client, user_with_perms):
    from credit_portal.audit import audit_event_record

    user = user_with_perms(username="wang")
    audit_event_record(actor=user, event_type="accounts.user_logged_in", target=user)
    url = reverse("admin:credit_portal_auditevent_changelist")
    html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">登录</span>" in html  # the column
    assert "?event_type=accounts.user_logged_in" in html  # the filter: the code in the URL...
    assert "accounts.user_logged_in</a>" not in html  # ...and the words on the link
    filtered = admin_client.get(url, {"event_type": "accounts.user_logged_in"})
    assert filtered.status_code == 200
    assert list(filtered.context["cl"].queryset.values_list("event_type", flat=True)) == [
        "accounts.user_logged_in"
    ]


def test_an_administrator_cannot_raise_their_own_roles_or_permissions(administrator_client):
    from django.contrib.auth.models import Group, Permission

    client, me = administrator_client
    url = reverse("admin:credit_portal_user_change", args=[me.pk])
    page = client.get(url)
    html = page.content.decode()
    for field in ("groups", "user_permissions", "is_staff", "is_active", "is_superuser"):
        assert f'name="{field}"' not in html, field
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "password"}
    joined = timezone.localtime(me.date_joined)
    data.update(
        {
            "date_joined_0": joined.date().isoformat(),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            "groups": [g.pk for g in Group.objects.all()],
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:20]),
            "staff_profile-TOTAL_FORMS": "0",
            "staff_profile-INITIAL_FORMS": "0",
        }
    )
    before = sorted(me.groups.values_list("name", flat=True))
    assert client.post(url, data).status_code == 302
    me.refresh_from_db()
    assert sorted(me.groups.values_list("name", flat=True)) == before
    assert not me.user_permissions.exists()


def test_an_administrator_still_assigns_roles_to_others(administrator_client, user_with_perms):
    from django.contrib.auth.models import Group

    from credit_portal.models import AuditEvent

    client, _ = administrator_client
    clerk = user_with_perms(username="new-clerk", is_staff=True)
    registrar = Group.objects.get(name="registrar")
    url, data = user_change_data(client, clerk, groups=[registrar.pk])
    assert client.post(url, data).status_code == 302
    assert list(clerk.groups.values_list("name", flat=True)) == ["registrar"]
    assert AuditEvent.objects.filter(event_type="admin.credit_portal.user_grants_changed").exists()


def test_an_administrator_cannot_move_themselves_into_the_bureau(
    administrator_client, user_with_perms
):
    """The department decides what a user sees and whether they import: not one's own to
    change, and which department is the bureau is a superuser's decision."""
    from credit_portal.models import Department, StaffProfile

    client, me = administrator_client
    profile = StaffProfile.objects.get(user=me)
    page = client.get(reverse("admin:credit_portal_user_change", args=[me.pk])).content.decode()
    assert 'name="staff_profile-0-department"' not in page
    own = reverse("admin:credit_portal_staffprofile_change", args=[profile.pk])
    assert client.post(own, {"user": me.pk, "department": profile.department_id}).status_code == 403
    dept = Department.objects.create(code="eco", name="区生态环境局")
    form = client.get(reverse("admin:credit_portal_department_change", args=[dept.pk]))
    assert 'name="is_bureau"' not in form.content.decode()
    other = user_with_perms(username="colleague", is_staff=True)
    page = client.get(reverse("admin:credit_portal_user_change", args=[other.pk]))
    assert 'name="staff_profile-0-department"' in page.content.decode()  # others' stay editable


@pytest.fixture
def partner_administrator_client(client, user_with_perms):
    """An administrator (the role) whose staff profile is in a partner department."""
    from django.contrib.auth.models import Group

    from credit_portal.models import Department, StaffProfile

    eco = Department.objects.create(code="eco", name="区生态环境局")
    user = user_with_perms(username="eco-admin", is_staff=True)
    StaffProfile.objects.filter(user=user).update(department=eco)
    user.groups.add(Group.objects.get(name="administrator"))
    client.force_login(user)
    return client, user, eco


def test_a_partner_administrator_sees_and_places_accounts_in_their_department_only(
    partner_administrator_client, user_with_perms
):
    from credit_portal.models import StaffProfile

    client, _, eco = partner_administrator_client
    bureau_clerk = user_with_perms(username="bureau-clerk", is_staff=True)
    eco_clerk = user_with_perms(username="eco-clerk", is_staff=True)
    StaffProfile.objects.filter(user=eco_clerk).update(department=eco)

    users = client.get(reverse("admin:credit_portal_user_changelist")).content.decode()
    assert "eco-clerk" in users and "bureau-clerk" not in users
    assert client.get(
        reverse("admin:credit_portal_user_change", args=[bureau_clerk.pk])
    ).status_code in (302, 404)  # not in their list: the admin says it does not exist
    profiles = client.get(reverse("admin:credit_portal_staffprofile_changelist")).content.decode()
    assert "eco-clerk" in profiles and "bureau-clerk" not in profiles

    # Moving a colleague into the bureau would show them the whole district: refused.
    profile = StaffProfile.objects.get(user=eco_clerk)
    url = reverse("admin:credit_portal_staffprofile_change", args=[profile.pk])
    response = client.post(
        url, {"user": eco_clerk.pk, "department": bureau_clerk.staff_profile.department_id}
    )
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.department == eco
    # Their own department stays a valid choice.
    response = client.post(url, {"user": eco_clerk.pk, "department": eco.pk, "phone": "028-1"})
    assert response.status_code == 302


def test_a_bureau_administrator_sees_every_account(administrator_client, user_with_perms):
    from credit_portal.models import Department, StaffProfile

    client, _ = administrator_client
    eco = Department.objects.create(code="eco", name="区生态环境局")
    eco_clerk = user_with_perms(username="eco-clerk", is_staff=True)
    StaffProfile.objects.filter(user=eco_clerk).update(department=eco)
    User.objects.create_user(username="shop-owner", password="x-Secret-123")  # no staff profile
    users = client.get(reverse("admin:credit_portal_user_changelist")).content.decode()
    assert "eco-clerk" in users and "shop-owner" in users
    assert f"staff_profile__department__id__exact={eco.pk}" in users  # the filter offers all


def test_a_partner_administrator_cannot_take_in_an_account_of_no_department(
    partner_administrator_client, user_with_perms
):
    """An enterprise user's account has no staff profile: attaching one in the partner
    department would bring it into their list, and its password with it."""
    from credit_portal.models import StaffProfile

    client, _, eco = partner_administrator_client
    owner = User.objects.create_user(username="shop-owner", password="x-Secret-123")
    add = reverse("admin:credit_portal_staffprofile_add")
    assert client.post(add, {"user": owner.pk, "department": eco.pk}).status_code == 403
    eco_clerk = user_with_perms(username="eco-clerk", is_staff=True)
    StaffProfile.objects.filter(user=eco_clerk).update(department=eco)
    profile = StaffProfile.objects.get(user=eco_clerk)
    change = reverse("admin:credit_portal_staffprofile_change", args=[profile.pk])
    response = client.post(change, {"user": owner.pk, "department": eco.pk})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.user == eco_clerk  # the account of a profile is not theirs to change
    assert not StaffProfile.objects.filter(user=owner).exists()


def user_add_data(username: str, **inline: str) -> dict[str, str]:
    data = {
        "username": username,
        "usable_password": "true",
        "password1": "Str0ng-pass-2026!",
        "password2": "Str0ng-pass-2026!",
        "staff_profile-TOTAL_FORMS": "1" if inline else "0",
        "staff_profile-INITIAL_FORMS": "0",
        "staff_profile-MIN_NUM_FORMS": "0",
        "staff_profile-MAX_NUM_FORMS": "1",
    }
    data.update({f"staff_profile-0-{k}": v for k, v in inline.items()})
    return data


def test_a_partner_administrator_gives_every_new_account_their_department(
    partner_administrator_client,
):
    client, _, eco = partner_administrator_client
    add = reverse("admin:credit_portal_user_add")
    response = client.post(add, user_add_data("eco-new"))
    assert response.status_code == 200  # refused: no department
    assert not User.objects.filter(username="eco-new").exists()
    response = client.post(add, user_add_data("eco-new", department=str(eco.pk)))
    assert response.status_code == 302
    assert User.objects.get(username="eco-new").staff_profile.department == eco


def test_a_partner_administrator_sees_and_edits_only_their_department(
    partner_administrator_client,
):
    from credit_portal.models import Department

    client, _, eco = partner_administrator_client
    bureau = Department.objects.get(is_bureau=True)
    listed = client.get(reverse("admin:credit_portal_department_changelist")).content.decode()
    assert eco.name in listed and bureau.name not in listed
    other = reverse("admin:credit_portal_department_change", args=[bureau.pk])
    assert client.get(other).status_code == 302  # "does not exist", back to the index
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "credit_portal",
            "model_name": "staffprofile",
            "field_name": "department",
            "term": "",
        },
    ).json()
    assert [r["id"] for r in found["results"]] == [str(eco.pk)]


DISTRICT_WIDE_PAGES = [
    "admin:credit_portal_auditevent_changelist",
    "admin:django_celery_beat_periodictask_changelist",  # the schedules of every job
    "admin:django_celery_beat_crontabschedule_changelist",
]


def test_district_wide_pages_are_not_for_a_partner_administrator(partner_administrator_client):
    partner, _, _ = partner_administrator_client
    for page in DISTRICT_WIDE_PAGES:
        assert partner.get(reverse(page)).status_code == 403, page
    index = partner.get(reverse("admin:index")).content.decode()
    assert "auditevent" not in index and "periodictask" not in index
    add = reverse("admin:django_celery_beat_periodictask_add")
    assert partner.post(add, {"name": "x", "task": "x"}).status_code == 403


def test_district_wide_pages_are_for_the_bureau_administrator(administrator_client):
    client, _ = administrator_client
    for page in DISTRICT_WIDE_PAGES:
        assert client.get(reverse(page)).status_code == 200, page


def test_an_administrator_grants_roles_not_single_permissions(
    administrator_client, user_with_perms
):
    """Through an account of their own making, any permission they could grant (API tokens for
    a superuser, the roles themselves, lockouts) would be theirs."""
    from django.contrib.auth.models import Group, Permission

    client, _ = administrator_client
    helper = user_with_perms(username="helper", is_staff=True)
    token_perm = Permission.objects.get(codename="add_tokenproxy")
    url, data = user_change_data(client, helper, user_permissions=[token_perm.pk])
    assert client.post(url, data).status_code == 302
    assert not helper.user_permissions.filter(pk=token_perm.pk).exists()
    custom = Group.objects.create(name="token-keepers")
    url, data = user_change_data(client, helper, groups=[custom.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not helper.groups.filter(pk=custom.pk).exists()


def test_a_partner_administrator_filters_and_edits_their_department_only(
    partner_administrator_client,
):
    from credit_portal.models import Department

    client, _, eco = partner_administrator_client
    bureau = Department.objects.get(is_bureau=True)
    users = client.get(reverse("admin:credit_portal_user_changelist")).content.decode()
    # One department to choose from: Django leaves the filter out rather than offer the bureau.
    assert f"staff_profile__department__id__exact={bureau.pk}" not in users
    assert client.get(reverse("admin:credit_portal_department_add")).status_code == 403
    page = client.get(reverse("admin:credit_portal_department_change", args=[eco.pk]))
    fields = page.context["adminform"].form.fields
    assert "name" in fields and "code" not in fields and "is_active" not in fields


def test_an_enterprise_membership_is_for_an_enterprise_account(admin_client, user_with_perms):
    from tests.enterprises.factories import EnterpriseFactory

    staff = user_with_perms(username="clerk", is_staff=True)
    enterprise = EnterpriseFactory()
    response = admin_client.post(
        reverse("admin:enterprises_enterprisemembership_add"),
        {"user": staff.pk, "enterprise": enterprise.pk, "role": "owner"},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors


def test_the_admin_login_page_opens_for_a_visitor(client):
    """Every admin page, the login page too, asks each model admin whether to list it."""
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302  # to the login page


def test_roles_are_named_by_their_labels_not_their_codenames(admin_client):
    """Tester 6: the groups filter and the groups list showed registrar, credit_officer..."""
    from django.contrib.auth.models import Group

    registrar = Group.objects.get(name="registrar")
    admin_client.cookies["cp_language"] = "zh-hans"
    users = admin_client.get(reverse("admin:credit_portal_user_changelist")).content.decode()
    assert f'<a href="?groups__id__exact={registrar.pk}">登记人员</a>' in users
    user = User.objects.create_user("clerk")
    form = admin_client.get(reverse("admin:credit_portal_user_change", args=[user.pk]))
    assert f'<option value="{registrar.pk}">登记人员 (registrar)</option>' in form.content.decode()
    groups = admin_client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert "登记人员" in groups
