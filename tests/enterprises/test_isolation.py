"""THE isolation test (issue 3, item 3): an enterprise user never sees another enterprise's data.

The enterprise-scoped URLs are not listed by hand: they are found in the URL resolver (every
pattern with a `uscc` parameter, written `<str:uscc>`, `<uscc>` or `(?P<uscc>…)`, in the
namespaces "enterprises", "me" and "enterprises-api"), so pages and endpoints that other
features add later are covered without touching this file. The public lookup (namespace
"public", and the public API under api/v1/public/) shows public data to anyone and is skipped.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from credit_portal.models import User
from credit_portal.roles import Role
from enterprises.models import CreditRecord, EnterpriseMembership
from enterprises.services.accounts import activation_code_issue
from enterprises.services.ledger import credit_record_append
from tests.enterprises.factories import EnterpriseFactory, Kind

pytestmark = pytest.mark.django_db

SCOPED_NAMESPACES = {"enterprises", "me", "enterprises-api"}
# URLs issue 3 requires; the test fails if the resolver walk misses the patterns serving them
# (found by resolving the path, so other features may name their patterns as they like).
KNOWN_PATHS = [
    "/enterprises/{u}/",
    "/enterprises/{u}/activation-code/",
    "/enterprises/{u}/activation-code/issued/",
    "/api/v1/enterprises/{u}/",
    "/api/v1/enterprises/{u}/records/",
]
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str
    params: tuple[str, ...]

    def url(self, uscc: str) -> str:
        kwargs = {p: uscc if p == "uscc" else "1" for p in self.params}
        return reverse(self.name, kwargs=kwargs)


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield namespace, p, prefix + str(p.pattern)


def _is_public(name: str, route: str) -> bool:
    return name.startswith("public") or "public/" in route


def scoped_routes() -> list[Route]:
    found = []
    for namespace, pattern, route in _walk(get_resolver().url_patterns):
        if namespace not in SCOPED_NAMESPACES or _is_public(pattern.name, route):
            continue
        params = tuple(pattern.pattern.regex.groupindex)
        if "uscc" in params:
            found.append(Route(f"{namespace}:{pattern.name}", route, params))
    return found


def unscoped_get_routes() -> list[Route]:
    found = []
    for namespace, pattern, route in _walk(get_resolver().url_patterns):
        if namespace not in SCOPED_NAMESPACES or _is_public(pattern.name, route):
            continue
        if not pattern.pattern.regex.groupindex:
            found.append(Route(f"{namespace}:{pattern.name}", route, ()))
    return found


@pytest.fixture
def world():
    staff = User.objects.create_user(username="issuer", password="x" * 12)
    mine = EnterpriseFactory(name="成都我的企业有限公司")
    other = EnterpriseFactory(name="成都隔壁企业有限公司", legal_rep_name="隔壁老王")
    for e in (mine, other):
        credit_record_append(
            enterprise=e,
            kind=Kind.SOFT_ENFORCEMENT,
            occurred_on=e.registered_on,
            summary=f"{e.name}的非公示文书",
            actor=None,
        )
        activation_code_issue(actor=staff, enterprise=e)
    user = User.objects.create_user(username="qiye", password="Qiye-Mima-2026")
    user.groups.add(Group.objects.get(name=str(Role.ENTERPRISE_USER)))
    EnterpriseMembership.objects.create(user=user, enterprise=mine)
    return user, mine, other


def test_the_resolver_walk_finds_the_known_enterprise_scoped_routes():
    names = {r.name for r in scoped_routes()}
    code = EnterpriseFactory.build().uscc
    for path in KNOWN_PATHS:
        match = resolve(path.format(u=code))
        assert f"{match.namespace}:{match.url_name}" in names, path
        assert match.kwargs["uscc"] == code
    # Every route found really takes a credit code.
    for route in scoped_routes():
        assert "uscc" in route.params
        assert re.search(r"uscc", route.route)


def test_enterprise_user_gets_404_for_every_scoped_url_of_another_enterprise(client, world):
    user, _mine, other = world
    client.force_login(user)
    routes = scoped_routes()
    assert len(routes) >= len(KNOWN_PATHS)
    problems = []
    for route, method in itertools.product(routes, METHODS):
        url = route.url(other.uscc)
        response = getattr(client, method)(url, content_type="application/json")
        allowed = {404} if method == "get" else {404, 405}
        body = response.content.decode(errors="ignore")
        if response.status_code not in allowed:
            problems.append(f"{method.upper()} {url} ({route.name}) -> {response.status_code}")
        if other.name in body or "隔壁老王" in body:
            problems.append(f"{method.upper()} {url} ({route.name}) shows the other enterprise")
    assert not problems, "\n".join(problems)


def test_scoped_urls_with_the_users_own_code_never_fail(client, world):
    user, mine, other = world
    client.force_login(user)
    problems = []
    for route in scoped_routes():
        url = route.url(mine.uscc)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url} -> {response.status_code}")
            body = response.content.decode(errors="ignore")
            if other.name in body or other.uscc in body:
                problems.append(f"{method.upper()} {url} shows the other enterprise")
    assert not problems, "\n".join(problems)


def test_unscoped_pages_and_lists_never_show_another_enterprise(client, world):
    """Lists, exports and the /me/ pages: nothing of the other enterprise, never a 5xx."""
    user, mine, other = world
    client.force_login(user)
    problems = []
    routes = unscoped_get_routes()
    assert {"me:home", "me:records"} <= {r.name for r in routes}
    for route in routes:
        url = route.url(mine.uscc)
        response = client.get(url)
        body = response.content.decode(errors="ignore")
        if response.status_code >= 500:
            problems.append(f"GET {url} -> {response.status_code}")
        if other.name in body or other.uscc in body or "隔壁老王" in body:
            problems.append(f"GET {url} ({route.name}) shows the other enterprise")
    assert not problems, "\n".join(problems)
    assert mine.name in client.get(reverse("me:home")).content.decode()


def test_partner_department_staff_see_only_their_departments_entities(client):
    """docs/architecture.md: other departments' inspectors have a staff login limited to their
    department."""
    from django.contrib.auth.models import Group

    from credit_portal.models import Department, StaffProfile, User
    from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory

    eco = Department.objects.create(code="eco", name="区生态环境局")
    theirs = EnterpriseFactory(department=eco)
    bureau_one = EnterpriseFactory(department=DepartmentFactory())
    user = User.objects.create_user(username="env-inspector", password="Secret-pass-123")
    user.groups.add(Group.objects.get(name="inspector"))
    StaffProfile.objects.create(user=user, department=eco)
    client.force_login(user)
    assert client.get(reverse("enterprises:detail", args=[theirs.uscc])).status_code == 200
    assert client.get(reverse("enterprises:detail", args=[bureau_one.uscc])).status_code == 404
    api = client.get("/api/v1/enterprises/").json()
    assert [row["uscc"] for row in api["results"]] == [theirs.uscc]
    records = client.get(f"/api/v1/enterprises/{bureau_one.uscc}/records/")
    assert records.status_code == 404


def _partner_with(*codenames: str, is_staff: bool = False):
    from django.contrib.auth.models import Permission

    from credit_portal.models import Department, StaffProfile, User

    eco = Department.objects.create(code="eco", name="区生态环境局")
    user = User.objects.create_user(
        username="env-clerk", password="Secret-pass-123", is_staff=is_staff
    )
    for full in codenames:
        app, codename = full.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    StaffProfile.objects.create(user=user, department=eco)
    return User.objects.get(pk=user.pk), eco


def test_partner_staff_who_may_write_assign_only_their_own_department(client):
    """Defence in depth: no role of a partner department writes today, but if one is given
    the right, it cannot place or move entities outside the department it can see."""
    from tests.enterprises.factories import DepartmentFactory, register_data

    DepartmentFactory()  # the bureau, amr
    user, _ = _partner_with(
        "enterprises.view_enterprise", "enterprises.add_enterprise", "enterprises.change_enterprise"
    )
    client.force_login(user)
    client.cookies["cp_language"] = "en"
    url = reverse("enterprises:create")
    elsewhere = client.post(url, {**register_data(1), "department": "amr"})
    assert elsewhere.status_code == 400
    assert "only to your own department" in elsewhere.content.decode()
    own = client.post(url, {**register_data(2), "department": "eco"})
    assert own.status_code == 302
    api = client.post(
        "/api/v1/enterprises/",
        {**register_data(3), "department": "amr"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "only to your own department" in str(api.json()), api.json()


def test_partner_staff_cannot_import_the_register(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user, _ = _partner_with("enterprises.view_enterprise", "enterprises.import_enterprises")
    client.force_login(user)
    client.cookies["cp_language"] = "en"
    data = "统一社会信用代码,企业名称\n".encode()
    response = client.post(
        reverse("enterprises:import"), {"file": SimpleUploadedFile("x.csv", data)}
    )
    assert response.status_code == 400
    assert "Only staff of the bureau can import the register" in response.content.decode()


def test_partner_staff_in_the_admin_see_and_assign_only_their_department(client):
    """The admin follows the same jurisdiction: other departments' entities are not listed
    (404 when asked by address), and the department choices are their own: choosing
    another is a form error, never a server error."""
    from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, register_data

    bureau = DepartmentFactory()
    user, eco = _partner_with(
        "enterprises.view_enterprise",
        "enterprises.add_enterprise",
        "enterprises.change_enterprise",
        is_staff=True,
    )
    theirs = EnterpriseFactory(department=eco)
    elsewhere = EnterpriseFactory(department=bureau)
    client.force_login(user)
    listing = client.get(reverse("admin:enterprises_enterprise_changelist"))
    assert list(listing.context["cl"].queryset) == [theirs]
    other = client.get(reverse("admin:enterprises_enterprise_change", args=[elsewhere.pk]))
    assert other.status_code == 302  # the admin's answer for an object it cannot find
    add = client.get(reverse("admin:enterprises_enterprise_add"))
    choices = list(add.context["adminform"].form.fields["department"].queryset)
    assert choices == [eco]
    data = {
        **register_data(5),
        "department": bureau.pk,
        "former_names": "[]",
        "industry_section": "H",
    }
    response = client.post(reverse("admin:enterprises_enterprise_add"), data)
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors


def test_partner_staff_see_no_import_job_of_the_bureau(client, user_with_perms):
    """A job's error report names entities of the whole district."""
    from enterprises.models import ImportJob

    clerk = user_with_perms("enterprises.import_enterprises", "enterprises.view_enterprise")
    job = ImportJob.objects.create(original_name="全区.csv", created_by=clerk, status="done")
    user, _ = _partner_with("enterprises.view_enterprise", "enterprises.import_enterprises")
    client.force_login(user)
    assert "全区.csv" not in client.get(reverse("enterprises:import")).content.decode()
    assert client.get(reverse("enterprises:import_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("enterprises:import_errors", args=[job.pk])).status_code == 404


def test_bureau_staff_in_the_admin_pick_a_department_shared_by_colleagues(client, user_with_perms):
    """Each department once in the choices, however many staff it has (a join once listed it
    per member, and the form's lookup then failed with a server error)."""
    from credit_portal.models import StaffProfile, User
    from tests.enterprises.factories import DepartmentFactory, register_data

    bureau = DepartmentFactory()
    clerk = user_with_perms(
        "enterprises.view_enterprise",
        "enterprises.add_enterprise",
        "enterprises.change_enterprise",
        username="bureau-clerk",
        is_staff=True,
    )
    for n in range(2):  # colleagues in the same department
        colleague = User.objects.create_user(username=f"colleague{n}", password="x-Secret-123")
        StaffProfile.objects.create(user=colleague, department=bureau)
    client.force_login(clerk)
    add = client.get(reverse("admin:enterprises_enterprise_add"))
    choices = list(add.context["adminform"].form.fields["department"].queryset)
    assert choices.count(bureau) == 1
    data = {
        **register_data(6),
        "department": bureau.pk,
        "former_names": "[]",
        "industry_section": "H",
    }
    response = client.post(reverse("admin:enterprises_enterprise_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_partner_staff_in_the_admin_see_only_their_departments_records_and_no_jobs(client):
    from enterprises.models import ImportJob
    from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory

    bureau = DepartmentFactory()
    user, eco = _partner_with(
        "enterprises.view_creditrecord",
        "enterprises.view_importjob",
        "enterprises.view_enterprise",
        is_staff=True,
    )
    mine = EnterpriseFactory(department=eco)
    theirs = EnterpriseFactory(department=bureau)
    for ent in (mine, theirs):
        CreditRecord.objects.create(
            enterprise=ent, kind="registration", occurred_on=ent.registered_on, summary="设立登记"
        )
    ImportJob.objects.create(original_name="全区.csv", created_by=user, status="done")
    client.force_login(user)
    records = client.get(reverse("admin:enterprises_creditrecord_changelist"))
    assert [r.enterprise_id for r in records.context["cl"].queryset] == [mine.pk]
    jobs = client.get(reverse("admin:enterprises_importjob_changelist"))
    assert list(jobs.context["cl"].queryset) == []
