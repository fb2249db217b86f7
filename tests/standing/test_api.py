"""The API: the enterprise's own letters (GET list with eligibility, POST issue) and the public
verification by code."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from standing.models import StandingLetter
from standing.services import letter_issue, letter_revoke
from tests.standing import factories as f

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/standing-letters/"


def test_urls_are_the_published_ones() -> None:
    assert reverse("standing-api:me-letters") == ME
    assert reverse("standing-api:public-letter", args=["X"]) == "/api/v1/public/standing-letters/X/"


def test_enterprise_lists_and_issues(api_client_for: Any) -> None:
    firm = f.good_firm()
    api = api_client_for(f.member(firm))
    body = api.get(ME).json()
    assert body == {"eligible": True, "problems": [], "letters": []}
    created = api.post(ME)
    assert created.status_code == 201
    letter = StandingLetter.objects.get()
    data = created.json()
    assert data["code"] == letter.code and data["status"] == "valid"
    assert data["pdf"] == reverse("standing:pdf", args=[letter.pk])
    assert data["statements"][0]["key"] == "status"
    assert [x["code"] for x in api.get(ME).json()["letters"]] == [letter.code]


def test_issue_refused_is_a_400_with_the_reasons(api_client_for: Any) -> None:
    firm = f.good_firm()
    f.penalty(firm)
    api = api_client_for(f.member(firm))
    body = api.get(ME).json()
    assert body["eligible"] is False and "in publicity" in body["problems"][0]
    refused = api.post(ME)
    assert refused.status_code == 400
    assert "in publicity" in refused.json()["errors"]["non_field_errors"][0]
    assert not StandingLetter.objects.exists()


def test_staff_and_anonymous_are_refused(api_client_for: Any, user_with_perms: Any) -> None:
    assert api_client_for(None).get(ME).status_code in (401, 403)
    staff = api_client_for(user_with_perms("enterprises.view_enterprise"))
    assert staff.get(ME).status_code == 403
    assert staff.post(ME).status_code == 403


def test_public_verification(api_client_for: Any) -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    api = api_client_for(None)
    url = reverse("standing-api:public-letter", args=[letter.code.lower()])
    body = api.get(url).json()
    assert body["status"] == "valid" and body["changes"] == []
    assert body["letter"]["credit_code"] == firm.uscc and body["letter"]["code"] == letter.code
    assert set(body["letter"]) == {
        "code",
        "name",
        "credit_code",
        "as_of",
        "expires_on",
        "statements",
    }
    f.abnormal(firm, days_ago=0)
    body = api.get(url).json()
    assert body["status"] == "changed" and body["message"].startswith("This letter was true on")
    letter_revoke(actor=f.clerk(), letter=letter, reason="issued in error")
    assert api.get(url).json()["status"] == "revoked"


def test_public_verification_unknown_code_is_a_404_saying_so(api_client_for: Any) -> None:
    response = api_client_for(None).get(
        reverse("standing-api:public-letter", args=["ABCD-EFGH-JKMN-PQRS"])
    )
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "No letter has this code. Check the code or ask the enterprise for the letter."
    )
