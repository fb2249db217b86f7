"""Search where clerks look (issue 13, point 4): the register list's `q` and the API's search
find an entity by its legal representative, its address and the end of its credit code, as
well as by name, code and pinyin initials; the public lookup does not search people or
addresses. The industry division list narrows to the chosen section and keeps a refused pair.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from enterprises.filters import EnterpriseFilter
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, register_data

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:list")
API = reverse("enterprises-api:enterprise-list")
PUBLIC_API = reverse("enterprises-api:public-enterprise-list")


@pytest.fixture
def register():
    """Three entities told apart by person, address and code; names that share nothing with
    either."""
    return {
        "noodles": EnterpriseFactory(
            name="双流区老码头面馆",
            entity_type=Enterprise.EntityType.INDIVIDUAL_BUSINESS,
            legal_rep_name="欧阳娜娜",
            address="四川省成都市双流区彭镇杨柳路385号4栋1单元20层",
        ),
        "tech": EnterpriseFactory(
            name="成都芯优智能科技有限公司",
            legal_rep_name="黄华",
            address="四川省成都市双流区怡心街道怡心街828号",
        ),
        "hotel": EnterpriseFactory(
            name="成都市双流区智融宾馆",
            legal_rep_name="黄华明",
            address="四川省成都市双流区协和街道三强东街98号",
        ),
    }


@pytest.fixture
def staff(client, user_with_perms):
    client.force_login(user_with_perms(P.VIEW))
    client.cookies["cp_language"] = "en"
    return client


@pytest.fixture
def api(api_client_for, user_with_perms):
    return api_client_for(user_with_perms(P.VIEW))


def listed(staff, api, text: str) -> set[str]:
    """The names the list page finds for `text`, checked against the API's."""
    page = staff.get(LIST, {"q": text})
    assert page.status_code == 200, text
    names = {e.name for e in page.context["page_obj"].object_list}
    body = api.get(API, {"q": text}).json()
    assert {row["name"] for row in body["results"]} == names, text
    return names


def test_by_legal_representative(staff, api, register):
    assert listed(staff, api, "欧阳娜娜") == {"双流区老码头面馆"}
    assert listed(staff, api, "欧阳") == {"双流区老码头面馆"}  # the start of the name
    assert listed(staff, api, "黄华") == {"成都芯优智能科技有限公司", "成都市双流区智融宾馆"}
    assert listed(staff, api, "黄华明") == {"成都市双流区智融宾馆"}
    assert listed(staff, api, "娜娜") == set()  # not the middle of a person's name


def test_by_address(staff, api, register):
    assert listed(staff, api, "杨柳路385号") == {"双流区老码头面馆"}
    assert listed(staff, api, "三强东街") == {"成都市双流区智融宾馆"}
    assert listed(staff, api, "怡心街道 黄华") == {"成都芯优智能科技有限公司"}
    assert len(listed(staff, api, "双流区")) == 3


def test_by_the_end_of_a_credit_code(staff, api, register):
    code = register["tech"].uscc
    for end in (code[-4:], code[-6:], code[-6:].lower(), f"{code[-6:-3]}-{code[-3:]}"):
        assert "成都芯优智能科技有限公司" in listed(staff, api, end), end
    assert listed(staff, api, code[-4:]) == {
        e.name for e in register.values() if e.uscc.endswith(code[-4:])
    }
    # A full-width end, as an input method may type it.
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code[-5:])
    assert "成都芯优智能科技有限公司" in listed(staff, api, wide)
    assert listed(staff, api, "黄华 " + code[-4:]) == {"成都芯优智能科技有限公司"}
    # Four digits may also be part of a name: both are found.
    EnterpriseFactory(name=f"成都{code[-4:]}文化传媒有限公司")
    assert {"成都芯优智能科技有限公司", f"成都{code[-4:]}文化传媒有限公司"} <= listed(
        staff, api, code[-4:]
    )


def test_name_code_and_initials_as_before(staff, api, register):
    tech = register["tech"]
    assert listed(staff, api, "芯优") == {tech.name}
    assert listed(staff, api, tech.uscc) == {tech.name}
    assert listed(staff, api, tech.uscc[:8]) == {e.name for e in register.values()}
    assert listed(staff, api, "zrbg") == {"成都市双流区智融宾馆"}


def test_the_public_lookup_searches_no_person_or_address(client, register):
    for text in ("欧阳娜娜", "杨柳路385号", register["tech"].uscc[-6:]):
        body = client.get(PUBLIC_API, {"q": text}).json()
        assert body["results"] == [], text


def _plan(text: str) -> str:
    """The plan of the staff search when only bitmap scans are allowed (on three rows the
    planner would rather scan the table): which indexes serve the conditions."""
    register_filter = EnterpriseFilter({"q": text}, queryset=Enterprise.objects.all())
    assert register_filter.is_valid()
    sql, params = register_filter.qs.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        ("6K3CX9", {"ent_uscc_reversed_idx", "enterprises_enterprise_uscc_b6a5c3f2_like"}),
        ("欧阳", {"ent_legal_rep_prefix_idx", "ent_name_bigram_idx"}),
        ("杨柳路385号", {"ent_address_trgm_idx", "ent_legal_rep_prefix_idx", "ent_name_trgm_idx"}),
    ],
)
def test_indexes_serve_the_staff_search(register, require_postgres, text, indexes):
    plan = _plan(text)
    assert "Seq Scan" not in plan, plan
    for index in indexes:
        assert index in plan, (index, plan)


# --- industry section and division ---------------------------------------------------------


def _select(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return found.group(1)


def _selected(html: str, name: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected', _select(html, name))


def _offered(html: str, name: str) -> list[str]:
    """The options a user can choose (neither hidden nor disabled), the empty one aside."""
    options = re.findall(r'<option value="([^"]+)"([^>]*)>', _select(html, name))
    return [v for v, attrs in options if "disabled" not in attrs and "hidden" not in attrs]


def test_the_filters_division_list_narrows_to_the_chosen_section(staff):
    html = staff.get(LIST, {"industry_section": "A"}).content.decode()
    assert _offered(html, "industry_division") == ["01", "02", "03", "04", "05"]
    assert len(_offered(staff.get(LIST).content.decode(), "industry_division")) == 97


def test_the_filters_keep_a_refused_pair_and_name_it(staff):
    response = staff.get(LIST, {"industry_section": "H", "industry_division": "13"})
    assert response.status_code == 400
    html = response.content.decode()
    assert _selected(html, "industry_section") == ["H"]
    assert _selected(html, "industry_division") == ["13"]
    assert "13" in _offered(html, "industry_division")  # shown, to be corrected
    assert set(_offered(html, "industry_division")) == {"13", "61", "62"}
    assert "Division 13 belongs to section C, not H." in html


def test_the_form_offers_the_section_and_keeps_a_refused_pair(client, user_with_perms):
    DepartmentFactory()
    client.force_login(user_with_perms(P.VIEW, P.ADD))
    client.cookies["cp_language"] = "en"
    form = client.get(reverse("enterprises:create")).content.decode()
    assert 'id="industry-divisions"' in form and "js/industry.js" in form
    assert '<select name="industry_section"' in form
    data = register_data(5, industry_section="H", industry_division="13")
    response = client.post(reverse("enterprises:create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert _selected(html, "industry_section") == ["H"]
    assert _selected(html, "industry_division") == ["13"]
    assert "Division 13 belongs to section C, not H." in html
    assert not Enterprise.objects.exists()
    response = client.post(
        reverse("enterprises:create"), {**data, "industry_section": "C"}, follow=False
    )
    assert response.status_code == 302
    assert Enterprise.objects.get().industry_section == "C"


def test_the_edit_form_starts_from_the_stored_section(client, user_with_perms):
    ent = EnterpriseFactory(industry_section="H", industry_division="62")
    client.force_login(user_with_perms(P.VIEW, P.CHANGE))
    html = client.get(reverse("enterprises:edit", args=[ent.uscc])).content.decode()
    assert _selected(html, "industry_section") == ["H"]
    assert _selected(html, "industry_division") == ["62"]
