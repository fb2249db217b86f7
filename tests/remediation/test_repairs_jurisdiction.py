"""Who decided, repairs (谁认定、谁修复; issue 14 item 5, review finding M1): a partner
department's staff see and decide only the repairs of their own department's decisions. The
bureau's penalty of an entity the partner department supervises is the bureau's case: the
partner's officer, holding every codename, does not find its repair application in the queue,
the detail, the files, the outbox or the API (404), takes no step on it (404), and the services
refuse each step as a second line."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from credit_portal.models import Department
from remediation.models import RepairApplication, RepairSync
from remediation.selectors.repairs import repair_applications_for_user
from remediation.services.repairs import (
    repair_accept,
    repair_apply,
    repair_decide,
    repair_not_accept,
    repair_sync_export,
)
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    VERIFIED,
    apply_data,
    eligible_penalty,
    member,
    officer,
    penalty_decision,
    penalty_record,
    today,
)

pytestmark = pytest.mark.django_db

Status = RepairApplication.Status


@pytest.fixture
def world(department):
    eco = Department.objects.create(code="eco", name="区生态环境局")
    firm = EnterpriseFactory(department=eco, name="双流区生态养殖场")  # the partner supervises it
    user = member(firm, "eco-firm")
    # The bureau's decision, with its PenaltyDecision; and a ledger penalty without one (the
    # bureau's too).
    decided = eligible_penalty(firm, number="双市监处罚〔2025〕8号")
    penalty_decision(decided)
    ledger_only = eligible_penalty(firm, number="双市监处罚〔2025〕9号")
    submitted = repair_apply(actor=user, enterprise=firm, **apply_data(decided))
    accepted = repair_apply(actor=user, enterprise=firm, **apply_data(ledger_only))
    bureau_officer = officer("bureau-officer")
    accepted = repair_accept(actor=bureau_officer, application=accepted, expected_version=1)
    return {
        "eco": eco,
        "firm": firm,
        "firm_user": user,
        "officer": bureau_officer,
        "partner": officer("partner", department=eco),
        "submitted": submitted,
        "accepted": accepted,
    }


def _state(app: RepairApplication) -> tuple[str, int]:
    return tuple(RepairApplication.objects.filter(pk=app.pk).values_list("status", "version").get())


def test_the_partner_department_does_not_see_the_bureaus_repairs(client, api_client_for, world):
    client.force_login(world["partner"])
    apps = (world["submitted"], world["accepted"])
    listed = client.get(reverse("remediation:repair_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert listed.status_code == 200
    assert [row["app"].pk for row in listed.context["rows"]] == []
    assert listed.context["open_count"] == 0
    for app in apps:
        assert client.get(reverse("remediation:repair_detail", args=[app.pk])).status_code == 404
        file_url = reverse("remediation:repair_file", args=[app.pk, app.attachments.get().pk])
        assert client.get(file_url).status_code == 404
    api = api_client_for(world["partner"])
    answer = api.get(reverse("remediation-api:repair-application-list"))
    assert answer.status_code == 200 and answer.json()["count"] == 0
    for app in apps:
        url = reverse("remediation-api:repair-application-detail", args=[app.pk])
        assert api.get(url).status_code == 404
        file_url = reverse(
            "remediation-api:repair-application-file", args=[app.pk, app.attachments.get().pk]
        )
        assert api.get(file_url).status_code == 404
    assert list(repair_applications_for_user(user=world["partner"])) == []
    # The bureau's officer sees both; the enterprise its own.
    assert set(repair_applications_for_user(user=world["officer"])) == set(apps)
    assert set(repair_applications_for_user(user=world["firm_user"])) == set(apps)


def test_every_step_of_the_partner_department_is_refused(client, api_client_for, world):
    submitted, accepted = world["submitted"], world["accepted"]
    before = (_state(submitted), _state(accepted))
    client.force_login(world["partner"])
    page_steps = [
        (submitted, {"version": 1, "action": "accept"}),
        (submitted, {"version": 1, "action": "not_accept", "reasons": "材料不全"}),
        (accepted, {"version": 2, "action": "approve"}),
        (accepted, {"version": 2, "action": "refuse", "reasons": "不符合条件"}),
    ]
    for app, data in page_steps:
        answer = client.post(reverse("remediation:repair_act", args=[app.pk]), data)
        assert answer.status_code == 404, data["action"]
    api = api_client_for(world["partner"])
    api_steps = [
        ("repair-application-accept", submitted, {"version": 1}),
        ("repair-application-not-accept", submitted, {"version": 1, "reasons": "材料不全"}),
        ("repair-application-decide", accepted, {"version": 2, "approve": True}),
        ("repair-application-decide", accepted, {"version": 2, "approve": False, "reasons": "x"}),
    ]
    for name, app, data in api_steps:
        answer = api.post(reverse(f"remediation-api:{name}", args=[app.pk]), data)
        assert answer.status_code == 404, name
    partner = world["partner"]
    services = [
        lambda: repair_accept(actor=partner, application=submitted, expected_version=1),
        lambda: repair_not_accept(
            actor=partner, application=submitted, reasons="材料不全", expected_version=1
        ),
        lambda: repair_decide(
            actor=partner,
            application=accepted,
            approve=True,
            reasons="",
            verified=VERIFIED,
            expected_version=2,
        ),
        lambda: repair_decide(
            actor=partner, application=accepted, approve=False, reasons="x", expected_version=2
        ),
    ]
    with translation.override("en"):
        for step in services:
            with pytest.raises(ValidationError) as exc:
                step()
            assert exc.value.code == "jurisdiction"
            assert "another department" in " ".join(exc.value.messages)
    assert (_state(submitted), _state(accepted)) == before
    # The bureau's officer decides.
    done = repair_decide(
        actor=world["officer"],
        application=accepted,
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    assert done.status == Status.APPROVED
    # The outbox of the repair is the bureau's too.
    assert repair_sync_export(actor=partner, network="gsxt").rows == []
    client.force_login(partner)
    outbox = client.get(reverse("remediation:repair_outbox"))
    assert all(n.pending == 0 for n in outbox.context["outbox"])
    assert RepairSync.objects.filter(status=RepairSync.Status.PENDING).count() == 3


def test_the_partner_department_sees_and_decides_the_repairs_of_its_own_decisions(world):
    """A repair of the partner's own decision (made directly: the portal refuses to take one,
    since another department's penalties are repaired on Credit China)."""
    record = penalty_record(
        world["firm"],
        published_on=world["submitted"].record.publicity_start,
        number="环罚〔2025〕3号",
        authority="区生态环境局",
    )
    own = RepairApplication.objects.create(
        kind="penalty_publicity",
        enterprise=world["firm"],
        record=record,
        penalty=penalty_decision(record, department=world["eco"]),
        applicant_name="张三",
        applicant_phone="13800000000",
        statement="x",
        pledge_accepted=True,
        submitted_by=world["firm_user"],
        acceptance_due=today(),
    )
    assert list(repair_applications_for_user(user=world["partner"])) == [own]
    accepted = repair_accept(actor=world["partner"], application=own, expected_version=1)
    assert accepted.status == Status.ACCEPTED
    # The bureau's staff see every department's (their jurisdiction is the whole district).
    assert own in set(repair_applications_for_user(user=world["officer"]))


def test_the_staff_repair_notice_of_a_bureau_decision_is_not_the_partners(client, world):
    decision = world["submitted"].penalty
    assert decision is not None
    client.force_login(world["partner"])
    assert client.get(reverse("remediation:repair_notice", args=[decision.pk])).status_code == 404
    client.force_login(world["officer"])
    assert client.get(reverse("remediation:repair_notice", args=[decision.pk])).status_code == 200
