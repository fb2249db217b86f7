"""The list of check items (抽查事项清单, docs/domain.md §2 "One list, two libraries") and the
skills items may need of their inspectors.

An item belongs to one department (the one that checks it) and says on what legal basis, who
and what is checked, how (desk review, on-site check, online monitoring), whether it is
safety-sensitive (new entities stay in the pool for such items, §7) and the checklist that is
published to firms. Items are never deleted: plans and inspections name them; one no longer
used is made inactive.

Writes here, each in one transaction with its audit event: `skill_save`, `item_save`
(optimistic locking on `version`). Jurisdiction: an item is written by staff whose
jurisdiction (`departments_of_jurisdiction`) holds its department (before and after).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from credit_portal.text import character_label, invisible_characters
from inspections import audit_events as events
from inspections.models import InspectionItem, SamplingPlan, Skill

CODE_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
# Codes that are addresses of pages (items/new/, plans/new/).
RESERVED_CODES = frozenset({"new"})

ITEM_FIELDS = (
    "code",
    "name",
    "name_en",
    "department",
    "legal_basis",
    "subject",
    "content",
    "method",
    "safety_sensitive",
    "required_skill",
    "checklist",
    "is_active",
)
TEXT_LIMITS = {"code": 32, "name": 128, "name_en": 200, "subject": 200}


def code_problem(code: str, *, max_length: int = 32) -> str:
    """Why `code` cannot be a code (letters, digits, - and _), or ""."""
    if not code:
        return _("Enter a code.")
    if len(code) > max_length:
        return _("A code has at most %(n)d characters.") % {"n": max_length}
    if not CODE_RE.match(code):
        return _("A code may hold only Latin letters, digits, hyphens and underscores.")
    if code.lower() in RESERVED_CODES:
        return _("%(code)s names a page: choose another code.") % {"code": code}
    return ""


def text_problem(value: str) -> str:
    """Why a name or text cannot be stored as it is (invisible characters), or ""."""
    found = invisible_characters(value)
    if found:
        return _("Remove the invisible or direction-changing characters: %(chars)s.") % {
            "chars": ", ".join(character_label(ch) for ch in found)
        }
    return ""


def _clean_text(data: Mapping[str, Any], name: str) -> str:
    return str(data.get(name) or "").strip()


# --------------------------------------------------------------------------- skills


def skill_save(
    *, actor: User, code: str, name: str, name_en: str = "", skill: Skill | None = None
) -> Skill:
    """Create a skill, or change the names of `skill` (its code is fixed once made).

    Rules: a code (letters, digits, - and _) not used by another skill; a name; no invisible
    characters. Side effects: the skill; audit `inspections.skill_saved`.
    """
    code, name, name_en = (code or "").strip(), (name or "").strip(), (name_en or "").strip()
    errors: dict[str, list[str]] = {}
    if skill is None:
        problem = code_problem(code)
        if problem:
            errors.setdefault("code", []).append(problem)
        elif Skill.objects.filter(code=code).exists():
            errors.setdefault("code", []).append(
                _("Another skill has the code %(code)s.") % {"code": code}
            )
    elif code and code != skill.code:
        errors.setdefault("code", []).append(_("A skill's code cannot be changed."))
    if not name:
        errors.setdefault("name", []).append(_("Enter the skill's name."))
    for field, value, limit in (("name", name, 64), ("name_en", name_en, 128)):
        if len(value) > limit:
            errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": limit})
        problem = text_problem(value)
        if problem:
            errors.setdefault(field, []).append(problem)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if skill is None:
            saved = Skill.objects.create(code=code, name=name, name_en=name_en)
            created = True
        else:
            saved = Skill.objects.select_for_update().get(pk=skill.pk)
            saved.name, saved.name_en = name, name_en
            saved.save(update_fields=["name", "name_en"])
            created = False
        audit_event_record(
            actor=actor,
            event_type=events.SKILL_SAVED,
            target=saved,
            extra={"code": saved.code, "name": name, "created": created},
        )
    return saved


# --------------------------------------------------------------------------- items


def _open_plans_using(item: InspectionItem) -> list[SamplingPlan]:
    return list(
        SamplingPlan.objects.filter(items=item)
        .exclude(status=SamplingPlan.Status.CLOSED)
        .prefetch_related("departments")
        .order_by("code")
    )


def item_problems(
    *, actor: User, data: Mapping[str, Any], item: InspectionItem | None = None
) -> dict[str, list[str]]:
    """What refuses `data` as an item (new, or `item` changed), by field; writes nothing.

    Rules: a code (letters, digits, - and _; unique; fixed once the item is in a plan); a
    name, a legal basis and a method; a department of the actor's jurisdiction; a skill that
    exists; no invisible characters in the names; an item in a plan that is not closed keeps
    a department of that plan and stays active (close or change the plan first).
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    code = _clean_text(data, "code")
    problem = code_problem(code)
    if problem:
        add("code", problem)
    elif InspectionItem.objects.filter(code=code).exclude(pk=item.pk if item else 0).exists():
        add("code", _("Another item has the code %(code)s.") % {"code": code})
    for field in ("name", "legal_basis"):
        if not _clean_text(data, field):
            add(
                field,
                _("Enter the item's name.") if field == "name" else _("Enter the legal basis."),
            )
    for field, limit in TEXT_LIMITS.items():
        value = _clean_text(data, field)
        if field != "code" and len(value) > limit:
            add(field, _("At most %(n)d characters.") % {"n": limit})
    for field in ("name", "name_en", "subject"):
        problem = text_problem(_clean_text(data, field))
        if problem:
            add(field, problem)
    method = _clean_text(data, "method")
    if method not in InspectionItem.Method.values:
        add("method", _("Choose how the item is checked."))
    department = data.get("department")
    if not isinstance(department, Department):
        add("department", _("Choose the department that checks the item."))
    elif not departments_of_jurisdiction(user=actor).filter(pk=department.pk).exists():
        add("department", _("You may only write the items of your own department."))
    skill = data.get("required_skill")
    if skill is not None and not isinstance(skill, Skill):
        add("required_skill", _("Choose a skill of the list, or none."))
    if item is not None and item.pk is not None:
        if not departments_of_jurisdiction(user=actor).filter(pk=item.department_id).exists():
            add(
                "department",
                _("This item belongs to another department: you cannot change it."),
            )
        plans = _open_plans_using(item)
        if plans and code and code != item.code:
            add("code", _("The code of an item used by a plan cannot be changed."))
        if plans and not data.get("is_active", True):
            add(
                "is_active",
                _("Plans that are not closed use this item (%(plans)s): it stays active.")
                % {"plans": ", ".join(p.code for p in plans)},
            )
        if isinstance(department, Department):
            outside = [
                p.code for p in plans if department.pk not in {d.pk for d in p.departments.all()}
            ]
            if outside:
                add(
                    "department",
                    _(
                        "Plans %(plans)s use this item and do not include %(department)s: "
                        "change them first."
                    )
                    % {"plans": ", ".join(outside), "department": department},
                )
    return errors


def item_save(
    *,
    actor: User,
    data: Mapping[str, Any],
    item: InspectionItem | None = None,
    expected_version: int | None = None,
) -> InspectionItem:
    """Create an item from `data` (`ITEM_FIELDS`), or change `item`.

    Rules: `item_problems`; a change sends the version it read (`expected_version`): a stale
    one is a `ConflictError` and nothing is written. Side effects: the item (its version
    moves on); audit `inspections.item_saved` with the fields that changed.
    """
    with transaction.atomic():
        locked = None
        if item is not None:
            locked = InspectionItem.objects.select_for_update().get(pk=item.pk)
            if expected_version is not None and expected_version != locked.version:
                raise ConflictError(
                    _(
                        "Someone else changed this item meanwhile (version %(current)d, you "
                        "read %(read)d). Nothing was saved: check their changes, then save "
                        "again."
                    )
                    % {"current": locked.version, "read": expected_version},
                    current_version=locked.version,
                )
        # A change names only what changes (the API's PATCH): the rest is the stored value.
        merged: dict[str, Any] = (
            {field: getattr(locked, field) for field in ITEM_FIELDS} if locked is not None else {}
        )
        merged.update({k: v for k, v in data.items() if k in ITEM_FIELDS})
        errors = item_problems(actor=actor, data=merged, item=locked)
        if errors:
            raise ValidationError(errors)
        target = locked or InspectionItem()
        changed: list[str] = []
        for field in ITEM_FIELDS:
            value = merged.get(field)
            if field == "safety_sensitive":
                value = bool(value)
            elif field == "is_active":
                value = bool(merged.get(field, True))
            elif field not in {"department", "required_skill"}:
                value = str(value or "").strip()
            if locked is not None and getattr(target, field) != value:
                changed.append(field)
            setattr(target, field, value)
        if locked is not None:
            target.version = locked.version + 1
        target.save()
        audit_event_record(
            actor=actor,
            event_type=events.ITEM_SAVED,
            target=target,
            extra={
                "code": target.code,
                "created": locked is None,
                "changed": changed,
                "version": target.version,
            },
        )
    return target
