"""The register reads the current class from `risk.CurrentClass` (issue 16 §3) through the
one-to-one relation: the score sort above the cap (classified rows, then the never
classified), the admin's read-only class and class filter (view_risk only), a partner
department's staff seeing only their own department's classes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from enterprises.filters import EnterpriseFilter
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, classify

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def do(user, lang="en"):
        client.force_login(user)
        client.cookies["cp_language"] = lang
        return client

    return do


def _listed(client, monkeypatch, ordering: str, cap: int) -> list[str]:
    monkeypatch.setattr("enterprises.views.staff.LIST_COUNT_CAP", cap)
    names: list[str] = []
    for page in range(1, 6):
        response = client.get(
            reverse("enterprises:list"), {"page_size": 20, "page": page, "ordering": ordering}
        )
        if response.status_code == 404:
            break
        names += [e.name for e in response.context["page_obj"].object_list]
    return names


@pytest.mark.parametrize(
    "ordering", ["-risk_score", "risk_score", "-risk_score,registered_on", "risk_score,-name"]
)
@pytest.mark.parametrize("classified", [12, 35])
def test_score_sort_above_the_cap_pages_classified_then_never_classified(
    login, user_with_perms, monkeypatch, ordering, classified
):
    """Above the cap the pages come from two queries (classified in score order, then the
    others in the remaining keys' order) and must be the database's one ORDER BY exactly:
    with fewer classified rows than the cap (read by id among them, then the rest) and with
    more (the ordered query alone)."""
    for i in range(47):
        e = EnterpriseFactory(name=f"分页{i:02d}", registered_on=dt.date(2020, 1, 1 + i % 3))
        if i < classified:
            classify(e, "ABCD"[i % 4], Decimal(f"{(i * 7) % 5}.5"))  # ties: the next keys
    user = user_with_perms(P.VIEW, P.VIEW_RISK)
    client = login(user)
    above = _listed(client, monkeypatch, ordering, cap=30)
    request = RequestFactory().get("/")
    request.user = user
    in_database = list(
        EnterpriseFilter(
            {"ordering": ordering}, queryset=Enterprise.objects.all(), request=request
        ).qs.values_list("name", flat=True)
    )
    assert above == in_database[:30]
    assert _listed(client, monkeypatch, ordering, cap=10_000) == in_database  # below the cap


def test_score_sort_above_the_cap_reads_the_page_in_few_queries(
    login, user_with_perms, monkeypatch, django_assert_num_queries
):
    for i in range(40):
        e = EnterpriseFactory(name=f"计数{i:02d}")
        if i % 4 == 0:
            classify(e, "B", 200 + i)
    client = login(user_with_perms(P.VIEW, P.VIEW_RISK))
    monkeypatch.setattr("enterprises.views.staff.LIST_COUNT_CAP", 15)
    client.get(reverse("enterprises:list"))  # session and permission caches
    # Session, user, permissions (2), the probe, the classified ids, their page rows, the
    # never-classified rows, departments (filter select), the total (PostgreSQL: the table's
    # planned size and, for a table this small, an exact count; SQLite: the count), the
    # navigation's membership.
    with django_assert_num_queries(12 if connection.vendor == "postgresql" else 11):
        response = client.get(reverse("enterprises:list"), {"ordering": "-risk_score", "page": 1})
    rows = response.context["rows"]
    assert [r["risk"]["score"] for r in rows[:10]] == sorted(
        (Decimal(200 + i) for i in range(0, 40, 4)), reverse=True
    )
    assert all(r["risk"] is None for r in rows[10:])
    for e in Enterprise.objects.filter(risk_current__isnull=True):
        classify(e, "A", 50)
    # Every match classified: the probe (which read the scores) shows more than the cap of
    # them, so no probe of the classified ids and no never-classified part: two queries less.
    with django_assert_num_queries(10 if connection.vendor == "postgresql" else 9):
        response = client.get(reverse("enterprises:list"), {"ordering": "-risk_score"})
    scores = [r["risk"]["score"] for r in response.context["rows"]]
    assert scores[9:11] == [Decimal(200), Decimal(50)] and len(scores) == 15


def test_partner_staff_filter_classes_of_their_department_only(login, user_with_perms):
    mine = DepartmentFactory(code="eco", name="区生态环境局")
    other = DepartmentFactory(code="fire", name="区消防救援大队")
    classify(EnterpriseFactory(name="本部门企业", department=mine), "D", 90)
    classify(EnterpriseFactory(name="他部门企业", department=other), "D", 95)
    partner = user_with_perms(P.VIEW, P.VIEW_RISK)
    partner.staff_profile.department = mine
    partner.staff_profile.save()
    client = login(partner)
    page = client.get(reverse("enterprises:list"), {"risk_class": "D", "ordering": "-risk_score"})
    assert [e.name for e in page.context["page_obj"].object_list] == ["本部门企业"]
    api = client.get("/api/v1/enterprises/", {"risk_class": "D"}).json()
    assert [r["name"] for r in api["results"]] == ["本部门企业"]


def test_api_fields_are_null_for_an_entity_never_classified(login, user_with_perms):
    e = EnterpriseFactory()
    client = login(user_with_perms(P.VIEW, P.VIEW_RISK))
    body = client.get(f"/api/v1/enterprises/{e.uscc}/").json()
    assert [body[k] for k in ("risk_class", "risk_score", "risk_assessed_at")] == [None] * 3
    assert body["risk_overridden"] is None
    classify(e, "A", 120, override_class="C")
    body = client.get(f"/api/v1/enterprises/{e.uscc}/").json()
    assert (body["risk_class"], body["risk_score"], body["risk_overridden"]) == ("C", "120.0", True)
    row = client.get("/api/v1/enterprises/").json()["results"][0]
    assert (row["risk_class"], row["risk_overridden"]) == ("C", True)


def _admin_user(user_with_perms, *codenames: str):
    return user_with_perms(
        "enterprises.view_enterprise", "enterprises.change_enterprise", *codenames, is_staff=True
    )


def test_admin_shows_the_current_class_and_its_filter_only_with_view_risk(login, user_with_perms):
    e = EnterpriseFactory(name="后台企业")
    classify(e, "B", 250, override_class="D", as_of=dt.date(2026, 3, 2))
    change = reverse("admin:enterprises_enterprise_change", args=[e.pk])
    listing = reverse("admin:enterprises_enterprise_changelist")
    client = login(_admin_user(user_with_perms, P.VIEW_RISK))
    html = client.get(change).content.decode()
    assert "Current risk class" in html and "score 250.0, as of 2026-03-02" in html
    assert "the computed class is B" in html
    assert "risk_current__risk_class__exact" in client.get(listing).content.decode()
    filtered = client.get(listing, {"risk_current__risk_class__exact": "D"})
    assert filtered.status_code == 200 and "后台企业" in filtered.content.decode()
    plain = login(_admin_user(user_with_perms))
    assert "Current risk class" not in plain.get(change).content.decode()
    assert "risk_current__risk_class" not in plain.get(listing).content.decode()
    probing = plain.get(listing, {"risk_current__risk_class__exact": "D"})
    assert "后台企业" not in probing.content.decode()  # the lookup is refused, not applied


CLASS_FILTERS = [
    {"risk_class": "D"},
    {"risk_class": "D", "department": "eco"},
    {"risk_class": "C", "status": "operating"},
    {"risk_class": "B", "ordering": "name"},
    {"risk_class": "B", "ordering": "-name"},
    {"risk_class": "A", "ordering": "registered_on"},
    {"risk_class": "D", "ordering": "-registered_on"},
    {"risk_class": "C", "ordering": "-risk_score"},
    {"risk_class": "D", "ordering": "risk_score"},
]


@pytest.mark.parametrize("params", CLASS_FILTERS, ids=lambda p: ",".join(p.values()))
def test_a_class_filter_lists_that_class_in_the_lists_order_below_and_above_the_cap(
    login, user_with_perms, monkeypatch, params
):
    """The class in effect (an override's while one is open) decides, and the rows come in the
    list's order with ties by id, page after page: the probe's ids sorted here (below the cap)
    and the database's ORDER BY ... LIMIT (above it) alike, on the page and in the API."""
    eco = DepartmentFactory(code="eco", name="区生态环境局")
    amr = DepartmentFactory(code="amr", name="区市场监督管理局")
    made = []
    for i in range(64):
        e = EnterpriseFactory(
            name=f"分类{i:02d}",
            registered_on=dt.date(2020, 1, 1 + i % 5),  # ties: the id decides
            department=eco if i % 3 == 0 else amr,
            status="operating" if i % 7 else "deregistered",
        )
        if i % 9 == 8:
            continue  # never classified: in no class
        computed = "ABCD"[i % 4]
        overridden = "D" if i % 10 == 1 else ""  # a B, C or A set to D, and a D kept D
        classify(e, computed, Decimal(f"{(i * 7) % 6}.5"), override_class=overridden)
        made.append((e, overridden or computed, Decimal(f"{(i * 7) % 6}.5")))
    wanted = [
        (e, score)
        for e, in_effect, score in made
        if in_effect == params["risk_class"]
        and ("department" not in params or e.department.code == params["department"])
        and ("status" not in params or e.status == params["status"])
    ]
    ordering = params.get("ordering", "-registered_on")
    key = ordering.lstrip("-")
    descending = ordering.startswith("-")
    wanted.sort(key=lambda pair: pair[0].pk, reverse=descending)  # the id follows the direction
    if not params.get("ordering"):
        wanted.sort(key=lambda pair: pair[0].pk)  # the default order: newest first, then by id
        descending = True
    value = {
        "name": lambda pair: pair[0].name,
        "registered_on": lambda pair: pair[0].registered_on,
        "risk_score": lambda pair: pair[1],
    }[key]
    expected = [e.name for e, _score in sorted(wanted, key=value, reverse=descending)]
    assert len(expected) >= 6  # enough rows for the cap of 5 to page some of them

    client = login(user_with_perms(P.VIEW, P.VIEW_RISK))
    for cap in (10_000, 5):
        monkeypatch.setattr("enterprises.views.staff.LIST_COUNT_CAP", cap)
        monkeypatch.setattr("enterprises.api.staff.LIST_COUNT_CAP", cap)
        names: list[str] = []
        for page in (1, 2, 3):
            response = client.get(
                reverse("enterprises:list"), {**params, "page_size": 20, "page": page}
            )
            if response.status_code == 404:
                break
            names += [e.name for e in response.context["page_obj"].object_list]
            total = response.context["total"]
        assert names == expected[:cap]
        assert (total.value, total.exact) == (len(expected), True)  # a small table: counted
        api = client.get("/api/v1/enterprises/", {**params, "page_size": 20}).json()
        assert [r["name"] for r in api["results"]] == expected[: min(cap, 20)]
        assert api["count"] == min(cap, len(expected))
        assert api["count_capped"] == (cap < len(expected))
