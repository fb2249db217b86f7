"""The directory's staff pages (issue 15, points 2-4 and 7): the buffer by deadline, the
directory with its filters and counts, one case's timeline, listing and removal through the
services with permission and jurisdiction (who decided, acts)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from credit_portal.models import AuditEvent
from remediation.models import DirectoryCase
from tests.remediation.factories_directory_pages import (
    BUREAU_NAME,
    closed_case,
    company,
    decider,
    filed,
    listed_case,
    member,
    partner,
    pending_case,
    reader,
    removed_case,
    shop,
    today,
)

pytestmark = pytest.mark.django_db
State = DirectoryCase.State

PENDING = reverse("remediation:directory_pending")
DIRECTORY = reverse("remediation:directory_list")
NEW = reverse("remediation:directory_new")


def detail(case: DirectoryCase) -> str:
    return reverse("remediation:directory_detail", args=[case.pk])


def remove_url(case: DirectoryCase) -> str:
    return reverse("remediation:directory_remove", args=[case.pk])


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def rows(html: str, testid: str) -> list[int]:
    """The case numbers of a list's rows, in order."""
    table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    assert table, testid
    return [int(n) for n in re.findall(r'data-case="(\d+)"', table.group(0))]


# --------------------------------------------------------------------------- access


def test_the_pages_need_a_login_then_the_codename(client):
    case = listed_case()
    for url in (PENDING, DIRECTORY, detail(case), NEW):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    client.force_login(member(case.enterprise))
    for url in (PENDING, DIRECTORY, NEW):
        assert client.get(url).status_code == 403, url
    client.force_login(reader())
    assert client.get(PENDING).status_code == 200
    assert client.get(DIRECTORY).status_code == 200
    assert client.get(detail(case)).status_code == 200
    assert client.get(NEW).status_code == 403  # listing needs decide_directorycase


def test_a_partner_department_sees_only_its_own_cases(client):
    eco = partner()
    own = listed_case(reason="4", department=eco)
    bureaus = listed_case()
    client.force_login(reader("eco-reader", department=eco))
    html = client.get(DIRECTORY).content.decode()
    assert rows(html, "directory-list") == [own.pk]
    assert client.get(detail(own)).status_code == 200
    assert client.get(detail(bureaus)).status_code == 404
    # Neither may it remove the bureau's case.
    client.force_login(decider("eco-officer", department=eco))
    response = client.post(
        remove_url(bureaus), {"version": bureaus.version, "code": "1", "reasons": "x"}
    )
    assert response.status_code == 404


# --------------------------------------------------------------------------- the buffer


def test_pending_listings_by_buffer_deadline_overdue_first_with_counts(client):
    later = pending_case(buffer_deadline=days(20))
    passed = pending_case(buffer_deadline=days(-3))
    soon = pending_case(
        buffer_deadline=days(6),
        reminders=[
            {"on": days(-1).isoformat(), "due": days(-1).isoformat(), "working_days_before": 5}
        ],
        pledged_on=days(-2),
    )
    listed_case()  # not in the buffer
    client.force_login(reader())
    response = client.get(PENDING, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert rows(html, "pending-list") == [passed.pk, soon.pk, later.pk]
    assert re.search(r'data-testid="count-pending">3<', html)
    assert re.search(r'data-testid="count-overdue">1<', html)
    assert re.search(r'data-testid="count-pledged">1<', html)
    row = re.search(rf'<tr[^>]*data-case="{passed.pk}".*?</tr>', html, re.S).group(0)
    assert 'data-overdue="true"' in row and "passed" in row
    row = re.search(rf'<tr[^>]*data-case="{soon.pk}".*?</tr>', html, re.S).group(0)
    assert "last " + days(-1).isoformat() in row  # the reminder
    assert "given" in row and days(-2).isoformat() in row  # the pledge
    # Filters: overdue only, pledged, the report year, a name.
    assert rows(client.get(PENDING, {"overdue": "on"}).content.decode(), "pending-list") == [
        passed.pk
    ]
    assert rows(client.get(PENDING, {"pledged": "yes"}).content.decode(), "pending-list") == [
        soon.pk
    ]
    assert rows(client.get(PENDING, {"pledged": "no"}).content.decode(), "pending-list") == [
        passed.pk,
        later.pk,
    ]
    found = client.get(PENDING, {"q": later.enterprise.uscc}).content.decode()
    assert rows(found, "pending-list") == [later.pk]
    other_year = client.get(PENDING, {"year": later.report_year + 5}).content.decode()
    assert rows(other_year, "pending-list") == []


# --------------------------------------------------------------------------- the directory


def test_the_directory_filters_and_counts(client):
    late = listed_case(report_year=2024)
    unreachable = listed_case(reason="4", enterprise=company(division="西航港街道"))
    marked = listed_case(shop())
    removed = removed_case()
    closed = closed_case()
    pending = pending_case()
    client.force_login(reader())
    html = client.get(DIRECTORY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shown = rows(html, "directory-list")
    assert set(shown) == {late.pk, unreachable.pk, marked.pk, removed.pk}
    assert closed.pk not in shown and pending.pk not in shown
    assert re.search(r'data-testid="count-listed">3<', html)
    assert re.search(r'data-testid="count-removed">1<', html)
    assert re.search(r'data-testid="count-closed_no_listing">1<', html)
    assert re.search(r'data-testid="count-all">4<', html)
    assert "△" in html  # the individual business's mark

    def only(**params: str) -> list[int]:
        return rows(client.get(DIRECTORY, params).content.decode(), "directory-list")

    assert sorted(only(state="listed")) == sorted([late.pk, unreachable.pk, marked.pk])
    assert only(state="removed") == [removed.pk]
    assert only(state="closed_no_listing") == [closed.pk]
    assert only(reason="4") == [unreachable.pk]
    assert only(kind="individual") == [marked.pk]
    assert marked.pk not in only(kind="enterprise")
    assert only(year="2024") == [late.pk]
    assert only(division="西航港街道") == [unreachable.pk]
    assert only(q=marked.enterprise.uscc) == [marked.pk]


def test_cured_listings_whose_removal_is_overdue_come_first(client):
    plain = listed_case(listed_on=days(-40))
    cured = listed_case(listed_on=days(-60), cured_on=days(-30))
    client.force_login(reader())
    html = client.get(DIRECTORY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert rows(html, "directory-list") == [cured.pk, plain.pk]
    row = re.search(rf'<tr[^>]*data-case="{cured.pk}".*?</tr>', html, re.S).group(0)
    assert 'data-overdue="true"' in row and "Removal due" in row
    assert re.search(r'data-testid="count-removal-overdue">1<', html)
    assert rows(client.get(DIRECTORY, {"cured": "on"}).content.decode(), "directory-list") == [
        cured.pk
    ]


# --------------------------------------------------------------------------- one case


def test_a_case_shows_its_timeline_records_and_dues(client):
    case = pending_case(
        reminders=[
            {"on": days(-2).isoformat(), "due": days(-2).isoformat(), "working_days_before": 10}
        ],
        pledged_on=days(-1),
    )
    client.force_login(reader())
    html = client.get(detail(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = re.search(r'data-testid="timeline".*?</ol>', html, re.S).group(0)
    for step in ("Found", "Listing deferred (punishment buffer)", "Reminder sent", "Credit pledge"):
        assert step in timeline, step
    assert "Buffer ends" in html
    assert "Listing deferred (punishment buffer)" in re.search(
        r'data-testid="records".*?</ol>', html, re.S
    ).group(0)
    assert 'data-testid="remove-form"' not in html  # nothing to remove while pending


def test_a_removed_listing_shows_listing_and_removal(client):
    case = removed_case()
    client.force_login(reader())
    html = client.get(detail(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = re.search(r'data-testid="timeline".*?</ol>', html, re.S).group(0)
    assert "Listed" in timeline and case.document_number in timeline and BUREAU_NAME in timeline
    assert "Removed" in timeline and "1 · Missing annual reports filed" in timeline
    records = re.search(r'data-testid="records".*?</ol>', html, re.S).group(0)
    assert "Listed in the abnormal operations directory" in records
    assert "Removed from the abnormal operations directory" in records
    assert "Nothing is due" in html


# --------------------------------------------------------------------------- removal


def test_an_officer_removes_a_cured_listing(client):
    case = listed_case(report_year=2024)
    filed(case.enterprise, 2024)
    client.force_login(decider())
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="remove-form"' in page
    response = client.post(
        remove_url(case),
        {"version": case.version, "code": "1", "reasons": "已核实2024年度报告已补报并公示。"},
    )
    assert response.status_code == 302 and response["Location"] == detail(case)
    case.refresh_from_db()
    assert case.state == State.REMOVED and case.removal_code == "1"
    assert case.removal_record is not None
    # The public profile shows the removal beside the listing.
    profile = client.get(reverse("public:profile", args=[case.enterprise.uscc])).content.decode()
    assert case.document_number in profile and case.removed_on.isoformat() in profile


def test_removal_needs_the_codename_and_a_valid_code(client):
    case = listed_case(reason="4")
    client.force_login(reader())
    assert (
        client.post(remove_url(case), {"version": case.version, "code": "5", "reasons": "x"})
    ).status_code == 403
    client.force_login(decider())
    # Only the codes that cure reason 4 are offered: the address changed, reachable, closed.
    page = client.get(detail(case)).content.decode()
    offered = re.findall(r'<option value="(\d)"', page)
    assert offered == ["4", "5", "7"]
    response = client.post(
        remove_url(case),
        {"version": case.version, "code": "1", "reasons": "核实"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    # A code the service refuses: no change of address registered since the listing.
    response = client.post(
        remove_url(case),
        {"version": case.version, "code": "4", "reasons": "核实"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "No change of the registered address is recorded" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.LISTED


def test_a_stale_version_is_a_message_and_nothing_is_written(client):
    case = listed_case(reason="4")
    client.force_login(decider())
    response = client.post(
        remove_url(case),
        {"version": case.version + 7, "code": "5", "reasons": "已实地核查，可以联系。"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.redirect_chain == [(detail(case), 302)]
    assert "Someone else acted on this case first" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.LISTED


# --------------------------------------------------------------------------- listing


def test_an_officer_finds_an_entity_and_lists_it_for_reason_4(client):
    target = company(name="成都找不到贸易有限公司")
    client.force_login(decider())
    found = client.get(NEW, {"q": "找不到"}).content.decode()
    assert target.uscc in re.search(r'data-testid="candidates".*?</ul>', found, re.S).group(0)
    chosen = client.get(NEW, {"q": "找不到", "uscc": target.uscc}).content.decode()
    assert 'data-testid="chosen"' in chosen and target.name in chosen
    response = client.post(
        NEW,
        {
            "enterprise_uscc": target.uscc,
            "reason": "4",
            "source": "inspection",
            "facts": "两次实地核查，登记住所无人办公，电话无法接通。",
            "verified_on": days(-2).isoformat(),
        },
    )
    case = DirectoryCase.objects.get(enterprise=target)
    assert response.status_code == 302 and response["Location"] == detail(case)
    assert case.state == State.LISTED and case.reason == "4" and not case.individual_business
    assert AuditEvent.objects.filter(target_id=str(case.pk)).exists()


def test_an_individual_business_is_marked_not_listed(client):
    target = shop()
    client.force_login(decider())
    response = client.post(
        NEW,
        {
            "enterprise_uscc": target.uscc,
            "reason": "4",
            "source": "inspection",
            "facts": "经营场所已关闭。",
            "verified_on": days(-1).isoformat(),
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "marked as abnormal" in response.content.decode()
    case = DirectoryCase.objects.get(enterprise=target)
    assert case.individual_business
    page = client.get(detail(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    state = re.search(r'data-testid="state">(.*?)</span>', page).group(1)
    assert state == "Marked as abnormal"
    assert "Restore the normal status after verification" in page


def test_listing_refuses_outside_the_jurisdiction_and_bad_input(client):
    eco = partner()
    outside = company()  # the bureau's entity
    client.force_login(decider("eco-officer", department=eco))
    response = client.post(
        NEW,
        {
            "enterprise_uscc": outside.uscc,
            "reason": "4",
            "source": "staff",
            "facts": "x",
            "verified_on": days(-1).isoformat(),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "No market entity with this credit code is in your jurisdiction." in (
        response.content.decode()
    )
    client.force_login(decider())
    response = client.post(
        NEW,
        {
            "enterprise_uscc": outside.uscc,
            "reason": "4",
            "source": "staff",
            "facts": "核查",
            "verified_on": days(3).isoformat(),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    assert not DirectoryCase.objects.exists()
