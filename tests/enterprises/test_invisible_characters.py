"""Names that look alike are caught (issue 12, point 12): an invisible or direction-changing
character in a name, a former name, an address or the legal representative's name is refused
with a message naming it, on every way into the register (staff form, API, import, admin);
emoji and ordinary punctuation pass, and names are kept as written (no width folding)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db

ZWSP = "\u200b"
RLO = "\u202e"


@pytest.fixture
def registrar(user_with_perms):
    DepartmentFactory()
    return user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.ADD, EnterprisePerm.CHANGE)


def _form_data(seed: int, **over: str) -> dict[str, str]:
    data = {
        "uscc": make_uscc(seed),
        "name": "成都蓉城餐饮有限公司",
        "former_names": "",
        "entity_type": "company",
        "industry_division": "62",
        "registered_on": "2020-01-05",
        "registration_authority": "成都市双流区市场监督管理局",
        "address": "棠湖路1号",
        "division": "东升街道",
        "legal_rep_name": "张三",
        "registered_capital": "100",
        "business_scope": "",
        "department": "amr",
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("name", f"成都蓉城{ZWSP}餐饮有限公司", "U+200B ZERO WIDTH SPACE"),
        ("former_names", f"旧名一\n{RLO}旧名二", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("address", "棠湖路\u20601号", "U+2060 WORD JOINER"),
        ("legal_rep_name", "张\u3164三", "U+3164 HANGUL FILLER"),
        ("division", "东升\ufeff街道", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ],
)
def test_the_staff_form_refuses_an_invisible_character_and_names_it(
    client, registrar, field, value, label
):
    client.force_login(registrar)
    response = client.post(
        reverse("enterprises:create"), _form_data(41, **{field: value}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert f"invisible or direction-changing character: {label}" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_the_staff_form_keeps_emoji_punctuation_and_full_width_forms_as_written(client, registrar):
    name = "家庭👨\u200d👩\u200d👧乐园❤\ufe0f（成都）ＡＢＣ有限公司"
    client.force_login(registrar)
    response = client.post(reverse("enterprises:create"), _form_data(42, name=name))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Enterprise.objects.get().name == name  # no folding: the name as registered


def test_the_edit_form_refuses_it_too(client, registrar):
    ent = EnterpriseFactory()
    client.force_login(registrar)
    data = _form_data(0, uscc=ent.uscc, name=f"{RLO}{ent.name}", version=str(ent.version))
    response = client.post(reverse("enterprises:edit", args=[ent.uscc]), data)
    assert response.status_code == 400
    assert "U+202E" in response.content.decode()
    ent.refresh_from_db()
    assert RLO not in ent.name and ent.version == 1


def test_the_api_refuses_it_on_create_and_on_change(api_client_for, registrar):
    client = api_client_for(registrar)
    body = {
        **_form_data(43, name=f"接口{ZWSP}公司", legal_rep_name=f"李{RLO}四"),
        "former_names": ["旧名", "旧\u2066名"],
    }
    response = client.post(reverse("enterprises-api:enterprise-list"), body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "U+200B" in errors["name"][0]
    assert "U+202E" in errors["legal_rep_name"][0]
    assert "U+2066" in errors["former_names"][0]
    assert not Enterprise.objects.exists()

    ent = EnterpriseFactory()
    url = reverse("enterprises-api:enterprise-detail", args=[ent.uscc])
    patch = client.patch(url, {"version": 1, "address": f"棠湖路{ZWSP}9号"}, format="json")
    assert patch.status_code == 400
    assert "U+200B" in patch.json()["errors"]["address"][0]
    ent.refresh_from_db()
    assert ZWSP not in ent.address


def test_the_import_refuses_the_row_and_names_the_character(tmp_path, department):
    good = _form_data(44, name="导入正常有限公司")
    bad = _form_data(45, name=f"导入{ZWSP}有限公司", address=f"{RLO}棠湖路2号")
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(good))
        writer.writeheader()
        writer.writerows([good, bad])
    out = io.StringIO()
    with translation.override("zh-hans"), pytest.raises(CommandError):
        call_command("import_enterprises", str(path), stdout=out)
    report = out.getvalue()
    assert "U+200B ZERO WIDTH SPACE" in report
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in report
    assert list(Enterprise.objects.values_list("name", flat=True)) == ["导入正常有限公司"]


def test_the_admin_refuses_it(client, user_with_perms):
    dept = DepartmentFactory()
    client.force_login(user_with_perms(is_superuser=True, is_staff=True))
    ent = EnterpriseFactory(department=dept)
    data = {
        **_form_data(0, uscc=ent.uscc, name=f"后台{ZWSP}改名", department=str(dept.pk)),
        "industry_section": "H",
        "former_names": '["旧\\u202e名"]',
        "expected_version": "1",
    }
    response = client.post(
        reverse("admin:enterprises_enterprise_change", args=[ent.pk]),
        data,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "U+200B ZERO WIDTH SPACE" in body
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in body
    ent.refresh_from_db()
    assert (ent.version, ZWSP in ent.name) == (1, False)

    data.update(name="后台改名", former_names='["旧名"]')  # the same edit, clean, is saved
    saved = client.post(reverse("admin:enterprises_enterprise_change", args=[ent.pk]), data)
    assert saved.status_code == 302
    ent.refresh_from_db()
    assert (ent.name, ent.version) == ("后台改名", 2)
