"""The pages of the list of items (staff and public), the library of inspectors and recusals,
through the HTTP client (issue 17 §1): forms with their messages, the version, access, the
public page throttled and without anything internal, recusals never public."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from credit_portal.models import User
from credit_portal.roles import Role
from inspections.models import InspectionItem, Inspector, Recusal
from inspections.services.plans import plan_approve
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


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _item_post(**over: Any) -> dict[str, Any]:
    data = {
        "code": "web-item",
        "name": "广告发布检查",
        "name_en": "",
        "department": "amr",
        "legal_basis": "《广告法》",
        "subject": "",
        "content": "",
        "method": "desk",
        "required_skill": "",
        "checklist": "广告审查记录\n广告合同",
        "is_active": "on",
    }
    data.update(over)
    return data


def test_items_are_created_and_edited_in_the_web_form() -> None:
    client = _client(planner())
    assert client.get(reverse("inspections:item_create")).status_code == 200
    made = client.post(reverse("inspections:item_create"), _item_post())
    assert made.status_code == 302
    row = InspectionItem.objects.get(code="web-item")
    detail = client.get(made["Location"]).content.decode()
    assert "广告审查记录" in detail and 'data-testid="checklist"' in detail
    edit = reverse("inspections:item_edit", args=["web-item"])
    assert client.get(edit).status_code == 200
    ok = client.post(edit, _item_post(name="广告检查", version=str(row.version)))
    assert ok.status_code == 302
    stale = client.post(edit, _item_post(name="再改", version=str(row.version)))
    assert stale.status_code == 409
    assert InspectionItem.objects.get(pk=row.pk).name == "广告检查"
    bad = client.post(reverse("inspections:item_create"), _item_post(code="x y", legal_basis=""))
    assert bad.status_code == 400
    assert "Latin letters" in bad.content.decode()


def test_item_pages_need_their_codenames() -> None:
    item("seen-1")
    assert _client(None).get(reverse("inspections:item_list")).status_code == 302
    assert _client(staff(bureau())).get(reverse("inspections:item_list")).status_code == 403
    reader = staff(bureau(), role=Role.INSPECTOR)
    html = _client(reader).get(reverse("inspections:item_list")).content.decode()
    assert 'data-item="seen-1"' in html
    assert _client(reader).get(reverse("inspections:item_create")).status_code == 403


def test_the_public_list_of_items_shows_checklists_only_of_active_items() -> None:
    item("pub-1", checklist="第一项\n第二项")
    item("old-1", is_active=False)
    response = _client(None).get(reverse("inspections-public:items"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-item="pub-1"' in html and "第二项" in html
    assert 'data-item="old-1"' not in html
    assert "/admin/" not in html and "inspections/items/pub-1" not in html


def test_the_public_list_is_throttled(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public": "2/min",
        },
    }
    client = _client(None)
    url = reverse("inspections-public:items")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_inspectors_are_added_from_staff_with_a_badge() -> None:
    client = _client(planner())
    no_badge = staff(bureau(), username="nobadge")
    response = client.post(reverse("inspections:inspector_create"), {"username": "nobadge"})
    assert response.status_code == 400
    assert "no enforcement badge number" in response.content.decode()
    staff(bureau(), username="badged", badge="510116-7")
    skill()
    made = client.post(
        reverse("inspections:inspector_create"), {"username": "badged", "skills": ["food"]}
    )
    assert made.status_code == 302
    row = Inspector.objects.get(user__username="badged")
    assert [s.code for s in row.skills.all()] == ["food"]
    assert not Inspector.objects.filter(user=no_badge).exists()
    html = client.get(reverse("inspections:inspector_list")).content.decode()
    assert f'data-inspector="{row.pk}"' in html and "510116-7" in html
    edit = reverse("inspections:inspector_edit", args=[row.pk])
    changed = client.post(edit, {"version": row.version, "note": "离岗"})
    assert changed.status_code == 302
    row.refresh_from_db()
    assert not row.is_active and row.note == "离岗"


def test_a_partner_sees_only_its_own_inspectors() -> None:
    mine = inspector(partner())
    theirs = inspector(bureau())
    officer = staff(partner(), role=Role.SUPERVISOR)
    client = _client(officer)
    html = client.get(reverse("inspections:inspector_list")).content.decode()
    assert f'data-inspector="{mine.pk}"' in html
    assert f'data-inspector="{theirs.pk}"' not in html
    url = reverse("inspections:inspector_detail", args=[theirs.pk])
    assert client.get(url).status_code == 404


def test_recusals_record_refuse_and_end_in_the_pages() -> None:
    actor = planner()
    a, b = inspector(), inspector()
    firm = enterprise()
    plan = make_plan(actor, code="rec-plan")
    plan_approve(actor=actor, plan=plan, expected_version=plan.version)
    client = _client(actor)
    post = {"inspector": a.pk, "uscc": firm.uscc, "origin": "requested", "reason": "曾为其顾问"}
    refused = client.post(reverse("inspections:recusal_create"), post)
    assert refused.status_code == 400
    assert "rec-plan" in refused.content.decode() and "only 1 " in refused.content.decode()
    inspector()
    done = client.post(reverse("inspections:recusal_create"), post)
    assert done.status_code == 302
    recusal = Recusal.objects.get(inspector=a, enterprise=firm)
    listing = client.get(reverse("inspections:recusal_list")).content.decode()
    assert f'data-recusal="{recusal.pk}"' in listing and "曾为其顾问" in listing
    ended = client.post(reverse("inspections:recusal_end", args=[recusal.pk]))
    assert ended.status_code == 302
    recusal.refresh_from_db()
    assert recusal.ended_on is not None
    assert b.is_active


def test_recusals_are_never_shown_without_view_recusal() -> None:
    actor = planner()
    row = inspector()
    firm = enterprise()
    Recusal.objects.create(
        inspector=row,
        enterprise=firm,
        origin="declared",
        reason="秘密理由",
        valid_from=firm.registered_on,
        created_by=actor,
    )
    reader = staff(bureau(), role=Role.INSPECTOR)  # view_inspector, no view_recusal
    client = _client(reader)
    assert client.get(reverse("inspections:recusal_list")).status_code == 403
    detail = client.get(reverse("inspections:inspector_detail", args=[row.pk]))
    assert detail.status_code == 200 and "秘密理由" not in detail.content.decode()
    assert "秘密理由" not in _client(None).get(reverse("inspections-public:items")).content.decode()
    # A planner sees it.
    detail = _client(actor).get(reverse("inspections:inspector_detail", args=[row.pk]))
    assert "秘密理由" in detail.content.decode()


def test_an_inspector_declares_their_own_recusal() -> None:
    me = inspector()
    firm = enterprise()
    client = _client(me.user)
    page = client.get(reverse("inspections:recusal_create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="requested"' not in html  # only "declared" for an inspector
    response = client.post(
        reverse("inspections:recusal_create"),
        {"inspector": me.pk, "uscc": firm.uscc, "origin": "declared", "reason": "亲属"},
    )
    assert response.status_code == 302
    assert Recusal.objects.filter(inspector=me, origin="declared").exists()
    other = inspector()
    refused = client.post(
        reverse("inspections:recusal_create"),
        {"inspector": other.pk, "uscc": firm.uscc, "origin": "declared", "reason": "x"},
    )
    assert refused.status_code == 400  # not among their choices
