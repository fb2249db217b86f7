"""The pages: the enterprise's /me/standing/ (eligibility, one-click issue, its letters, its
PDFs only), the staff section (jurisdiction, revoke), the public verification page (plain
answers, escaped input, throttled, a fixed number of queries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from credit_portal.roles import Role
from standing.models import StandingLetter
from standing.services import letter_issue, letter_revoke
from tests.standing import factories as f

pytestmark = pytest.mark.django_db
ME = reverse("standing:me_list")
ISSUE = reverse("standing:me_issue")
VERIFY = reverse("standing-public:verify")


def test_me_page_shows_eligibility_and_issues_in_one_click(client: Any) -> None:
    firm = f.good_firm()
    client.force_login(f.member(firm))
    page = client.get(ME)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="standing-eligible"' in html and 'action="' + ISSUE + '"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    response = client.post(ISSUE, follow=True)
    letter = StandingLetter.objects.get()
    html = response.content.decode()
    assert f"Its verification code is {letter.code}" in html
    assert letter.code in html and reverse("standing:pdf", args=[letter.pk]) in html


def test_me_issue_is_post_only(client: Any) -> None:
    firm = f.good_firm()
    client.force_login(f.member(firm))
    assert client.get(ISSUE).status_code == 405
    assert not StandingLetter.objects.exists()


def test_me_page_refuses_with_the_reasons(client: Any) -> None:
    firm = f.good_firm()
    f.serious(firm)
    client.force_login(f.member(firm))
    html = client.get(ME).content.decode()
    assert 'data-testid="standing-problems"' in html and "serious illegal" in html
    assert 'action="' + ISSUE + '"' not in html
    response = client.post(ISSUE, follow=True)
    assert "No letter was issued" in response.content.decode()
    assert not StandingLetter.objects.exists()


def test_the_enterprise_sees_only_its_own_letters_and_pdfs(client: Any) -> None:
    mine, theirs = f.good_firm(), f.good_firm()
    me = f.member(mine, "me")
    own = letter_issue(actor=me, enterprise=mine)
    other = letter_issue(actor=f.member(theirs, "them"), enterprise=theirs)
    client.force_login(me)
    html = client.get(ME).content.decode()
    assert own.code in html and other.code not in html
    response = client.get(reverse("standing:pdf", args=[own.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client.get(reverse("standing:pdf", args=[other.pk])).status_code == 404


def test_staff_without_the_permission_get_no_pdf_and_no_page(
    client: Any, user_with_perms: Any
) -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    client.force_login(user_with_perms("enterprises.view_enterprise"))
    assert client.get(reverse("standing:pdf", args=[letter.pk])).status_code == 404
    url = reverse("standing:staff_list", args=[firm.pk])
    assert client.get(url).status_code == 403


def test_credit_officer_lists_issues_and_revokes(client: Any, user_with_role: Any) -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    officer = user_with_role(Role.CREDIT_OFFICER)
    client.force_login(officer)
    url = reverse("standing:staff_list", args=[firm.pk])
    html = client.get(url).content.decode()
    assert letter.code in html and reverse("standing:staff_revoke", args=[letter.pk]) in html
    assert client.get(reverse("standing:pdf", args=[letter.pk])).status_code == 200
    client.post(reverse("standing:staff_issue", args=[firm.pk]))
    assert StandingLetter.objects.filter(enterprise=firm).count() == 2
    client.post(reverse("standing:staff_revoke", args=[letter.pk]), {"reason": "issued in error"})
    letter.refresh_from_db()
    assert letter.revoked_by == officer and letter.revoke_reason == "issued in error"


def test_staff_pages_need_the_staff_portal(client: Any, user_with_perms: Any) -> None:
    """The standing codenames alone open nothing: an account whose staff portal access was
    withdrawn gets a 403 on the staff pages and a 404 on the PDF (review finding 12)."""
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    standing = (
        "enterprises.view_enterprise",
        "standing.view_standingletter",
        "standing.add_standingletter",
        "standing.revoke_standingletter",
    )
    client.force_login(user_with_perms(*standing, username="no-portal"))
    assert client.get(reverse("standing:staff_list", args=[firm.pk])).status_code == 403
    assert client.post(reverse("standing:staff_issue", args=[firm.pk])).status_code == 403
    revoke = reverse("standing:staff_revoke", args=[letter.pk])
    assert client.post(revoke, {"reason": "issued in error"}).status_code == 403
    assert client.get(reverse("standing:pdf", args=[letter.pk])).status_code == 404
    assert StandingLetter.objects.filter(enterprise=firm).count() == 1
    letter.refresh_from_db()
    assert letter.revoked_at is None
    client.force_login(
        user_with_perms(*standing, "credit_portal.access_staff_portal", username="portal")
    )
    assert client.get(reverse("standing:staff_list", args=[firm.pk])).status_code == 200
    assert client.get(reverse("standing:pdf", args=[letter.pk])).status_code == 200


def test_a_partner_department_sees_no_letter_of_another_departments_firm(
    client: Any, user_with_role: Any
) -> None:
    from django.contrib.auth.models import Group

    from credit_portal.models import Department, StaffProfile, User

    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    partner = Department.objects.create(code="eco", name="区生态环境局")
    user = User.objects.create_user(username="partner", password="Secret-pass-123")
    user.groups.add(Group.objects.get(name=str(Role.CREDIT_OFFICER)))
    StaffProfile.objects.create(user=user, department=partner)
    client.force_login(user)
    assert client.get(reverse("standing:staff_list", args=[firm.pk])).status_code == 404
    assert client.get(reverse("standing:pdf", args=[letter.pk])).status_code == 404
    response = client.post(reverse("standing:staff_revoke", args=[letter.pk]), {"reason": "x"})
    assert response.status_code == 404


# --------------------------------------------------------------------------- public


def test_verify_form_and_a_valid_letter(client: Any) -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    assert client.get(VERIFY).status_code == 200
    typed = letter.code.lower().replace("-", " ")
    response = client.get(VERIFY, {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("standing-public:verify_code", args=[letter.code])
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and 'data-status="valid"' in html
    assert firm.name in html and firm.uscc in html and "未被列入严重违法失信名单" in html
    assert "this bureau's records, as of" in html
    assert page["Cache-Control"] == "no-store"
    # Nothing private: no legal representative, no address, no ledger ids.
    assert firm.legal_rep_name not in html and firm.address not in html


def test_verify_unknown_code_escapes_input_and_says_so(client: Any) -> None:
    response = client.get(VERIFY, {"code": "<script>alert(1)</script>"})
    html = response.content.decode()
    assert "No letter has this code. Check the code or ask the enterprise for the letter." in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = client.get(reverse("standing-public:verify_code", args=["ABCD-EFGH-JKMN-PQRS"]))
    assert page.status_code == 404
    assert 'data-status="unknown"' in page.content.decode()


def test_verify_page_changed_expired_revoked(client: Any) -> None:
    firm = f.good_firm()
    user = f.member(firm)
    changed = letter_issue(actor=user, enterprise=firm)
    revoked = letter_issue(actor=user, enterprise=firm)
    letter_revoke(actor=f.clerk(), letter=revoked, reason="issued in error")
    f.abnormal(firm, days_ago=0)
    html = client.get(changed.verify_path()).content.decode()
    assert 'data-status="changed"' in html
    assert "This letter was true on" in html and "abnormal operations directory" in html
    html = client.get(revoked.verify_path()).content.decode()
    assert 'data-status="revoked"' in html and "issued in error" not in html
    later = changed.expires_on + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(later, dt.time(4), tzinfo=dt.UTC)):
        html = client.get(changed.verify_path()).content.decode()
    assert 'data-status="expired"' in html


def test_verify_page_queries_are_pinned(client: Any, django_assert_num_queries: Any) -> None:
    """The letter with its enterprise, and the enterprise's ledger: two queries whatever the
    ledger holds."""
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    url = letter.verify_path()
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
    for _ in range(10):
        f.penalty(firm, public=False)
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(1):
        client.get(reverse("standing-public:verify_code", args=["ABCD-EFGH-JKMN-PQRS"]))


def test_verify_page_is_rate_limited(client: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public": "3/min",
        },
    }
    for _ in range(3):
        assert client.get(VERIFY, REMOTE_ADDR="10.9.0.1").status_code == 200
    response = client.get(VERIFY, REMOTE_ADDR="10.9.0.1")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert client.get(VERIFY, REMOTE_ADDR="10.9.0.2").status_code == 200


def test_pages_need_an_enterprise_login(client: Any, user_with_perms: Any) -> None:
    assert client.get(ME).status_code == 302  # to the login page
    client.force_login(user_with_perms("enterprises.view_enterprise"))
    assert client.get(ME).status_code == 403


def test_own_list_marks_letters_whose_records_changed_since(client: Any) -> None:
    firm = f.good_firm()
    user = f.member(firm)
    letter_issue(actor=user, enterprise=firm)
    f.abnormal(firm, days_ago=0)
    client.force_login(user)
    assert "Records changed since" in client.get(ME).content.decode()
