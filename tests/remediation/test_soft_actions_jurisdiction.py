"""Partner departments act only on their own department's documents, and see only those (issue
14 item 6: "partner departments see their own department's cases"; review finding M1).

The case that leaked: the bureau's letters to a market entity a partner department supervises.
The partner department's staff, holding every codename, must not find them in the list, the
detail, the PDFs or the API (404, as for anything outside one's reach), must take no step on
them through the pages or the API (404), and the services refuse each step as a second line
(a ValidationError). A document in another department's name cannot be drafted either."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from remediation.models import SoftAction
from remediation.services.soft_actions import (
    follow_up_visit_record,
    interview_record,
    soft_action_approve,
    soft_action_cancel,
    soft_action_create,
    soft_action_escalate,
    soft_action_rectified,
    soft_action_serve,
    soft_action_update,
    soft_actions_mark_overdue,
)
from tests.remediation.factories_soft_actions import (
    FRIDAY,
    TEN_WD_AFTER_FRIDAY,
    approved,
    bureau,
    draft,
    enterprise,
    officer,
    on_day,
    partner,
    served,
    supervisor,
)

pytestmark = pytest.mark.django_db

Status = SoftAction.Status
DAY = dt.timedelta(days=1)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def _page(name: str, action: SoftAction | None = None) -> str:
    return reverse(f"remediation:{name}", args=[action.pk] if action else [])


def _api_url(name: str, action: SoftAction | None = None) -> str:
    return reverse(f"remediation-api:{name}", args=[action.pk] if action else [])


@pytest.fixture
def world():
    """The bureau's documents, in every state, to an entity the partner department supervises;
    the partner department's supervisor, who holds every codename of soft enforcement."""
    eco = partner()
    eco_firm = enterprise(name="双流区生态养殖场", department=eco)
    clerk, chief = officer(), supervisor()
    with on_day(FRIDAY):
        overdue = served(clerk, chief, eco_firm)
        interview = served(clerk, chief, eco_firm, instrument="interview")
    soft_actions_mark_overdue(on=TEN_WD_AFTER_FRIDAY + DAY)
    overdue.refresh_from_db()
    interview.refresh_from_db()
    docs = {
        "draft": draft(clerk, eco_firm),
        "approved": approved(clerk, chief, eco_firm),
        "served": served(clerk, chief, eco_firm),
        "overdue": overdue,
        "interview": interview,
    }
    assert overdue.status == Status.OVERDUE and interview.status == Status.OVERDUE
    return {
        "eco": eco,
        "eco_firm": eco_firm,
        "clerk": clerk,
        "chief": chief,
        "eco_chief": supervisor("eco-chief", department=eco),
        "eco_clerk": officer("eco-officer", department=eco),
        "docs": docs,
    }


def _versions(world) -> dict[str, tuple[str, int]]:
    return {
        key: tuple(SoftAction.objects.filter(pk=doc.pk).values_list("status", "version").get())
        for key, doc in world["docs"].items()
    }


def test_the_partner_department_does_not_see_the_bureaus_documents(world):
    own = draft(world["eco_clerk"], world["eco_firm"])
    bureau_ids = {doc.pk for doc in world["docs"].values()}
    eco = _client(world["eco_chief"])
    # The list (every queue), the detail and the PDFs.
    for queue in ("", "overdue", "approval", "service", "due"):
        response = eco.get(_page("soft_action_list"), {"queue": queue} if queue else {})
        assert response.status_code == 200
        assert {row["a"].pk for row in response.context["rows"]} <= {own.pk}, queue
    counts = eco.get(_page("soft_action_list")).context["tabs"]
    assert [tab["count"] for tab in counts[1:]] == [0, 1, 0, 0]  # its own draft only
    for doc in world["docs"].values():
        for name in ("soft_action_detail", "soft_action_pdf", "soft_action_proof_pdf"):
            assert eco.get(_page(name, doc)).status_code == 404, (name, doc.status)
    assert eco.get(_page("soft_action_detail", own)).status_code == 200
    # The API.
    api = _api(world["eco_chief"])
    listed = api.get(_api_url("soft-action-list")).json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    for doc in world["docs"].values():
        assert api.get(_api_url("soft-action-detail", doc)).status_code == 404
    # The bureau sees them all, the partner department's too.
    bureau_rows = _client(world["chief"]).get(_page("soft_action_list")).context["rows"]
    assert {row["a"].pk for row in bureau_rows} == bureau_ids | {own.pk}


def test_every_step_of_the_partner_department_on_a_bureau_document_is_a_404(world):
    docs = world["docs"]
    before = _versions(world)
    eco = _client(world["eco_chief"])
    today = timezone.localdate().isoformat()
    steps = [
        ("soft_action_edit", "draft", {"version": 1, "instrument": "admonition"}),
        ("soft_action_approve", "draft", {"version": docs["draft"].version}),
        ("soft_action_cancel", "approved", {"version": docs["approved"].version, "reason": "x"}),
        (
            "soft_action_serve",
            "approved",
            {
                "version": docs["approved"].version,
                "served_on": today,
                "method": "direct",
                "receipt_signed_by": "张三",
            },
        ),
        (
            "soft_action_rectify",
            "served",
            {"version": docs["served"].version, "rectified_on": today, "report": "已整改"},
        ),
        ("soft_action_visit", "served", {"visited_on": today, "outcome": "in_progress"}),
        (
            "soft_action_interview",
            "interview",
            {
                "version": docs["interview"].version,
                "held_on": today,
                "place": "x",
                "attendees": "x",
                "minutes": "x",
                "commitments": "x",
            },
        ),
        ("soft_action_escalate", "overdue", {"version": docs["overdue"].version, "note": "x"}),
    ]
    for name, key, data in steps:
        assert eco.post(_page(name, docs[key]), data).status_code == 404, name
    assert eco.get(_page("soft_action_edit", docs["draft"])).status_code == 404
    api = _api(world["eco_chief"])
    api_steps = [
        ("soft-action-approve", "draft", {"version": docs["draft"].version}),
        (
            "soft-action-serve",
            "approved",
            {
                "version": docs["approved"].version,
                "served_on": today,
                "method": "direct",
                "receipt_signed_by": "张三",
            },
        ),
        (
            "soft-action-rectify",
            "served",
            {"version": docs["served"].version, "rectified_on": today, "report": "已整改"},
        ),
    ]
    for name, key, data in api_steps:
        assert api.post(_api_url(name, docs[key]), data, format="json").status_code == 404, name
    assert _versions(world) == before  # nothing written
    assert not docs["served"].visits.exists()


def test_the_services_refuse_every_step_outside_the_actors_department(world):
    docs = world["docs"]
    actor = world["eco_chief"]
    today = timezone.localdate()
    steps = {
        "update": lambda: soft_action_update(
            actor=actor,
            action=docs["draft"],
            data={"reason": "改"},
            expected_version=docs["draft"].version,
        ),
        "approve": lambda: soft_action_approve(
            actor=actor, action=docs["draft"], expected_version=docs["draft"].version
        ),
        "cancel": lambda: soft_action_cancel(
            actor=actor,
            action=docs["approved"],
            reason="x",
            expected_version=docs["approved"].version,
        ),
        "serve": lambda: soft_action_serve(
            actor=actor,
            action=docs["approved"],
            served_on=today,
            method="direct",
            receipt_signed_by="张三",
            expected_version=docs["approved"].version,
        ),
        "rectify": lambda: soft_action_rectified(
            actor=actor,
            action=docs["served"],
            rectified_on=today,
            report="已整改",
            expected_version=docs["served"].version,
        ),
        "visit": lambda: follow_up_visit_record(
            actor=actor, action=docs["served"], visited_on=today, outcome="in_progress"
        ),
        "interview": lambda: interview_record(
            actor=actor,
            action=docs["interview"],
            held_on=today,
            place="x",
            attendees="x",
            minutes="x",
            commitments="x",
            expected_version=docs["interview"].version,
        ),
        "escalate": lambda: soft_action_escalate(
            actor=actor,
            action=docs["overdue"],
            note="x",
            expected_version=docs["overdue"].version,
        ),
    }
    before = _versions(world)
    with translation.override("en"):
        for name, step in steps.items():
            with pytest.raises(ValidationError) as exc:
                step()
            assert exc.value.code == "jurisdiction", name
            assert "another department" in " ".join(exc.value.messages), name
    assert _versions(world) == before
    # The partner department acts on its own documents as ever.
    own = draft(world["eco_clerk"], world["eco_firm"])
    done = soft_action_approve(actor=actor, action=own, expected_version=own.version)
    assert done.status == Status.APPROVED


def test_no_document_is_drafted_in_another_departments_name(world):
    actor = world["eco_chief"]
    data = {
        "instrument": "admonition",
        "enterprise": world["eco_firm"],
        "addressee_name": "",
        "department": bureau(),
        "trigger": "inspection",
        "reason": "未公示营业执照。",
        "legal_basis": "《市场主体登记管理条例》第三十六条",
        "required_actions": "公示营业执照。",
    }
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        soft_action_create(actor=actor, **data)
    assert "own department's name" in " ".join(exc.value.message_dict["department"])
    # Nor moved into it.
    own = draft(world["eco_clerk"], world["eco_firm"])
    with pytest.raises(ValidationError) as exc:
        soft_action_update(
            actor=actor, action=own, data={"department": bureau()}, expected_version=own.version
        )
    assert "department" in exc.value.message_dict
    response = _api(actor).post(
        _api_url("soft-action-list"),
        {
            **{k: v for k, v in data.items() if k not in ("enterprise", "department")},
            "enterprise": world["eco_firm"].uscc,
            "department": "amr",
        },
        format="json",
    )
    assert response.status_code == 400 and "department" in response.json()["errors"]
    page = _client(actor).post(
        _page("soft_action_create"),
        {
            "instrument": "admonition",
            "enterprise_uscc": world["eco_firm"].uscc,
            "department": bureau().pk,
            "trigger": "inspection",
            "reason": "未公示营业执照。",
            "legal_basis": "依据",
            "required_actions": "公示。",
        },
    )
    assert page.status_code == 400 and "department" in page.context["form"].errors
    assert SoftAction.objects.filter(department=bureau()).count() == len(world["docs"])
