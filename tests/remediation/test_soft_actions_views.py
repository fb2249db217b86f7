"""Soft enforcement's pages (issue 14 items 4 and 6): the staff list, queue and filters, the
detail with its steps, create and edit, the PDFs; the enterprise's letters, its opening of a
document and its consent to electronic service. Each page checks its codename and jurisdiction:
another department's document or another enterprise's is a 404, a page without the codename a
403, an anonymous visitor goes to the login page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from enterprises.models import CreditRecord
from remediation import audit_events
from remediation.kinds import SOFT_ENFORCEMENT
from remediation.models import ElectronicServiceConsent, SoftAction
from tests.remediation.factories_soft_actions import (
    FRIDAY,
    TEN_WD_AFTER_FRIDAY,
    approved,
    draft,
    enterprise,
    member,
    officer,
    on_day,
    partner,
    served,
    staff,
    supervisor,
)

pytestmark = pytest.mark.django_db

Status = SoftAction.Status


def _client(user=None, *, english: bool = True) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en" if english else "zh-hans")
    if english:
        client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _url(name: str, action: SoftAction | None = None) -> str:
    return reverse(f"remediation:{name}", args=[action.pk] if action else [])


@pytest.fixture
def world():
    eco = partner()
    firm = enterprise(name="成都蓉城餐饮有限公司")
    eco_firm = enterprise(name="双流区生态养殖场", department=eco)
    clerk, chief = officer(), supervisor()
    eco_clerk = officer("eco-officer", department=eco)
    return {
        "eco": eco,
        "firm": firm,
        "eco_firm": eco_firm,
        "clerk": clerk,
        "chief": chief,
        "eco_clerk": eco_clerk,
        "inspector": staff("inspector", Role.INSPECTOR),
        "registrar": staff("registrar", Role.REGISTRAR),
    }


# --- Access ---------------------------------------------------------------------------------


def test_every_staff_page_needs_login_codename_and_jurisdiction(world):
    action = served(world["clerk"], world["chief"], world["firm"])
    pages = [
        ("soft_action_list", None),
        ("soft_action_create", None),
        ("soft_action_detail", action),
        ("soft_action_pdf", action),
        ("soft_action_proof_pdf", action),
    ]
    for name, target in pages:
        url = _url(name, target)
        response = _client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        # Without the codename: the list and the form refuse, a document is not there.
        expected = 404 if target is not None else 403
        assert _client(world["registrar"]).get(url).status_code == expected, url
    # A partner department's officer: the bureau's document is not there at all.
    for name in ("soft_action_detail", "soft_action_pdf", "soft_action_rectify"):
        client = _client(world["eco_clerk"])
        response = (
            client.post(_url(name, action))
            if name.endswith("rectify")
            else client.get(_url(name, action))
        )
        assert response.status_code == 404, name
    # The addressed enterprise's own user: 403 on the staff pages, whatever the document.
    assert _client(member(world["firm"])).get(_url("soft_action_detail", action)).status_code == 403
    # An inspector reads, but takes no step.
    assert _client(world["inspector"]).get(_url("soft_action_detail", action)).status_code == 200
    steps = (
        "soft_action_edit",
        "soft_action_approve",
        "soft_action_serve",
        "soft_action_interview",
        "soft_action_rectify",
        "soft_action_visit",
        "soft_action_escalate",
        "soft_action_cancel",
    )
    for step in steps:
        response = _client(world["inspector"]).post(_url(step, action), {"version": action.version})
        assert response.status_code == 403, step
    assert _client(world["inspector"]).get(_url("soft_action_create")).status_code == 403


def test_partner_staff_see_their_departments_documents_only(world):
    bureau_doc = approved(world["clerk"], world["chief"], world["firm"])
    own = draft(world["eco_clerk"], world["eco_firm"])
    response = _client(world["eco_clerk"]).get(_url("soft_action_list"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["a"].pk for r in rows] == [own.pk]
    assert bureau_doc.number not in response.content.decode()
    # The bureau sees both.
    bureau_rows = _client(world["clerk"]).get(_url("soft_action_list")).context["rows"]
    assert {r["a"].pk for r in bureau_rows} == {own.pk, bureau_doc.pk}


# --- The list -------------------------------------------------------------------------------


def test_the_queue_puts_overdue_first_then_approval_then_service(world):
    with on_day(FRIDAY):
        overdue = served(world["clerk"], world["chief"], world["firm"])
    service = approved(world["clerk"], world["chief"], world["firm"], instrument="prompt")
    approval = draft(world["clerk"], world["firm"], instrument="suggestion")
    done = served(world["clerk"], world["chief"], world["firm"], instrument="prompt")
    response = _client(world["clerk"]).get(_url("soft_action_list"))
    order = [r["a"].pk for r in response.context["rows"]]
    assert order == [overdue.pk, approval.pk, service.pk, done.pk]
    assert response.context["rows"][0]["overdue"] is True  # before the nightly job, too
    body = response.content.decode()
    assert 'data-queue="overdue"' in body
    counts = {t["key"]: t["count"] for t in response.context["tabs"] if t["key"]}
    assert counts == {"overdue": 1, "approval": 1, "service": 1, "due": 1}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"queue": "approval"}, ["draft"]),
        ({"queue": "service"}, ["approved"]),
        ({"instrument": "prompt"}, ["approved"]),
        ({"status": "served"}, ["served"]),
        ({"overdue": "on"}, []),
        ({"q": "蓉城"}, ["draft", "approved", "served"]),
        ({"q": "建〔"}, []),
    ],
)
def test_filters(world, query, expected):
    draft(world["clerk"], world["firm"])
    approved(world["clerk"], world["chief"], world["firm"], instrument="prompt")
    served(world["clerk"], world["chief"], world["firm"])
    response = _client(world["clerk"]).get(_url("soft_action_list"), query)
    assert response.status_code == 200
    assert sorted(r["a"].status for r in response.context["rows"]) == sorted(expected)


def test_a_filter_outside_its_choices_is_a_400(world):
    response = _client(world["clerk"]).get(_url("soft_action_list"), {"status": "lost"})
    assert response.status_code == 400
    assert response.context["rows"] == []


# --- Create, edit, steps --------------------------------------------------------------------


def _draft_post(**over):
    data = {
        "instrument": "admonition",
        "enterprise_uscc": "",
        "addressee_name": "",
        "department": "",
        "trigger": "inspection",
        "reason": "未公示营业执照。",
        "legal_basis": "《市场主体登记管理条例》第三十六条",
        "facts": "",
        "required_actions": "公示营业执照。",
        "deadline_working_days": "",
        "contact_person": "王科长",
        "contact_phone": "028-85831234",
    }
    data.update(over)
    return data


def test_create_finds_the_enterprise_by_credit_code_in_the_jurisdiction(world):
    client = _client(world["clerk"])
    department = world["clerk"].staff_profile.department_id
    response = client.post(
        _url("soft_action_create"),
        _draft_post(enterprise_uscc=world["firm"].uscc.lower(), department=department),
    )
    action = SoftAction.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(
        "soft_action_detail", action
    )
    assert (action.enterprise, action.status, action.number) == (world["firm"], Status.DRAFT, None)
    assert action.created_by == world["clerk"]
    # Another department's entity is not found; a missing reason is named.
    response = _client(world["eco_clerk"]).post(
        _url("soft_action_create"),
        _draft_post(enterprise_uscc=world["firm"].uscc, department=world["eco"].pk, reason=""),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "enterprise_uscc" in errors and "reason" in errors
    assert SoftAction.objects.count() == 1


def test_edit_a_draft_and_a_stale_version_is_a_409(world):
    action = draft(world["clerk"], world["firm"])
    client = _client(world["clerk"])
    url = _url("soft_action_edit", action)
    assert client.get(url).status_code == 200
    data = _draft_post(
        enterprise_uscc=world["firm"].uscc,
        department=action.department_id,
        reason="改后的事由",
        version=action.version,
    )
    assert client.post(url, data).status_code == 302
    assert SoftAction.objects.get(pk=action.pk).reason == "改后的事由"
    response = client.post(url, data)  # the version read is stale now
    assert response.status_code == 409
    assert "Someone else changed this document first" in response.content.decode()


def test_the_steps_from_approval_to_rectification_through_the_pages(world):
    action = draft(world["clerk"], world["firm"])
    chief = _client(world["chief"])
    clerk = _client(world["clerk"])
    # The drafter cannot approve it; the button says why.
    response = clerk.get(_url("soft_action_detail", action))
    assert not response.context["can"]["approve"]  # an officer holds no approve codename
    assert clerk.post(_url("soft_action_approve", action), {"version": 1}).status_code == 403
    own = draft(world["chief"], world["firm"])
    response = chief.post(_url("soft_action_approve", own), {"version": 1})
    assert response.status_code == 400
    assert "another officer must approve" in response.content.decode()
    # Approved by the supervisor.
    assert chief.post(_url("soft_action_approve", action), {"version": 1}).status_code == 302
    action.refresh_from_db()
    assert action.status == Status.APPROVED and action.number
    # Served, with the proof of service.
    today = timezone.localdate()
    serve = {
        "version": action.version,
        "served_on": today.isoformat(),
        "method": "direct",
        "receipt_signed_by": "张三",
    }
    assert clerk.post(_url("soft_action_serve", action), serve).status_code == 302
    action.refresh_from_db()
    assert action.status == Status.SERVED and action.deadline > today
    # Served twice: the message says so (a stale version: the conflict names the service).
    response = clerk.post(_url("soft_action_serve", action), serve)
    assert response.status_code == 409
    assert "recorded the service of this document first" in response.content.decode()
    response = clerk.post(_url("soft_action_serve", action), {**serve, "version": action.version})
    assert response.status_code == 400
    assert "already served" in response.content.decode()
    # A visit, then rectification.
    visit = {"visited_on": today.isoformat(), "outcome": "in_progress", "notes": "办理中"}
    assert clerk.post(_url("soft_action_visit", action), visit).status_code == 302
    rectify = {"version": action.version, "rectified_on": today.isoformat(), "report": "已整改"}
    assert clerk.post(_url("soft_action_rectify", action), rectify).status_code == 302
    action.refresh_from_db()
    assert action.status == Status.RECTIFIED
    # The detail shows the ledger records and the audit history (a supervisor reads the log).
    response = chief.get(_url("soft_action_detail", action))
    assert [r.kind for r in response.context["records"]] == [SOFT_ENFORCEMENT, "letter_reply"]
    labels = [e["label"] for e in response.context["events"]]
    assert "Rectification recorded" in labels and "Soft-enforcement document served" in labels
    timeline = [e.title for e in response.context["timeline"]]
    assert timeline[:3] == ["Drafted", "Approved and issued", "Served"]
    assert "Follow-up visit" in timeline and "Rectified" in timeline


def test_a_refused_step_keeps_the_input_and_says_why(world):
    action = approved(world["clerk"], world["chief"], world["firm"])
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = _client(world["clerk"]).post(
        _url("soft_action_serve", action),
        {
            "version": action.version,
            "served_on": future,
            "method": "direct",
            "receipt_signed_by": "",
        },
    )
    assert response.status_code == 400
    form = response.context["serve_form"]
    assert "served_on" in form.errors and "receipt_signed_by" in form.errors
    assert response.context["open_step"] == "serve_form"
    assert SoftAction.objects.get(pk=action.pk).status == Status.APPROVED


def test_interview_escalation_and_cancel_through_the_pages(world):
    with on_day(FRIDAY):
        notice = served(world["clerk"], world["chief"], world["firm"], instrument="interview")
        response = _client(world["clerk"]).get(_url("soft_action_detail", notice))
        assert response.context["can"]["interview"] and not response.context["can"]["rectify"]
        data = {
            "version": notice.version,
            "held_on": FRIDAY.isoformat(),
            "place": "区局三楼会议室",
            "attendees": "法定代表人张三",
            "minutes": "约谈记录",
            "commitments": "十日内整改",
            "commitments_due": "",
        }
        assert (
            _client(world["clerk"]).post(_url("soft_action_interview", notice), data).status_code
            == 302
        )
    notice.refresh_from_db()
    assert notice.deadline == TEN_WD_AFTER_FRIDAY  # the default from the day it was held
    with on_day(TEN_WD_AFTER_FRIDAY + dt.timedelta(days=2)):
        response = _client(world["clerk"]).get(_url("soft_action_detail", notice))
        assert response.context["overdue"] and response.context["can"]["rectify"]
        from remediation.services.soft_actions import soft_actions_mark_overdue

        soft_actions_mark_overdue(on=timezone.localdate())
        notice.refresh_from_db()
        response = _client(world["clerk"]).post(
            _url("soft_action_escalate", notice),
            {"version": notice.version, "note": "逾期未整改，建议立案。"},
        )
        assert response.status_code == 302
    assert SoftAction.objects.get(pk=notice.pk).status == Status.ESCALATED
    # Cancelling: an officer a draft, only a supervisor an approved document.
    mine = draft(world["clerk"], world["firm"])
    assert (
        _client(world["clerk"])
        .post(_url("soft_action_cancel", mine), {"version": 1, "reason": "重复"})
        .status_code
        == 302
    )
    issued = approved(world["clerk"], world["chief"], world["firm"])
    assert (
        _client(world["clerk"])
        .post(_url("soft_action_cancel", issued), {"version": issued.version, "reason": "x"})
        .status_code
        == 403
    )
    assert (
        _client(world["chief"])
        .post(_url("soft_action_cancel", issued), {"version": issued.version, "reason": "文书有误"})
        .status_code
        == 302
    )


def test_pdfs(world):
    action = served(world["clerk"], world["chief"], world["firm"])
    for name in ("soft_action_pdf", "soft_action_proof_pdf"):
        response = _client(world["inspector"]).get(_url(name, action))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_every_post_needs_its_csrf_token(world):
    action = approved(world["clerk"], world["chief"], world["firm"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["clerk"])
    response = client.post(
        _url("soft_action_serve", action),
        {"version": action.version, "served_on": action.issued_on, "method": "post"},
    )
    assert response.status_code == 403
    assert SoftAction.objects.get(pk=action.pk).status == Status.APPROVED


def test_the_pages_render_in_chinese_first(world):
    action = served(world["clerk"], world["chief"], world["firm"])
    body = _client(world["clerk"], english=False).get(_url("soft_action_detail", action)).content
    assert "警示告诫书".encode() in body and b'lang="zh-CN"' in body


# --- The enterprise's pages -----------------------------------------------------------------


def _me(name: str, action: SoftAction | None = None) -> str:
    return reverse(f"me-remediation:{name}", args=[action.pk] if action else [])


def test_the_enterprise_sees_its_own_documents_from_approval_on(world):
    user = member(world["firm"])
    mine = served(world["clerk"], world["chief"], world["firm"])
    pending = draft(world["clerk"], world["firm"])
    others = approved(world["clerk"], world["chief"], enterprise(name="别家公司"))
    client = _client(user)
    response = client.get(_me("letters"))
    assert response.status_code == 200
    assert [r["a"].pk for r in response.context["rows"]] == [mine.pk]
    assert client.get(_me("letter", others)).status_code == 404
    assert client.get(_me("letter_pdf", others)).status_code == 404
    assert client.get(_me("letter", pending)).status_code == 404
    # Staff have no self-service area; anonymous visitors log in.
    assert _client(world["clerk"]).get(_me("letters")).status_code == 403
    assert _client().get(_me("letters")).status_code == 302


def test_opening_a_document_is_recorded_and_under_consent_it_is_its_service(world):
    user = member(world["firm"])
    client = _client(user)
    first = approved(world["clerk"], world["chief"], world["firm"])
    response = client.get(_me("letter", first))
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.opened_at is not None and first.status == Status.APPROVED
    assert "reading them here is not their service" in client.get(_me("letters")).content.decode()
    # Consent given on the page (with its confirmation), then a PDF download serves the next.
    response = client.post(_me("letters_consent"), {"action": "give"})
    assert response.status_code == 400  # the box was not ticked
    assert (
        client.post(_me("letters_consent"), {"action": "give", "confirm": "on"}).status_code == 302
    )
    assert ElectronicServiceConsent.objects.filter(enterprise=world["firm"]).count() == 1
    second = approved(world["clerk"], world["chief"], world["firm"])
    response = client.get(_me("letter_pdf", second))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    second.refresh_from_db()
    assert (second.status, second.service_method) == (Status.SERVED, "electronic")
    assert second.served_on == timezone.localdate()
    assert CreditRecord.objects.filter(kind=SOFT_ENFORCEMENT, enterprise=world["firm"]).exists()
    # The register's own letters (on /me/) show it, due.
    home = client.get(reverse("me:home"))
    assert second.number in home.content.decode()
    # Withdrawn on the page.
    assert client.post(_me("letters_consent"), {"action": "withdraw"}).status_code == 302
    assert not ElectronicServiceConsent.objects.filter(withdrawn_at__isnull=True).exists()
    kinds = set(AuditEvent.objects.values_list("event_type", flat=True))
    assert {audit_events.CONSENT_GIVEN, audit_events.CONSENT_WITHDRAWN} <= kinds
    assert audit_events.SOFT_ACTION_OPENED in kinds


def test_the_enterprise_detail_says_what_to_do(world):
    user = member(world["firm"])
    with on_day(FRIDAY):
        action = served(world["clerk"], world["chief"], world["firm"])
    with on_day(FRIDAY + dt.timedelta(days=2)):
        response = _client(user).get(_me("letter", action))
        assert response.context["row"]["step"].tone == "warn"
        assert "Do what the document asks" in response.content.decode()
    with on_day(TEN_WD_AFTER_FRIDAY + dt.timedelta(days=1)):
        response = _client(user).get(_me("letter", action))
        assert response.context["row"]["overdue"]
        assert "The deadline has passed" in response.content.decode()


# Fetch Metadata of requests a browser makes without its user opening the document.
NOT_A_USERS_OPENING = [
    # A script's fetch() on the portal's own page.
    {"HTTP_SEC_FETCH_MODE": "cors", "HTTP_SEC_FETCH_SITE": "same-origin"},
    # An image planted on another site, riding on the session cookie.
    {"HTTP_SEC_FETCH_MODE": "no-cors", "HTTP_SEC_FETCH_SITE": "cross-site"},
    # A navigation another site started by itself (a frame, a redirect), no user activation.
    {"HTTP_SEC_FETCH_MODE": "navigate", "HTTP_SEC_FETCH_SITE": "cross-site"},
]
A_USERS_OPENING = [
    # A click on the portal's own link.
    {
        "HTTP_SEC_FETCH_MODE": "navigate",
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "HTTP_SEC_FETCH_USER": "?1",
    },
    # Typed in or bookmarked.
    {"HTTP_SEC_FETCH_MODE": "navigate", "HTTP_SEC_FETCH_SITE": "none"},
    # A link in an e-mail the user clicked.
    {
        "HTTP_SEC_FETCH_MODE": "navigate",
        "HTTP_SEC_FETCH_SITE": "cross-site",
        "HTTP_SEC_FETCH_USER": "?1",
    },
]


def test_only_the_users_own_navigation_opens_a_document_and_serves_it(world):
    """Opening under consent is service (APL art. 61), from which the deadline runs: a GET the
    user did not make (a fetch, an image on another site) shows the page and records nothing;
    a top-level navigation the user made records the opening and serves the document."""
    user = member(world["firm"])
    client = _client(user)
    assert (
        client.post(_me("letters_consent"), {"action": "give", "confirm": "on"}).status_code == 302
    )
    for headers in NOT_A_USERS_OPENING:
        action = approved(world["clerk"], world["chief"], world["firm"])
        for name in ("letter", "letter_pdf"):
            response = client.get(_me(name, action), **headers)
            assert response.status_code == 200, (name, headers)
            assert "no-store" in response["Cache-Control"]  # the real opening comes again
        action.refresh_from_db()
        assert action.opened_at is None and action.status == Status.APPROVED, headers
    assert not AuditEvent.objects.filter(event_type=audit_events.SOFT_ACTION_OPENED).exists()
    for headers in A_USERS_OPENING:
        for name in ("letter", "letter_pdf"):
            action = approved(world["clerk"], world["chief"], world["firm"])
            assert client.get(_me(name, action), **headers).status_code == 200
            action.refresh_from_db()
            assert action.opened_at is not None, (name, headers)
            assert (action.status, action.service_method) == (Status.SERVED, "electronic")


def test_an_interview_notice_states_the_day_to_attend_by_and_a_no_show_is_overdue(world):
    user = member(world["firm"])
    with on_day(FRIDAY):
        notice = served(world["clerk"], world["chief"], world["firm"], instrument="interview")
        page = _client(user).get(_me("letter", notice)).content.decode()
        assert "Attend by" in page and "2025-10-16" in page
        staff_page = _client(world["clerk"]).get(_url("soft_action_detail", notice))
        assert "Attend by" in staff_page.content.decode()
    day = TEN_WD_AFTER_FRIDAY + dt.timedelta(days=1)
    with on_day(day):
        from remediation.services.soft_actions import soft_actions_mark_overdue

        assert soft_actions_mark_overdue(on=day) == 1
        page = _client(user).get(_me("letter", notice)).content.decode()
        assert "not attended" in page
        response = _client(world["clerk"]).get(_url("soft_action_detail", notice))
        # Escalate the no-show, or record the interview after all.
        assert response.context["can"]["escalate"] and response.context["can"]["interview"]
        assert (
            _client(world["clerk"], english=False)
            .get(_url("soft_action_detail", notice))
            .status_code
            == 200
        )
