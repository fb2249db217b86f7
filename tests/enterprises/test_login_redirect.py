import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from credit_portal.models import User
from enterprises.models import EnterpriseMembership
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_enterprise_user_lands_on_their_own_page_after_login(client):
    ent = EnterpriseFactory()
    user = User.objects.create_user(username="shop", password="Secret-pass-123")
    user.groups.add(Group.objects.get(name="enterprise_user"))
    EnterpriseMembership.objects.create(user=user, enterprise=ent)
    response = client.post(
        reverse("login"), {"username": "shop", "password": "Secret-pass-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("me:home")
    assert response.status_code == 200
    page = response.content.decode()
    assert ent.name in page
    assert 'aria-current="page"' in page


def test_login_page_offers_registration_with_an_activation_code(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("me:register")}"' in page


def test_staff_detail_links_to_activation_code_only_with_the_permission(client, user_with_perms):
    from enterprises.permissions import EnterprisePerm

    ent = EnterpriseFactory()
    url = reverse("enterprises:detail", args=[ent.uscc])
    link = f'href="{reverse("me:activation_code", args=[ent.uscc])}"'
    client.force_login(user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.ISSUE_ACTIVATION_CODE))
    assert link in client.get(url).content.decode()
    client.force_login(user_with_perms(EnterprisePerm.VIEW))
    assert link not in client.get(url).content.decode()


def test_registration_names_the_wrong_character_of_a_mistyped_code(client):
    """Tester: the generic mismatch message hid a simple typing error."""
    ent = EnterpriseFactory()
    wrong = ent.uscc[:17] + ("0" if ent.uscc[17] != "0" else "1")
    response = client.post(
        reverse("me:register"),
        {
            "uscc": wrong,
            "code": "ABCD-EFGH-JKLM-NPQR",
            "username": "typo",
            "password1": "Typo-pass-2026!x",
            "password2": "Typo-pass-2026!x",
            "phone": "13800000009",
        },
    )
    assert response.status_code in (200, 400)
    assert f"应为 {ent.uscc[17]}" in response.content.decode()
