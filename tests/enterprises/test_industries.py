import pytest
from django.urls import reverse
from django.utils import translation

from enterprises.forms import EnterpriseForm
from enterprises.industries import (
    DIVISION_CHOICES,
    DIVISIONS,
    SECTIONS,
    division_label,
    section_label,
    section_of,
)
from enterprises.permissions import EnterprisePerm

pytestmark = pytest.mark.django_db


def test_every_division_belongs_to_a_section_and_the_ranges_are_complete():
    assert len(SECTIONS) == 20
    assert sorted(DIVISIONS) == [f"{n:02d}" for n in range(1, 98)]
    assert {section_of(d) for d in DIVISIONS} == set(SECTIONS)


def test_every_division_has_a_chinese_and_an_english_name():
    for code, (_section, name_zh, name_en) in DIVISIONS.items():
        assert name_zh.strip(), code
        assert name_en.strip() == name_en, code
        assert name_en, code
        assert name_en.isascii(), code
        assert name_en[0].isupper(), code
    # No division is left with a copy of its Chinese name or of another division's name.
    assert len({v[2] for v in DIVISIONS.values()}) == len(DIVISIONS)


def test_division_label_mirrors_section_label():
    assert division_label("62") == "餐饮业"
    assert division_label("62", "zh-hans") == "餐饮业"
    assert division_label("62", "en") == "Catering services"
    assert division_label("65", "en-gb") == "Software and information technology services"
    assert division_label("99", "en") == "99"  # unknown: the code itself, like section_label
    assert section_label("Z", "en") == "Z"


def test_division_choices_follow_the_active_language():
    choices = dict(DIVISION_CHOICES)
    assert len(choices) == 97
    with translation.override("en"):
        assert str(choices["62"]) == "62 Catering services"
        assert str(choices["01"]) == "01 Agriculture"
        assert all(str(label).isascii() for label in choices.values())
    with translation.override("zh-hans"):
        assert str(choices["62"]) == "62 餐饮业"
        assert str(choices["39"]) == "39 计算机、通信和其他电子设备制造业"


def test_enterprise_form_groups_divisions_in_the_active_language():
    field = EnterpriseForm().fields["industry_division"]
    for language, group, option in (
        ("en", "H Accommodation and catering", "62 Catering services"),
        ("zh-hans", "H 住宿和餐饮业", "62 餐饮业"),
    ):
        with translation.override(language):
            groups = {str(name): dict(options) for name, options in field.choices[1:]}
            assert str(groups[group]["62"]) == option
            assert field.valid_value("62")


def test_division_names_follow_the_interface_language(client, user_with_perms):
    from tests.enterprises.factories import EnterpriseFactory

    EnterpriseFactory(industry_section="H", industry_division="62")
    client.force_login(user_with_perms(EnterprisePerm.VIEW))
    english = client.get(reverse("enterprises:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("enterprises:list")).content.decode()
    # The filter form's options and the row's title.
    assert '<option value="62">62 Catering services</option>' in english
    assert 'title="H · 62 Catering services">62 Catering services<' in english
    assert "餐饮业" not in english
    assert '<option value="62">62 餐饮业</option>' in chinese
    assert 'title="H · 62 餐饮业">62 餐饮业<' in chinese


def test_enterprise_form_shows_divisions_in_the_interface_language(client, user_with_perms):
    client.force_login(user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.ADD))
    url = reverse("enterprises:create")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url).content.decode()
    assert '<optgroup label="H Accommodation and catering">' in english
    assert '<option value="62">62 Catering services</option>' in english
    assert "餐饮业" not in english
    assert '<optgroup label="H 住宿和餐饮业">' in chinese
    assert '<option value="62">62 餐饮业</option>' in chinese


def test_detail_page_shows_the_division_in_the_interface_language(client, user_with_perms):
    from tests.enterprises.factories import EnterpriseFactory

    ent = EnterpriseFactory(industry_section="I", industry_division="65")
    client.force_login(user_with_perms(EnterprisePerm.VIEW))
    url = reverse("enterprises:detail", args=[ent.uscc])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "65 Software and information technology services" in english
    assert "65 软件和信息技术服务业" in client.get(url).content.decode()


def test_section_names_follow_the_interface_language(client, user_with_perms):
    client.force_login(user_with_perms(EnterprisePerm.VIEW))
    english = client.get(reverse("enterprises:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("enterprises:list")).content.decode()
    assert "H Accommodation and catering" in english
    assert "H 住宿和餐饮业" in chinese


def test_department_names_follow_the_interface_language(client, user_with_perms, department):
    from tests.enterprises.factories import EnterpriseFactory

    department.name_en = "Administration for Market Regulation"
    department.save()
    EnterpriseFactory(department=department)
    client.force_login(user_with_perms(EnterprisePerm.VIEW))
    english = client.get(reverse("enterprises:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Administration for Market Regulation</td>" in english
    assert ">区市场监督管理局</td>" in client.get(reverse("enterprises:list")).content.decode()
