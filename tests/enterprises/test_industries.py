import pytest
from django.urls import reverse

from enterprises.industries import DIVISIONS, SECTIONS, section_of
from enterprises.permissions import EnterprisePerm

pytestmark = pytest.mark.django_db


def test_every_division_belongs_to_a_section_and_the_ranges_are_complete():
    assert len(SECTIONS) == 20
    assert sorted(DIVISIONS) == [f"{n:02d}" for n in range(1, 98)]
    assert {section_of(d) for d in DIVISIONS} == set(SECTIONS)


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
    assert "<td>Administration for Market Regulation</td>" in english
    assert "<td>区市场监督管理局</td>" in client.get(reverse("enterprises:list")).content.decode()
