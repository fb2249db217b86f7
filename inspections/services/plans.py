"""Sampling plans (抽查计划, docs/domain.md §2 "Annual plan", "Joint cross-department checks"):
each with its items, scope (industries, streets, entity types: empty means all, 不定向), the
departments taking part (several: a joint plan, led by `lead_department`), dates inside its
year, how many inspectors go to a firm, and a ratio (percent of the stratum's pool) and a
yearly frequency per stratum (`PlanStratum`; class A keeps a floor above zero, §7).

A plan is edited while a draft (`plan_save`), approved before its first draw (`plan_approve`:
the same checks again, and enough inspectors for its draw, `inspections.services.pools.
plans_capacity_problems`), and closed when done (`plan_close`). Each write locks the plan,
checks the version the caller read (a stale one is a `ConflictError`), and records its audit
event in the same transaction.

Jurisdiction: a plan is written by staff whose jurisdiction holds its lead department.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises import industries
from enterprises.models import Enterprise
from inspections import audit_events as events
from inspections import rules
from inspections.models import InspectionItem, PlanStratum, SamplingPlan, Stratum
from inspections.services.catalogue import code_problem, text_problem

Status = SamplingPlan.Status
Kind = SamplingPlan.Kind
# A control draw tests whether the classes predict: it draws low-risk firms (issue 17 §3).
CONTROL_STRATA = (Stratum.A, Stratum.B)
CLASS_STRATA = (Stratum.A, Stratum.B, Stratum.C, Stratum.D)
PLAN_FIELDS = (
    "code",
    "name",
    "name_en",
    "year",
    "kind",
    "lead_department",
    "departments",
    "items",
    "industries",
    "streets",
    "entity_types",
    "starts_on",
    "ends_on",
    "min_inspectors",
    "note",
)
SCALAR_FIELDS = (
    "code",
    "name",
    "name_en",
    "year",
    "kind",
    "lead_department",
    "industries",
    "streets",
    "entity_types",
    "starts_on",
    "ends_on",
    "min_inspectors",
    "note",
)
MAX_FREQUENCY = 12  # checks a year per stratum: at most monthly [local]


@dataclass(frozen=True)
class StratumInput:
    """One row of a plan's strata as the forms and the API give it."""

    stratum: str
    ratio: Any
    frequency: Any = 1


def _list_of_codes(value: Any) -> list[str]:
    """A list of codes from a list, or from text separated by commas, spaces or new lines."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def normalize_scope(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The scope's three lists, trimmed, each value once, in the order given; divisions as two
    digits ("5" → "05")."""
    result: dict[str, list[str]] = {}
    for field in ("industries", "streets", "entity_types"):
        values = _list_of_codes(data.get(field))
        if field == "industries":
            values = [v.zfill(2) if v.isdigit() else v for v in values]
        result[field] = list(dict.fromkeys(values))
    return result


def unknown_streets(streets: Sequence[str]) -> list[str]:
    """The streets (towns) no market entity of the register is in: the register's street is
    free text (`Enterprise.division`), so a street a plan names must be one it holds."""
    if not streets:
        return []
    known = set(
        Enterprise.objects.filter(division__in=list(streets))
        .values_list("division", flat=True)
        .distinct()
    )
    return [s for s in streets if s not in known]


def _ratio(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        ratio = Decimal(str(value).strip().rstrip("%").strip())
    except (InvalidOperation, ValueError):
        return None
    return ratio if ratio.is_finite() else None


def strata_problems(*, kind: str, strata: Sequence[StratumInput]) -> list[str]:
    """What refuses a plan's strata, one message each (docs/domain.md §2, §7)."""
    problems: list[str] = []
    if not strata:
        return [_("Give the ratio of at least one stratum.")]
    seen: set[str] = set()
    labels = dict(Stratum.choices)
    for row in strata:
        label = labels.get(row.stratum, row.stratum)
        if row.stratum not in labels:
            problems.append(_("Unknown stratum %(s)s.") % {"s": row.stratum})
            continue
        if row.stratum in seen:
            problems.append(_("%(s)s is given twice.") % {"s": label})
            continue
        seen.add(row.stratum)
        ratio = _ratio(row.ratio)
        if ratio is None:
            problems.append(_("%(s)s: enter the ratio as a number of percent.") % {"s": label})
        elif ratio < 0 or ratio > 100:
            problems.append(
                _("%(s)s: a ratio is between 0 and 100 %%, not %(r)s %%.")
                % {"s": label, "r": row.ratio}
            )
        elif ratio.as_tuple().exponent < -2:  # type: ignore[operator]
            problems.append(_("%(s)s: at most two decimals.") % {"s": label})
        elif row.stratum == Stratum.A and ratio < Decimal(rules.A_FLOOR_PERCENT):
            problems.append(
                _(
                    "Class A: at least %(floor)s %% (classification exempts no one from checks, "
                    "docs/domain.md §7); %(r)s %% is below the floor."
                )
                % {"floor": rules.A_FLOOR_PERCENT, "r": row.ratio}
            )
        try:
            frequency = int(row.frequency)
        except (TypeError, ValueError):
            frequency = 0
        if not 1 <= frequency <= MAX_FREQUENCY:
            problems.append(
                _("%(s)s: checks per year are between 1 and %(max)d.")
                % {"s": label, "max": MAX_FREQUENCY}
            )
    if kind == Kind.CONTROL:
        others = [labels[s] for s in sorted(seen) if s not in CONTROL_STRATA]
        if others:
            problems.append(
                _(
                    "A control draw tests the classes on low-risk firms: only classes A and B, "
                    "not %(others)s."
                )
                % {"others": ", ".join(str(o) for o in others)}
            )
    elif seen & {Stratum.B, Stratum.C, Stratum.D} and Stratum.A not in seen:
        problems.append(
            _(
                "Class A must be drawn too, at %(floor)s %% at least: classification exempts "
                "no one from checks (docs/domain.md §7)."
            )
            % {"floor": rules.A_FLOOR_PERCENT}
        )
    return problems


def plan_problems(
    *,
    actor: User,
    data: Mapping[str, Any],
    strata: Sequence[StratumInput],
    plan: SamplingPlan | None = None,
) -> dict[str, list[str]]:
    """What refuses `data` and `strata` as a plan (new, or `plan` changed), by field; writes
    nothing. `data` holds `PLAN_FIELDS` (departments and items as lists of objects).

    Rules (docs/domain.md §2, §7; issue 17 "Bad input"): a unique code; a name; a year; dates
    inside the year, the end not before the start; a lead department of the actor's
    jurisdiction, among the plan's departments; at least one active item, each of one of the
    plan's departments; known industry divisions (GB/T 4754), streets (of the register) and
    entity types; at least `rules.MIN_INSPECTORS` inspectors per firm; the strata's ratios
    between 0 and 100 %, class A at its floor, a control plan with classes A and B only.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    code = str(data.get("code") or "").strip()
    problem = code_problem(code)
    if problem:
        add("code", problem)
    elif SamplingPlan.objects.filter(code=code).exclude(pk=plan.pk if plan else 0).exists():
        add("code", _("Another plan has the code %(code)s.") % {"code": code})
    name = str(data.get("name") or "").strip()
    if not name:
        add("name", _("Enter the plan's name."))
    for field, limit in (("name", 200), ("name_en", 200)):
        value = str(data.get(field) or "").strip()
        if len(value) > limit:
            add(field, _("At most %(n)d characters.") % {"n": limit})
        problem = text_problem(value)
        if problem:
            add(field, problem)
    kind = str(data.get("kind") or Kind.RANDOM)
    if kind not in Kind.values:
        add("kind", _("Choose a random check or a control draw."))

    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        add("year", _("Enter the plan's year."))
        year = None
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if not isinstance(starts_on, dt.date):
        add("starts_on", _("Enter the day the plan starts."))
    elif year is not None and starts_on.year != year:
        add(
            "starts_on",
            _("The plan is for %(year)d: it starts within that year, not on %(day)s.")
            % {"year": year, "day": starts_on.isoformat()},
        )
    if not isinstance(ends_on, dt.date):
        add("ends_on", _("Enter the day the plan ends."))
    elif year is not None and ends_on.year != year:
        add(
            "ends_on",
            _("The plan is for %(year)d: it ends within that year, not on %(day)s.")
            % {"year": year, "day": ends_on.isoformat()},
        )
    elif isinstance(starts_on, dt.date) and ends_on < starts_on:
        add(
            "ends_on",
            _("The plan ends on %(end)s, before it starts (%(start)s).")
            % {"end": ends_on.isoformat(), "start": starts_on.isoformat()},
        )

    lead = data.get("lead_department")
    departments = [d for d in data.get("departments") or [] if isinstance(d, Department)]
    department_ids = {d.pk for d in departments}
    if not isinstance(lead, Department):
        add("lead_department", _("Choose the lead department."))
    else:
        if not departments_of_jurisdiction(user=actor).filter(pk=lead.pk).exists():
            add(
                "lead_department",
                _("%(d)s is not in your jurisdiction: you cannot plan for it.") % {"d": lead},
            )
        if lead.pk not in department_ids:
            add(
                "departments",
                _("The lead department %(d)s must be one of the plan's departments.") % {"d": lead},
            )
    if (
        plan is not None
        and plan.pk is not None
        and not departments_of_jurisdiction(user=actor).filter(pk=plan.lead_department_id).exists()
    ):
        add(
            "lead_department",
            _("This plan is led by another department: you cannot change it."),
        )
    inactive = [str(d) for d in departments if not d.is_active]
    if inactive:
        add(
            "departments",
            _("Inactive departments cannot take part: %(d)s.") % {"d": ", ".join(inactive)},
        )

    items = [i for i in data.get("items") or [] if isinstance(i, InspectionItem)]
    if not items:
        add("items", _("Choose at least one inspection item."))
    for item in items:
        if not item.is_active:
            add("items", _("Item %(code)s is not active.") % {"code": item.code})
        if item.department_id not in department_ids:
            add(
                "items",
                _(
                    "Item %(code)s is checked by %(d)s, which is not one of the plan's "
                    "departments: add the department, or choose another item."
                )
                % {"code": item.code, "d": item.department},
            )

    scope = normalize_scope(data)
    bad_divisions = [v for v in scope["industries"] if industries.section_of(v) is None]
    if bad_divisions:
        add(
            "industries",
            _("Unknown industry divisions: %(v)s (GB/T 4754-2017 divisions are 01 to 97).")
            % {"v": ", ".join(bad_divisions)},
        )
    bad_types = [v for v in scope["entity_types"] if v not in Enterprise.EntityType.values]
    if bad_types:
        add(
            "entity_types",
            _("Unknown entity types: %(v)s. Known: %(known)s.")
            % {"v": ", ".join(bad_types), "known": ", ".join(Enterprise.EntityType.values)},
        )
    for street in scope["streets"]:
        if len(street) > 64 or text_problem(street):
            add("streets", _("Not a street name: %(v)s.") % {"v": street[:64]})
    bad_streets = unknown_streets(scope["streets"])
    if bad_streets:
        add(
            "streets",
            _("No market entity of the register is in these streets: %(v)s.")
            % {"v": ", ".join(bad_streets)},
        )

    minimum = data.get("min_inspectors")
    if not isinstance(minimum, int) or minimum < rules.MIN_INSPECTORS:
        add(
            "min_inspectors",
            _(
                "At least %(n)d inspectors go to each firm (APL art. 42, docs/domain.md §2); "
                "%(given)s is too few."
            )
            % {"n": rules.MIN_INSPECTORS, "given": minimum},
        )
    elif minimum > 10:
        add("min_inspectors", _("At most 10 inspectors per firm."))
    for problem in strata_problems(kind=kind, strata=strata):
        add("strata", problem)
    return errors


def _conflict(plan: SamplingPlan, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != plan.version:
        raise ConflictError(
            _(
                "Someone else changed plan %(code)s meanwhile (version %(current)d, you read "
                "%(read)d). Nothing was saved: check their changes, then try again."
            )
            % {"code": plan.code, "current": plan.version, "read": expected_version},
            current_version=plan.version,
        )


def plan_current_data(plan: SamplingPlan) -> dict[str, Any]:
    """The stored plan in the shape `plan_save` takes (for a change that names a few fields)."""
    return {
        **{field: getattr(plan, field) for field in SCALAR_FIELDS},
        "departments": list(plan.departments.all()),
        "items": list(plan.items.all()),
    }


def plan_current_strata(plan: SamplingPlan) -> list[StratumInput]:
    return [StratumInput(s.stratum, s.ratio, s.frequency) for s in plan.strata.all()]


def plan_save(
    *,
    actor: User,
    data: Mapping[str, Any],
    strata: Sequence[StratumInput] | None = None,
    plan: SamplingPlan | None = None,
    expected_version: int | None = None,
) -> SamplingPlan:
    """Create a draft plan from `data` and `strata`, or change the draft `plan` (fields not in
    `data`, and `strata` None, keep their stored values).

    Rules: `plan_problems`; only a draft is changed; a change sends the version it read (a
    stale one is a `ConflictError`). Side effects: the plan, its departments, items and strata
    (replaced), its version moved on; audit `inspections.plan_saved`.
    """
    with transaction.atomic():
        locked = None
        merged: dict[str, Any] = {}
        if plan is not None:
            locked = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
            _conflict(locked, expected_version)
            if locked.status != Status.DRAFT:
                raise ValidationError(
                    _("Plan %(code)s is %(status)s: only a draft is edited.")
                    % {"code": locked.code, "status": locked.get_status_display()},
                    code="not_draft",
                )
            merged = plan_current_data(locked)
            if strata is None:
                strata = plan_current_strata(locked)
        merged.update({k: v for k, v in data.items() if k in PLAN_FIELDS})
        strata = list(strata or [])
        errors = plan_problems(actor=actor, data=merged, strata=strata, plan=locked)
        if errors:
            raise ValidationError(errors)
        scope = normalize_scope(merged)
        target = locked or SamplingPlan(created_by=actor, status=Status.DRAFT)
        target.code = str(merged["code"]).strip()
        target.name = str(merged["name"]).strip()
        target.name_en = str(merged.get("name_en") or "").strip()
        target.year = merged["year"]
        target.kind = merged.get("kind") or Kind.RANDOM
        target.lead_department = merged["lead_department"]
        target.industries = scope["industries"]
        target.streets = scope["streets"]
        target.entity_types = scope["entity_types"]
        target.starts_on = merged["starts_on"]
        target.ends_on = merged["ends_on"]
        target.min_inspectors = merged["min_inspectors"]
        target.note = str(merged.get("note") or "").strip()
        if locked is not None:
            target.version = locked.version + 1
        target.save()
        target.departments.set(merged["departments"])
        target.items.set(merged["items"])
        PlanStratum.objects.filter(plan=target).delete()
        PlanStratum.objects.bulk_create(
            [
                PlanStratum(
                    plan=target,
                    stratum=row.stratum,
                    ratio=_ratio(row.ratio) or Decimal(0),
                    frequency=int(row.frequency),
                )
                for row in sorted(strata, key=lambda r: r.stratum)
            ]
        )
        audit_event_record(
            actor=actor,
            event_type=events.PLAN_SAVED,
            target=target,
            extra={
                "code": target.code,
                "created": locked is None,
                "version": target.version,
                "departments": sorted(d.code for d in merged["departments"]),
                "items": sorted(i.code for i in merged["items"]),
                "strata": {
                    row.stratum: [str(_ratio(row.ratio)), int(row.frequency)] for row in strata
                },
            },
        )
    return target


def _capacity_problems(plan: SamplingPlan, as_of: dt.date) -> list[str]:
    """Not enough inspectors for the plan's draw, with the numbers (the draw core's check,
    `inspections.services.pools.plans_capacity_problems`)."""
    from inspections.services.pools import plans_capacity_problems

    return [str(p) for p in plans_capacity_problems(plans=[plan], as_of=as_of)]


def plan_approve(
    *, actor: User, plan: SamplingPlan, expected_version: int | None = None
) -> SamplingPlan:
    """Approve the draft `plan`: from now on it may be drawn, and it no longer changes.

    Rules: a draft; the version read; `plan_problems` again (an item may have been made
    inactive since); the plan not over; enough active inspectors for its draw
    (`plans_capacity_problems`, as of today). Side effects: status approved, who and when;
    audit `inspections.plan_approved`.
    """
    today = timezone.localdate()
    with transaction.atomic():
        locked = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
        _conflict(locked, expected_version)
        if locked.status != Status.DRAFT:
            raise ValidationError(
                _("Plan %(code)s is %(status)s already: only a draft is approved.")
                % {"code": locked.code, "status": locked.get_status_display()},
                code="not_draft",
            )
        errors = plan_problems(
            actor=actor,
            data=plan_current_data(locked),
            strata=plan_current_strata(locked),
            plan=locked,
        )
        if locked.ends_on < today:
            errors.setdefault("ends_on", []).append(
                _("The plan ended on %(day)s: it can no longer be approved.")
                % {"day": locked.ends_on.isoformat()}
            )
        if not errors:
            problems = _capacity_problems(locked, today)
            if problems:
                errors["min_inspectors"] = problems
        if errors:
            raise ValidationError(errors)
        locked.status = Status.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "approved_by", "approved_at", "version", "updated_at"])
        audit_event_record(
            actor=actor,
            event_type=events.PLAN_APPROVED,
            target=locked,
            extra={"code": locked.code, "version": locked.version},
        )
    return locked


def plan_close(
    *, actor: User, plan: SamplingPlan, expected_version: int | None = None
) -> SamplingPlan:
    """Close `plan` (a draft given up, or an approved plan done): it is no longer drawn.

    Rules: not closed already; the version read; the lead department in the actor's
    jurisdiction. Its draws and inspections go on. Side effects: status closed; audit
    `inspections.plan_closed`.
    """
    with transaction.atomic():
        locked = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
        _conflict(locked, expected_version)
        if locked.status == Status.CLOSED:
            raise ValidationError(
                _("Plan %(code)s is closed already.") % {"code": locked.code}, code="closed"
            )
        if (
            not departments_of_jurisdiction(user=actor)
            .filter(pk=locked.lead_department_id)
            .exists()
        ):
            raise ValidationError(
                _("This plan is led by another department: you cannot close it."),
                code="jurisdiction",
            )
        before = locked.status
        locked.status = Status.CLOSED
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        audit_event_record(
            actor=actor,
            event_type=events.PLAN_CLOSED,
            target=locked,
            extra={"code": locked.code, "old": {"status": before}, "version": locked.version},
        )
    return locked
