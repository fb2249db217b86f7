"""The staff inbox's other sources (credit_portal.inbox; review findings 8, 9 and 16): soft
enforcement, penalties to publish, objections, the abnormal directory, inspection results,
leads and invitations to self-correct — each listed while it waits and not once it is done —
and the API's `?source=` filter."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from annual_reports.models import CorrectionInvitation
from credit_portal.inbox import inbox_counts, inbox_items
from credit_portal.models import Department, User
from inspections.models import Draw, Inspection, Lead
from remediation.models import DirectoryCase, ListingObjection, PenaltyDecision, SoftAction
from remediation.rules import SOFT_ACTION_APPROVE_DAYS, SOFT_ACTION_SERVE_DAYS
from tests.credit_portal.test_inbox import bureau, firm, partner, staff
from tests.inspections.factories_work import draw as make_draw
from tests.remediation import factories_soft_actions as soft
from tests.remediation.factories_repairs import penalty_decision

pytestmark = pytest.mark.django_db

PORTAL = "credit_portal.access_staff_portal"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def of(user: User, source: str) -> dict[int, Any]:
    """The items of one source waiting for `user`, by id."""
    return {i.item_id: i for i in inbox_items(user=user, source=source)}


def clerk() -> User:
    return User.objects.get_or_create(username="inbox-clerk")[0]


# --------------------------------------------------------------------------- soft enforcement


def test_soft_actions_to_approve_serve_and_verify_are_listed_the_rectified_not() -> None:
    drafter = soft.officer("soft-drafter")
    chief = soft.supervisor("soft-chief")
    to_approve = soft.draft(drafter, firm("待审批公司"))
    SoftAction.objects.filter(pk=to_approve.pk).update(
        created_at=timezone.now() - dt.timedelta(days=SOFT_ACTION_APPROVE_DAYS + 2)
    )
    to_serve = soft.approved(drafter, chief, firm("待送达公司"))
    ended = soft.served(drafter, chief, firm("整改期满公司"))
    SoftAction.objects.filter(pk=ended.pk).update(deadline=days(-1))
    in_time = soft.served(drafter, chief, firm("整改期内公司"))
    rectified = soft.served(drafter, chief, firm("已整改公司"))
    SoftAction.objects.filter(pk=rectified.pk).update(
        status=SoftAction.Status.RECTIFIED, deadline=days(-3), rectified_on=days(-4)
    )

    items = of(chief, "remediation.soft_actions")
    assert set(items) == {to_approve.pk, to_serve.pk, ended.pk}
    # Approval: due a few calendar days after the draft (remediation.rules), not the day it
    # was written; service: a few days after approval, so not overdue the next day.
    assert items[to_approve.pk].step == "approve"
    assert items[to_approve.pk].due_on == days(-2) and items[to_approve.pk].overdue
    assert items[to_serve.pk].step == "serve" and to_serve.issued_on is not None
    assert items[to_serve.pk].due_on == to_serve.issued_on + dt.timedelta(
        days=SOFT_ACTION_SERVE_DAYS
    )
    assert not items[to_serve.pk].overdue
    assert items[ended.pk].step == "rectification" and items[ended.pk].overdue
    assert in_time.pk not in items and rectified.pk not in items
    assert items[ended.pk].url == reverse("remediation:soft_action_detail", args=[ended.pk])
    # The drafter may not approve (four eyes): the draft waits for the chief only.
    assert to_approve.pk not in of(drafter, "remediation.soft_actions")


# --------------------------------------------------------------------------- penalties


def unpublished(name: str, *, due: dt.date, department: Department | None = None) -> Any:
    decision = penalty_decision(
        None,
        enterprise=firm(name, department),
        department=department or bureau(),
        number=f"双市监处罚〔2026〕{next(_seq)}号",
        decided_on=due - dt.timedelta(days=28),
    )
    PenaltyDecision.objects.filter(pk=decision.pk).update(
        publication_due=due, publicity_term="3y", published_on=None
    )
    return decision


def test_penalties_to_publish_are_listed_the_published_not() -> None:
    officer = staff(PORTAL, "remediation.publish_penaltydecision", username="publisher")
    late = unpublished("待公示公司", due=days(-2))
    soon = unpublished("即将公示公司", due=days(6))
    done = unpublished("已公示公司", due=days(-10))
    PenaltyDecision.objects.filter(pk=done.pk).update(published_on=days(-12))
    theirs = unpublished("他部门公司", due=days(-1), department=partner())

    items = of(officer, "remediation.penalties")
    # The bureau's staff: the district's decisions (the partner's too), not the published.
    assert set(items) == {late.pk, soon.pk, theirs.pk}
    assert items[late.pk].step == "publish" and items[late.pk].overdue
    assert items[late.pk].enterprise_name == "待公示公司"
    assert not items[soon.pk].overdue
    # A partner department's staff: their own decisions only.
    health = staff(
        PORTAL, "remediation.publish_penaltydecision", username="pub-health", department=partner()
    )
    assert set(of(health, "remediation.penalties")) == {theirs.pk}


# --------------------------------------------------------------------------- directory, objections


def case(name: str, *, state: str, buffer: dt.date) -> DirectoryCase:
    return DirectoryCase.objects.create(
        created_by=clerk(),
        enterprise=firm(name),
        department=bureau(),
        individual_business=False,
        reason=DirectoryCase.Reason.LATE_REPORT,
        report_year=today().year - 1,
        source=DirectoryCase.Source.DEADLINE_RUN,
        state=state,
        detected_on=days(-30),
        buffer_deadline=buffer,
    )


def test_pending_listings_whose_buffer_ended_are_listed_others_not() -> None:
    officer = staff(PORTAL, "remediation.decide_directorycase", username="directory")
    ended = case("缓冲期满公司", state=DirectoryCase.State.PENDING, buffer=days(-1))
    ends_today = case("今日期满公司", state=DirectoryCase.State.PENDING, buffer=today())
    running = case("缓冲期内公司", state=DirectoryCase.State.PENDING, buffer=days(5))
    closed = case("已结案公司", state=DirectoryCase.State.CLOSED_NO_LISTING, buffer=days(-9))

    items = of(officer, "remediation.directory")
    assert set(items) == {ended.pk, ends_today.pk}
    assert items[ended.pk].step == "list" and items[ended.pk].overdue
    assert not items[ends_today.pk].overdue
    assert running.pk not in items and closed.pk not in items


def objection(name: str, *, status: str, **over: Any) -> ListingObjection:
    listed = case(name, state=DirectoryCase.State.PENDING, buffer=days(30))
    fields: dict[str, Any] = {
        "case": listed,
        "enterprise": listed.enterprise,
        "received_on": days(-3),
        "grounds": "已按时报送",
        "status": status,
        "acceptance_due": days(2),
        "created_by": clerk(),
        **over,
    }
    return ListingObjection.objects.create(**fields)


def test_objections_to_accept_and_verify_are_listed_the_decided_not() -> None:
    officer = staff(PORTAL, "remediation.decide_directorycase", username="objections")
    received = objection("异议受理公司", status=ListingObjection.Status.RECEIVED)
    accepted = objection(
        "异议核实公司",
        status=ListingObjection.Status.ACCEPTED,
        accepted_on=days(-2),
        verification_due=days(-1),
    )
    decided = objection(
        "异议已决公司", status=ListingObjection.Status.REJECTED, decided_on=days(-1)
    )

    items = of(officer, "remediation.objections")
    assert set(items) == {received.pk, accepted.pk}
    assert items[received.pk].step == "accept" and items[received.pk].due_on == days(2)
    assert items[accepted.pk].step == "verify" and items[accepted.pk].overdue
    assert decided.pk not in items


# --------------------------------------------------------------------------- inspections, leads


def inspection(name: str, *, status: str, publish_due: dt.date | None) -> Inspection:
    return Inspection.objects.create(
        enterprise=firm(name),
        origin=Inspection.Origin.RANDOM,
        draw=Draw.objects.first() or make_draw([]),
        department=bureau(),
        due_by=days(-20),
        status=status,
        check_ended_on=days(-25) if publish_due else None,
        publish_due=publish_due,
    )


def test_results_to_review_and_publish_are_listed_the_published_not() -> None:
    reviewer = staff(
        PORTAL, "inspections.view_inspection", "inspections.review_inspection", username="rev"
    )
    recorded = inspection("待审核公司", status=Inspection.Status.RECORDED, publish_due=days(3))
    reviewed = inspection("待公布公司", status=Inspection.Status.REVIEWED, publish_due=days(-1))
    published = inspection("已公布公司", status=Inspection.Status.PUBLISHED, publish_due=days(-9))

    items = of(reviewer, "inspections.results")
    assert set(items) == {recorded.pk, reviewed.pk}
    assert items[recorded.pk].step == "review" and not items[recorded.pk].overdue
    assert items[reviewed.pk].step == "publish" and items[reviewed.pk].overdue
    assert published.pk not in items


def lead(**over: Any) -> Lead:
    fields: dict[str, Any] = {
        "number": f"XS-H7-{next(_seq)}",
        "kind": Lead.Kind.REPORT,
        "channel": Lead.Channel.WEB,
        "received_on": days(-10),
        "subject_name": "某商店",
        "content": "无证经营",
        "department": bureau(),
        **over,
    }
    return Lead.objects.create(**fields)


def test_leads_with_a_step_due_are_listed_the_closed_and_told_not() -> None:
    handler = staff(PORTAL, "inspections.handle_lead", username="leads")
    verifying = lead(status=Lead.Status.VERIFYING, verify_due=days(4))
    complaint = lead(kind=Lead.Kind.COMPLAINT, status=Lead.Status.RECEIVED, accept_due=days(-1))
    mediating = lead(kind=Lead.Kind.COMPLAINT, status=Lead.Status.MEDIATING, mediation_due=days(20))
    # Closed, the named reporter still to be told: waits (the notify arm of the filter).
    to_tell = lead(
        status=Lead.Status.CLOSED,
        decided_on=days(-3),
        verify_due=days(-5),
        notify_due=days(2),
        reporter_name="李四",
    )
    told = lead(
        status=Lead.Status.CLOSED,
        decided_on=days(-6),
        notify_due=days(-1),
        notified_on=days(-2),
        reporter_name="王五",
    )
    closed = lead(status=Lead.Status.CLOSED, decided_on=days(-6), verify_due=days(-8))
    theirs = lead(status=Lead.Status.VERIFYING, verify_due=days(1), department=partner())

    items = of(handler, "inspections.leads")
    assert set(items) == {verifying.pk, complaint.pk, mediating.pk, to_tell.pk, theirs.pk}
    assert items[verifying.pk].step == "verify" and items[verifying.pk].due_on == days(4)
    assert items[complaint.pk].step == "accept" and items[complaint.pk].overdue
    assert items[mediating.pk].step == "mediation"
    assert items[to_tell.pk].step == "notify" and items[to_tell.pk].due_on == days(2)
    assert told.pk not in items and closed.pk not in items
    assert items[complaint.pk].url == reverse("inspections:lead_detail", args=[complaint.pk])
    health = staff(PORTAL, "inspections.handle_lead", username="leads-h", department=partner())
    assert set(of(health, "inspections.leads")) == {theirs.pk}


# --------------------------------------------------------------------------- invitations


def invitation(name: str, *, status: str, respond_by: dt.date, department: Any = None) -> Any:
    return CorrectionInvitation.objects.create(
        enterprise=firm(name, department),
        year=today().year - 2,
        reason=CorrectionInvitation.Reason.GENERAL_STATUS,
        findings="联系电话有误",
        department=department or bureau(),
        invited_on=respond_by - dt.timedelta(days=7),
        respond_by=respond_by,
        status=status,
        created_by=clerk(),
    )


INVITATION_PERMS = (
    PORTAL,
    "annual_reports.view_correctioninvitation",
    "annual_reports.change_correctioninvitation",
)


def test_open_invitations_are_listed_by_their_day_the_used_lapsed_and_others_not() -> None:
    health = partner()
    officer = staff(*INVITATION_PERMS, username="invitations")
    partner_officer = staff(*INVITATION_PERMS, username="inv-health", department=health)
    due = invitation("待纠错公司", status=CorrectionInvitation.Status.OPEN, respond_by=days(2))
    past = invitation("纠错逾期公司", status=CorrectionInvitation.Status.OPEN, respond_by=days(-1))
    used = invitation("已纠错公司", status=CorrectionInvitation.Status.USED, respond_by=days(1))
    lapsed = invitation(
        "已失效公司", status=CorrectionInvitation.Status.LAPSED, respond_by=days(-9)
    )
    theirs = invitation(
        "卫健邀请公司",
        status=CorrectionInvitation.Status.OPEN,
        respond_by=days(3),
        department=health,
    )

    items = of(officer, "annual_reports.invitations")
    # The bureau's staff act on every invitation (the district), a partner on its own.
    assert set(items) == {due.pk, past.pk, theirs.pk}
    assert items[due.pk].due_on == days(2) and items[due.pk].step == "follow_up"
    assert items[past.pk].overdue and items[past.pk].enterprise_name == "纠错逾期公司"
    assert items[due.pk].url == reverse("annual_reports:invitation_detail", args=[due.pk])
    assert used.pk not in items and lapsed.pk not in items
    assert set(of(partner_officer, "annual_reports.invitations")) == {theirs.pk}
    # Seeing invitations is not enough: the source needs the codename that acts on them.
    viewer = staff(PORTAL, "annual_reports.view_correctioninvitation", username="inv-viewer")
    assert inbox_counts(user=viewer).of("annual_reports.invitations") is None


# --------------------------------------------------------------------------- API filter


def test_the_api_filters_one_source(api_client_for: Any) -> None:
    officer = staff(*INVITATION_PERMS, "remediation.decide_directorycase", username="api-sources")
    invited = invitation(
        "接口邀请公司", status=CorrectionInvitation.Status.OPEN, respond_by=days(1)
    )
    ended = case("接口缓冲公司", state=DirectoryCase.State.PENDING, buffer=days(-2))
    client = api_client_for(officer)
    everything = client.get("/api/v1/inbox/").json()
    assert {(i["source"], i["item_id"]) for i in everything["items"]} == {
        ("annual_reports.invitations", invited.pk),
        ("remediation.directory", ended.pk),
    }
    only = client.get("/api/v1/inbox/", {"source": "remediation.directory"})
    assert only.status_code == 200
    assert [(i["source"], i["item_id"]) for i in only.json()["items"]] == [
        ("remediation.directory", ended.pk)
    ]
    # A source the user does not have (or no such key) is ignored: everything, as documented.
    unknown = client.get("/api/v1/inbox/", {"source": "questions.questions"}).json()
    assert len(unknown["items"]) == len(everything["items"]) == 2
