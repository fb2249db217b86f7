"""The list of items, the library of inspectors and recusals through their services (issue 17
§1, "Bad input": a recusal that empties a pool; docs/domain.md §2 "One list, two libraries",
"Inspectors and recusal")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent, User
from enterprises.models import Enterprise
from inspections import audit_events as events
from inspections.models import InspectionItem, Inspector, Recusal, SamplingPlan
from inspections.services.catalogue import item_save, skill_save
from inspections.services.plans import plan_approve
from inspections.services.roster import inspector_save, recusal_end, recusal_record
from tests.inspections.factories_plans import (
    bureau,
    enterprise,
    inspector,
    item,
    make_plan,
    partner,
    planner,
    skill,
    staff,
)

pytestmark = pytest.mark.django_db


def _item_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "reg-check",
        "name": "登记事项检查",
        "name_en": "Registration check",
        "department": bureau(),
        "legal_basis": "《市场主体登记管理条例》",
        "subject": "企业",
        "content": "登记事项与实际是否一致",
        "method": InspectionItem.Method.ON_SITE,
        "safety_sensitive": False,
        "required_skill": None,
        "checklist": "一、营业执照\n二、住所",
        "is_active": True,
    }
    data.update(over)
    return data


# --------------------------------------------------------------------------- items


def test_an_item_is_created_changed_with_its_version_and_audited() -> None:
    actor = planner()
    created = item_save(actor=actor, data=_item_data())
    assert created.version == 1 and created.checklist.startswith("一、")
    changed = item_save(
        actor=actor, data={"name": "登记事项核查"}, item=created, expected_version=1
    )
    assert changed.version == 2 and changed.name == "登记事项核查"
    assert changed.legal_basis == "《市场主体登记管理条例》"  # not named: kept
    with pytest.raises(ConflictError):
        item_save(actor=actor, data={"name": "x"}, item=created, expected_version=1)
    audited = AuditEvent.objects.filter(event_type=events.ITEM_SAVED).order_by("pk")
    assert [e.extra["changed"] for e in audited] == [[], ["name"]]


def test_item_refusals_each_under_its_field() -> None:
    actor = planner()
    item_save(actor=actor, data=_item_data(code="taken"))
    with pytest.raises(ValidationError) as caught:
        item_save(
            actor=actor,
            data=_item_data(code="taken", name="", legal_basis="", method="telepathy"),
        )
    errors = caught.value.message_dict
    assert set(errors) == {"code", "name", "legal_basis", "method"}
    assert InspectionItem.objects.count() == 1


def test_a_partner_department_writes_its_own_items_only() -> None:
    health = partner()
    officer = staff(health, "inspections.change_inspectionitem")
    with pytest.raises(ValidationError) as caught:
        item_save(actor=officer, data=_item_data())
    assert "your own department" in caught.value.message_dict["department"][0]
    mine = item_save(actor=officer, data=_item_data(code="h-1", department=health))
    assert mine.department == health


def test_an_item_of_an_open_plan_stays_active_and_in_its_departments() -> None:
    actor = planner()
    used = item("used-1")
    make_plan(actor, code="p-used", items=[used])
    with pytest.raises(ValidationError) as caught:
        item_save(actor=actor, data={"is_active": False}, item=used, expected_version=1)
    assert "p-used" in caught.value.message_dict["is_active"][0]
    with pytest.raises(ValidationError) as caught:
        item_save(actor=actor, data={"department": partner()}, item=used, expected_version=1)
    assert "p-used" in caught.value.message_dict["department"][0]
    with pytest.raises(ValidationError) as caught:
        item_save(actor=actor, data={"code": "renamed"}, item=used, expected_version=1)
    assert "cannot be changed" in caught.value.message_dict["code"][0]


def test_skills() -> None:
    actor = planner()
    made = skill_save(actor=actor, code="equip", name="特种设备")
    with pytest.raises(ValidationError):
        skill_save(actor=actor, code="equip", name="again")
    renamed = skill_save(actor=actor, code="equip", name="特种设备安全", skill=made)
    assert renamed.name == "特种设备安全"
    assert AuditEvent.objects.filter(event_type=events.SKILL_SAVED).count() == 2


# --------------------------------------------------------------------------- inspectors


def test_only_staff_with_a_badge_number_become_inspectors() -> None:
    actor = planner()
    no_badge = staff(bureau())
    with pytest.raises(ValidationError) as caught:
        inspector_save(actor=actor, user=no_badge)
    assert "no enforcement badge number" in caught.value.message_dict["user"][0]
    outsider = User.objects.create_user(username="citizen", password="Secret-pass-123")
    with pytest.raises(ValidationError) as caught:
        inspector_save(actor=actor, user=outsider)
    assert "not a member of staff" in caught.value.message_dict["user"][0]
    assert Inspector.objects.count() == 0

    qualified = staff(bureau(), badge="510116-0042")
    made = inspector_save(actor=actor, user=qualified, skills=[skill()], note="食品组")
    assert made.department == bureau() and made.is_active
    assert [s.code for s in made.skills.all()] == ["food"]
    with pytest.raises(ValidationError, match="an inspector already"):
        inspector_save(actor=actor, user=qualified)


def test_an_inspector_is_changed_with_the_version_read() -> None:
    actor = planner()
    row = inspector()
    changed = inspector_save(
        actor=actor, inspector=row, is_active=False, skills=[], expected_version=1
    )
    assert changed.version == 2 and not changed.is_active
    with pytest.raises(ConflictError):
        inspector_save(actor=actor, inspector=row, note="x", expected_version=1)
    event = AuditEvent.objects.filter(event_type=events.INSPECTOR_SAVED).last()
    assert event is not None and event.extra["changed"] == ["is_active"]


def test_a_partner_cannot_add_another_departments_staff() -> None:
    officer = staff(partner(), "inspections.change_inspector")
    with pytest.raises(ValidationError, match="another department"):
        inspector_save(actor=officer, user=staff(bureau(), badge="B1"))


# --------------------------------------------------------------------------- recusals


def _approved_plan(actor: User, **over: Any) -> SamplingPlan:
    plan = make_plan(actor, **over)
    return plan_approve(actor=actor, plan=plan, expected_version=plan.version)


def test_a_recusal_is_recorded_and_ended() -> None:
    actor = planner()
    a, _b, _c = inspector(), inspector(), inspector()
    firm = enterprise()
    _approved_plan(actor)
    recusal = recusal_record(
        actor=actor, inspector=a, enterprise=firm, origin="declared", reason="亲属关系"
    )
    assert recusal.ended_on is None
    event = AuditEvent.objects.get(event_type=events.RECUSAL_RECORDED)
    assert event.enterprise_id == firm.pk
    with pytest.raises(ValidationError, match="already has a recusal in force"):
        recusal_record(actor=actor, inspector=a, enterprise=firm, origin="decided", reason="x")
    ended = recusal_end(actor=actor, recusal=recusal)
    assert ended.ended_on == timezone.localdate()
    with pytest.raises(ValidationError, match="ended on"):
        recusal_end(actor=actor, recusal=ended)
    assert AuditEvent.objects.filter(event_type=events.RECUSAL_ENDED).count() == 1


def test_a_recusal_that_empties_a_pool_is_refused_with_the_numbers() -> None:
    actor = planner()
    a, b, c = inspector(), inspector(), inspector()
    firm = enterprise()
    _approved_plan(actor, code="p-two")  # sends 2 inspectors to each firm
    recusal_record(actor=actor, inspector=a, enterprise=firm, origin="declared", reason="r1")
    with pytest.raises(ValidationError) as caught:
        recusal_record(actor=actor, inspector=b, enterprise=firm, origin="requested", reason="r2")
    message = caught.value.message_dict["enterprise"][0]
    assert "p-two" in message and "sends 2 inspectors" in message and "only 1 " in message
    assert Recusal.objects.filter(inspector=b).count() == 0
    # Another firm is not concerned; nor is the same firm once the plan is out of its scope.
    other = enterprise(entity_type=Enterprise.EntityType.INDIVIDUAL_BUSINESS)
    recusal_record(actor=actor, inspector=b, enterprise=other, origin="declared", reason="r3")
    assert c.is_active


def test_a_recusal_is_free_outside_approved_plans_and_their_scope() -> None:
    actor = planner()
    a, b = inspector(), inspector()
    firm = enterprise()  # a company in 东升街道
    make_plan(actor, code="draft-only")  # a draft: not drawn
    _approved_plan(actor, code="ib-only", entity_types=["individual_business"])
    recusal_record(actor=actor, inspector=a, enterprise=firm, origin="declared", reason="r")
    recusal_record(actor=actor, inspector=b, enterprise=firm, origin="declared", reason="r")
    assert Recusal.objects.filter(enterprise=firm).count() == 2


def test_recusal_input_is_checked() -> None:
    actor = planner()
    row = inspector()
    firm = enterprise()
    with pytest.raises(ValidationError) as caught:
        recusal_record(
            actor=actor,
            inspector=row,
            enterprise=firm,
            origin="rumour",
            reason="",
            valid_from=timezone.localdate() + dt.timedelta(days=3),
        )
    assert set(caught.value.message_dict) == {"origin", "reason", "valid_from"}
    outsider = staff(partner(), "inspections.add_recusal")
    with pytest.raises(ValidationError, match="another department"):
        recusal_record(actor=outsider, inspector=row, enterprise=firm, origin="decided", reason="r")
    # The inspector themself may declare one, whatever their jurisdiction.
    recusal_record(actor=row.user, inspector=row, enterprise=firm, origin="declared", reason="r")
