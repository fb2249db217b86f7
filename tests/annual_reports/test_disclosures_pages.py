"""The pages of immediate disclosures (issue 15 point 6): the company discloses, corrects and
sees every version in self-service; staff see the disclosed versions of their jurisdiction
with the late ones, and count the self-corrections per correction; the public sees the
versions in force and those they replaced. Permissions and jurisdiction on every page; another
company's disclosure is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from annual_reports.models import ImmediateDisclosure
from enterprises.models import CreditRecord
from tests.annual_reports.factories_disclosures import (
    DISCLOSURE_PERMS,
    at,
    company,
    correct,
    disclose,
    licence,
    member,
    partner,
    staff,
)
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DAY = dt.date(2025, 11, 3)


@pytest.fixture(autouse=True)
def _clock():
    with at(DAY):
        yield


@pytest.fixture
def firm():
    enterprise = company(name="成都市双流区蓉城贸易有限公司")
    return enterprise, member(enterprise)


def _contribution_post(action: str = "disclose", **over: Any) -> dict[str, Any]:
    data = {
        "changed_on": "2025-10-20",
        "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "200",
        "rows-0-name": "张三",
        "rows-0-subscribed": "100",
        "rows-0-subscribed_form": "currency",
        "rows-0-subscribed_on": "2030-12-31",
        "rows-0-paid": "30",
        "rows-0-paid_form": "currency",
        "rows-0-paid_on": "2025-10-20",
        "rows-1-name": "李四",
        "rows-1-subscribed": "50",
        "rows-1-subscribed_form": "in_kind",
        "rows-1-subscribed_on": "2030-12-31",
        "action": action,
    }
    data.update(over)
    return data


def test_the_company_discloses_a_contribution_from_its_page(client, firm):
    enterprise, user = firm
    client.force_login(user)
    page = client.get(reverse("me-annual-reports:disclosures"), **EN)
    assert page.status_code == 200
    assert b'data-testid="new-contribution"' in page.content
    form = client.get(reverse("me-annual-reports:disclosure_new", args=["contribution"]), **EN)
    assert form.status_code == 200 and b"rows-TOTAL_FORMS" in form.content
    done = client.post(
        reverse("me-annual-reports:disclosure_new", args=["contribution"]),
        _contribution_post(),
        **EN,
    )
    row = ImmediateDisclosure.objects.get(enterprise=enterprise)
    assert done.status_code == 302
    assert done["Location"] == reverse("me-annual-reports:disclosure_detail", args=[row.pk])
    assert row.status == "submitted" and row.filed_on == DAY
    assert [s["name"] for s in row.content["shareholders"]] == ["张三", "李四"]
    assert row.content["shareholders"][1]["paid"] == "0.00"
    detail = client.get(done["Location"], **EN)
    assert "张三" in detail.content.decode() and b"Correct this disclosure" in detail.content


def test_a_bad_form_shows_the_services_messages_and_writes_nothing(client, firm):
    _enterprise, user = firm
    client.force_login(user)
    answer = client.post(
        reverse("me-annual-reports:disclosure_new", args=["contribution"]),
        _contribution_post(**{"rows-0-paid": "120"}),
        **EN,
    )
    assert answer.status_code == 400
    assert "cannot exceed the subscribed amount" in answer.content.decode()
    assert not ImmediateDisclosure.objects.exists()


def test_a_draft_is_saved_then_disclosed_late_with_the_mark(client, firm):
    enterprise, user = firm
    client.force_login(user)
    url = reverse("me-annual-reports:disclosure_new", args=["licence"])
    data = {"changed_on": "2025-09-26", **licence(), "action": "save"}
    saved = client.post(url, data, **EN)
    draft = ImmediateDisclosure.objects.get(enterprise=enterprise)
    assert saved["Location"] == reverse("me-annual-reports:disclosure_edit", args=[draft.pk])
    assert draft.status == "draft"
    listing = client.get(reverse("me-annual-reports:disclosures"), **EN).content.decode()
    assert "draft: overdue, disclose now" in listing  # due 2025-10-30, today 2025-11-03
    edit = reverse("me-annual-reports:disclosure_edit", args=[draft.pk])
    done = client.post(edit, {**data, "version": draft.version, "action": "disclose"}, **EN)
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.late is True
    followed = client.get(done["Location"], **EN).content.decode()
    assert "disclosed late" in followed


def test_a_stale_draft_form_is_a_409(client, firm):
    enterprise, user = firm
    client.force_login(user)
    url = reverse("me-annual-reports:disclosure_new", args=["licence"])
    client.post(url, {"changed_on": "2025-10-20", **licence(), "action": "save"})
    draft = ImmediateDisclosure.objects.get(enterprise=enterprise)
    edit = reverse("me-annual-reports:disclosure_edit", args=[draft.pk])
    data = {"changed_on": "2025-10-20", **licence(), "action": "save", "version": draft.version}
    assert client.post(edit, data).status_code == 302
    again = client.post(edit, data, **EN)  # the same version again: stale
    assert again.status_code == 409
    assert "changed in the meantime" in again.content.decode()


def test_the_company_corrects_and_sees_both_versions(client, firm):
    enterprise, user = firm
    original = disclose(enterprise, user)
    client.force_login(user)
    started = client.post(reverse("me-annual-reports:disclosure_correct", args=[original.pk]))
    draft = ImmediateDisclosure.objects.get(correction_of=original)
    assert started["Location"] == reverse("me-annual-reports:disclosure_edit", args=[draft.pk])
    edit = client.get(started["Location"], **EN)
    assert b"What was corrected and why" in edit.content and b"The version in force" in edit.content
    data = {
        "changed_on": "2025-09-26",
        **licence(valid_until="2031-08-31"),
        "correction_reason": "有效期填写错误",
        "version": draft.version,
        "action": "disclose",
    }
    done = client.post(started["Location"], data, **EN)
    assert done.status_code == 302
    page = client.get(done["Location"], **EN).content.decode()
    assert page.count('data-revision="') == 2
    assert "2031-08-31" in page and "2030-08-31" in page and "有效期填写错误" in page
    assert CreditRecord.objects.filter(enterprise=enterprise, kind="self_correction").count() == 1


def test_another_companys_disclosure_is_a_404_on_every_page(client, firm):
    _enterprise, user = firm
    other = company()
    theirs = disclose(other, member(other, "other"))
    client.force_login(user)
    for name in ("disclosure_detail", "disclosure_edit"):
        url = reverse(f"me-annual-reports:{name}", args=[theirs.pk])
        assert client.get(url).status_code == 404, name
    for name in ("disclosure_correct", "disclosure_discard"):
        url = reverse(f"me-annual-reports:{name}", args=[theirs.pk])
        assert client.post(url, {"version": theirs.version}).status_code == 404, name
    assert theirs.pk not in [
        c.shown.pk
        for g in client.get(reverse("me-annual-reports:disclosures")).context["items"]
        for c in g.chains
    ]


def test_self_service_pages_are_for_enterprise_users(client, firm):
    officer = staff(*DISCLOSURE_PERMS, username="officer")
    client.force_login(officer)
    assert client.get(reverse("me-annual-reports:disclosures")).status_code == 403
    client.logout()
    answer = client.get(reverse("me-annual-reports:disclosures"))
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_a_non_company_sees_why_it_has_nothing_to_disclose(client):
    shop = EnterpriseFactory(individual_business=True)
    client.force_login(member(shop, "shop"))
    page = client.get(reverse("me-annual-reports:disclosures"), **EN)
    assert b'data-testid="why-not"' in page.content and b"duty (" in page.content
    new = client.get(reverse("me-annual-reports:disclosure_new", args=["licence"]))
    assert new.status_code == 302


def test_staff_list_detail_and_jurisdiction(client, firm):
    enterprise, user = firm
    late = disclose(enterprise, user)  # changed 2025-09-26, due 2025-10-30: late
    eco = partner()
    theirs_firm = company(department=eco, name="双流区生态科技有限公司")
    theirs = disclose(
        theirs_firm, member(theirs_firm, "eco-firm"), changed_on=dt.date(2025, 10, 20)
    )
    draft_firm = company()
    from annual_reports.services.disclosures import disclosure_draft_save

    draft = disclosure_draft_save(
        actor=member(draft_firm, "drafter"),
        enterprise=draft_firm,
        item="licence",
        changed_on=dt.date(2025, 10, 20),
        content=licence(),
    )
    url = reverse("annual_reports:disclosure_list")

    client.force_login(staff("enterprises.view_enterprise", username="nobody"))
    assert client.get(url).status_code == 403

    client.force_login(staff(*DISCLOSURE_PERMS, username="bureau"))
    page = client.get(url, **EN)
    assert page.status_code == 200
    assert {r["d"].pk for r in page.context["rows"]} == {late.pk, theirs.pk}  # no draft
    assert {r["d"].pk for r in page.context["rows"] if r["late"]} == {late.pk}
    assert b'data-late="true"' in page.content
    only_late = client.get(url, {"late": "on"})
    assert [r["d"].pk for r in only_late.context["rows"]] == [late.pk]
    detail = client.get(reverse("annual_reports:disclosure_detail", args=[late.pk]), **EN)
    assert detail.status_code == 200 and b'data-testid="late"' in detail.content
    draft_url = reverse("annual_reports:disclosure_detail", args=[draft.pk])
    assert client.get(draft_url).status_code == 404

    client.force_login(staff(*DISCLOSURE_PERMS, username="partner", department=eco))
    mine = client.get(url)
    assert [r["d"].pk for r in mine.context["rows"]] == [theirs.pk]
    detail_url = reverse("annual_reports:disclosure_detail", args=[late.pk])
    assert client.get(detail_url).status_code == 404

    client.logout()
    assert client.get(url).status_code == 302


def test_self_corrections_counted_per_correction_for_a_year(client, firm):
    enterprise, user = firm
    original = disclose(enterprise, user)
    second = correct(original, user, content=licence(valid_until="2031-08-31"))
    with at(dt.date(2026, 2, 2)):
        correct(second, user, content=licence(valid_until="2031-08-30"))
    eco = partner()
    theirs_firm = company(department=eco)
    theirs_user = member(theirs_firm, "eco-firm")
    correct(disclose(theirs_firm, theirs_user), theirs_user, content=licence(number="N-2"))
    url = reverse("annual_reports:self_corrections")

    client.force_login(staff("enterprises.view_enterprise", username="nobody"))
    assert client.get(url).status_code == 403

    client.force_login(staff(*DISCLOSURE_PERMS, username="bureau"))
    page = client.get(url, {"year": "2025"}, **EN)
    assert page.status_code == 200
    assert (page.context["counts"].corrections, page.context["counts"].enterprises) == (2, 2)
    assert page.context["counts"].by_what == {"disclosure": 2}
    assert all(r["link"] for r in page.context["rows"])
    whole = client.get(url, {"year": ""})
    assert whole.context["counts"].corrections == 3
    default = client.get(url)  # this year (2025) by default
    assert default.context["year"] == 2025

    client.force_login(staff(*DISCLOSURE_PERMS, username="partner", department=eco))
    assert client.get(url, {"year": "2025"}).context["counts"].corrections == 1


def test_the_public_page_shows_current_and_replaced_versions_without_drafts(client, firm):
    enterprise, user = firm
    original = disclose(enterprise, user)
    correct(original, user, content=licence(valid_until="2031-08-31"), reason="更正有效期")
    from annual_reports.services.disclosures import disclosure_draft_save

    disclosure_draft_save(
        actor=user,
        enterprise=enterprise,
        item="equity_change",
        changed_on=dt.date(2025, 10, 20),
        content={"changes": [{"shareholder": "草稿股东", "before": "10", "after": "0"}]},
    )
    url = reverse("public-annual-reports:disclosures", args=[enterprise.uscc])
    page = client.get(url, **EN)
    assert page.status_code == 200
    text = page.content.decode()
    assert "2031-08-31" in text and "2030-08-31" in text and "更正有效期" in text
    assert "1 earlier version" in text
    assert user.username not in text and "草稿股东" not in text  # no author, no draft
    assert (
        client.get(reverse("public-annual-reports:disclosures", args=["9" * 18])).status_code == 404
    )
    assert client.get(url.replace(enterprise.uscc, enterprise.uscc.lower())).status_code == 301


def test_the_home_tile_leads_to_the_disclosures(client, firm):
    _enterprise, user = firm
    client.force_login(user)
    home = client.get(reverse("me:home"), **EN)
    assert reverse("me-annual-reports:disclosures").encode() in home.content
    assert b'data-testid="tile-disclosures"' in home.content


def test_the_public_page_is_rate_limited_like_the_other_public_pages(client, firm):
    from django.core.cache import cache

    enterprise, _user = firm
    cache.clear()
    url = reverse("public-annual-reports:disclosures", args=[enterprise.uscc])
    for _ in range(60):
        assert client.get(url, REMOTE_ADDR="10.9.0.1").status_code == 200
    refused = client.get(url, REMOTE_ADDR="10.9.0.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert client.get(url, REMOTE_ADDR="10.9.0.2").status_code == 200


def test_a_provisional_due_day_is_marked_on_the_company_page(client, firm):
    _enterprise, user = firm
    with at(dt.date(2026, 12, 21)):
        client.force_login(user)
        client.post(
            reverse("me-annual-reports:disclosure_new", args=["licence"]),
            {"changed_on": "2026-12-18", **licence(), "action": "save"},
        )
        page = client.get(reverse("me-annual-reports:disclosures"), **EN)
    assert b"deadline--provisional" in page.content
    assert b'data-testid="provisional-note"' in page.content


def test_the_admin_shows_disclosures_and_invitations_read_only(client, firm, admin_user):
    enterprise, user = firm
    row = disclose(enterprise, user)
    client.force_login(admin_user)
    for model in ("immediatedisclosure", "correctioninvitation"):
        changelist = client.get(reverse(f"admin:annual_reports_{model}_changelist"))
        assert changelist.status_code == 200, model
        assert client.get(reverse(f"admin:annual_reports_{model}_add")).status_code == 403
    change = client.get(reverse("admin:annual_reports_immediatedisclosure_change", args=[row.pk]))
    assert change.status_code == 200
    assert reverse("annual_reports:disclosure_detail", args=[row.pk]).encode() in change.content
    delete = reverse("admin:annual_reports_immediatedisclosure_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ImmediateDisclosure.objects.filter(pk=row.pk).exists()


def test_a_corrected_late_disclosure_stays_marked_late_in_the_staff_list(client, firm):
    enterprise, user = firm
    late = disclose(enterprise, user)  # due 2025-10-30, disclosed 2025-11-03
    second = correct(late, user, content=licence(valid_until="2031-08-31"))
    third = correct(second, user, content=licence(valid_until="2031-08-30"))
    in_time = disclose(enterprise, user, item="contribution", changed_on=dt.date(2025, 10, 20))
    client.force_login(staff(*DISCLOSURE_PERMS, username="bureau"))
    page = client.get(reverse("annual_reports:disclosure_list"))
    rows = {r["d"].pk: r["late"] for r in page.context["rows"]}
    assert rows == {third.pk: True, in_time.pk: False}
    corrected = client.get(reverse("annual_reports:disclosure_list"), {"corrected": "on"})
    assert [r["d"].pk for r in corrected.context["rows"]] == [third.pk]


def test_annual_report_self_corrections_are_counted_and_linked_too(client, firm):
    from enterprises.services.ledger import credit_record_append

    enterprise, user = firm
    correct(disclose(enterprise, user), user, content=licence(number="N-2"))
    with at(dt.date(2026, 8, 5)):
        # As the annual-report area writes an invited correction after 30 June.
        credit_record_append(
            enterprise=enterprise,
            kind="self_correction",
            occurred_on=dt.date(2026, 8, 5),
            summary="信息自我纠错：更正2025年度报告",
            actor=None,
            details={"what": "annual_report", "year": 2025, "invitation": 7},
        )
        client.force_login(staff("annual_reports.view_annualreport", username="reports"))
        page = client.get(reverse("annual_reports:self_corrections"), {"year": "2026"}, **EN)
    assert page.status_code == 200
    assert page.context["counts"].corrections == 1
    assert page.context["counts"].by_what == {"annual_report": 1}
    row = page.context["rows"][0]
    assert row["what"] == "Annual report 2025"
    assert row["link"] == reverse("annual_reports:detail", args=[enterprise.uscc, 2025])
    assert b"invitation #7" in page.content
    only = client.get(
        reverse("annual_reports:self_corrections"), {"year": "", "what": "disclosure"}
    )
    assert only.context["counts"].corrections == 1
    assert only.context["counts"].by_what == {"disclosure": 1}


def test_counted_self_corrections_stay_within_the_jurisdiction(client):
    """`counted` narrows the jurisdiction, never widens it: a correction the partner invited
    stops showing for it once another department supervises the entity (docs/domain.md
    Appendix A, "What each figure opens")."""
    from annual_reports.models import CorrectionInvitation
    from enterprises.services.ledger import credit_record_append
    from enterprises.services.register import enterprise_update
    from tests.annual_reports.factories_disclosures import bureau

    eco = partner()
    officer = staff(*DISCLOSURE_PERMS, username="bureau")

    def invited(enterprise: Any) -> CreditRecord:
        invitation = CorrectionInvitation.objects.create(
            enterprise=enterprise,
            year=2024,
            reason=CorrectionInvitation.Reason.GENERAL_STATUS,
            findings="抽查发现联系电话与实际不符",
            department=eco,
            invited_on=dt.date(2025, 10, 1),
            respond_by=dt.date(2025, 10, 20),
            status=CorrectionInvitation.Status.USED,
            created_by=officer,
        )
        return credit_record_append(
            enterprise=enterprise,
            kind="self_correction",
            occurred_on=dt.date(2025, 10, 10),
            summary="信息自我纠错：更正2024年度报告",
            actor=None,
            details={"what": "annual_report", "year": 2024, "invitation": invitation.pk},
        )

    stays = invited(company(department=eco, name="双流区生态科技有限公司"))
    moves_firm = company(department=eco, name="双流区绿源环保有限公司")
    moves = invited(moves_firm)
    url = reverse("annual_reports:self_corrections")
    counted = {"year": "2025", "counted": "on"}

    def listed(user: Any, params: dict[str, str]) -> set[int]:
        client.force_login(user)
        page = client.get(url, params)
        assert page.status_code == 200
        assert page.context["counts"].corrections == len(page.context["rows"])
        return {row["record"].pk for row in page.context["rows"]}

    eco_reader = staff(*DISCLOSURE_PERMS, username="partner", department=eco)
    assert listed(eco_reader, counted) == {stays.pk, moves.pk}

    # The bureau gives the entity to another department: the partner sees it no more, counted
    # or not; the bureau still does.
    enterprise_update(actor=officer, enterprise=moves_firm, data={"department": bureau()})
    assert listed(eco_reader, counted) == {stays.pk}
    assert listed(eco_reader, {"year": "2025"}) == {stays.pk}
    assert listed(officer, counted) == {stays.pk, moves.pk}
