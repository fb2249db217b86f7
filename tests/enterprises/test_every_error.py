"""Every error at once (issue 13): a form with an empty required field still shows the errors
the service finds in the other fields, so that one submit shows everything to correct."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credit_portal.models import AuditEvent
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, register_data

pytestmark = pytest.mark.django_db


def _errors(response, field: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


@pytest.fixture
def clerk(client, user_with_perms):
    client.force_login(user_with_perms(P.VIEW, P.ADD, P.CHANGE))
    client.cookies["cp_language"] = "en"
    return client


def test_the_create_form_shows_the_services_errors_beside_an_empty_required_field(clerk):
    data = register_data(
        81,
        name="",  # required: the form's own error
        uscc=register_data(81)["uscc"][:-1] + "0",  # wrong check character: the service's
        registered_on="2999-01-01",  # in the future: the service's
        legal_rep_id="11010519491231002Y",  # a wrong identity number: the service's
        entity_type="individual_business",  # does not fit the code's second character
    )
    if data["uscc"] == register_data(81)["uscc"]:
        data["uscc"] = data["uscc"][:-1] + "1"
    response = clerk.post(reverse("enterprises:create"), data)

    assert response.status_code == 400
    assert _errors(response, "name") == ["This field is required."]
    assert any("check character" in e for e in _errors(response, "uscc"))
    assert _errors(response, "registered_on") == ["The registration date cannot be in the future."]
    assert _errors(response, "legal_rep_id")
    assert Enterprise.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_the_edit_form_shows_a_taken_code_and_a_foreign_department_beside_an_empty_field(
    client, user_with_perms
):
    eco = DepartmentFactory(code="eco", name="区生态环境局", is_bureau=False)
    mine = EnterpriseFactory(department=eco)
    other = EnterpriseFactory(legacy_reg_no="")
    partner = user_with_perms(P.VIEW, P.CHANGE)
    partner.staff_profile.department = eco
    partner.staff_profile.save()
    client.force_login(partner)
    client.cookies["cp_language"] = "en"
    form = client.get(reverse("enterprises:edit", args=[mine.uscc])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(address="", uscc=other.uscc, department="amr")

    response = client.post(reverse("enterprises:edit", args=[mine.uscc]), data)

    assert response.status_code == 400
    assert _errors(response, "address") == ["This field is required."]
    assert _errors(response, "uscc") == ["A market entity with this credit code already exists."]
    assert _errors(response, "department") == [
        "You can assign market entities only to your own department."
    ]
    mine.refresh_from_db()
    assert mine.version == 1


def test_the_registration_form_shows_the_password_and_contact_errors_beside_an_empty_field(
    client,
):
    client.cookies["cp_language"] = "en"
    response = client.post(
        reverse("me:register"),
        {
            "uscc": register_data(82)["uscc"],
            "code": "",  # required: the form's own error
            "username": "new-firm-user",
            "password1": "12345678",
            "password2": "12345678",
            "phone": "12345",
            "email": "",
        },
    )
    assert response.status_code == 400
    assert _errors(response, "code") == ["This field is required."]
    assert _errors(response, "phone") == [
        "Enter an 11-digit mainland mobile number, e.g. 13812345678."
    ]
    assert _errors(response, "password1")  # too short, too common, entirely numeric
